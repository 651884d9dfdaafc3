//! Optimizers: rules that turn a gradient into a parameter update.
//!
//! Every optimizer implements [`Optimizer`], so training loops, learning-rate
//! schedules and model code are written once against the trait. Each
//! optimizer lives in its own module; state it keeps between steps (momenta,
//! moment estimates) lives in its struct.

mod sgd;

pub use sgd::Sgd;

/// An update rule for a flat slice of parameters.
///
/// # Example
///
/// A training loop written against the trait:
///
/// ```
/// use autodiff_runtime::{Optimizer, Sgd};
///
/// fn fit(opt: &mut impl Optimizer, w: &mut [f64], grad: impl Fn(&[f64]) -> Vec<f64>) {
///     for _ in 0..100 {
///         let g = grad(w);
///         opt.step(w, &g);
///     }
/// }
///
/// // Minimise (w − 3)², whose gradient is 2(w − 3).
/// let mut w = [0.0];
/// fit(&mut Sgd::new(0.1), &mut w, |w| vec![2.0 * (w[0] - 3.0)]);
/// assert!((w[0] - 3.0).abs() < 1e-6);
/// ```
pub trait Optimizer {
    /// Updates `params` in place from their gradient `grads`
    /// (`grads[i]` is `∂loss/∂params[i]`).
    ///
    /// # Panics
    ///
    /// Implementations panic if `params` and `grads` differ in length.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{Optimizer, Sgd};
    ///
    /// let mut w = [1.0, 2.0];
    /// Sgd::new(0.5).step(&mut w, &[2.0, -2.0]);
    /// assert_eq!(w, [0.0, 3.0]);
    /// ```
    fn step(&mut self, params: &mut [f64], grads: &[f64]);

    /// The current learning rate.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{Optimizer, Sgd};
    ///
    /// assert_eq!(Sgd::new(0.01).learning_rate(), 0.01);
    /// ```
    fn learning_rate(&self) -> f64;

    /// Replaces the learning rate; learning-rate schedules call this between
    /// steps.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{Optimizer, Sgd};
    ///
    /// let mut opt = Sgd::new(0.1);
    /// opt.set_learning_rate(0.05);
    /// assert_eq!(opt.learning_rate(), 0.05);
    /// ```
    fn set_learning_rate(&mut self, learning_rate: f64);
}

/// The length check every optimizer's `step` starts with, so they all fail
/// with the same message.
#[track_caller]
pub(crate) fn assert_same_len(params: &[f64], grads: &[f64]) {
    assert_eq!(
        params.len(),
        grads.len(),
        "optimizer step: params.len() = {} but grads.len() = {}; each parameter needs exactly one gradient",
        params.len(),
        grads.len()
    );
}
