//! `autodiff::jacobian` and `autodiff::check_jvp` through the facade, on
//! maps with closed-form Jacobians.
//!
//! The derivatives are written by hand with exactly the signatures that
//! `#[grad(forward, reverse)]` gives `NAME_jvp` and `NAME_vjp` (see the
//! contract), so that once the macro generates them, each hand-written pair
//! is replaced by the attribute on its primal and nothing else changes.

use std::cell::Cell;

use autodiff::prelude::*;

/// `|a − b| ≤ 1e-12 · max(|a|, |b|, 1)` entry by entry.
fn assert_matrix_close(got: &Matrix, want: &[&[f64]]) {
    assert_eq!(got.rows(), want.len(), "rows of\n{got}");
    for (i, row) in want.iter().enumerate() {
        assert_eq!(got.cols(), row.len(), "columns of\n{got}");
        for (j, &w) in row.iter().enumerate() {
            let g = got[(i, j)];
            assert!((g - w).abs() <= 1e-12 * g.abs().max(w.abs()).max(1.0), "J[{i}][{j}] = {g}, want {w}\n{got}");
        }
    }
}

// ------------------------------------------------------------ polar to Cartesian

/// `(r, θ) ↦ (r cos θ, r sin θ)`.
fn polar(x: &[f64], y: &mut [f64]) {
    let (r, t) = (x[0], x[1]);
    y[0] = r * t.cos();
    y[1] = r * t.sin();
}

/// Forward mode by hand: what `#[grad(forward)]` on [`polar`] generates.
fn polar_jvp(x: &[f64], d_x: &[f64], y: &mut [f64], d_y: &mut [f64]) {
    let (r, t) = (x[0], x[1]);
    let (s, c) = t.sin_cos();
    y[0] = r * c;
    y[1] = r * s;
    d_y[0] = c * d_x[0] - r * s * d_x[1];
    d_y[1] = s * d_x[0] + r * c * d_x[1];
}

/// Reverse mode by hand: what `#[grad]` on [`polar`] generates (the
/// output's adjoint is consumed, the input's accumulated).
fn polar_vjp(x: &[f64], d_x: &mut [f64], y: &mut [f64], d_y: &mut [f64]) {
    let (r, t) = (x[0], x[1]);
    let (s, c) = t.sin_cos();
    y[0] = r * c;
    y[1] = r * s;
    d_x[0] += c * d_y[0] + s * d_y[1];
    d_x[1] += -r * s * d_y[0] + r * c * d_y[1];
    d_y.fill(0.0);
}

/// `[[cos θ, −r sin θ], [sin θ, r cos θ]]`.
fn polar_jacobian(r: f64, t: f64) -> [[f64; 2]; 2] {
    [[t.cos(), -r * t.sin()], [t.sin(), r * t.cos()]]
}

#[test]
fn polar_jacobian_in_both_modes_is_the_closed_form() {
    for (r, t) in [(2.0, 0.5), (0.3, -2.0), (1.0, 0.0), (5.0, 3.0)] {
        let want = polar_jacobian(r, t);
        let want: Vec<&[f64]> = want.iter().map(|row| &row[..]).collect();
        assert_matrix_close(&jacobian_forward(polar_jvp, &[r, t], 2), &want);
        assert_matrix_close(&jacobian_reverse(polar_vjp, &[r, t], 2), &want);
        assert_matrix_close(&jacobian(polar_jvp, polar_vjp, &[r, t], 2), &want);
    }
}

#[test]
fn polar_jvp_passes_the_check_along_any_direction() {
    let x = [2.0, 0.7];
    for v in [[1.0, 0.0], [0.0, 1.0], [0.3, -1.2], [-4.0, 2.5]] {
        let (mut y, mut d_y) = ([0.0; 2], [0.0; 2]);
        polar_jvp(&x, &v, &mut y, &mut d_y);
        let report = check_jvp(polar, &x, &v, &d_y);
        assert!(report.passes(1e-8), "v = {v:?}: {report:#}");
    }
}

