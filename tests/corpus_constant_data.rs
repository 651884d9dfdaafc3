//! Constant data. Slices of structs: `data: &[Sample]`, the training set
//! a loss reads. A slice whose element type names no float (`Sample`,
//! `Vec<Sample>`, `[[Sample; 2]]`) is a table: constant data, like a
//! `const` table, whose elements are read in place (`data[i].x[0]`, `for s
//! in data`, `data.iter().map(..)`), lent to `#[grad]` callees with the
//! slots their parameter has (`&data[i]`, `let first = &data[0];`) and
//! passed on whole. Before, such a parameter was refused ("a slice of
//! structs #[grad] cannot read").
//!
//! A slice of tuples (`pairs: &[(f64, f64)]`) left out of `wrt(..)` is a
//! table too, its elements taken apart by a loop's pattern.
//!
//! Tables lent to `#[grad]` callees: a table parameter passed on, a row
//! or a part of one (`&grid[0]`, `&data[1..]`), a `const` table lent whole
//! (`&PAIRS`, `&WEIGHTS` to a slice of floats) or by row or element; and
//! `let Sample { x, y } = data[i];`.
//!
//! Also here: `let row = &x[i];` (a row, a float, a model's element, an
//! element of a table) read in place at the index it was bound at, and
//! `TABLE.len()` of a `const` table; and a constant array passed by value
//! to a `#[grad]` call (`wnorm(s, v)`, `v` left out of `wrt(..)`, or `*p`
//! of a constant slice of rows), whose zero tangent was written as a
//! float (E0308 in `_jvp` and `_hvp`; user round 6).
//!
//! Each row is checked against central differences at random points, its
//! `NAME_vjp` against `NAME_grad`, its `NAME_jvp` against `NAME_vjp` by the
//! dot-product test, and `NAME_hvp` against central differences of the
//! gradient; a closed form checks the least-squares gradient.

// Index loops and `&data` of a reference are among the forms under test.
#![allow(clippy::needless_range_loop, clippy::needless_borrow)]

#[macro_use]
mod common;

use autodiff::prelude::*;
use common::close;
use common::rows::{along, check_hvp, rows_jvp_is_the_transpose_of_vjp, rows_match_numeric_gradient, Case};

#[derive(Clone, Copy)]
struct Sample {
    x: [f64; 2],
    y: f64,
}

impl Sample {
    /// A plain method of an element: a constant.
    fn weight(&self) -> f64 {
        1.0 + 0.5 * self.y.abs()
    }

    /// A `#[grad]` method leaving the sample out.
    #[grad(forward, reverse, hessian, wrt(a))]
    fn scaled(&self, a: f64) -> f64 {
        a * a * self.x[0] + a * self.y
    }
}

fn samples() -> Vec<Sample> {
    vec![Sample { x: [1.0, 2.0], y: 0.5 }, Sample { x: [-1.0, 0.5], y: 1.5 }, Sample { x: [0.25, -0.75], y: -0.5 }]
}

const DATA: [Sample; 2] = [Sample { x: [0.5, -1.0], y: 0.25 }, Sample { x: [1.5, 0.5], y: -1.0 }];

/// A helper that leaves its sample out.
#[grad(forward, reverse, hessian, wrt(a, b))]
fn residual(a: f64, b: f64, s: &Sample) -> f64 {
    a * s.x[0] + b * s.x[1] - s.y
}

/// Least squares over the samples, by index.
#[grad(forward, reverse, hessian)]
fn least_squares(a: f64, b: f64, data: &[Sample]) -> f64 {
    let mut l = 0.0;
    for i in 0..data.len() {
        let e = a * data[i].x[0] + b * data[i].x[1] - data[i].y;
        l += e * e;
    }
    l / data.len() as f64
}

/// Every way a user reads the samples.
#[grad(forward, reverse, hessian, graph)]
fn every_read(a: f64, b: f64, data: &[Sample]) -> f64 {
    let mut l = 0.0;
    for s in data {
        l += s.weight() * residual(a, b, s).powi(2);
    }
    for (i, s) in data.iter().enumerate() {
        l += (i as f64 + 1.0) * (a * s.y).sin();
    }
    l += data.iter().map(|s| b * s.x[0] * s.x[1]).sum::<f64>();
    let first = &data[0];
    l += residual(a, b, first).tanh() + first.weight() * a;
    for i in 0..data.len() {
        l += residual(b, a, &data[i]) * data[i].weight();
    }
    if !data.is_empty() {
        l += least_squares(a, b, data);
    }
    l
}

