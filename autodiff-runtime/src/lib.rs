#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! The runtime of [`autodiff`](https://docs.rs/autodiff): what models built
//! with `#[grad]` need besides the macro.
//!
//! - [`activation`]: [`sigmoid`], [`tanh`], [`relu`], [`leaky_relu`],
//!   [`softplus`];
//! - [`loss`]: [`squared_error`], [`binary_cross_entropy`],
//!   [`binary_cross_entropy_with_logits`];
//! - [`logits`]: [`softmax`], [`log_softmax`], [`softmax_cross_entropy`]
//!   over a vector of logits, stable and with hand-written derivatives;
//! - [`reduce`]: [`mean`] and [`log_sum_exp`], with their derivatives;
//! - the forward-mode derivatives of those written by hand:
//!   [`softmax_jvp`], [`log_softmax_jvp`], [`softmax_cross_entropy_jvp`],
//!   [`mean_jvp`], [`log_sum_exp_jvp`];
//! - [`generic`](mod@generic): all of the above for any float type
//!   (`f32` code calls these), which the `f64` functions forward to;
//! - [`gradcheck`]: compare an analytic gradient with central differences,
//!   and a Jacobian-vector or Hessian-vector product with central
//!   differences along its direction ([`check_jvp`], [`check_hvp`]);
//! - [`jacobian`](mod@jacobian): dense Jacobians of functions with `&mut`
//!   outputs from forward-mode or reverse-mode products ([`jacobian()`],
//!   [`jacobian_forward`], [`jacobian_reverse`]);
//! - [`hessian`](mod@hessian): dense Hessians from Hessian-vector products
//!   ([`hessian()`]), as a [`Matrix`];
//! - [`params`](mod@params): the [`Params`] trait of model structs, seen as
//!   flat `f64` slices;
//! - [`optim`]: the [`Optimizer`] trait and its update rules ([`Sgd`] with
//!   momentum or Nesterov momentum, [`Adam`], [`AdamW`]), over slices or
//!   whole models, refusing non-finite gradients ([`OptimizerError`]);
//! - [`schedule`]: learning-rate schedules ([`StepDecay`],
//!   [`CosineAnnealing`]);
//! - [`data`]: shuffled mini-batches ([`Batches`]) and
//!   [`train_test_split`];
//! - [`parallel`]: [`batch_gradient`], the gradient of a mini-batch on
//!   all cores, with the same bits on any number of threads;
//! - `distributed` (feature `mpi`): `MpiWorld`, training on the ranks of an
//!   MPI job;
//! - [`progress`]: [`Progress`], a training progress bar that keeps quiet
//!   outside a terminal;
//! - [`graph`](mod@graph): [`Graph`], the computational graph of a function at a point
//!   (what `#[grad(graph)]` returns), as Graphviz DOT or a standalone SVG.
//!
//! # Features
//!
//! All but `mpi` on by default; without them (`default-features = false`) the crate
//! needs nothing but the macro crate and `num-traits` (the [`Float`] bound):
//!
//! - `progress`: [`progress`] (the `indicatif` crate);
//! - `data`: [`data`] (the `rand` crate);
//! - `svg`: `Graph::to_svg` (the `layout-rs` crate);
//! - `rayon`: [`batch_gradient`] on all cores (the `rayon` crate); without
//!   it, the same sums on one core.
//!
//! Off by default: `mpi`, the `distributed` module (`MpiWorld`): the gradient
//! of a batch summed across the ranks of an MPI job (the `mpi` crate, which
//! needs a system MPI library).
//!
//! Activations and losses are written with `#[grad(reverse, hessian)]`,
//! so each `f` comes with `f_grad`, `f_vjp` and `f_hvp` and can be called
//! inside other `#[grad]` functions of every mode; so can `mean`,
//! `log_sum_exp` and `softmax_cross_entropy`, whose derivatives (`_vjp`,
//! `_jvp`, `_hvp`) are written by hand.
//!
//! Every item is also re-exported at the crate root.
//!
//! # Example
//!
//! ```
//! use autodiff_runtime::{check_gradient, Optimizer, Sgd};
//!
//! // Fit w to minimise (w − 3)², checking the hand-written gradient first.
//! let loss = |w: &[f64]| (w[0] - 3.0).powi(2);
//! let grad = |w: &[f64]| vec![2.0 * (w[0] - 3.0)];
//! let mut w = [0.0];
//! check_gradient(loss, &w, &grad(&w)).assert_close(1e-6);
//!
//! let mut opt = Sgd::new(0.1);
//! for _ in 0..200 {
//!     let g = grad(&w);
//!     opt.step(&mut w, &g);
//! }
//! assert!((w[0] - 3.0).abs() < 1e-9);
//! ```

