//! How long `#[grad]` takes to expand: rustc's `expand_crate` pass
//! (`-Z time-passes`), the proc macro built unoptimized as cargo builds it
//! by default.
//!
//! ```text
//! cargo run --release -p autodiff-benchmarks --bin expansion_time
//! ```
//!
//! For each size it writes a crate holding one straight-line `#[grad]`
//! function of that many statements (each a product, a sine and a sum of
//! the two before it) and compiles it a few times, keeping the fastest
//! `expand_crate` (the others measure the machine's other work too). Then
//! it does the same for the test corpus (`tests/corpus.rs`, every function
//! of it `#[grad]`). `-Z time-passes` is a nightly flag: `RUSTC_BOOTSTRAP=1`
//! lets the installed toolchain take it; the crates it builds live in their
//! own target directory under the workspace's `target/`, so nothing else is
//! rebuilt.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The function sizes measured, in statements.
const SIZES: [usize; 5] = [1, 250, 500, 1000, 2000];
/// Compilations per size; the fastest counts.
const RUNS: usize = 5;

fn main() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("benchmarks/ is in the workspace");
    let scratch = workspace.join("target").join("expansion-time");
    let probe = write_probe_crate(&scratch.join("probe"), workspace);
    let target_dir = scratch.join("target");

    println!("| statements | expand_crate (s) | per 500 statements (ms) |");
    println!("|---:|---:|---:|");
    for size in SIZES {
        std::fs::write(probe.join("src").join("lib.rs"), straight_line(size)).expect("writes the probe");
        let seconds = fastest(RUNS, || expansion_seconds(&probe, &target_dir, &["--lib"]));
        // One statement measures the fixed cost, which per 500 would overstate.
        let per_500 = if size >= 250 { format!("{:.0}", seconds * 1000.0 * 500.0 / size as f64) } else { "–".into() };
        println!("| {size} | {seconds:.3} | {per_500} |");
    }
    let corpus = fastest(RUNS, || expansion_seconds(workspace, &target_dir, &["-p", "autodiff", "--test", "corpus"]));
    println!("\nThe test corpus (tests/corpus.rs): expand_crate {corpus:.3} s");
}

/// A crate that depends on the workspace's `autodiff`, in `dir`.
fn write_probe_crate(dir: &Path, workspace: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("src")).expect("creates the probe crate");
    let manifest = format!(
        "[package]\nname = \"expansion-probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nautodiff = {{ path = {:?}, default-features = false }}\n\n[workspace]\n",
        workspace.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("writes the probe's manifest");
    dir.to_path_buf()
}

/// A `#[grad]` function of `size` statements, each reading the two before.
fn straight_line(size: usize) -> String {
    let mut body = String::from("    let a0 = x[0] * x[1];\n");
    for i in 1..size {
        let older = if i >= 2 { format!("a{}", i - 2) } else { "x[2]".to_owned() };
        writeln!(body, "    let a{i} = a{} * x[{}] + {older}.sin();", i - 1, i % 7).expect("writes to a string");
    }
    format!("#[autodiff::grad]\npub fn f(x: &[f64]) -> f64 {{\n{body}    a{}\n}}\n", size - 1)
}

fn fastest(runs: usize, mut measure: impl FnMut() -> f64) -> f64 {
    (0..runs).map(|_| measure()).fold(f64::INFINITY, f64::min)
}

/// Compiles the package in `dir` (its dependencies already built after the
/// first call) and returns rustc's `expand_crate` time.
fn expansion_seconds(dir: &Path, target_dir: &Path, target: &[&str]) -> f64 {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .current_dir(dir)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", target_dir)
        .args(["rustc", "--quiet"])
        .args(target)
        .args(["--", "-Z", "time-passes"])
        // A fresh compilation every time: rustc's output is the measurement.
        .args(["-C", &format!("metadata={}", unique())])
        .output()
        .expect("runs cargo");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the probe did not compile:\n{stderr}");
    stderr
        .lines()
        .find(|line| line.trim_end().ends_with("\texpand_crate") || line.trim_end().ends_with(" expand_crate"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|seconds| seconds.trim_end_matches(';').parse().ok())
        .unwrap_or_else(|| panic!("no expand_crate line in rustc's output:\n{stderr}"))
}

/// A value that differs on every call, so that cargo recompiles.
fn unique() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}
