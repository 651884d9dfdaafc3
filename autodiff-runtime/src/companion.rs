//! Companions of hand-differentiated functions, so that `#[grad]` functions
//! can call them.
//!
//! `#[grad]` differentiates a call `path::f(..)` through `path::f::vjp(..)`:
//! a hidden braced struct named like the function (it lives in the type
//! namespace, beside the function) whose associated `vjp` takes the
//! function's parameters with a shadow after each slice, then the seed of
//! a float result. `#[grad]` writes that struct for the functions it
//! annotates; [`companion!`] writes it for the functions of this crate whose
//! derivatives are written by hand.

/// `companion!(f => f_vjp(a: A, d_a: DA, .., seed: f64) -> R)` declares the
/// struct `f` whose `vjp` forwards to `f_vjp`.
macro_rules! companion {
    ($name:ident => $vjp:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)?) => {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        pub struct $name {}

        impl $name {
            /// The vector-Jacobian product `#[grad]` functions call.
            #[doc(hidden)]
            #[inline]
            #[track_caller]
            pub fn vjp($($arg: $ty),*) $(-> $ret)? {
                $vjp($($arg),*)
            }
        }
    };
}

pub(crate) use companion;
