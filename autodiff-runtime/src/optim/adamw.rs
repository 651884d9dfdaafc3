//! AdamW: Adam with decoupled weight decay.

use super::range::{check, checked, Range};
use super::state::{Hyper, Moments};
use super::{check_update, expect_ok, Adam, Optimizer, OptimizerError};

/// AdamW (Loshchilov & Hutter, 2019): [`Adam`] with weight decay applied to
/// the weights directly rather than through the gradient.
///
/// Each step first shrinks every parameter, `w ← w − α·λ·w`, then takes
/// Adam's step with the unchanged gradient. The decay is thus not rescaled
/// by Adam's per-scalar step sizes, unlike an `L2` term added to the loss.
/// The default decay is `λ = 0.01`; the Adam defaults are kept. As with
/// [`Adam`], the moment estimates are bound to the number of parameters of
/// the first step.
///
/// # Example
///
/// ```
/// use autodiff_runtime::{AdamW, Optimizer};
///
/// // With a zero gradient only the decay acts: w ← w·(1 − αλ).
/// let mut opt = AdamW::new(0.1).with_weight_decay(0.5);
/// let mut w = [2.0, -4.0];
/// opt.step(&mut w, &[0.0, 0.0]);
/// assert_eq!(w, [1.9, -3.8]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct AdamW {
    /// The step size `α`.
    pub learning_rate: f64,
    /// The decay `β₁` of the first-moment estimate.
    pub beta1: f64,
    /// The decay `β₂` of the second-moment estimate.
    pub beta2: f64,
    /// The `ε` that keeps the denominator away from zero.
    pub epsilon: f64,
    /// The weight decay `λ`, applied as `w ← w − α·λ·w` each step.
    pub weight_decay: f64,
    /// `m`, `v` and `t`.
    moments: Moments,
}

impl AdamW {
    /// AdamW with step size `learning_rate`, weight decay `0.01` and Adam's
    /// defaults `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8`.
    ///
    /// # Panics
    ///
    /// If `learning_rate` is NaN, infinite or negative.
    ///
    /// # Example
    ///
    /// ```
    /// let opt = autodiff_runtime::AdamW::new(1e-3);
    /// assert_eq!((opt.learning_rate, opt.weight_decay, opt.beta1), (1e-3, 0.01, 0.9));
    /// ```
    #[track_caller]
    pub fn new(learning_rate: f64) -> Self {
        let Adam { beta1, beta2, epsilon, .. } = Adam::new(learning_rate);
        Self { learning_rate, beta1, beta2, epsilon, weight_decay: 0.01, moments: Moments::default() }
    }

    /// Sets the weight decay `λ`; `0` makes AdamW exactly [`Adam`].
    ///
    /// # Panics
    ///
    /// If `weight_decay` is NaN, infinite or negative.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{Adam, AdamW, Optimizer};
    ///
    /// let (mut a, mut b) = ([1.0, -2.0], [1.0, -2.0]);
    /// let (mut adam, mut adamw) = (Adam::new(0.1), AdamW::new(0.1).with_weight_decay(0.0));
    /// for g in [[0.5, 1.0], [-0.25, 2.0]] {
    ///     adam.step(&mut a, &g);
    ///     adamw.step(&mut b, &g);
    /// }
    /// assert_eq!(a, b);
    /// ```
    #[track_caller]
    pub fn with_weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = checked("weight_decay", weight_decay, Range::NonNegative);
        self
    }

    /// Sets the moment decays `β₁` and `β₂`, as [`Adam::with_betas`].
    ///
    /// # Panics
    ///
    /// If either is not in `[0, 1)` (at 1 the bias correction divides by
    /// zero).
    ///
    /// # Example
    ///
    /// ```
    /// let opt = autodiff_runtime::AdamW::new(0.1).with_betas(0.8, 0.99);
    /// assert_eq!((opt.beta1, opt.beta2), (0.8, 0.99));
    /// ```
    #[track_caller]
    pub fn with_betas(mut self, beta1: f64, beta2: f64) -> Self {
        self.beta1 = checked("beta1", beta1, Range::Decay);
        self.beta2 = checked("beta2", beta2, Range::Decay);
        self
    }

    /// Sets `ε`, as [`Adam::with_epsilon`].
    ///
    /// # Panics
    ///
    /// If `epsilon` is NaN, infinite, zero or negative (a zero gradient's
    /// step would be `0 / 0`).
    ///
    /// # Example
    ///
    /// ```
    /// let opt = autodiff_runtime::AdamW::new(0.1).with_epsilon(1e-6);
    /// assert_eq!(opt.epsilon, 1e-6);
    /// ```
    #[track_caller]
    pub fn with_epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = checked("epsilon", epsilon, Range::Positive);
        self
    }

    /// The number of steps taken so far, `t`.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{AdamW, Optimizer};
    ///
    /// let mut opt = AdamW::new(0.1);
    /// opt.step(&mut [0.0], &[1.0]);
    /// assert_eq!(opt.steps(), 1);
    /// ```
    pub fn steps(&self) -> u64 {
        self.moments.steps()
    }

    /// Forgets the moment estimates, the step count and the number of
    /// parameters they were for.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{AdamW, Optimizer};
    ///
    /// let mut opt = AdamW::new(0.1);
    /// opt.step(&mut [0.0], &[1.0]);
    /// opt.reset();
    /// assert_eq!(opt.steps(), 0);
    /// ```
    pub fn reset(&mut self) {
        self.moments.reset();
    }

    /// Adam's hyperparameters with the decay as a factor `1 − α·λ`, once
    /// `λ` is checked (the others are checked with Adam's).
    fn hyper(&self) -> Result<Hyper, OptimizerError> {
        check("weight_decay", self.weight_decay, Range::NonNegative)?;
        Ok(Hyper {
            learning_rate: self.learning_rate,
            beta1: self.beta1,
            beta2: self.beta2,
            epsilon: self.epsilon,
            shrink: 1.0 - self.learning_rate * self.weight_decay,
        })
    }
}

