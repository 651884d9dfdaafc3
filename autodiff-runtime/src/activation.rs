//! Activation functions, each a `#[grad]` function of `f64`.
//!
//! Every activation `f` comes with the generated `f_grad(x..) -> (f, ∂..)`,
//! `f_vjp(x.., seed)` and `f_hvp(x, vx..) -> (f, (H·v)..)`, so it composes
//! inside other `#[grad]` functions, forward, reverse and `hessian` alike.
//! Each one is stable for large `|x|`: no overflow, no `NaN`, at ±1000 and
//! beyond, and at ±∞ each gives its limit. A NaN input gives a NaN output.
//! Where the derivative has a kink, the convention is the left
//! derivative (`relu'(0) = 0`, like PyTorch and JAX).
//!
//! # Example
//!
//! ```
//! # // Generated code reaches the runtime as `::autodiff` (the facade).
//! # extern crate autodiff_runtime as autodiff;
//! use autodiff_macros::grad;
//! // `#[grad]` differentiates the call to `sigmoid` by calling
//! // `sigmoid_vjp`, so both names must be in scope.
//! use autodiff_runtime::activation::{sigmoid, sigmoid_vjp};
//!
//! // A neuron with input 3: y = σ(3w + b), so ∂y/∂w = 3σ'(z), ∂y/∂b = σ'(z).
//! #[grad]
//! fn neuron(w: f64, b: f64) -> f64 {
//!     sigmoid(3.0 * w + b)
//! }
//!
//! let (y, dw, db) = neuron_grad(0.0, 0.0);
//! assert_eq!((y, dw, db), (0.5, 0.75, 0.25));
//! ```

use autodiff_macros::grad;

// The f64 functions are written out rather than forwarding to their
// generic twins in `crate::generic`: a `#[grad]` function that calls another
// keeps the callee's tape inside its own, and a loop then saves the larger
// tape on every pass (seed_net's gradient was 10-25% slower forwarding).

/// The logistic sigmoid `σ(x) = 1 / (1 + e^−x)`; `σ'(x) = σ(x)(1 − σ(x))`.
///
/// Only `e^−|x|` is ever computed, which lies in `(0, 1]`, so neither branch
/// overflows: for `x ≥ 0` it is `1 / (1 + e^−x)`, for `x < 0` the equal
/// `eˣ / (1 + eˣ)`.
///
/// # Example
///
/// ```
/// use autodiff_runtime::{sigmoid, sigmoid_grad};
///
/// assert_eq!(sigmoid(0.0), 0.5);
/// assert_eq!(sigmoid_grad(0.0), (0.5, 0.25));
/// assert_eq!(sigmoid(-1000.0), 0.0);
/// assert_eq!(sigmoid_grad(1000.0), (1.0, 0.0));
/// ```
#[grad(reverse, hessian, jvp = sigmoid_closed_jvp)]
#[inline]
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `(σ(x), σ(x)(1 − σ(x))·dx)`: the forward derivative that `#[grad]` code
/// calling [`sigmoid`] runs. Differentiated from the two-branch body, it
/// took twice the operations (and, in the `x < 0` branch, three divisions)
/// plus a zero-tangent test per step; `σ(1 − σ)` is finite everywhere.
#[inline]
fn sigmoid_closed_jvp(x: f64, dx: f64) -> (f64, f64) {
    let y = sigmoid(x);
    (y, y * (1.0 - y) * dx)
}

/// The hyperbolic tangent; `tanh'(x) = 1 − tanh²(x)`.
///
/// [`f64::tanh`] saturates to ±1 without overflow.
///
/// # Example
///
/// ```
/// use autodiff_runtime::{tanh, tanh_grad};
///
/// assert_eq!(tanh_grad(0.0), (0.0, 1.0));
/// assert_eq!(tanh(1000.0), 1.0);
/// assert_eq!(tanh_grad(-1000.0), (-1.0, 0.0));
/// ```
#[grad(reverse, hessian)]
#[inline]
pub fn tanh(x: f64) -> f64 {
    x.tanh()
}

