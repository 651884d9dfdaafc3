//! Numeric gradients by central differences.

/// The finite-difference step `h` of the lesson: `0.000001`.
///
/// With `f64`, a central difference has a truncation error of order `h²`
/// and a rounding error of order `ε·|f| / h` (`ε ≈ 2.2e-16`); `h = 1e-6`
/// keeps both near `1e-10` for functions of moderate size.
///
/// # Example
///
/// ```
/// assert_eq!(autodiff_runtime::DEFAULT_STEP, 0.000_001);
/// ```
pub const DEFAULT_STEP: f64 = 1e-6;

/// The gradient of `f` at `w`, estimated by central differences with
/// [`DEFAULT_STEP`]: component `i` is `(f(w + h·eᵢ) − f(w − h·eᵢ)) / 2h`.
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
/// ```
pub fn numeric_gradient(f: impl FnMut(&[f64]) -> f64, w: &[f64]) -> Vec<f64> {
    numeric_gradient_with_step(f, w, DEFAULT_STEP)
}

/// [`numeric_gradient`] with an explicit step `h`.
///
/// # Panics
///
/// If `h` is not a positive finite number.
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
    assert!(h.is_finite() && h > 0.0, "finite-difference step must be positive and finite, got {h}");
    let mut probe = w.to_vec();
    (0..w.len())
        .map(|i| {
            probe[i] = w[i] + h;
            let above = f(&probe);
            probe[i] = w[i] - h;
            let below = f(&probe);
            // Restore the exact original value, not `w[i] ± h ∓ h`, so later
            // coordinates are probed around `w` itself.
            probe[i] = w[i];
            (above - below) / (2.0 * h)
        })
        .collect()
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
    fn empty_input_gives_empty_gradient() {
        assert!(numeric_gradient(|_| 1.0, &[]).is_empty());
    }

    #[test]
    #[should_panic(expected = "step must be positive")]
    fn rejects_zero_step() {
        numeric_gradient_with_step(|w| w[0], &[1.0], 0.0);
    }
}