impl Optimizer for AdamW {
    /// Decay, then Adam's update, of scalars `offset..offset + params.len()`.
    ///
    /// # Panics
    ///
    /// As [`Optimizer::update`]: with the message of the error
    /// [`try_update`](Optimizer::try_update) would return.
    #[track_caller]
    fn update(&mut self, offset: usize, params: &mut [f64], grads: &[f64]) {
        expect_ok(self.try_update(offset, params, grads));
    }

    /// The update, or an error with nothing changed.
    fn try_update(&mut self, offset: usize, params: &mut [f64], grads: &[f64]) -> Result<(), OptimizerError> {
        check_update(offset, params, grads)?;
        let hyper = self.hyper()?;
        self.moments.update(offset, params, grads, hyper)
    }

    /// The checks of `try_update` for the next step, changing nothing.
    fn check_next_update(&self, offset: usize, params: &[f64], grads: &[f64]) -> Result<(), OptimizerError> {
        check_update(offset, params, grads)?;
        self.moments.check_next_update(offset, params, grads, self.hyper()?)
    }

    /// Binds the moment estimates to `scalars` parameters, or checks them.
    fn bind_scalars(&mut self, scalars: usize) -> Result<(), OptimizerError> {
        self.moments.bind(scalars)
    }

    /// Counts the step for the bias correction.
    fn begin_step(&mut self) {
        self.moments.begin_step();
    }

    fn learning_rate(&self) -> f64 {
        self.learning_rate
    }

    /// # Panics
    ///
    /// If `learning_rate` is NaN, infinite or negative.
    #[track_caller]
    fn set_learning_rate(&mut self, learning_rate: f64) {
        self.learning_rate = checked("learning_rate", learning_rate, Range::NonNegative);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_step_is_decay_then_sign_step() {
        // w = 2, g = 3, α = 0.1, λ = 0.5: 2·(1 − 0.05) − 0.1·3/(3 + ε).
        let mut w = [2.0];
        AdamW::new(0.1).with_weight_decay(0.5).step(&mut w, &[3.0]);
        let want = 2.0 * 0.95 - 0.1 * 3.0 / (3.0 + 1e-8);
        assert!((w[0] - want).abs() < 1e-15);
    }

    #[test]
    fn decay_pulls_toward_zero_at_a_flat_gradient() {
        // g = 0 every step: w = w₀·(1 − αλ)ⁿ exactly (Adam's step is 0).
        let mut opt = AdamW::new(0.1).with_weight_decay(0.1);
        let mut w = [5.0];
        for _ in 0..50 {
            opt.step(&mut w, &[0.0]);
        }
        assert!((w[0] - 5.0 * 0.99f64.powi(50)).abs() < 1e-12);
    }
}
