//! Reads the medians criterion wrote for the benchmarks (`benches/scalar.rs`,
//! `benches/loops.rs`, `benches/forward.rs`, `benches/hessian.rs`,
//! `benches/adbench.rs`, `benches/parallel.rs`) and prints the results as
//! markdown: the machine, then for each suite a table with one row per
//! function: the baseline (the primal, or `NAME_grad` for second order),
//! generated and hand-written times and their ratios, each ratio checked
//! against its target; for the ADBench suites also the peak memory of one
//! call that `benches/adbench.rs` recorded and the peers; last the batch
//! gradient on one core and on all of them.
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

/// The benchmark groups of one bench target, with their targets.
struct Suite {
    /// The bench target (`benches/NAME.rs`).
    bench: &'static str,
    /// What its functions have in common.
    title: &'static str,
    /// The generated function timed: `_grad`, `_jvp`, `_hvp`.
    generated: &'static str,
    /// The criterion bench of each group that the others are divided by
    /// (`primal`, `grad`), and its column's name.
    baseline: (&'static str, &'static str),
    /// Above this generated / hand-written ratio a row misses the target, if
    /// the suite has one.
    target: Option<f64>,
    /// Above this generated / baseline ratio a row misses the target, if the
    /// suite has one.
    baseline_target: Option<f64>,
    /// The criterion groups, in the order of the table, with what they time.
    groups: &'static [(&'static str, &'static str)],
    /// Above this peak memory of the generated gradient over the
    /// hand-written one a row misses the target, if the suite records
    /// peak memory (`Some(f64::INFINITY)`: recorded, no target).
    memory_target: Option<f64>,
    /// Whether the groups time the peers (`num_dual`, `reverse`, `candle`)
    /// too.
    peers: bool,
}

