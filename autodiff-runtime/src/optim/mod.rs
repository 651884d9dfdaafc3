//! Optimizers: rules that turn a gradient into a parameter update.
//!
//! Every optimizer implements [`Optimizer`], so training loops, learning-rate
//! schedules and model code are written once against the trait. Each
//! optimizer lives in its own module; state it keeps between steps (momenta,
//! moment estimates) lives in its struct, one entry per scalar parameter,
//! sized on first use.
//!
//! # Hostile gradients and misuse
//!
//! Every step first checks its input, and refuses it, changing nothing,
//! when a partial derivative is NaN or infinite (which would otherwise stay
//! in the parameters, and in momenta and moment estimates, for good), when
//! the gradient has another length than the parameters, or when the
//! optimizer's state is for parameters of another size. How you hear of it
//! is your choice, at each call:
//!
//! - [`step`](Optimizer::step), [`step_params`](Optimizer::step_params) and
//!   [`update`](Optimizer::update) **panic** with an
//!   [`OptimizerError`]'s message, which names the parameter's index (the
//!   default, as for an index out of bounds: a NaN gradient is a bug to fix);
//! - [`try_step`](Optimizer::try_step),
//!   [`try_step_params`](Optimizer::try_step_params) and
//!   [`try_update`](Optimizer::try_update) return it as an `Err`, for a
//!   training loop that skips a bad batch or lowers its learning rate.
//!
//! A finite gradient can still ask for an update beyond `f64::MAX` (a
//! partial of `1e308` with momentum). The updates are computed so that no
//! intermediate value overflows where the result is finite (Adam's first
//! step is `±α` for any finite partial, however large); where the result
//! itself would exceed `f64::MAX`, the update is refused with
//! [`OptimizerError::StepOverflow`], changing nothing.
//!
//! Hyperparameters are checked where they are set: a NaN, infinite or
//! negative learning rate, a momentum or `β` outside `[0, 1)`, a
//! non-positive `ε` panic in the constructor or builder (see their
//! `# Panics`). One written to a public field is refused at the next update
//! with [`OptimizerError::InvalidHyperparameter`].
//!
//! State is bound to the number of scalar parameters of the first step: an
//! `Sgd` with momentum, an `Adam` or an `AdamW` reused on a model of another
//! size is an [`OptimizerError::StateMismatch`], not a silent reuse of
//! another model's momenta. [`reset`](Adam::reset) unbinds it. Plain SGD
//! keeps no state and takes parameters of any size.
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
mod error;
mod range;
mod sgd;
mod state;

pub use adam::Adam;
pub use adamw::AdamW;
pub use error::OptimizerError;
pub use sgd::Sgd;

use crate::Params;