/// The rectified linear unit `max(x, 0)`; `relu'(x)` is 1 for `x > 0` and
/// 0 otherwise, including at 0. `relu(NaN)` is NaN.
///
/// # Example
///
/// ```
/// use autodiff_runtime::{relu, relu_grad};
///
/// assert_eq!(relu_grad(2.5), (2.5, 1.0));
/// assert_eq!(relu_grad(-2.5), (0.0, 0.0));
/// assert_eq!(relu_grad(0.0), (0.0, 0.0));
/// assert!(relu(f64::NAN).is_nan());
/// ```
#[grad(reverse, hessian)]
#[inline]
pub fn relu(x: f64) -> f64 {
    // Tested as `x <= 0` so that a NaN, for which every comparison is false,
    // takes the branch that keeps it.
    if x <= 0.0 {
        0.0
    } else {
        x
    }
}

/// The leaky ReLU: `x` for `x > 0`, `alpha·x` otherwise. Differentiable in
/// both arguments: `∂/∂x` is 1 or `alpha`, `∂/∂alpha` is 0 or `x` (so
/// `alpha` can be learned, as in PReLU). At 0 the left derivative is used,
/// `∂/∂x = alpha`, matching [`relu`] when `alpha = 0` (including at
/// `x = −∞`, where `0·x` is taken as its limit 0, and `∂/∂alpha` as 0).
///
/// # Example
///
/// ```
/// use autodiff_runtime::{leaky_relu, leaky_relu_grad};
///
/// assert_eq!(leaky_relu(3.0, 0.01), 3.0);
/// assert_eq!(leaky_relu_grad(3.0, 0.25), (3.0, 1.0, 0.0));
/// assert_eq!(leaky_relu_grad(-2.0, 0.25), (-0.5, 0.25, -2.0));
/// ```
#[grad(reverse, hessian)]
#[inline]
pub fn leaky_relu(x: f64, alpha: f64) -> f64 {
    if x > 0.0 {
        x
    } else if alpha == 0.0 && x == f64::NEG_INFINITY {
        0.0
    } else {
        alpha * x
    }
}

