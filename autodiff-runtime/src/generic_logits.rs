//! The softmax family, [`mean`] and [`log_sum_exp`] for any float type, with
//! their hand-written derivatives: what [`generic`](crate::generic) exports
//! for `f32` code and what the `f64` functions of [`reduce`](crate::reduce),
//! [`logits`](crate::logits), `tangent` and `second_order` forward to (their
//! documentation says what each computes, for every float type alike).
//!
//! Each function has a companion (see `companion.rs`), so `#[grad]` code
//! of either float type calls it as it calls the `f64` one: in reverse mode
//! through `NAME_vjp`, in forward mode through `NAME_jvp`, and, for the
//! functions that return a float, in `hessian` code through
//! `NAME_tangent_vjp`.

use crate::companion::companion;
use crate::reduce::assert_shadow_len;
use crate::Float;

companion!(
    mean<T: Float>(x: &[T]) => mean_vjp(x: &[T], d_x: &mut [T]) -> T,
    jvp = mean_jvp,
    tangent_vjp = mean_tangent_vjp
);
companion!(
    log_sum_exp<T: Float>(x: &[T]) => log_sum_exp_vjp(x: &[T], d_x: &mut [T]) -> T,
    jvp = log_sum_exp_jvp,
    tangent_vjp = log_sum_exp_tangent_vjp
);
companion!(
    softmax_cross_entropy<T: Float>(logits: &[T], target: usize)
        => softmax_cross_entropy_vjp(logits: &[T], d_logits: &mut [T], target: usize) -> T,
    jvp = softmax_cross_entropy_jvp,
    tangent_vjp = softmax_cross_entropy_tangent_vjp
);
companion!(softmax<T: Float> => softmax_vjp(x: &[T], d_x: &mut [T], out: &mut [T], d_out: &mut [T]), jvp = softmax_jvp);
companion!(
    log_softmax<T: Float> => log_softmax_vjp(x: &[T], d_x: &mut [T], out: &mut [T], d_out: &mut [T]),
    jvp = log_softmax_jvp
);

/// `Σ xᵢ`, added from the left as `Iterator::sum` adds.
fn sum<T: Float>(x: impl Iterator<Item = T>) -> T {
    x.fold(T::zero(), |total, v| total + v)
}

/// `Σ aᵢ·bᵢ`.
fn dot<T: Float>(a: &[T], b: &[T]) -> T {
    sum(a.iter().zip(b).map(|(&a, &b)| a * b))
}

/// The number `n` as a `T`.
fn count<T: Float>(n: usize) -> T {
    T::from_f64(n as f64)
}

/// The arithmetic mean (see [`crate::mean`]).
pub fn mean<T: Float>(x: &[T]) -> T {
    let n = count::<T>(x.len());
    let total = sum(x.iter().copied());
    if total.is_infinite() && x.iter().all(|v| v.is_finite()) {
        // The sum overflowed, the mean does not: add the elements divided by
        // a power of two s ≥ n (exact, and the sum stays finite), then
        // divide by n / s (exact too).
        let s = count::<T>(x.len().next_power_of_two());
        return sum(x.iter().map(|&v| v / s)) / (n / s);
    }
    total / n
}

/// [`mean`] and its gradient (see [`crate::mean_grad`]).
#[track_caller]
pub fn mean_grad<T: Float>(x: &[T], d_x: &mut [T]) -> T {
    mean_vjp(x, d_x, T::one())
}

/// [`mean`] as a vector-Jacobian product (see [`crate::mean_vjp`]).
#[track_caller]
pub fn mean_vjp<T: Float>(x: &[T], d_x: &mut [T], seed: T) -> T {
    assert_shadow_len("mean", "x", x.len(), d_x.len());
    let share = seed / count(x.len());
    d_x.iter_mut().for_each(|d| *d += share);
    mean(x)
}

/// `ln Σ exp(xᵢ)`, stable (see [`crate::log_sum_exp`]).
pub fn log_sum_exp<T: Float>(x: &[T]) -> T {
    LogSoftmax::new(x).log_sum_exp
}

/// [`log_sum_exp`] and its gradient (see [`crate::log_sum_exp_grad`]).
#[track_caller]
pub fn log_sum_exp_grad<T: Float>(x: &[T], d_x: &mut [T]) -> T {
    log_sum_exp_vjp(x, d_x, T::one())
}

/// [`log_sum_exp`] as a vector-Jacobian product (see [`crate::log_sum_exp_vjp`]).
#[track_caller]
pub fn log_sum_exp_vjp<T: Float>(x: &[T], d_x: &mut [T], seed: T) -> T {
    assert_shadow_len("log_sum_exp", "x", x.len(), d_x.len());
    let log_softmax = LogSoftmax::new(x);
    for (d, &v) in d_x.iter_mut().zip(x) {
        *d += seed * log_softmax.of(v).exp();
    }
    log_softmax.log_sum_exp
}

