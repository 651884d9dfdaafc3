//! Learning-rate schedules: the learning rate as a function of the epoch.
//!
//! A [`Schedule`] maps an epoch number (from 0) to a learning rate; apply it
//! to any [`Optimizer`] at the start of each epoch with
//! [`Schedule::apply`] (or `opt.set_learning_rate(schedule.rate(epoch))`).
//!
//! - [`StepDecay`]: multiply by `factor` every `every` epochs;
//! - [`CosineAnnealing`]: half a cosine from `initial` down to `min` over
//!   `period` epochs;
//! - any closure `Fn(usize) -> f64`.
//!
//! # Example
//!
//! ```
//! use autodiff_runtime::{Optimizer, Schedule, Sgd, StepDecay};
//!
//! let schedule = StepDecay { initial: 0.1, factor: 0.5, every: 10 };
//! let mut opt = Sgd::new(schedule.initial);
//! for epoch in 0..30 {
//!     schedule.apply(&mut opt, epoch);
//!     // ... one epoch of opt.step(..) ...
//! }
//! assert_eq!(opt.learning_rate(), 0.025); // 0.1 · 0.5², from epoch 20 on
//! ```

use std::f64::consts::PI;

use crate::Optimizer;

/// A learning rate for each epoch.
///
/// # Example
///
/// A closure is a schedule, here a linear warm-up over 5 epochs:
///
/// ```
/// use autodiff_runtime::Schedule;
///
/// let warmup = |epoch: usize| 0.1 * ((epoch + 1) as f64 / 5.0).min(1.0);
/// assert!((Schedule::rate(&warmup, 0) - 0.02).abs() < 1e-15);
/// assert_eq!(Schedule::rate(&warmup, 9), 0.1);
/// ```
pub trait Schedule {
    /// The learning rate for epoch `epoch` (the first epoch is 0).
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{Schedule, StepDecay};
    ///
    /// let s = StepDecay { initial: 1.0, factor: 0.1, every: 2 };
    /// assert_eq!([s.rate(0), s.rate(1), s.rate(2)], [1.0, 1.0, 0.1]);
    /// ```
    fn rate(&self, epoch: usize) -> f64;

    /// Sets `opt`'s learning rate to the rate of `epoch`, and returns it.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{Adam, CosineAnnealing, Optimizer, Schedule};
    ///
    /// let schedule = CosineAnnealing { initial: 0.01, min: 0.0, period: 10 };
    /// let mut opt = Adam::new(0.01);
    /// let rate = schedule.apply(&mut opt, 5); // halfway: half the rate
    /// assert!((rate - 0.005).abs() < 1e-15);
    /// assert_eq!(opt.learning_rate(), rate);
    /// ```
    fn apply<O: Optimizer + ?Sized>(&self, opt: &mut O, epoch: usize) -> f64
    where
        Self: Sized,
    {
        let rate = self.rate(epoch);
        opt.set_learning_rate(rate);
        rate
    }
}

impl<F: Fn(usize) -> f64> Schedule for F {
    fn rate(&self, epoch: usize) -> f64 {
        self(epoch)
    }
}

/// Step decay: `initial · factor^⌊epoch / every⌋`, so the rate is
/// multiplied by `factor` after every `every` epochs.
///
/// # Example
///
/// ```
/// use autodiff_runtime::{Schedule, StepDecay};
///
/// let s = StepDecay { initial: 0.1, factor: 0.5, every: 10 };
/// assert_eq!(s.rate(9), 0.1);
/// assert_eq!(s.rate(10), 0.05);
/// assert_eq!(s.rate(25), 0.025);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepDecay {
    /// The rate of epochs `0..every`.
    pub initial: f64,
    /// What the rate is multiplied by every `every` epochs (e.g. `0.5`).
    pub factor: f64,
    /// The number of epochs between two decays; at least 1.
    pub every: usize,
}

