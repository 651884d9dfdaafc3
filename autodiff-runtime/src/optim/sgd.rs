//! Stochastic gradient descent, with optional (Nesterov) momentum.

use std::iter;

use super::range::{check, checked, Range};
use super::state::PerScalar;
use super::{check_update, descend, expect_ok, Optimizer, OptimizerError};

/// Stochastic gradient descent: `w ← w − α·∇w`, optionally with momentum.
///
/// With momentum `μ > 0` each scalar keeps a velocity `v` (zero at first),
/// updated as in PyTorch's SGD:
///
/// - classical momentum: `v ← μ·v + g`, then `w ← w − α·v`;
/// - Nesterov momentum ([`nesterov`](Sgd::nesterov)): `v ← μ·v + g`, then
///   `w ← w − α·(g + μ·v)`.
///
/// With `μ = 0` (the default) both are plain gradient descent, which keeps
/// no state and takes parameters of any size. With momentum, the velocities
/// are bound to the number of parameters of the first step (see the
/// [module documentation](crate::optim)).
///
/// # Example
///
/// ```
/// use autodiff_runtime::{Optimizer, Sgd};
///
/// // Plain SGD: a negative partial increases its parameter.
/// let mut w = [1.0, -1.0];
/// Sgd::new(0.5).step(&mut w, &[-2.0, 3.0]);
/// assert_eq!(w, [2.0, -2.5]);
///
/// // Momentum 0.5: the same gradient twice moves 1·α·g, then 1.5·α·g.
/// let mut opt = Sgd::new(1.0).with_momentum(0.5);
/// let mut w = [0.0];
/// opt.step(&mut w, &[1.0]);
/// opt.step(&mut w, &[1.0]);
/// assert_eq!(w, [-2.5]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Sgd {
    /// The step size `α`.
    pub learning_rate: f64,
    /// The momentum `μ`; 0 turns momentum off.
    pub momentum: f64,
    /// Whether momentum is Nesterov's (a look-ahead) rather than classical.
    pub nesterov: bool,
    /// The velocity `v` of each scalar.
    velocity: PerScalar<f64>,
}

impl Sgd {
    /// Plain SGD with step size `learning_rate` and no momentum.
    ///
    /// # Panics
    ///
    /// If `learning_rate` is NaN, infinite or negative.
    ///
    /// # Example
    ///
    /// ```
    /// let opt = autodiff_runtime::Sgd::new(0.01);
    /// assert_eq!((opt.learning_rate, opt.momentum, opt.nesterov), (0.01, 0.0, false));
    /// ```
    #[track_caller]
    pub fn new(learning_rate: f64) -> Self {
        let learning_rate = checked("learning_rate", learning_rate, Range::NonNegative);
        Self { learning_rate, momentum: 0.0, nesterov: false, velocity: PerScalar::default() }
    }

    /// Sets the momentum `μ` (typically 0.9).
    ///
    /// # Panics
    ///
    /// If `momentum` is not in `[0, 1)` (at 1 the velocity never forgets a
    /// gradient and grows without bound).
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{Optimizer, Sgd};
    ///
    /// // v₁ = g = 2, w₁ = 0 − 0.1·2; v₂ = 0.9·2 + 2 = 3.8, w₂ = w₁ − 0.1·3.8.
    /// let mut opt = Sgd::new(0.1).with_momentum(0.9);
    /// let mut w = [0.0];
    /// opt.step(&mut w, &[2.0]);
    /// opt.step(&mut w, &[2.0]);
    /// assert!((w[0] - -(0.2 + 0.38)).abs() < 1e-15);
    /// ```
    #[track_caller]
    pub fn with_momentum(mut self, momentum: f64) -> Self {
        self.momentum = checked("momentum", momentum, Range::Decay);
        self
    }

