//! Data-parallel training: the iris network of `neural_network` on a
//! synthetic data set of 100,000 flowers, trained on one core, on all
//! cores, and, when started under `mpirun -np N` with the `mpi` feature, on
//! N ranks.
//!
//! Each mini-batch's gradient is the sum of its examples' gradients, from
//! the `#[grad]`-generated `batch_loss_grad` of one example at a time.
//! [`batch_gradient`] spreads the examples over rayon's pool and adds the
//! per-thread gradients in a fixed tree, so the model trained on all cores
//! is the model trained on one, bit for bit: the example checks it. Under
//! MPI, each rank computes the gradient of its shard of every batch on all
//! of its cores, the ranks sum their gradients, and every rank takes the
//! same Adam step.
//!
//! Run it on one machine with
//! `cargo run --release --example parallel_training`, and on N processes
//! (one machine or a cluster) with
//! `cargo build --release --features mpi --example parallel_training` then
//! `mpirun -np N target/release/examples/parallel_training` (add
//! `--hostfile FILE` for several machines). An optional argument sets the
//! number of flowers.

// The loops index arrays as the lesson's formulas do.
#![allow(clippy::needless_range_loop)]

use std::time::{Duration, Instant};

use autodiff::prelude::*;

// The network, its loss and its accuracy, from the `neural_network` example.
#[allow(dead_code)]
#[path = "neural_network.rs"]
mod neural_network;

use neural_network::{accuracy, batch_loss_grad, loss, Data, Mlp, CLASSES, INPUTS};

/// Flowers in the synthetic data set, unless the first argument says.
pub const POINTS: usize = 100_000;
/// Examples per mini-batch: enough work per step for every core.
pub const BATCH_SIZE: usize = 4096;
/// Passes over the data set per run.
pub const EPOCHS: usize = 3;
/// The seed of the data, the batch order and the initial weights.
pub const SEED: u64 = 7;

/// `n` flowers drawn around three centres (one per species) with unit
/// spread, as standardized iris measurements look.
pub fn synthetic(n: usize, seed: u64) -> Data {
    let centres = [[-1.0, 0.8, -1.3, -1.2], [0.1, -0.6, 0.3, 0.2], [1.0, -0.2, 1.0, 1.1]];
    let mut state = seed;
    let mut uniform = move || {
        // SplitMix64, then the top 53 bits as a fraction in (0, 1].
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        ((z >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    };
    let mut data = Data { x: Vec::with_capacity(n), y: Vec::with_capacity(n) };
    for i in 0..n {
        let class = i % CLASSES;
        let mut x = [0.0; INPUTS];
        for j in 0..INPUTS {
            // Box–Muller: a standard normal from two uniforms.
            let (u, v) = (uniform(), uniform());
            let normal = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
            x[j] = centres[class][j] + 0.6 * normal;
        }
        data.x.push(x);
        data.y.push(class);
    }
    data
}

/// Example `i`'s loss, its gradient added into `d_model`.
fn example_grad(model: &Mlp, d_model: &mut Mlp, data: &Data, i: usize) -> f64 {
    batch_loss_grad(model, d_model, std::slice::from_ref(&data.x[i]), &data.y[i..=i])
}

/// What a run ended with.
pub struct Run {
    /// The trained network.
    pub model: Mlp,
    /// The mean time of an epoch.
    pub per_epoch: Duration,
}

/// Trains a fresh network for `epochs` passes with Adam, one step per
/// shuffled batch, the batch's gradient from `gradient` (the summed loss and
/// gradient of the batch's examples).
pub fn train(data: &Data, epochs: usize, mut gradient: impl FnMut(&Mlp, &[usize]) -> (f64, Mlp)) -> Run {
    let mut model = Mlp::new(SEED);
    let mut opt = Adam::new(0.01);
    let mut batches = Batches::new(data.len(), BATCH_SIZE).shuffled(SEED);
    let start = Instant::now();
    for _ in 0..epochs {
        for batch in batches.epoch() {
            let (_, mut grad) = gradient(&model, batch);
            grad.scale(1.0 / batch.len() as f64);
            opt.step_params(&mut model, &grad);
        }
    }
    Run { model, per_epoch: start.elapsed() / epochs.max(1) as u32 }
}

/// Trains on the threads of a rayon pool of `threads` threads.
pub fn train_on(data: &Data, epochs: usize, threads: usize) -> Run {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("a thread pool");
    pool.install(|| train(data, epochs, |m, batch| batch_gradient(m, batch, |i, d| example_grad(m, d, data, i))))
}

fn report(name: &str, run: &Run, data: &Data, baseline: Option<&Run>) {
    let speedup = baseline
        .map_or(String::new(), |b| format!(", {:.2}× faster", b.per_epoch.as_secs_f64() / run.per_epoch.as_secs_f64()));
    println!(
        "{name:<22} {:>9.1?} per epoch{speedup}; loss {:.4}, accuracy {:.1} %",
        run.per_epoch,
        loss(&run.model, data),
        100.0 * accuracy(&run.model, data)
    );
}

/// One core against all cores, on this machine.
fn on_one_machine(data: &Data) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let one = train_on(data, EPOCHS, 1);
    report("1 core", &one, data, None);
    let all = train_on(data, EPOCHS, cores);
    report(&format!("{cores} cores"), &all, data, Some(&one));
    let same = one.model == all.model;
    println!("the two models are {}", if same { "identical, bit for bit" } else { "DIFFERENT" });
    assert!(same, "batch_gradient must not depend on the number of threads");
}

/// Every rank's shard of each batch, summed across the ranks.
#[cfg(feature = "mpi")]
fn on_ranks(world: &mut MpiWorld, data: &Data) {
    let ranks = world.size();
    let distributed =
        train(data, EPOCHS, |m, batch| world.batch_gradient(m, batch, |i, d| example_grad(m, d, data, i)));
    // The same training on this rank alone, on all its cores: the baseline.
    let alone = train(data, EPOCHS, |m, batch| batch_gradient(m, batch, |i, d| example_grad(m, d, data, i)));
    if world.is_root() {
        report("1 rank", &alone, data, None);
        report(&format!("{ranks} ranks"), &distributed, data, Some(&alone));
        let worst = distributed
            .model
            .to_flat()
            .iter()
            .zip(alone.model.to_flat())
            .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
            .fold(0.0, f64::max);
        println!("largest relative difference between the two models: {worst:.1e}");
    }
}

fn main() {
    let points = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(POINTS);
    let data = synthetic(points, SEED);
    let parameters = Mlp::new(SEED).num_params();

    #[cfg(feature = "mpi")]
    {
        let mut world = MpiWorld::init();
        if world.size() > 1 {
            if world.is_root() {
                println!("{points} flowers, MLP 4-16-3 ({parameters} parameters), batches of {BATCH_SIZE}, {EPOCHS} epochs, {} MPI ranks\n", world.size());
            }
            on_ranks(&mut world, &data);
            return;
        }
    }
    println!("{points} flowers, MLP 4-16-3 ({parameters} parameters), batches of {BATCH_SIZE}, {EPOCHS} epochs\n");
    on_one_machine(&data);
}
