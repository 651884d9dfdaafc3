//! Checks of forward-mode and second-order derivatives: a Jacobian-vector
//! product against a central difference of the function along the
//! direction, a Hessian-vector product against a central difference of the
//! gradient along it. Both report through [`GradCheck`], one entry per
//! component of the product.

use super::numeric::assert_step;
use super::{GradCheck, GradChecker, DEFAULT_STEP};

impl GradChecker {
    /// Compares `analytic`, a claimed Jacobian-vector product `J·v` of `f`
    /// at `x` (the tangent `d_y` of a `_jvp`), with the central difference
    /// of `f` along `v` ([`numeric_jvp`] with this checker's step). The
    /// report has one entry per output.
    ///
    /// `f(x, y)` writes the function's `analytic.len()` outputs into `y`
    /// (zeroed before each call), as `fn f(x: &[f64], y: &mut [f64])` does;
    /// for a function that returns a float, write `|x, y| y[0] = g(x)`.
    ///
    /// # Panics
    ///
    /// If `v` and `x` differ in length.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::GradChecker;
    ///
    /// // y = (x₀x₁, x₀ + x₁): J·v = (x₁v₀ + x₀v₁, v₀ + v₁) = (3.5, 2.5) at x = (1, 2), v = (1, 1.5).
    /// let f = |x: &[f64], y: &mut [f64]| y.copy_from_slice(&[x[0] * x[1], x[0] + x[1]]);
    /// let report = GradChecker::new().check_jvp(f, &[1.0, 2.0], &[1.0, 1.5], &[3.5, 2.5]);
    /// assert!(report.passes(1e-8), "{report:#}");
    /// ```
    pub fn check_jvp(&self, f: impl FnMut(&[f64], &mut [f64]), x: &[f64], v: &[f64], analytic: &[f64]) -> GradCheck {
        assert_direction("jvp check", x, v);
        let numeric = directional_difference(f, x, v, analytic.len(), self.step);
        GradCheck::new(analytic.to_vec(), numeric, self.step, self.floor)
    }

    /// Compares `analytic`, a claimed Hessian-vector product `H·v` of a
    /// function at `x` (what its `_hvp` adds into `hv_x`), with the central
    /// difference of its gradient along `v` ([`numeric_hvp`] with this
    /// checker's step). The report has one entry per coordinate of `x`.
    ///
    /// `grad(x, g)` adds the gradient at `x` into `g` (zeroed before each
    /// call) and returns the function's value, as the `f_grad` that
    /// `#[grad]` generates for `fn f(x: &[f64]) -> f64` does, so `f_grad`
    /// can be passed as it is.
    ///
    /// # Panics
    ///
    /// If `v` or `analytic` differs in length from `x`.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::GradChecker;
    ///
    /// // f = x₀²x₁: ∇f = (2x₀x₁, x₀²), H = [[2x₁, 2x₀], [2x₀, 0]].
    /// let grad = |x: &[f64], g: &mut [f64]| {
    ///     g[0] += 2.0 * x[0] * x[1];
    ///     g[1] += x[0] * x[0];
    ///     x[0] * x[0] * x[1]
    /// };
    /// // At x = (1, 3), H·(1, 0) = (6, 2).
    /// let report = GradChecker::new().check_hvp(grad, &[1.0, 3.0], &[1.0, 0.0], &[6.0, 2.0]);
    /// assert!(report.passes(1e-8), "{report:#}");
    /// ```
    pub fn check_hvp(
        &self,
        mut grad: impl FnMut(&[f64], &mut [f64]) -> f64,
        x: &[f64],
        v: &[f64],
        analytic: &[f64],
    ) -> GradCheck {
        assert_direction("hvp check", x, v);
        assert_eq!(
            analytic.len(),
            x.len(),
            "hvp check: analytic H·v of length {} for a point of length {}",
            analytic.len(),
            x.len()
        );
        let numeric = directional_difference(
            |x, g| {
                grad(x, g);
            },
            x,
            v,
            x.len(),
            self.step,
        );
        GradCheck::new(analytic.to_vec(), numeric, self.step, self.floor)
    }
}

