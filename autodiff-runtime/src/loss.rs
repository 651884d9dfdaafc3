//! Loss functions, each a `#[grad(reverse, hessian)]` function of
//! `(prediction, target)`.
//!
//! Both arguments are differentiated, as with every `#[grad]` function that
//! is meant to compose: `NAME_grad(p, t)` returns `(loss, ∂/∂p, ∂/∂t)`, and
//! `NAME_hvp(p, vp, t, vt)` returns `(loss, (H·v)ₚ, (H·v)ₜ)`.
//! Training code usually keeps only `∂/∂p`.
//!
//! # Example
//!
//! ```
//! use autodiff_runtime::loss::squared_error_grad;
//!
//! // (p − t)² at p = 2.5, t = 1: loss 2.25, ∂/∂p = 2(p − t) = 3.
//! let (loss, dp, _) = squared_error_grad(2.5, 1.0);
//! assert_eq!((loss, dp), (2.25, 3.0));
//! ```

use autodiff_macros::grad;

// Written out rather than forwarding to the generic twins in `crate::generic`,
// as the activations are (see `activation.rs`): a call would nest the
// callee's tape in each function's own.

/// The squared error `(p − t)²` of regression; `∂/∂p = 2(p − t)`,
/// `∂/∂t = −2(p − t)`.
///
/// # Example
///
/// ```
/// use autodiff_runtime::{squared_error, squared_error_grad};
///
/// assert_eq!(squared_error(3.0, 1.0), 4.0);
/// assert_eq!(squared_error_grad(3.0, 1.0), (4.0, 4.0, -4.0));
/// ```
#[grad(reverse, hessian)]
#[inline]
pub fn squared_error(prediction: f64, target: f64) -> f64 {
    let diff = prediction - target;
    diff * diff
}

/// The binary cross-entropy of a probability `p ∈ [0, 1]` against a target
/// `t ∈ [0, 1]`: `−(t·ln p + (1 − t)·ln(1 − p))`;
/// `∂/∂p = (p − t) / (p(1 − p))`, `∂/∂t = ln(1 − p) − ln p`.
///
/// At the ends of the domain a term whose weight is zero is zero
/// (`0·ln 0 = 0`, the limit), so a certain, correct prediction costs
/// nothing: `p = 0` with `t = 0`, and `p = 1` with `t = 1` (as a sigmoid of
/// 40 or more rounds to), give loss 0 and `∂/∂p` its limit, `1` and `−1`.
/// There `∂/∂t` is the remaining term's, `0` (the loss jumps to `+∞` for
/// any other target, so it has no derivative in `t`). Where the target
/// disagrees with a certain `p` the loss and `∂/∂p` are infinite, as they
/// should be; when `p` comes out of a sigmoid, prefer
/// [`binary_cross_entropy_with_logits`], which is finite for every finite
/// logit. Outside the domain, or for a NaN input, the loss is NaN.
///
/// # Example
///
/// ```
/// use autodiff_runtime::{binary_cross_entropy, binary_cross_entropy_grad};
///
/// // A confident right answer costs little, a confident wrong one a lot.
/// assert!(binary_cross_entropy(0.9, 1.0) < binary_cross_entropy(0.1, 1.0));
///
/// let (loss, dp, _dt) = binary_cross_entropy_grad(0.5, 1.0);
/// assert!((loss - 2f64.ln()).abs() < 1e-15);
/// assert!((dp - -2.0).abs() < 1e-15); // (0.5 − 1) / (0.5 · 0.5)
///
/// // Certain and right: no loss, and the limit of the slope.
/// assert_eq!(binary_cross_entropy_grad(1.0, 1.0), (0.0, -1.0, 0.0));
/// ```
#[grad(reverse, hessian)]
#[inline]
pub fn binary_cross_entropy(p: f64, target: f64) -> f64 {
    let mut loss = 0.0;
    // Each term is skipped only at 0·ln 0, whose limit is 0; anywhere else
    // it runs, so that ∂/∂t keeps its ln p or ln(1 − p).
    if target != 0.0 || p != 0.0 {
        loss -= target * p.ln();
    }
    if target != 1.0 || p != 1.0 {
        // ln_1p(−p) is ln(1 − p) without the cancellation for small p.
        loss -= (1.0 - target) * (-p).ln_1p();
    }
    loss
}

