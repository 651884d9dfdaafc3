//! The differential checker: every generated function's `NAME_grad` against
//! central differences, its `NAME_vjp` against `seed × NAME_grad`, and its
//! `NAME_jvp` against the directional derivative `∇f·v` at random points.
//!
//! The functions come from `src/grammar.rs` through `build.rs`, all in this
//! one crate, compiled once. `AUTODIFF_DIFF_CASES` and `AUTODIFF_DIFF_SEED`
//! choose them (see TESTING.md). Every failure is reported with the
//! function's source; none is skipped. `forbid(unsafe_code)` makes rustc
//! reject any `unsafe` in what `#[grad]` generated for them.

#![forbid(unsafe_code)]

use autodiff::grad;
use autodiff_fuzz::grammar::Rng;

/// A derivative along a flat direction at a flat point: the value, and one
/// number per differentiated input.
type Along = fn(&[f64], &[f64]) -> (f64, Vec<f64>);

/// A generated function, called on a flat point: its scalars, then the
/// elements of its slices and arrays.
pub struct Case {
    name: &'static str,
    source: &'static str,
    inputs: usize,
    /// The flat inputs whose partials `grad` returns, in its order.
    differentiated: &'static [usize],
    value: fn(&[f64]) -> f64,
    grad: fn(&[f64]) -> (f64, Vec<f64>),
    vjp: fn(&[f64], f64) -> (f64, Vec<f64>),
    /// `NAME_jvp` along a direction over the flat inputs (only the
    /// differentiated ones are read).
    jvp: fn(&[f64], &[f64]) -> (f64, f64),
    /// `NAME_hvp` along a flat direction: (value, H·v over the differentiated inputs, grad's order).
    hvp: Along,
}

#[test]
fn generated_hvps_match_differences_of_grad() {
    hvps_match_differences_of_grad(&cases::cases(), cases::SEED ^ 0x4E55, "hvp");
}

/// The same for the generic twins, instantiated at `f64`.
#[test]
fn generic_hvps_match_differences_of_grad() {
    hvps_match_differences_of_grad(&cases::generic_cases(), cases::SEED ^ 0x4E56, "generic hvp");
}