/// The tangent with `r` left out of `∂/∂θ`: right along `(1, 0)` and at
/// `r = 1`, wrong everywhere else.
fn polar_jvp_wrong(x: &[f64], d_x: &[f64], y: &mut [f64], d_y: &mut [f64]) {
    let (r, t) = (x[0], x[1]);
    let (s, c) = t.sin_cos();
    y[0] = r * c;
    y[1] = r * s;
    d_y[0] = c * d_x[0] - s * d_x[1];
    d_y[1] = s * d_x[0] + c * d_x[1];
}

#[test]
fn check_jvp_catches_a_wrong_tangent() {
    let (x, v) = ([2.0, 0.7f64], [0.0, 1.0]);
    let (mut y, mut d_y) = ([0.0; 2], [0.0; 2]);
    polar_jvp_wrong(&x, &v, &mut y, &mut d_y);
    let report = check_jvp(polar, &x, &v, &d_y);
    assert!(!report.passes(1e-3), "{report:#}");
    // The true tangent is (−2 sin 0.7, 2 cos 0.7), the wrong one half of it:
    // relative error ½ in both outputs.
    let worst = report.worst().unwrap();
    assert!((worst.relative_error - 0.5).abs() < 1e-6, "{report:#}");
    assert!((worst.numeric - 2.0 * worst.analytic).abs() < 1e-6, "{report:#}");
    // And the wrong Jacobian built from it is caught column by column.
    let j = jacobian_forward(polar_jvp_wrong, &x, 2);
    let column_1 = [j[(0, 1)], j[(1, 1)]];
    assert!(!check_jvp(polar, &x, &v, &column_1).passes(1e-3));
}

// --------------------------------------------------------------------- linear maps

/// A 2 × 3 matrix: the map ℝ³ → ℝ² it defines is its own Jacobian.
const A: [[f64; 3]; 2] = [[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]];

fn linear(x: &[f64], y: &mut [f64]) {
    for i in 0..2 {
        y[i] = (0..3).map(|j| A[i][j] * x[j]).sum();
    }
}

/// What `#[grad(forward)]` on [`linear`] generates.
fn linear_jvp(x: &[f64], d_x: &[f64], y: &mut [f64], d_y: &mut [f64]) {
    linear(x, y);
    linear(d_x, d_y);
}

/// What `#[grad]` on [`linear`] generates.
fn linear_vjp(x: &[f64], d_x: &mut [f64], y: &mut [f64], d_y: &mut [f64]) {
    linear(x, y);
    for j in 0..3 {
        d_x[j] += (0..2).map(|i| A[i][j] * d_y[i]).sum::<f64>();
    }
    d_y.fill(0.0);
}

/// The transpose map ℝ² → ℝ³, `y = Aᵀx`.
fn transposed_jvp(x: &[f64], d_x: &[f64], y: &mut [f64], d_y: &mut [f64]) {
    for j in 0..3 {
        y[j] = (0..2).map(|i| A[i][j] * x[i]).sum();
        d_y[j] = (0..2).map(|i| A[i][j] * d_x[i]).sum();
    }
}

fn transposed_vjp(x: &[f64], d_x: &mut [f64], y: &mut [f64], d_y: &mut [f64]) {
    for j in 0..3 {
        y[j] = (0..2).map(|i| A[i][j] * x[i]).sum();
    }
    for i in 0..2 {
        d_x[i] += (0..3).map(|j| A[i][j] * d_y[j]).sum::<f64>();
    }
    d_y.fill(0.0);
}

/// `jvp`, counting its calls in `calls`.
fn counted_jvp<'a>(
    mut jvp: impl FnMut(&[f64], &[f64], &mut [f64], &mut [f64]) + 'a,
    calls: &'a Cell<usize>,
) -> impl FnMut(&[f64], &[f64], &mut [f64], &mut [f64]) + 'a {
    move |x, d_x, y, d_y| {
        calls.set(calls.get() + 1);
        jvp(x, d_x, y, d_y)
    }
}

/// `vjp`, counting its calls in `calls`.
fn counted_vjp<'a>(
    mut vjp: impl FnMut(&[f64], &mut [f64], &mut [f64], &mut [f64]) + 'a,
    calls: &'a Cell<usize>,
) -> impl FnMut(&[f64], &mut [f64], &mut [f64], &mut [f64]) + 'a {
    move |x, d_x, y, d_y| {
        calls.set(calls.get() + 1);
        vjp(x, d_x, y, d_y)
    }
}

