//! The gradient of a mini-batch of the MLP (784-128-10, `loops::mlp`) on
//! one core and on all of them: issue 11's target is a speedup of at least
//! 1.8× on 2 cores for a batch of 4096.
//!
//! One criterion group per batch size, with
//! - `serial`: a plain loop calling `mlp_grad` for each sample into one
//!   shadow (the baseline);
//! - `tree_1_thread`: `batch_gradient` on a pool of one thread (the cost of
//!   the summation tree alone);
//! - `rayon`: `batch_gradient` on rayon's global pool (every core).
//!
//! ```text
//! cargo bench -p autodiff-benchmarks --bench parallel
//! ```

use std::hint::black_box;
use std::time::Duration;

use autodiff::{batch_gradient, Params};
use autodiff_benchmarks::loops::*;
use criterion::{criterion_group, criterion_main, Criterion};

fn bench_batch(c: &mut Criterion, size: usize) {
    let m = Mlp::new(3);
    let (x, y) = samples(size, 4);
    let batch: Vec<usize> = (0..size).collect();
    let per_sample = |i: usize, d_m: &mut Mlp| mlp_grad(&m, d_m, &x[i], y[i]);
    let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a pool of one thread");

    let mut group = c.benchmark_group(format!("parallel_{size}"));
    group.sample_size(10);
    group.bench_function("serial", |bench| {
        bench.iter(|| {
            let mut d_m = m.zeros_like();
            let loss: f64 = batch.iter().map(|&i| per_sample(i, &mut d_m)).sum();
            black_box((loss, d_m))
        })
    });
    group.bench_function("tree_1_thread", |bench| {
        bench.iter(|| one_thread.install(|| black_box(batch_gradient(&m, black_box(&batch), per_sample))))
    });
    group.bench_function("rayon", |bench| bench.iter(|| black_box(batch_gradient(&m, black_box(&batch), per_sample))));
    group.finish();
}

fn bench_parallel(c: &mut Criterion) {
    for size in [256, 4096] {
        bench_batch(c, size);
    }
}

/// A batch of 4096 takes about half a second on one core: a short warm-up.
fn config() -> Criterion {
    Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5))
}

criterion_group! {
    name = parallel;
    config = config();
    targets = bench_parallel
}
criterion_main!(parallel);
