//! Softmax, log-softmax and softmax cross-entropy over slices, computed
//! stably (the largest logit is subtracted before exponentiating), with
//! hand-written derivatives.
//!
//! The derivatives follow the `#[grad]` convention for slice parameters:
//!
//! - a function returning a float, `f(x, ..) -> f64`, comes with
//!   `f_grad(x, d_x, ..) -> f64` and `f_vjp(x, d_x, .., seed) -> f64`: the
//!   shadow `d_x` follows `x`, and `seed · ∂f/∂x` is **added** into it;
//! - a function writing an output, `f(x, out)`, comes with
//!   `f_vjp(x, d_x, out, d_out)`: it writes `out` as `f` does, `d_out` holds
//!   the adjoint of `out` on entry, `Jᵀ·d_out` is added into `d_x`, and
//!   `d_out` is zeroed on exit.
//!
//! # Inside `#[grad]` functions
//!
//! [`softmax_cross_entropy`] (like [`mean`](crate::mean) and
//! [`log_sum_exp`](crate::log_sum_exp)) takes slices and returns a float, so
//! a `#[grad]` function can call it, by name or by path, and is
//! differentiated through [`softmax_cross_entropy_vjp`].
//!
//! [`softmax`] and [`log_softmax`] write a `&mut` output; a `#[grad]`
//! function calls them as a statement (`softmax(&z, &mut p);`, `p` a local
//! float buffer or an output of its own), differentiated through
//! [`softmax_vjp`] and [`log_softmax_vjp`], which are also their
//! derivatives for backpropagation written by hand.
//!
//! Every function here is the `f64` form of the one in
//! [`generic`](crate::generic), which `f32` and generic code calls.
//!
//! # Infinite and NaN logits
//!
//! A logit of `−∞` is an impossible class. Where the largest logit is `+∞`
//! (or every logit is `−∞`), `exp(xᵢ − max x)` would be `∞ − ∞`; each
//! function returns the limit from finite logits instead: the softmax shares
//! its mass evenly among the logits equal to the largest one (among all of
//! them when all are `−∞`). A NaN logit makes every output NaN.
//!
//! # Example
//!
//! One step of multinomial logistic regression's gradient:
//!
//! ```
//! use autodiff_runtime::{softmax, softmax_cross_entropy_grad};
//!
//! let logits = [2.0, 1.0, 0.1];
//! let mut d_logits = [0.0; 3];
//! let loss = softmax_cross_entropy_grad(&logits, &mut d_logits, 0);
//!
//! // ∂loss/∂logits = softmax(logits) − onehot(target).
//! let mut p = [0.0; 3];
//! softmax(&logits, &mut p);
//! assert!((loss - -p[0].ln()).abs() < 1e-15);
//! assert!((d_logits[0] - (p[0] - 1.0)).abs() < 1e-15);
//! assert!((d_logits[1] - p[1]).abs() < 1e-15);
//! ```

use crate::companion::companion;

companion!(softmax => softmax_vjp(x: &[f64], d_x: &mut [f64], out: &mut [f64], d_out: &mut [f64]), jvp = crate::tangent::softmax_jvp);
companion!(log_softmax => log_softmax_vjp(x: &[f64], d_x: &mut [f64], out: &mut [f64], d_out: &mut [f64]), jvp = crate::tangent::log_softmax_jvp);
companion!(
    softmax_cross_entropy(logits: &[f64], target: usize)
        => softmax_cross_entropy_vjp(logits: &[f64], d_logits: &mut [f64], target: usize) -> f64,
    jvp = crate::tangent::softmax_cross_entropy_jvp,
    tangent_vjp = crate::second_order::softmax_cross_entropy_tangent_vjp
);

