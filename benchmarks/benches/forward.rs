//! Generated forward mode (`NAME_jvp`) against hand-written tangent code
//! (`benchmarks/src/tangents.rs`), on the functions of `benches/scalar.rs`
//! and `benches/loops.rs`.
//!
//! One criterion group `NAME_jvp` per function, with `primal` (the function
//! alone), `generated` (`NAME_jvp`) and `hand` (`NAME_jvp_hand`), run in the
//! same process. Inputs and tangents pass through `black_box` on every
//! iteration and outputs are `black_box`ed, as in the other benches; forward
//! mode has no shadows, so nothing is allocated outside the timing loop but
//! the inputs and their tangents.
//!
//! ```text
//! cargo bench -p autodiff-benchmarks --bench forward
//! ```

use std::hint::black_box;
use std::time::Duration;

use autodiff_benchmarks::loops::*;
use autodiff_benchmarks::tangents::*;
use autodiff_benchmarks::{call_nn, call_nn_jvp, drag, drag_jvp, inputs, j, j_jvp, nn, nn_jvp};
use autodiff_benchmarks::{sigmoid, sigmoid_chain, sigmoid_chain_jvp, sigmoid_jvp};
use criterion::{criterion_group, criterion_main, Criterion};

/// The tangent of every scalar input: no 0 or ±1, which the generated code
/// could not exploit anyway (it sees a variable).
const D3: (f64, f64, f64) = (0.6, -1.3, 0.25);
/// The tangents of the 17 weights of `nn`.
const DNN: [f64; 17] =
    [0.3, -0.7, 0.2, 0.9, -0.4, 0.5, 0.1, -0.8, 0.6, -0.2, 0.35, 0.45, -0.15, 0.25, -0.55, 0.65, 0.05];

fn bench_j(c: &mut Criterion) {
    let (a, b, cc) = inputs::J;
    let (da, db, dc) = D3;
    let mut group = c.benchmark_group("j_jvp");
    group.bench_function("primal", |bench| bench.iter(|| black_box(j(black_box(a), black_box(b), black_box(cc)))));
    group.bench_function("generated", |bench| {
        bench.iter(|| {
            black_box(j_jvp(black_box(a), black_box(da), black_box(b), black_box(db), black_box(cc), black_box(dc)))
        })
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| {
            black_box(j_jvp_hand(
                black_box(a),
                black_box(da),
                black_box(b),
                black_box(db),
                black_box(cc),
                black_box(dc),
            ))
        })
    });
    group.finish();
}

fn bench_sigmoids(c: &mut Criterion) {
    let (x, dx) = (inputs::SIGMOID, D3.0);
    let mut group = c.benchmark_group("sigmoid_chain_jvp");
    group.bench_function("primal", |bench| bench.iter(|| black_box(sigmoid_chain(black_box(x)))));
    group.bench_function("generated", |bench| bench.iter(|| black_box(sigmoid_chain_jvp(black_box(x), black_box(dx)))));
    group.bench_function("hand", |bench| bench.iter(|| black_box(sigmoid_chain_jvp_hand(black_box(x), black_box(dx)))));
    group.finish();
    let mut group = c.benchmark_group("sigmoid_jvp");
    group.bench_function("primal", |bench| bench.iter(|| black_box(sigmoid(black_box(x)))));
    group.bench_function("generated", |bench| bench.iter(|| black_box(sigmoid_jvp(black_box(x), black_box(dx)))));
    group.bench_function("hand", |bench| bench.iter(|| black_box(sigmoid_jvp_hand(black_box(x), black_box(dx)))));
    group.finish();
}

fn bench_nn(c: &mut Criterion) {
    let w = inputs::NN;
    let mut group = c.benchmark_group("nn_jvp");
    group.bench_function("primal", |bench| bench.iter(|| black_box(call_nn!(nn, black_box(w)))));
    group.bench_function("generated", |bench| {
        bench.iter(|| black_box(call_nn_jvp!(nn_jvp, black_box(w), black_box(DNN))))
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| black_box(call_nn_jvp!(nn_jvp_hand, black_box(w), black_box(DNN))))
    });
    group.finish();
}

fn bench_drag(c: &mut Criterion) {
    let (vx, vy, k) = inputs::DRAG;
    let (dvx, dvy, dk) = D3;
    let mut group = c.benchmark_group("drag_jvp");
    group.bench_function("primal", |bench| bench.iter(|| black_box(drag(black_box(vx), black_box(vy), black_box(k)))));
    group.bench_function("generated", |bench| {
        bench.iter(|| {
            black_box(drag_jvp(
                black_box(vx),
                black_box(dvx),
                black_box(vy),
                black_box(dvy),
                black_box(k),
                black_box(dk),
            ))
        })
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| {
            let (vx, vy, k) = (black_box(vx), black_box(vy), black_box(k));
            black_box(drag_jvp_hand(vx, black_box(dvx), vy, black_box(dvy), k, black_box(dk)))
        })
    });
    group.finish();
}