/// Writes the softmax of `x` into `out` (see [`crate::softmax`]).
///
/// # Panics
///
/// If `x` and `out` differ in length.
#[track_caller]
pub fn softmax<T: Float>(x: &[T], out: &mut [T]) {
    assert_eq!(x.len(), out.len(), "softmax: x.len() = {} but out.len() = {}", x.len(), out.len());
    let m = max(x);
    if m.is_infinite() {
        let log_softmax = LogSoftmax::new(x);
        for (o, &v) in out.iter_mut().zip(x) {
            *o = log_softmax.of(v).exp();
        }
        return;
    }
    let mut total = T::zero();
    for (o, &v) in out.iter_mut().zip(x) {
        *o = (v - m).exp();
        total += *o;
    }
    out.iter_mut().for_each(|o| *o /= total);
}

/// [`softmax`] as a vector-Jacobian product (see [`crate::softmax_vjp`]).
#[track_caller]
pub fn softmax_vjp<T: Float>(x: &[T], d_x: &mut [T], out: &mut [T], d_out: &mut [T]) {
    assert_shadow_len("softmax_vjp", "x", x.len(), d_x.len());
    assert_shadow_len("softmax_vjp", "out", out.len(), d_out.len());
    softmax(x, out);
    let along = dot(out, d_out);
    for ((dx, &s), d) in d_x.iter_mut().zip(out.iter()).zip(d_out.iter_mut()) {
        *dx += s * (*d - along);
        *d = T::zero();
    }
}

/// Writes the log-softmax of `x` into `out` (see [`crate::log_softmax`]).
///
/// # Panics
///
/// If `x` and `out` differ in length.
#[track_caller]
pub fn log_softmax<T: Float>(x: &[T], out: &mut [T]) {
    assert_eq!(x.len(), out.len(), "log_softmax: x.len() = {} but out.len() = {}", x.len(), out.len());
    let log_softmax = LogSoftmax::new(x);
    for (o, &v) in out.iter_mut().zip(x) {
        *o = log_softmax.of(v);
    }
}

/// [`log_softmax`] as a vector-Jacobian product (see [`crate::log_softmax_vjp`]).
#[track_caller]
pub fn log_softmax_vjp<T: Float>(x: &[T], d_x: &mut [T], out: &mut [T], d_out: &mut [T]) {
    assert_shadow_len("log_softmax_vjp", "x", x.len(), d_x.len());
    assert_shadow_len("log_softmax_vjp", "out", out.len(), d_out.len());
    log_softmax(x, out);
    let total = sum(d_out.iter().copied());
    for ((dx, &o), d) in d_x.iter_mut().zip(out.iter()).zip(d_out.iter_mut()) {
        *dx += *d - o.exp() * total;
        *d = T::zero();
    }
}

/// The cross-entropy of `softmax(logits)` against the class `target` (see
/// [`crate::softmax_cross_entropy`]).
///
/// # Panics
///
/// If `target` is not an index of `logits`.
#[track_caller]
pub fn softmax_cross_entropy<T: Float>(logits: &[T], target: usize) -> T {
    assert_target(logits, target);
    -LogSoftmax::new(logits).of(logits[target])
}

/// [`softmax_cross_entropy`] and its gradient (see [`crate::softmax_cross_entropy_grad`]).
#[track_caller]
pub fn softmax_cross_entropy_grad<T: Float>(logits: &[T], d_logits: &mut [T], target: usize) -> T {
    softmax_cross_entropy_vjp(logits, d_logits, target, T::one())
}

/// [`softmax_cross_entropy`] as a vector-Jacobian product (see
/// [`crate::softmax_cross_entropy_vjp`]).
#[track_caller]
pub fn softmax_cross_entropy_vjp<T: Float>(logits: &[T], d_logits: &mut [T], target: usize, seed: T) -> T {
    assert_target(logits, target);
    assert_shadow_len("softmax_cross_entropy", "logits", logits.len(), d_logits.len());
    let log_softmax = LogSoftmax::new(logits);
    for (d, &z) in d_logits.iter_mut().zip(logits) {
        *d += seed * log_softmax.of(z).exp();
    }
    d_logits[target] -= seed;
    -log_softmax.of(logits[target])
}

#[track_caller]
fn assert_target<T>(logits: &[T], target: usize) {
    assert!(target < logits.len(), "softmax_cross_entropy: target class {target} but only {} logits", logits.len());
}

