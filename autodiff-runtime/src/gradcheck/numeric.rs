//! Numeric gradients by central differences.

/// The finite-difference step `h` of the lesson: `0.000001`.
///
/// With `f64`, a central difference has a truncation error of order `h²`
/// and a rounding error of order `ε·|f| / h` (`ε ≈ 2.2e-16`); `h = 1e-6`
/// keeps both near `1e-10` for functions of moderate size.
///
/// Coordinates larger than 100 in magnitude are moved by a step relative to
/// them instead, `h·|wᵢ| / 100`, so that the step is never lost to rounding
/// (`1e300 + 1e-6` is `1e300`); see [`numeric_gradient`].
///
/// # Example
///
/// ```
/// assert_eq!(autodiff_runtime::DEFAULT_STEP, 0.000_001);
/// ```
pub const DEFAULT_STEP: f64 = 1e-6;

/// The gradient of `f` at `w`, estimated by central differences with
/// [`DEFAULT_STEP`] `h`: component `i` is the lesson's
/// `(f(w + h·eᵢ) − f(w − h·eᵢ)) / 2h` while `|wᵢ| ≤ 100`.
///
/// Beyond 100 a fixed step would be lost to rounding (at `|wᵢ| = 1e300`,
/// `wᵢ ± 1e-6` is `wᵢ`, and the quotient a silent 0), so there the step is
/// relative, `sᵢ = h·|wᵢ| / 100`, and the difference of the two values is
/// divided by the distance between the two points as rounded. Where
/// `wᵢ ± sᵢ` would overflow (near `f64::MAX`) that side is `wᵢ` itself, a
/// one-sided difference. A non-finite `wᵢ` gives a NaN component.
///
/// `f` is called `2 · w.len()` times, always on a slice of the same length
/// as `w`.
///
/// # Example
///
/// ```
/// use autodiff_runtime::numeric_gradient;
///
/// // f(x, y) = x²·y, so ∇f = (2xy, x²) = (12, 9) at (3, 2).
/// let g = numeric_gradient(|w| w[0] * w[0] * w[1], &[3.0, 2.0]);
/// assert!((g[0] - 12.0).abs() < 1e-6);
/// assert!((g[1] - 9.0).abs() < 1e-6);
///
/// // d/dx ln x = 1/x, also far from 1, where a fixed step of 1e-6 would vanish.
/// let g = numeric_gradient(|w| w[0].ln(), &[1e300]);
/// assert!((g[0] * 1e300 - 1.0).abs() < 1e-6);
/// ```
pub fn numeric_gradient(f: impl FnMut(&[f64]) -> f64, w: &[f64]) -> Vec<f64> {
    numeric_gradient_with_step(f, w, DEFAULT_STEP)
}

/// [`numeric_gradient`] with an explicit step `h` (relative to `|wᵢ| / 100`
/// beyond 100, as there).
///
/// # Panics
///
/// If `h` is not finite or is below `1e-12`: a smaller step could leave a
/// coordinate unchanged after rounding.
///
/// # Example
///
/// ```
/// use autodiff_runtime::numeric_gradient_with_step;
///
/// // A central difference is exact for quadratics, whatever the step.
/// let g = numeric_gradient_with_step(|w| w[0] * w[0], &[5.0], 0.5);
/// assert_eq!(g, vec![10.0]);
/// ```
pub fn numeric_gradient_with_step(mut f: impl FnMut(&[f64]) -> f64, w: &[f64], h: f64) -> Vec<f64> {
    assert_step(h);
    let mut probe = w.to_vec();
    (0..w.len())
        .map(|i| {
            let (up, down, distance) = probe_points(w[i], h);
            probe[i] = up;
            let above = f(&probe);
            probe[i] = down;
            let below = f(&probe);
            // Restore the exact original value, so later coordinates are
            // probed around `w` itself.
            probe[i] = w[i];
            (above - below) / distance
        })
        .collect()
}

/// Coordinates up to this magnitude are probed at `w ± h`; larger ones at
/// `w ± h·|w| / RELATIVE_BEYOND`.
const RELATIVE_BEYOND: f64 = 100.0;

/// The smallest step accepted. With `h ≥ 1e-12` the step is at least
/// `1e-14·|w|` beyond 100 and `1e-12` below, more than half an ulp of `w`
/// (`≤ 1.2e-16·|w|`) either way, so both points differ from `w`.
const MIN_STEP: f64 = 1e-12;

