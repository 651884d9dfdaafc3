//! Optimizers: rules that turn a gradient into a parameter update.
//!
//! Every optimizer implements [`Optimizer`], so training loops, learning-rate
//! schedules and model code are written once against the trait. Each
//! optimizer lives in its own module; state it keeps between steps (momenta,
//! moment estimates) lives in its struct, one entry per scalar parameter,
//! sized on first use.
//!
//! - [`Sgd`]: `w ← w − α·∇w`, with optional momentum and Nesterov momentum;
//! - [`Adam`]: adaptive moment estimation with bias correction;
//! - [`AdamW`]: Adam with decoupled weight decay.
//!
//! An optimizer updates either one flat slice ([`Optimizer::step`]) or a
//! whole model struct ([`Optimizer::step_params`], for any
//! [`Params`] type), with the same per-scalar state.
//!
//! # Example
//!
//! ```
//! use autodiff_runtime::optim::{Optimizer, Sgd};
//!
//! // One step of w ← w − α∇w with α = 0.5.
//! let mut w = [4.0];
//! Sgd::new(0.5).step(&mut w, &[2.0]);
//! assert_eq!(w, [3.0]);
//! ```

mod adam;
mod adamw;
mod sgd;
mod state;

pub use adam::Adam;
pub use adamw::AdamW;
pub use sgd::Sgd;

use crate::Params;

/// An update rule for parameters and their gradient.
///
/// An implementation writes [`update`](Optimizer::update), which updates a
/// chunk of the parameters that starts at a given offset into the
/// optimizer's per-scalar state, and, if it counts steps,
/// [`begin_step`](Optimizer::begin_step). Callers use
/// [`step`](Optimizer::step) for one flat slice and
/// [`step_params`](Optimizer::step_params) for a model struct; both call
/// `begin_step` once, then `update` on each chunk.
///
/// `Box<O>` and `&mut O` are optimizers when `O` is, so a
/// `Box<dyn Optimizer>` can update model structs too.
///
/// # Example
///
/// A training loop written against the trait:
///
/// ```
/// use autodiff_runtime::{Adam, Optimizer, Sgd};
///
/// fn fit(opt: &mut impl Optimizer, w: &mut [f64], grad: impl Fn(&[f64]) -> Vec<f64>) {
///     for _ in 0..500 {
///         let g = grad(w);
///         opt.step(w, &g);
///     }
/// }
///
/// // Minimise (w − 3)², whose gradient is 2(w − 3).
/// let grad = |w: &[f64]| vec![2.0 * (w[0] - 3.0)];
/// let mut w = [0.0];
/// fit(&mut Sgd::new(0.1), &mut w, grad);
/// assert!((w[0] - 3.0).abs() < 1e-6);
///
/// let mut w = [0.0];
/// fit(&mut Adam::new(0.1), &mut w, grad);
/// assert!((w[0] - 3.0).abs() < 1e-3);
/// ```
pub trait Optimizer {
    /// Updates `params` in place from their gradient `grads`, where
    /// `params[i]` is the scalar number `offset + i` of the whole parameter
    /// set: its state (a momentum, moment estimates) is kept at that index.
    ///
    /// Called by [`step`](Optimizer::step) and
    /// [`step_params`](Optimizer::step_params), after
    /// [`begin_step`](Optimizer::begin_step); call it directly only to
    /// update parameters kept in several separate slices as one step.
    ///
    /// # Panics
    ///
    /// Implementations panic if `params` and `grads` differ in length.
    ///
    /// # Example
    ///
    /// Two slices updated as one parameter set of four scalars:
    ///
    /// ```
    /// use autodiff_runtime::{Optimizer, Sgd};
    ///
    /// let (mut w, mut b) = ([1.0, 2.0], [3.0, 4.0]);
    /// let mut opt = Sgd::new(0.5);
    /// opt.begin_step();
    /// opt.update(0, &mut w, &[2.0, 2.0]);
    /// opt.update(2, &mut b, &[-2.0, 0.0]);
    /// assert_eq!((w, b), ([0.0, 1.0], [4.0, 4.0]));
    /// ```
    fn update(&mut self, offset: usize, params: &mut [f64], grads: &[f64]);

    /// Starts a step: called once before the [`update`](Optimizer::update)
    /// calls that make up one step. Optimizers that count steps (Adam's bias
    /// correction) count here; the default does nothing.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{Adam, Optimizer};
    ///
    /// let mut opt = Adam::new(0.1);
    /// opt.begin_step();
    /// assert_eq!(opt.steps(), 1);
    /// ```
    fn begin_step(&mut self) {}

    /// One step on a flat slice: `begin_step`, then `update` of the whole
    /// slice at offset 0.
    ///
    /// # Panics
    ///
    /// If `params` and `grads` differ in length.
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
    #[track_caller]
    fn step(&mut self, params: &mut [f64], grads: &[f64]) {
        assert_same_len(params, grads);
        self.begin_step();
        self.update(0, params, grads);
    }

    /// One step on a model struct: `begin_step`, then `update` of each of its
    /// slices, with the running offset of
    /// [`Params::for_each_slice`] order, so each scalar keeps its own state
    /// across steps. `grads` is the model's gradient, of the same shape
    /// (made with [`Params::zeros_like`], filled by `#[grad]`).
    ///
    /// # Panics
    ///
    /// If `model` and `grads` differ in shape.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{Optimizer, Params, Sgd};
    ///
    /// // A "model" of a matrix; loss Σ w², gradient 2w: one step of
    /// // α = 0.25 halves every weight.
    /// let mut w = [[2.0, -4.0], [1.0, 8.0]];
    /// let mut g = w.zeros_like();
    /// g.add_scaled(&w, 2.0);
    /// Sgd::new(0.25).step_params(&mut w, &g);
    /// assert_eq!(w, [[1.0, -2.0], [0.5, 4.0]]);
    /// ```
    #[track_caller]
    fn step_params<P: Params>(&mut self, model: &mut P, grads: &P)
    where
        Self: Sized,
    {
        self.begin_step();
        let mut offset = 0;
        model.zip_slices_mut(grads, &mut |p, g| {
            self.update(offset, p, g);
            offset += p.len();
        });
    }

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
    /// steps (see [`Schedule::apply`](crate::Schedule::apply)).
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

impl<O: Optimizer + ?Sized> Optimizer for &mut O {
    fn update(&mut self, offset: usize, params: &mut [f64], grads: &[f64]) {
        (**self).update(offset, params, grads);
    }

    fn begin_step(&mut self) {
        (**self).begin_step();
    }

    fn learning_rate(&self) -> f64 {
        (**self).learning_rate()
    }

    fn set_learning_rate(&mut self, learning_rate: f64) {
        (**self).set_learning_rate(learning_rate);
    }
}

impl<O: Optimizer + ?Sized> Optimizer for Box<O> {
    fn update(&mut self, offset: usize, params: &mut [f64], grads: &[f64]) {
        (**self).update(offset, params, grads);
    }

    fn begin_step(&mut self) {
        (**self).begin_step();
    }

    fn learning_rate(&self) -> f64 {
        (**self).learning_rate()
    }

    fn set_learning_rate(&mut self, learning_rate: f64) {
        (**self).set_learning_rate(learning_rate);
    }
}

/// The length check every optimizer's `update` starts with, so they all fail
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
