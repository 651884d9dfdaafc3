//! The slots of a struct lent to a `#[grad]` call.
//!
//! Between `#[grad]` functions every struct parameter (`m: &Model`,
//! `s: &Spring`) has the slots of a model (a shadow, a tangent), whether
//! the callee differentiates it or leaves it out of `wrt(..)`: the caller,
//! which reads one function at a time, fills the same slots whatever the
//! callee does. A callee that differentiates the struct types the slot
//! `&mut Model` (`&Model` for a tangent); one that leaves it out types it
//! [`NoShadow`]. A caller that does not differentiate the struct fills it
//! with [`slot`], whose type rustc infers from the callee's parameter: a
//! zero model, thrown away after the call, or [`NoShadow`].
//!
//! A `const` or `static` lent whole (`&W`) is a table whose type the macro
//! cannot see either: its probe (`constant`) tells floats, whose slots are
//! a zero of their shape, from the rest, whose slots are a struct's.

use super::{FloatShape, Floats, NoFloats, Seen, Shaped, Unseen};

/// The slot of a struct parameter that the function leaves out of
/// `wrt(..)`: it holds nothing, and the function never reads it.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoShadow;

/// What [`slot`] makes for a slot of type `Self` beside a `&T`.
pub trait Slot<T: ?Sized> {
    /// The slot's filling, for the struct `value`.
    fn of(value: &T) -> Self;
}

/// A model the callee differentiates: a zero of its shape, into which the
/// callee adds what the caller throws away.
impl<T: crate::Params> Slot<T> for T {
    #[inline(always)]
    fn of(value: &T) -> T {
        value.zeros_like()
    }
}

/// A struct the callee leaves out: nothing.
impl<T: ?Sized> Slot<T> for NoShadow {
    #[inline(always)]
    fn of(_value: &T) -> NoShadow {
        NoShadow
    }
}

/// The filling of a struct's slot in a call to a `#[grad]` function, for a
/// struct the caller does not differentiate (see the module's text).
#[inline(always)]
pub fn slot<S: Slot<T>, T: ?Sized>(value: &T) -> S {
    S::of(value)
}

/// The floats a slice or array parameter takes (`f64`, `[f64; N]`,
/// `Vec<f64>`, nested), whose shadow or tangent is a zero of the same
/// shape. Unlike [`FloatShape`], no tuples: a slice of pairs is a table,
/// which a callee takes with the slots of a struct.
pub trait SliceShape: FloatShape {}

impl<F: crate::Float> SliceShape for F {}

impl<S: SliceShape, const N: usize> SliceShape for [S; N] {}

impl<S: SliceShape> SliceShape for Vec<S> {}

/// `constant`, first: a `const` or `static` of floats ([`SliceShape`])
/// lent whole (`dot(x, &W)`), which the callee's slice or array parameter
/// takes with a shadow of its shape.
pub trait FloatsConstantProbe<T> {
    /// [`Shaped`].
    #[inline(always)]
    fn constant(self) -> Seen<Shaped, T>
    where
        Self: Sized,
    {
        Seen::new()
    }
}

impl<T: SliceShape> FloatsConstantProbe<T> for &&Unseen<T> {}

/// `constant`, second: a model, whose slots are a struct's.
pub trait ModelConstantProbe<T> {
    /// [`Floats`].
    #[inline(always)]
    fn constant(self) -> Seen<Floats, T>
    where
        Self: Sized,
    {
        Seen::new()
    }
}

impl<T: crate::Params> ModelConstantProbe<T> for &Unseen<T> {}

/// `constant` for anything else (a struct, a table of pairs or structs):
/// the slots of a struct the callee leaves out.
pub trait OtherConstantProbe<T> {
    /// [`NoFloats`].
    #[inline(always)]
    fn constant(self) -> Seen<NoFloats, T>
    where
        Self: Sized,
    {
        Seen::new()
    }
}

impl<T> OtherConstantProbe<T> for Unseen<T> {}