const SUITES: &[Suite] = &[
    Suite {
        bench: "scalar",
        title: "Scalar functions",
        generated: "_grad",
        baseline: PRIMAL,
        target: Some(1.1),
        baseline_target: None,
        groups: &[
            ("j", "J(a, b, c) = 3(a + bc)"),
            ("sigmoid_chain", "sigmoid, as the chain a⁻¹, a = 1 + b, b = eᶜ, c = −x"),
            ("sigmoid", "sigmoid, 1 / (1 + e⁻ˣ), vs. the closed form σ(1 − σ)"),
            ("nn", "2-4-1 tanh network, squared error on 5 examples (17 weights, 57 statements)"),
            ("drag", "projectile with quadratic drag, 10 Euler steps (3 inputs, 59 statements)"),
        ],
        memory_target: None,
        peers: false,
    },
    Suite {
        bench: "loops",
        title: "Loops, arrays and model structs",
        generated: "_grad",
        baseline: PRIMAL,
        target: Some(1.2),
        baseline_target: Some(4.0),
        groups: &[
            ("dot", "x · y, 10⁴ elements, `x.iter().zip(y).map(..).sum()`"),
            ("rosenbrock", "Rosenbrock in 10⁴ dimensions, an index loop"),
            ("mlp", "784-128-10 MLP, tanh, softmax cross-entropy, one sample"),
            ("mlp_batch", "the same MLP, sum of the losses of a batch of 32"),
            ("seed_net", "the lesson's 2-2-2-1 sigmoid network, squared error"),
        ],
        memory_target: None,
        peers: false,
    },
    Suite {
        bench: "forward",
        title: "Forward mode, the functions above",
        generated: "_jvp",
        baseline: PRIMAL,
        target: Some(1.1),
        baseline_target: Some(1.5),
        groups: &[
            ("j_jvp", "J(a, b, c) = 3(a + bc)"),
            ("sigmoid_chain_jvp", "sigmoid, as the chain"),
            ("sigmoid_jvp", "sigmoid, vs. the closed form σ(1 − σ)·dx"),
            ("nn_jvp", "2-4-1 tanh network, 17 weights"),
            ("drag_jvp", "projectile with quadratic drag, 10 Euler steps"),
            ("dot_jvp", "x · y, 10⁴ elements"),
            ("rosenbrock_jvp", "Rosenbrock in 10⁴ dimensions"),
            ("mlp_jvp", "784-128-10 MLP, one sample, along a model"),
            ("mlp_batch_jvp", "the same MLP, a batch of 32"),
            ("seed_net_jvp", "the lesson's 2-2-2-1 sigmoid network"),
        ],
        memory_target: None,
        peers: false,
    },
    Suite {
        bench: "hessian",
        title: "Second order",
        generated: "_hvp",
        baseline: ("grad", "`_grad`"),
        target: None,
        baseline_target: Some(3.0),
        groups: &[
            ("rosenbrock_hvp", "Rosenbrock in 10³ dimensions"),
            ("seed_net_hvp", "the lesson's 2-2-2-1 sigmoid network (calls `sigmoid`, `squared_error`)"),
        ],
        memory_target: None,
        peers: false,
    },
    Suite {
        bench: "adbench",
        title: "ADBench GMM, gradient of the objective",
        generated: "_grad",
        baseline: PRIMAL,
        target: Some(1.15),
        baseline_target: Some(4.0),
        groups: &[
            ("gmm_1k_d2_K5", "n = 1000, d = 2, K = 5"),
            ("gmm_1k_d10_K25", "n = 1000, d = 10, K = 25"),
            ("gmm_1k_d20_K50", "n = 1000, d = 20, K = 50"),
            ("gmm_1k_d64_K100", "n = 1000, d = 64, K = 100"),
            ("gmm_10k_d10_K25", "n = 10 000, d = 10, K = 25"),
        ],
        memory_target: Some(2.0),
        peers: true,
    },
    Suite {
        bench: "adbench",
        title: "ADBench bundle adjustment, the Jacobian against the residuals",
        generated: "_vjp",
        baseline: PRIMAL,
        target: Some(1.15),
        baseline_target: Some(8.0),
        groups: &[
            ("ba1", "n = 49 cameras, m = 7776 points, p = 31 843 observations"),
            ("ba2", "n = 21, m = 11 315, p = 36 455"),
            ("ba5", "n = 257, m = 65 132, p = 225 911"),
        ],
        memory_target: Some(f64::INFINITY),
        peers: true,
    },
    Suite {
        bench: "adbench",
        title: "ADBench LSTM, gradient of the objective",
        generated: "_grad",
        baseline: PRIMAL,
        target: Some(1.15),
        baseline_target: Some(3.0),
        groups: &[
            ("lstm_l2_c1024", "2 layers, 1024 characters"),
            ("lstm_l4_c1024", "4 layers, 1024 characters"),
            ("lstm_l2_c4096", "2 layers, 4096 characters"),
        ],
        memory_target: Some(f64::INFINITY),
        peers: true,
    },
    Suite {
        bench: "adbench",
        title: "1-D heat equation",
        generated: "_grad",
        baseline: PRIMAL,
        target: Some(1.15),
        baseline_target: None,
        groups: &[("heat", "200 cells, 200 explicit steps, edges by `if i > 0 { u[i - 1] } else { u[i] }`")],
        memory_target: Some(f64::INFINITY),
        peers: true,
    },
];

/// The function itself as the baseline.
const PRIMAL: (&str, &str) = ("primal", "primal");

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

/// The peak heap memory of one call of `bench` in `group`, in bytes, as
/// `benches/adbench.rs` records it.
fn read_peak_memory(dir: &Path, group: &str, bench: &str) -> Result<f64, String> {
    let path = dir.join(group).join(bench).join("peak_memory.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    json["peak_bytes"].as_f64().ok_or_else(|| format!("{}: no peak_bytes", path.display()))
}

fn bytes(n: f64) -> String {
    if n < 1024.0 {
        format!("{n} B")
    } else if n < 1024.0 * 1024.0 {
        format!("{:.1} KiB", n / 1024.0)
    } else if n < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} MiB", n / (1024.0 * 1024.0))
    } else {
        format!("{:.2} GiB", n / (1024.0 * 1024.0 * 1024.0))
    }
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
    let _ = writeln!(out, "Medians of criterion's samples, all from the same run.");
    for suite in SUITES {
        let _ = writeln!(out);
        suite_report(&mut out, dir, suite)?;
    }
    let _ = writeln!(out);
    parallel_report(&mut out, dir)?;
    Ok(out)
}

