//! Writes `OUT_DIR/cases.rs` for `tests/differential.rs`: generated
//! `#[grad]` functions and a table that calls each plainly and through its
//! derivative. The generator is `src/grammar.rs`, shared with the library.
//!
//! `AUTODIFF_DIFF_CASES` (default 300) functions from `AUTODIFF_DIFF_SEED`
//! (default 1).

#[path = "src/grammar.rs"]
#[allow(dead_code)]
mod grammar;

use std::fmt::Write;

fn main() {
    println!("cargo:rerun-if-changed=src/grammar.rs");
    println!("cargo:rerun-if-env-changed=AUTODIFF_DIFF_CASES");
    println!("cargo:rerun-if-env-changed=AUTODIFF_DIFF_SEED");
    let count = env_number("AUTODIFF_DIFF_CASES", 300);
    let seed = env_number("AUTODIFF_DIFF_SEED", 1) as u64;
    let functions = grammar::program(seed, count);
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
    let path = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("cases.rs");
    std::fs::write(&path, out).expect("write cases.rs");
}

fn env_number(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| panic!("{name} must be a number, got {text:?}")),
        Err(_) => default,
    }
}
