//! Generated gradients (`NAME_grad`) against hand-written adjoints, for
//! functions with loops over slices and model structs.
//!
//! One criterion group per function, each with `primal`, `generated` and
//! `hand` benchmarks run in the same process, as in `benches/scalar.rs`.
//! Inputs pass through `black_box` on every iteration and outputs are
//! `black_box`ed. The shadows (`d_x`, `d_m`) are allocated once, outside
//! the timing loop, the same way for the generated and the hand-written
//! gradient; both add into them, so they are not reset between iterations
//! (what is timed is one gradient, not a gradient and a `fill(0.0)`).
//!
//! ```text
//! cargo bench -p autodiff-benchmarks --bench loops
//! ```

use std::hint::black_box;
use std::time::Duration;

use autodiff::Params;
use autodiff_benchmarks::loops::*;
use criterion::{criterion_group, criterion_main, Criterion};

fn bench_dot(c: &mut Criterion) {
    let x = uniform(N, -1.0, 1.0, 1);
    let y = uniform(N, -1.0, 1.0, 2);
    let mut d_x = vec![0.0; N];
    let mut d_y = vec![0.0; N];
    let mut group = c.benchmark_group("dot");
    group.bench_function("primal", |bench| bench.iter(|| black_box(dot(black_box(&x), black_box(&y)))));
    group.bench_function("generated", |bench| {
        bench.iter(|| black_box(dot_grad(black_box(&x), &mut d_x, black_box(&y), &mut d_y)))
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| black_box(dot_hand(black_box(&x), &mut d_x, black_box(&y), &mut d_y)))
    });
    group.finish();
}

fn bench_rosenbrock(c: &mut Criterion) {
    let x = uniform(N, -1.5, 2.0, 5);
    let mut d_x = vec![0.0; N];
    let mut group = c.benchmark_group("rosenbrock");
    group.bench_function("primal", |bench| bench.iter(|| black_box(rosenbrock(black_box(&x)))));
    group.bench_function("generated", |bench| bench.iter(|| black_box(rosenbrock_grad(black_box(&x), &mut d_x))));
    group.bench_function("hand", |bench| bench.iter(|| black_box(rosenbrock_hand(black_box(&x), &mut d_x))));
    group.finish();
}

fn bench_mlp(c: &mut Criterion) {
    let m = Mlp::new(7);
    let mut d_m = m.zeros_like();
    let (x, y) = samples(1, 8);
    let (x, y) = (&x[0], y[0]);
    let mut group = c.benchmark_group("mlp");
    group.bench_function("primal", |bench| bench.iter(|| black_box(mlp(black_box(&m), black_box(x), black_box(y)))));
    group.bench_function("generated", |bench| {
        bench.iter(|| black_box(mlp_grad(black_box(&m), &mut d_m, black_box(x), black_box(y))))
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| black_box(mlp_hand(black_box(&m), &mut d_m, black_box(x), black_box(y))))
    });
    group.finish();
}

fn bench_mlp_batch(c: &mut Criterion) {
    let m = Mlp::new(9);
    let mut d_m = m.zeros_like();
    let (x, y) = samples(BATCH, 10);
    let mut group = c.benchmark_group("mlp_batch");
    // Milliseconds per call: 30 samples are enough and keep the run short.
    group.sample_size(30);
    group.bench_function("primal", |bench| {
        bench.iter(|| black_box(mlp_batch(black_box(&m), black_box(&x), black_box(&y))))
    });
    group.bench_function("generated", |bench| {
        bench.iter(|| black_box(mlp_batch_grad(black_box(&m), &mut d_m, black_box(&x), black_box(&y))))
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| black_box(mlp_batch_hand(black_box(&m), &mut d_m, black_box(&x), black_box(&y))))
    });
    group.finish();
}

fn bench_seed_net(c: &mut Criterion) {
    let net = seed_net_weights();
    let mut d_net = net.zeros_like();
    let (x, y) = SEED_NET_INPUT;
    let mut group = c.benchmark_group("seed_net");
    group.bench_function("primal", |bench| {
        bench.iter(|| black_box(seed_net(black_box(&net), black_box(&x), black_box(y))))
    });
    group.bench_function("generated", |bench| {
        bench.iter(|| black_box(seed_net_grad(black_box(&net), &mut d_net, black_box(&x), black_box(y))))
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| black_box(seed_net_hand(black_box(&net), &mut d_net, black_box(&x), black_box(y))))
    });
    group.finish();
}

/// As in `benches/scalar.rs`: 1 s of warm-up, 3 s of measurement; the
/// command line (`--warm-up-time`, `--measurement-time`) still overrides.
fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = loops;
    config = config();
    targets = bench_dot, bench_rosenbrock, bench_mlp, bench_mlp_batch, bench_seed_net
}
criterion_main!(loops);
