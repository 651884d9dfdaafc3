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

/// `companion!(f => f_vjp(a: A, d_a: DA, ..))` declares the struct `f` whose
/// `vjp` forwards to `f_vjp`, for a function of outputs. For a function
/// that returns a float, `companion!(f(a: A, ..) => f_vjp(a: A, d_a: DA, ..) -> R)`
/// also declares `fwd` (the value, with an empty tape) and `rev` (the
/// derivative, given that tape), the pair callers use to keep the value.
macro_rules! companion {
    ($name:ident($($p:ident: $pty:ty),* $(,)?) => $vjp:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty) => {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        pub struct $name {}

        impl $name {
            /// The vector-Jacobian product `#[grad]` functions call.
            #[doc(hidden)]
            #[inline]
            #[track_caller]
            pub fn vjp($($arg: $ty,)* seed: f64) -> $ret {
                $vjp($($arg,)* seed)
            }

            /// The value, and the (empty) tape for `rev`.
            #[doc(hidden)]
            #[inline]
            pub fn fwd($($p: $pty),*) -> (f64, ()) {
                ($name($($p),*), ())
            }

            /// The vector-Jacobian product, given what `fwd` kept.
            #[doc(hidden)]
            #[inline]
            #[track_caller]
            pub fn rev($($arg: $ty,)* _tape: (), seed: f64) -> $ret {
                $vjp($($arg,)* seed)
            }
        }
    };
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