/// The check of a finite-difference step, shared with
/// [`GradChecker::with_step`](crate::GradChecker::with_step).
#[track_caller]
pub(crate) fn assert_step(h: f64) {
    assert!(
        h.is_finite() && h >= MIN_STEP,
        "finite-difference step must be positive and finite, and at least {MIN_STEP:e} so that it changes \
         the point; got {h}"
    );
}

/// The two points around `w` of a central difference with step `h`, and
/// what to divide the difference of their values by.
fn probe_points(w: f64, h: f64) -> (f64, f64, f64) {
    let scale = w.abs() / RELATIVE_BEYOND;
    if scale <= 1.0 {
        // The lesson's formula, to the last bit.
        return (w + h, w - h, 2.0 * h);
    }
    let step = h * scale;
    // A side that would overflow is w itself. (A NaN or infinite w makes
    // the distance NaN, and so the component.)
    let up = if (w + step).is_finite() { w + step } else { w };
    let down = if (w - step).is_finite() { w - step } else { w };
    (up, down, up - down)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_function_gives_its_coefficients() {
        // f = 2a − 3b + 0.5c  ⇒  ∇f = (2, −3, 0.5) everywhere.
        let g = numeric_gradient(|w| 2.0 * w[0] - 3.0 * w[1] + 0.5 * w[2], &[1.0, -4.0, 7.0]);
        let expected = [2.0, -3.0, 0.5];
        for (got, want) in g.iter().zip(expected) {
            assert!((got - want).abs() < 1e-8, "{got} vs {want}");
        }
    }

    #[test]
    fn exp_matches_its_derivative() {
        // (eˣ)' = eˣ.
        let g = numeric_gradient(|w| w[0].exp(), &[1.5]);
        let want = 1.5f64.exp();
        assert!((g[0] - want).abs() / want < 1e-8);
    }

    #[test]
    fn probes_each_coordinate_around_the_original_point() {
        let w = [0.1, 0.2, 0.3];
        let mut seen = Vec::new();
        numeric_gradient_with_step(
            |p| {
                seen.push(p.to_vec());
                0.0
            },
            &w,
            0.01,
        );
        assert_eq!(seen.len(), 6);
        for (k, p) in seen.iter().enumerate() {
            let i = k / 2;
            let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
            for j in 0..3 {
                let want = if j == i { w[j] + sign * 0.01 } else { w[j] };
                assert_eq!(p[j], want, "call {k}, coordinate {j}");
            }
        }
    }

    #[test]
    fn step_scales_with_the_magnitude() {
        // d/dw ln|w| = 1/w. A fixed step of 1e-6 is below rounding at 1e300
        // (w ± 1e-6 = w) and gave 0.
        for w in [1e300, -1e300, 1e20, 150.0, 3.0] {
            let g = numeric_gradient(|p| p[0].abs().ln(), &[w]);
            assert!((g[0] * w - 1.0).abs() < 1e-6, "w = {w}: {g:?}");
        }
        // Linear at the edge of the range: the side beyond f64::MAX is dropped.
        let g = numeric_gradient(|p| 0.5 * p[0], &[f64::MAX]);
        assert!((g[0] - 0.5).abs() < 1e-9, "{g:?}");
    }

    #[test]
    fn a_non_finite_coordinate_gives_nan() {
        let g = numeric_gradient(|p| p[0] + p[1], &[f64::INFINITY, f64::NAN]);
        assert!(g.iter().all(|g| g.is_nan()), "{g:?}");
    }

    #[test]
    #[should_panic(expected = "at least 1e-12")]
    fn rejects_a_step_that_would_not_move_the_point() {
        numeric_gradient_with_step(|w| w[0], &[1.0], 1e-17);
    }

    #[test]
    fn the_smallest_step_still_moves_every_coordinate() {
        // f = 3w is linear: a step that moves w gives about 3 (the rounding
        // of w ± h shifts each point by up to half an ulp of w, 0.7% of h at
        // w = 99), where a step lost to rounding would give 0.
        for w in [0.0, 1e-300, 1.0, 99.0, 101.0, 1e10, 1e300, -1e300] {
            let g = numeric_gradient_with_step(|p| 3.0 * p[0], &[w], 1e-12);
            assert!((g[0] - 3.0).abs() < 0.1, "w = {w}: {g:?}");
        }
    }

    #[test]
    fn empty_input_gives_empty_gradient() {
        assert!(numeric_gradient(|_| 1.0, &[]).is_empty());
    }

    #[test]
    #[should_panic(expected = "step must be positive")]
    fn rejects_zero_step() {
        numeric_gradient_with_step(|w| w[0], &[1.0], 0.0);
    }
}
