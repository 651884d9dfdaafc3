//! Companions of hand-differentiated functions, so that `#[grad]` functions
//! can call them.
//!
//! `#[grad]` differentiates a call `path::f(..)` through `path::f::vjp(..)`
//! (reverse mode) or `path::f::jvp(..)` (forward mode): a hidden braced
//! struct named like the function (it lives in the type namespace, beside
//! the function). The convention is defined once, in the macro crate
//! (`autodiff-macros/src/companion.rs`), which writes that struct for the
//! functions `#[grad]` annotates and, through [`companion!`], for the
//! functions of this crate whose derivatives are written by hand.

/// `companion!(f => f_vjp(a: A, d_a: DA, ..))` declares the struct `f` whose
/// `vjp` forwards to `f_vjp`, for a function of outputs. For a function
/// that returns a float, `companion!(f(a: A, ..) => f_vjp(a: A, d_a: DA, ..) -> R)`
/// also declares `fwd` (the value, with an empty tape), `rev` (the
/// derivative, given that tape) and `jvp` (the forward-mode derivative,
/// from one `vjp`).
pub(crate) use autodiff_macros::__companion as companion;