fn hvps_match_differences_of_grad(cases: &[Case], seed: u64, label: &str) {
    let mut rng = Rng::new(seed);
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut unstable = 0;
    for case in cases {
        let diff = case.differentiated;
        let m = diff.len();
        'points: for _ in 0..POINTS {
            for _ in 0..DRAWS {
                // (A quarter of the coordinates exactly 0 where the function
                // has no kink: a tangent that is exactly 0 while it depends
                // on the point, `(x₀x₁)˙` at `x₁ = 0` along e₀, is where a
                // tangent body that branches on it loses a second
                // derivative. At a kink, the conventions decide instead.)
                let zeros = if has_a_kink(case.source) { 0.0 } else { 0.25 };
                let point: Vec<f64> = (0..case.inputs)
                    .map(|_| if rng.float(0.0, 1.0) < zeros { 0.0 } else { rng.float(-RANGE, RANGE) })
                    .collect();
                // H columns by central differences of grad with two steps,
                // and by one-sided ones on each side: the point is smooth
                // (no branch's edge, no kink) where they all agree.
                let mut fd = vec![vec![0.0; m]; m];
                // What rounding leaves of a difference of two gradients with
                // the step 1e-4: a component of 2e17 (seed 25's case218, a
                // `to_degrees` fed to polynomials) hides a cross term of 1,
                // which the difference gives as 0 and `_hvp` gives exactly.
                let mut noise = vec![vec![0.0; m]; m];
                let mut stable = true;
                let at = (case.grad)(&point).1;
                for (j, &flat) in diff.iter().enumerate() {
                    let moved = |h: f64| {
                        let mut p = point.clone();
                        p[flat] += h;
                        (case.grad)(&p).1
                    };
                    let central = |h: f64| {
                        let (gp, gm) = (moved(h), moved(-h));
                        (0..m).map(|i| (gp[i] - gm[i]) / (2.0 * h)).collect::<Vec<f64>>()
                    };
                    let (a, b) = (central(1e-4), central(1e-6));
                    let (ahead, behind) = (moved(1e-5), moved(-1e-5));
                    for i in 0..m {
                        let one_sided = [(ahead[i] - at[i]) / 1e-5, (at[i] - behind[i]) / 1e-5];
                        let agree = |x: f64| (a[i] - x).abs() <= 1e-3 * (1.0 + a[i].abs());
                        if !a[i].is_finite() || !agree(b[i]) || !one_sided.iter().all(|&x| agree(x)) {
                            stable = false;
                        }
                        fd[i][j] = a[i];
                        noise[i][j] = 8.0 * f64::EPSILON * at[i].abs().max(ahead[i].abs()).max(behind[i].abs()) / 1e-4;
                    }
                }
                if !stable {
                    continue;
                }
                let mut hm = vec![vec![0.0; m]; m];
                for (j, &flat) in diff.iter().enumerate() {
                    let mut e = vec![0.0; case.inputs];
                    e[flat] = 1.0;
                    let (value, col) = (case.hvp)(&point, &e);
                    let want = (case.value)(&point);
                    // Within rounding, as `_grad`'s value: `powi` is not
                    // correctly rounded, and LLVM folds it at compile time
                    // where the function's own body lets it (seed 22's
                    // case43 differed by one ulp).
                    let both_nan = value.is_nan() && want.is_nan();
                    if !(close(value, want, 1e-12) || both_nan) {
                        failures
                            .push(format!("{}: hvp value {value} vs {want} at {point:?}\n{}", case.name, case.source));
                        break 'points;
                    }
                    for i in 0..m {
                        hm[i][j] = col[i];
                    }
                }
                let mut bad = Vec::new();
                for i in 0..m {
                    for j in 0..m {
                        if apart(hm[i][j], fd[i][j], 2e-3 * (1.0 + fd[i][j].abs()) + noise[i][j]) {
                            bad.push(format!("H[{i}][{j}] hvp {} fd {}", hm[i][j], fd[i][j]));
                        }
                        if apart(hm[i][j], hm[j][i], 1e-8 * (1.0 + hm[i][j].abs())) {
                            bad.push(format!("asym H[{i}][{j}] {} H[{j}][{i}] {}", hm[i][j], hm[j][i]));
                        }
                    }
                }
                let dir: Vec<f64> = (0..case.inputs).map(|_| rng.float(-1.0, 1.0)).collect();
                let (_, hv) = (case.hvp)(&point, &dir);
                for i in 0..m {
                    let want: f64 = (0..m).map(|j| hm[i][j] * dir[diff[j]]).sum();
                    let scale: f64 = (0..m).map(|j| (hm[i][j] * dir[diff[j]]).abs()).sum();
                    if apart(hv[i], want, 1e-9 * (1.0 + scale)) {
                        bad.push(format!("generic dir row {i}: {} vs {}", hv[i], want));
                    }
                }
                if !bad.is_empty() {
                    failures.push(format!("{} at {point:?}: {}\n{}", case.name, bad.join("; "), case.source));
                    break 'points;
                }
                checked += 1;
                continue 'points;
            }
            unstable += 1;
            break;
        }
    }
    println!(
        "{label}: {} functions, {checked} points checked, {unstable} without a stable point, {} failures",
        cases.len(),
        failures.len()
    );
    for f in &failures {
        println!("FAIL {f}\n");
    }
    assert!(failures.is_empty());
}

/// Whether `a` and `b` differ by more than `bound` (or either is NaN).
fn apart(a: f64, b: f64, bound: f64) -> bool {
    let gap = (a - b).abs();
    gap.is_nan() || gap > bound
}