/// A vector of samples, and a caller passing its table on.
#[grad(forward, reverse, hessian)]
fn of_a_vector(a: f64, b: f64, data: &Vec<Sample>) -> f64 {
    every_read(b, a, data) * a + least_squares(a, b, &data)
}

/// A `const` table: its length, its elements in place and lent, their
/// plain methods (review 5: refused as "a method of a part of a model"), a
/// `#[grad]` method of a typed copy.
#[grad(forward, reverse, hessian)]
fn of_a_const_table(a: f64, b: f64) -> f64 {
    let mut l = 0.0;
    for i in 0..DATA.len() {
        l += a * DATA[i].y + residual(a, b, &DATA[i]).powi(2);
    }
    for s in DATA.iter() {
        l += b * s.x[0] * s.weight();
    }
    let first: Sample = DATA[0];
    l + DATA[1].weight() * a + first.scaled(a * b)
}

/// A table of rows: elements by two indices.
#[grad(forward, reverse, hessian)]
fn of_rows(a: f64, b: f64, grid: &[[Sample; 2]]) -> f64 {
    let mut l = 0.0;
    for row in grid {
        for s in row {
            l += residual(a, b, s).powi(2);
        }
    }
    l + residual(a, b, &grid[0][1]) * grid[1][0].y
}

/// `let row = &x[i];` of rows and of floats, its index changed afterwards.
#[grad(forward, reverse, hessian)]
fn element_references(a: f64, b: f64) -> f64 {
    let xs = [[a, b], [a * b, b - a], [1.0, a]];
    let mut i = 0;
    let row = &xs[i];
    let v = &xs[2][1];
    i += 1;
    row[0] * row[1] + xs[i][0] * v + v * v
}

/// A slice of pairs left out of `wrt(..)`: constant data, taken apart by
/// the loop's pattern (user round 5: refused with no way out).
#[grad(forward, reverse, hessian, wrt(a, b))]
fn pairs_fit(a: f64, b: f64, pairs: &[(f64, f64)]) -> f64 {
    let mut l = 0.0;
    for &(x, y) in pairs {
        l += (a * x + b - y).powi(2);
    }
    for p in pairs.iter() {
        l += a * p.0 * p.1;
    }
    l + b * pairs[1].1
}

/// Reductions over arrays made for them (user round 5: "element access"
/// refused `[x, y, 2.0].iter()`).
#[grad(forward, reverse, hessian)]
fn reductions_of_array_literals(a: f64, b: f64) -> f64 {
    let mut s = [a, b, 2.0].iter().product::<f64>() + [a * b, a].iter().map(|v| v.sin()).sum::<f64>();
    for v in [a, b * b] {
        s += v * a;
    }
    s
}

/// A helper taking a sample by value.
#[grad(forward, reverse, hessian, wrt(a))]
fn by_value(a: f64, s: Sample) -> f64 {
    a * a * s.x[0] + s.y
}

/// Elements passed by value, and the table through a name of its own
/// (review 5: an arity error in `_jvp`'s call, E0425 for `d.len()`).
#[grad(forward, reverse, hessian)]
fn elements_by_value(a: f64, b: f64, data: &[Sample]) -> f64 {
    let d = data;
    let mut l = by_value(a * b, data[1]);
    for s in d {
        l += by_value(b, *s) * a;
    }
    l / d.len() as f64 + if d.is_empty() { 0.0 } else { a }
}