/// An update rule for parameters and their gradient.
///
/// An implementation writes [`update`](Optimizer::update), which updates a
/// chunk of the parameters that starts at a given offset into the
/// optimizer's per-scalar state, and, if it counts steps,
/// [`begin_step`](Optimizer::begin_step). One with per-scalar state also
/// writes [`try_update`](Optimizer::try_update) and
/// [`bind_scalars`](Optimizer::bind_scalars) to refuse parameters its state
/// is not for. Callers use [`step`](Optimizer::step) for one flat slice and
/// [`step_params`](Optimizer::step_params) for a model struct (or their
/// `try_` forms, see the [module documentation](self)); each checks the
/// whole gradient, calls `bind_scalars` and `begin_step` once, then
/// `try_update` on each chunk.
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
    /// update parameters kept in several separate slices as one step. Each
    /// call is checked on its own: an error in the second slice leaves the
    /// first updated.
    ///
    /// # Panics
    ///
    /// With the message of the [`OptimizerError`] that
    /// [`try_update`](Optimizer::try_update) would return: `params` and
    /// `grads` differ in length, a partial derivative is not finite (the
    /// message names its index, `offset + i`), or the chunk lies outside
    /// the optimizer's state.
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

    /// [`update`](Optimizer::update), returning an error instead of
    /// panicking; on an error nothing is changed.
    ///
    /// The default checks the lengths, the offset and that every partial
    /// derivative is finite, then calls `update`. An optimizer with
    /// per-scalar state overrides it to also check the chunk against its
    /// state, and implements `update` by it.
    ///
    /// # Errors
    ///
    /// [`OptimizerError::LengthMismatch`],
    /// [`OptimizerError::NonFiniteGradient`] (with index `offset + i`),
    /// [`OptimizerError::OffsetOverflow`],
    /// [`OptimizerError::StepOverflow`],
    /// [`OptimizerError::InvalidHyperparameter`], and for stateful optimizers
    /// [`OptimizerError::StateMismatch`] and
    /// [`OptimizerError::StateAllocation`].
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{Optimizer, OptimizerError, Sgd};
    ///
    /// let mut b = [1.0, 1.0];
    /// let err = Sgd::new(0.1).try_update(4, &mut b, &[0.0, f64::INFINITY]);
    /// assert_eq!(err, Err(OptimizerError::NonFiniteGradient { index: 5, value: f64::INFINITY }));
    /// let err = Sgd::new(0.1).try_update(usize::MAX, &mut b, &[0.0, 0.0]);
    /// assert_eq!(err, Err(OptimizerError::OffsetOverflow { offset: usize::MAX, len: 2 }));
    /// ```
    fn try_update(&mut self, offset: usize, params: &mut [f64], grads: &[f64]) -> Result<(), OptimizerError> {
        check_update(offset, params, grads)?;
        self.update(offset, params, grads);
        Ok(())
    }

    /// Checks, changing nothing, that the next step would accept this chunk:
    /// what [`try_update`](Optimizer::try_update) would refuse after the
    /// next [`begin_step`](Optimizer::begin_step). The `step` methods call
    /// it on every chunk before `begin_step`, so that a refused step
    /// changes nothing, not even in a chunk before the refused one. The
    /// default makes the checks of [`try_update`](Optimizer::try_update)'s
    /// default; an optimizer that can refuse more (an update that
    /// overflows) overrides it.
    ///
    /// # Errors
    ///
    /// As [`try_update`](Optimizer::try_update), except for the state's
    /// size, which [`bind_scalars`](Optimizer::bind_scalars) checks.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{Optimizer, OptimizerError, Sgd};
    ///
    /// // −2·f64::MAX is beyond f64: no finite result is right.
    /// let opt = Sgd::new(1.0);
    /// let err = opt.check_next_update(3, &[f64::MAX], &[-f64::MAX]);
    /// assert_eq!(err, Err(OptimizerError::StepOverflow { index: 3 }));
    /// ```
    fn check_next_update(&self, offset: usize, params: &[f64], grads: &[f64]) -> Result<(), OptimizerError> {
        check_update(offset, params, grads)
    }

    /// Checks that a step over `scalars` parameters in all fits the
    /// optimizer's per-scalar state, binding the state to that size on its
    /// first step. Called by the `step` methods before
    /// [`begin_step`](Optimizer::begin_step); the default (an optimizer
    /// without state) accepts any size.
    ///
    /// # Errors
    ///
    /// [`OptimizerError::StateMismatch`] if the state is bound to another
    /// size, [`OptimizerError::StateAllocation`] if it cannot be allocated.
    ///
    /// # Example
    ///
    /// ```
    /// use autodiff_runtime::{Adam, Optimizer, OptimizerError};
    ///
    /// let mut opt = Adam::new(0.1);
    /// opt.bind_scalars(3).unwrap();
    /// assert_eq!(opt.bind_scalars(2), Err(OptimizerError::StateMismatch { state: 3, needed: 2 }));
    /// ```
    fn bind_scalars(&mut self, scalars: usize) -> Result<(), OptimizerError> {
        let _ = scalars;
        Ok(())
    }

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
    /// With the message of the [`OptimizerError`] that
    /// [`try_step`](Optimizer::try_step) would return, before changing
    /// anything: `params` and `grads` differ in length, a partial derivative
    /// is NaN or infinite (the message names its index), or the optimizer's
    /// state is for another number of parameters.
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
        expect_ok(self.try_step(params, grads));
    }

    /// [`step`](Optimizer::step), returning an error instead of panicking;
    /// on an error nothing is changed, neither `params` nor the optimizer's
    /// state (the step is not counted).
    ///
    /// # Errors
    ///
    /// [`OptimizerError::LengthMismatch`],
    /// [`OptimizerError::NonFiniteGradient`] (with the index of the first
    /// non-finite partial), [`OptimizerError::StepOverflow`],
    /// [`OptimizerError::InvalidHyperparameter`],
    /// [`OptimizerError::StateMismatch`] and
    /// [`OptimizerError::StateAllocation`].
    ///
    /// # Example
    ///
    /// A training loop that skips a batch whose gradient overflowed:
    ///
    /// ```
    /// use autodiff_runtime::{Adam, Optimizer, OptimizerError};
    ///
    /// let mut opt = Adam::new(0.1);
    /// let mut w = [1.0, 2.0];
    /// let mut skipped = 0;
    /// for g in [[0.5, 0.5], [f64::INFINITY, 0.5], [0.5, 0.5]] {
    ///     match opt.try_step(&mut w, &g) {
    ///         Ok(()) => {}
    ///         Err(OptimizerError::NonFiniteGradient { index, .. }) => {
    ///             assert_eq!(index, 0);
    ///             skipped += 1;
    ///         }
    ///         Err(other) => panic!("{other}"),
    ///     }
    /// }
    /// assert_eq!((skipped, opt.steps()), (1, 2));
    /// assert!(w.iter().all(|w| w.is_finite()));
    /// ```
    fn try_step(&mut self, params: &mut [f64], grads: &[f64]) -> Result<(), OptimizerError> {
        self.check_next_update(0, params, grads)?;
        self.bind_scalars(params.len())?;
        self.begin_step();
        self.try_update(0, params, grads)
    }

    /// One step on a model struct: `begin_step`, then `update` of each of its
    /// slices, with the running offset of
    /// [`Params::for_each_slice`] order, so each scalar keeps its own state
    /// across steps. `grads` is the model's gradient, of the same shape
    /// (made with [`Params::zeros_like`], filled by `#[grad]`).
    ///
    /// # Panics
    ///
    /// Before changing anything: if `model` and `grads` differ in shape, or
    /// with the message of the [`OptimizerError`] that
    /// [`try_step_params`](Optimizer::try_step_params) would return (a
    /// non-finite partial is named by its index in
    /// [`Params::to_flat`] order).
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
        expect_ok(self.try_step_params(model, grads));
    }

    /// [`step_params`](Optimizer::step_params), returning an error instead
    /// of panicking; on an error nothing is changed, neither the model nor
    /// the optimizer's state.
    ///
    /// # Errors
    ///
    /// [`OptimizerError::NonFiniteGradient`] and
    /// [`OptimizerError::StepOverflow`] (with the index in
    /// [`Params::to_flat`] order),
    /// [`OptimizerError::InvalidHyperparameter`],
    /// [`OptimizerError::StateMismatch`] and
    /// [`OptimizerError::StateAllocation`].
    ///
    /// # Panics
    ///
    /// If `model` and `grads` differ in shape (a `Vec` of another length),
    /// before changing anything, as [`Params::zip_slices_mut`] does.
    ///
    /// # Example
    ///
    /// One `Adam` per model: its moment estimates belong to the first.
    ///
    /// ```
    /// use autodiff_runtime::{Adam, Optimizer, OptimizerError};
    ///
    /// let mut opt = Adam::new(0.1);
    /// let (mut small, mut large) = (vec![1.0; 2], vec![1.0; 3]);
    /// opt.try_step_params(&mut small, &vec![0.5; 2]).unwrap();
    /// let err = opt.try_step_params(&mut large, &vec![0.5; 3]);
    /// assert_eq!(err, Err(OptimizerError::StateMismatch { state: 2, needed: 3 }));
    /// assert_eq!(large, [1.0; 3]);
    /// ```
    fn try_step_params<P: Params>(&mut self, model: &mut P, grads: &P) -> Result<(), OptimizerError>
    where
        Self: Sized,
    {
        let scalars = check_model_step(self, model, grads)?;
        self.bind_scalars(scalars)?;
        self.begin_step();
        let mut offset = 0;
        let mut result = Ok(());
        model.zip_slices_mut(grads, &mut |p, g| {
            if result.is_ok() {
                result = self.try_update(offset, p, g);
            }
            offset += p.len();
        });
        result
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
    /// # Panics
    ///
    /// The optimizers of this crate panic if `learning_rate` is NaN,
    /// infinite or negative.
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
    #[track_caller]
    fn update(&mut self, offset: usize, params: &mut [f64], grads: &[f64]) {
        (**self).update(offset, params, grads);
    }

    fn try_update(&mut self, offset: usize, params: &mut [f64], grads: &[f64]) -> Result<(), OptimizerError> {
        (**self).try_update(offset, params, grads)
    }

    fn check_next_update(&self, offset: usize, params: &[f64], grads: &[f64]) -> Result<(), OptimizerError> {
        (**self).check_next_update(offset, params, grads)
    }

    fn bind_scalars(&mut self, scalars: usize) -> Result<(), OptimizerError> {
        (**self).bind_scalars(scalars)
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
    #[track_caller]
    fn update(&mut self, offset: usize, params: &mut [f64], grads: &[f64]) {
        (**self).update(offset, params, grads);
    }

    fn try_update(&mut self, offset: usize, params: &mut [f64], grads: &[f64]) -> Result<(), OptimizerError> {
        (**self).try_update(offset, params, grads)
    }

    fn check_next_update(&self, offset: usize, params: &[f64], grads: &[f64]) -> Result<(), OptimizerError> {
        (**self).check_next_update(offset, params, grads)
    }

    fn bind_scalars(&mut self, scalars: usize) -> Result<(), OptimizerError> {
        (**self).bind_scalars(scalars)
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

/// The checks every update starts with, so that all optimizers refuse the
/// same input with the same error: matching lengths, an offset whose chunk
/// fits in `usize`, and finite partial derivatives.
pub(crate) fn check_update(offset: usize, params: &[f64], grads: &[f64]) -> Result<(), OptimizerError> {
    if params.len() != grads.len() {
        return Err(OptimizerError::LengthMismatch { params: params.len(), grads: grads.len() });
    }
    if offset.checked_add(params.len()).is_none() {
        return Err(OptimizerError::OffsetOverflow { offset, len: params.len() });
    }
    check_finite(offset, grads)
}

/// The first partial that is NaN or infinite, as an error naming its index
/// (`offset` being the index of `grads[0]`).
fn check_finite(offset: usize, grads: &[f64]) -> Result<(), OptimizerError> {
    match grads.iter().position(|g| !g.is_finite()) {
        Some(i) => Err(OptimizerError::NonFiniteGradient { index: offset + i, value: grads[i] }),
        None => Ok(()),
    }
}

/// The checks of a whole model's step, made before any parameter changes:
/// the same shape (`zip_slices_mut` panics on a `Vec` of another length;
/// the count catches a `Params` implementation that does not) and the
/// optimizer's [`check_next_update`](Optimizer::check_next_update) of
/// every slice. Returns the number of scalars.
fn check_model_step<O: Optimizer + ?Sized, P: Params>(
    optimizer: &O,
    model: &mut P,
    grads: &P,
) -> Result<usize, OptimizerError> {
    let mut offset = 0;
    let mut result = Ok(());
    model.zip_slices_mut(grads, &mut |p, g| {
        if result.is_ok() {
            result = optimizer.check_next_update(offset, p, g);
        }
        offset += p.len();
    });
    let grad_count = grads.num_params();
    if offset != grad_count {
        return Err(OptimizerError::LengthMismatch { params: offset, grads: grad_count });
    }
    result.map(|()| offset)
}

/// `w − α·d`, rounded once where the product alone would overflow but the
/// difference does not; infinite where the difference itself overflows.
pub(crate) fn descend(w: f64, alpha: f64, d: f64) -> f64 {
    let naive = w - alpha * d;
    if naive.is_finite() {
        naive
    } else {
        (-alpha).mul_add(d, w)
    }
}

/// Panics with the error's message, at the caller's location.
#[track_caller]
pub(crate) fn expect_ok(result: Result<(), OptimizerError>) {
    if let Err(error) = result {
        panic!("{error}");
    }
}