/// The binary cross-entropy of `σ(z)` against `t`, taking the logit `z`:
/// `max(z, 0) − z·t + ln(1 + e^−|z|)`, equal to
/// `binary_cross_entropy(sigmoid(z), t)` but finite for every finite `z`;
/// `∂/∂z = σ(z) − t`, `∂/∂t = −z`.
///
/// An infinite logit gives the limit: loss 0 and `∂/∂z = 0` when the target
/// agrees (`z = +∞` with `t = 1`, `z = −∞` with `t = 0`; there `∂/∂t` is
/// taken as 0, as in [`binary_cross_entropy`]), and `+∞` otherwise, with
/// `∂/∂z = σ(z) − t` and `∂/∂t = −z`.
///
/// # Example
///
/// ```
/// use autodiff_runtime::{binary_cross_entropy_with_logits_grad, sigmoid};
///
/// let (_, dz, dt) = binary_cross_entropy_with_logits_grad(0.7, 1.0);
/// assert!((dz - (sigmoid(0.7) - 1.0)).abs() < 1e-15);
/// assert_eq!(dt, -0.7);
///
/// // A logit of −1000 for a positive example costs 1000, not infinity.
/// let (loss, dz, _) = binary_cross_entropy_with_logits_grad(-1000.0, 1.0);
/// assert_eq!((loss, dz), (1000.0, -1.0));
/// ```
#[grad(reverse, hessian)]
#[inline]
pub fn binary_cross_entropy_with_logits(z: f64, target: f64) -> f64 {
    // softplus(z) − z·t with softplus's two stable branches written out, so
    // that the linear part is (1 − t)·z or −t·z, never ∞ − ∞; at an infinite
    // z with a zero weight that part is 0·∞, whose limit is 0.
    if z > 0.0 {
        let linear = if target == 1.0 && z == f64::INFINITY { 0.0 } else { (1.0 - target) * z };
        linear + (-z).exp().ln_1p()
    } else {
        let linear = if target == 0.0 && z == f64::NEG_INFINITY { 0.0 } else { -target * z };
        linear + z.exp().ln_1p()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{check_gradient, sigmoid};

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn squared_error_partials() {
        for (p, t) in [(3.0, 1.0), (-2.0, 0.5), (0.25, 0.25), (1e3, -1e3)] {
            let d = p - t;
            assert_eq!(squared_error_grad(p, t), (d * d, 2.0 * d, -2.0 * d));
        }
    }

    #[test]
    fn binary_cross_entropy_matches_its_formula_and_partials() {
        for (p, t) in [(0.5, 1.0), (0.9, 1.0), (0.1, 0.0), (0.3, 0.6), (1e-9, 1.0)] {
            let (loss, dp, dt) = binary_cross_entropy_grad(p, t);
            let want = -(t * f64::ln(p) + (1.0 - t) * f64::ln(1.0 - p));
            assert!(close(loss, want), "loss({p}, {t}) = {loss}, want {want}");
            assert!(close(dp, (p - t) / (p * (1.0 - p))), "∂p at ({p}, {t}) = {dp}");
            assert!(close(dt, f64::ln(1.0 - p) - f64::ln(p)), "∂t at ({p}, {t}) = {dt}");
        }
    }

    #[test]
    fn binary_cross_entropy_is_positive_not_the_lessons_negative() {
        // The lesson writes t·log p without the minus; a loss must be ≥ 0.
        assert!(binary_cross_entropy(0.3, 1.0) > 0.0);
        assert!(close(binary_cross_entropy(0.3, 1.0), -f64::ln(0.3)));
    }

    #[test]
    fn with_logits_equals_bce_of_sigmoid_and_has_closed_form_partials() {
        for z in [-8.0, -1.5, 0.0, 0.4, 3.0, 12.0] {
            for t in [0.0, 0.3, 1.0] {
                let (loss, dz, dt) = binary_cross_entropy_with_logits_grad(z, t);
                let p = sigmoid(z);
                let want = binary_cross_entropy(p, t);
                assert!((loss - want).abs() < 1e-9, "loss({z}, {t}) = {loss}, want {want}");
                assert!(close(dz, p - t), "∂z at ({z}, {t}) = {dz}");
                assert!(close(dt, -z), "∂t at ({z}, {t}) = {dt}");
            }
        }
    }

    #[test]
    fn with_logits_is_stable_at_extreme_logits() {
        // Each case: (z, t, loss, ∂z); for |z| = 1000, e^−|z| underflows to 0,
        // so the loss is max(z, 0) − z·t and σ(z) is exactly 0 or 1.
        let cases = [
            (1000.0, 1.0, 0.0, 0.0),
            (1000.0, 0.0, 1000.0, 1.0),
            (-1000.0, 1.0, 1000.0, -1.0),
            (-1000.0, 0.0, 0.0, 0.0),
        ];
        for (z, t, loss, dz) in cases {
            let got = binary_cross_entropy_with_logits_grad(z, t);
            assert_eq!(got, (loss, dz, -z), "z = {z}, t = {t}");
        }
    }

    #[test]
    fn binary_cross_entropy_of_a_certain_right_answer_is_zero() {
        // Loss −ln(1 − p) → 0 as p → 0 with t = 0, slope 1/(1 − p) → 1;
        // −ln p → 0 as p → 1 with t = 1, slope −1/p → −1.
        let certain_one = sigmoid(40.0);
        assert_eq!(certain_one, 1.0);
        for (p, t, dp) in [(0.0, 0.0, 1.0), (1.0, 1.0, -1.0), (certain_one, 1.0, -1.0)] {
            assert_eq!(binary_cross_entropy_grad(p, t), (0.0, dp, 0.0), "p = {p}, t = {t}");
        }
        // The one-sided difference quotients agree with those limits.
        let h = 1e-8;
        assert!(((binary_cross_entropy(h, 0.0) - 0.0) / h - 1.0).abs() < 1e-7);
        assert!(((0.0 - binary_cross_entropy(1.0 - h, 1.0)) / h - -1.0).abs() < 1e-7);
    }

    #[test]
    fn binary_cross_entropy_of_a_certain_wrong_answer_is_infinite() {
        let inf = f64::INFINITY;
        assert_eq!(binary_cross_entropy_grad(0.0, 1.0), (inf, -inf, inf));
        assert_eq!(binary_cross_entropy_grad(1.0, 0.0), (inf, inf, -inf));
        let (loss, dp, _) = binary_cross_entropy_grad(0.0, 0.5);
        assert_eq!((loss, dp), (inf, -inf));
    }

    #[test]
    fn binary_cross_entropy_keeps_a_nan() {
        for (p, t) in [(f64::NAN, 0.0), (f64::NAN, 1.0), (0.0, f64::NAN), (1.0, f64::NAN), (-0.5, 0.0), (1.5, 1.0)] {
            assert!(binary_cross_entropy(p, t).is_nan(), "p = {p}, t = {t}");
        }
    }

    #[test]
    fn with_logits_at_infinite_logits_gives_the_limit() {
        let inf = f64::INFINITY;
        // (z, t, loss, ∂z, ∂t): ∂z = σ(z) − t, ∂t = −z, except ∂t = 0 where
        // the loss is 0 at a certain right answer.
        let cases = [
            (inf, 1.0, 0.0, 0.0, 0.0),
            (-inf, 0.0, 0.0, 0.0, 0.0),
            (inf, 0.0, inf, 1.0, -inf),
            (-inf, 1.0, inf, -1.0, inf),
            (inf, 0.25, inf, 0.75, -inf),
        ];
        for (z, t, loss, dz, dt) in cases {
            assert_eq!(binary_cross_entropy_with_logits_grad(z, t), (loss, dz, dt), "z = {z}, t = {t}");
        }
        assert!(binary_cross_entropy_with_logits(f64::NAN, 1.0).is_nan());
        assert!(binary_cross_entropy_with_logits(1.0, f64::NAN).is_nan());
    }

    #[test]
    fn gradients_agree_with_central_differences() {
        for (a, b) in [(0.2, 0.7), (0.8, 0.1), (0.5, 0.5)] {
            let p = [a, b];
            let (_, d0, d1) = squared_error_grad(a, b);
            check_gradient(|w| squared_error(w[0], w[1]), &p, &[d0, d1]).assert_close(1e-7);
            let (_, d0, d1) = binary_cross_entropy_grad(a, b);
            check_gradient(|w| binary_cross_entropy(w[0], w[1]), &p, &[d0, d1]).assert_close(1e-7);
            let z = 4.0 * a - 2.0;
            let (_, d0, d1) = binary_cross_entropy_with_logits_grad(z, b);
            check_gradient(|w| binary_cross_entropy_with_logits(w[0], w[1]), &[z, b], &[d0, d1]).assert_close(1e-7);
        }
    }
}