/// The speedup of `batch_gradient` on all cores over a serial loop must
/// reach this for a batch of 4096 (issue 11, on 2 cores).
const PARALLEL_TARGET: f64 = 1.8;

/// The batch gradient of the MLP on one core and on all of them
/// (`benches/parallel.rs`).
fn parallel_report(out: &mut String, dir: &Path) -> Result<(), String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let _ = writeln!(
        out,
        "### The gradient of a batch on all cores (`benches/parallel.rs`): target a speedup ≥ {PARALLEL_TARGET} \
         for 4096 samples on 2 cores"
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| MLP 784-128-10, batch | serial loop | `batch_gradient`, 1 thread | `batch_gradient`, {cores} threads | \
         speedup over the loop |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for size in [256, 4096] {
        let group = format!("parallel_{size}");
        let [serial, tree, rayon] = ["serial", "tree_1_thread", "rayon"].map(|bench| read_median(dir, &group, bench));
        let (serial, tree, rayon) = (serial?, tree?, rayon?);
        let speedup = serial.point / rayon.point;
        let mark = if size == 4096 {
            if speedup >= PARALLEL_TARGET {
                " ✅"
            } else {
                " ❌"
            }
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "| {size} | {} | {} | {} | **{speedup:.2}**{mark} |",
            time(serial.point),
            time(tree.point),
            time(rayon.point)
        );
    }
    Ok(())
}

