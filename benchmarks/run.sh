#!/bin/sh
# Runs the criterion benchmarks, then rewrites the results section of
# BENCHMARKS.md from criterion's estimates. Arguments go to criterion, e.g.
#   benchmarks/run.sh --warm-up-time 1 --measurement-time 3
# Set CARGO_TARGET_DIR as usual; both steps use it.
set -eu
cd "$(dirname "$0")/.."
cargo bench -p autodiff-benchmarks --features candle \
    --bench scalar --bench loops --bench forward --bench hessian --bench adbench --bench parallel -- "$@"
cargo run --release -q -p autodiff-benchmarks --features candle --bin ratios -- --update BENCHMARKS.md