/// Writes `softmax(x)ᵢ = exp(xᵢ) / Σⱼ exp(xⱼ)` into `out`: probabilities
/// that sum to 1, computed as `exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x)`.
///
/// Infinite logits give the limit described in the [module
/// documentation](self): `softmax([∞, 1]) = [1, 0]`.
///
/// # Panics
///
/// If `x` and `out` differ in length.
///
/// # Example
///
/// ```
/// use autodiff_runtime::softmax;
///
/// let mut p = [0.0; 2];
/// softmax(&[0.0, 3f64.ln()], &mut p);
/// assert!((p[0] - 0.25).abs() < 1e-15 && (p[1] - 0.75).abs() < 1e-15);
///
/// // Stable where exp overflows: e^1000 is inf, the softmax is not.
/// softmax(&[1000.0, 1000.0], &mut p);
/// assert_eq!(p, [0.5, 0.5]);
/// ```
#[track_caller]
pub fn softmax(x: &[f64], out: &mut [f64]) {
    crate::generic_logits::softmax(x, out)
}

/// [`softmax`] as a vector-Jacobian product: writes `softmax(x)` into `out`,
/// adds `Jᵀ·d_out` into `d_x`, that is
/// `d_x[i] += sᵢ·(d_out[i] − Σⱼ sⱼ·d_out[j])` with `s = softmax(x)`, and
/// zeroes `d_out`.
///
/// # Panics
///
/// If `x`, `d_x`, `out` and `d_out` are not all of one length.
///
/// # Example
///
/// ```
/// use autodiff_runtime::softmax_vjp;
///
/// // Uniform s = [½, ½]; the adjoint [1, 0] gives d_x = [¼, −¼].
/// let (mut d_x, mut out, mut d_out) = ([0.0; 2], [0.0; 2], [1.0, 0.0]);
/// softmax_vjp(&[5.0, 5.0], &mut d_x, &mut out, &mut d_out);
/// assert_eq!((d_x, out, d_out), ([0.25, -0.25], [0.5, 0.5], [0.0, 0.0]));
/// ```
#[track_caller]
pub fn softmax_vjp(x: &[f64], d_x: &mut [f64], out: &mut [f64], d_out: &mut [f64]) {
    crate::generic_logits::softmax_vjp(x, d_x, out, d_out)
}

/// Writes `log_softmax(x)ᵢ = xᵢ − ln Σⱼ exp(xⱼ)` into `out`, without
/// forming the softmax (so `−1000` comes out as about `−1000`, not `−∞`).
///
/// # Panics
///
/// If `x` and `out` differ in length.
///
/// # Example
///
/// ```
/// use autodiff_runtime::log_softmax;
///
/// let mut out = [0.0; 2];
/// log_softmax(&[0.0, 0.0], &mut out);
/// assert_eq!(out, [-2f64.ln(); 2]);
///
/// log_softmax(&[1000.0, -1000.0], &mut out);
/// assert_eq!(out, [0.0, -2000.0]);
/// ```
#[track_caller]
pub fn log_softmax(x: &[f64], out: &mut [f64]) {
    crate::generic_logits::log_softmax(x, out)
}

/// [`log_softmax`] as a vector-Jacobian product: writes `log_softmax(x)`
/// into `out`, adds `Jᵀ·d_out` into `d_x`, that is
/// `d_x[i] += d_out[i] − sᵢ·Σⱼ d_out[j]` with `s = softmax(x)`, and zeroes
/// `d_out`.
///
/// # Panics
///
/// If `x`, `d_x`, `out` and `d_out` are not all of one length.
///
/// # Example
///
/// ```
/// use autodiff_runtime::log_softmax_vjp;
///
/// // The adjoint −onehot(1) is cross-entropy's: d_x = s − onehot(1).
/// let (mut d_x, mut out, mut d_out) = ([0.0; 2], [0.0; 2], [0.0, -1.0]);
/// log_softmax_vjp(&[1.0, 1.0], &mut d_x, &mut out, &mut d_out);
/// assert!((d_x[0] - 0.5).abs() < 1e-15 && (d_x[1] + 0.5).abs() < 1e-15);
/// assert_eq!(d_out, [0.0, 0.0]);
/// ```
#[track_caller]
pub fn log_softmax_vjp(x: &[f64], d_x: &mut [f64], out: &mut [f64], d_out: &mut [f64]) {
    crate::generic_logits::log_softmax_vjp(x, d_x, out, d_out)
}

