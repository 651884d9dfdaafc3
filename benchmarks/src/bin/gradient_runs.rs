//! Runs one ADBench gradient, generated or hand-written, a number of times
//! and nothing else: a target for a profiler. Under callgrind the count of
//! instructions is the same from run to run, where wall time on a shared
//! machine moves by more than the changes it should show.
//!
//! `gradient_runs <generated|hand> <data file under ADBENCH_DIR | heat> [runs]`, e.g.
//! `valgrind --tool=callgrind target/release/gradient_runs generated lstm/lstm_l2_c1024.txt 3`
//! (the objective is told by the file's directory: `gmm/`, `ba/`, `lstm/`;
//! `heat` is the 1-D heat equation of `benches/adbench.rs`).

use std::hint::black_box;

use autodiff_benchmarks::adbench::ba::{ba_jacobian_generated, ba_jacobian_hand, jacobian_len};
use autodiff_benchmarks::adbench::data::{BaInput, GmmInput, LstmInput};
use autodiff_benchmarks::adbench::gmm::{gmm_generated, gmm_hand, GmmGradient};
use autodiff_benchmarks::adbench::heat::{heat_grad, heat_hand, heat_input, STEPS};
use autodiff_benchmarks::adbench::lstm::{lstm_generated, lstm_hand};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: gradient_runs <generated|hand> <gmm/..|ba/..|lstm/.. data file | heat> [runs]";
    let (Some(which), Some(file)) = (args.get(1), args.get(2)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let generated = match which.as_str() {
        "generated" => true,
        "hand" => false,
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    let runs: usize = args.get(3).map_or(1, |runs| runs.parse().expect("runs: a count"));
    let total = if file.starts_with("gmm/") {
        let input = GmmInput::load(file);
        let mut grad = GmmGradient::zeros(&input);
        (0..runs)
            .map(|_| if generated { gmm_generated(&input, &mut grad) } else { gmm_hand(&input, &mut grad) })
            .sum::<f64>()
    } else if file.starts_with("ba/") {
        let input = BaInput::load(file);
        let mut jacobian = vec![0.0; jacobian_len(input.p)];
        (0..runs)
            .map(|_| {
                if generated {
                    ba_jacobian_generated(&input, &mut jacobian);
                } else {
                    ba_jacobian_hand(&input, &mut jacobian);
                }
                jacobian.iter().sum::<f64>()
            })
            .sum()
    } else if file.starts_with("lstm/") {
        let input = LstmInput::load(file);
        let (mut d_main, mut d_extra) = (vec![0.0; input.main_params.len()], vec![0.0; input.extra_params.len()]);
        (0..runs)
            .map(|_| {
                if generated {
                    lstm_generated(&input, &mut d_main, &mut d_extra)
                } else {
                    lstm_hand(&input, &mut d_main, &mut d_extra)
                }
            })
            .sum()
    } else if file == "heat" {
        let (u0, kappa, target) = heat_input();
        let mut d_u0 = vec![0.0; u0.len()];
        (0..runs)
            .map(|_| {
                if generated {
                    heat_grad(&u0, &mut d_u0, kappa, &target, STEPS).1
                } else {
                    heat_hand(&u0, &mut d_u0, kappa, &target, STEPS).1
                }
            })
            .sum()
    } else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    println!("{which} {file}: {runs} runs, sum of results {}", black_box(total));
}
