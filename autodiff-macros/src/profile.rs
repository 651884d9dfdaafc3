//! Two ignored tests for work on the expansion's speed (BENCHMARKS.md,
//! "Expansion time"):
//!
//! - `expand_straight_line` expands the benchmark's straight-line function
//!   (`AUTODIFF_PROFILE_STATEMENTS`, default 1000) `AUTODIFF_PROFILE_RUNS`
//!   times (default 3), under a profiler:
//!   `valgrind --tool=callgrind target/debug/deps/autodiff_macros-* --ignored expand_straight_line`;
//! - `dump_expansions` writes the expansion of every `#[grad]` function of
//!   the project, of a fixed set of mutated and generated ones and of the
//!   straight-line function to the file `AUTODIFF_EXPANSION_DUMP` names, so
//!   that two commits' outputs can be compared with `diff`.

use std::fmt::Write as _;
use std::path::Path;

use autodiff_fuzz::grammar::{self, Rng};
use autodiff_fuzz::{corpus, mutate};
use proc_macro2::TokenStream;
use quote::quote;

use crate::expand::grad;

/// The benchmark's function (`benchmarks/src/bin/expansion_time.rs`):
/// `size` statements, each reading the two before.
fn straight_line(size: usize) -> TokenStream {
    let mut body = String::from("let a0 = x[0] * x[1];\n");
    for i in 1..size {
        let older = if i >= 2 { format!("a{}", i - 2) } else { "x[2]".to_owned() };
        writeln!(body, "let a{i} = a{} * x[{}] + {older}.sin();", i - 1, i % 7).expect("writes to a string");
    }
    format!("pub fn f(x: &[f64]) -> f64 {{\n{body} a{}\n}}\n", size - 1).parse().expect("the function parses")
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|text| text.trim().parse().ok()).unwrap_or(default)
}

#[test]
#[ignore = "for a profiler"]
fn expand_straight_line() {
    let item = straight_line(env_number("AUTODIFF_PROFILE_STATEMENTS", 1000));
    for _ in 0..env_number("AUTODIFF_PROFILE_RUNS", 3) {
        let start = std::time::Instant::now();
        let output = grad(TokenStream::new(), item.clone());
        println!("{} tokens in {:?}", output.into_iter().count(), start.elapsed());
    }
}

#[test]
#[ignore = "writes a file"]
fn dump_expansions() {
    let Ok(path) = std::env::var("AUTODIFF_EXPANSION_DUMP") else { return };
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let (seeds, _) = corpus::project_functions(root);
    let donors: Vec<syn::ItemFn> = seeds.iter().map(|seed| seed.item.clone()).collect();
    let mut inputs: Vec<(TokenStream, TokenStream)> = seeds
        .iter()
        .map(|seed| {
            let item = &seed.item;
            (seed.args.clone(), quote!(#item))
        })
        .collect();
    let mut rng = Rng::new(1);
    for _ in 0..2000 {
        let seed = &seeds[rng.below(seeds.len())];
        inputs.push(mutate::mutate(&seed.args, &seed.item, &donors, &mut rng));
    }
    for function in grammar::program(1, 300) {
        inputs.push((function.attr_args().parse().expect("parses"), function.item().parse().expect("parses")));
    }
    for args in [quote!(), quote!(forward, hessian), quote!(graph)] {
        inputs.push((args, straight_line(60)));
    }
    let mut text = String::new();
    for (args, item) in inputs {
        let output = std::panic::catch_unwind(|| grad(args.clone(), item.clone()).to_string());
        let output = output.unwrap_or_else(|_| "panicked".to_owned());
        writeln!(text, "#[grad({args})] {item}\n=> {output}\n").expect("writes to a string");
    }
    std::fs::write(path, text).expect("writes the dump");
}
