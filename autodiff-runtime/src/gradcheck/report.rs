//! The result of a gradient check: per-coordinate errors, the worst one,
//! a pass/fail test and a printable report.

use core::fmt;

/// Relative error between an analytic value `a` and a numeric value `n`:
/// `|a − n| / max(|a|, |n|, floor)`.
///
/// The `floor` keeps the error meaningful near zero: where both values are
/// smaller than `floor` in magnitude, the result is `|a − n| / floor`, an
/// absolute error (scaled by `1 / floor`). Equal finite values have error
/// 0, whatever the floor (with `floor = 0`, two zeros are not `0 / 0`). A
/// non-finite result (a `NaN` or infinite input) is reported as
/// `f64::INFINITY`, so it never passes a tolerance check.
///
/// # Example
///
/// ```
/// use autodiff_runtime::relative_error;
///
/// assert_eq!(relative_error(100.0, 99.0, 1.0), 0.01); // relative
/// assert_eq!(relative_error(0.0, 0.25, 1.0), 0.25); // absolute, below the floor
/// assert_eq!(relative_error(f64::NAN, 1.0, 1.0), f64::INFINITY);
/// assert_eq!(relative_error(0.0, 0.0, 0.0), 0.0);
/// ```
pub fn relative_error(a: f64, n: f64, floor: f64) -> f64 {
    if a == n && a.is_finite() {
        return 0.0;
    }
    let err = (a - n).abs() / a.abs().max(n.abs()).max(floor);
    if err.is_finite() {
        err
    } else {
        f64::INFINITY
    }
}

/// One coordinate of a [`GradCheck`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradCheckEntry {
    /// Position of the coordinate in the parameter slice.
    pub index: usize,
    /// The gradient under test.
    pub analytic: f64,
    /// The central-difference estimate.
    pub numeric: f64,
    /// [`relative_error`] of the two.
    pub relative_error: f64,
}

/// An analytic gradient compared with a numeric one, coordinate by
/// coordinate. Built by [`check_gradient`](crate::check_gradient) or
/// [`GradChecker::check`](crate::GradChecker::check).
///
/// `{}` prints a one-line summary naming the worst coordinate; `{:#}`
/// adds a table of every coordinate.
///
/// # Example
///
/// ```
/// use autodiff_runtime::check_gradient;
///
/// // f(x, y) = x·y, ∇f = (y, x); the second component is wrong on purpose.
/// let report = check_gradient(|w| w[0] * w[1], &[2.0, 3.0], &[3.0, 2.5]);
/// let worst = report.worst().unwrap();
/// assert_eq!(worst.index, 1);
/// assert!(!report.passes(1e-6));
/// println!("{report:#}");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GradCheck {
    analytic: Vec<f64>,
    numeric: Vec<f64>,
    step: f64,
    floor: f64,
}

impl GradCheck {
    /// Compares `analytic` against `numeric`, computed with finite-difference
    /// step `step`, using [`relative_error`] with `floor`.
    ///
    /// # Panics
    ///
    /// If the two gradients differ in length.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::GradCheck;
    ///
    /// let report = GradCheck::new(vec![1.0, 2.0], vec![1.0, 2.0], 1e-6, 1.0);
    /// assert_eq!(report.max_relative_error(), 0.0);
    /// ```
    pub fn new(analytic: Vec<f64>, numeric: Vec<f64>, step: f64, floor: f64) -> Self {
        assert_eq!(
            analytic.len(),
            numeric.len(),
            "gradient check: analytic gradient of length {} but numeric gradient of length {}",
            analytic.len(),
            numeric.len()
        );
        Self { analytic, numeric, step, floor }
    }

    /// The gradient under test.
    ///
    /// # Example
    ///
    /// ```
    /// let report = autodiff_runtime::check_gradient(|w| 3.0 * w[0], &[1.0], &[3.0]);
    /// assert_eq!(report.analytic(), &[3.0]);
    /// ```
    pub fn analytic(&self) -> &[f64] {
        &self.analytic
    }

    /// The central-difference estimate.
    ///
    /// # Example
    ///
    /// ```
    /// let report = autodiff_runtime::check_gradient(|w| 3.0 * w[0], &[1.0], &[3.0]);
    /// assert!((report.numeric()[0] - 3.0).abs() < 1e-8);
    /// ```
    pub fn numeric(&self) -> &[f64] {
        &self.numeric
    }

    /// The finite-difference step the numeric gradient was computed with.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{check_gradient, DEFAULT_STEP};
    ///
    /// let report = check_gradient(|w| w[0], &[1.0], &[1.0]);
    /// assert_eq!(report.step(), DEFAULT_STEP);
    /// ```
    pub fn step(&self) -> f64 {
        self.step
    }