/// [`GradChecker::check_jvp`] with [`DEFAULT_STEP`] and
/// [`DEFAULT_FLOOR`](crate::DEFAULT_FLOOR): compares `analytic`, a claimed
/// `J·v` of `f` at `x`, with the central difference of `f` along `v`.
///
/// # Panics
///
/// If `v` and `x` differ in length.
///
/// # Example
///
/// A deliberately wrong tangent is caught: for `(r, θ) ↦ (r cos θ, r sin θ)`
/// the tangent along `(0, 1)` is `(−r sin θ, r cos θ)`, not `(−sin θ, cos θ)`.
///
/// ```
/// use autodiff_runtime::check_jvp;
///
/// let polar = |x: &[f64], y: &mut [f64]| y.copy_from_slice(&[x[0] * x[1].cos(), x[0] * x[1].sin()]);
/// // With `#[grad(forward)]` on `polar`, this is `polar_jvp(&x, &v, &mut y, &mut d_y)`.
/// let polar_jvp = |x: &[f64], d_x: &[f64], y: &mut [f64], d_y: &mut [f64]| {
///     let (r, (s, c)) = (x[0], x[1].sin_cos());
///     y.copy_from_slice(&[r * c, r * s]);
///     d_y[0] = c * d_x[0] - r * s * d_x[1];
///     d_y[1] = s * d_x[0] + r * c * d_x[1];
/// };
/// let (x, v) = ([2.0, 0.5f64], [0.0, 1.0]);
/// let (mut y, mut d_y) = ([0.0; 2], [0.0; 2]);
/// polar_jvp(&x, &v, &mut y, &mut d_y);
/// check_jvp(polar, &x, &v, &d_y).assert_close(1e-6);
///
/// let wrong = [-x[1].sin(), x[1].cos()];
/// assert!(!check_jvp(polar, &x, &v, &wrong).passes(1e-3));
/// ```
pub fn check_jvp(f: impl FnMut(&[f64], &mut [f64]), x: &[f64], v: &[f64], analytic: &[f64]) -> GradCheck {
    GradChecker::new().check_jvp(f, x, v, analytic)
}

/// [`GradChecker::check_hvp`] with [`DEFAULT_STEP`] and
/// [`DEFAULT_FLOOR`](crate::DEFAULT_FLOOR): compares `analytic`, a claimed
/// `H·v` at `x`, with the central difference along `v` of the gradient
/// `grad` computes.
///
/// # Panics
///
/// If `v` or `analytic` differs in length from `x`.
///
/// # Example
///
/// ```
/// use autodiff_runtime::check_hvp;
///
/// // f = Σ xᵢ³ / 3: ∇f = (xᵢ²), H = diag(2xᵢ).
/// let grad = |x: &[f64], g: &mut [f64]| -> f64 {
///     for (g, x) in g.iter_mut().zip(x) {
///         *g += x * x;
///     }
///     x.iter().map(|x| x * x * x / 3.0).sum()
/// };
/// // With `#[grad(hessian)]` on `f`, this is `f_hvp(&x, &v, &mut hv)`.
/// let hvp = |x: &[f64], v_x: &[f64], hv_x: &mut [f64]| {
///     for i in 0..x.len() {
///         hv_x[i] += 2.0 * x[i] * v_x[i];
///     }
/// };
/// let (x, v) = ([1.0, -2.0, 0.5], [0.3, 1.0, -1.0]);
/// let mut hv = [0.0; 3];
/// hvp(&x, &v, &mut hv);
/// check_hvp(grad, &x, &v, &hv).assert_close(1e-6);
/// ```
pub fn check_hvp(grad: impl FnMut(&[f64], &mut [f64]) -> f64, x: &[f64], v: &[f64], analytic: &[f64]) -> GradCheck {
    GradChecker::new().check_hvp(grad, x, v, analytic)
}

/// The derivative of `f` at `x` along `v`, `J·v`, estimated by the central
/// difference `(f(x + s·v) − f(x − s·v)) / 2s` with [`DEFAULT_STEP`] `h`.
///
/// The step `s` moves the coordinate that `v` moves most by `h`, as
/// [`numeric_gradient`](crate::numeric_gradient) moves each coordinate
/// (and by `h·‖x‖∞ / 100` beyond `‖x‖∞ = 100`, so rounding cannot swallow
/// it): `s = h·max(1, ‖x‖∞ / 100) / ‖v‖∞`. A zero `v` gives zeros without
/// calling `f`; a non-finite one gives NaNs.
///
/// `f(x, y)` writes `outputs` values into `y`, zeroed before each call; it
/// is called twice.
///
/// # Panics
///
/// If `v` and `x` differ in length.
///
/// # Example
///
/// ```
/// use autodiff_runtime::numeric_jvp;
///
/// // y = (x₀², x₀x₁): along v = (1, 0) the derivative is (2x₀, x₁) = (6, 4).
/// let d = numeric_jvp(|x, y| y.copy_from_slice(&[x[0] * x[0], x[0] * x[1]]), &[3.0, 4.0], &[1.0, 0.0], 2);
/// assert!((d[0] - 6.0).abs() < 1e-8 && (d[1] - 4.0).abs() < 1e-8);
/// ```
pub fn numeric_jvp(f: impl FnMut(&[f64], &mut [f64]), x: &[f64], v: &[f64], outputs: usize) -> Vec<f64> {
    assert_direction("numeric jvp", x, v);
    directional_difference(f, x, v, outputs, DEFAULT_STEP)
}

