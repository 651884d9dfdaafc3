//! A row or an element bound again with its reference type written, as
//! Rust code does to name what a loop gives (round 21, B1 and C2): `for x
//! in xs { let x: &Vec<f64> = x; .. }`, `let y: &[f64] = x;`, `let r: &[f64;
//! 3] = &rows[i];`. The macro made a local of the type written, whose
//! expansion did not compile (or refused the reference); the name now
//! stands for the row, as without the type. Checked in every mode against
//! the closed forms.

// Index loops and the types written are the point.
#![allow(clippy::needless_range_loop, clippy::ptr_arg, clippy::useless_vec)]

mod common;

use autodiff::prelude::*;
use common::close;

#[grad(forward, reverse, hessian)]
fn total(x: &[f64]) -> f64 {
    x.iter().sum()
}

/// `Σ_rows x₀·Σⱼ xⱼ + Σ_rows Σⱼ xⱼ²`.
#[grad(forward, reverse, hessian)]
fn rows_total(xs: &[Vec<f64>]) -> f64 {
    let mut s = 0.0;
    for x in xs {
        let x: &Vec<f64> = x;
        s += total(x) * x[0];
        let y: &[f64] = x;
        s += y.iter().map(|v| v * v).sum::<f64>();
    }
    s
}

/// `Σᵢ rᵢ₀·rᵢ₂ + Σᵢ rᵢ₁²`, the rows named with their types.
#[grad(forward, reverse, hessian)]
fn array_rows(rows: &[[f64; 3]]) -> f64 {
    let mut s = 0.0;
    for r in rows {
        let r: &[f64; 3] = r;
        s += r[0] * r[2];
    }
    for i in 0..rows.len() {
        let r: &[f64; 3] = &rows[i];
        let v: &f64 = &rows[i][1];
        s += r[1] * v;
    }
    s
}

/// `Σ_rows (Σⱼ xⱼ + x₁)·x₁`: a row by index, and a sub-slice of it, typed.
#[grad(forward, reverse, hessian)]
fn indexed_rows(xs: &[Vec<f64>]) -> f64 {
    let mut s = 0.0;
    for i in 0..xs.len() {
        let x: &Vec<f64> = &xs[i];
        let h: &[f64] = &x[1..];
        s += (total(x) + h[0]) * h[0];
    }
    s
}

#[test]
fn typed_rows_are_the_rows() {
    let xs = vec![vec![0.5, -1.0, 2.0], vec![1.5, 0.25]];
    let v = vec![vec![1.0, 0.0, -1.0], vec![0.5, 2.0]];
    let mut d = vec![vec![0.0; 3], vec![0.0; 2]];
    let value = rows_total_grad(&xs, &mut d);
    let sums = [1.5, 1.75];
    let squares = [0.25 + 1.0 + 4.0, 2.25 + 0.0625];
    assert!(close(value, 0.5 * sums[0] + 1.5 * sums[1] + squares[0] + squares[1], 1e-15));
    // ∂/∂x₀ = Σx + x₀ + 2x₀, ∂/∂xⱼ = x₀ + 2xⱼ.
    for (r, row) in xs.iter().enumerate() {
        for (j, x) in row.iter().enumerate() {
            let want = if j == 0 { sums[r] + 3.0 * x } else { row[0] + 2.0 * x };
            assert!(close(d[r][j], want, 1e-15), "{d:?}");
        }
    }
    let along: f64 = d.iter().flatten().zip(v.iter().flatten()).map(|(d, v)| d * v).sum();
    assert!(close(rows_total_jvp(&xs, &v).1, along, 1e-14));
    let mut hv = vec![vec![0.0; 3], vec![0.0; 2]];
    rows_total_hvp(&xs, &v, &mut hv);
    // ∂²/∂x₀² = 4, ∂²/∂x₀∂xⱼ = 1, ∂²/∂xⱼ² = 2.
    for (r, row) in v.iter().enumerate() {
        let rest: f64 = row[1..].iter().sum();
        assert!(close(hv[r][0], 4.0 * row[0] + rest, 1e-14), "{hv:?}");
        for j in 1..row.len() {
            assert!(close(hv[r][j], row[0] + 2.0 * row[j], 1e-14), "{hv:?}");
        }
    }

    let rows = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]];
    let mut dr = [[0.0; 3]; 2];
    let value = array_rows_grad(&rows, &mut dr);
    assert!(close(value, 1.0 + 1.0 - 0.75 + 0.0625, 1e-15));
    assert_eq!(dr, [[2.0, -2.0, 0.5], [-0.5, 0.5, 1.5]]);
    let vr = [[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]];
    let along: f64 = dr.iter().flatten().zip(vr.iter().flatten()).map(|(d, v)| d * v).sum();
    assert!(close(array_rows_jvp(&rows, &vr).1, along, 1e-14));
    let mut hr = [[0.0; 3]; 2];
    array_rows_hvp(&rows, &vr, &mut hr);
    assert_eq!(hr, [[3.0, 4.0, 1.0], [0.0, 1.0, -1.0]]);

    let mut d = vec![vec![0.0; 3], vec![0.0; 2]];
    let value = indexed_rows_grad(&xs, &mut d);
    assert!(close(value, (sums[0] + xs[0][1]) * xs[0][1] + (sums[1] + xs[1][1]) * xs[1][1], 1e-15));
    // ∂/∂x₁ = Σx + 3x₁; ∂/∂xⱼ = x₁ otherwise.
    for (r, row) in xs.iter().enumerate() {
        for j in 0..row.len() {
            let want = if j == 1 { sums[r] + 3.0 * row[1] } else { row[1] };
            assert!(close(d[r][j], want, 1e-15), "{d:?}");
        }
    }
    let along: f64 = d.iter().flatten().zip(v.iter().flatten()).map(|(d, v)| d * v).sum();
    assert!(close(indexed_rows_jvp(&xs, &v).1, along, 1e-14));
    let mut hv = vec![vec![0.0; 3], vec![0.0; 2]];
    indexed_rows_hvp(&xs, &v, &mut hv);
    // ∂²/∂x₁² = 4, ∂²/∂x₁∂xⱼ = 1.
    for (r, row) in v.iter().enumerate() {
        let others: f64 = row.iter().enumerate().filter(|(j, _)| *j != 1).map(|(_, v)| v).sum();
        assert!(close(hv[r][1], 4.0 * row[1] + others, 1e-14), "{hv:?}");
        for j in (0..row.len()).filter(|j| *j != 1) {
            assert!(close(hv[r][j], row[1], 1e-14), "{hv:?}");
        }
    }
}

