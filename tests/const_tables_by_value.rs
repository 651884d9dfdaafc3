//! The elements of a `const` table passed by value to a `#[grad]` function,
//! as data-fitting code writes them (`sq_err(w, XS[i], YS[i])`, `for y in
//! DATA { .. }`): `#[grad]` cannot see a table's element type and took its
//! elements for no float, so the first try failed to compile with a request
//! for a typed `let` (round 16). A table in capitals whose elements the body
//! does not use as integers is now taken for a table of floats (or of rows
//! of floats), as a `const` in capitals is (`constants_by_value.rs`); rustc
//! checks the guess (`tests/ui/const-table-element-taken-for-a-float.rs`).
//! Only a table the body reads no other way is taken (review 24: a copy
//! of a row, or an `f32` table read in `f64` arithmetic, took the guess
//! too and failed to compile). Each function is checked in every mode it
//! has against its closed form.

mod common;

use autodiff::prelude::*;
use common::close;
use common::graph::adjoint;

const XS: [f64; 4] = [0.0, 1.0, 2.0, 3.0];
const YS: [f64; 4] = [1.0, 2.5, 5.0, 6.5];
const W: [[f64; 3]; 2] = [[1.0, 2.0, 2.0], [0.0, 3.0, 4.0]];
const ORDER: [usize; 2] = [2, 0];
const PAIRS: [(f64, f64); 2] = [(1.0, 2.0), (3.0, 4.0)];
const HALVES: [f32; 3] = [0.5, 1.0, 2.0];

#[derive(Clone, Copy)]
struct Spring {
    k: f64,
}

const SPRINGS: [Spring; 2] = [Spring { k: 1.0 }, Spring { k: 2.0 }];

/// The squared residual of the line `w₀ + w₁·x` at `(x, y)`.
#[grad(forward, reverse, hessian)]
fn sq_err(w0: f64, w1: f64, x: f64, y: f64) -> f64 {
    let r = w0 + w1 * x - y;
    r * r
}

/// The least-squares loss of the line over the table, as a helper per point.
#[grad(forward, reverse, hessian, graph)]
fn line_loss(w0: f64, w1: f64) -> f64 {
    let mut loss = 0.0;
    for i in 0..4 {
        loss += sq_err(w0, w1, XS[i], YS[i]);
    }
    loss
}

#[test]
fn table_elements_passed_by_value_in_every_mode() {
    let (w0, w1) = (0.3, 1.7);
    let residuals: Vec<f64> = (0..4).map(|i| w0 + w1 * XS[i] - YS[i]).collect();
    let loss: f64 = residuals.iter().map(|r| r * r).sum();
    let d0: f64 = residuals.iter().map(|r| 2.0 * r).sum();
    let d1: f64 = residuals.iter().zip(XS).map(|(r, x)| 2.0 * r * x).sum();
    let (value, g0, g1) = line_loss_grad(w0, w1);
    assert!(close(value, loss, 1e-12) && close(g0, d0, 1e-12) && close(g1, d1, 1e-12));
    let (_, tangent) = line_loss_jvp(w0, 1.0, w1, -2.0);
    assert!(close(tangent, d0 - 2.0 * d1, 1e-12));
    // The Hessian is 2·Σ [[1, x], [x, x²]].
    let (_, h0, h1) = line_loss_hvp(w0, 1.0, w1, -2.0);
    let (sx, sxx): (f64, f64) = (XS.iter().sum(), XS.iter().map(|x| x * x).sum());
    assert!(close(h0, 2.0 * (4.0 - 2.0 * sx), 1e-12));
    assert!(close(h1, 2.0 * (sx - 2.0 * sxx), 1e-12));
    let g = line_loss_graph(w0, w1);
    assert!(close(adjoint(&g, "w0"), d0, 1e-12) && close(adjoint(&g, "w1"), d1, 1e-12));
}

#[grad(forward, reverse, hessian)]
fn scaled(a: f64, b: f64) -> f64 {
    a * b * a
}

/// `Σ x²·y` over the table's elements, iterated by value.
#[grad(forward, reverse, hessian)]
fn weighted(x: f64) -> f64 {
    let mut s = 0.0;
    for y in YS {
        s += scaled(x, y);
    }
    s
}