/// Whether `source` calls a function with a kink or a jump, or compares
/// values (a branch's edge), where a second derivative at 0 is a matter of
/// convention.
fn has_a_kink(source: &str) -> bool {
    const KINKS: &[&str] = &[
        "abs", "floor", "ceil", "round", "trunc", "fract", "signum", "clamp", "max", "min", "hypot", "atan2",
        "softplus", "relu",
    ];
    KINKS.iter().any(|kink| source.contains(kink))
}

#[allow(unused, clippy::all, clippy::pedantic)]
mod cases {
    use super::{grad, Case};
    // (The bound of the generic twins written `T: Float`.)
    use autodiff::Float;
    include!(concat!(env!("OUT_DIR"), "/cases.rs"));
}

/// Points checked per function.
const POINTS: usize = 3;
/// Draws allowed to find one point where central differences are stable.
const DRAWS: usize = 30;
/// Inputs are drawn from `[-RANGE, RANGE]`.
const RANGE: f64 = 1.5;

#[test]
fn generated_gradients_match_central_differences() {
    gradients_match_central_differences(&cases::cases(), cases::SEED ^ 0xD1FF, "functions");
}

/// The same for the generic twins, instantiated at `f64`.
#[test]
fn generic_gradients_match_central_differences() {
    gradients_match_central_differences(&cases::generic_cases(), cases::SEED ^ 0xD200, "generic twins at f64");
}

fn gradients_match_central_differences(cases: &[Case], seed: u64, label: &str) {
    let mut rng = Rng::new(seed);
    let mut failures = Vec::new();
    let mut rough = Vec::new();
    let mut checked = 0;
    for case in cases {
        for _ in 0..POINTS {
            let outcome = match check_point(case, &mut rng) {
                // Too rough for central differences: the two modes checked
                // against each other instead, and the function named below.
                Err(Problem::NoStablePoint) => match modes_agree(case, &mut rng) {
                    Ok(()) => {
                        rough.push(case.name);
                        break;
                    }
                    Err(problem) => Err(problem),
                },
                Err(Problem::Wrong(problem)) => Err(problem),
                Ok(()) => Ok(()),
            };
            match outcome {
                Ok(()) => checked += 1,
                Err(problem) => {
                    failures.push(format!("{}: {problem}\n{}", case.name, case.source));
                    break;
                }
            }
        }
    }
    println!("{} {label} (seed {}), {checked} points checked, {} failures", cases.len(), cases::SEED, failures.len());
    println!(
        "{} functions had no point among {DRAWS} draws where central differences with two steps agree; \
         their `_jvp`, `_vjp` and `_grad` were checked against each other only: {rough:?}",
        rough.len()
    );
    assert!(failures.is_empty(), "{} of {} {label} fail:\n\n{}", failures.len(), cases.len(), failures.join("\n\n"));
}

enum Problem {
    /// A derivative that disagrees with the oracle.
    Wrong(String),
    /// Central differences are no oracle for this function.
    NoStablePoint,
}

/// Checks one point where central differences are stable.
fn check_point(case: &Case, rng: &mut Rng) -> Result<(), Problem> {
    for _ in 0..DRAWS {
        let point: Vec<f64> = (0..case.inputs).map(|_| rng.float(-RANGE, RANGE)).collect();
        if let Some(expected) = stable_gradient(case, &point) {
            let direction: Vec<f64> = (0..case.inputs).map(|_| rng.float(-1.0, 1.0)).collect();
            return compare(case, &point, &expected, rng.float(-2.0, 2.0), &direction).map_err(Problem::Wrong);
        }
    }
    Err(Problem::NoStablePoint)
}

