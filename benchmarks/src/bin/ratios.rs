//! Reads the medians criterion wrote for the `scalar` benchmarks and prints
//! the results as markdown: the machine, then one row per function with the
//! primal, generated and hand-written times and their ratios.
//!
//! ```text
//! cargo run --release -p autodiff-benchmarks --bin ratios                          # print
//! cargo run --release -p autodiff-benchmarks --bin ratios -- --update BENCHMARKS.md # rewrite the results section
//! ```
//!
//! Criterion's output is looked for in `$CARGO_TARGET_DIR/criterion`, else
//! `target/criterion`; `--criterion-dir DIR` overrides. `--update FILE`
//! replaces what lies between the `<!-- results:begin -->` and
//! `<!-- results:end -->` lines of FILE instead of printing.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The benchmark groups, in the order of the table, with what they time.
const GROUPS: &[(&str, &str)] = &[
    ("j", "J(a, b, c) = 3(a + bc)"),
    ("sigmoid_chain", "sigmoid, as the chain a⁻¹, a = 1 + b, b = eᶜ, c = −x"),
    ("sigmoid", "sigmoid, 1 / (1 + e⁻ˣ), vs. the closed form σ(1 − σ)"),
    ("nn", "2-4-1 tanh network, squared error on 5 examples (17 weights, 57 statements)"),
    ("drag", "projectile with quadratic drag, 10 Euler steps (3 inputs, 59 statements)"),
];

/// Above this generated / hand-written ratio a row misses the target.
const TARGET: f64 = 1.1;

const BEGIN: &str = "<!-- results:begin -->";
const END: &str = "<!-- results:end -->";

/// A median and its 95% confidence interval, in nanoseconds.
struct Median {
    point: f64,
    lower: f64,
    upper: f64,
}

fn read_median(dir: &Path, group: &str, bench: &str) -> Result<Median, String> {
    let path = dir.join(group).join(bench).join("new").join("estimates.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let median = &json["median"];
    let number = |value: &serde_json::Value| {
        value.as_f64().ok_or_else(|| format!("{}: no median.point_estimate / confidence_interval", path.display()))
    };
    Ok(Median {
        point: number(&median["point_estimate"])?,
        lower: number(&median["confidence_interval"]["lower_bound"])?,
        upper: number(&median["confidence_interval"]["upper_bound"])?,
    })
}

fn time(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.2} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The CPU model, from `lscpu` or else `/proc/cpuinfo`.
fn cpu_model() -> String {
    let from_lscpu = command_output("lscpu", &[]).and_then(|text| {
        text.lines().find_map(|line| line.strip_prefix("Model name:").map(|rest| rest.trim().to_string()))
    });
    let from_proc = || {
        std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|name| name.trim().to_string())
        })
    };
    from_lscpu.or_else(from_proc).unwrap_or_else(|| "unknown".to_string())
}

fn report(dir: &Path) -> Result<String, String> {
    let mut out = String::new();
    let cores = std::thread::available_parallelism().map_or_else(|_| "?".to_string(), |n| n.to_string());
    let rustc = command_output(&std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()), &["--version"])
        .unwrap_or_else(|| "unknown".into());
    let _ = writeln!(out, "Machine: {} ({cores} logical CPUs, {}), {rustc}.", cpu_model(), std::env::consts::ARCH);
    let _ = writeln!(out);
    let _ = writeln!(out, "Medians of criterion's samples, all from the same run:");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| function | primal | generated `_grad` | hand-written | generated / hand-written | generated / primal | hand-written / primal |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    let mut intervals = String::new();
    let mut missed = Vec::new();
    for &(group, what) in GROUPS {
        let primal = read_median(dir, group, "primal")?;
        let generated = read_median(dir, group, "generated")?;
        let hand = read_median(dir, group, "hand")?;
        let ratio = generated.point / hand.point;
        let verdict = if ratio <= TARGET { "✅" } else { "❌" };
        if ratio > TARGET {
            missed.push(group);
        }
        let _ = writeln!(
            out,
            "| `{group}`: {what} | {} | {} | {} | **{ratio:.2}** {verdict} | {:.2} | {:.2} |",
            time(primal.point),
            time(generated.point),
            time(hand.point),
            generated.point / primal.point,
            hand.point / primal.point,
        );
        let interval = |m: &Median| format!("{}–{}", time(m.lower), time(m.upper));
        let _ = writeln!(
            intervals,
            "| `{group}` | {} | {} | {} | {:.2}–{:.2} |",
            interval(&primal),
            interval(&generated),
            interval(&hand),
            generated.lower / hand.upper,
            generated.upper / hand.lower,
        );
    }
    let _ = writeln!(out);
    if missed.is_empty() {
        let _ = writeln!(out, "Every generated / hand-written ratio is within the target of {TARGET}.");
    } else {
        let _ = writeln!(out, "Above the target of {TARGET}: {}.", missed.join(", "));
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "95% confidence intervals of the medians (and the widest ratio they allow):");
    let _ = writeln!(out);
    let _ = writeln!(out, "| function | primal | generated `_grad` | hand-written | generated / hand-written |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    out.push_str(&intervals);
    Ok(out)
}

fn update(file: &Path, results: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let (Some(begin), Some(end)) = (text.find(BEGIN), text.find(END)) else {
        return Err(format!("{}: no `{BEGIN}` ... `{END}` section to replace", file.display()));
    };
    if end < begin {
        return Err(format!("{}: `{END}` comes before `{BEGIN}`", file.display()));
    }
    let updated = format!("{}{BEGIN}\n\n{results}\n{}", &text[..begin], &text[end..]);
    std::fs::write(file, updated).map_err(|e| format!("{}: {e}", file.display()))
}

fn run() -> Result<(), String> {
    let mut dir = None;
    let mut target_file = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--criterion-dir" => dir = Some(PathBuf::from(args.next().ok_or("--criterion-dir needs a directory")?)),
            "--update" => target_file = Some(PathBuf::from(args.next().ok_or("--update needs a file")?)),
            other => return Err(format!("unknown argument `{other}`; expected --criterion-dir DIR, --update FILE")),
        }
    }
    let dir = dir.unwrap_or_else(|| {
        let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
        target.join("criterion")
    });
    let results = report(&dir)?;
    match target_file {
        Some(file) => update(&file, &results),
        None => {
            print!("{results}");
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ratios: {message}");
            ExitCode::FAILURE
        }
    }
}
