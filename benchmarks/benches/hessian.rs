//! Generated Hessian-vector products (`NAME_hvp`) against the gradient
//! (`NAME_grad`) and against hand-written ones (`benchmarks/src/hvp.rs`):
//! Rosenbrock at `n = 10³` and the lesson's network.
//!
//! One criterion group `NAME_hvp` per function, with `grad` (the generated
//! `NAME_grad`, what the target is relative to), `generated` (`NAME_hvp`)
//! and `hand` (`NAME_hvp_hand`), run in the same process. Inputs and
//! directions pass through `black_box` on every iteration and outputs are
//! `black_box`ed. The shadow and the product buffers are allocated once,
//! outside the timing loop; all three add into theirs, which are not reset
//! between calls, as in `benches/loops.rs`.
//!
//! ```text
//! cargo bench -p autodiff-benchmarks --bench hessian
//! ```

use std::hint::black_box;
use std::time::Duration;

use autodiff::Params;
use autodiff_benchmarks::hvp::*;
use autodiff_benchmarks::loops::*;
use criterion::{criterion_group, criterion_main, Criterion};

fn bench_rosenbrock(c: &mut Criterion) {
    let (x, v_x) = (uniform(HVP_N, -1.5, 2.0, 5), uniform(HVP_N, -1.0, 1.0, 6));
    let (mut d_x, mut hv_x) = (vec![0.0; HVP_N], vec![0.0; HVP_N]);
    let mut group = c.benchmark_group("rosenbrock_hvp");
    group.bench_function("grad", |bench| bench.iter(|| black_box(rosenbrock_grad(black_box(&x), &mut d_x))));
    group.bench_function("generated", |bench| {
        bench.iter(|| black_box(rosenbrock_hvp(black_box(&x), black_box(&v_x), &mut hv_x)))
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| black_box(rosenbrock_hvp_hand(black_box(&x), black_box(&v_x), &mut hv_x)))
    });
    group.finish();
}

fn bench_seed_net(c: &mut Criterion) {
    let net = seed_net_weights();
    let mut v_net = net.zeros_like();
    v_net.copy_from_flat(&uniform(10, -1.0, 1.0, 12));
    let (mut d_net, mut hv_net) = (net.zeros_like(), net.zeros_like());
    let (x, y) = SEED_NET_INPUT;
    let mut group = c.benchmark_group("seed_net_hvp");
    group.bench_function("grad", |bench| {
        bench.iter(|| black_box(seed_net_grad(black_box(&net), &mut d_net, black_box(&x), black_box(y))))
    });
    group.bench_function("generated", |bench| {
        bench.iter(|| {
            black_box(seed_net_hvp(black_box(&net), black_box(&v_net), &mut hv_net, black_box(&x), black_box(y)))
        })
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| {
            black_box(seed_net_hvp_hand(black_box(&net), black_box(&v_net), &mut hv_net, black_box(&x), black_box(y)))
        })
    });
    group.finish();
}

/// As in `benches/scalar.rs`: 1 s of warm-up, 3 s of measurement; the
/// command line (`--warm-up-time`, `--measurement-time`) still overrides.
fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = hessian;
    config = config();
    targets = bench_rosenbrock, bench_seed_net
}
criterion_main!(hessian);