/// The softplus `ln(1 + eˣ)`, a smooth ReLU; `softplus'(x) = σ(x)`.
///
/// Computed as `max(x, 0) + ln_1p(e^−|x|)`, which never exponentiates a
/// positive number and keeps full precision for large negative `x`.
///
/// # Example
///
/// ```
/// use autodiff_runtime::{softplus, softplus_grad};
///
/// let (y, dy) = softplus_grad(0.0);
/// assert!((y - 2f64.ln()).abs() < 1e-15 && dy == 0.5);
/// assert_eq!(softplus(1000.0), 1000.0);
/// assert_eq!(softplus_grad(-1000.0), (0.0, 0.0));
/// ```
#[grad(reverse, hessian)]
#[inline]
pub fn softplus(x: f64) -> f64 {
    // The branches are max(x, 0) + ln_1p(e^−|x|) with the sign of x resolved,
    // so that the derivative at 0 comes out as σ(0) = 1/2 without relying on
    // a convention for d|x| and d max at a tie.
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check_gradient;

    /// Inputs spanning both signs, the kinks at 0, and saturation.
    const XS: [f64; 11] = [-1000.0, -40.0, -5.0, -1.0, -1e-3, 0.0, 1e-3, 0.5, 3.0, 40.0, 1000.0];

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn sigmoid_matches_its_closed_form_and_derivative() {
        for x in XS {
            let s = 1.0 / (1.0 + (-x).exp());
            let (y, dy) = sigmoid_grad(x);
            assert!(close(y, s), "σ({x}) = {y}, want {s}");
            assert!(close(dy, s * (1.0 - s)), "σ'({x}) = {dy}");
        }
    }

    #[test]
    fn the_forward_derivative_of_sigmoid_is_its_gradient_times_the_tangent() {
        for x in XS {
            for dx in [1.0, -0.75, 0.0] {
                let (y, dy) = sigmoid_grad(x);
                let (value, tangent) = sigmoid::jvp(x, dx);
                assert_eq!(value, y, "x = {x}");
                assert!(close(tangent, dy * dx), "x = {x}, dx = {dx}: {tangent} vs {}", dy * dx);
            }
        }
        // Central differences where σ is not flat.
        for x in [-3.0, -0.4, 0.0, 0.7, 2.5] {
            let h = 1e-6;
            let numeric = (sigmoid(x + h) - sigmoid(x - h)) / (2.0 * h);
            assert!((sigmoid::jvp(x, 1.0).1 - numeric).abs() < 1e-9, "x = {x}");
        }
    }

    #[test]
    fn tanh_derivative_is_one_minus_square() {
        for x in XS {
            let t = x.tanh();
            let (y, dy) = tanh_grad(x);
            assert!(close(y, t) && close(dy, 1.0 - t * t), "x = {x}: ({y}, {dy})");
        }
    }

    #[test]
    fn relu_is_zero_left_of_and_at_the_kink() {
        for x in XS {
            let want = if x > 0.0 { (x, 1.0) } else { (0.0, 0.0) };
            assert_eq!(relu_grad(x), want, "x = {x}");
        }
    }

    #[test]
    fn leaky_relu_partials_in_both_arguments() {
        let alpha = 0.2;
        for x in XS {
            let want = if x > 0.0 { (x, 1.0, 0.0) } else { (alpha * x, alpha, x) };
            assert_eq!(leaky_relu_grad(x, alpha), want, "x = {x}");
        }
    }

    #[test]
    fn softplus_derivative_is_the_sigmoid() {
        for x in XS {
            // ln(1 + eˣ) = x + ln(1 + e^−x); pick the form that does not overflow.
            let want = if x > 0.0 { x + (-x).exp().ln_1p() } else { x.exp().ln_1p() };
            let (y, dy) = softplus_grad(x);
            assert!(close(y, want), "softplus({x}) = {y}, want {want}");
            assert!(close(dy, 1.0 / (1.0 + (-x).exp())), "softplus'({x}) = {dy}");
        }
    }

    #[test]
    fn vjp_scales_by_the_seed() {
        let (y, dy) = sigmoid_vjp(0.3, -2.0);
        let (y1, dy1) = sigmoid_grad(0.3);
        assert_eq!((y, dy), (y1, -2.0 * dy1));
    }

    #[test]
    fn gradients_agree_with_central_differences_away_from_kinks() {
        for x in [-6.0, -1.3, -0.2, 0.4, 2.0, 7.5] {
            let p = [x];
            check_gradient(|w| sigmoid(w[0]), &p, &[sigmoid_grad(x).1]).assert_close(1e-7);
            check_gradient(|w| tanh(w[0]), &p, &[tanh_grad(x).1]).assert_close(1e-7);
            check_gradient(|w| relu(w[0]), &p, &[relu_grad(x).1]).assert_close(1e-7);
            check_gradient(|w| softplus(w[0]), &p, &[softplus_grad(x).1]).assert_close(1e-7);
            let (_, dx, da) = leaky_relu_grad(x, 0.1);
            check_gradient(|w| leaky_relu(w[0], w[1]), &[x, 0.1], &[dx, da]).assert_close(1e-7);
        }
    }

    #[test]
    fn infinite_inputs_give_the_limits() {
        let inf = f64::INFINITY;
        assert_eq!((sigmoid_grad(inf), sigmoid_grad(-inf)), ((1.0, 0.0), (0.0, 0.0)));
        assert_eq!((tanh_grad(inf), tanh_grad(-inf)), ((1.0, 0.0), (-1.0, 0.0)));
        assert_eq!((relu_grad(inf), relu_grad(-inf)), ((inf, 1.0), (0.0, 0.0)));
        assert_eq!((softplus_grad(inf), softplus_grad(-inf)), ((inf, 1.0), (0.0, 0.0)));
        assert_eq!(leaky_relu_grad(-inf, 0.5), (-inf, 0.5, -inf));
        assert_eq!(leaky_relu(-inf, 0.0), 0.0);
    }

    #[test]
    fn a_nan_input_is_never_lost() {
        let nan = f64::NAN;
        let values = [sigmoid(nan), tanh(nan), relu(nan), leaky_relu(nan, 0.1), leaky_relu(nan, 0.0), softplus(nan)];
        assert!(values.iter().all(|v| v.is_nan()), "{values:?}");
    }

    #[test]
    fn finite_everywhere_including_extremes() {
        for x in [-f64::MAX, -1e300, -1000.0, 1000.0, 1e300, f64::MAX] {
            let values = [
                sigmoid_grad(x).0,
                sigmoid_grad(x).1,
                tanh_grad(x).1,
                relu_grad(x).1,
                softplus_grad(x).1,
                leaky_relu_grad(x, 0.1).1,
            ];
            assert!(values.iter().all(|v| v.is_finite()), "x = {x}: {values:?}");
        }
    }
}