#[test]
fn a_linear_map_is_its_own_jacobian_in_both_modes() {
    let x = [0.3, -1.0, 2.0];
    let want: Vec<&[f64]> = A.iter().map(|row| &row[..]).collect();
    assert_matrix_close(&jacobian_forward(linear_jvp, &x, 2), &want);
    assert_matrix_close(&jacobian_reverse(linear_vjp, &x, 2), &want);
    let t = jacobian_forward(transposed_jvp, &[1.0, 2.0], 3);
    assert_eq!(t, jacobian_reverse(transposed_vjp, &[1.0, 2.0], 3));
    assert_eq!(t.transpose().as_slice(), A.as_flattened());
}

#[test]
fn the_default_mode_is_the_one_with_fewer_products() {
    // ℝ³ → ℝ²: two vjps beat three jvps.
    let (jvps, vjps) = (Cell::new(0), Cell::new(0));
    let j = jacobian(counted_jvp(linear_jvp, &jvps), counted_vjp(linear_vjp, &vjps), &[1.0, 2.0, 3.0], 2);
    assert_eq!((jvps.get(), vjps.get()), (0, 2));
    assert_eq!(j.as_slice(), A.as_flattened());

    // ℝ² → ℝ³: two jvps beat three vjps.
    let (jvps, vjps) = (Cell::new(0), Cell::new(0));
    jacobian(counted_jvp(transposed_jvp, &jvps), counted_vjp(transposed_vjp, &vjps), &[1.0, 2.0], 3);
    assert_eq!((jvps.get(), vjps.get()), (2, 0));

    // ℝ² → ℝ²: a tie goes to forward mode, which stores nothing.
    let (jvps, vjps) = (Cell::new(0), Cell::new(0));
    jacobian(counted_jvp(polar_jvp, &jvps), counted_vjp(polar_vjp, &vjps), &[1.0, 2.0], 2);
    assert_eq!((jvps.get(), vjps.get()), (2, 0));
}

#[test]
fn either_mode_can_be_asked_for_whatever_the_shape() {
    let (jvps, vjps) = (Cell::new(0), Cell::new(0));
    let x = [1.0, 2.0, 3.0];
    let forward = jacobian_forward(counted_jvp(linear_jvp, &jvps), &x, 2);
    let reverse = jacobian_reverse(counted_vjp(linear_vjp, &vjps), &x, 2);
    assert_eq!((jvps.get(), vjps.get()), (3, 2));
    assert_eq!(forward, reverse);
}

// ------------------------------------------------ a nonlinear map, ℝ³ → ℝ⁴

/// `(x₀x₁, sin x₂, x₀ eˣ¹, x₀² + x₁x₂)`, written the way a `#[grad]`
/// function writes an output: some entries overwritten, one accumulated.
fn curvy(x: &[f64], y: &mut [f64]) {
    y[0] = x[0] * x[1];
    y[1] = x[2].sin();
    y[2] = x[0] * x[1].exp();
    y[3] += x[0] * x[0] + x[1] * x[2];
}

fn curvy_jvp(x: &[f64], d_x: &[f64], y: &mut [f64], d_y: &mut [f64]) {
    curvy(x, y);
    let e = x[1].exp();
    d_y[0] = d_x[0] * x[1] + x[0] * d_x[1];
    d_y[1] = x[2].cos() * d_x[2];
    d_y[2] = d_x[0] * e + x[0] * e * d_x[1];
    // The tangent of an in-place update adds to the output's own tangent.
    d_y[3] += 2.0 * x[0] * d_x[0] + d_x[1] * x[2] + x[1] * d_x[2];
}

fn curvy_vjp(x: &[f64], d_x: &mut [f64], y: &mut [f64], d_y: &mut [f64]) {
    curvy(x, y);
    let e = x[1].exp();
    d_x[0] += x[1] * d_y[0] + e * d_y[2] + 2.0 * x[0] * d_y[3];
    d_x[1] += x[0] * d_y[0] + x[0] * e * d_y[2] + x[2] * d_y[3];
    d_x[2] += x[2].cos() * d_y[1] + x[1] * d_y[3];
    // `y[3] += ..` keeps the adjoint of the output's entry value (the contract).
    d_y[0] = 0.0;
    d_y[1] = 0.0;
    d_y[2] = 0.0;
}

