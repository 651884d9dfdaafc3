#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! Compile-time reverse-mode automatic differentiation for plain Rust
//! functions.
//!
//! Annotate a function of floats with [`#[grad]`](grad) and it gains, in the
//! same scope, `NAME_grad` (the value followed by every partial derivative)
//! and `NAME_vjp` (the same, scaled by the output's adjoint `seed`). The
//! derivative code is generated at compile time from the function's source:
//! no tape, no heap, no runtime call for straight-line code.
//!
//! # Example
//!
//! The lesson's exercise: `J(a, b, c) = 3(a + bc)`, split as `v = bc`,
//! `u = a + v`, `J = 3u`, so `∂J/∂a = 3`, `∂J/∂b = 3c`, `∂J/∂c = 3b`.
//!
//! ```
//! use autodiff::grad;
//!
//! #[grad]
//! fn j(a: f64, b: f64, c: f64) -> f64 {
//!     let v = b * c;
//!     let u = a + v;
//!     3.0 * u
//! }
//!
//! let (value, da, db, dc) = j_grad(1.0, 2.0, 3.0);
//! assert_eq!((value, da, db, dc), (21.0, 3.0, 9.0, 6.0));
//!
//! // The vector-Jacobian product scales every partial by the seed.
//! assert_eq!(j_vjp(1.0, 2.0, 3.0, 0.5), (21.0, 1.5, 4.5, 3.0));
//! ```
//!
//! # What else is here
//!
//! The runtime ([`autodiff_runtime`]) is re-exported at this crate's root
//! and in the [`prelude`]: activations and losses written with `#[grad]`
//! (so `sigmoid`, `sigmoid_grad` and `sigmoid_vjp` all exist and compose
//! inside your own `#[grad]` functions), optimizers behind the
//! [`Optimizer`] trait, [`check_gradient`] to compare a gradient with
//! central differences, [`jacobian()`] and [`hessian()`] to assemble
//! dense derivative matrices from forward-mode, reverse-mode and
//! Hessian-vector products, and [`Graph`], the computational graph of a
//! function at a point with its values and adjoints, as DOT or SVG, which
//! `#[grad(graph)]` generates as `NAME_graph(..)`.
//!
//! ```
//! use autodiff::prelude::*;
//!
//! // Logistic regression on one example: loss(w, b) = BCE(σ(w·x + b), y).
//! #[grad]
//! fn loss(w: f64, b: f64) -> f64 {
//!     let x = 2.0;
//!     let y = 1.0;
//!     binary_cross_entropy(sigmoid(w * x + b), y)
//! }
//!
//! let (w, b) = (0.3, -0.1);
//! let (_, dw, db) = loss_grad(w, b);
//! check_gradient(|p| loss(p[0], p[1]), &[w, b], &[dw, db]).assert_close(1e-6);
//!
//! // ∂loss/∂z = σ(z) − y with z = w·x + b, so ∂w = (σ(z) − y)·x and ∂b = σ(z) − y.
//! let dz = sigmoid(w * 2.0 + b) - 1.0;
//! assert!((dw - 2.0 * dz).abs() < 1e-12 && (db - dz).abs() < 1e-12);
//!
//! let mut params = [w, b];
//! Sgd::new(0.1).step(&mut params, &[dw, db]);
//! assert!(loss(params[0], params[1]) < loss(w, b));
//! ```

#[doc = include_str!("../docs/grad.md")]
#[doc(inline)]
pub use autodiff_macros::grad;
/// `#[derive(Params)]`: implements [`Params`](trait@Params) for a model struct
/// (see the trait for the field types it accepts).
pub use autodiff_macros::Params;
pub use autodiff_runtime::*;

/// The README's snippets, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
mod readme {}

/// Everything a user of the crate needs, for `use autodiff::prelude::*`:
/// the [`grad`] macro, the activations and losses (with their `_grad` and
/// `_vjp` companions), the optimizers with the [`Optimizer`] trait, the
/// gradient checks ([`check_gradient`], [`check_jvp`], [`check_hvp`]), and
/// [`jacobian()`] and [`hessian()`] with the [`Matrix`] they return.
///
/// # Example
///
/// ```
/// use autodiff::prelude::*;
///
/// #[grad]
/// fn square(x: f64) -> f64 {
///     x * x
/// }
///
/// let (y, dy) = square_grad(3.0);
/// assert_eq!((y, dy), (9.0, 6.0));
///
/// let mut w = [3.0];
/// Sgd::new(0.25).step(&mut w, &[dy]);
/// assert_eq!(w, [1.5]);
/// ```
pub mod prelude {
    pub use autodiff_macros::grad;
    pub use autodiff_macros::Params;
    pub use autodiff_runtime::*;
}
