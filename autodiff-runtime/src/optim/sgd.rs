//! Plain stochastic gradient descent.

use super::{assert_same_len, Optimizer};

/// Stochastic gradient descent: `w ← w − α·∇w`.
///
/// A negative partial increases its parameter, a positive one decreases it.
///
/// # Example
///
/// ```
/// use autodiff_runtime::{Optimizer, Sgd};
///
/// let mut opt = Sgd { learning_rate: 0.5 };
/// let mut w = [1.0, -1.0];
/// opt.step(&mut w, &[-2.0, 3.0]);
/// assert_eq!(w, [2.0, -2.5]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd {
    /// The step size `α`.
    pub learning_rate: f64,
}

impl Sgd {
    /// SGD with step size `learning_rate`.
    ///
    /// # Example
    ///
    /// ```
    /// let opt = autodiff_runtime::Sgd::new(0.01);
    /// assert_eq!(opt.learning_rate, 0.01);
    /// ```
    pub const fn new(learning_rate: f64) -> Self {
        Self { learning_rate }
    }
}

impl Optimizer for Sgd {
    /// `params[i] -= learning_rate * grads[i]`.
    ///
    /// # Panics
    ///
    /// If `params` and `grads` differ in length.
    ///
    /// # Example
    ///
    /// ```should_panic
    /// use autodiff_runtime::{Optimizer, Sgd};
    ///
    /// // Panics: two parameters but one gradient.
    /// Sgd::new(0.1).step(&mut [1.0, 2.0], &[0.5]);
    /// ```
    #[track_caller]
    fn step(&mut self, params: &mut [f64], grads: &[f64]) {
        assert_same_len(params, grads);
        for (w, g) in params.iter_mut().zip(grads) {
            *w -= self.learning_rate * g;
        }
    }

    fn learning_rate(&self) -> f64 {
        self.learning_rate
    }

    fn set_learning_rate(&mut self, learning_rate: f64) {
        self.learning_rate = learning_rate;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_against_the_gradient() {
        let mut w = [0.5, 0.5, 0.5];
        Sgd::new(0.25).step(&mut w, &[4.0, -4.0, 0.0]);
        assert_eq!(w, [-0.5, 1.5, 0.5]);
    }

    #[test]
    fn converges_on_a_quadratic_at_the_closed_form_rate() {
        // f(w) = (w − 3)²: each step maps e = w − 3 to (1 − 2α)e.
        let alpha = 0.1;
        let mut opt = Sgd::new(alpha);
        let mut w = [0.0];
        for _ in 0..10 {
            let g = [2.0 * (w[0] - 3.0)];
            opt.step(&mut w, &g);
        }
        let expected = 3.0 - 3.0 * (1.0f64 - 2.0 * alpha).powi(10);
        assert!((w[0] - expected).abs() < 1e-12);
    }

    #[test]
    fn learning_rate_can_be_scheduled_through_the_trait() {
        let mut opt: Box<dyn Optimizer> = Box::new(Sgd::new(1.0));
        opt.set_learning_rate(0.5);
        let mut w = [1.0];
        opt.step(&mut w, &[1.0]);
        assert_eq!((opt.learning_rate(), w[0]), (0.5, 0.5));
    }

    #[test]
    fn empty_slices_are_a_no_op() {
        Sgd::new(0.1).step(&mut [], &[]);
    }

    #[test]
    #[should_panic(expected = "optimizer step: params.len() = 2 but grads.len() = 3")]
    fn rejects_mismatched_lengths() {
        Sgd::new(0.1).step(&mut [0.0, 0.0], &[1.0, 2.0, 3.0]);
    }
}
