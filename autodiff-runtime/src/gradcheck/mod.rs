//! Gradient checking: compare an analytic gradient (from `#[grad]` or
//! written by hand) with a central-difference estimate.
//!
//! - [`numeric_gradient`] estimates a gradient by central differences
//!   (submodule `numeric`);
//! - [`GradCheck`] compares two gradients and prints the result (submodule
//!   `report`);
//! - [`check_gradient`] and the configurable [`GradChecker`] tie them
//!   together;
//! - [`check_jvp`] and [`check_hvp`] check a forward-mode product `J·v`
//!   against a central difference of the function along `v`, and a
//!   Hessian-vector product `H·v` against one of the gradient (submodule
//!   `directional`, with [`numeric_jvp`] and [`numeric_hvp`]).
//!
//! # Example
//!
//! ```
//! use autodiff_runtime::gradcheck::check_gradient;
//!
//! // ∂(xy)/∂x = y, ∂(xy)/∂y = x.
//! let report = check_gradient(|w| w[0] * w[1], &[2.0, 5.0], &[5.0, 2.0]);
//! assert!(report.passes(1e-8), "{report:#}");
//! ```

mod directional;
mod numeric;
mod report;

pub use directional::{check_hvp, check_jvp, numeric_hvp, numeric_jvp};

use numeric::assert_step;
pub use numeric::{numeric_gradient, numeric_gradient_with_step, DEFAULT_STEP};
pub use report::{relative_error, GradCheck, GradCheckEntry};

/// The default floor of [`relative_error`]: `1.0`.
///
/// Gradients at least 1 in magnitude are compared relatively; smaller ones
/// absolutely. The rounding noise of a central difference is about
/// `1e-10 · |f|` *absolute*, so a small floor (say `1e-8`) would make a
/// correct zero partial of a function of size ~1 fail at `1e-2`. This is
/// the convention of `numpy.allclose` and JAX's `check_grads` with equal
/// absolute and relative tolerances. Choose another floor with
/// [`GradChecker::with_floor`].
///
/// # Example
///
/// ```
/// use autodiff_runtime::{relative_error, DEFAULT_FLOOR};
///
/// assert_eq!(relative_error(0.0, 1e-10, DEFAULT_FLOOR), 1e-10);
/// ```
pub const DEFAULT_FLOOR: f64 = 1.0;

/// Compares `analytic`, a claimed gradient of `f` at `w`, with
/// [`numeric_gradient`]`(f, w)` using [`DEFAULT_STEP`] and
/// [`DEFAULT_FLOOR`].
///
/// # Panics
///
/// If `analytic` and `w` differ in length.
///
/// # Example
///
/// ```
/// use autodiff_runtime::check_gradient;
///
/// // f(x, w) = (y − x·w)² with y = 1: ∂f/∂x = −2w(y − xw), ∂f/∂w = −2x(y − xw).
/// let (x, w, y) = (2.0, 3.0, 1.0);
/// let f = |p: &[f64]| (y - p[0] * p[1]).powi(2);
/// let analytic = [-2.0 * w * (y - x * w), -2.0 * x * (y - x * w)];
/// check_gradient(f, &[x, w], &analytic).assert_close(1e-6);
/// ```
pub fn check_gradient(f: impl FnMut(&[f64]) -> f64, w: &[f64], analytic: &[f64]) -> GradCheck {
    GradChecker::new().check(f, w, analytic)
}

/// A gradient checker with a chosen finite-difference step and error floor.
///
/// # Example
///
/// ```
/// use autodiff_runtime::GradChecker;
///
/// // A gradient near 1e-6 in size, checked relatively rather than absolutely.
/// let checker = GradChecker::new().with_floor(1e-12).with_step(1e-3);
/// let report = checker.check(|w| 1e-6 * w[0] * w[0], &[0.5], &[1e-6]);
/// assert!(report.passes(1e-9));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradChecker {
    step: f64,
    floor: f64,
}

impl Default for GradChecker {
    fn default() -> Self {
        Self::new()
    }
}

impl GradChecker {
    /// A checker with [`DEFAULT_STEP`] and [`DEFAULT_FLOOR`].
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{GradChecker, DEFAULT_FLOOR, DEFAULT_STEP};
    ///
    /// let checker = GradChecker::new();
    /// assert_eq!((checker.step(), checker.floor()), (DEFAULT_STEP, DEFAULT_FLOOR));
    /// ```
    pub const fn new() -> Self {
        Self { step: DEFAULT_STEP, floor: DEFAULT_FLOOR }
    }

    /// Uses finite-difference step `step`, relative to each coordinate's
    /// magnitude beyond 100 as in [`numeric_gradient_with_step`].
    ///
    /// # Panics
    ///
    /// If `step` is not finite or is below `1e-12`.
    ///
    /// # Example
    ///
    /// ```
    /// let checker = autodiff_runtime::GradChecker::new().with_step(1e-4);
    /// assert_eq!(checker.step(), 1e-4);
    /// ```
    #[must_use]
    pub fn with_step(self, step: f64) -> Self {
        assert_step(step);
        Self { step, ..self }
    }