#[test]
fn a_table_iterated_by_value() {
    let x = 0.7;
    let total: f64 = YS.iter().sum();
    assert!(close(weighted_grad(x).1, 2.0 * x * total, 1e-12));
    assert!(close(weighted_jvp(x, 3.0).1, 6.0 * x * total, 1e-12));
    assert!(close(weighted_hvp(x, 3.0).1, 6.0 * total, 1e-12));
}

/// `√(k·v₀² + v₁² + v₂²)`.
#[grad(forward, reverse, hessian)]
fn wnorm(k: f64, v: [f64; 3]) -> f64 {
    (k * v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

/// Rows of a table of rows: `√25 + √(s² + 8)`.
#[grad(forward, reverse, hessian)]
fn rows(s: f64) -> f64 {
    wnorm(s, W[1]) + wnorm(s * s, W[0])
}

#[test]
fn rows_of_a_table_passed_by_value() {
    let s = 1.3;
    let root = (s * s + 8.0f64).sqrt();
    let (value, slope) = rows_grad(s);
    assert!(close(value, 5.0 + root, 1e-12) && close(slope, s / root, 1e-12));
    assert!(close(rows_jvp(s, 2.0).1, 2.0 * s / root, 1e-12));
    // d/ds (s/√(s²+8)) = 8/(s²+8)^{3/2}
    assert!(close(rows_hvp(s, 1.0).1, 8.0 / root.powi(3), 1e-12));
}

#[grad(forward, reverse, hessian)]
fn square_at(x: &[f64], i: usize) -> f64 {
    x[i] * x[i]
}

/// A table the body uses as indices stays a table of integers: `x₂³ + x₀³`.
#[grad(forward, reverse, hessian)]
fn cubes(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..2 {
        s += square_at(x, ORDER[k]) * x[ORDER[k]];
    }
    s
}

#[test]
fn a_table_used_as_indices_stays_integers() {
    let x = [1.0, 2.0, 3.0];
    let mut d = [0.0; 3];
    assert!(close(cubes_grad(&x, &mut d), 28.0, 1e-12));
    assert_eq!(d, [3.0, 0.0, 27.0]);
    let (_, tangent) = cubes_jvp(&x, &[1.0, 1.0, 1.0]);
    assert!(close(tangent, 30.0, 1e-12));
}

/// A table of tuples stays one (its fields are read): `Σ (x²·p + q)`.
#[grad(forward, reverse, hessian)]
fn pairs(x: f64) -> f64 {
    let mut s = 0.0;
    for pair in PAIRS {
        let p: f64 = pair.0;
        s += scaled(x, p) + pair.1;
    }
    s
}

#[test]
fn a_table_of_tuples_is_read_by_field() {
    let x = 0.7;
    let (value, slope) = pairs_grad(x);
    assert!(close(value, 4.0 * x * x + 6.0, 1e-12) && close(slope, 8.0 * x, 1e-12));
    assert!(close(pairs_jvp(x, 1.0).1, 8.0 * x, 1e-12));
}

#[grad(forward, reverse, hessian)]
fn cubic32(a: f32, y: f32) -> f32 {
    (a - y) * (a - y) * a * y
}

/// An `f32` table passed to an `f32` helper from an `f64` function.
#[grad(forward, reverse, hessian)]
fn through_f32(x: f64) -> f64 {
    let mut s = 0.0;
    for y in HALVES {
        s += cubic32(x as f32, y) as f64;
    }
    s
}

#[test]
fn an_f32_table_keeps_its_type() {
    let x = 0.7f64;
    // d/da of (a - y)²·a·y is y·(a - y)·(3a - y).
    let slope: f64 = HALVES.iter().map(|&y| (y * (0.7 - y) * (2.1 - y)) as f64).sum();
    let (_, got) = through_f32_grad(x);
    assert!(close(got, slope, 1e-5), "{got} {slope}");
    assert!(close(through_f32_jvp(x, 1.0).1, slope, 1e-5));
}

#[grad(wrt(x))]
fn stretch(x: f64, s: Spring) -> f64 {
    0.5 * s.k * x * x
}

/// A table of structs, one copied and read by field, one passed on.
#[grad(reverse)]
fn energy(x: f64) -> f64 {
    let s = SPRINGS[1];
    stretch(x, SPRINGS[0]) + s.k * x
}

#[test]
fn a_table_read_otherwise_is_left_as_it_was() {
    let x = 0.7;
    let (value, slope) = energy_grad(x);
    assert!(close(value, 0.5 * x * x + 2.0 * x, 1e-12) && close(slope, x + 2.0, 1e-12));
}
