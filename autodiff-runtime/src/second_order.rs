//! Second derivatives of the functions whose first derivatives are written
//! by hand ([`mean`], [`log_sum_exp`], [`softmax_cross_entropy`]), from
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

use crate::logits::assert_target;
use crate::reduce::LogSoftmax;
use crate::{log_sum_exp, mean, softmax_cross_entropy};

/// Panics unless each of `others` (a direction, a product or a shadow,
/// named) has the length of `x`.
#[track_caller]
fn assert_lengths(function: &str, x: usize, others: &[(&str, usize)]) {
    for &(name, len) in others {
        assert!(
            len == x,
            "{function}: x.len() = {x} but {name}.len() = {len}; a direction, product or shadow has the length of its \
             parameter"
        );
    }
}

/// Adds `scale · (diag(s) − s·sᵀ)·d` into `out`, with `s = softmax(x)`, and
/// `gradient_scale · s` into `gradient` when there is one; returns `⟨s, d⟩`.
fn add_softmax_curvature(
    x: &[f64],
    d: &[f64],
    scale: f64,
    out: &mut [f64],
    gradient: Option<(&mut [f64], f64)>,
) -> f64 {
    let log_softmax = LogSoftmax::new(x);
    let along: f64 = x.iter().zip(d).map(|(&v, d)| log_softmax.of(v).exp() * d).sum();
    match gradient {
        Some((gradient, gradient_scale)) => {
            for (((o, g), &v), d) in out.iter_mut().zip(gradient.iter_mut()).zip(x).zip(d) {
                let s = log_softmax.of(v).exp();
                *o += scale * s * (d - along);
                *g += gradient_scale * s;
            }
        }
        None => {
            for ((o, &v), d) in out.iter_mut().zip(x).zip(d) {
                *o += scale * log_softmax.of(v).exp() * (d - along);
            }
        }
    }
    along
}

/// [`mean`] and its Hessian-vector product, which is zero: `hv_x` is left
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
    assert_lengths("mean_hvp", x.len(), &[("v_x", v_x.len()), ("hv_x", hv_x.len())]);
    mean(x)
}

/// [`log_sum_exp`] and its Hessian-vector product: adds
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
    assert_lengths("log_sum_exp_hvp", x.len(), &[("v_x", v_x.len()), ("hv_x", hv_x.len())]);
    add_softmax_curvature(x, v_x, 1.0, hv_x, None);
    log_sum_exp(x)
}

/// [`softmax_cross_entropy`] and its Hessian-vector product in the logits,
/// the one of [`log_sum_exp`]: adds `sᵢ·(v_logitsᵢ − ⟨s, v_logits⟩)` into
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
    let loss = softmax_cross_entropy(logits, target);
    assert_lengths(
        "softmax_cross_entropy_hvp",
        logits.len(),
        &[("v_logits", v_logits.len()), ("hv_logits", hv_logits.len())],
    );
    add_softmax_curvature(logits, v_logits, 1.0, hv_logits, None);
    loss
}

/// The reverse-mode derivative of `ẏ = mean(d_x)`: adds nothing into
/// `bar_x` (the mean is linear) and `seed / n` into each `bar_d_x[i]`.
#[doc(hidden)]
#[track_caller]
pub fn mean_tangent_vjp(x: &[f64], bar_x: &mut [f64], d_x: &[f64], bar_d_x: &mut [f64], seed: f64) -> f64 {
    assert_lengths("mean", x.len(), &[("bar_x", bar_x.len()), ("d_x", d_x.len()), ("bar_d_x", bar_d_x.len())]);
    let share = seed / x.len() as f64;
    bar_d_x.iter_mut().for_each(|bar| *bar += share);
    mean(d_x)
}

/// The reverse-mode derivative of `ẏ = ⟨softmax(x), d_x⟩`: adds
/// `seed·H·d_x` into `bar_x` and `seed·softmax(x)` into `bar_d_x`.
#[doc(hidden)]
#[track_caller]
pub fn log_sum_exp_tangent_vjp(x: &[f64], bar_x: &mut [f64], d_x: &[f64], bar_d_x: &mut [f64], seed: f64) -> f64 {
    assert_lengths("log_sum_exp", x.len(), &[("bar_x", bar_x.len()), ("d_x", d_x.len()), ("bar_d_x", bar_d_x.len())]);
    add_softmax_curvature(x, d_x, seed, bar_x, Some((bar_d_x, seed)))
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
    assert_target(logits, target);
    assert_lengths(
        "softmax_cross_entropy",
        logits.len(),
        &[("bar_logits", bar_logits.len()), ("d_logits", d_logits.len()), ("bar_d_logits", bar_d_logits.len())],
    );
    let along = add_softmax_curvature(logits, d_logits, seed, bar_logits, Some((&mut *bar_d_logits, seed)));
    bar_d_logits[target] -= seed;
    along - d_logits[target]
}