/// At a random point: `_grad`, `_vjp` and `_jvp` agree with each other and
/// with the function's value (forward and reverse mode are separate code).
fn modes_agree(case: &Case, rng: &mut Rng) -> Result<(), String> {
    let point: Vec<f64> = (0..case.inputs).map(|_| rng.float(-RANGE, RANGE)).collect();
    let direction: Vec<f64> = (0..case.inputs).map(|_| rng.float(-1.0, 1.0)).collect();
    let (_, gradient) = (case.grad)(&point);
    if gradient.iter().any(|g| !g.is_finite()) {
        return Err(format!("at {point:?} (too rough for central differences): a partial is {gradient:?}"));
    }
    compare(case, &point, &gradient, rng.float(-2.0, 2.0), &direction)
        .map_err(|problem| format!("(too rough for central differences, modes compared) {problem}"))
}

/// Central differences at two steps, or `None` where they disagree (a kink,
/// a jump or a branch boundary nearby) or where the value is so large that
/// rounding swamps them (a value of 3·10⁹ moves by whole ulps of 5·10⁻⁷).
fn stable_gradient(case: &Case, point: &[f64]) -> Option<Vec<f64>> {
    let mut gradient = Vec::new();
    let value = (case.value)(point);
    for &input in case.differentiated {
        let coarse = central_difference(case, point, input, 1e-4);
        let fine = central_difference(case, point, input, 1e-6);
        // The rounding error of the fine step, against the tolerance of `compare`.
        let rounding = f64::EPSILON * value.abs() / 1e-6;
        if !coarse.is_finite()
            || !fine.is_finite()
            || (coarse - fine).abs() > 1e-4 * (1.0 + fine.abs())
            || rounding > 1e-5 * (1.0 + fine.abs())
        {
            return None;
        }
        gradient.push(fine);
    }
    Some(gradient)
}

fn central_difference(case: &Case, point: &[f64], input: usize, step: f64) -> f64 {
    let mut probe = point.to_vec();
    probe[input] = point[input] + step;
    let up = (case.value)(&probe);
    probe[input] = point[input] - step;
    let down = (case.value)(&probe);
    (up - down) / (2.0 * step)
}

fn compare(case: &Case, point: &[f64], expected: &[f64], seed: f64, direction: &[f64]) -> Result<(), String> {
    let value = (case.value)(point);
    let (grad_value, gradient) = (case.grad)(point);
    let at = format!("at {point:?}");
    if !close(grad_value, value, 1e-12) {
        return Err(format!("{at}: `_grad` value {grad_value} but the function gives {value}"));
    }
    if gradient.len() != expected.len() {
        return Err(format!("{at}: {} partials, expected {}", gradient.len(), expected.len()));
    }
    for (k, (&got, &want)) in gradient.iter().zip(expected).enumerate() {
        if !got.is_finite() || (got - want).abs() > 1e-4 * (1.0 + want.abs()) {
            let input = case.differentiated[k];
            return Err(format!("{at}: partial by input {input} is {got}, central differences give {want}"));
        }
    }
    let (vjp_value, scaled) = (case.vjp)(point, seed);
    if !close(vjp_value, value, 1e-12) {
        return Err(format!("{at}: `_vjp` value {vjp_value} but the function gives {value}"));
    }
    for (k, (&got, &partial)) in scaled.iter().zip(&gradient).enumerate() {
        if !close(got, seed * partial, 1e-10) {
            return Err(format!(
                "{at}: `_vjp` with seed {seed} gives {got} for partial {k}, seed × `_grad` is {}",
                seed * partial
            ));
        }
    }
    let (jvp_value, derivative) = (case.jvp)(point, direction);
    if !close(jvp_value, value, 1e-12) {
        return Err(format!("{at}: `_jvp` value {jvp_value} but the function gives {value}"));
    }
    let terms = gradient.iter().zip(case.differentiated).map(|(g, &input)| g * direction[input]);
    let (along, scale) = terms.fold((0.0, 0.0), |(sum, size), term| (sum + term, size + term.abs()));
    if !derivative.is_finite() || (derivative - along).abs() > 1e-10 * (1.0 + scale) {
        return Err(format!("{at}: `_jvp` along {direction:?} gives {derivative}, `∇f·v` from `_grad` is {along}"));
    }
    Ok(())
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    // (An infinity is close to itself only: `∞ ≤ tolerance · ∞` would hold.)
    a == b || (a.is_finite() && b.is_finite() && (a - b).abs() <= tolerance * (1.0 + a.abs().max(b.abs())))
}