/// The cross-entropy of `softmax(logits)` against the class `target`:
/// `−ln softmax(logits)[target] = ln Σⱼ exp(logitsⱼ) − logits[target]`,
/// computed with a stable log-sum-exp.
///
/// # Panics
///
/// If `target` is not an index of `logits`.
///
/// # Example
///
/// ```
/// use autodiff_runtime::softmax_cross_entropy;
///
/// // Equal logits over 4 classes: ln 4, whatever the target.
/// assert!((softmax_cross_entropy(&[0.3; 4], 2) - 4f64.ln()).abs() < 1e-15);
///
/// // Confidently right costs nothing, confidently wrong costs the margin.
/// assert_eq!(softmax_cross_entropy(&[1000.0, -1000.0], 0), 0.0);
/// assert_eq!(softmax_cross_entropy(&[1000.0, -1000.0], 1), 2000.0);
/// ```
#[track_caller]
pub fn softmax_cross_entropy(logits: &[f64], target: usize) -> f64 {
    crate::generic_logits::softmax_cross_entropy(logits, target)
}

/// [`softmax_cross_entropy`] and its gradient: adds
/// `softmax(logits) − onehot(target)` into `d_logits` and returns the loss.
/// The shadow `d_logits` follows `logits`, as `#[grad]` would place it.
///
/// # Panics
///
/// If `target` is not an index of `logits`, or `d_logits` has another
/// length.
///
/// # Example
///
/// ```
/// use autodiff_runtime::softmax_cross_entropy_grad;
///
/// let mut d = [0.0; 2];
/// let loss = softmax_cross_entropy_grad(&[0.0, 0.0], &mut d, 1);
/// assert!((loss - 2f64.ln()).abs() < 1e-15);
/// assert!((d[0] - 0.5).abs() < 1e-15 && (d[1] + 0.5).abs() < 1e-15);
/// ```
#[track_caller]
pub fn softmax_cross_entropy_grad(logits: &[f64], d_logits: &mut [f64], target: usize) -> f64 {
    softmax_cross_entropy_vjp(logits, d_logits, target, 1.0)
}