impl Schedule for StepDecay {
    /// # Panics
    ///
    /// If `every` is 0.
    ///
    /// ```should_panic
    /// use autodiff_runtime::{Schedule, StepDecay};
    ///
    /// StepDecay { initial: 0.1, factor: 0.5, every: 0 }.rate(3);
    /// ```
    #[track_caller]
    fn rate(&self, epoch: usize) -> f64 {
        assert!(self.every > 0, "StepDecay: `every` must be at least 1 epoch");
        let decays = epoch / self.every;
        self.initial * self.factor.powi(i32::try_from(decays).unwrap_or(i32::MAX))
    }
}

/// Cosine annealing: `min + (initial − min)·(1 + cos(π·epoch / period)) / 2`
/// for `epoch ≤ period`, and `min` after.
///
/// The rate starts at `initial`, falls slowly, then fast, then slowly again,
/// and reaches `min` at epoch `period`, where it stays. Use the number of
/// training epochs as `period` to end training at `min`.
///
/// # Example
///
/// ```
/// use autodiff_runtime::{CosineAnnealing, Schedule};
///
/// let s = CosineAnnealing { initial: 0.1, min: 0.001, period: 100 };
/// assert!((s.rate(0) - 0.1).abs() < 1e-15);
/// assert!((s.rate(50) - 0.0505).abs() < 1e-15); // the midpoint
/// assert_eq!(s.rate(100), 0.001);
/// assert_eq!(s.rate(500), 0.001);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CosineAnnealing {
    /// The rate at epoch 0.
    pub initial: f64,
    /// The rate from epoch `period` on.
    pub min: f64,
    /// The number of epochs the descent from `initial` to `min` takes.
    pub period: usize,
}

impl Schedule for CosineAnnealing {
    /// A `period` of 0 gives `min` from the start.
    fn rate(&self, epoch: usize) -> f64 {
        if epoch >= self.period {
            return self.min;
        }
        let progress = epoch as f64 / self.period as f64;
        self.min + (self.initial - self.min) * (1.0 + (PI * progress).cos()) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Sgd;

    #[test]
    fn step_decay_is_piecewise_constant_geometric() {
        let s = StepDecay { initial: 2.0, factor: 0.5, every: 3 };
        let rates: Vec<f64> = (0..9).map(|e| s.rate(e)).collect();
        assert_eq!(rates, [2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5]);
    }

    #[test]
    fn step_decay_every_epoch_is_exponential() {
        let s = StepDecay { initial: 1.0, factor: 0.9, every: 1 };
        for e in 0..20 {
            assert!((s.rate(e) - 0.9f64.powi(e as i32)).abs() < 1e-15);
        }
    }

    #[test]
    fn cosine_hits_its_closed_form_quarter_points() {
        // cos(π/4) = √2/2, so the quarter point is min + (initial − min)(1 + √2/2)/2.
        let s = CosineAnnealing { initial: 1.0, min: 0.0, period: 8 };
        let quarter = (1.0 + std::f64::consts::FRAC_1_SQRT_2) / 2.0;
        assert!((s.rate(2) - quarter).abs() < 1e-15);
        assert!((s.rate(4) - 0.5).abs() < 1e-15);
        assert!((s.rate(6) - (1.0 - quarter)).abs() < 1e-15);
    }

    #[test]
    fn cosine_is_monotone_and_bounded() {
        let s = CosineAnnealing { initial: 0.3, min: 0.01, period: 37 };
        let rates: Vec<f64> = (0..=40).map(|e| s.rate(e)).collect();
        assert!(rates.windows(2).all(|w| w[1] <= w[0]));
        assert!(rates.iter().all(|&r| (0.01..=0.3).contains(&r)));
    }

    #[test]
    fn cosine_with_zero_period_is_min() {
        assert_eq!(CosineAnnealing { initial: 1.0, min: 0.25, period: 0 }.rate(0), 0.25);
    }

    #[test]
    fn apply_sets_the_optimizer_rate_through_a_trait_object() {
        let mut opt: Box<dyn Optimizer> = Box::new(Sgd::new(1.0));
        let s = StepDecay { initial: 1.0, factor: 0.5, every: 1 };
        assert_eq!(s.apply(&mut *opt, 3), 0.125);
        assert_eq!(opt.learning_rate(), 0.125);
    }
}
