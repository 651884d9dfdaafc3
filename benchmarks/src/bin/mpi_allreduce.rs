//! The cost per training step of summing a gradient across MPI ranks
//! (`MpiWorld::all_reduce`): run under `mpirun`, it times 200 allreduces of
//! the gradient of the MLP 784-128-10 (101,770 parameters) and of the
//! lesson's network (9 parameters), and rank 0 prints the median and the
//! quartiles in µs.
//!
//! ```text
//! cargo build --release -p autodiff-benchmarks --features mpi --bin mpi_allreduce
//! mpirun -np 2 TARGET/release/mpi_allreduce
//! ```

use std::time::Instant;

use autodiff::{MpiWorld, Params};
use autodiff_benchmarks::loops::{seed_net_weights, Mlp};

const STEPS: usize = 200;

/// Times `STEPS` allreduces of `grad` (after 20 untimed ones); returns the
/// quartiles in µs.
fn time<G: Params>(world: &mut MpiWorld, grad: &mut G) -> [f64; 3] {
    let mut loss = 1.0;
    let mut times = Vec::with_capacity(STEPS);
    for step in 0..STEPS + 20 {
        let start = Instant::now();
        world.all_reduce(&mut loss, grad);
        if step >= 20 {
            times.push(start.elapsed().as_secs_f64() * 1e6);
        }
        // Keep the sums finite: the ranks' values double each step.
        grad.scale(1.0 / world.size() as f64);
        loss /= world.size() as f64;
    }
    times.sort_by(f64::total_cmp);
    [times[STEPS / 4], times[STEPS / 2], times[3 * STEPS / 4]]
}

fn main() {
    let mut world = MpiWorld::init();
    let mut mlp = Mlp::new(1);
    let mut net = seed_net_weights();
    let rows = [
        ("MLP 784-128-10", mlp.num_params(), time(&mut world, &mut mlp)),
        ("seed_net", net.num_params(), time(&mut world, &mut net)),
    ];
    if world.is_root() {
        println!("allreduce of a gradient across {} ranks, {STEPS} steps", world.size());
        println!("| model | parameters | median µs | quartiles µs |");
        println!("|---|---:|---:|---|");
        for (name, params, [q1, median, q3]) in rows {
            println!("| {name} | {params} | {median:.1} | {q1:.1}–{q3:.1} |");
        }
    }
}