/// [`softmax_cross_entropy`] as a vector-Jacobian product: adds
/// `seed · (softmax(logits) − onehot(target))` into `d_logits` and returns
/// the loss. A mean over a batch of `n` passes `seed = 1/n`.
///
/// # Panics
///
/// If `target` is not an index of `logits`, or `d_logits` has another
/// length.
///
/// # Example
///
/// ```
/// use autodiff_runtime::softmax_cross_entropy_vjp;
///
/// // Two samples of a batch, each weighted ½, accumulated into one gradient.
/// let mut d = [0.0; 2];
/// softmax_cross_entropy_vjp(&[0.0, 0.0], &mut d, 0, 0.5);
/// softmax_cross_entropy_vjp(&[0.0, 0.0], &mut d, 1, 0.5);
/// assert!(d.iter().all(|d| d.abs() < 1e-15)); // ½(½ − 1) + ½·½ on each
/// ```
#[track_caller]
pub fn softmax_cross_entropy_vjp(logits: &[f64], d_logits: &mut [f64], target: usize, seed: f64) -> f64 {
    crate::generic_logits::softmax_cross_entropy_vjp(logits, d_logits, target, seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_entropy_of_large_equal_logits_is_ln_2() {
        let mut d = [0.0; 2];
        let loss = softmax_cross_entropy_vjp(&[1e16, 1e16], &mut d, 0, 1.0);
        assert_eq!((loss, d), (2f64.ln(), [-0.5, 0.5]));
        let mut log_p = [0.0; 2];
        log_softmax(&[1e15, 1e15], &mut log_p);
        assert_eq!(log_p, [-(2f64.ln()); 2]);
    }

    #[test]
    fn softmax_sums_to_one_and_keeps_order() {
        let mut p = [0.0; 4];
        softmax(&[-1.0, 0.5, 3.0, 0.0], &mut p);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert!(p[2] > p[1] && p[1] > p[3] && p[3] > p[0]);
    }

    #[test]
    fn softmax_is_shift_invariant() {
        let (mut a, mut b) = ([0.0; 3], [0.0; 3]);
        softmax(&[1.0, 2.0, 3.0], &mut a);
        softmax(&[101.0, 102.0, 103.0], &mut b);
        for (a, b) in a.iter().zip(&b) {
            assert!((a - b).abs() < 1e-15);
        }
    }

    #[test]
    fn impossible_classes_get_zero_probability() {
        let mut p = [0.0; 3];
        softmax(&[f64::NEG_INFINITY, 0.0, 0.0], &mut p);
        assert_eq!(p, [0.0, 0.5, 0.5]);
    }

    #[test]
    fn infinite_logits_give_the_limit_of_finite_ones() {
        // softmax([z, 1]) → [1, 0] as z → ∞; equal logits (all −∞) share evenly.
        let inf = f64::INFINITY;
        let cases: [(&[f64], &[f64]); 3] =
            [(&[inf, 1.0], &[1.0, 0.0]), (&[inf, 1.0, inf], &[0.5, 0.0, 0.5]), (&[-inf, -inf], &[0.5, 0.5])];
        for (x, want) in cases {
            let (mut p, mut lp) = (vec![0.0; x.len()], vec![0.0; x.len()]);
            softmax(x, &mut p);
            log_softmax(x, &mut lp);
            assert_eq!(p, want, "softmax({x:?})");
            let ln_want: Vec<f64> = want.iter().map(|w| w.ln()).collect();
            assert_eq!(lp, ln_want, "log_softmax({x:?})");
        }
        // Cross-entropy −ln softmax[target], and its gradient softmax − onehot.
        let mut d = [0.0; 2];
        assert_eq!(softmax_cross_entropy_grad(&[inf, 1.0], &mut d, 0), 0.0);
        assert_eq!(d, [0.0, 0.0]);
        assert_eq!(softmax_cross_entropy(&[inf, 1.0], 1), inf);
        let mut d = [0.0; 2];
        assert_eq!(softmax_cross_entropy_grad(&[-inf, -inf], &mut d, 1), 2f64.ln());
        assert_eq!(d, [0.5, -0.5]);
    }

    #[test]
    fn a_nan_logit_is_never_lost() {
        let x = [0.0, f64::NAN, 1.0];
        let (mut p, mut lp, mut d) = ([0.0; 3], [0.0; 3], [0.0; 3]);
        softmax(&x, &mut p);
        log_softmax(&x, &mut lp);
        assert!(p.iter().chain(&lp).all(|v| v.is_nan()), "{p:?} {lp:?}");
        assert!(softmax_cross_entropy_grad(&x, &mut d, 0).is_nan());
        assert!(d.iter().all(|v| v.is_nan()), "{d:?}");
    }

    #[test]
    fn log_softmax_is_ln_of_softmax() {
        let x = [0.2, -1.3, 2.4];
        let (mut p, mut lp) = ([0.0; 3], [0.0; 3]);
        softmax(&x, &mut p);
        log_softmax(&x, &mut lp);
        for (p, lp) in p.iter().zip(&lp) {
            assert!((p.ln() - lp).abs() < 1e-14);
        }
    }

    #[test]
    fn cross_entropy_at_extreme_logits_is_finite() {
        let mut d = [0.0; 3];
        let loss = softmax_cross_entropy_grad(&[-1000.0, 1000.0, 0.0], &mut d, 0);
        assert_eq!(loss, 2000.0);
        assert_eq!(d, [-1.0, 1.0, 0.0]);
    }

    #[test]
    #[should_panic(expected = "softmax_cross_entropy: target class 3 but only 3 logits")]
    fn cross_entropy_rejects_an_out_of_range_target() {
        softmax_cross_entropy(&[0.0; 3], 3);
    }

    #[test]
    #[should_panic(expected = "softmax_cross_entropy: logits.len() = 2 but d_logits.len() = 1")]
    fn cross_entropy_rejects_a_short_shadow() {
        softmax_cross_entropy_grad(&[0.0; 2], &mut [0.0], 0);
    }
}