/// The forward-mode derivative of [`mean`] (see [`crate::mean_jvp`]).
#[track_caller]
pub fn mean_jvp<T: Float>(x: &[T], d_x: &[T]) -> (T, T) {
    assert_shadow_len("mean_jvp", "x", x.len(), d_x.len());
    // The mean is linear: its tangent is the mean of the tangents.
    (mean(x), mean(d_x))
}

/// The forward-mode derivative of [`log_sum_exp`] (see [`crate::log_sum_exp_jvp`]).
#[track_caller]
pub fn log_sum_exp_jvp<T: Float>(x: &[T], d_x: &[T]) -> (T, T) {
    assert_shadow_len("log_sum_exp_jvp", "x", x.len(), d_x.len());
    let log_softmax = LogSoftmax::new(x);
    (log_softmax.log_sum_exp, log_softmax.softmax_dot(x, d_x))
}

/// The forward-mode derivative of [`softmax`] (see [`crate::softmax_jvp`]).
#[track_caller]
pub fn softmax_jvp<T: Float>(x: &[T], d_x: &[T], out: &mut [T], d_out: &mut [T]) {
    assert_shadow_len("softmax_jvp", "x", x.len(), d_x.len());
    assert_shadow_len("softmax_jvp", "out", out.len(), d_out.len());
    softmax(x, out);
    let mean_tangent = dot(out, d_x);
    for ((t, &s), &d) in d_out.iter_mut().zip(out.iter()).zip(d_x) {
        *t = s * (d - mean_tangent);
    }
}

/// The forward-mode derivative of [`log_softmax`] (see [`crate::log_softmax_jvp`]).
#[track_caller]
pub fn log_softmax_jvp<T: Float>(x: &[T], d_x: &[T], out: &mut [T], d_out: &mut [T]) {
    assert_shadow_len("log_softmax_jvp", "x", x.len(), d_x.len());
    assert_shadow_len("log_softmax_jvp", "out", out.len(), d_out.len());
    log_softmax(x, out);
    let mean_tangent = sum(out.iter().zip(d_x).map(|(o, &d)| o.exp() * d));
    for (t, &d) in d_out.iter_mut().zip(d_x) {
        *t = d - mean_tangent;
    }
}

/// The forward-mode derivative of [`softmax_cross_entropy`] (see
/// [`crate::softmax_cross_entropy_jvp`]).
#[track_caller]
pub fn softmax_cross_entropy_jvp<T: Float>(logits: &[T], d_logits: &[T], target: usize) -> (T, T) {
    let value = softmax_cross_entropy(logits, target);
    assert_shadow_len("softmax_cross_entropy_jvp", "logits", logits.len(), d_logits.len());
    let log_softmax = LogSoftmax::new(logits);
    (value, log_softmax.softmax_dot(logits, d_logits) - d_logits[target])
}

/// [`mean`] and its Hessian-vector product, zero (see [`crate::mean_hvp`]).
#[track_caller]
pub fn mean_hvp<T: Float>(x: &[T], v_x: &[T], hv_x: &mut [T]) -> T {
    assert_lengths("mean_hvp", x.len(), &[("v_x", v_x.len()), ("hv_x", hv_x.len())]);
    mean(x)
}

/// [`log_sum_exp`] and its Hessian-vector product (see [`crate::log_sum_exp_hvp`]).
#[track_caller]
pub fn log_sum_exp_hvp<T: Float>(x: &[T], v_x: &[T], hv_x: &mut [T]) -> T {
    assert_lengths("log_sum_exp_hvp", x.len(), &[("v_x", v_x.len()), ("hv_x", hv_x.len())]);
    add_softmax_curvature(x, v_x, T::one(), hv_x, None);
    log_sum_exp(x)
}

/// [`softmax_cross_entropy`] and its Hessian-vector product (see
/// [`crate::softmax_cross_entropy_hvp`]).
#[track_caller]
pub fn softmax_cross_entropy_hvp<T: Float>(logits: &[T], v_logits: &[T], hv_logits: &mut [T], target: usize) -> T {
    let loss = softmax_cross_entropy(logits, target);
    assert_lengths(
        "softmax_cross_entropy_hvp",
        logits.len(),
        &[("v_logits", v_logits.len()), ("hv_logits", hv_logits.len())],
    );
    add_softmax_curvature(logits, v_logits, T::one(), hv_logits, None);
    loss
}