#[test]
fn forward_and_reverse_agree_and_match_the_closed_form() {
    for x in [[0.5f64, -1.0, 2.0], [1.5, 0.25, -0.7]] {
        let (a, b, c) = (x[0], x[1], x[2]);
        let e = b.exp();
        let want: [&[f64]; 4] = [&[b, a, 0.0], &[0.0, 0.0, c.cos()], &[e, a * e, 0.0], &[2.0 * a, c, b]];
        let forward = jacobian_forward(curvy_jvp, &x, 4);
        let reverse = jacobian_reverse(curvy_vjp, &x, 4);
        assert_matrix_close(&forward, &want);
        assert_matrix_close(&reverse, &want);
        // n = 3 < m = 4: forward.
        assert_eq!(jacobian(curvy_jvp, curvy_vjp, &x, 4), forward);
    }
}

#[test]
fn every_column_passes_the_jvp_check() {
    let x = [0.5, -1.0, 2.0];
    let j = jacobian_forward(curvy_jvp, &x, 4);
    for col in 0..3 {
        let mut e = [0.0; 3];
        e[col] = 1.0;
        let column: Vec<f64> = (0..4).map(|row| j[(row, col)]).collect();
        check_jvp(curvy, &x, &e, &column).assert_close(1e-8);
        // and it is the central difference along the unit vector
        let numeric = numeric_jvp(curvy, &x, &e, 4);
        for (a, n) in column.iter().zip(&numeric) {
            assert!((a - n).abs() < 1e-8, "column {col}: {column:?} vs {numeric:?}");
        }
    }
}

#[test]
fn the_dot_product_test_holds_between_the_two_modes() {
    // ⟨J·v, w⟩ = ⟨v, Jᵀ·w⟩ for the hand-written pair, as the corpus
    // property test will check for generated ones.
    let x = [0.8, 0.3, -1.1];
    let v = [0.2, -0.5, 1.0];
    let mut w = [1.0, -2.0, 0.5, 3.0];
    let (mut y, mut jv) = ([0.0; 4], [0.0; 4]);
    curvy_jvp(&x, &v, &mut y, &mut jv);
    let mut jtw = [0.0; 3];
    let wt: f64 = w.iter().zip(&jv).map(|(a, b)| a * b).sum();
    curvy_vjp(&x, &mut jtw, &mut [0.0; 4], &mut w);
    let vt: f64 = v.iter().zip(&jtw).map(|(a, b)| a * b).sum();
    assert!((wt - vt).abs() <= 1e-12 * wt.abs().max(1.0), "{wt} vs {vt}");
}

// -------------------------------------------------------------------- edge cases

#[test]
fn no_inputs_or_no_outputs_give_an_empty_matrix_without_calls() {
    let never_jvp = |_: &[f64], _: &[f64], _: &mut [f64], _: &mut [f64]| panic!("jvp called");
    let never_vjp = |_: &[f64], _: &mut [f64], _: &mut [f64], _: &mut [f64]| panic!("vjp called");
    let j = jacobian(never_jvp, never_vjp, &[], 3);
    assert_eq!((j.rows(), j.cols()), (3, 0));
    let j = jacobian(never_jvp, never_vjp, &[1.0, 2.0], 0);
    assert_eq!((j.rows(), j.cols()), (0, 2));
}

#[test]
fn the_reverse_jacobian_of_softmax_is_diag_s_minus_s_st() {
    // `softmax_vjp` is the runtime's hand-written vjp with the contract's
    // signature: it plugs in as it is.
    let x = [0.5, -1.0, 2.0, 0.0];
    let j = jacobian_reverse(softmax_vjp, &x, 4);
    let mut s = [0.0; 4];
    softmax(&x, &mut s);
    for i in 0..4 {
        for k in 0..4 {
            let want = if i == k { s[i] } else { 0.0 } - s[i] * s[k];
            assert!((j[(i, k)] - want).abs() < 1e-15, "J[{i}][{k}] = {}, want {want}", j[(i, k)]);
        }
    }
    assert!(j.asymmetry() < 1e-15);
}
