//! Reductions of a slice to one number, with hand-written derivatives:
//! [`mean`] and [`log_sum_exp`].
//!
//! Each `f(x: &[f64]) -> f64` comes with `f_grad(x, d_x) -> f64` and
//! `f_vjp(x, d_x, seed) -> f64` following the `#[grad]` convention for a
//! slice parameter: the shadow `d_x` follows `x`, the value is returned, and
//! `seed · ∂f/∂x` is **added** into `d_x` (`f_grad` is `f_vjp` with
//! `seed = 1`). Both can be called inside `#[grad]` functions, which
//! differentiate them through these derivatives.
//!
//! # Example
//!
//! ```
//! use autodiff_runtime::mean_grad;
//!
//! let x = [1.0, 2.0, 6.0];
//! let mut d_x = [0.0; 3];
//! assert_eq!(mean_grad(&x, &mut d_x), 3.0);
//! assert_eq!(d_x, [1.0 / 3.0; 3]);
//! ```

use crate::companion::companion;

companion!(
    mean(x: &[f64]) => mean_vjp(x: &[f64], d_x: &mut [f64]) -> f64,
    jvp = crate::tangent::mean_jvp,
    tangent_vjp = crate::second_order::mean_tangent_vjp
);
companion!(
    log_sum_exp(x: &[f64]) => log_sum_exp_vjp(x: &[f64], d_x: &mut [f64]) -> f64,
    jvp = crate::tangent::log_sum_exp_jvp,
    tangent_vjp = crate::second_order::log_sum_exp_tangent_vjp
);

/// The arithmetic mean `Σ xᵢ / n`; NaN for an empty slice or when some
/// `xᵢ` is NaN. Finite elements have a finite mean even where their sum
/// overflows.
///
/// # Example
///
/// ```
/// assert_eq!(autodiff_runtime::mean(&[1.0, 2.0, 3.0, 6.0]), 3.0);
/// assert!(autodiff_runtime::mean(&[]).is_nan());
/// assert_eq!(autodiff_runtime::mean(&[f64::MAX, f64::MAX]), f64::MAX);
/// ```
pub fn mean(x: &[f64]) -> f64 {
    crate::generic_logits::mean(x)
}

/// [`mean`] and its gradient: adds `1/n` into each `d_x[i]`.
///
/// # Panics
///
/// If `x` and `d_x` differ in length.
///
/// # Example
///
/// ```
/// let mut d_x = [1.0, 1.0];
/// assert_eq!(autodiff_runtime::mean_grad(&[3.0, 5.0], &mut d_x), 4.0);
/// assert_eq!(d_x, [1.5, 1.5]); // accumulated onto what was there
/// ```
#[track_caller]
pub fn mean_grad(x: &[f64], d_x: &mut [f64]) -> f64 {
    mean_vjp(x, d_x, 1.0)
}

/// [`mean`] as a vector-Jacobian product: adds `seed / n` into each
/// `d_x[i]` and returns the mean.
///
/// # Panics
///
/// If `x` and `d_x` differ in length.
///
/// # Example
///
/// ```
/// let mut d_x = [0.0; 4];
/// assert_eq!(autodiff_runtime::mean_vjp(&[1.0, 2.0, 3.0, 6.0], &mut d_x, 2.0), 3.0);
/// assert_eq!(d_x, [0.5; 4]);
/// ```
#[track_caller]
pub fn mean_vjp(x: &[f64], d_x: &mut [f64], seed: f64) -> f64 {
    crate::generic_logits::mean_vjp(x, d_x, seed)
}

/// `ln Σ exp(xᵢ)`, computed as `m + ln Σ exp(xᵢ − m)` with `m = max xᵢ` so
/// that no exponential overflows.
///
/// Every input has a value: NaN when some `xᵢ` is NaN (a NaN is never
/// lost), `+∞` when some `xᵢ` is `+∞`, `−∞` when every `xᵢ` is `−∞` or the
/// slice is empty.
///
/// # Example
///
/// ```
/// use autodiff_runtime::log_sum_exp;
///
/// assert!((log_sum_exp(&[0.0, 0.0]) - 2f64.ln()).abs() < 1e-15);
/// // exp(1000) overflows, the result does not.
/// assert!((log_sum_exp(&[1000.0, 1000.0]) - (1000.0 + 2f64.ln())).abs() < 1e-12);
/// assert!(log_sum_exp(&[f64::NAN, 1.0]).is_nan());
/// assert_eq!(log_sum_exp(&[f64::INFINITY, 1.0]), f64::INFINITY);
/// ```
pub fn log_sum_exp(x: &[f64]) -> f64 {
    crate::generic_logits::log_sum_exp(x)
}

/// [`log_sum_exp`] and its gradient, the softmax of `x`, added into `d_x`.
///
/// # Panics
///
/// If `x` and `d_x` differ in length.
///
/// # Example
///
/// ```
/// let mut d_x = [0.0; 2];
/// autodiff_runtime::log_sum_exp_grad(&[3.0, 3.0], &mut d_x);
/// assert!(d_x.iter().all(|d| (d - 0.5).abs() < 1e-15));
/// ```
#[track_caller]
pub fn log_sum_exp_grad(x: &[f64], d_x: &mut [f64]) -> f64 {
    log_sum_exp_vjp(x, d_x, 1.0)
}

