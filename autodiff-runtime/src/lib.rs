//! The runtime of [`autodiff`](https://docs.rs/autodiff): what models built
//! with `#[grad]` need besides the macro.
//!
//! - [`gradcheck`]: compare an analytic gradient with central differences;
//! - [`optim`]: the [`Optimizer`] trait and its update rules ([`Sgd`]).
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

pub mod gradcheck;
pub mod optim;

pub use gradcheck::{
    check_gradient, numeric_gradient, numeric_gradient_with_step, relative_error, GradCheck, GradCheckEntry,
    GradChecker, DEFAULT_FLOOR, DEFAULT_STEP,
};
pub use optim::{Optimizer, Sgd};
