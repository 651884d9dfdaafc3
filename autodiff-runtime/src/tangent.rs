//! Forward-mode derivatives (`NAME_jvp`) of the functions whose reverse
//! derivatives are written by hand ([`logits`](crate::logits),
//! [`reduce`](crate::reduce)), with the signatures the contract gives a
//! generated `NAME_jvp`: each slice parameter is followed by its tangent
//! `d_NAME: &[f64]`, a `&mut` output by its tangent `d_NAME: &mut [f64]`,
//! and a function that returns a float returns `(value, directional
//! derivative)`. They allocate nothing.
//!
//! The companions of [`mean`](crate::mean), [`log_sum_exp`](crate::log_sum_exp) and
//! [`softmax_cross_entropy`](crate::softmax_cross_entropy) forward their `jvp` to these, so a
//! `#[grad(forward)]` function that calls one runs the function here.

/// [`mean`](crate::mean) and its derivative along `d_x`: `(mean(x), mean(d_x))`.
///
/// # Panics
///
/// If `x` and `d_x` differ in length.
///
/// # Example
///
/// ```
/// assert_eq!(autodiff_runtime::mean_jvp(&[1.0, 2.0, 6.0], &[3.0, 0.0, 0.0]), (3.0, 1.0));
/// ```
#[track_caller]
pub fn mean_jvp(x: &[f64], d_x: &[f64]) -> (f64, f64) {
    crate::generic_logits::mean_jvp(x, d_x)
}

/// [`log_sum_exp`](crate::log_sum_exp) and its derivative along `d_x`,
/// `Σᵢ softmax(x)ᵢ·d_xᵢ`.
///
/// # Panics
///
/// If `x` and `d_x` differ in length.
///
/// # Example
///
/// ```
/// // softmax(0, ln 2) = (1/3, 2/3)
/// let (value, tangent) = autodiff_runtime::log_sum_exp_jvp(&[0.0, 2f64.ln()], &[3.0, 6.0]);
/// assert!((value - 3f64.ln()).abs() < 1e-15 && (tangent - 5.0).abs() < 1e-14);
/// ```
#[track_caller]
pub fn log_sum_exp_jvp(x: &[f64], d_x: &[f64]) -> (f64, f64) {
    crate::generic_logits::log_sum_exp_jvp(x, d_x)
}

/// [`softmax`](crate::softmax) and its derivative along `d_x`: writes `s = softmax(x)` into
/// `out` and `sᵢ·(d_xᵢ − Σⱼ sⱼ·d_xⱼ)` into `d_out`.
///
/// # Panics
///
/// If `x`, `d_x`, `out` and `d_out` are not all of one length.
///
/// # Example
///
/// ```
/// use autodiff_runtime::softmax_jvp;
///
/// // Uniform s = [½, ½]; moving x₀ up by 1 moves s₀ up by ¼.
/// let (mut out, mut d_out) = ([0.0; 2], [0.0; 2]);
/// softmax_jvp(&[5.0, 5.0], &[1.0, 0.0], &mut out, &mut d_out);
/// assert_eq!((out, d_out), ([0.5, 0.5], [0.25, -0.25]));
/// ```
#[track_caller]
pub fn softmax_jvp(x: &[f64], d_x: &[f64], out: &mut [f64], d_out: &mut [f64]) {
    crate::generic_logits::softmax_jvp(x, d_x, out, d_out)
}

/// [`log_softmax`](crate::log_softmax) and its derivative along `d_x`: writes `log_softmax(x)`
/// into `out` and `d_xᵢ − Σⱼ softmax(x)ⱼ·d_xⱼ` into `d_out`.
///
/// # Panics
///
/// If `x`, `d_x`, `out` and `d_out` are not all of one length.
///
/// # Example
///
/// ```
/// use autodiff_runtime::log_softmax_jvp;
///
/// // Shifting every logit by the same amount changes nothing.
/// let (mut out, mut d_out) = ([0.0; 3], [0.0; 3]);
/// log_softmax_jvp(&[1.0, -2.0, 0.5], &[0.7; 3], &mut out, &mut d_out);
/// assert!(d_out.iter().all(|d| d.abs() < 1e-15));
/// ```
#[track_caller]
pub fn log_softmax_jvp(x: &[f64], d_x: &[f64], out: &mut [f64], d_out: &mut [f64]) {
    crate::generic_logits::log_softmax_jvp(x, d_x, out, d_out)
}

