//! Dense Hessians from Hessian-vector products.
//!
//! For `f: ℝⁿ → ℝ` written as `fn f(x: &[f64]) -> f64`, `#[grad(hessian)]`
//! generates `f_hvp(x, v_x, hv_x) -> f64`, which returns `f(x)` and adds the
//! Hessian-vector product `H·v_x` into `hv_x` (forward-over-reverse: about
//! the cost of a few gradients, with no `n × n` matrix). [`hessian`] builds
//! the dense `H` from `n` of them, one per unit vector.
//!
//! # Symmetry
//!
//! [`hessian`] neither checks nor enforces symmetry: row `j` of the result
//! is exactly `H·eⱼ` as `hvp` computed it. The exact Hessian of a twice
//! continuously differentiable function is symmetric and forward-over-
//! reverse computes each product to rounding, so a correct `hvp` gives a
//! matrix symmetric to a few ulps; a visibly asymmetric one means the `hvp`
//! is wrong (or `f` is not twice differentiable at `x`), and averaging it
//! away would hide that. [`Matrix::asymmetry`](crate::Matrix::asymmetry)
//! measures it, [`Matrix::symmetrize`](crate::Matrix::symmetrize) averages
//! `H` with `Hᵀ` when asked, and [`check_hvp`](crate::check_hvp) compares
//! an `hvp` with central differences of the gradient.

use crate::Matrix;

/// The dense Hessian of `f` at `x`, from `x.len()` calls of `hvp`: row `j`
/// is `H·eⱼ` (so, `H` being symmetric, also column `j`).
///
/// `hvp(x, v, hv)` has the signature of the `f_hvp` that
/// `#[grad(hessian)]` generates for `fn f(x: &[f64]) -> f64`: it adds `H·v`
/// into `hv` (handed over zeroed: it is the row of the result itself, so
/// nothing is copied) and returns `f(x)`, which is not used here. See the
/// [module documentation](self) on symmetry: it is not enforced.
///
/// Two allocations, whatever `n`: the matrix and the direction.
///
/// # Example
///
/// The Rosenbrock function `100(y − x²)² + (1 − x)²` has Hessian
/// `[[1200x² − 400y + 2, −400x], [−400x, 200]]`.
///
/// ```
/// use autodiff_runtime::hessian;
///
/// // With `#[grad(hessian)]` on `rosenbrock`, pass `rosenbrock_hvp` itself.
/// let rosenbrock_hvp = |x: &[f64], v_x: &[f64], hv_x: &mut [f64]| -> f64 {
///     let (a, b) = (x[0], x[1]);
///     hv_x[0] += (1200.0 * a * a - 400.0 * b + 2.0) * v_x[0] - 400.0 * a * v_x[1];
///     hv_x[1] += -400.0 * a * v_x[0] + 200.0 * v_x[1];
///     100.0 * (b - a * a).powi(2) + (1.0 - a).powi(2)
/// };
///
/// let h = hessian(rosenbrock_hvp, &[1.0, 1.0]);
/// assert_eq!(h.as_slice(), &[802.0, -400.0, -400.0, 200.0]);
/// assert_eq!(h.asymmetry(), 0.0);
/// ```
pub fn hessian(mut hvp: impl FnMut(&[f64], &[f64], &mut [f64]) -> f64, x: &[f64]) -> Matrix {
    let n = x.len();
    let mut h = Matrix::zeros(n, n);
    let mut direction = vec![0.0; n];
    for j in 0..n {
        direction[j] = 1.0;
        hvp(x, &direction, h.row_mut(j));
        direction[j] = 0.0;
    }
    h
}
