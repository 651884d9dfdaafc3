//! Values of plain functions that return integers, bound to locals whose
//! type is not written and given a differentiated argument: `let b =
//! bucket(v, n); h[b] += v;` (round 20, C2) and `let n = count(x); for i in
//! 0..n` (review 26, C1). They were taken for floats (a call's value given
//! a float), and rustc's first error asked for the type. An index and a
//! loop's bounds are integers: the values are constants, with no
//! derivative. Checked in every mode against the closed forms.

// Index loops, as a user writes them.
#![allow(clippy::needless_range_loop)]

mod common;

use autodiff::prelude::*;
use common::close;

/// The bin of `v` among `n` equal bins of `[0, 1)`.
fn bucket(v: f64, n: usize) -> usize {
    (v.clamp(0.0, 0.999) * n as f64) as usize
}

/// `Σ_b (h_b − t_b)²` of the histogram `h` that sums each `xᵢ` into its bin.
#[grad(forward, reverse, hessian)]
fn histogram_loss(x: &[f64], target: &[f64]) -> f64 {
    let n = target.len();
    let mut h = vec![0.0; n];
    for &v in x {
        let b = bucket(v, n);
        h[b] += v;
    }
    h.iter().zip(target).map(|(a, t)| (a - t).powi(2)).sum()
}

/// How many elements are positive.
fn positives(x: &[f64]) -> usize {
    x.iter().filter(|v| **v > 0.0).count()
}

/// `Σ_{i<k} xᵢ² + x_{k−1}` with `k` the count of positive elements (the
/// count read by a loop's bound and, less one, by an index).
#[grad(forward, reverse, hessian)]
fn squares_of_the_first(x: &[f64]) -> f64 {
    let k = positives(x);
    let mut s = 0.0;
    for i in 0..k {
        s += x[i] * x[i];
    }
    let last = positives(x) - 1;
    s + x[last]
}

#[test]
fn integers_from_calls_are_constants() {
    // Bins of 0.2, 0.7, 0.3 among 2: 0, 1, 0; h = [0.5, 0.7].
    let (x, target) = ([0.2, 0.7, 0.3], [0.25, 1.0]);
    let (mut dx, mut dt) = ([0.0; 3], [0.0; 2]);
    let value = histogram_loss_grad(&x, &mut dx, &target, &mut dt);
    assert!(close(value, 0.25f64.powi(2) + 0.3f64.powi(2), 1e-15));
    let (g0, g1) = (2.0 * (0.5 - 0.25), 2.0 * (0.7 - 1.0));
    for (got, want) in dx.iter().zip([g0, g1, g0]) {
        assert!(close(*got, want, 1e-15), "{dx:?}");
    }
    assert!(close(dt[0], -g0, 1e-15) && close(dt[1], -g1, 1e-15));
    let (v, vt) = ([1.0, -1.0, 0.5], [0.0, 2.0]);
    let (_, tangent) = histogram_loss_jvp(&x, &v, &target, &vt);
    assert!(close(tangent, g0 * 1.5 - g1 - g1 * 2.0, 1e-14));
    let (mut hx, mut ht) = ([0.0; 3], [0.0; 2]);
    histogram_loss_hvp(&x, &v, &mut hx, &target, &vt, &mut ht);
    // ∂²/∂x∂x: 2 within a bin; ∂²/∂x∂t: −2 to the bin's target.
    let (bin0, bin1) = (2.0 * (1.0 + 0.5), 2.0 * (-1.0 - 2.0));
    for (got, want) in hx.iter().zip([bin0, bin1, bin0]) {
        assert!(close(*got, want, 1e-14), "{hx:?}");
    }
    assert!(close(ht[0], -bin0, 1e-14) && close(ht[1], 2.0 * vt[1] - 2.0 * v[1], 1e-14), "{ht:?}");

    let x = [0.5, 2.0, -1.0];
    let mut d = [0.0; 3];
    assert!(close(squares_of_the_first_grad(&x, &mut d), 0.25 + 4.0 + 2.0, 1e-15));
    assert_eq!(d, [1.0, 5.0, 0.0]);
    assert!(close(squares_of_the_first_jvp(&x, &[1.0, 1.0, 7.0]).1, 6.0, 1e-15));
    let mut h = [0.0; 3];
    squares_of_the_first_hvp(&x, &[1.0, 1.0, 7.0], &mut h);
    assert_eq!(h, [2.0, 2.0, 0.0]);
}

/// Limits of a setting the macro cannot see the type of.
struct Limits {
    low: f64,
    high: f64,
}

fn square(x: f64) -> f64 {
    x * x
}

/// A float `min` and `clamp` given a field of a constant struct, whose
/// type the macro cannot see: the call's value is a float with its
/// derivative (a first version of an integer `min` of a call's value, for
/// `bucket(v, 6).min(3)`, took the field for an integer and the derivative
/// for zero; withdrawn, review 31).
#[grad(forward, reverse, wrt(x))]
fn limited(x: f64, limits: &Limits) -> f64 {
    let a = cube(x).min(limits.high);
    let b = cube(x).clamp(limits.low, limits.high);
    a + b + square(2.0)
}

#[grad(forward, reverse)]
fn cube(x: f64) -> f64 {
    x * x * x
}

#[test]
fn a_float_min_of_an_unseen_field_keeps_its_derivative() {
    let limits = Limits { low: 0.1, high: 8.0 };
    // Inside the limits both terms are x³: 6x²; above `high` both are flat.
    assert_eq!(limited_grad(1.5, &limits), (2.0 * 3.375 + 4.0, 6.0 * 2.25));
    assert_eq!(limited_grad(3.0, &limits), (16.0 + 4.0, 0.0));
    assert_eq!(limited_jvp(1.5, 1.0, &limits).1, 6.0 * 2.25);
}
