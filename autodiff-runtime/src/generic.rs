//! The activations and losses for any float type: `f32` models call these
//! (`use autodiff::generic::sigmoid;`), and the `f64` functions of
//! [`activation`](crate::activation) and [`loss`](crate::loss), whose
//! documentation says what each computes, forward to them.
//!
//! Each is `#[grad(reverse, hessian)]` over `T: Float`, so it has
//! `NAME_grad`, `NAME_vjp` and `NAME_hvp` for `f32` and `f64`, and can be
//! called inside `#[grad]` code of either type.
//!
//! So are the softmax family and the reductions, [`softmax`],
//! [`log_softmax`], [`softmax_cross_entropy`], [`mean`] and
//! [`log_sum_exp`], with their hand-written derivatives (`NAME_vjp`,
//! `NAME_jvp`, and `NAME_grad`, `NAME_hvp` for those that return a float):
//! callable inside `#[grad]` code of either type, in every mode, as the
//! `f64` functions of the crate root (which forward to these) are.
//!
//! # Example
//!
//! ```
//! use autodiff_runtime::generic::{sigmoid, sigmoid_grad};
//!
//! let (y, dy) = sigmoid_grad(0.0f32);
//! assert_eq!((y, dy), (0.5f32, 0.25f32));
//! assert_eq!(sigmoid(0.0f64), 0.5);
//! ```

use autodiff_macros::grad;

use crate::Float;

// Each name brings the function and its companion, so `#[grad]` code that
// imports one differentiates through it.
pub use crate::generic_logits::{
    log_softmax, log_softmax_jvp, log_softmax_vjp, log_sum_exp, log_sum_exp_grad, log_sum_exp_hvp, log_sum_exp_jvp,
    log_sum_exp_vjp, mean, mean_grad, mean_hvp, mean_jvp, mean_vjp, softmax, softmax_cross_entropy,
    softmax_cross_entropy_grad, softmax_cross_entropy_hvp, softmax_cross_entropy_jvp, softmax_cross_entropy_vjp,
    softmax_jvp, softmax_vjp,
};

/// The logistic sigmoid `σ(x) = 1 / (1 + e^−x)`, stable for large `|x|` (see [`crate::sigmoid`]).
#[grad(reverse, hessian, jvp = sigmoid_closed_jvp)]
#[inline]
pub fn sigmoid<T: Float>(x: T) -> T {
    if x >= T::zero() {
        T::one() / (T::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::one() + e)
    }
}

/// `(σ(x), σ(x)(1 − σ(x))·dx)`, the forward derivative in closed form (see
/// the `f64` twin in `activation.rs`).
#[inline]
fn sigmoid_closed_jvp<T: Float>(x: T, dx: T) -> (T, T) {
    let y = sigmoid(x);
    (y, y * (T::one() - y) * dx)
}

/// The hyperbolic tangent (see [`crate::tanh`]).
#[grad(reverse, hessian)]
#[inline]
pub fn tanh<T: Float>(x: T) -> T {
    x.tanh()
}

/// `max(x, 0)`, with `relu'(0) = 0` (see [`crate::relu`]).
#[grad(reverse, hessian)]
#[inline]
pub fn relu<T: Float>(x: T) -> T {
    // Tested as `x <= 0` so that a NaN, for which every comparison is false,
    // takes the branch that keeps it.
    if x <= T::zero() {
        T::zero()
    } else {
        x
    }
}

/// `x` for `x > 0`, `alpha·x` otherwise (see [`crate::leaky_relu`]).
#[grad(reverse, hessian)]
#[inline]
pub fn leaky_relu<T: Float>(x: T, alpha: T) -> T {
    if x > T::zero() {
        x
    } else if alpha == T::zero() && x.is_infinite() {
        // x = −∞ (this branch has x ≤ 0): 0·(−∞) would be NaN.
        T::zero()
    } else {
        alpha * x
    }
}

