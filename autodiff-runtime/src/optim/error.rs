//! Why an optimizer refuses a step.

use core::fmt;

/// Why an optimizer refused a step or an update.
///
/// The `try_` methods of [`Optimizer`](crate::Optimizer)
/// ([`try_step`](crate::Optimizer::try_step),
/// [`try_step_params`](crate::Optimizer::try_step_params),
/// [`try_update`](crate::Optimizer::try_update)) return it; the others
/// ([`step`](crate::Optimizer::step) and so on) panic with its message. A
/// refused call changes nothing: neither the parameters nor the
/// optimizer's state.
///
/// # Example
///
/// ```
/// use autodiff_runtime::{Adam, Optimizer, OptimizerError};
///
/// let mut w = [1.0, 2.0];
/// let err = Adam::new(0.1).try_step(&mut w, &[0.5, f64::NAN]).unwrap_err();
/// assert!(matches!(err, OptimizerError::NonFiniteGradient { index: 1, .. }));
/// assert_eq!(w, [1.0, 2.0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum OptimizerError {
    /// `params` and `grads` differ in length (or a model and its gradient
    /// in number of scalars).
    LengthMismatch {
        /// The number of parameters.
        params: usize,
        /// The number of partial derivatives.
        grads: usize,
    },
    /// A partial derivative is NaN or infinite: a step would write it into
    /// the parameters (and into momenta and moment estimates, for good).
    NonFiniteGradient {
        /// The parameter's index: its place in the flat slice, or in
        /// [`Params::to_flat`](crate::Params::to_flat) order for a model,
        /// or `offset + i` for an [`update`](crate::Optimizer::update).
        index: usize,
        /// The partial derivative.
        value: f64,
    },
    /// The optimizer keeps per-scalar state (momenta, moment estimates) for
    /// another number of parameters than this step uses: it was made for,
    /// or first used with, another model.
    StateMismatch {
        /// The number of scalar parameters the state is for.
        state: usize,
        /// The number this step needs.
        needed: usize,
    },
    /// `offset + params.len()` of an [`update`](crate::Optimizer::update)
    /// does not fit in a `usize`.
    OffsetOverflow {
        /// The offset passed to `update`.
        offset: usize,
        /// The number of parameters passed to `update`.
        len: usize,
    },
    /// The state for the scalars an update reaches cannot be allocated (an
    /// offset far beyond any model).
    StateAllocation {
        /// The number of scalars the state would have to cover.
        scalars: usize,
    },
    /// The gradient is finite but the update it asks for is not: the new
    /// value of a parameter (or of its momentum) lies beyond `f64::MAX`.
    /// No finite result would be right, so the step is refused.
    StepOverflow {
        /// The parameter's index, as for
        /// [`NonFiniteGradient`](Self::NonFiniteGradient).
        index: usize,
    },
    /// A hyperparameter (set through a public field) lies outside its valid
    /// range; the constructors and builders panic on such a value instead.
    InvalidHyperparameter {
        /// The field's name, e.g. `"learning_rate"`.
        name: &'static str,
        /// Its value.
        value: f64,
        /// The valid range, in words.
        valid: &'static str,
    },
}

impl fmt::Display for OptimizerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::LengthMismatch { params, grads } => write!(
                f,
                "optimizer step: params.len() = {params} but grads.len() = {grads}; each parameter needs exactly one gradient"
            ),
            Self::NonFiniteGradient { index, value } => write!(
                f,
                "optimizer step: the gradient of parameter {index} is {value}; the step was refused and nothing was updated"
            ),
            Self::StateMismatch { state, needed } => write!(
                f,
                "optimizer step: this optimizer's state is for {state} scalar parameters (the parameters it was first \
                 used with) but this step uses {needed}; use a new optimizer, or call reset(), for other parameters"
            ),
            Self::OffsetOverflow { offset, len } => {
                write!(f, "optimizer update: offset {offset} + params.len() {len} overflows usize")
            }
            Self::StateAllocation { scalars } => {
                write!(f, "optimizer update: cannot allocate optimizer state for {scalars} scalar parameters")
            }
            Self::StepOverflow { index } => write!(
                f,
                "optimizer step: the update of parameter {index} overflows f64 (its new value or its momentum would \
                 exceed f64::MAX); the step was refused and nothing was updated"
            ),
            Self::InvalidHyperparameter { name, value, valid } => {
                write!(f, "optimizer: {name} = {value} is invalid; it must be {valid}")
            }
        }
    }
}

impl std::error::Error for OptimizerError {}
