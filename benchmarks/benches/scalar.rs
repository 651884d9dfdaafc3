//! Generated gradients (`NAME_grad`) against hand-written adjoints.
//!
//! One criterion group per function, each with three benchmarks run in the
//! same process: `primal` (the function alone), `generated` (`NAME_grad`)
//! and `hand` (the hand-written adjoint). Inputs pass through
//! `black_box` on every iteration and outputs are `black_box`ed, so nothing
//! is folded at compile time or hoisted out of the timing loop.
//!
//! ```text
//! cargo bench -p autodiff-benchmarks
//! cargo run --release -p autodiff-benchmarks --bin ratios -- --update BENCHMARKS.md
//! ```

use std::hint::black_box;
use std::time::Duration;

use autodiff_benchmarks::*;
use criterion::{criterion_group, criterion_main, Criterion};

fn bench_j(c: &mut Criterion) {
    let (a, b, cc) = inputs::J;
    let mut group = c.benchmark_group("j");
    group.bench_function("primal", |bench| bench.iter(|| black_box(j(black_box(a), black_box(b), black_box(cc)))));
    group.bench_function("generated", |bench| {
        bench.iter(|| black_box(j_grad(black_box(a), black_box(b), black_box(cc))))
    });
    group.bench_function("hand", |bench| bench.iter(|| black_box(j_hand(black_box(a), black_box(b), black_box(cc)))));
    group.finish();
}

fn bench_sigmoid_chain(c: &mut Criterion) {
    let x = inputs::SIGMOID;
    let mut group = c.benchmark_group("sigmoid_chain");
    group.bench_function("primal", |bench| bench.iter(|| black_box(sigmoid_chain(black_box(x)))));
    group.bench_function("generated", |bench| bench.iter(|| black_box(sigmoid_chain_grad(black_box(x)))));
    group.bench_function("hand", |bench| bench.iter(|| black_box(sigmoid_chain_hand(black_box(x)))));
    group.finish();
}

fn bench_sigmoid(c: &mut Criterion) {
    let x = inputs::SIGMOID;
    let mut group = c.benchmark_group("sigmoid");
    group.bench_function("primal", |bench| bench.iter(|| black_box(sigmoid(black_box(x)))));
    group.bench_function("generated", |bench| bench.iter(|| black_box(sigmoid_grad(black_box(x)))));
    group.bench_function("hand", |bench| bench.iter(|| black_box(sigmoid_hand(black_box(x)))));
    group.finish();
}

fn bench_nn(c: &mut Criterion) {
    let w = inputs::NN;
    let mut group = c.benchmark_group("nn");
    group.bench_function("primal", |bench| bench.iter(|| black_box(call_nn!(nn, black_box(w)))));
    group.bench_function("generated", |bench| bench.iter(|| black_box(call_nn!(nn_grad, black_box(w)))));
    group.bench_function("hand", |bench| bench.iter(|| black_box(call_nn!(nn_hand, black_box(w)))));
    group.finish();
}

fn bench_drag(c: &mut Criterion) {
    let (vx, vy, k) = inputs::DRAG;
    let mut group = c.benchmark_group("drag");
    group.bench_function("primal", |bench| bench.iter(|| black_box(drag(black_box(vx), black_box(vy), black_box(k)))));
    group.bench_function("generated", |bench| {
        bench.iter(|| black_box(drag_grad(black_box(vx), black_box(vy), black_box(k))))
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| black_box(drag_hand(black_box(vx), black_box(vy), black_box(k))))
    });
    group.finish();
}

/// Shorter than criterion's defaults (3 s warm-up, 5 s measurement): the
/// functions take nanoseconds, so 100 samples in 3 s are plenty. The
/// command line (`--warm-up-time`, `--measurement-time`) still overrides.
fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = scalar;
    config = config();
    targets = bench_j, bench_sigmoid_chain, bench_sigmoid, bench_nn, bench_drag
}
criterion_main!(scalar);
