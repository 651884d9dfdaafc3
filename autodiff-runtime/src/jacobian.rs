//! Dense Jacobians of functions that write their results into a `&mut [f64]`
//! output, from forward-mode or reverse-mode products.
//!
//! For `f: ℝⁿ → ℝᵐ` written as `fn f(x: &[f64], y: &mut [f64])`, the
//! Jacobian `J` is the `m × n` matrix `Jᵢⱼ = ∂yᵢ/∂xⱼ`. It can be built
//! column by column from `n` Jacobian-vector products (`J·eⱼ`, forward
//! mode, `#[grad(forward)]`'s `f_jvp`) or row by row from `m`
//! vector-Jacobian products (`eᵢᵀ·J`, reverse mode, `#[grad]`'s `f_vjp`):
//!
//! - [`jacobian`] takes both and uses the cheaper: forward when `n ≤ m`,
//!   reverse otherwise;
//! - [`jacobian_forward`] and [`jacobian_reverse`] use the one asked for.
//!
//! The closures have the signatures `#[grad(forward, reverse)]` gives
//! `f_jvp` and `f_vjp`, so the generated functions can be passed as they
//! are (or wrapped in a one-line closure that fixes other arguments):
//!
//! - `jvp(x, d_x, y, d_y)` writes `f(x)` into `y` and the tangent `J·d_x`
//!   into `d_y`;
//! - `vjp(x, d_x, y, d_y)` writes `f(x)` into `y` and adds `Jᵀ·d_y` into
//!   `d_x` (`d_y` holds the output's adjoint on entry and may be consumed).
//!
//! Before every call the output `y` and its shadow `d_y` are set to zero
//! (and `d_x` too, for `vjp`), so each product starts from the same state:
//! the Jacobian is that of `x ↦ y` with `y` starting at zero, which for a
//! function that overwrites its output is simply the Jacobian of `f`.
//!
//! A Jacobian costs two allocations, whatever `n` and `m`: the matrix and
//! one scratch buffer for the direction and the outputs.

use crate::Matrix;

/// The Jacobian of `f` at `x`, where `f` writes `outputs` values, from `n`
/// Jacobian-vector products (`jvp`) when `n = x.len() ≤ outputs` and from
/// `outputs` vector-Jacobian products (`vjp`) otherwise. Only the one used
/// is called.
///
/// See the [module documentation](self) for what the closures do; they
/// have the signatures of the `f_jvp` and `f_vjp` that
/// `#[grad(forward, reverse)]` generates for `fn f(x: &[f64], y: &mut [f64])`.
///
/// # Example
///
/// The polar-to-Cartesian map `(r, θ) ↦ (r cos θ, r sin θ)`, with its
/// derivatives written by hand (with `#[grad(forward, reverse)]` on
/// `polar`, pass `polar_jvp` and `polar_vjp` instead).
///
/// ```
/// use autodiff_runtime::jacobian;
///
/// let polar_jvp = |x: &[f64], d_x: &[f64], y: &mut [f64], d_y: &mut [f64]| {
///     let (r, t) = (x[0], x[1]);
///     y.copy_from_slice(&[r * t.cos(), r * t.sin()]);
///     d_y[0] = t.cos() * d_x[0] - r * t.sin() * d_x[1];
///     d_y[1] = t.sin() * d_x[0] + r * t.cos() * d_x[1];
/// };
/// let polar_vjp = |x: &[f64], d_x: &mut [f64], y: &mut [f64], d_y: &mut [f64]| {
///     let (r, t) = (x[0], x[1]);
///     y.copy_from_slice(&[r * t.cos(), r * t.sin()]);
///     d_x[0] += t.cos() * d_y[0] + t.sin() * d_y[1];
///     d_x[1] += -r * t.sin() * d_y[0] + r * t.cos() * d_y[1];
///     d_y.fill(0.0);
/// };
///
/// let (r, t) = (2.0, 0.5f64);
/// let j = jacobian(polar_jvp, polar_vjp, &[r, t], 2);
/// assert_eq!(j.row(0), &[t.cos(), -r * t.sin()]);
/// assert_eq!(j.row(1), &[t.sin(), r * t.cos()]);
/// ```
pub fn jacobian(
    jvp: impl FnMut(&[f64], &[f64], &mut [f64], &mut [f64]),
    vjp: impl FnMut(&[f64], &mut [f64], &mut [f64], &mut [f64]),
    x: &[f64],
    outputs: usize,
) -> Matrix {
    if x.len() <= outputs {
        jacobian_forward(jvp, x, outputs)
    } else {
        jacobian_reverse(vjp, x, outputs)
    }
}

