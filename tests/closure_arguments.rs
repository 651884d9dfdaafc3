//! What a local closure's parameter stands for.
//!
//! A local closure given a reference (round 17): `dist(&pts[i], ..)`,
//! `total(&x[1..])`, or a row bound first, `let a = &pts[i]; dist(a, b)`.
//! The first two were refused ("references are not supported"); the row
//! bound first, given to a `&[f64]` parameter, failed to compile in the
//! generated code. The parameter now names those elements, as a `let` of
//! the argument does. Checked against closed forms, and `_jvp` against
//! the gradient.

mod common;

use autodiff::prelude::*;
use common::close;

/// The perimeter of a polygon, a row bound first, the closure taking slices.
#[grad(forward, reverse, hessian)]
fn perimeter(pts: &[[f64; 2]]) -> f64 {
    let dist = |a: &[f64], b: &[f64]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
    let n = pts.len();
    let mut p = 0.0;
    for i in 0..n {
        let a = &pts[i];
        let b = &pts[(i + 1) % n];
        p += dist(a, b);
    }
    p
}

/// The same, the rows lent at the call, the closure taking arrays.
#[grad(forward, reverse, hessian)]
fn perimeter_lent(pts: &[[f64; 2]]) -> f64 {
    let dist = |a: &[f64; 2], b: &[f64; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
    let n = pts.len();
    let mut p = 0.0;
    for i in 0..n {
        p += dist(&pts[i], &pts[(i + 1) % n]);
    }
    p
}

#[test]
fn rows_given_to_a_closure() {
    // A 3-4-5 triangle: the gradient at a vertex is the sum of the unit
    // vectors from its neighbours.
    let pts = [[0.0, 0.0], [3.0, 0.0], [3.0, 4.0]];
    for gradient in [perimeter_grad, perimeter_lent_grad] {
        let mut d = [[0.0; 2]; 3];
        assert!(close(gradient(&pts, &mut d), 12.0, 1e-12));
        let want = [[-1.6, -0.8], [1.0, -1.0], [0.6, 1.8]];
        for (got, want) in d.iter().flatten().zip(want.iter().flatten()) {
            assert!(close(*got, *want, 1e-12), "{d:?}");
        }
        let direction = [[0.5, -1.0], [2.0, 0.25], [-1.0, 1.5]];
        let along: f64 = d.iter().flatten().zip(direction.iter().flatten()).map(|(g, v)| g * v).sum();
        assert!(close(perimeter_jvp(&pts, &direction).1, along, 1e-12));
        assert!(close(perimeter_lent_jvp(&pts, &direction).1, along, 1e-12));
    }
}

/// Sub-slices given to a closure: `Σ_{i≥1} xᵢ² + Σ_{i<2} xᵢ²`.
#[grad(forward, reverse, hessian)]
fn overlapping_squares(x: &[f64]) -> f64 {
    let total = |v: &[f64]| v.iter().map(|e| e * e).sum::<f64>();
    total(&x[1..]) + total(&x[..2])
}

#[test]
fn sub_slices_given_to_a_closure() {
    let x = [1.0, 2.0, 3.0];
    let mut d = [0.0; 3];
    assert!(close(overlapping_squares_grad(&x, &mut d), 18.0, 1e-12));
    assert_eq!(d, [2.0, 8.0, 6.0]);
    assert!(close(overlapping_squares_jvp(&x, &[1.0, 1.0, 1.0]).1, 16.0, 1e-12));
    // The Hessian is diag(2, 4, 2).
    let mut hv = [0.0; 3];
    overlapping_squares_hvp(&x, &[1.0, 1.0, 1.0], &mut hv);
    assert_eq!(hv, [2.0, 4.0, 2.0]);
}

/// A `mut` array parameter given a local array by value writes a copy:
/// the caller's `a` keeps its values (review 24: the closure wrote `a`,
/// and the value and the gradient were silently wrong).
#[grad(forward, reverse, hessian)]
fn copied_into_a_mut_parameter(x: &[f64]) -> f64 {
    let mut a = [x[0], x[1]];
    let f = |mut v: [f64; 2]| {
        v[0] = v[1] * v[1];
        v[0] + v[1]
    };
    let r = f(a);
    a[1] *= 2.0;
    r * a[0] + a[1]
}

#[test]
fn a_mut_parameter_by_value_is_a_copy() {
    // (x₁² + x₁)·x₀ + 2x₁
    let x = [0.3, -1.2];
    let mut d = [0.0; 2];
    let value = copied_into_a_mut_parameter_grad(&x, &mut d);
    assert!(close(value, (x[1] * x[1] + x[1]) * x[0] + 2.0 * x[1], 1e-12));
    assert!(close(d[0], x[1] * x[1] + x[1], 1e-12) && close(d[1], (2.0 * x[1] + 1.0) * x[0] + 2.0, 1e-12), "{d:?}");
    assert!(close(copied_into_a_mut_parameter_jvp(&x, &[1.0, 0.0]).1, d[0], 1e-12));
}
