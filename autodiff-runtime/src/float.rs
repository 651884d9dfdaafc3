//! The float trait that generic `#[grad]` functions are written over.
//!
//! `fn f<T: autodiff::Float>(x: T) -> T` (or `T: num_traits::Float`) is
//! differentiated for every `T` that implements [`Float`]: `f32` and `f64`.
//! The methods are those of [`num_traits::Float`] (`exp`, `ln`, `sin`,
//! `powi`, `sqrt`, `tanh`, `max`, ..), plus the compound assignments the
//! generated code needs and [`Float::from_f64`] for literals.

use core::fmt::{Debug, Display};
use core::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

pub use num_traits;

/// A float type `#[grad]` differentiates generically: `f32` or `f64`.
pub trait Float:
    num_traits::Float + AddAssign + SubAssign + MulAssign + DivAssign + Debug + Display + Default + Send + Sync + 'static
{
    /// The float nearest to `value`: how a literal is written in generic
    /// code (`T::from_f64(0.5) * x`).
    fn from_f64(value: f64) -> Self;
}

impl Float for f64 {
    #[inline(always)]
    fn from_f64(value: f64) -> Self {
        value
    }
}

impl Float for f32 {
    #[inline(always)]
    fn from_f64(value: f64) -> Self {
        value as f32
    }
}
