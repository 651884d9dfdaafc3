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

/// A histogram whose bins are clamped the way such code clamps an index:
/// `bucket(v, 6).min(3)` merges the last bins, `.max(1).clamp(1, 2)` keeps a
/// second count away from the first bin (review 28 F6: the call's value
/// was taken for a float, the receiver of a float `min`).
#[grad(forward, reverse, hessian)]
fn clamped_histogram(x: &[f64], w: &[f64]) -> f64 {
    let mut h = [0.0; 4];
    for i in 0..x.len() {
        let b = bucket(x[i], 6).min(3);
        h[b] += w[i] * x[i];
        h[bucket(x[i], 6).max(1).clamp(1, 2)] += x[i];
    }
    h[0] * h[1] + h[2] * h[3]
}

#[test]
fn integer_min_max_and_clamp_of_a_call_are_constants() {
    // Bins among 6 of 0.1, 0.4, 0.9: 0, 2, 5; `.min(3)`: 0, 2, 3; the
    // second counts `.max(1).clamp(1, 2)`: 1, 2, 2. So h0 = w0·x0, h1 = x0,
    // h2 = w1·x1 + x1 + x2, h3 = w2·x2.
    let (x, w) = ([0.1, 0.4, 0.9], [2.0, 3.0, 5.0]);
    let h = [w[0] * x[0], x[0], w[1] * x[1] + x[1] + x[2], w[2] * x[2]];
    let (mut dx, mut dw) = ([0.0; 3], [0.0; 3]);
    let value = clamped_histogram_grad(&x, &mut dx, &w, &mut dw);
    assert!(close(value, h[0] * h[1] + h[2] * h[3], 1e-15));
    let want_dx = [w[0] * h[1] + h[0], (w[1] + 1.0) * h[3], h[3] + h[2] * w[2]];
    let want_dw = [x[0] * h[1], x[1] * h[3], h[2] * x[2]];
    for (got, want) in dx.iter().chain(&dw).zip(want_dx.iter().chain(&want_dw)) {
        assert!(close(*got, *want, 1e-14), "{dx:?} {dw:?}");
    }
    // Forward mode: the gradient's dot product with the direction.
    let (vx, vw) = ([1.0, -2.0, 0.5], [0.25, 1.0, -1.0]);
    let (_, tangent) = clamped_histogram_jvp(&x, &vx, &w, &vw);
    let along: f64 = want_dx.iter().zip(&vx).chain(want_dw.iter().zip(&vw)).map(|(g, v)| g * v).sum();
    assert!(close(tangent, along, 1e-14), "{tangent} {along}");
    // Second order: H·v against central differences of the gradient.
    let (mut hx, mut hw) = ([0.0; 3], [0.0; 3]);
    clamped_histogram_hvp(&x, &vx, &mut hx, &w, &vw, &mut hw);
    let step = 1e-6;
    let gradient_at = |t: f64| {
        let xt: Vec<f64> = x.iter().zip(&vx).map(|(a, v)| a + t * v).collect();
        let wt: Vec<f64> = w.iter().zip(&vw).map(|(a, v)| a + t * v).collect();
        let (mut gx, mut gw) = (vec![0.0; 3], vec![0.0; 3]);
        clamped_histogram_grad(&xt, &mut gx, &wt, &mut gw);
        gx.into_iter().chain(gw).collect::<Vec<f64>>()
    };
    let (up, down) = (gradient_at(step), gradient_at(-step));
    for (i, got) in hx.iter().chain(&hw).enumerate() {
        let numeric = (up[i] - down[i]) / (2.0 * step);
        assert!(close(*got, numeric, 1e-6), "{i}: {got} {numeric}");
    }
}

/// Limits of a setting the macro cannot see the type of.
struct Limits {
    low: f64,
    high: f64,
}

fn square(x: f64) -> f64 {
    x * x
}

/// A float `min` and `clamp` given a field of a constant struct: the
/// field's type is unseen (no integer for certain), so the call's value
/// stays a float with its derivative (the first version of the integer
/// `min` took the field for an integer, and the derivative for zero).
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