    /// The floor of the relative error (see [`relative_error`]).
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{check_gradient, DEFAULT_FLOOR};
    ///
    /// let report = check_gradient(|w| w[0], &[1.0], &[1.0]);
    /// assert_eq!(report.floor(), DEFAULT_FLOOR);
    /// ```
    pub fn floor(&self) -> f64 {
        self.floor
    }

    /// Every coordinate, in order.
    ///
    /// # Example
    ///
    /// ```
    /// let report = autodiff_runtime::check_gradient(|w| w[0] + w[1], &[0.0, 0.0], &[1.0, 0.0]);
    /// let errors: Vec<f64> = report.entries().map(|e| e.relative_error).collect();
    /// assert!(errors[0] < 1e-8);
    /// assert!((errors[1] - 1.0).abs() < 1e-8);
    /// ```
    pub fn entries(&self) -> impl Iterator<Item = GradCheckEntry> + '_ {
        self.analytic.iter().zip(&self.numeric).enumerate().map(|(index, (&analytic, &numeric))| GradCheckEntry {
            index,
            analytic,
            numeric,
            relative_error: relative_error(analytic, numeric, self.floor),
        })
    }

    /// The coordinate with the largest relative error (the first one on a
    /// tie), or `None` for an empty gradient.
    ///
    /// # Example
    ///
    /// ```
    /// let report = autodiff_runtime::check_gradient(|w| w[0] - w[1], &[1.0, 1.0], &[1.0, 1.0]);
    /// // ∂/∂w₁ is −1, not 1: relative error |1 − (−1)| / 1 = 2.
    /// let worst = report.worst().unwrap();
    /// assert_eq!(worst.index, 1);
    /// assert!((worst.relative_error - 2.0).abs() < 1e-8);
    /// ```
    pub fn worst(&self) -> Option<GradCheckEntry> {
        self.entries().reduce(|worst, e| if e.relative_error > worst.relative_error { e } else { worst })
    }

    /// The largest relative error; `0.0` for an empty gradient.
    ///
    /// # Example
    ///
    /// ```
    /// let report = autodiff_runtime::check_gradient(|w| w[0] * w[0], &[3.0], &[6.0]);
    /// assert!(report.max_relative_error() < 1e-9);
    /// ```
    pub fn max_relative_error(&self) -> f64 {
        self.worst().map_or(0.0, |e| e.relative_error)
    }

    /// Whether every coordinate's relative error is at most `tolerance`.
    ///
    /// With [`DEFAULT_STEP`](crate::DEFAULT_STEP), numeric gradients of
    /// well-scaled `f64` functions are accurate to about `1e-9`, so
    /// tolerances of `1e-6` to `1e-5` separate rounding from bugs.
    ///
    /// # Example
    ///
    /// ```
    /// let report = autodiff_runtime::check_gradient(|w| w[0].sin(), &[0.5], &[0.5f64.cos()]);
    /// assert!(report.passes(1e-6));
    /// ```
    pub fn passes(&self, tolerance: f64) -> bool {
        self.max_relative_error() <= tolerance
    }

    /// Panics, printing the full report, unless [`passes`](Self::passes)
    /// holds for `tolerance`.
    ///
    /// # Panics
    ///
    /// If some coordinate's relative error exceeds `tolerance`.
    ///
    /// # Example
    ///
    /// ```should_panic
    /// // The analytic gradient of x³ is 3x², not 2x².
    /// autodiff_runtime::check_gradient(|w| w[0].powi(3), &[2.0], &[8.0]).assert_close(1e-6);
    /// ```
    #[track_caller]
    pub fn assert_close(&self, tolerance: f64) {
        if self.passes(tolerance) {
            return;
        }
        let err = self.max_relative_error();
        // The table is the useful part of the message, but only while it
        // stays readable.
        if self.analytic.len() <= MAX_TABLE_ROWS_IN_PANIC {
            panic!("gradient check failed: relative error {err:.3e} > tolerance {tolerance:e}\n{self:#}");
        }
        panic!("gradient check failed: relative error {err:.3e} > tolerance {tolerance:e}\n{self}");
    }
}

const MAX_TABLE_ROWS_IN_PANIC: usize = 32;