// The code `#[grad]` generates for the runtime's own generic functions
// names `::autodiff::Float`.
extern crate self as autodiff;

pub mod activation;
mod companion;
#[cfg(feature = "data")]
pub mod data;
#[cfg(feature = "mpi")]
pub mod distributed;
mod float;
pub mod generic;
mod generic_logits;
pub mod gradcheck;
pub mod graph;
#[doc(hidden)]
pub mod guards;
pub mod hessian;
pub mod jacobian;
pub mod logits;
pub mod loss;
mod matrix;
pub mod optim;
pub mod parallel;
pub mod params;
#[cfg(feature = "progress")]
pub mod progress;
#[doc(hidden)]
pub mod records;
pub mod reduce;
pub mod schedule;
mod second_order;
mod tangent;

pub use activation::{
    leaky_relu, leaky_relu_grad, leaky_relu_hvp, leaky_relu_vjp, relu, relu_grad, relu_hvp, relu_vjp, sigmoid,
    sigmoid_grad, sigmoid_hvp, sigmoid_vjp, softplus, softplus_grad, softplus_hvp, softplus_vjp, tanh, tanh_grad,
    tanh_hvp, tanh_vjp,
};
#[cfg(feature = "data")]
pub use data::{permutation, train_test_split, BatchIter, Batches};
#[cfg(feature = "mpi")]
pub use distributed::MpiWorld;
pub use float::{num_traits, Float};
pub use gradcheck::{
    check_gradient, check_hvp, check_jvp, numeric_gradient, numeric_gradient_with_step, numeric_hvp, numeric_jvp,
    relative_error, GradCheck, GradCheckEntry, GradChecker, DEFAULT_FLOOR, DEFAULT_STEP,
};
pub use graph::{Cluster, ClusterId, ClusterKind, Edge, Graph, Node, NodeId, NodeKind, Value};
pub use hessian::hessian;
pub use jacobian::{jacobian, jacobian_forward, jacobian_reverse};
pub use logits::{
    log_softmax, log_softmax_vjp, softmax, softmax_cross_entropy, softmax_cross_entropy_grad,
    softmax_cross_entropy_vjp, softmax_vjp,
};
pub use loss::{
    binary_cross_entropy, binary_cross_entropy_grad, binary_cross_entropy_hvp, binary_cross_entropy_vjp,
    binary_cross_entropy_with_logits, binary_cross_entropy_with_logits_grad, binary_cross_entropy_with_logits_hvp,
    binary_cross_entropy_with_logits_vjp, squared_error, squared_error_grad, squared_error_hvp, squared_error_vjp,
};
pub use matrix::Matrix;
pub use optim::{Adam, AdamW, Optimizer, OptimizerError, Sgd};
pub use parallel::batch_gradient;
pub use params::Params;
#[cfg(feature = "progress")]
pub use progress::Progress;
pub use reduce::{log_sum_exp, log_sum_exp_grad, log_sum_exp_vjp, mean, mean_grad, mean_vjp};
pub use schedule::{CosineAnnealing, Schedule, StepDecay};
pub use second_order::{log_sum_exp_hvp, mean_hvp, softmax_cross_entropy_hvp};
pub use tangent::{log_softmax_jvp, log_sum_exp_jvp, mean_jvp, softmax_cross_entropy_jvp, softmax_jvp};
