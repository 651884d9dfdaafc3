//! Round 8 of user programs (issue 8), the findings that were wrong or
//! failed, each checked against central differences, `NAME_jvp` against
//! `NAME_vjp` by the dot-product test, and `NAME_hvp` against central
//! differences of the gradient:
//!
//! - a local `vec![vec![0.0; n]; m]` (a Gram matrix, a Cholesky factor)
//!   panicked in every mode: its adjoint and tangent had empty rows;
//! - `_jvp` was NaN where `_grad` is finite: a zero weight times a root at
//!   0 (`w * x.sqrt()` at `w = 0`, `x = 0`), whose tangent is infinite; the
//!   reverse sweep skips the infinite partial of a zero adjoint, and forward
//!   mode now zeroes the product of a zero partial with such a tangent;
//! - a `const` array lent to a `&[f64]` parameter (`horner(&C4, x)`),
//!   E0277 in generated code;
//! - review 8: a `const` named by a path lent whole (`&consts::W`), a
//!   local typed `_` lent to a call, and `vec![r; 2]` of a local vector;
//! - a row bound by value from a parameter whose type says its shape
//!   (`let p = tri[0];` of `tri: &[[f64; 3]; 3]`), refused for want of a
//!   type.

// `let x: _`, `s[0] = s[0] * s[1]`, a counter beside a loop index and a
// `vec!` of indices are among the forms under test.
#![allow(
    clippy::needless_range_loop,
    clippy::let_with_type_underscore,
    clippy::assign_op_pattern,
    clippy::explicit_counter_loop,
    clippy::useless_vec
)]

#[macro_use]
mod common;

use autodiff::prelude::*;
use common::close;
use common::rows::{along, check_hvp, rows_jvp_is_the_transpose_of_vjp, rows_match_numeric_gradient, Case};

/// A kernel matrix in a local `Vec<Vec<f64>>`, then its 2×2 Cholesky
/// factor in another, as a Gaussian process's likelihood writes them.
#[grad(forward, reverse, hessian)]
fn gram_cholesky(a: f64, b: f64) -> f64 {
    let xs = [0.0, 0.5, 1.5];
    let mut k = vec![vec![0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            let d = xs[i] - xs[j];
            k[i][j] = a * a * (-d * d / (b * b)).exp();
        }
        k[i][i] += 0.1;
    }
    let mut l: Vec<Vec<f64>> = vec![vec![0.0; 2]; 2];
    l[0][0] = k[0][0].sqrt();
    l[1][0] = k[1][0] / l[0][0];
    l[1][1] = (k[1][1] - l[1][0] * l[1][0]).sqrt();
    l[0][0].ln() + l[1][1].ln() + k[2][0] * k[0][2]
}

struct Holder {
    m: Vec<Vec<f64>>,
}

/// The same rows in a field of a struct built in the body.
#[grad(forward, reverse, hessian)]
fn matrix_in_a_struct(a: f64, b: f64) -> f64 {
    let mut s = Holder { m: vec![vec![0.0; 2]; 3] };
    s.m[2][1] = a * b;
    s.m[0][0] = s.m[2][1] * a;
    s.m[0][0] + s.m[2][1] * b
}

/// Roots weighted by constants, some exactly 0, and through a `#[grad]`
/// call: at `x = 0` the root's tangent is infinite.
#[grad(forward, reverse, hessian)]
fn root(v: f64) -> f64 {
    v.sqrt()
}

#[grad(forward, reverse, hessian)]
fn masked_roots(a: f64, b: f64) -> f64 {
    let w = [0.0, 1.0];
    let x = [a, b * b + 1.0];
    let mut s = a + b;
    for i in 0..2 {
        s += w[i] * x[i].sqrt() + w[i] * root(x[i]);
    }
    s
}

const C4: [f64; 4] = [1.0, -0.5, 0.25, 0.125];
static S3: [f64; 3] = [0.5, 2.0, -1.0];

#[grad(forward, reverse, hessian)]
fn horner(c: &[f64], x: f64) -> f64 {
    let mut acc = 0.0;
    for &ci in c.iter().rev() {
        acc = acc * x + ci;
    }
    acc
}

/// A `const` and a `static` table of coefficients lent whole.
#[grad(forward, reverse, hessian)]
fn polynomials(a: f64, b: f64) -> f64 {
    horner(&C4, a) * horner(&S3, b)
}