impl fmt::Display for GradCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.analytic.len();
        let plural = if n == 1 { "" } else { "s" };
        write!(f, "gradient check of {n} coordinate{plural}")?;
        match self.worst() {
            None => write!(f, ": nothing to compare")?,
            Some(w) => write!(
                f,
                ": worst relative error {:.3e} at index {} (analytic {}, numeric {})",
                w.relative_error, w.index, w.analytic, w.numeric
            )?,
        }
        if f.alternate() && n > 0 {
            write!(
                f,
                "\n  step {:e}, floor {:e}\n  {:>5}  {:>24}  {:>24}  {:>10}",
                self.step, self.floor, "index", "analytic", "numeric", "rel. error"
            )?;
            let worst = self.worst().map(|w| w.index);
            for e in self.entries() {
                let mark = if Some(e.index) == worst { "  <- worst" } else { "" };
                write!(
                    f,
                    "\n  {:>5}  {:>24}  {:>24}  {:>10.3e}{mark}",
                    e.index, e.analytic, e.numeric, e.relative_error
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(analytic: &[f64], numeric: &[f64]) -> GradCheck {
        GradCheck::new(analytic.to_vec(), numeric.to_vec(), 1e-6, 1.0)
    }

    #[test]
    fn relative_error_divides_by_the_larger_magnitude() {
        assert_eq!(relative_error(4.0, 5.0, 1.0), 0.2);
        assert_eq!(relative_error(-5.0, -4.0, 1.0), 0.2);
        assert_eq!(relative_error(0.25, 0.0, 0.5), 0.5); // below the floor
        assert_eq!(relative_error(0.0, 0.0, 1.0), 0.0);
        assert_eq!(relative_error(0.0, -0.0, 0.0), 0.0);
        assert_eq!(relative_error(2.0, 2.0, 0.0), 0.0);
        assert_eq!(relative_error(0.0, 1e-30, 0.0), 1.0);
    }

    #[test]
    fn equal_zeros_pass_with_a_zero_floor() {
        let r = GradCheck::new(vec![0.0, 3.0], vec![0.0, 3.0], 1e-6, 0.0);
        assert_eq!(r.max_relative_error(), 0.0);
        assert!(r.passes(0.0), "{r:#}");
    }

    #[test]
    fn non_finite_values_never_pass() {
        assert_eq!(relative_error(f64::INFINITY, f64::INFINITY, 1.0), f64::INFINITY);
        assert_eq!(relative_error(1.0, f64::NAN, 1.0), f64::INFINITY);
        let r = report(&[1.0, f64::NAN], &[1.0, 1.0]);
        assert_eq!(r.worst().unwrap().index, 1);
        assert!(!r.passes(1e300));
    }

    #[test]
    fn worst_picks_the_largest_error_and_the_first_on_ties() {
        let r = report(&[1.0, 2.0, 3.0, 4.0], &[1.0, 2.5, 3.0, 5.0]);
        // Errors: 0, 0.5/2.5 = 0.2, 0, 1/5 = 0.2.
        let w = r.worst().unwrap();
        assert_eq!(w.index, 1);
        assert_eq!((w.analytic, w.numeric), (2.0, 2.5));
        assert!((w.relative_error - 0.2).abs() < 1e-15);
    }

    #[test]
    fn empty_gradient_passes_any_tolerance() {
        let r = report(&[], &[]);
        assert_eq!(r.worst(), None);
        assert_eq!(r.max_relative_error(), 0.0);
        assert!(r.passes(0.0));
        assert_eq!(r.to_string(), "gradient check of 0 coordinates: nothing to compare");
    }

    #[test]
    fn summary_names_the_worst_coordinate() {
        let r = report(&[3.0, 2.0], &[3.0, 2.5]);
        assert_eq!(
            r.to_string(),
            "gradient check of 2 coordinates: worst relative error 2.000e-1 \
             at index 1 (analytic 2, numeric 2.5)"
        );
    }

    #[test]
    fn alternate_form_lists_every_coordinate() {
        let text = format!("{:#}", report(&[3.0, 2.0], &[3.0, 2.5]));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines[1].contains("step 1e-6, floor 1e0"), "{text}");
        assert!(lines[3].trim_start().starts_with('0'), "{text}");
        assert!(lines[4].contains("2.5") && lines[4].contains("2.000e-1"), "{text}");
        assert!(lines[4].ends_with("<- worst") && !lines[3].contains("worst"), "{text}");
    }

    #[test]
    #[should_panic(expected = "gradient check failed: relative error 5.000e-1 > tolerance 1e-6")]
    fn assert_close_panics_with_the_report() {
        report(&[1.0], &[2.0]).assert_close(1e-6);
    }

    #[test]
    fn assert_close_accepts_errors_within_tolerance() {
        report(&[1.0], &[1.0 + 1e-9]).assert_close(1e-6);
    }

    #[test]
    #[should_panic(expected = "analytic gradient of length 2 but numeric gradient of length 1")]
    fn new_rejects_mismatched_lengths() {
        report(&[1.0, 2.0], &[1.0]);
    }
}