/// [`log_sum_exp`] as a vector-Jacobian product: adds
/// `seed · softmax(x)ᵢ` into each `d_x[i]` and returns the value.
///
/// # Panics
///
/// If `x` and `d_x` differ in length.
///
/// # Example
///
/// ```
/// let mut d_x = [0.0; 2];
/// autodiff_runtime::log_sum_exp_vjp(&[0.0, 2f64.ln()], &mut d_x, 3.0);
/// // softmax = [1/3, 2/3]
/// assert!((d_x[0] - 1.0).abs() < 1e-14 && (d_x[1] - 2.0).abs() < 1e-14);
/// ```
#[track_caller]
pub fn log_sum_exp_vjp(x: &[f64], d_x: &mut [f64], seed: f64) -> f64 {
    crate::generic_logits::log_sum_exp_vjp(x, d_x, seed)
}

/// The check every hand-written derivative starts with: a shadow has the
/// shape of its primal.
#[track_caller]
pub(crate) fn assert_shadow_len(function: &str, name: &str, primal: usize, shadow: usize) {
    assert_eq!(
        primal, shadow,
        "{function}: {name}.len() = {primal} but d_{name}.len() = {shadow}; a shadow has the length of its parameter"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_vjp_spreads_the_seed_evenly() {
        let mut d = [0.0; 5];
        let m = mean_vjp(&[1.0, 2.0, 3.0, 4.0, 5.0], &mut d, 10.0);
        assert_eq!((m, d), (3.0, [2.0; 5]));
    }

    #[test]
    fn log_sum_exp_of_one_element_is_the_element() {
        assert_eq!(log_sum_exp(&[-7.5]), -7.5);
        let mut d = [0.0];
        log_sum_exp_grad(&[-7.5], &mut d);
        assert_eq!(d, [1.0]);
    }

    #[test]
    fn log_sum_exp_of_infinities() {
        assert_eq!(log_sum_exp(&[]), f64::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[f64::NEG_INFINITY, 0.0]), 0.0);
        assert_eq!(log_sum_exp(&[f64::NEG_INFINITY; 2]), f64::NEG_INFINITY);
        assert_eq!(log_sum_exp(&[1.0, f64::INFINITY]), f64::INFINITY);
    }

    #[test]
    fn large_equal_logits_share_the_softmax_evenly() {
        // ln 2 is below the spacing of floats at 1e16: `m + ln s − xᵢ`
        // would round it away.
        for big in [1e15, 1e16, 1e300] {
            let mut d = [0.0; 2];
            log_sum_exp_grad(&[big, big], &mut d);
            assert_eq!(d, [0.5, 0.5], "{big}");
            assert_eq!(crate::generic_logits::LogSoftmax::new(&[big, big]).of(big), -(2f64.ln()), "{big}");
        }
    }

    #[test]
    fn log_sum_exp_keeps_a_nan() {
        for x in [&[f64::NAN][..], &[1.0, f64::NAN], &[f64::NAN, f64::INFINITY], &[f64::NEG_INFINITY, f64::NAN]] {
            assert!(log_sum_exp(x).is_nan(), "{x:?}");
            let mut d = vec![0.0; x.len()];
            assert!(log_sum_exp_grad(x, &mut d).is_nan(), "{x:?}");
            assert!(d.iter().all(|d| d.is_nan()), "{x:?}: {d:?}");
        }
    }

    #[test]
    fn log_sum_exp_gradient_at_infinities_is_the_softmax_limit() {
        // softmax(x) as the infinite elements grow: all weight on the
        // largest, shared evenly by ties; all −∞ is the limit of equal logits.
        let inf = f64::INFINITY;
        let cases: [(&[f64], f64, &[f64]); 5] = [
            (&[inf, 1.0], inf, &[1.0, 0.0]),
            (&[inf, -inf, inf], inf, &[0.5, 0.0, 0.5]),
            (&[-inf, -inf], -inf, &[0.5, 0.5]),
            (&[-inf, 0.0], 0.0, &[0.0, 1.0]),
            (&[-inf], -inf, &[1.0]),
        ];
        for (x, value, softmax) in cases {
            let mut d = vec![0.0; x.len()];
            assert_eq!(log_sum_exp_vjp(x, &mut d, 2.0), value, "{x:?}");
            let want: Vec<f64> = softmax.iter().map(|s| 2.0 * s).collect();
            assert_eq!(d, want, "{x:?}");
        }
    }

    #[test]
    fn mean_of_finite_values_does_not_overflow() {
        assert_eq!(mean(&[f64::MAX, f64::MAX, f64::MAX]), f64::MAX);
        assert_eq!(mean(&[f64::MAX, -f64::MAX]), 0.0);
        assert_eq!(mean(&[f64::INFINITY, 1.0]), f64::INFINITY);
        assert!(mean(&[f64::INFINITY, -f64::INFINITY]).is_nan());
        assert!(mean(&[f64::NAN, 1.0]).is_nan());
    }

    #[test]
    fn log_sum_exp_is_stable_far_from_zero() {
        // ln(e^a + e^b) = a + ln(1 + e^(b − a)).
        let v = log_sum_exp(&[-1000.0, -1001.0]);
        assert!((v - (-1000.0 + (-1f64).exp().ln_1p())).abs() < 1e-12);
    }

    #[test]
    #[should_panic(expected = "mean: x.len() = 2 but d_x.len() = 1")]
    fn mean_vjp_rejects_a_short_shadow() {
        mean_vjp(&[1.0, 2.0], &mut [0.0], 1.0);
    }
}