/// Every number a case's derivatives give at `point`, labelled: the value,
/// `_grad`, `_vjp` with `seed`, `_jvp` and `_hvp` along `direction`.
fn outputs(case: &Case, point: &[f64], seed: f64, direction: &[f64]) -> Vec<(String, f64)> {
    let mut all = vec![("value".to_owned(), (case.value)(point))];
    let (value, gradient) = (case.grad)(point);
    all.push(("`_grad` value".to_owned(), value));
    all.extend(gradient.iter().enumerate().map(|(k, &g)| (format!("`_grad` partial {k}"), g)));
    let (value, scaled) = (case.vjp)(point, seed);
    all.push(("`_vjp` value".to_owned(), value));
    all.extend(scaled.iter().enumerate().map(|(k, &g)| (format!("`_vjp` partial {k}"), g)));
    let (value, along) = (case.jvp)(point, direction);
    all.push(("`_jvp` value".to_owned(), value));
    all.push(("`_jvp` derivative".to_owned(), along));
    let (value, product) = (case.hvp)(point, direction);
    all.push(("`_hvp` value".to_owned(), value));
    all.extend(product.iter().enumerate().map(|(k, &h)| (format!("`_hvp` row {k}"), h)));
    all
}

/// A generic twin `caseN_g<T>` instantiated at `f64` is `caseN` spelled
/// over `T`: at random points its value and every derivative (`_grad`,
/// `_vjp`, `_jvp`, `_hvp`) are `caseN`'s, bit for bit or within rounding
/// (its folds stand for `sum` and `product`, which the macro may
/// differentiate in another order).
#[test]
fn generic_twins_at_f64_compute_what_their_f64_functions_do() {
    let (plain, twins) = (cases::cases(), cases::generic_cases());
    let mut rng = Rng::new(cases::SEED ^ 0x7A1F);
    let (mut numbers, mut identical) = (0, 0);
    let mut failures = Vec::new();
    for (twin, &index) in twins.iter().zip(cases::TWIN_OF) {
        let case = &plain[index];
        for _ in 0..POINTS {
            let point: Vec<f64> = (0..case.inputs).map(|_| rng.float(-RANGE, RANGE)).collect();
            let direction: Vec<f64> = (0..case.inputs).map(|_| rng.float(-1.0, 1.0)).collect();
            let seed = rng.float(-2.0, 2.0);
            let want = outputs(case, &point, seed, &direction);
            let got = outputs(twin, &point, seed, &direction);
            let wrong: Vec<String> = want
                .iter()
                .zip(&got)
                .filter_map(|((what, want), (_, got))| {
                    numbers += 1;
                    if want.to_bits() == got.to_bits() || (want.is_nan() && got.is_nan()) {
                        identical += 1;
                        None
                    } else if close(*want, *got, 1e-9) {
                        None
                    } else {
                        Some(format!("{what}: {got} over `T`, {want} over `f64`"))
                    }
                })
                .collect();
            if !wrong.is_empty() {
                failures.push(format!(
                    "{} at {point:?} (seed {seed}, direction {direction:?}): {}\n{}\n{}",
                    twin.name,
                    wrong.join("; "),
                    twin.source,
                    case.source
                ));
                break;
            }
        }
    }
    println!(
        "generic twins at f64: {} twins, {numbers} numbers compared with their f64 functions', {identical} bit for bit, \
         {} failures",
        twins.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{} generic twins differ:\n\n{}", failures.len(), failures.join("\n\n"));
}

/// A generic twin instantiated at `f32` gives, at points that are `f32`s,
/// what it gives at `f64`, to `f32`'s precision: its value (to `1e-4`),
/// every derivative (to `1e-2`, relative to `1 + |d|`), and its modes
/// agree with each other in `f32`. A point where the `f64` results move by
/// more than a tenth of that when the inputs move by a few `f32` ulps (a
/// kink, a branch's edge, a large condition number) is drawn again, up to
/// `DRAWS` times; a function without such a point is named, not failed.
#[test]
fn generic_twins_at_f32_agree_with_f64() {
    let (wide, narrow) = (cases::generic_cases(), cases::generic_cases_f32());
    let mut rng = Rng::new(cases::SEED ^ 0xF32);
    let mut failures = Vec::new();
    let mut conditioned = Vec::new();
    let mut checked = 0;
    for (at64, at32) in wide.iter().zip(&narrow) {
        'points: for _ in 0..POINTS {
            for _ in 0..DRAWS {
                let f32_point = |rng: &mut Rng, range: f64| -> Vec<f64> {
                    (0..at64.inputs).map(|_| rng.float(-range, range) as f32 as f64).collect()
                };
                let point = f32_point(&mut rng, RANGE);
                let direction = f32_point(&mut rng, 1.0);
                let seed = rng.float(-2.0, 2.0) as f32 as f64;
                let want = outputs(at64, &point, seed, &direction);
                // A few f32 ulps away.
                let nudged: Vec<f64> = point.iter().map(|x| x * (1.0 + rng.float(-1e-6, 1e-6))).collect();
                let near = outputs(at64, &nudged, seed, &direction);
                let tolerance = |what: &str, w: f64| if what.contains("value") { 1e-4 } else { 1e-2 } * (1.0 + w.abs());
                let steady = want
                    .iter()
                    .zip(&near)
                    .all(|((what, w), (_, n))| w.is_finite() && (w - n).abs() <= 0.1 * tolerance(what, *w));
                if !steady {
                    continue;
                }
                let got = outputs(at32, &point, seed, &direction);
                let mut wrong: Vec<String> = want
                    .iter()
                    .zip(&got)
                    .filter(|((what, w), (_, g))| !g.is_finite() || (w - g).abs() > tolerance(what, *w))
                    .map(|((what, w), (_, g))| format!("{what}: {g} at f32, {w} at f64"))
                    .collect();
                // In f32 alone: `_vjp` is seed × `_grad`, the values are the function's.
                let (value, gradient) = (at32.grad)(&point);
                let (vjp_value, scaled) = (at32.vjp)(&point, seed);
                let plain = (at32.value)(&point);
                for (what, v) in [("`_grad`", value), ("`_vjp`", vjp_value)] {
                    if !close32(v, plain) {
                        wrong.push(format!("{what} value {v} at f32, the function gives {plain}"));
                    }
                }
                for (k, (&s, &g)) in scaled.iter().zip(&gradient).enumerate() {
                    if !close32(s, seed * g) {
                        wrong.push(format!("`_vjp` partial {k} {s} at f32, seed × `_grad` is {}", seed * g));
                    }
                }
                if !wrong.is_empty() {
                    failures.push(format!(
                        "{} at f32 at {point:?} (seed {seed}, direction {direction:?}): {}\n{}",
                        at32.name,
                        wrong.join("; "),
                        at32.source
                    ));
                    break 'points;
                }
                checked += 1;
                continue 'points;
            }
            conditioned.push(at32.name);
            break;
        }
    }
    println!(
        "generic twins at f32: {} twins, {checked} points checked, {} failures; {} without a point where f32 \
         suffices: {conditioned:?}",
        narrow.len(),
        failures.len(),
        conditioned.len()
    );
    assert!(failures.is_empty(), "{} generic twins differ at f32:\n\n{}", failures.len(), failures.join("\n\n"));
}

/// Two f32 results of the same computation (widened): within a few ulps.
fn close32(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-5 * (1.0 + a.abs().max(b.abs()))
}