    /// Uses `floor` in [`relative_error`]; `0` compares purely relatively
    /// (equal values, zeros included, still have error 0).
    ///
    /// # Panics
    ///
    /// If `floor` is negative or not finite.
    ///
    /// # Example
    ///
    /// ```
    /// let checker = autodiff_runtime::GradChecker::new().with_floor(1e-8);
    /// assert_eq!(checker.floor(), 1e-8);
    /// ```
    #[must_use]
    pub fn with_floor(self, floor: f64) -> Self {
        assert!(floor.is_finite() && floor >= 0.0, "relative-error floor must be finite and not negative, got {floor}");
        Self { floor, ..self }
    }

    /// The finite-difference step.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::GradChecker::new().step(), 1e-6);
    /// ```
    pub const fn step(&self) -> f64 {
        self.step
    }

    /// The floor of the relative error.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(autodiff_runtime::GradChecker::new().floor(), 1.0);
    /// ```
    pub const fn floor(&self) -> f64 {
        self.floor
    }

    /// Compares `analytic`, a claimed gradient of `f` at `w`, with the
    /// central-difference estimate.
    ///
    /// # Panics
    ///
    /// If `analytic` and `w` differ in length.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::GradChecker;
    ///
    /// // (5 ln x)' = 5 / x.
    /// let report = GradChecker::new().check(|w| 5.0 * w[0].ln(), &[2.0], &[2.5]);
    /// assert!(report.passes(1e-8));
    /// ```
    pub fn check(&self, f: impl FnMut(&[f64]) -> f64, w: &[f64], analytic: &[f64]) -> GradCheck {
        assert_eq!(
            analytic.len(),
            w.len(),
            "gradient check: analytic gradient of length {} for a point of length {}",
            analytic.len(),
            w.len()
        );
        let numeric = numeric_gradient_with_step(f, w, self.step);
        GradCheck::new(analytic.to_vec(), numeric, self.step, self.floor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_chain_rule_from_the_lesson() {
        // f(x) = (1 + e^−x)^−1, f'(x) = e^−x (1 + e^−x)^−2.
        let f = |w: &[f64]| 1.0 / (1.0 + (-w[0]).exp());
        for x in [-3.0f64, -0.5, 0.0, 0.7, 4.0] {
            let e = (-x).exp();
            let d = e / ((1.0 + e) * (1.0 + e));
            let report = check_gradient(f, &[x], &[d]);
            assert!(report.passes(1e-8), "{report:#}");
        }
    }

    #[test]
    fn detects_a_wrong_partial() {
        // f = ax + by + cz ⇒ ∇ over (x, y, z) is (a, b, c) = (2, 3, 4).
        let f = |w: &[f64]| 2.0 * w[0] + 3.0 * w[1] + 4.0 * w[2];
        let report = check_gradient(f, &[1.0, 1.0, 1.0], &[2.0, 3.0, 5.0]);
        let worst = report.worst().unwrap();
        assert_eq!(worst.index, 2);
        // |5 − 4| / max(5, 4, 1) = 0.2.
        assert!((worst.relative_error - 0.2).abs() < 1e-8);
        assert!(!report.passes(1e-3));
    }

    #[test]
    fn zero_partial_of_a_large_function_passes_with_the_default_floor() {
        // f = 1000 + sin(x)² + 0·y: ∂f/∂y = 0 exactly, but the difference
        // quotient picks up rounding noise of about 1e-13 / 1e-6.
        let f = |w: &[f64]| 1000.0 + w[0].sin().powi(2) + 0.0 * w[1];
        let x = 0.3f64;
        check_gradient(f, &[x, 2.0], &[(2.0 * x).sin(), 0.0]).assert_close(1e-6);
    }

    #[test]
    #[should_panic(expected = "analytic gradient of length 1 for a point of length 2")]
    fn rejects_a_gradient_of_the_wrong_length() {
        check_gradient(|w| w[0], &[1.0, 2.0], &[1.0]);
    }

    #[test]
    fn a_zero_floor_compares_relatively_and_passes_equal_zeros() {
        // f = x² + 0·y at (0, 1): ∇f = (0, 0), and both central differences
        // are exactly 0.
        let checker = GradChecker::new().with_floor(0.0);
        let report = checker.check(|w| w[0] * w[0] + 0.0 * w[1], &[0.0, 1.0], &[0.0, 0.0]);
        assert_eq!(report.numeric(), &[0.0, 0.0]);
        assert!(report.passes(0.0), "{report:#}");
        // Purely relative: 1e-20 against 0 is entirely wrong.
        assert!(!checker.check(|w| 0.0 * w[0], &[1.0], &[1e-20]).passes(0.5));
    }

    #[test]
    #[should_panic(expected = "floor must be finite and not negative")]
    fn rejects_a_negative_floor() {
        let _ = GradChecker::new().with_floor(-1.0);
    }
}