fn suite_report(out: &mut String, dir: &Path, suite: &Suite) -> Result<(), String> {
    let Suite {
        bench,
        title,
        generated: kind,
        baseline: (baseline_bench, base),
        target,
        baseline_target,
        groups,
        memory_target,
        peers,
    } = suite;
    let goals: Vec<String> = target
        .map(|t| format!("generated / hand-written ≤ {t}"))
        .into_iter()
        .chain(baseline_target.map(|t| format!("generated / {base} ≤ {t}")))
        .collect();
    let _ = writeln!(out, "### {title} (`benches/{bench}.rs`): target {}", goals.join("; "));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| function | {base} | generated `{kind}` | hand-written | generated / hand-written | generated / {base} | \
         hand-written / {base} |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    let mut intervals = String::new();
    let mut missed = Vec::new();
    let mut missed_baseline = Vec::new();
    let mark = |ok: bool| if ok { "✅" } else { "❌" };
    // A ratio with a target is bold and marked; one without is plain.
    let cell = |ratio: f64, target: Option<f64>, missed: &mut Vec<String>, group: &str| match target {
        Some(t) => {
            if ratio > t {
                missed.push(format!("`{group}`"));
            }
            format!("**{ratio:.2}** {}", mark(ratio <= t))
        }
        None => format!("{ratio:.2}"),
    };
    for &(group, what) in *groups {
        let baseline = read_median(dir, group, baseline_bench)?;
        let generated = read_median(dir, group, "generated")?;
        let hand = read_median(dir, group, "hand")?;
        let ratio_cell = cell(generated.point / hand.point, *target, &mut missed, group);
        let baseline_cell = cell(generated.point / baseline.point, *baseline_target, &mut missed_baseline, group);
        let _ = writeln!(
            out,
            "| `{group}`: {what} | {} | {} | {} | {ratio_cell} | {baseline_cell} | {:.2} |",
            time(baseline.point),
            time(generated.point),
            time(hand.point),
            hand.point / baseline.point,
        );
        let interval = |m: &Median| format!("{}–{}", time(m.lower), time(m.upper));
        let _ = writeln!(
            intervals,
            "| `{group}` | {} | {} | {} | {:.2}–{:.2} |",
            interval(&baseline),
            interval(&generated),
            interval(&hand),
            generated.lower / hand.upper,
            generated.upper / hand.lower,
        );
    }
    let _ = writeln!(out);
    if let Some(t) = target {
        if missed.is_empty() {
            let _ = writeln!(out, "Every generated / hand-written ratio is within the target of {t}.");
        } else {
            let _ = writeln!(out, "Above the target of {t}: {}.", missed.join(", "));
        }
    }
    if let Some(t) = baseline_target {
        if missed_baseline.is_empty() {
            let _ = writeln!(out, "Every generated / {base} ratio is within the target of {t}.");
        } else {
            let _ = writeln!(out, "Generated / {base} above {t}: {}.", missed_baseline.join(", "));
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "95% confidence intervals of the medians (and the widest ratio they allow):");
    let _ = writeln!(out);
    let _ = writeln!(out, "| function | {base} | generated `{kind}` | hand-written | generated / hand-written |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    out.push_str(&intervals);
    if let Some(limit) = memory_target {
        memory_report(out, dir, groups, *limit)?;
    }
    if *peers {
        peers_report(out, dir, groups)?;
    }
    Ok(())
}

/// The generated gradient must be this many times faster than the
/// tape-based peer.
const TAPE_SPEEDUP_TARGET: f64 = 10.0;

/// The table of the peers' times against the generated gradient's; a peer
/// that was not timed for a group (too slow there) shows as such.
fn peers_report(out: &mut String, dir: &Path, groups: &[(&str, &str)]) -> Result<(), String> {
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "The same gradient by the peers (target: generated ≥ {TAPE_SPEEDUP_TARGET}× faster than the tape):"
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| function | generated `_grad` | `num-dual` (`Dual64`) | peer / generated | `reverse` (tape) | peer / generated | candle | peer / generated |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for &(group, _) in groups {
        let generated = read_median(dir, group, "generated")?.point;
        let cells = |bench: &str, target: Option<f64>| {
            if !dir.join(group).join(bench).exists() {
                return ("not timed".to_string(), "–".to_string());
            }
            match read_median(dir, group, bench) {
                Ok(peer) => {
                    let speedup = peer.point / generated;
                    let mark = target.map_or("", |t| if speedup >= t { " ✅" } else { " ❌" });
                    (time(peer.point), format!("{speedup:.2}{mark}"))
                }
                Err(e) => (format!("unreadable: {e}"), "–".to_string()),
            }
        };
        let (dual, dual_ratio) = cells("num_dual", None);
        let (tape, tape_ratio) = cells("reverse", Some(TAPE_SPEEDUP_TARGET));
        let (candle, candle_ratio) = cells("candle", None);
        let _ = writeln!(
            out,
            "| `{group}` | {} | {dual} | {dual_ratio} | {tape} | {tape_ratio} | {candle} | {candle_ratio} |",
            time(generated)
        );
    }
    Ok(())
}

/// The table of peak memory of one call, generated against hand-written,
/// checked against `limit` when it is finite.
fn memory_report(out: &mut String, dir: &Path, groups: &[(&str, &str)], limit: f64) -> Result<(), String> {
    let _ = writeln!(out);
    let goal =
        if limit.is_finite() { format!(" (target generated / hand-written ≤ {limit})") } else { String::new() };
    let _ = writeln!(out, "Peak heap memory of one call, beyond what was live before it{goal}:");
    let _ = writeln!(out);
    let _ = writeln!(out, "| function | primal | generated `_grad` | hand-written | generated / hand-written |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for &(group, _) in groups {
        let [primal, generated, hand] =
            ["primal", "generated", "hand"].map(|bench| read_peak_memory(dir, group, bench));
        let (primal, generated, hand) = (primal?, generated?, hand?);
        let ratio = if hand > 0.0 { format!("{:.2}", generated / hand) } else { "–".to_string() };
        let mark = match (limit.is_finite(), hand > 0.0 && generated / hand <= limit) {
            (false, _) => "",
            (true, true) => " ✅",
            (true, false) => " ❌",
        };
        let _ =
            writeln!(out, "| `{group}` | {} | {} | {} | {ratio}{mark} |", bytes(primal), bytes(generated), bytes(hand));
    }
    Ok(())
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