/// Rows bound by value from parameters whose type says their shape
/// (`let a = tri[0];`): "cannot tell the shape of `a`" before.
#[grad(forward, reverse, hessian)]
fn rows_by_value(a: f64, b: f64) -> f64 {
    let tri = [[a, b, 1.0], [b * b, a, -0.5], [0.25, a * b, 2.0]];
    let pts = vec![[a, 1.0], [b, a - b]];
    side_lengths(&tri, &pts)
}

#[grad(forward, reverse, hessian)]
fn side_lengths(tri: &[[f64; 3]; 3], pts: &[[f64; 2]]) -> f64 {
    let p = tri[0];
    let q = tri[1];
    let mut s = 0.0;
    for k in 0..3 {
        s += (p[k] - q[k]) * (p[k] - q[k]) * tri[2][k];
    }
    for i in 0..pts.len() {
        let x = pts[i];
        s += x[0] * x[1];
    }
    s
}

/// Review 8: `vec![r; 2]` of a local vector moved it, which the derivative
/// code read afterwards (E0382).
#[grad(forward, reverse, hessian)]
fn rows_repeated(a: f64, b: f64) -> f64 {
    let r = vec![a, b * a];
    let m = vec![r; 2];
    m[0][0] * m[1][1] + m[1][0]
}

mod consts {
    pub const W: [f64; 2] = [3.0, -2.0];
    pub const Q: [[f64; 2]; 2] = [[1.0, 2.0], [3.0, 4.0]];
}

/// Review 8: a `const` named by a path lent whole (E0061), and a local
/// typed `_` lent (taken for a `const` table: E0308, a zero gradient
/// before); review 9: a row of one lent, its length.
#[grad(forward, reverse, hessian)]
fn consts_by_path(a: f64, b: f64) -> f64 {
    let x: _ = [a, a * b];
    weighted_squares(&x, &consts::W) + consts::W[1] * b + weighted_squares(&x, &consts::Q[1]) * consts::W.len() as f64
}

#[grad(forward, reverse, hessian)]
fn weighted_squares(v: &[f64], w: &[f64]) -> f64 {
    v.iter().zip(w).map(|(p, q)| q * p * p).sum()
}