/// Elements bound again with their types (review 28, F3): `Σ xᵢ² + 6(x₀ +
/// x₁) + 9x₀x₁` through `let v: &f64 = v;` and a written element
/// reborrowed, `let o: &mut f64 = o;` then `let r: &f64 = o;`.
#[grad(forward, reverse, hessian)]
fn typed_elements(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        let v: &f64 = v;
        s += *v * v;
    }
    let mut y = vec![0.0; 2];
    for (o, v) in y.iter_mut().zip(x) {
        let o: &mut f64 = o;
        *o = v * 3.0;
        let r: &f64 = o;
        s += *r * 2.0;
    }
    s + y[0] * y[1]
}

/// A row written through `iter_mut` and read through a shared reborrow
/// with its type (review 28, F5).
#[grad(forward, reverse, hessian)]
fn typed_written_rows(x: &[f64]) -> f64 {
    let mut rows = [[0.0; 2]; 3];
    let mut s = 0.0;
    for (k, r) in rows.iter_mut().enumerate() {
        r[0] = x[k] * x[k + 1];
        r[1] = x[k].sin();
        let r: &[f64; 2] = r;
        s += r[0] * r[1];
    }
    s + rows[2][0] * rows[1][1]
}

#[test]
fn typed_elements_are_the_elements() {
    let (a, b, c) = (0.5, -1.5, 2.0);
    let x = [a, b, c];
    let mut d = [0.0; 3];
    let value = typed_elements_grad(&x, &mut d);
    assert!(close(value, a * a + b * b + c * c + 6.0 * (a + b) + 9.0 * a * b, 1e-14));
    assert_eq!(d, [2.0 * a + 6.0 + 9.0 * b, 2.0 * b + 6.0 + 9.0 * a, 2.0 * c]);
    let v = [1.0, -1.0, 0.5];
    assert!(close(typed_elements_jvp(&x, &v).1, d[0] - d[1] + 0.5 * d[2], 1e-14));
    let mut h = [0.0; 3];
    typed_elements_hvp(&x, &v, &mut h);
    assert_eq!(h, [2.0 - 9.0, 9.0 - 2.0, 1.0]);

    let x = [0.5, -1.0, 1.5, 0.75];
    let mut d = [0.0; 4];
    let value = typed_written_rows_grad(&x, &mut d);
    assert!(close(value, typed_written_rows(&x), 1e-15));
    let numeric = numeric_gradient(typed_written_rows, &x);
    for (got, want) in d.iter().zip(&numeric) {
        assert!(close(*got, *want, 1e-7), "{d:?} against {numeric:?}");
    }
    let along: f64 = d.iter().zip(&v).map(|(d, v)| d * v).sum();
    assert!(close(typed_written_rows_jvp(&x, &[1.0, -1.0, 0.5, 0.0]).1, along, 1e-12));
}
