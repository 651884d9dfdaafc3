//! Training on two MPI ranks gives the model that training on one gives.
//!
//! A test without the libtest harness (`harness = false`), built only with
//! the `mpi` feature. Run by `cargo test --features mpi`, it is the driver:
//! it starts itself again under `mpirun -np 2` and passes when both ranks
//! do. Under `mpirun` it is a rank: it trains the same network for a few
//! steps twice, with the gradient summed across the ranks and with the
//! whole batch on this rank alone (what one rank computes), and compares.
//! Without `mpirun` on the machine it says it is skipped, except under CI
//! (`CI` set), where `.ci/run` installs Open MPI and a skip is a failure.

// The network indexes its weights as the formulas do (W[i][j] x[j]).
#![allow(clippy::needless_range_loop)]

mod common;

use std::process::{Command, ExitCode};

use autodiff::prelude::*;
use common::sample;

#[derive(Params, Clone, Debug, PartialEq)]
struct Net {
    w1: [[f64; 3]; 8],
    b1: [f64; 8],
    w2: [f64; 8],
    b2: f64,
}

#[grad(wrt(m))]
fn example_loss(m: &Net, x: &[f64; 3], y: f64) -> f64 {
    let mut out = m.b2;
    for i in 0..8 {
        let mut z = m.b1[i];
        for j in 0..3 {
            z += m.w1[i][j] * x[j];
        }
        out += m.w2[i] * z.tanh();
    }
    (out - y) * (out - y)
}

fn initial() -> Net {
    let mut m = Net { w1: [[0.0; 3]; 8], b1: [0.0; 8], w2: [0.0; 8], b2: 0.0 };
    let mut k = 0.0_f64;
    m.for_each_slice_mut(&mut |s| {
        for v in s {
            k += 1.0;
            *v = 0.5 * (1.7 * k).sin();
        }
    });
    m
}

/// Three epochs of Adam over shuffled batches of 100 of 1,000 examples;
/// `gradient` sums a batch's per-example gradients.
fn train(mut gradient: impl FnMut(&Net, &[usize]) -> Net) -> Net {
    let mut m = initial();
    let mut opt = Adam::new(0.01);
    let mut batches = Batches::new(1000, 100).shuffled(11);
    for _ in 0..3 {
        for batch in batches.epoch() {
            let mut grad = gradient(&m, batch);
            grad.scale(1.0 / batch.len() as f64);
            opt.step_params(&mut m, &grad);
        }
    }
    m
}

fn per_example(m: &Net) -> impl Fn(usize, &mut Net) -> f64 + Sync + '_ {
    move |i, d_m| {
        let (x, y) = sample(i);
        example_loss_grad(m, d_m, &x, y)
    }
}

/// One rank of the job: 0 when both trainings agree to 1e-12.
fn rank() -> ExitCode {
    let mut world = MpiWorld::init();
    let (rank, size) = (world.rank(), world.size());
    let distributed = train(|m, batch| world.batch_gradient(m, batch, per_example(m)).1);
    let alone = train(|m, batch| batch_gradient(m, batch, per_example(m)).1);
    let worst = distributed
        .to_flat()
        .iter()
        .zip(alone.to_flat())
        .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
        .fold(0.0, f64::max);
    let trained = alone != initial();
    println!("rank {rank} of {size}: largest relative difference from one rank {worst:.1e}");
    if size == 2 && trained && worst <= 1e-12 {
        ExitCode::SUCCESS
    } else {
        eprintln!("rank {rank}: expected 2 ranks that train the same model (trained: {trained})");
        ExitCode::FAILURE
    }
}

/// The driver: this test again, under `mpirun -np 2`.
fn driver() -> ExitCode {
    let Ok(version) = Command::new("mpirun").arg("--version").output() else {
        let how = "install Open MPI (Debian/Ubuntu: apt install openmpi-bin libopenmpi-dev)";
        if std::env::var_os("CI").is_some() {
            eprintln!("mpi_training: FAILED: mpirun is not on PATH under CI; {how}");
            return ExitCode::FAILURE;
        }
        println!("mpi_training: SKIPPED: mpirun is not on PATH; {how}");
        return ExitCode::SUCCESS;
    };
    let mut mpirun = Command::new("mpirun");
    if String::from_utf8_lossy(&version.stdout).contains("Open MPI") {
        // Two ranks even on a one-core machine, and as root in containers.
        mpirun.arg("--oversubscribe").env("OMPI_ALLOW_RUN_AS_ROOT", "1").env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    }
    let me = std::env::current_exe().expect("the test's own path");
    let status = mpirun.args(["-np", "2"]).arg(me).status().expect("mpirun starts");
    if status.success() {
        println!("mpi_training: 2 ranks train the model 1 rank trains ... ok");
        ExitCode::SUCCESS
    } else {
        eprintln!("mpi_training: FAILED: mpirun -np 2 exited with {status}");
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    // Open MPI and MPICH both tell a process started by mpirun its rank.
    let under_mpirun = ["OMPI_COMM_WORLD_RANK", "PMI_RANK"].iter().any(|v| std::env::var_os(v).is_some());
    if under_mpirun {
        rank()
    } else {
        driver()
    }
}