    /// Switches to Nesterov momentum: `w ← w − α·(g + μ·v)` after
    /// `v ← μ·v + g`. Has no effect while the momentum is 0.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{Optimizer, Sgd};
    ///
    /// // First step: v = g = 1, w = 0 − 1·(1 + 0.5·1) = −1.5.
    /// let mut opt = Sgd::new(1.0).with_momentum(0.5).nesterov();
    /// let mut w = [0.0];
    /// opt.step(&mut w, &[1.0]);
    /// assert_eq!(w, [-1.5]);
    /// ```
    pub fn nesterov(mut self) -> Self {
        self.nesterov = true;
        self
    }

    /// Forgets the velocities, as if no step had been taken, and the number
    /// of parameters they were for.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{Optimizer, Sgd};
    ///
    /// let mut opt = Sgd::new(1.0).with_momentum(0.5);
    /// let mut w = [0.0];
    /// opt.step(&mut w, &[1.0]);
    /// opt.reset();
    /// opt.step(&mut w, &[1.0]); // a first step again: moves by α·g
    /// assert_eq!(w, [-2.0]);
    /// ```
    pub fn reset(&mut self) {
        self.velocity.clear();
    }

    /// The update rule with this step's hyperparameters.
    fn rule(&self) -> MomentumRule {
        MomentumRule { alpha: self.learning_rate, mu: self.momentum, nesterov: self.nesterov }
    }

    /// The hyperparameters' ranges, for values written to the public fields.
    fn check_hyperparameters(&self) -> Result<(), OptimizerError> {
        check("learning_rate", self.learning_rate, Range::NonNegative)?;
        check("momentum", self.momentum, Range::Decay)
    }
}

/// The momentum update of one scalar, with the hyperparameters of a step.
#[derive(Clone, Copy)]
struct MomentumRule {
    alpha: f64,
    mu: f64,
    nesterov: bool,
}

impl MomentumRule {
    /// The new parameter and velocity: `v ← μ·v + g`, then `w ← w − α·v`
    /// (or `w − α·(g + μ·v)` for Nesterov), without an intermediate
    /// overflow where the result is finite. Either is infinite where its
    /// true value exceeds `f64::MAX`.
    fn apply(self, w: f64, g: f64, v: f64) -> (f64, f64) {
        let Self { alpha, mu, nesterov } = self;
        let naive_v = mu * v + g;
        let v = if naive_v.is_finite() { naive_v } else { mu.mul_add(v, g) };
        if !nesterov {
            return (descend(w, alpha, v), v);
        }
        let direction = g + mu * v;
        let w = if direction.is_finite() {
            descend(w, alpha, direction)
        } else {
            descend(descend(w, alpha, g), alpha * mu, v)
        };
        (w, v)
    }

    /// Refuses, with the index of the first, an update whose new parameter
    /// or velocity would overflow.
    fn refuse_overflow(
        self,
        offset: usize,
        params: &[f64],
        grads: &[f64],
        velocity: impl Iterator<Item = f64>,
    ) -> Result<(), OptimizerError> {
        let overflows = |((&w, &g), v)| {
            let (w, v) = self.apply(w, g, v);
            !(w.is_finite() && v.is_finite())
        };
        match params.iter().zip(grads).zip(velocity).position(overflows) {
            Some(i) => Err(OptimizerError::StepOverflow { index: offset + i }),
            None => Ok(()),
        }
    }
}

impl Optimizer for Sgd {
    /// The update of the struct's documentation, for scalars
    /// `offset..offset + params.len()`.
    ///
    /// # Panics
    ///
    /// As [`Optimizer::update`]: with the message of the error
    /// [`try_update`](Optimizer::try_update) would return.
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
    fn update(&mut self, offset: usize, params: &mut [f64], grads: &[f64]) {
        expect_ok(self.try_update(offset, params, grads));
    }

