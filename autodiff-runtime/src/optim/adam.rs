//! Adam: adaptive moment estimation.

use super::range::{checked, Range};
use super::state::{Hyper, Moments};
use super::{check_update, expect_ok, Optimizer, OptimizerError};

/// Adam (Kingma & Ba, 2015): per-scalar step sizes from running estimates
/// of the gradient's first and second moments, with bias correction.
///
/// Each scalar keeps `m` and `v` (zero at first); at step `t = 1, 2, ..`:
///
/// ```text
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// w ← w − α·m̂ / (√v̂ + ε)    with m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ)
/// ```
///
/// Defaults: `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-8`. The first step moves
/// every parameter by almost exactly `α` against the sign of its partial,
/// whatever the partial's size.
///
/// The moment estimates are bound to the number of parameters of the first
/// step: one `Adam` per model (see the [module
/// documentation](crate::optim)).
///
/// # Example
///
/// ```
/// use autodiff_runtime::{Adam, Optimizer};
///
/// let mut w = [1.0, 1.0];
/// Adam::new(0.1).step(&mut w, &[1000.0, -0.001]);
/// assert!((w[0] - 0.9).abs() < 1e-9 && (w[1] - 1.1).abs() < 1e-5);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Adam {
    /// The step size `α`.
    pub learning_rate: f64,
    /// The decay `β₁` of the first-moment estimate.
    pub beta1: f64,
    /// The decay `β₂` of the second-moment estimate.
    pub beta2: f64,
    /// The `ε` that keeps the denominator away from zero.
    pub epsilon: f64,
    /// `m`, `v` and `t`.
    moments: Moments,
}

impl Adam {
    /// Adam with step size `learning_rate` and the default `β₁ = 0.9`,
    /// `β₂ = 0.999`, `ε = 1e-8`.
    ///
    /// # Panics
    ///
    /// If `learning_rate` is NaN, infinite or negative.
    ///
    /// # Example
    ///
    /// ```
    /// let opt = autodiff_runtime::Adam::new(1e-3);
    /// assert_eq!((opt.learning_rate, opt.beta1, opt.beta2, opt.epsilon), (1e-3, 0.9, 0.999, 1e-8));
    /// ```
    #[track_caller]
    pub fn new(learning_rate: f64) -> Self {
        let learning_rate = checked("learning_rate", learning_rate, Range::NonNegative);
        Self { learning_rate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, moments: Moments::default() }
    }

    /// Sets the moment decays `β₁` and `β₂`.
    ///
    /// # Panics
    ///
    /// If either is not in `[0, 1)` (at 1 the bias correction divides by
    /// zero).
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{Adam, Optimizer};
    ///
    /// // β₁ = 0 and β₂ = 0 make every step α·g / (|g| + ε): sign descent.
    /// let mut opt = Adam::new(0.5).with_betas(0.0, 0.0);
    /// let mut w = [0.0];
    /// opt.step(&mut w, &[3.0]);
    /// opt.step(&mut w, &[-0.25]);
    /// assert!(w[0].abs() < 1e-7);
    /// ```
    #[track_caller]
    pub fn with_betas(mut self, beta1: f64, beta2: f64) -> Self {
        self.beta1 = checked("beta1", beta1, Range::Decay);
        self.beta2 = checked("beta2", beta2, Range::Decay);
        self
    }

    /// Sets `ε`.
    ///
    /// # Panics
    ///
    /// If `epsilon` is NaN, infinite, zero or negative (a zero gradient's
    /// step would be `0 / 0`).
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{Adam, Optimizer};
    ///
    /// // First step: α·g / (|g| + ε) = 1·1 / (1 + 1).
    /// let mut w = [0.0];
    /// Adam::new(1.0).with_epsilon(1.0).step(&mut w, &[1.0]);
    /// assert_eq!(w, [-0.5]);
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
    /// use autodiff_runtime::{Adam, Optimizer};
    ///
    /// let mut opt = Adam::new(0.1);
    /// opt.step(&mut [0.0], &[1.0]);
    /// opt.step(&mut [0.0], &[1.0]);
    /// assert_eq!(opt.steps(), 2);
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
    /// use autodiff_runtime::{Adam, Optimizer};
    ///
    /// let mut opt = Adam::new(0.1);
    /// opt.step(&mut [0.0], &[1.0]);
    /// opt.reset();
    /// assert_eq!(opt.steps(), 0);
    /// ```
    pub fn reset(&mut self) {
        self.moments.reset();
    }

    fn hyper(&self) -> Hyper {
        Hyper {
            learning_rate: self.learning_rate,
            beta1: self.beta1,
            beta2: self.beta2,
            epsilon: self.epsilon,
            shrink: 1.0,
        }
    }
}

impl Optimizer for Adam {
    /// Adam's update of scalars `offset..offset + params.len()`.
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
        let hyper = self.hyper();
        self.moments.update(offset, params, grads, hyper)
    }

    /// The checks of `try_update` for the next step, changing nothing.
    fn check_next_update(&self, offset: usize, params: &[f64], grads: &[f64]) -> Result<(), OptimizerError> {
        check_update(offset, params, grads)?;
        self.moments.check_next_update(offset, params, grads, self.hyper())
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
    fn first_step_is_learning_rate_times_sign() {
        // m̂ = g and v̂ = g² after one step, so the move is α·g / (|g| + ε).
        let g = [4.0, -1e-3, 0.0];
        let mut w = [0.0; 3];
        Adam::new(0.01).step(&mut w, &g);
        for (w, g) in w.iter().zip(g) {
            let want = -0.01 * g / (g.abs() + 1e-8);
            assert!((w - want).abs() < 1e-15, "{w} vs {want}");
        }
    }

    #[test]
    fn second_step_matches_hand_computation() {
        // g = 1 then 3 with the defaults:
        // m₂ = 0.9·0.1 + 0.1·3 = 0.39, v₂ = 0.999·0.001 + 0.001·9 = 0.009999,
        // m̂ = 0.39 / 0.19, v̂ = 0.009999 / 0.001999.
        let mut opt = Adam::new(0.1);
        let mut w = [0.0];
        opt.step(&mut w, &[1.0]);
        let after_one = w[0];
        opt.step(&mut w, &[3.0]);
        let m_hat = 0.39 / (1.0 - 0.81);
        let v_hat = 0.009999 / (1.0 - 0.998001);
        let want = after_one - 0.1 * m_hat / (f64::sqrt(v_hat) + 1e-8);
        assert!((w[0] - want).abs() < 1e-12, "{} vs {want}", w[0]);
    }

    #[test]
    fn update_without_begin_step_counts_as_a_first_step() {
        let mut w = [0.0];
        Adam::new(0.5).update(0, &mut w, &[2.0]);
        assert!((w[0] + 0.5).abs() < 1e-8);
    }
}