/// The Jacobian of `f` at `x`, where `f` writes `outputs` values, column by
/// column: column `j` is `jvp`'s tangent along the unit vector `eⱼ`, so
/// `jvp` is called `x.len()` times.
///
/// # Example
///
/// A linear map `y = A·x` is its own Jacobian.
///
/// ```
/// use autodiff_runtime::jacobian_forward;
///
/// const A: [[f64; 3]; 2] = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
/// // With `#[grad(forward)]` on `fn linear(x: &[f64], y: &mut [f64])`, this is `linear_jvp`.
/// let linear_jvp = |x: &[f64], d_x: &[f64], y: &mut [f64], d_y: &mut [f64]| {
///     for i in 0..2 {
///         y[i] = (0..3).map(|j| A[i][j] * x[j]).sum();
///         d_y[i] = (0..3).map(|j| A[i][j] * d_x[j]).sum();
///     }
/// };
/// let j = jacobian_forward(linear_jvp, &[0.1, 0.2, 0.3], 2);
/// assert_eq!(j.as_slice(), A.as_flattened());
/// ```
pub fn jacobian_forward(
    mut jvp: impl FnMut(&[f64], &[f64], &mut [f64], &mut [f64]),
    x: &[f64],
    outputs: usize,
) -> Matrix {
    let inputs = x.len();
    let mut j = Matrix::zeros(outputs, inputs);
    let mut scratch = vec![0.0; inputs + 2 * outputs];
    let (direction, rest) = scratch.split_at_mut(inputs);
    let (y, d_y) = rest.split_at_mut(outputs);
    for col in 0..inputs {
        direction[col] = 1.0;
        y.fill(0.0);
        d_y.fill(0.0);
        jvp(x, direction, y, d_y);
        direction[col] = 0.0;
        for (row, &tangent) in d_y.iter().enumerate() {
            j[(row, col)] = tangent;
        }
    }
    j
}

/// The Jacobian of `f` at `x`, where `f` writes `outputs` values, row by
/// row: row `i` is what `vjp` adds into a zeroed `d_x` for the adjoint
/// `eᵢ` of the output, so `vjp` is called `outputs` times. The rows of the
/// result are `vjp`'s `d_x` themselves: nothing is copied.
///
/// # Example
///
/// `softmax` writes a `&mut` output and has a hand-written `softmax_vjp`
/// with the contract's signature; its Jacobian is `diag(s) − s·sᵀ`.
///
/// ```
/// use autodiff_runtime::{jacobian_reverse, softmax, softmax_vjp};
///
/// let x = [0.5, -1.0, 2.0];
/// let j = jacobian_reverse(softmax_vjp, &x, 3);
/// let mut s = [0.0; 3];
/// softmax(&x, &mut s);
/// for i in 0..3 {
///     for k in 0..3 {
///         let want = if i == k { s[i] } else { 0.0 } - s[i] * s[k];
///         assert!((j[(i, k)] - want).abs() < 1e-15);
///     }
/// }
/// ```
pub fn jacobian_reverse(
    mut vjp: impl FnMut(&[f64], &mut [f64], &mut [f64], &mut [f64]),
    x: &[f64],
    outputs: usize,
) -> Matrix {
    let mut j = Matrix::zeros(outputs, x.len());
    let mut scratch = vec![0.0; 2 * outputs];
    let (y, d_y) = scratch.split_at_mut(outputs);
    for row in 0..outputs {
        y.fill(0.0);
        d_y.fill(0.0);
        d_y[row] = 1.0;
        // The row starts at zero and `vjp` adds eᵢᵀ·J into it.
        vjp(x, j.row_mut(row), y, d_y);
    }
    j
}