#[grad(forward, reverse, hessian)]
fn wnorm(k: f64, v: [f64; 3]) -> f64 {
    (k * v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

/// Constant arrays by value, beside a differentiated argument.
#[grad(forward, reverse, hessian, wrt(s))]
fn constant_arrays_by_value(s: f64, v: [f64; 3], pts: &[[f64; 3]]) -> f64 {
    let mut t = wnorm(s, v);
    for p in pts.iter() {
        t += wnorm(s, *p);
    }
    for &p in pts {
        t += wnorm(s * s, p);
    }
    t + wnorm(s, pts[1])
}

const PAIRS: [(f64, f64); 3] = [(1.0, 2.0), (0.5, -1.0), (-0.25, 0.75)];
const WEIGHTS: [f64; 3] = [0.5, 1.5, -2.0];
const ONE: Sample = Sample { x: [0.75, -0.5], y: 0.125 };

#[grad(forward, reverse, hessian)]
fn weighted_squares(v: &[f64], w: &[f64]) -> f64 {
    v.iter().zip(w).map(|(p, q)| q * p * p).sum()
}

#[grad(forward, reverse, hessian, wrt(a))]
fn first_pairs(a: f64, pairs: &[(f64, f64); 3]) -> f64 {
    a * pairs[0].0 + a * a * pairs[2].1
}

/// `const` and `static` tables lent whole to `#[grad]` callees: of pairs
/// (to a slice and to an array parameter), of floats (to a differentiated
/// slice parameter, whose shadow is a zero of the table's shape), of
/// structs, and a `const` struct (review 7: E0061, and an unsized `Slot`
/// for `&W` to `&[f64]`).
#[grad(forward, reverse, hessian)]
fn const_tables_lent_whole(a: f64, b: f64) -> f64 {
    let v = [a, b, a * b];
    pairs_fit(a, b, &PAIRS)
        + weighted_squares(&v, &WEIGHTS)
        + first_pairs(b, &PAIRS)
        + least_squares(a, b, &DATA)
        + residual(b, a, &ONE).powi(2)
}

/// A table parameter passed on to callees that leave it out of `wrt(..)`
/// and to one that differentiates nothing else of it.
#[grad(forward, reverse, hessian, wrt(a, b))]
fn pairs_passed_on(a: f64, b: f64, pairs: &[(f64, f64)]) -> f64 {
    pairs_fit(b, a, pairs) * a + pairs_fit(a * b, b, &pairs)
}

/// `let Sample { x, y } = data[i];` and the other struct patterns a `let`
/// takes apart (user round 7: "unsupported pattern in `let`").
#[grad(forward, reverse, hessian)]
fn struct_patterns(a: f64, b: f64, data: &[Sample]) -> f64 {
    let mut l = 0.0;
    for i in 0..data.len() {
        let Sample { x, y } = data[i];
        l += (a * x[0] + b * x[1] - y).powi(2);
    }
    for s in data {
        let Sample { y: target, .. } = s;
        l += a * target;
    }
    let Sample { x: first, y: _ } = DATA[1];
    l + b * first[1]
}

const GRID: [[Sample; 2]; 2] = [
    [Sample { x: [1.0, 0.5], y: 2.0 }, Sample { x: [0.5, -0.25], y: 1.0 }],
    [Sample { x: [2.0, 1.0], y: -1.0 }, Sample { x: [-1.5, 0.75], y: 0.5 }],
];

#[grad(forward, reverse, hessian, wrt(a))]
fn pair_loss(a: f64, pair: &[Sample; 2]) -> f64 {
    (a * pair[0].x[0] - pair[1].y).powi(2) + a * pair[1].x[1]
}

/// Rows of tables lent to a callee taking a table (`&grid[0]`, `row` of
/// `for row in grid`: refused before, "does not lend a row"), and the
/// elements and rows of a 2-D `const` table (review 7: "lent where floats
/// are expected").
#[grad(forward, reverse, hessian)]
fn table_rows_lent(a: f64, b: f64, grid: &[[Sample; 2]]) -> f64 {
    let mut l = pair_loss(a * b, &grid[0]);
    for row in grid {
        l += pair_loss(b, row) * a;
    }
    l + pair_loss(a, &GRID[1]) + residual(a, b, &GRID[0][1]).powi(2) + residual(b, a, &grid[1][0])
}

/// Parts of tables lent: `&data[1..]` of a table parameter and a name
/// bound to one (refused before, "does not lend a part").
#[grad(forward, reverse, hessian)]
fn table_parts_lent(a: f64, b: f64, data: &[Sample]) -> f64 {
    let tail = &data[1..];
    let v = [a, b, a - b];
    least_squares(a, b, &data[1..]) + least_squares(b, a * b, tail) + weighted_squares(&v[1..], &v[..2])
}

fn points() -> Vec<[f64; 3]> {
    vec![[1.0, 2.0, 2.0], [0.5, -1.0, 3.0]]
}

fn cases() -> Vec<Case> {
    vec![
        case!(least_squares, least_squares_grad, least_squares_vjp, least_squares_jvp;
              (a, b, &samples()) [a, along(0), b, along(1), &samples()]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(every_read, every_read_grad, every_read_vjp, every_read_jvp;
              (a, b, &samples()) [a, along(0), b, along(1), &samples()]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(of_a_vector, of_a_vector_grad, of_a_vector_vjp, of_a_vector_jvp;
              (a, b, &samples()) [a, along(0), b, along(1), &samples()]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(of_a_const_table, of_a_const_table_grad, of_a_const_table_vjp, of_a_const_table_jvp;
              (a, b) [a, along(0), b, along(1)]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(of_rows, of_rows_grad, of_rows_vjp, of_rows_jvp;
              (a, b, &rows()) [a, along(0), b, along(1), &rows()]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(element_references, element_references_grad, element_references_vjp, element_references_jvp;
              (a, b) [a, along(0), b, along(1)]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(elements_by_value, elements_by_value_grad, elements_by_value_vjp, elements_by_value_jvp;
              (a, b, &samples()) [a, along(0), b, along(1), &samples()]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(pairs_fit, pairs_fit_grad, pairs_fit_vjp, pairs_fit_jvp;
              (a, b, &[(1.0, 2.0), (0.5, -1.0)]) [a, along(0), b, along(1), &[(1.0, 2.0), (0.5, -1.0)]];
              a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(reductions_of_array_literals, reductions_of_array_literals_grad, reductions_of_array_literals_vjp,
              reductions_of_array_literals_jvp;
              (a, b) [a, along(0), b, along(1)]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(const_tables_lent_whole, const_tables_lent_whole_grad, const_tables_lent_whole_vjp,
              const_tables_lent_whole_jvp;
              (a, b) [a, along(0), b, along(1)]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(pairs_passed_on, pairs_passed_on_grad, pairs_passed_on_vjp, pairs_passed_on_jvp;
              (a, b, &PAIRS) [a, along(0), b, along(1), &PAIRS]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(table_rows_lent, table_rows_lent_grad, table_rows_lent_vjp, table_rows_lent_jvp;
              (a, b, &rows()) [a, along(0), b, along(1), &rows()]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(table_parts_lent, table_parts_lent_grad, table_parts_lent_vjp, table_parts_lent_jvp;
              (a, b, &samples()) [a, along(0), b, along(1), &samples()]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(struct_patterns, struct_patterns_grad, struct_patterns_vjp, struct_patterns_jvp;
              (a, b, &samples()) [a, along(0), b, along(1), &samples()]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(constant_arrays_by_value, constant_arrays_by_value_grad, constant_arrays_by_value_vjp,
              constant_arrays_by_value_jvp;
              (s, [0.25, -1.0, 0.5], &points()) [s, along(0), [0.25, -1.0, 0.5], &points()]; s in [0.5, 1.5]),
    ]
}

fn rows() -> Vec<[Sample; 2]> {
    let s = samples();
    vec![[s[0], s[1]], [s[2], s[0]]]
}

#[test]
fn constant_data_matches_numeric_gradient() {
    rows_match_numeric_gradient("constant data row(s)", cases());
}

#[test]
fn constant_data_jvp_is_the_transpose_of_vjp() {
    rows_jvp_is_the_transpose_of_vjp("constant data row(s)", cases());
}

#[test]
fn least_squares_gradient_is_the_normal_equations() {
    // l = Σ (a x0 + b x1 − y)² / n: ∂l/∂a = 2 Σ e x0 / n, ∂l/∂b = 2 Σ e x1 / n.
    let data = samples();
    let (a, b) = (0.3, -0.7);
    let n = data.len() as f64;
    let e = |s: &Sample| a * s.x[0] + b * s.x[1] - s.y;
    let da: f64 = data.iter().map(|s| 2.0 * e(s) * s.x[0]).sum::<f64>() / n;
    let db: f64 = data.iter().map(|s| 2.0 * e(s) * s.x[1]).sum::<f64>() / n;
    let (_, got_a, got_b) = least_squares_grad(a, b, &data);
    assert!(close(got_a, da, 1e-12) && close(got_b, db, 1e-12), "({got_a}, {got_b}) against ({da}, {db})");
}

#[test]
fn constant_data_second_order_matches_differences_of_the_gradient() {
    let (data, grid) = (samples(), rows());
    for (a, b, va, vb) in [(0.3, -0.7, 0.5, 1.0), (1.2, 0.4, -0.8, 0.3), (-1.4, 1.1, 1.0, -1.0)] {
        check_hvp(
            |p| {
                let (_, da, db) = every_read_grad(p[0], p[1], &data);
                vec![da, db]
            },
            |p, v| {
                let (_, ha, hb) = every_read_hvp(p[0], v[0], p[1], v[1], &data);
                vec![ha, hb]
            },
            &[a, b],
            &[va, vb],
        );
        check_hvp(
            |p| {
                let (_, da, db) = of_rows_grad(p[0], p[1], &grid);
                vec![da, db]
            },
            |p, v| {
                let (_, ha, hb) = of_rows_hvp(p[0], v[0], p[1], v[1], &grid);
                vec![ha, hb]
            },
            &[a, b],
            &[va, vb],
        );
        check_hvp(
            |p| {
                let (_, da, db) = elements_by_value_grad(p[0], p[1], &data);
                vec![da, db]
            },
            |p, v| {
                let (_, ha, hb) = elements_by_value_hvp(p[0], v[0], p[1], v[1], &data);
                vec![ha, hb]
            },
            &[a, b],
            &[va, vb],
        );
        check_hvp(
            |p| vec![constant_arrays_by_value_grad(p[0], [0.25, -1.0, 0.5], &points()).1],
            |p, v| vec![constant_arrays_by_value_hvp(p[0], v[0], [0.25, -1.0, 0.5], &points()).1],
            &[a.abs() + 0.5],
            &[va],
        );
        check_hvp(
            |p| {
                let (_, da, db) = const_tables_lent_whole_grad(p[0], p[1]);
                vec![da, db]
            },
            |p, v| {
                let (_, ha, hb) = const_tables_lent_whole_hvp(p[0], v[0], p[1], v[1]);
                vec![ha, hb]
            },
            &[a, b],
            &[va, vb],
        );
        check_hvp(
            |p| {
                let (_, da, db) = pairs_passed_on_grad(p[0], p[1], &PAIRS);
                vec![da, db]
            },
            |p, v| {
                let (_, ha, hb) = pairs_passed_on_hvp(p[0], v[0], p[1], v[1], &PAIRS);
                vec![ha, hb]
            },
            &[a, b],
            &[va, vb],
        );
        check_hvp(
            |p| {
                let (_, da, db) = table_rows_lent_grad(p[0], p[1], &grid);
                vec![da, db]
            },
            |p, v| {
                let (_, ha, hb) = table_rows_lent_hvp(p[0], v[0], p[1], v[1], &grid);
                vec![ha, hb]
            },
            &[a, b],
            &[va, vb],
        );
        check_hvp(
            |p| {
                let (_, da, db) = table_parts_lent_grad(p[0], p[1], &data);
                vec![da, db]
            },
            |p, v| {
                let (_, ha, hb) = table_parts_lent_hvp(p[0], v[0], p[1], v[1], &data);
                vec![ha, hb]
            },
            &[a, b],
            &[va, vb],
        );
        check_hvp(
            |p| {
                let (_, da, db) = struct_patterns_grad(p[0], p[1], &data);
                vec![da, db]
            },
            |p, v| {
                let (_, ha, hb) = struct_patterns_hvp(p[0], v[0], p[1], v[1], &data);
                vec![ha, hb]
            },
            &[a, b],
            &[va, vb],
        );
        check_hvp(
            |p| {
                let (_, da, db) = of_a_vector_grad(p[0], p[1], &data);
                vec![da, db]
            },
            |p, v| {
                let (_, ha, hb) = of_a_vector_hvp(p[0], v[0], p[1], v[1], &data);
                vec![ha, hb]
            },
            &[a, b],
            &[va, vb],
        );
    }
}

#[derive(Params, Clone)]
struct Model {
    w: [f64; 2],
    b: f64,
}

#[grad(forward, reverse, hessian, wrt(m))]
fn predict(m: &Model, s: &Sample) -> f64 {
    m.w[0] * s.x[0] + m.w[1] * s.x[1] + m.b
}

/// A model's loss over its training set: the form the README shows.
#[grad(forward, reverse, hessian)]
fn model_loss(m: &Model, data: &[Sample]) -> f64 {
    let mut l = 0.0;
    for s in data.iter() {
        let e = predict(m, s) - s.y;
        l += s.weight() * e * e;
    }
    l / data.len() as f64
}

#[test]
fn a_models_loss_over_a_table_matches_differences() {
    let data = samples();
    let m = Model { w: [0.3, -0.7], b: 0.2 };
    let mut dm = Model { w: [0.0; 2], b: 0.0 };
    let value = model_loss_grad(&m, &mut dm, &data);
    assert!(close(value, model_loss(&m, &data), 1e-15));
    let h = 1e-6;
    let moved = |k: usize, t: f64| {
        let mut p = m.clone();
        match k {
            0 | 1 => p.w[k] += t,
            _ => p.b += t,
        }
        model_loss(&p, &data)
    };
    let got = [dm.w[0], dm.w[1], dm.b];
    for (k, got) in got.iter().enumerate() {
        let numeric = (moved(k, h) - moved(k, -h)) / (2.0 * h);
        assert!(close(*got, numeric, 1e-6), "∂l/∂p{k} = {got}, numeric {numeric}");
    }
}