/// The Hessian-vector product `H·v` at `x`, estimated by the central
/// difference of the gradient along `v`, with the step of [`numeric_jvp`].
///
/// `grad(x, g)` adds the gradient at `x` into `g` (zeroed before each
/// call) and returns the function's value, as a generated `f_grad` does; it
/// is called twice.
///
/// # Panics
///
/// If `v` and `x` differ in length.
///
/// # Example
///
/// ```
/// use autodiff_runtime::numeric_hvp;
///
/// // f = x₀²x₁ at (1, 3): H = [[6, 2], [2, 0]], so H·(0, 1) = (2, 0).
/// let grad = |x: &[f64], g: &mut [f64]| {
///     g[0] += 2.0 * x[0] * x[1];
///     g[1] += x[0] * x[0];
///     x[0] * x[0] * x[1]
/// };
/// let hv = numeric_hvp(grad, &[1.0, 3.0], &[0.0, 1.0]);
/// assert!((hv[0] - 2.0).abs() < 1e-8 && hv[1].abs() < 1e-8);
/// ```
pub fn numeric_hvp(mut grad: impl FnMut(&[f64], &mut [f64]) -> f64, x: &[f64], v: &[f64]) -> Vec<f64> {
    assert_direction("numeric hvp", x, v);
    directional_difference(
        |x, g| {
            grad(x, g);
        },
        x,
        v,
        x.len(),
        DEFAULT_STEP,
    )
}

/// Coordinates up to this magnitude set the step to `h`; beyond it the step
/// grows with `‖x‖∞`, as in `numeric_gradient`.
const RELATIVE_BEYOND: f64 = 100.0;

/// `(f(x + s·v) − f(x − s·v)) / 2s` with `s` as documented on
/// [`numeric_jvp`], for an `f` that writes `outputs` values.
fn directional_difference(
    mut f: impl FnMut(&[f64], &mut [f64]),
    x: &[f64],
    v: &[f64],
    outputs: usize,
    h: f64,
) -> Vec<f64> {
    assert_step(h);
    if v.iter().any(|d| !d.is_finite()) {
        return vec![f64::NAN; outputs];
    }
    let largest_move = v.iter().fold(0.0f64, |m, d| m.max(d.abs()));
    if largest_move == 0.0 {
        return vec![0.0; outputs];
    }
    let largest_coordinate = x.iter().fold(0.0f64, |m, c| m.max(c.abs()));
    let s = h * (largest_coordinate / RELATIVE_BEYOND).max(1.0) / largest_move;

    let mut probe: Vec<f64> = x.iter().zip(v).map(|(x, d)| x + s * d).collect();
    let mut above = vec![0.0; outputs];
    f(&probe, &mut above);
    for ((p, x), d) in probe.iter_mut().zip(x).zip(v) {
        *p = x - s * d;
    }
    let mut below = vec![0.0; outputs];
    f(&probe, &mut below);
    for (a, b) in above.iter_mut().zip(&below) {
        *a = (*a - b) / (2.0 * s);
    }
    above
}

#[track_caller]
fn assert_direction(what: &str, x: &[f64], v: &[f64]) {
    assert_eq!(v.len(), x.len(), "{what}: direction of length {} for a point of length {}", v.len(), x.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_moves_the_largest_component_of_the_direction_by_h() {
        // f(x) = x₀ + 1000·x₁ is linear: the difference is exact up to rounding
        // whatever the step, and the direction's scale carries through.
        let f = |x: &[f64], y: &mut [f64]| y[0] = x[0] + 1000.0 * x[1];
        let d = numeric_jvp(f, &[0.5, 0.25], &[1e6, -2e6], 1);
        assert!((d[0] - (1e6 - 2e9)).abs() < 1e-3 * 2e9, "{d:?}");
    }

    #[test]
    fn a_zero_direction_gives_zeros_without_calling_f() {
        let d = numeric_jvp(|_, _| panic!("called"), &[1.0, 2.0], &[0.0, -0.0], 3);
        assert_eq!(d, vec![0.0; 3]);
    }

    #[test]
    fn a_non_finite_direction_gives_nans_that_never_pass() {
        let f = |x: &[f64], y: &mut [f64]| y[0] = x[0];
        for bad in [f64::NAN, f64::INFINITY] {
            assert!(numeric_jvp(f, &[1.0], &[bad], 1)[0].is_nan());
            assert!(!check_jvp(f, &[1.0], &[bad], &[1.0]).passes(1e300));
        }
    }

    #[test]
    fn large_coordinates_get_a_relative_step() {
        // At x = 1e300 a step of 1e-6 would vanish: ln' = 1/x.
        let d = numeric_jvp(|x, y| y[0] = x[0].ln(), &[1e300], &[1.0], 1);
        assert!((d[0] * 1e300 - 1.0).abs() < 1e-6, "{d:?}");
    }

    #[test]
    fn outputs_are_zeroed_before_each_call() {
        // f adds into its output; each probe must start from zero.
        let f = |x: &[f64], y: &mut [f64]| y[0] += 3.0 * x[0];
        let d = numeric_jvp(f, &[1.0], &[1.0], 1);
        assert!((d[0] - 3.0).abs() < 1e-8, "{d:?}");
    }

    #[test]
    #[should_panic(expected = "jvp check: direction of length 1 for a point of length 2")]
    fn check_jvp_rejects_a_direction_of_the_wrong_length() {
        check_jvp(|_, _| {}, &[1.0, 2.0], &[1.0], &[0.0]);
    }

    #[test]
    #[should_panic(expected = "hvp check: analytic H·v of length 1 for a point of length 2")]
    fn check_hvp_rejects_a_product_of_the_wrong_length() {
        check_hvp(|_, _| 0.0, &[1.0, 2.0], &[1.0, 0.0], &[0.0]);
    }
}