/// The reverse-mode derivative of [`mean`]'s directional derivative (see
/// `second_order.rs`).
#[doc(hidden)]
#[track_caller]
pub fn mean_tangent_vjp<T: Float>(x: &[T], bar_x: &mut [T], d_x: &[T], bar_d_x: &mut [T], seed: T) -> T {
    assert_lengths("mean", x.len(), &[("bar_x", bar_x.len()), ("d_x", d_x.len()), ("bar_d_x", bar_d_x.len())]);
    let share = seed / count(x.len());
    bar_d_x.iter_mut().for_each(|bar| *bar += share);
    mean(d_x)
}

/// The reverse-mode derivative of [`log_sum_exp`]'s directional derivative.
#[doc(hidden)]
#[track_caller]
pub fn log_sum_exp_tangent_vjp<T: Float>(x: &[T], bar_x: &mut [T], d_x: &[T], bar_d_x: &mut [T], seed: T) -> T {
    assert_lengths("log_sum_exp", x.len(), &[("bar_x", bar_x.len()), ("d_x", d_x.len()), ("bar_d_x", bar_d_x.len())]);
    add_softmax_curvature(x, d_x, seed, bar_x, Some((bar_d_x, seed)))
}

/// The reverse-mode derivative of [`softmax_cross_entropy`]'s directional
/// derivative.
#[doc(hidden)]
#[track_caller]
pub fn softmax_cross_entropy_tangent_vjp<T: Float>(
    logits: &[T],
    bar_logits: &mut [T],
    d_logits: &[T],
    bar_d_logits: &mut [T],
    target: usize,
    seed: T,
) -> T {
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
fn add_softmax_curvature<T: Float>(x: &[T], d: &[T], scale: T, out: &mut [T], gradient: Option<(&mut [T], T)>) -> T {
    let log_softmax = LogSoftmax::new(x);
    let along = log_softmax.softmax_dot(x, d);
    match gradient {
        Some((gradient, gradient_scale)) => {
            for (((o, g), &v), &d) in out.iter_mut().zip(gradient.iter_mut()).zip(x).zip(d) {
                let s = log_softmax.of(v).exp();
                *o += scale * s * (d - along);
                *g += gradient_scale * s;
            }
        }
        None => {
            for ((o, &v), &d) in out.iter_mut().zip(x).zip(d) {
                *o += scale * log_softmax.of(v).exp() * (d - along);
            }
        }
    }
    along
}

/// The largest element: NaN if any element is NaN, `−∞` for an empty slice.
/// (`max` would skip a NaN and let it vanish from the result.)
fn max<T: Float>(x: &[T]) -> T {
    x.iter().copied().fold(T::neg_infinity(), |m, v| if v > m || v.is_nan() { v } else { m })
}

/// `log softmax(x)ᵢ = xᵢ − log_sum_exp(x)`, computed as `(xᵢ − m) − ln s`
/// with `m = max(x)` and `s = Σⱼ exp(xⱼ − m)`: at large logits
/// (`[1e16, 1e16]`) `m + ln s` has already rounded `ln s` away. Also where
/// `m` is infinite and `xᵢ − log_sum_exp(x)` would be `∞ − ∞`: there it is
/// the limit from finite inputs, the softmax shared evenly by the elements
/// equal to the maximum (every element when all are `−∞`), 0 for the rest.
/// A NaN element makes every entry NaN.
pub(crate) struct LogSoftmax<T> {
    /// `log_sum_exp(x)`.
    pub(crate) log_sum_exp: T,
    /// `max(x)`.
    max: T,
    /// `ln Σⱼ exp(xⱼ − max)`, when `max` is finite.
    ln_sum: T,
    /// How many elements equal an infinite maximum; 0 when it is finite.
    ties: usize,
}

impl<T: Float> LogSoftmax<T> {
    pub(crate) fn new(x: &[T]) -> Self {
        let max = max(x);
        if max.is_infinite() {
            // All −∞ (or empty): the sum is 0. Some +∞: the sum is +∞.
            let ties = x.iter().filter(|&&v| v == max).count();
            return Self { log_sum_exp: max, max, ln_sum: T::zero(), ties };
        }
        // A NaN maximum makes every value here NaN.
        let ln_sum = sum(x.iter().map(|&v| (v - max).exp())).ln();
        Self { log_sum_exp: max + ln_sum, max, ln_sum, ties: 0 }
    }

    /// The entry of the element `v` of `x`.
    pub(crate) fn of(&self, v: T) -> T {
        match (self.ties, v == self.max) {
            (0, _) => (v - self.max) - self.ln_sum,
            (ties, true) => -count::<T>(ties).ln(),
            (_, false) => T::neg_infinity(),
        }
    }

    /// `⟨softmax(x), d⟩`, for the `x` this was made of.
    fn softmax_dot(&self, x: &[T], d: &[T]) -> T {
        sum(x.iter().zip(d).map(|(&v, &d)| self.of(v).exp() * d))
    }
}