/// `ln(1 + eˣ)`, stable for large `|x|` (see [`crate::softplus`]).
#[grad(reverse, hessian)]
#[inline]
pub fn softplus<T: Float>(x: T) -> T {
    // The branches are max(x, 0) + ln_1p(e^−|x|) with the sign of x resolved,
    // so that the derivative at 0 comes out as σ(0) = 1/2 without relying on
    // a convention for d|x| and d max at a tie.
    if x > T::zero() {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// `(p − t)²` (see [`crate::squared_error`]).
#[grad(reverse, hessian)]
#[inline]
pub fn squared_error<T: Float>(prediction: T, target: T) -> T {
    let diff = prediction - target;
    diff * diff
}

/// `−(t·ln p + (1 − t)·ln(1 − p))`, 0 at a certain right answer (see [`crate::binary_cross_entropy`]).
#[grad(reverse, hessian)]
#[inline]
pub fn binary_cross_entropy<T: Float>(p: T, target: T) -> T {
    let mut loss = T::zero();
    // Each term is skipped only at 0·ln 0, whose limit is 0; anywhere else
    // it runs, so that ∂/∂t keeps its ln p or ln(1 − p).
    if target != T::zero() || p != T::zero() {
        loss -= target * p.ln();
    }
    if target != T::one() || p != T::one() {
        // ln_1p(−p) is ln(1 − p) without the cancellation for small p.
        loss -= (T::one() - target) * (-p).ln_1p();
    }
    loss
}

/// The binary cross-entropy of `σ(z)`, finite for every finite `z` (see
/// [`crate::binary_cross_entropy_with_logits`]).
#[grad(reverse, hessian)]
#[inline]
pub fn binary_cross_entropy_with_logits<T: Float>(z: T, target: T) -> T {
    // softplus(z) − z·t with softplus's two stable branches written out, so
    // that the linear part is (1 − t)·z or −t·z, never ∞ − ∞; at an infinite
    // z with a zero weight that part is 0·∞, whose limit is 0.
    if z > T::zero() {
        let linear = if target == T::one() && z.is_infinite() { T::zero() } else { (T::one() - target) * z };
        linear + (-z).exp().ln_1p()
    } else {
        let linear = if target == T::zero() && z.is_infinite() { T::zero() } else { -target * z };
        linear + z.exp().ln_1p()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f32_activations_and_losses_match_their_f64_forms() {
        for x in [-40.0f32, -3.0, -0.5, 0.0, 0.25, 2.0, 40.0] {
            let x64 = f64::from(x);
            let pairs = [
                (sigmoid_grad(x), crate::sigmoid_grad(x64)),
                (tanh_grad(x), crate::tanh_grad(x64)),
                (relu_grad(x), crate::relu_grad(x64)),
                (softplus_grad(x), crate::softplus_grad(x64)),
            ];
            for ((y, dy), (y64, dy64)) in pairs {
                assert!((f64::from(y) - y64).abs() <= 1e-6 * y64.abs().max(1.0), "x = {x}: {y} {y64}");
                assert!((f64::from(dy) - dy64).abs() <= 1e-6 * dy64.abs().max(1.0), "x = {x}: {dy} {dy64}");
            }
            let (y, dx, da) = leaky_relu_grad(x, 0.1f32);
            let (y64, dx64, da64) = crate::leaky_relu_grad(x64, f64::from(0.1f32));
            assert!((f64::from(y) - y64).abs() <= 1e-6 * y64.abs().max(1.0));
            assert_eq!((f64::from(dx), f64::from(da)), (dx64, da64));
        }
        let p = 0.3f32;
        for t in [0.0f32, 0.25, 1.0] {
            let (l, dp, dt) = binary_cross_entropy_grad(p, t);
            let (l64, dp64, dt64) = crate::binary_cross_entropy_grad(f64::from(p), f64::from(t));
            for (a, b) in [(l, l64), (dp, dp64), (dt, dt64)] {
                assert!((f64::from(a) - b).abs() <= 1e-5 * b.abs().max(1.0), "{a} {b}");
            }
            let (l, dz, dt) = binary_cross_entropy_with_logits_grad(-1.5f32, t);
            let (l64, dz64, dt64) = crate::binary_cross_entropy_with_logits_grad(-1.5, f64::from(t));
            for (a, b) in [(l, l64), (dz, dz64), (dt, dt64)] {
                assert!((f64::from(a) - b).abs() <= 1e-5 * b.abs().max(1.0), "{a} {b}");
            }
        }
        assert_eq!(squared_error_grad(3.0f32, 1.0), (4.0, 4.0, -4.0));
        // Second order: σ'' = σ'(1 − 2σ), at 0 it is 0; softplus'' = σ'.
        assert_eq!(sigmoid_hvp(0.0f32, 1.0), (0.5, 0.0));
        assert_eq!(softplus_hvp(0.0f32, 2.0), (2f32.ln(), 0.5));
    }
}