fn cases() -> Vec<Case> {
    vec![
        case!(gram_cholesky, gram_cholesky_grad, gram_cholesky_vjp, gram_cholesky_jvp;
              (a, b) [a, along(0), b, along(1)]; a in [0.5, 1.5], b in [0.5, 1.5]),
        case!(matrix_in_a_struct, matrix_in_a_struct_grad, matrix_in_a_struct_vjp, matrix_in_a_struct_jvp;
              (a, b) [a, along(0), b, along(1)]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(masked_roots, masked_roots_grad, masked_roots_vjp, masked_roots_jvp;
              (a, b) [a, along(0), b, along(1)]; a in [0.1, 1.5], b in [-1.5, 1.5]),
        case!(rows_by_value, rows_by_value_grad, rows_by_value_vjp, rows_by_value_jvp;
              (a, b) [a, along(0), b, along(1)]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(consts_by_path, consts_by_path_grad, consts_by_path_vjp, consts_by_path_jvp;
              (a, b) [a, along(0), b, along(1)]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(rows_repeated, rows_repeated_grad, rows_repeated_vjp, rows_repeated_jvp;
              (a, b) [a, along(0), b, along(1)]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
        case!(polynomials, polynomials_grad, polynomials_vjp, polynomials_jvp;
              (a, b) [a, along(0), b, along(1)]; a in [-1.5, 1.5], b in [-1.5, 1.5]),
    ]
}

#[test]
fn round_8_rows_match_numeric_gradient() {
    rows_match_numeric_gradient("round 8 row(s)", cases());
}

#[test]
fn round_8_jvp_is_the_transpose_of_vjp() {
    rows_jvp_is_the_transpose_of_vjp("round 8 row(s)", cases());
}

#[test]
fn round_8_second_order_matches_differences_of_the_gradient() {
    for (a, b, va, vb) in [(0.7, 1.1, 0.5, 1.0), (1.2, 0.6, -0.8, 0.3)] {
        check_hvp(
            |p| {
                let (_, da, db) = consts_by_path_grad(p[0], p[1]);
                vec![da, db]
            },
            |p, v| {
                let (_, ha, hb) = consts_by_path_hvp(p[0], v[0], p[1], v[1]);
                vec![ha, hb]
            },
            &[a, b],
            &[va, vb],
        );
        check_hvp(
            |p| {
                let (_, da, db) = gram_cholesky_grad(p[0], p[1]);
                vec![da, db]
            },
            |p, v| {
                let (_, ha, hb) = gram_cholesky_hvp(p[0], v[0], p[1], v[1]);
                vec![ha, hb]
            },
            &[a, b],
            &[va, vb],
        );
        check_hvp(
            |p| {
                let (_, da, db) = matrix_in_a_struct_grad(p[0], p[1]);
                vec![da, db]
            },
            |p, v| {
                let (_, ha, hb) = matrix_in_a_struct_hvp(p[0], v[0], p[1], v[1]);
                vec![ha, hb]
            },
            &[a, b],
            &[va, vb],
        );
        check_hvp(
            |p| {
                let (_, da, db) = rows_by_value_grad(p[0], p[1]);
                vec![da, db]
            },
            |p, v| {
                let (_, ha, hb) = rows_by_value_hvp(p[0], v[0], p[1], v[1]);
                vec![ha, hb]
            },
            &[a, b],
            &[va, vb],
        );
        check_hvp(
            |p| {
                let (_, da, db) = polynomials_grad(p[0], p[1]);
                vec![da, db]
            },
            |p, v| {
                let (_, ha, hb) = polynomials_hvp(p[0], v[0], p[1], v[1]);
                vec![ha, hb]
            },
            &[a, b],
            &[va, vb],
        );
    }
}

/// At `a = 0` the masked root's tangent is infinite: every mode agrees
/// with the closed form `f = a + b + 2·√(b² + 1)`, whose partials are
/// `1` and `1 + 2b/√(b² + 1)`.
#[test]
fn a_zero_weight_times_an_infinite_tangent_is_zero_in_every_mode() {
    let b: f64 = 0.75;
    let db = 1.0 + 2.0 * b / (b * b + 1.0).sqrt();
    let (_, ga, gb) = masked_roots_grad(0.0, b);
    assert!(close(ga, 1.0, 1e-12) && close(gb, db, 1e-12), "grad ({ga}, {gb})");
    for (va, vb) in [(1.0, 0.0), (0.0, 1.0), (0.5, -2.0)] {
        let (_, tangent) = masked_roots_jvp(0.0, va, b, vb);
        let expected = va + db * vb;
        assert!(close(tangent, expected, 1e-12), "jvp along ({va}, {vb}): {tangent}, expected {expected}");
    }
    // A differentiated gate at 0: `w·√x + x` at (0, 0) has the partials (0, 1).
    let (_, tangent) = gate_jvp(0.0, 0.0, 0.0, 1.0);
    assert_eq!(tangent, 1.0);
    let (_, tangent) = gate_jvp(0.0, 1.0, 0.0, 0.0);
    assert_eq!(tangent, 0.0);
}

#[grad(forward, reverse)]
fn gate(w: f64, x: f64) -> f64 {
    w * x.sqrt() + x
}

/// Review 8: the product of a root with itself (forward mode's doubled
/// product), and partials that select (`powi`, `hypot`, `atan2`).
#[grad(forward, reverse)]
fn roots_reused(w: f64, x: f64) -> f64 {
    let s = x.sqrt();
    s * s + s.powi(2) + w.hypot(s) + w.atan2(1.0 + s)
}

#[grad(forward, reverse)]
fn hypot_of_a_root(w: f64, x: f64) -> f64 {
    w.hypot(x.sqrt())
}

/// At `w = 0`, `x = 0` every term's partial in the root is 0: `_jvp` is
/// `⟨_grad, v⟩`, not NaN; so is `hypot(1, √x)`'s at `x = 0`.
#[test]
fn roots_reused_at_zero_agree_with_the_gradient() {
    let (_, dw, dx) = roots_reused_grad(0.0, 0.0);
    for (vw, vx) in [(0.0, 1.0), (1.0, 1.0), (-0.5, 2.0)] {
        let (_, tangent) = roots_reused_jvp(0.0, vw, 0.0, vx);
        assert!(close(tangent, dw * vw + dx * vx, 1e-12), "along ({vw}, {vx}): {tangent}");
    }
    let (_, dw, dx) = hypot_of_a_root_grad(1.0, 0.0);
    assert_eq!((dw, dx), (1.0, 0.0));
    assert_eq!(hypot_of_a_root_jvp(1.0, 1.0, 0.0, 1.0).1, 1.0);
}

/// The closed form of the coefficients' polynomials.
#[test]
fn const_tables_lent_to_a_slice_parameter_have_their_closed_form() {
    let (a, b): (f64, f64) = (0.8, -0.6);
    let p = |c: &[f64], x: f64| c.iter().enumerate().map(|(i, c)| c * x.powi(i as i32)).sum::<f64>();
    let dp =
        |c: &[f64], x: f64| c.iter().enumerate().skip(1).map(|(i, c)| i as f64 * c * x.powi(i as i32 - 1)).sum::<f64>();
    let (value, da, db) = polynomials_grad(a, b);
    assert!(close(value, p(&C4, a) * p(&S3, b), 1e-12));
    assert!(close(da, dp(&C4, a) * p(&S3, b), 1e-12) && close(db, p(&C4, a) * dp(&S3, b), 1e-12));
}

/// Round 9: an array taken by value as `mut` and written in a loop. The
/// reverse sweep deferred its additions to the end of each pass, as for an
/// input the loop only reads, past the reverse of the writes that consume
/// them: `_grad` and `_hvp` were wrong, `_jvp` right.
#[grad(forward, reverse, hessian)]
fn mut_array_param(mut s: [f64; 2]) -> f64 {
    for _ in 0..2 {
        s[0] = s[0] * s[1];
        s[1] = s[0] + s[1];
    }
    s[0]
}

#[test]
fn a_mut_array_parameter_written_in_a_loop_has_its_closed_form() {
    // Pass 1: s₀ = ab, s₁ = ab + b; pass 2: s₀ = ab(ab + b) = a²b² + ab².
    // ∇ = (2ab² + b², 2a²b + 2ab); H = [[2b², 4ab + 2b], [4ab + 2b, 2a² + 2a]].
    let (a, b) = (2.0, 3.0);
    let (value, grad) = mut_array_param_grad([a, b]);
    assert_eq!(value, a * a * b * b + a * b * b);
    assert_eq!(grad, [2.0 * a * b * b + b * b, 2.0 * a * a * b + 2.0 * a * b]);
    let (_, column) = mut_array_param_hvp([a, b], [1.0, 0.0]);
    assert_eq!(column, [2.0 * b * b, 4.0 * a * b + 2.0 * b]);
    let (_, tangent) = mut_array_param_jvp([a, b], [0.5, -1.0]);
    assert_eq!(tangent, 0.5 * grad[0] - grad[1]);
}

const PERMUTATION: [usize; 3] = [2, 0, 1];

/// Round 9: an index read from a table at a computed position, in a loop
/// (`x[idx[i + 1]]`, read and written, of a parameter and of a `const`):
/// the reverse sweep read the temporary `i + 1` without computing it again
/// (E0425 in every mode).
#[grad(forward, reverse, hessian)]
fn indirect(x: &[f64], idx: &[usize]) -> f64 {
    let mut s = 0.0;
    let mut b = [0.0; 3];
    for i in 0..2 {
        s += x[idx[i + 1]] * x[i] + x[PERMUTATION[2 - i]].powi(2);
        b[idx[i + 1]] = x[i] * x[i];
    }
    s + b[0] + b[1] * b[2]
}

/// The generated functions of `f(x: &[f64], idx: &[usize])`, checked at
/// `x` along `v`: `_grad` against central differences, `_jvp` against
/// `⟨_grad, v⟩`, `_hvp` against differences of `_grad`.
struct SliceFunction {
    f: fn(&[f64], &[usize]) -> f64,
    grad: fn(&[f64], &mut [f64], &[usize]) -> f64,
    jvp: SliceJvp,
    hvp: SliceHvp,
}

/// `NAME_jvp` of such a function: the value and `⟨∇f, v⟩`.
type SliceJvp = fn(&[f64], &[f64], &[usize]) -> (f64, f64);

/// `NAME_hvp` of such a function: the value, `H·v` added into the buffer.
type SliceHvp = fn(&[f64], &[f64], &mut [f64], &[usize]) -> f64;

impl SliceFunction {
    fn check(&self, x: &[f64], v: &[f64], idx: &[usize]) {
        let h = 1e-6;
        let mut grad = vec![0.0; x.len()];
        assert_eq!((self.grad)(x, &mut grad, idx), (self.f)(x, idx));
        for k in 0..x.len() {
            let (mut up, mut down) = (x.to_vec(), x.to_vec());
            up[k] += h;
            down[k] -= h;
            let numeric = ((self.f)(&up, idx) - (self.f)(&down, idx)) / (2.0 * h);
            assert!(close(grad[k], numeric, 1e-6), "∂/∂x{k}: {} against {numeric}", grad[k]);
        }
        let (_, tangent) = (self.jvp)(x, v, idx);
        assert!(close(tangent, grad.iter().zip(v).map(|(g, v)| g * v).sum(), 1e-12));
        check_hvp(
            |p| {
                let mut g = vec![0.0; p.len()];
                (self.grad)(p, &mut g, idx);
                g
            },
            |p, v| {
                let mut hv = vec![0.0; p.len()];
                (self.hvp)(p, v, &mut hv, idx);
                hv
            },
            x,
            v,
        );
    }
}

#[test]
fn indices_read_from_tables_at_computed_positions_match_differences() {
    let indirect = SliceFunction { f: indirect, grad: indirect_grad, jvp: indirect_jvp, hvp: indirect_hvp };
    for x in [[0.5, -1.25, 2.0], [1.5, 0.75, -0.5]] {
        indirect.check(&x, &[0.5, -1.0, 0.25], &[1, 2, 0]);
    }
}

#[grad(forward, reverse, hessian)]
fn head_squared(b: &[f64]) -> f64 {
    b[0] * b[0] + b[0] * b[b.len() - 1]
}

/// Review 10: a sub-slice whose bound is read from a table at a counter
/// (`&x[idx[k]..]`, `k` changed later in the pass): the reverse sweep did
/// not count `k` among the call's reads and used its last value in every
/// pass (a wrong gradient; E0425 with `idx[i + 1]`). And a local index
/// table changed between reads (`id[0] = id[1]`): its saved entries were
/// kept in a float buffer (E0308).
#[grad(forward, reverse, hessian)]
fn through_index_tables(x: &[f64], idx: &[usize]) -> f64 {
    let mut s = 0.0;
    let mut k = 0;
    let mut id: [usize; 3] = [0, 1, 2];
    for i in 0..2 {
        s += head_squared(&x[idx[k]..]) * x[id[0]] + head_squared(&x[idx[i + 1]..]);
        k += 1;
        id[0] = id[1];
        id[1] = (id[1] + 1) % 3;
    }
    s
}

#[test]
fn sub_slices_at_indices_from_tables_match_differences() {
    let through = SliceFunction {
        f: through_index_tables,
        grad: through_index_tables_grad,
        jvp: through_index_tables_jvp,
        hvp: through_index_tables_hvp,
    };
    for x in [[1.0, 2.0, 3.0], [0.5, -1.5, 0.25]] {
        through.check(&x, &[1.0, -0.5, 2.0], &[0, 1, 2]);
    }
}

#[derive(Clone, Copy)]
struct Ratio {
    a: f64,
    b: f64,
}

impl Ratio {
    fn ratio(&self) -> f64 {
        self.a / self.b
    }
}

/// Review 11: a plain method's value may be infinite (`a / b` at `b = 0`):
/// on the branch not taken, its product with `x` has a zero adjoint, and
/// the reverse sweep must skip it (it gave NaN, typed or not).
#[grad(forward, reverse)]
fn ratio_by_a_method(x: f64, data: &[Ratio]) -> f64 {
    let r = data[0].ratio();
    let typed: f64 = data[0].ratio();
    let y = r * x + typed * x;
    if data[0].b != 0.0 {
        y
    } else {
        x * x
    }
}

/// Review 11: a local table of flags written in a loop (its saved entries
/// were kept in a float buffer, E0308), and an untyped vector of indices
/// ("floats cannot index arrays").
#[grad(forward, reverse, hessian)]
fn flags_and_indices(x: f64) -> f64 {
    let mut seen = [false; 2];
    let order = vec![2usize, 0, 1];
    let w = [x, x * x, 3.0];
    let mut s = 0.0;
    for i in 0..3 {
        if seen[0] {
            s += w[order[i]] * x;
        }
        seen[0] = !seen[0];
    }
    s
}

#[test]
fn a_plain_methods_infinite_value_on_a_branch_not_taken_and_flag_tables() {
    let data = [Ratio { a: 1.0, b: 0.0 }];
    assert_eq!(ratio_by_a_method_grad(1.5, &data), (2.25, 3.0));
    assert_eq!(ratio_by_a_method_jvp(1.5, 1.0, &data), (2.25, 3.0));
    let data = [Ratio { a: 1.0, b: 4.0 }];
    assert_eq!(ratio_by_a_method_grad(1.5, &data), (0.75, 0.5));
    // Only the pass i = 1 adds: s = w[0]·x = x², ds/dx = 2x.
    let x = 1.5;
    assert_eq!(flags_and_indices_grad(x), (x * x, 2.0 * x));
    assert_eq!(flags_and_indices_jvp(x, 1.0), (x * x, 2.0 * x));
    assert_eq!(flags_and_indices_hvp(x, 1.0), (x * x, 2.0));
}