    /// The update, or an error with nothing changed.
    fn try_update(&mut self, offset: usize, params: &mut [f64], grads: &[f64]) -> Result<(), OptimizerError> {
        check_update(offset, params, grads)?;
        self.check_hyperparameters()?;
        let rule = self.rule();
        if self.momentum == 0.0 {
            rule.refuse_overflow(offset, params, grads, iter::repeat(0.0))?;
            for (w, &g) in params.iter_mut().zip(grads) {
                *w = rule.apply(*w, g, 0.0).0;
            }
            return Ok(());
        }
        let velocity = self.velocity.chunk(offset, params.len())?;
        rule.refuse_overflow(offset, params, grads, velocity.iter().copied())?;
        for ((w, &g), v) in params.iter_mut().zip(grads).zip(velocity) {
            (*w, *v) = rule.apply(*w, g, *v);
        }
        Ok(())
    }

    /// The checks of `try_update`, on the velocities as they are.
    fn check_next_update(&self, offset: usize, params: &[f64], grads: &[f64]) -> Result<(), OptimizerError> {
        check_update(offset, params, grads)?;
        self.check_hyperparameters()?;
        self.rule().refuse_overflow(offset, params, grads, self.velocity.peek(offset))
    }

    /// Binds the velocities to `scalars` parameters; plain SGD (no
    /// momentum) keeps no state and accepts any size.
    fn bind_scalars(&mut self, scalars: usize) -> Result<(), OptimizerError> {
        if self.momentum == 0.0 {
            return Ok(());
        }
        self.velocity.bind(scalars)
    }

    /// Binds velocities sized by `update` calls to that size.
    fn begin_step(&mut self) {
        self.velocity.freeze();
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
        Sgd::new(0.1).with_momentum(0.9).step(&mut [], &[]);
    }

    #[test]
    #[should_panic(expected = "optimizer step: params.len() = 2 but grads.len() = 3")]
    fn rejects_mismatched_lengths() {
        Sgd::new(0.1).step(&mut [0.0, 0.0], &[1.0, 2.0, 3.0]);
    }

    #[test]
    fn classical_momentum_matches_the_recurrence() {
        // α = 0.1, μ = 0.9, g = 1, 2, 3:
        // v = 1, 2.9, 5.61; w = −0.1, −0.39, −0.951.
        let mut opt = Sgd::new(0.1).with_momentum(0.9);
        let mut w = [0.0];
        let mut seen = Vec::new();
        for g in [1.0, 2.0, 3.0] {
            opt.step(&mut w, &[g]);
            seen.push(w[0]);
        }
        for (got, want) in seen.iter().zip([-0.1, -0.39, -0.951]) {
            assert!((got - want).abs() < 1e-12, "{seen:?}");
        }
    }

    #[test]
    fn nesterov_momentum_matches_the_recurrence() {
        // α = 0.1, μ = 0.9, g = 1, 2, 3: v = 1, 2.9, 5.61;
        // steps α(g + μv) = 0.19, 0.461, 0.8049.
        let mut opt = Sgd::new(0.1).with_momentum(0.9).nesterov();
        let mut w = [0.0];
        let mut seen = Vec::new();
        for g in [1.0, 2.0, 3.0] {
            opt.step(&mut w, &[g]);
            seen.push(w[0]);
        }
        for (got, want) in seen.iter().zip([-0.19, -0.651, -1.4559]) {
            assert!((got - want).abs() < 1e-12, "{seen:?}");
        }
    }

    #[test]
    fn velocity_is_per_scalar_and_offset() {
        // Updating scalars 0 and 1 through two chunks gives the same
        // velocities as one slice of two.
        let mut split = Sgd::new(1.0).with_momentum(0.5);
        let mut joint = split.clone();
        let (mut a, mut b, mut ab) = ([0.0], [0.0], [0.0, 0.0]);
        for g in [[1.0, -2.0], [3.0, 4.0]] {
            split.begin_step();
            split.update(0, &mut a, &g[..1]);
            split.update(1, &mut b, &g[1..]);
            joint.step(&mut ab, &g);
        }
        assert_eq!([a[0], b[0]], ab);
        // Scalar 0: v = 1, 3.5 → w = −4.5; scalar 1: v = −2, 3 → w = −1.
        assert_eq!(ab, [-4.5, -1.0]);
    }
}
