//! `autodiff::gradcheck` through the facade: the lesson's derivatives,
//! checked against their closed forms, and `#[grad]` checked against
//! central differences.

use autodiff::prelude::*;

#[test]
fn lesson_derivative_rules() {
    // (x⁵)' = 5x⁴, (5eˣ)' = 5eˣ, (5 ln x)' = 5/x, each at x = 1.7.
    let x = 1.7f64;
    check_gradient(|w| w[0].powi(5), &[x], &[5.0 * x.powi(4)]).assert_close(1e-8);
    check_gradient(|w| 5.0 * w[0].exp(), &[x], &[5.0 * x.exp()]).assert_close(1e-8);
    check_gradient(|w| 5.0 * w[0].ln(), &[x], &[5.0 / x]).assert_close(1e-8);
}

#[test]
fn lesson_partial_derivatives() {
    // f = ax + by + cz over (x, y, z) has gradient (a, b, c).
    let (a, b, c) = (2.0, -3.0, 0.5);
    let f = |w: &[f64]| a * w[0] + b * w[1] + c * w[2];
    check_gradient(f, &[1.0, 2.0, 3.0], &[a, b, c]).assert_close(1e-8);

    // f = xy has gradient (y, x).
    check_gradient(|w| w[0] * w[1], &[4.0, -1.5], &[-1.5, 4.0]).assert_close(1e-8);

    // f = (y − xw)² over (x, w): (−2w(y − xw), −2x(y − xw)).
    let y = 0.5;
    let (x, w) = (1.5, -2.0);
    let r = y - x * w;
    let f = |p: &[f64]| (y - p[0] * p[1]).powi(2);
    check_gradient(f, &[x, w], &[-2.0 * w * r, -2.0 * x * r]).assert_close(1e-8);
}

#[test]
fn numeric_gradient_of_the_lessons_sigmoid() {
    // f(x) = (1 + e^−x)^−1, f'(x) = e^−x (1 + e^−x)^−2.
    for x in [-2.0f64, 0.0, 1.0, 3.0] {
        let g = numeric_gradient(|w| (1.0 + (-w[0]).exp()).powi(-1), &[x]);
        let e = (-x).exp();
        let want = e * (1.0 + e).powi(-2);
        assert!((g[0] - want).abs() < 1e-9, "x = {x}: {} vs {want}", g[0]);
    }
}

#[grad]
fn j(a: f64, b: f64, c: f64) -> f64 {
    let v = b * c;
    let u = a + v;
    3.0 * u
}

#[test]
fn grad_of_the_lessons_exercise_passes_the_check() {
    let (a, b, c) = (1.0, 2.0, 3.0);
    let (value, da, db, dc) = j_grad(a, b, c);
    assert_eq!((value, da, db, dc), (21.0, 3.0, 3.0 * c, 3.0 * b));
    let report = check_gradient(|w| j(w[0], w[1], w[2]), &[a, b, c], &[da, db, dc]);
    assert!(report.passes(1e-8), "{report:#}");
}

#[test]
fn a_wrong_gradient_is_reported_at_its_coordinate() {
    // Pretend ∂J/∂c were 3c instead of 3b.
    let (a, b, c) = (1.0, 2.0, 3.0);
    let report = check_gradient(|w| j(w[0], w[1], w[2]), &[a, b, c], &[3.0, 9.0, 9.0]);
    let worst = report.worst().expect("three coordinates");
    assert_eq!(worst.index, 2);
    assert_eq!(worst.analytic, 9.0);
    assert!((worst.numeric - 6.0).abs() < 1e-8);
    // |9 − 6| / max(9, 6, 1) = 1/3.
    assert!((worst.relative_error - 1.0 / 3.0).abs() < 1e-8);
    assert!(!report.passes(1e-3));
    assert!(report.to_string().contains("at index 2"), "{report}");
}

#[test]
fn step_and_floor_are_configurable() {
    // A gradient of size 1e-7: absolute below the default floor, relative
    // with a tiny one.
    let f = |w: &[f64]| 1e-7 * w[0];
    let off_by_ten_percent = [1.1e-7];
    assert!(check_gradient(f, &[1.0], &off_by_ten_percent).passes(1e-6));
    let strict = GradChecker::new().with_floor(1e-12).with_step(1e-3);
    let report = strict.check(f, &[1.0], &off_by_ten_percent);
    assert!((report.max_relative_error() - 0.1 / 1.1).abs() < 1e-6, "{report:#}");
    assert_eq!((report.step(), report.floor()), (1e-3, 1e-12));
}