/// [`softmax_cross_entropy`](crate::softmax_cross_entropy) and its derivative along `d_logits`:
/// `Σⱼ softmax(logits)ⱼ·d_logitsⱼ − d_logits[target]`.
///
/// # Panics
///
/// If `target` is not an index of `logits`, or `d_logits` has another
/// length.
///
/// # Example
///
/// ```
/// use autodiff_runtime::softmax_cross_entropy_jvp;
///
/// // Raising the right class's logit lowers the loss by 1 − s_target = ½.
/// let (loss, tangent) = softmax_cross_entropy_jvp(&[0.0, 0.0], &[0.0, 1.0], 1);
/// assert!((loss - 2f64.ln()).abs() < 1e-15 && (tangent + 0.5).abs() < 1e-15);
/// ```
#[track_caller]
pub fn softmax_cross_entropy_jvp(logits: &[f64], d_logits: &[f64], target: usize) -> (f64, f64) {
    crate::generic_logits::softmax_cross_entropy_jvp(logits, d_logits, target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        check_jvp, log_softmax, log_softmax_vjp, log_sum_exp, log_sum_exp_grad, mean, mean_grad, softmax,
        softmax_cross_entropy, softmax_cross_entropy_grad, softmax_vjp,
    };

    const X: [f64; 4] = [0.5, -1.0, 2.0, 0.1];
    const DIRECTIONS: [[f64; 4]; 3] = [[1.0, 0.0, 0.0, 0.0], [0.3, -0.7, 1.2, 0.05], [-2.0, 1.0, 0.5, 1.0]];

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(a, b)| a * b).sum()
    }

    #[test]
    fn scalar_reductions_pass_the_jvp_check_and_the_dot_product_test() {
        for v in DIRECTIONS {
            let (value, tangent) = mean_jvp(&X, &v);
            assert_eq!(value, mean(&X));
            check_jvp(|x, y| y[0] = mean(x), &X, &v, &[tangent]).assert_close(1e-8);
            let mut g = [0.0; 4];
            mean_grad(&X, &mut g);
            assert!((tangent - dot(&v, &g)).abs() < 1e-15);

            let (value, tangent) = log_sum_exp_jvp(&X, &v);
            assert_eq!(value, log_sum_exp(&X));
            check_jvp(|x, y| y[0] = log_sum_exp(x), &X, &v, &[tangent]).assert_close(1e-8);
            let mut g = [0.0; 4];
            log_sum_exp_grad(&X, &mut g);
            assert!((tangent - dot(&v, &g)).abs() < 1e-15);

            for target in 0..4 {
                let (value, tangent) = softmax_cross_entropy_jvp(&X, &v, target);
                assert_eq!(value, softmax_cross_entropy(&X, target));
                check_jvp(|x, y| y[0] = softmax_cross_entropy(x, target), &X, &v, &[tangent]).assert_close(1e-8);
                let mut g = [0.0; 4];
                softmax_cross_entropy_grad(&X, &mut g, target);
                assert!((tangent - dot(&v, &g)).abs() < 1e-15);
            }
        }
    }

    #[test]
    fn softmaxes_pass_the_jvp_check_and_the_dot_product_test() {
        let w = [1.0, -0.5, 0.25, 2.0];
        for v in DIRECTIONS {
            let (mut out, mut d_out) = ([0.0; 4], [0.0; 4]);
            softmax_jvp(&X, &v, &mut out, &mut d_out);
            check_jvp(softmax, &X, &v, &d_out).assert_close(1e-8);
            let mut jtw = [0.0; 4];
            softmax_vjp(&X, &mut jtw, &mut [0.0; 4], &mut w.clone());
            assert!((dot(&w, &d_out) - dot(&v, &jtw)).abs() < 1e-15);

            log_softmax_jvp(&X, &v, &mut out, &mut d_out);
            check_jvp(log_softmax, &X, &v, &d_out).assert_close(1e-8);
            let mut jtw = [0.0; 4];
            log_softmax_vjp(&X, &mut jtw, &mut [0.0; 4], &mut w.clone());
            assert!((dot(&w, &d_out) - dot(&v, &jtw)).abs() < 1e-14);
        }
    }

    #[test]
    fn infinite_logits_keep_finite_tangents() {
        // softmax(+∞, 0) = (1, 0): the loss of class 0 is flat, of class 1 falls with d₁ − d₀.
        let x = [f64::INFINITY, 0.0];
        assert_eq!(softmax_cross_entropy_jvp(&x, &[1.0, 2.0], 0).1, 0.0);
        assert_eq!(softmax_cross_entropy_jvp(&x, &[1.0, 2.0], 1).1, -1.0);
        assert_eq!(log_sum_exp_jvp(&x, &[3.0, 5.0]), (f64::INFINITY, 3.0));
    }

    #[test]
    #[should_panic(expected = "softmax_jvp: x.len() = 2 but d_x.len() = 1")]
    fn a_tangent_of_the_wrong_length_is_refused() {
        softmax_jvp(&[1.0, 2.0], &[1.0], &mut [0.0; 2], &mut [0.0; 2]);
    }
}
