//! Writes `OUT_DIR/cases.rs` for `tests/differential.rs`: generated
//! `#[grad]` functions and a table that calls each plainly and through its
//! derivative. The generator is `src/grammar.rs`, shared with the library.
//!
//! `AUTODIFF_DIFF_CASES` (default 300) functions from `AUTODIFF_DIFF_SEED`
//! (default 1), and generic twins (`fn caseN_g<T: Float>`) of
//! `AUTODIFF_DIFF_GENERIC` percent of them (default 12; 0 for none), in
//! tables at `f64` and at `f32`.

#[path = "src/grammar.rs"]
#[allow(dead_code)]
mod grammar;

use std::fmt::Write;

fn main() {
    println!("cargo:rerun-if-changed=src/grammar.rs");
    println!("cargo:rerun-if-env-changed=AUTODIFF_DIFF_CASES");
    println!("cargo:rerun-if-env-changed=AUTODIFF_DIFF_SEED");
    println!("cargo:rerun-if-env-changed=AUTODIFF_DIFF_GENERIC");
    let count = env_number("AUTODIFF_DIFF_CASES", 300);
    let seed = env_number("AUTODIFF_DIFF_SEED", 1) as u64;
    let share = env_number("AUTODIFF_DIFF_GENERIC", grammar::GENERIC_SHARE as usize) as u32;
    let functions = grammar::program(seed, count);
    let twins = grammar::generic_twins(seed, count, share);
    let mut out = String::new();
    writeln!(out, "// {count} functions generated from seed {seed} by src/grammar.rs.").unwrap();
    writeln!(out, "pub const SEED: u64 = {seed};").unwrap();
    writeln!(out, "{}", grammar::constants_source()).unwrap();
    for function in &functions {
        writeln!(out, "{}\n", function.source()).unwrap();
    }
    writeln!(out, "pub fn cases() -> Vec<Case> {{\n    vec![").unwrap();
    for function in &functions {
        writeln!(out, "        {},", function.harness()).unwrap();
    }
    writeln!(out, "    ]\n}}").unwrap();
    writeln!(out, "// {} generic twins of these.", twins.len()).unwrap();
    for (_, twin) in &twins {
        writeln!(out, "{}\n", twin.source()).unwrap();
    }
    let indices: Vec<usize> = twins.iter().map(|(index, _)| *index).collect();
    writeln!(out, "/// The function of `cases()` each generic twin is.\npub const TWIN_OF: &[usize] = &{indices:?};")
        .unwrap();
    for (table, float) in [("generic_cases", "f64"), ("generic_cases_f32", "f32")] {
        writeln!(out, "pub fn {table}() -> Vec<Case> {{\n    vec![").unwrap();
        for (_, twin) in &twins {
            writeln!(out, "        {},", twin.harness_at(float)).unwrap();
        }
        writeln!(out, "    ]\n}}").unwrap();
    }
    let path = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("cases.rs");
    std::fs::write(&path, out).expect("write cases.rs");
}

fn env_number(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| panic!("{name} must be a number, got {text:?}")),
        Err(_) => default,
    }
}