fn bench_dot(c: &mut Criterion) {
    let (x, y) = (uniform(N, -1.0, 1.0, 1), uniform(N, -1.0, 1.0, 2));
    let (d_x, d_y) = (uniform(N, -1.0, 1.0, 3), uniform(N, -1.0, 1.0, 4));
    let mut group = c.benchmark_group("dot_jvp");
    group.bench_function("primal", |bench| bench.iter(|| black_box(dot(black_box(&x), black_box(&y)))));
    group.bench_function("generated", |bench| {
        bench.iter(|| black_box(dot_jvp(black_box(&x), black_box(&d_x), black_box(&y), black_box(&d_y))))
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| black_box(dot_jvp_hand(black_box(&x), black_box(&d_x), black_box(&y), black_box(&d_y))))
    });
    group.finish();
}

fn bench_rosenbrock(c: &mut Criterion) {
    let (x, d_x) = (uniform(N, -1.5, 2.0, 5), uniform(N, -1.0, 1.0, 6));
    let mut group = c.benchmark_group("rosenbrock_jvp");
    group.bench_function("primal", |bench| bench.iter(|| black_box(rosenbrock(black_box(&x)))));
    group.bench_function("generated", |bench| bench.iter(|| black_box(rosenbrock_jvp(black_box(&x), black_box(&d_x)))));
    group.bench_function("hand", |bench| bench.iter(|| black_box(rosenbrock_jvp_hand(black_box(&x), black_box(&d_x)))));
    group.finish();
}

fn bench_mlp(c: &mut Criterion) {
    let (m, d_m) = (Mlp::new(7), Mlp::new(20));
    let (x, y) = samples(1, 8);
    let (x, y) = (&x[0], y[0]);
    let mut group = c.benchmark_group("mlp_jvp");
    group.bench_function("primal", |bench| bench.iter(|| black_box(mlp(black_box(&m), black_box(x), black_box(y)))));
    group.bench_function("generated", |bench| {
        bench.iter(|| black_box(mlp_jvp(black_box(&m), black_box(&d_m), black_box(x), black_box(y))))
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| black_box(mlp_jvp_hand(black_box(&m), black_box(&d_m), black_box(x), black_box(y))))
    });
    group.finish();
}

fn bench_mlp_batch(c: &mut Criterion) {
    let (m, d_m) = (Mlp::new(9), Mlp::new(21));
    let (x, y) = samples(BATCH, 10);
    let mut group = c.benchmark_group("mlp_batch_jvp");
    // Milliseconds per call, as in `benches/loops.rs`.
    group.sample_size(30);
    group.bench_function("primal", |bench| {
        bench.iter(|| black_box(mlp_batch(black_box(&m), black_box(&x), black_box(&y))))
    });
    group.bench_function("generated", |bench| {
        bench.iter(|| black_box(mlp_batch_jvp(black_box(&m), black_box(&d_m), black_box(&x), black_box(&y))))
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| black_box(mlp_batch_jvp_hand(black_box(&m), black_box(&d_m), black_box(&x), black_box(&y))))
    });
    group.finish();
}

fn bench_seed_net(c: &mut Criterion) {
    let net = seed_net_weights();
    let mut d_net = autodiff::Params::zeros_like(&net);
    autodiff::Params::copy_from_flat(&mut d_net, &uniform(10, -1.0, 1.0, 12));
    let (x, y) = SEED_NET_INPUT;
    let mut group = c.benchmark_group("seed_net_jvp");
    group.bench_function("primal", |bench| {
        bench.iter(|| black_box(seed_net(black_box(&net), black_box(&x), black_box(y))))
    });
    group.bench_function("generated", |bench| {
        bench.iter(|| black_box(seed_net_jvp(black_box(&net), black_box(&d_net), black_box(&x), black_box(y))))
    });
    group.bench_function("hand", |bench| {
        bench.iter(|| black_box(seed_net_jvp_hand(black_box(&net), black_box(&d_net), black_box(&x), black_box(y))))
    });
    group.finish();
}

/// As in `benches/scalar.rs`: 1 s of warm-up, 3 s of measurement; the
/// command line (`--warm-up-time`, `--measurement-time`) still overrides.
fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = forward;
    config = config();
    targets = bench_j, bench_sigmoids, bench_nn, bench_drag, bench_dot, bench_rosenbrock, bench_mlp, bench_mlp_batch,
        bench_seed_net
}
criterion_main!(forward);
