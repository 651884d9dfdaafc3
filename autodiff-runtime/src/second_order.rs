//! Second derivatives of the functions whose first derivatives are written
//! by hand ([`mean`](crate::mean), [`log_sum_exp`](crate::log_sum_exp), [`softmax_cross_entropy`](crate::softmax_cross_entropy)), from
//! their closed forms.
//!
//! With `s = softmax(x)` and a direction `v`, `log_sum_exp` has the
//! gradient `s` and the Hessian `diag(s) − s·sᵀ`, so
//! `(H·v)ᵢ = sᵢ·(vᵢ − ⟨s, v⟩)`; `softmax_cross_entropy(x, t) =
//! log_sum_exp(x) − x_t` has the same Hessian; `mean` is linear, its
//! Hessian zero. The softmax is taken from the log-softmax, so large and
//! infinite logits give finite products.
//!
//! Two forms of each:
//!
//! - `NAME_hvp`, with the signature `#[grad(hessian)]` gives a generated
//!   one: `x` followed by its direction `v_x` and the product `hv_x`, into
//!   which `H·v` is **added**; it returns the value;
//! - `NAME_tangent_vjp` (hidden), the reverse-mode derivative of the
//!   directional derivative `ẏ = ⟨∇f(x), ẋ⟩` in both `x` and `ẋ`: what the
//!   companion gives a caller's `NAME_hvp` (see `companion.rs`). It adds
//!   `seed·H·ẋ` into `x̄` and `seed·∇f(x)` into `ẋ̄`, and returns `ẏ`.
//!
//! None of them allocates.

/// [`mean`](crate::mean) and its Hessian-vector product, which is zero: `hv_x` is left
/// as it is. Returns `mean(x)`.
///
/// # Panics
///
/// If `v_x` or `hv_x` differs in length from `x`.
///
/// # Example
///
/// ```
/// let mut hv = [1.0, 2.0];
/// assert_eq!(autodiff_runtime::mean_hvp(&[3.0, 5.0], &[1.0, -1.0], &mut hv), 4.0);
/// assert_eq!(hv, [1.0, 2.0]); // the mean is linear
/// ```
#[track_caller]
pub fn mean_hvp(x: &[f64], v_x: &[f64], hv_x: &mut [f64]) -> f64 {
    crate::generic_logits::mean_hvp(x, v_x, hv_x)
}

/// [`log_sum_exp`](crate::log_sum_exp) and its Hessian-vector product: adds
/// `sᵢ·(v_xᵢ − ⟨s, v_x⟩)` into `hv_x[i]`, `s = softmax(x)`. Returns the value.
///
/// # Panics
///
/// If `v_x` or `hv_x` differs in length from `x`.
///
/// # Example
///
/// ```
/// // At x = (0, 0), s = (½, ½) and H = [[¼, −¼], [−¼, ¼]].
/// let mut hv = [0.0; 2];
/// autodiff_runtime::log_sum_exp_hvp(&[0.0, 0.0], &[1.0, 0.0], &mut hv);
/// assert_eq!(hv, [0.25, -0.25]);
/// ```
#[track_caller]
pub fn log_sum_exp_hvp(x: &[f64], v_x: &[f64], hv_x: &mut [f64]) -> f64 {
    crate::generic_logits::log_sum_exp_hvp(x, v_x, hv_x)
}

/// [`softmax_cross_entropy`](crate::softmax_cross_entropy) and its Hessian-vector product in the logits,
/// the one of [`log_sum_exp`](crate::log_sum_exp): adds `sᵢ·(v_logitsᵢ − ⟨s, v_logits⟩)` into
/// `hv_logits[i]`, `s = softmax(logits)`. Returns the loss.
///
/// # Panics
///
/// If `target` is not an index of `logits`, or `v_logits` or `hv_logits`
/// differs in length from `logits`.
///
/// # Example
///
/// ```
/// // Moving every logit together changes nothing, to second order too.
/// let mut hv = [0.0; 3];
/// autodiff_runtime::softmax_cross_entropy_hvp(&[2.0, -1.0, 0.5], &[1.0; 3], &mut hv, 0);
/// assert!(hv.iter().all(|h| h.abs() < 1e-16));
/// ```
#[track_caller]
pub fn softmax_cross_entropy_hvp(logits: &[f64], v_logits: &[f64], hv_logits: &mut [f64], target: usize) -> f64 {
    crate::generic_logits::softmax_cross_entropy_hvp(logits, v_logits, hv_logits, target)
}

/// The reverse-mode derivative of `ẏ = mean(d_x)`: adds nothing into
/// `bar_x` (the mean is linear) and `seed / n` into each `bar_d_x[i]`.
#[doc(hidden)]
#[track_caller]
pub fn mean_tangent_vjp(x: &[f64], bar_x: &mut [f64], d_x: &[f64], bar_d_x: &mut [f64], seed: f64) -> f64 {
    crate::generic_logits::mean_tangent_vjp(x, bar_x, d_x, bar_d_x, seed)
}

/// The reverse-mode derivative of `ẏ = ⟨softmax(x), d_x⟩`: adds
/// `seed·H·d_x` into `bar_x` and `seed·softmax(x)` into `bar_d_x`.
#[doc(hidden)]
#[track_caller]
pub fn log_sum_exp_tangent_vjp(x: &[f64], bar_x: &mut [f64], d_x: &[f64], bar_d_x: &mut [f64], seed: f64) -> f64 {
    crate::generic_logits::log_sum_exp_tangent_vjp(x, bar_x, d_x, bar_d_x, seed)
}

/// The reverse-mode derivative of `ẏ = ⟨softmax(logits), d_logits⟩ −
/// d_logits[target]`: adds `seed·H·d_logits` into `bar_logits` and
/// `seed·(softmax(logits) − e_target)` into `bar_d_logits`.
#[doc(hidden)]
#[track_caller]
pub fn softmax_cross_entropy_tangent_vjp(
    logits: &[f64],
    bar_logits: &mut [f64],
    d_logits: &[f64],
    bar_d_logits: &mut [f64],
    target: usize,
    seed: f64,
) -> f64 {
    crate::generic_logits::softmax_cross_entropy_tangent_vjp(logits, bar_logits, d_logits, bar_d_logits, target, seed)
}
