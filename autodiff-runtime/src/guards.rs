//! Checks in the code `#[grad]` generates, for what the macro cannot see
//! (it reads one function at a time) but rustc can: each fails with a
//! message that names the fix instead of an error in generated code.

mod parts;
mod slots;

pub use parts::{add_part, ModelPart};
pub use slots::{slot, FloatsConstantProbe, ModelConstantProbe, NoShadow, OtherConstantProbe, SliceShape, Slot};

/// A call's value that `#[grad]` took for the float `F`: only `F` itself
/// is one (`impl<F> TakenForAFloat<F> for F`), so an array returned into a
/// local whose type is not written fails here, with the fix.
#[diagnostic::on_unimplemented(
    message = "#[grad] took the value of this call for `{F}`, but it is `{Self}`",
    label = "bound to a local whose type is not written",
    note = "write the type where the value is bound (`let name: {Self} = ..`): \
            #[grad] cannot see the callee's return type"
)]
pub trait TakenForAFloat<F> {
    fn into_float(self) -> F;
}

impl<F> TakenForAFloat<F> for F {
    #[inline(always)]
    fn into_float(self) -> F {
        self
    }
}

/// `value`, which `#[grad]` took for an `F` (see [`TakenForAFloat`]).
#[inline(always)]
pub fn float_result<F, V: TakenForAFloat<F>>(value: V) -> F {
    value.into_float()
}

/// A call's value used in place (`sum2(two(x))`, `two(x)[0] * y`) that
/// `#[grad]` took for the float `F`: as [`TakenForAFloat`], with the fix
/// for a value that is not bound.
#[diagnostic::on_unimplemented(
    message = "#[grad] took the value of this call for `{F}`, but it is `{Self}`",
    label = "used in place, where #[grad] cannot see its type",
    note = "bind it first, with its type (`let name: {Self} = ..;`), and use `name`: #[grad] cannot see the \
            callee's return type"
)]
pub trait UsedAsAFloat<F> {
    fn into_float(self) -> F;
}

impl<F> UsedAsAFloat<F> for F {
    #[inline(always)]
    fn into_float(self) -> F {
        self
    }
}

/// `value`, which `#[grad]` took for an `F` (see [`UsedAsAFloat`]).
#[inline(always)]
pub fn float_in_place<F, V: UsedAsAFloat<F>>(value: V) -> F {
    value.into_float()
}

/// Implemented by the companion of a function with second derivatives
/// (`#[grad(hessian)]`, and the runtime's hand-differentiated functions
/// that have them): its `tangent_vjp`, `tangent_fwd` and `tangent_rev`,
/// through which a `#[grad(hessian)]` caller differentiates the call twice.
#[diagnostic::on_unimplemented(
    message = "a `#[grad(hessian)]` function calls `{Self}`, whose derivatives are first-order only",
    label = "called here, and differentiated twice",
    note = "put `hessian` in the `#[grad(..)]` of `{Self}` (`#[grad(reverse, hessian)]`, with `forward` if its \
            `NAME_jvp` is used): a function's Hessian needs the second derivatives of what it calls. A \
            function with a custom `vjp = ..` has none: drop the custom derivative so that `hessian` \
            differentiates its body. Of the runtime's functions, `softmax` and `log_softmax` have none: write \
            them in the function (`p[i] = (z[i] - m).exp() / s`), or use `log_sum_exp` or \
            `softmax_cross_entropy`, which have"
)]
pub trait SecondOrder {}

/// Checks that the callee `C` of a `#[grad(hessian)]` function has second
/// derivatives (see [`SecondOrder`]).
#[inline(always)]
pub fn second_order<C: SecondOrder>(_: Me<C>) {}

/// A struct passed by value to a `#[grad]` call, which the call's
/// derivative is passed again (after the call's own code has run): it must
/// be `Copy`.
#[diagnostic::on_unimplemented(
    message = "#[grad] passes this `{Self}` to the call and again to the call's derivative, but it is not `Copy`",
    label = "moved into a #[grad] call",
    note = "take it by reference in the callee (`c: &{Self}`) and pass `&c`, or make it `Copy` \
            (`#[derive(Clone, Copy)]`)"
)]
pub trait PassedAgain {}

impl<T: Copy> PassedAgain for T {}

/// Checks that `value`, passed by value to a `#[grad]` call, may be passed
/// again (see [`PassedAgain`]).
#[inline(always)]
pub fn passed_again<T: PassedAgain>(_: &T) {}

/// `T` itself: the check [`owner_is_self`] makes.
#[diagnostic::on_unimplemented(
    message = "#[grad] took this call for a method of `{T}`, called by its path, but the path names `{Self}`",
    label = "`{Self}` is not the type of the first argument, `{T}`",
    note = "a function of another type is no method of its first argument, and #[grad] differentiates a call by \
            its path only as a method; call the method on the value (`value.name(..)`), or compute outside \
            #[grad] code what the other type's function gives"
)]
pub trait SameType<T: ?Sized> {}

impl<T: ?Sized> SameType<T> for T {}

/// An enum of settings (`#[derive(Params)] enum Act { .. }`), which holds
/// no parameter: a model's field of this type, copied into a typed `let`
/// (`let act: Act = self.act;`), is a constant that may be passed on by
/// value (the check [`holds_settings`] makes).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is no enum of settings: a model's field of this type may hold weights, which a copy would \
               not differentiate",
    label = "#[grad] takes this copy for a constant",
    note = "derive `Params` on an enum of settings (`#[derive(Params, Clone, Copy)] enum Act {{ .. }}`), or read \
            a part that holds weights in place (`self.lin.w[i]`, or its method through `let lin: &Lin = \
            &self.lin;`)"
)]
pub trait Settings {}

/// Checks that `T` is an enum of settings (see [`Settings`]).
#[inline(always)]
pub fn holds_settings<T: Settings>() {}

/// Checks that `Owner` is `S`: `Gain::apply(self, ..)` in a method, which
/// `#[grad]` takes for `self.apply(..)` only where `Gain` is `Self` (the
/// method cannot see its `impl`'s type; rustc can), or `Cf::apply(&cfg, ..)`
/// with `cfg: Config` (the same type through an alias, or another's).
#[inline(always)]
pub fn owner_is_self<Owner: ?Sized + SameType<S>, S: ?Sized>() {}

/// An `assert!` (`assert_eq!`, `debug_assert!`, ..) of a `#[grad]`
/// function, kept in its derivatives: panics with the macro as written
/// when `holds` is false.
#[inline(always)]
#[track_caller]
pub fn assertion(holds: bool, written: &'static str) {
    if !holds {
        panic!("assertion failed: {written}");
    }
}

/// A field of a model converted to a float (`m.n as f64`, `f64::from(m.n)`), which `#[grad]`
/// takes for a float: it cannot see the model's struct, and nothing else in
/// the body says the field is an integer.
#[diagnostic::on_unimplemented(
    message = "#[grad] took this field of a model for a float, but it is `{Self}`",
    label = "converted to a float (`as f64`, `f64::from`), which tells #[grad] nothing of the field's type",
    note = "#[grad] cannot see the model's struct: a field it reads is a float unless the body uses it where Rust \
            takes an integer or a `bool` (a range bound, an index, a condition, a typed `let`); read this one \
            through a typed `let` first (`let n: {Self} = m.field;`)"
)]
pub trait FloatField: Copy {}

impl FloatField for f32 {}

impl FloatField for f64 {}

/// `value`, a model's field that `#[grad]` took for a float (see [`FloatField`]).
#[inline(always)]
pub fn float_field<F: FloatField>(value: F) -> F {
    value
}

/// A name bound inside a pattern on a reference (`match act { Act::Leaky(s)
/// => .. }` with `act: &Act`), which Rust binds to a reference: `#[grad]`
/// computes with a copy of the value, as `*s` would be.
#[diagnostic::on_unimplemented(
    message = "#[grad] copies the names bound in a pattern on a reference out of it, and this one is `{Self}`",
    label = "bound here to a `&{Self}`",
    note = "#[grad] copies floats, integers, `bool`s and arrays and tuples of them; take the value itself as \
            the parameter (`s: Shape`, not `&Shape`), or pass what the variant holds as a parameter of its own"
)]
pub trait CopiedOut: Copy {}

macro_rules! copied_out {
    ($($ty:ty),*) => { $(impl CopiedOut for $ty {})* };
}

copied_out!(f32, f64, i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, bool, char);

impl<T: CopiedOut, const N: usize> CopiedOut for [T; N] {}

impl<A: CopiedOut, B: CopiedOut> CopiedOut for (A, B) {}

impl<A: CopiedOut, B: CopiedOut, C: CopiedOut> CopiedOut for (A, B, C) {}

/// The value `bound` refers to (see [`CopiedOut`]).
#[inline(always)]
pub fn copied_out<T: CopiedOut>(bound: &T) -> T {
    *bound
}

/// Ties the types of two values: the adjoint of an array copied from
/// another (`let k = a;`), whose length nothing else fixes, to the adjoint
/// of its source.
#[inline(always)]
pub fn same_type<T: ?Sized>(_: &T, _: &T) {}

/// The parameter a `&mut` argument of a `#[grad]` call is passed to:
/// `#[grad]` takes such an argument for an output the callee writes
/// (`helper(x, &mut out)`, and a `&mut` output passed on bare,
/// `helper(x, y)`), and differentiates the call so. Only a `&mut`
/// parameter is one, so a callee that only reads the argument fails here,
/// with the fix, rather than in the generated code.
#[diagnostic::on_unimplemented(
    message = "#[grad] took this `&mut` argument for an output the callee writes, but the callee's parameter is \
               `{Self}`: lend it as `&y[..]` if the callee only reads it",
    label = "passed where the callee only reads it",
    note = "#[grad] cannot see the callee's signature: it takes a `&mut` argument, or a `&mut` output of \
            the function passed on bare (`helper(x, y)`), for one the call writes; lend a value the callee \
            only reads as `&y[..]` (or `&y` for an array)"
)]
pub trait WrittenByTheCall<'a, T: ?Sized> {
    /// `output`, as the parameter's type.
    fn lend(output: &'a mut T) -> Self;
}

impl<'a, T: ?Sized> WrittenByTheCall<'a, T> for &'a mut T {
    #[inline(always)]
    fn lend(output: &'a mut T) -> Self {
        output
    }
}

/// A vector lent to a slice parameter, as the coercion of a plain call.
impl<'a, F> WrittenByTheCall<'a, Vec<F>> for &'a mut [F] {
    #[inline(always)]
    fn lend(output: &'a mut Vec<F>) -> Self {
        output
    }
}

/// An array lent to a slice parameter, as the coercion of a plain call.
impl<'a, F, const N: usize> WrittenByTheCall<'a, [F; N]> for &'a mut [F] {
    #[inline(always)]
    fn lend(output: &'a mut [F; N]) -> Self {
        output
    }
}

/// `output`, lent to a `&mut` parameter of a call (see [`WrittenByTheCall`]).
#[inline(always)]
pub fn written<'a, T: ?Sized, P: WrittenByTheCall<'a, T>>(output: &'a mut T) -> P {
    P::lend(output)
}

/// The parameter a `&mut` output of the calling function, passed on bare
/// to a call whose value is used (`let s = total(y);`), is passed to:
/// `#[grad]` takes it for read (a call that writes a `&mut` argument is a
/// statement), so only a shared reference is one, and a callee that
/// writes it fails here with the fix rather than in the generated code.
#[diagnostic::on_unimplemented(
    message = "#[grad] took this `&mut` output for a value the call only reads, since the call's value is used, \
               but the callee's parameter is `{Self}`: call it as a statement (`helper(x, y);`)",
    label = "passed where the callee writes it",
    note = "a call that writes a `&mut` argument is a statement inside #[grad] code (`helper(x, y);`, \
            `helper(x, &mut out);`); return its value through another output"
)]
pub trait ReadByTheCall<'a, T: ?Sized> {
    /// `value`, as the parameter's type.
    fn lend(value: &'a T) -> Self;
}

impl<'a, T: ?Sized> ReadByTheCall<'a, T> for &'a T {
    #[inline(always)]
    fn lend(value: &'a T) -> Self {
        value
    }
}

/// A vector lent to a slice parameter, as the coercion of a plain call.
impl<'a, F> ReadByTheCall<'a, Vec<F>> for &'a [F] {
    #[inline(always)]
    fn lend(value: &'a Vec<F>) -> Self {
        value
    }
}

/// An array lent to a slice parameter, as the coercion of a plain call.
impl<'a, F, const N: usize> ReadByTheCall<'a, [F; N]> for &'a [F] {
    #[inline(always)]
    fn lend(value: &'a [F; N]) -> Self {
        value
    }
}

/// `value`, a `&mut` output lent to a call that reads it (see [`ReadByTheCall`]).
#[inline(always)]
pub fn read<'a, T: ?Sized, P: ReadByTheCall<'a, T>>(value: &'a T) -> P {
    P::lend(value)
}

/// Implemented by the companion of a function restricted by `wrt(..)` for
/// the position `I` of each float parameter it leaves out: a constant
/// there, whose derivative the function's derivatives do not compute.
pub trait LeavesOut<const I: usize> {}

/// Whether the callee `C` leaves its parameter `I` out of `wrt(..)`, told
/// apart at compile time (`Probe::verdict`): by `LeftOutProbe` when `C:
/// LeavesOut<I>`, by `DifferentiatedProbe` (one reference further) when not.
pub struct Probe<C, const I: usize>(core::marker::PhantomData<fn() -> C>);

impl<C, const I: usize> Probe<C, I> {
    /// The probe of parameter `I` of the callee `C`.
    #[inline(always)]
    pub const fn new() -> Self {
        Probe(core::marker::PhantomData)
    }
}

impl<C, const I: usize> Default for Probe<C, I> {
    fn default() -> Self {
        Self::new()
    }
}

/// A companion's own type, as a value (`NAME::COMPANION`): a caller reaches
/// it by the path of the call, which names a function in the value
/// namespace too, so that a callee without a companion gets rustc's one
/// error for the missing path, not a second one for a type.
pub struct Me<C>(core::marker::PhantomData<fn() -> C>);

impl<C> Me<C> {
    /// The companion `C`.
    #[inline(always)]
    pub const fn new() -> Self {
        Me(core::marker::PhantomData)
    }

    /// The probe of its parameter `I` (see [`Probe`]). A method, so that
    /// on a path that does not resolve its type is an error too, and the
    /// checks that follow are not reported.
    #[inline(always)]
    pub const fn probe<const I: usize>(self) -> Probe<C, I> {
        Probe::new()
    }
}

impl<C> Default for Me<C> {
    fn default() -> Self {
        Self::new()
    }
}

/// The verdict for a parameter of the companion `C` left out of `wrt(..)`.
/// It names `C` so that where `C` is no companion (a callee without a
/// derivative, which rustc reports at its path) the failed check, about an
/// erroneous type, is not reported again.
pub struct LeftOutOfWrt<C>(core::marker::PhantomData<fn() -> C>);

impl<C> LeftOutOfWrt<C> {
    /// The verdict, as a method of `C` states it (`#[grad]` on a method
    /// with `wrt(..)`: an associated constant per parameter left out, which
    /// a caller's check names).
    #[doc(hidden)]
    #[inline(always)]
    pub const fn new() -> Self {
        LeftOutOfWrt(core::marker::PhantomData)
    }
}

/// The verdict for a differentiated parameter.
pub struct Differentiated;

/// `verdict` for a parameter `C` leaves out.
pub trait LeftOutProbe<C> {
    /// [`LeftOutOfWrt`].
    #[inline(always)]
    fn verdict(&self) -> LeftOutOfWrt<C> {
        LeftOutOfWrt(core::marker::PhantomData)
    }
}

impl<C: LeavesOut<I>, const I: usize> LeftOutProbe<C> for Probe<C, I> {}

/// `verdict` for any other parameter.
pub trait DifferentiatedProbe {
    /// [`Differentiated`].
    #[inline(always)]
    fn verdict(&self) -> Differentiated {
        Differentiated
    }
}

impl<C, const I: usize> DifferentiatedProbe for &Probe<C, I> {}

/// A verdict that lets a value that varies with the differentiated inputs
/// be passed: only [`Differentiated`].
#[diagnostic::on_unimplemented(
    message = "this argument varies with what #[grad] differentiates, but the callee leaves its parameter out of \
               `wrt(..)`: a constant there, whose derivative it does not compute",
    label = "a value with a derivative, passed where the callee takes a constant",
    note = "name the parameter in the callee's `wrt(..)`, or pass a value that does not depend on the \
            differentiated inputs"
)]
pub trait TakesAVariedValue {}

impl TakesAVariedValue for Differentiated {}

/// Checks, at compile time, the verdict on a parameter a varied value is
/// passed to (see [`Probe`]).
#[inline(always)]
pub fn varied_argument<V: TakesAVariedValue>(_: V) {}

/// A field of a struct `#[grad]` does not differentiate (`s.scale`,
/// `&self.weights`, with `s` left out of `wrt(..)` or `self` no model),
/// passed to a `#[grad]` call. The macro cannot see the field's type, but
/// the callee's calling convention gives every float parameter slots (a
/// partial, a shadow, a tangent) that the caller must fill, so the type
/// decides the call's shape: the probe of the field (`Unseen::of(&s.n)`)
/// tells rustc's answer, at compile time, through the trait its method
/// resolves to (`(&&&probe).passed()`, `(&&&probe).lent()`): the one of
/// `&&&Unseen<T>` where `T` qualifies first (a reference to floats passed
/// by value), else of `&&Unseen<T>`, else the one of `&Unseen<T>`
/// where it qualifies second, else the one of `Unseen<T>` (method lookup
/// takes off one reference at a time). The answer, [`Seen`], gates the
/// callee's derivative ([`passed_by_value`], [`lent`]): where it is not
/// the shape the macro wrote the call for, the gate fails with the fix, and
/// its result's type is an error, so that rustc reports nothing else about
/// the call.
pub struct Unseen<T>(core::marker::PhantomData<fn() -> T>);

// `Copy` whatever `T`: the last probe takes it by value, behind references.
impl<T> Clone for Unseen<T> {
    #[inline(always)]
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Unseen<T> {}

impl<T> Unseen<T> {
    /// The probe of `value`'s type.
    #[inline(always)]
    pub const fn of(_value: &T) -> Self {
        Unseen(core::marker::PhantomData)
    }
}

/// What a probe found: `K` is [`Floats`], [`Shaped`] or [`NoFloats`], of
/// the type `T`.
pub struct Seen<K, T>(core::marker::PhantomData<fn() -> (K, T)>);

impl<K, T> Seen<K, T> {
    #[inline(always)]
    const fn new() -> Self {
        Seen(core::marker::PhantomData)
    }
}

/// Floats: by value a float or an array of them (of arrays ..), lent by
/// reference a `Params` value (an array, a vector, a model).
pub struct Floats;

/// Lent by reference, floats of a generic float type (`Vec<T>`, `[T; N]`
/// with `T: Float`), which are no `Params`.
pub struct Shaped;

/// Anything else.
pub struct NoFloats;

/// A float, or an array of them, passed by value: the values for which a
/// callee has a partial (and a tangent), which a field whose type the
/// macro cannot see is taken not to be.
pub trait FloatValue {}

impl<T: crate::Float> FloatValue for T {}

impl<T: FloatValue, const N: usize> FloatValue for [T; N] {}

/// A shared reference to floats (`&[f64]`, `&Vec<f64>`, `&[f64; N]`): a
/// field holding one, passed by value, is lent to the callee's reference
/// parameter, which has a shadow (and a tangent) the caller must give, so
/// it is told as [`Floats`] and refused with the fix (a typed `let`).
pub trait FloatsBehindAReference {}

impl<T: FloatValue> FloatsBehindAReference for [T] {}

impl<T: FloatValue, const N: usize> FloatsBehindAReference for [T; N] {}

impl<T: FloatValue> FloatsBehindAReference for Vec<T> {}

/// `passed`, before all others: a shared reference to floats.
pub trait FloatReferenceProbe<T> {
    /// [`Floats`].
    #[inline(always)]
    fn passed(self) -> Seen<Floats, T>
    where
        Self: Sized,
    {
        Seen::new()
    }
}

impl<'a, T: FloatsBehindAReference + ?Sized> FloatReferenceProbe<&'a T> for &&&Unseen<&'a T> {}

/// `passed`, first: a float value (an array of them).
pub trait FloatValueProbe<T> {
    /// [`Floats`].
    #[inline(always)]
    fn passed(self) -> Seen<Floats, T>
    where
        Self: Sized,
    {
        Seen::new()
    }
}

impl<T: FloatValue> FloatValueProbe<T> for &&Unseen<T> {}

/// `passed`, second: a float of a generic type bounded by
/// `num_traits::Float` alone.
pub trait FloatScalarProbe<T> {
    /// [`Floats`].
    #[inline(always)]
    fn passed(self) -> Seen<Floats, T>
    where
        Self: Sized,
    {
        Seen::new()
    }
}

impl<T: crate::num_traits::Float> FloatScalarProbe<T> for &Unseen<T> {}

/// `passed` for any other value.
pub trait OtherValueProbe<T> {
    /// [`NoFloats`].
    #[inline(always)]
    fn passed(self) -> Seen<NoFloats, T>
    where
        Self: Sized,
    {
        Seen::new()
    }
}

impl<T> OtherValueProbe<T> for Unseen<T> {}

/// A float or an array of them (of arrays ..), whose zero needs no value
/// to copy the shape of: the length is in the type.
pub trait ZeroArray {
    /// Zeros.
    fn zero_array() -> Self;

    /// Ones: the seed of every number of a result (`NAME_graph`).
    fn one_array() -> Self;
}

impl<F: crate::Float> ZeroArray for F {
    #[inline(always)]
    fn zero_array() -> F {
        F::zero()
    }

    #[inline(always)]
    fn one_array() -> F {
        F::one()
    }
}

impl<S: ZeroArray, const N: usize> ZeroArray for [S; N] {
    #[inline(always)]
    fn zero_array() -> Self {
        core::array::from_fn(|_| S::zero_array())
    }

    #[inline(always)]
    fn one_array() -> Self {
        core::array::from_fn(|_| S::one_array())
    }
}

/// Ones of the shape rustc infers (a float, an array of them, rows): the
/// seed `NAME_graph` gives every number of a result it draws the sum of.
#[inline(always)]
pub fn one_array<A: ZeroArray>() -> A {
    A::one_array()
}

/// The zero tangent of a constant array passed by value to a `#[grad]`
/// call (`wnorm(s, v)`, `v` left out of `wrt(..)`, or `*row` of a constant
/// slice of rows): its shape is the callee's parameter's, which rustc infers.
#[inline(always)]
pub fn zero_array<A: ZeroArray>() -> A {
    A::zero_array()
}

/// The floats of a generic float type a field may hold (`Vec<T>`,
/// `[T; N]`, `Vec<[T; N]>`, `[[T; N]; M]`, `T: Float`), with a zero of the
/// same shape.
#[diagnostic::on_unimplemented(
    message = "#[grad] took this value for floats (a float, or an array or a vector of them), but it is `{Self}`",
    label = "#[grad] makes a zero of this value's shape"
)]
pub trait FloatShape {
    /// Zeros, of the shape of `self`.
    fn zeroed(&self) -> Self;
}

impl<F: crate::Float> FloatShape for F {
    #[inline(always)]
    fn zeroed(&self) -> F {
        F::zero()
    }
}

impl<S: FloatShape, const N: usize> FloatShape for [S; N] {
    #[inline(always)]
    fn zeroed(&self) -> Self {
        core::array::from_fn(|i| self[i].zeroed())
    }
}

/// A tuple of floats (`(f64, f64)`, the element of a slice of pairs).
impl<A: FloatShape, B: FloatShape> FloatShape for (A, B) {
    #[inline(always)]
    fn zeroed(&self) -> Self {
        (self.0.zeroed(), self.1.zeroed())
    }
}

impl<A: FloatShape, B: FloatShape, C: FloatShape> FloatShape for (A, B, C) {
    #[inline(always)]
    fn zeroed(&self) -> Self {
        (self.0.zeroed(), self.1.zeroed(), self.2.zeroed())
    }
}

impl<S: FloatShape> FloatShape for Vec<S> {
    #[inline(always)]
    fn zeroed(&self) -> Self {
        self.iter().map(FloatShape::zeroed).collect()
    }
}

/// `lent`, first: floats in arrays or vectors ([`FloatShape`], of `f32`,
/// `f64` or a generic float type), which a callee's parameter (a slice, an
/// array, a vector) takes with a shadow of the same shape.
pub trait ShapedLentProbe<T> {
    /// [`Shaped`].
    #[inline(always)]
    fn lent(self) -> Seen<Shaped, T>
    where
        Self: Sized,
    {
        Seen::new()
    }
}

impl<T: FloatShape> ShapedLentProbe<T> for &&Unseen<T> {}

/// `lent`, second: a model (`Params`), which a callee's parameter takes
/// with the slots of a struct (see [`slot`]).
pub trait FloatsLentProbe<T> {
    /// [`Floats`].
    #[inline(always)]
    fn lent(self) -> Seen<Floats, T>
    where
        Self: Sized,
    {
        Seen::new()
    }
}

impl<T: crate::Params> FloatsLentProbe<T> for &Unseen<T> {}

/// `lent` for anything else.
pub trait OtherLentProbe<T> {
    /// [`NoFloats`].
    #[inline(always)]
    fn lent(self) -> Seen<NoFloats, T>
    where
        Self: Sized,
    {
        Seen::new()
    }
}

impl<T> OtherLentProbe<T> for Unseen<T> {}

/// A field passed by value to a `#[grad]` call whose type is no float:
/// `#[grad]` passes it so (without the slots of a float), and only
/// [`NoFloats`] lets that call through.
#[diagnostic::on_unimplemented(
    message = "#[grad] cannot see the type of this value (`{T}`), a field or a `const`; bind it with a typed \
               `let` (`let v: {T} = ..;`) and pass `v`",
    label = "#[grad] took this value for one without a derivative (an integer, an enum)",
    note = "the callee has slots for a float or a slice parameter (a partial or a shadow, and a tangent), which \
            #[grad] fills for a value whose type it sees; the value stays a constant"
)]
pub trait PassedByValue<T> {
    /// The callee, as it is.
    type Callee<F>;

    /// `callee`, as it is.
    fn callee<F>(callee: F) -> Self::Callee<F>;
}

impl<T> PassedByValue<T> for NoFloats {
    type Callee<F> = F;

    #[inline(always)]
    fn callee<F>(callee: F) -> F {
        callee
    }
}

/// `callee`, the derivative of a call given a field whose type `#[grad]`
/// cannot see, by value (see [`Unseen`], [`PassedByValue`]).
#[inline(always)]
pub fn passed_by_value<K: PassedByValue<T>, T, F>(_seen: Seen<K, T>, callee: F) -> K::Callee<F> {
    K::callee(callee)
}

/// A `const` or `static` whose type `#[grad]` cannot see, named in
/// capitals and passed by value to a `#[grad]` call (`step(s, DT)`):
/// `#[grad]` takes it for a constant float (or an array of them) and fills
/// the callee's slots for one (no partial, a zero tangent), and only a
/// float value lets that call through.
#[diagnostic::on_unimplemented(
    message = "#[grad] cannot see the type of this `const` and took it for a float, but it is `{T}`; bind it with \
               a typed `let` (`let v: {T} = ..;`) and pass `v`",
    label = "#[grad] took this value for a constant float (or an array of floats)",
    note = "a name in capitals passed by value to a #[grad] function is taken for a float constant, unless the \
            body uses it as an integer (a range bound, an index, an array's length)"
)]
pub trait PassedAsFloat<T> {
    /// The callee, as it is.
    type Callee<F>;

    /// `callee`, as it is.
    fn callee<F>(callee: F) -> Self::Callee<F>;
}

/// (`emit::float_value_probe` finds [`Floats`] for a float value alone.)
impl<T> PassedAsFloat<T> for Floats {
    type Callee<F> = F;

    #[inline(always)]
    fn callee<F>(callee: F) -> F {
        callee
    }
}

/// `callee`, the derivative of a call given a `const` taken for a float
/// by value (see [`PassedAsFloat`]).
#[inline(always)]
pub fn passed_as_float<K: PassedAsFloat<T>, T, F>(_seen: Seen<K, T>, callee: F) -> K::Callee<F> {
    K::callee(callee)
}

/// A field of a model passed by value to a `#[grad]` call
/// (`activate(z, self.act)`): `#[grad]` cannot see the model's struct and
/// takes the field for a float (or an array of them), a parameter whose
/// partial and tangent the callee's slots carry, and only a float value
/// lets that call through.
#[diagnostic::on_unimplemented(
    message = "#[grad] cannot see the model's struct and took this field for a float, but it is `{T}`",
    label = "a model's field of type `{T}`, passed by value to a #[grad] function",
    note = "copy the field into a typed `let` and pass the copy: `let n: usize = m.n;` for an integer, `let act: \
            Act = self.act;` for an enum of settings (`#[derive(Params)]` on the enum)"
)]
pub trait FieldTakenForAFloat<T> {
    /// The callee, as it is.
    type Callee<F>;

    /// `callee`, as it is.
    fn callee<F>(callee: F) -> Self::Callee<F>;
}

/// (`emit::float_value_probe` finds [`Floats`] for a float value alone.)
impl<T> FieldTakenForAFloat<T> for Floats {
    type Callee<F> = F;

    #[inline(always)]
    fn callee<F>(callee: F) -> F {
        callee
    }
}

/// `callee`, the derivative of a call given a model's field by value (see
/// [`FieldTakenForAFloat`]).
#[inline(always)]
pub fn field_by_value<K: FieldTakenForAFloat<T>, T, F>(_seen: Seen<K, T>, callee: F) -> K::Callee<F> {
    K::callee(callee)
}

/// The gates of a call of the function whose companion is `C` (the
/// derivative `C::rev`, `C::jvp`, ..), as methods of `C::COMPANION`: where
/// the call's path names no companion (a function without a derivative,
/// which rustc reports there), the gate is not checked, so that the field
/// is not reported as well.
impl<C> Me<C> {
    /// [`passed_by_value`].
    #[inline(always)]
    pub fn passed_by_value<K: PassedByValue<T>, T, F>(self, seen: Seen<K, T>, callee: F) -> K::Callee<F> {
        passed_by_value(seen, callee)
    }

    /// [`passed_as_float`].
    #[inline(always)]
    pub fn passed_as_float<K: PassedAsFloat<T>, T, F>(self, seen: Seen<K, T>, callee: F) -> K::Callee<F> {
        passed_as_float(seen, callee)
    }

    /// [`field_by_value`].
    #[inline(always)]
    pub fn field_by_value<K: FieldTakenForAFloat<T>, T, F>(self, seen: Seen<K, T>, callee: F) -> K::Callee<F> {
        field_by_value(seen, callee)
    }

    /// [`lent`].
    #[inline(always)]
    pub fn lent<K: Lent<T>, T, F>(self, seen: Seen<K, T>, callee: F) -> K::Callee<F> {
        lent(seen, callee)
    }
}

/// A field lent by reference to a `#[grad]` call (`&s.weights`), whose
/// type `#[grad]` cannot see: it is lent as a constant array, vector or
/// model, with a throwaway shadow (a zero tangent in forward mode), and
/// only [`Floats`] and [`Shaped`] let that call through.
#[diagnostic::on_unimplemented(
    message = "#[grad] lends a field by reference to a #[grad] function as floats (an array, a vector or a model), \
               but this one is `{T}`",
    label = "a field of type `{T}`, lent where #[grad] expects floats",
    note = "#[grad] cannot see the field's type; lend a field of floats (`[f64; N]`, `Vec<f64>`, a \
            `#[derive(Params)]` model), bind a field that is a reference with its type first (`let c: &[f64] = \
            s.field;`, then `&c[1..]`), or pass the whole struct to the callee and read the field there"
)]
pub trait Lent<T> {
    /// The callee, as it is.
    type Callee<F>;

    /// `callee`, as it is.
    fn callee<F>(callee: F) -> Self::Callee<F>;
}

impl<T: crate::Params> Lent<T> for Floats {
    type Callee<F> = F;

    #[inline(always)]
    fn callee<F>(callee: F) -> F {
        callee
    }
}

/// The zero [`lent_zero`] makes, `Z`: of the field's shape for [`Shaped`];
/// for [`Floats`] the filling of the callee's slots for a struct ([`slot`]:
/// a zero model, or [`NoShadow`] where the callee leaves the struct out of
/// `wrt(..)`), which rustc infers from the callee's parameter; for
/// [`NoFloats`] nothing, passed to a callee that [`lent`] has refused
/// already (so that its error is the only one).
pub trait LentZero<T, Z> {
    /// A zero of `value`'s shape.
    fn zero(value: &T) -> Z;
}

impl<T: FloatShape> Lent<T> for Shaped {
    type Callee<F> = F;

    #[inline(always)]
    fn callee<F>(callee: F) -> F {
        callee
    }
}

impl<T: FloatShape> LentZero<T, T> for Shaped {
    #[inline(always)]
    fn zero(value: &T) -> T {
        value.zeroed()
    }
}

impl<T: crate::Params, Z: Slot<T>> LentZero<T, Z> for Floats {
    #[inline(always)]
    fn zero(value: &T) -> Z {
        slot(value)
    }
}

impl<T> LentZero<T, ()> for NoFloats {
    #[inline(always)]
    fn zero(_value: &T) {}
}

/// `callee`, the derivative of a call given a field by reference whose type
/// `#[grad]` cannot see (see [`Unseen`], [`Lent`]).
#[inline(always)]
pub fn lent<K: Lent<T>, T, F>(_seen: Seen<K, T>, callee: F) -> K::Callee<F> {
    K::callee(callee)
}

/// The innermost element type `T` of a slice parameter that `#[grad]`
/// reads as constant data because it cannot see what `T` is (`data:
/// &[Sample]`); probed so that floats behind a name (`type Real = f64;`,
/// `x: &[Real]`) are refused rather than left out of the derivative.
pub struct Elements<T>(core::marker::PhantomData<fn() -> T>);

impl<T> Clone for Elements<T> {
    #[inline(always)]
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Elements<T> {}

impl<T> Elements<T> {
    /// The probe of `T`.
    #[inline(always)]
    pub const fn probe() -> Self {
        Elements(core::marker::PhantomData)
    }
}

/// `table` of a value taken by value, before the others: an enum of
/// settings (`#[derive(Params)] enum Act { Tanh, Leaky(f64) }`), which holds
/// no parameter and is a constant, although it is `Params` (round 22 C1).
pub trait SettingsElementsProbe<T> {
    /// [`NoFloats`].
    #[inline(always)]
    fn table(self) -> Seen<NoFloats, T>
    where
        Self: Sized,
    {
        Seen::new()
    }
}

impl<T: Settings> SettingsElementsProbe<T> for &&&Elements<T> {}

/// `table`, first: floats, or arrays or vectors of them.
pub trait FloatElementsProbe<T> {
    /// [`Shaped`].
    #[inline(always)]
    fn table(self) -> Seen<Shaped, T>
    where
        Self: Sized,
    {
        Seen::new()
    }
}

impl<T: FloatShape> FloatElementsProbe<T> for &&Elements<T> {}

/// `table`, second: models.
pub trait ModelElementsProbe<T> {
    /// [`Floats`].
    #[inline(always)]
    fn table(self) -> Seen<Floats, T>
    where
        Self: Sized,
    {
        Seen::new()
    }
}

impl<T: crate::Params> ModelElementsProbe<T> for &Elements<T> {}

/// `table` for anything else.
pub trait OtherElementsProbe<T> {
    /// [`NoFloats`].
    #[inline(always)]
    fn table(self) -> Seen<NoFloats, T>
    where
        Self: Sized,
    {
        Seen::new()
    }
}

impl<T> OtherElementsProbe<T> for Elements<T> {}

/// Constant data: elements that are no floats and no models.
#[diagnostic::on_unimplemented(
    message = "#[grad] reads this slice as constant data, but its elements (`{T}`) hold floats",
    label = "a slice of `{T}`, which #[grad] does not differentiate",
    note = "write the element type by name (`&[f64]`, `&[[f64; 3]]`): a slice of floats is differentiated; models \
            are differentiated in a field of a model (`#[derive(Params)] struct Net {{ layers: Vec<{T}> }}`, then \
            `net: &Net`); or name what is differentiated in `wrt(..)`, leaving this slice out as a constant"
)]
pub trait ConstantData<T> {}

impl<T> ConstantData<T> for NoFloats {}

/// Checks that a slice parameter read as constant data (see [`Elements`])
/// holds no floats.
#[inline(always)]
pub fn constant_data<K: ConstantData<T>, T>(_seen: Seen<K, T>) {}

/// A parameter taken by value whose type `#[grad]` cannot see (`m: Lin`,
/// `s: Spring`, `p: Vec3`): a constant, like every "other type" of the
/// contract, but only where it holds no floats `#[grad]` could see through
/// a probe (a model, floats behind an alias); those would be left out of
/// the derivative without a word.
#[diagnostic::on_unimplemented(
    message = "#[grad] takes this parameter by value as a constant, but `{T}` holds floats",
    label = "a `{T}` by value, which #[grad] does not differentiate",
    note = "take a model by reference to differentiate it (`m: &Model`); write floats behind an alias by their \
            type (`f64`, `[f64; 3]`); or name what is differentiated in `wrt(..)`, leaving this parameter out as a \
            constant"
)]
pub trait ConstantValue<T> {}

impl<T> ConstantValue<T> for NoFloats {}

/// Checks that a parameter taken by value as a constant (see
/// [`ConstantValue`]) holds no floats.
#[inline(always)]
pub fn constant_value<K: ConstantValue<T>, T>(_seen: Seen<K, T>) {}

/// The zero [`element_zero`] makes: as [`LentZero`], and for [`NoFloats`]
/// (a struct) the filling of the callee's slots for a struct.
pub trait ElementZero<T, Z> {
    /// A zero of `value`'s shape.
    fn zero(value: &T) -> Z;
}

impl<T: FloatShape> ElementZero<T, T> for Shaped {
    #[inline(always)]
    fn zero(value: &T) -> T {
        value.zeroed()
    }
}

impl<T: crate::Params, Z: Slot<T>> ElementZero<T, Z> for Floats {
    #[inline(always)]
    fn zero(value: &T) -> Z {
        slot(value)
    }
}

impl<T, Z: Slot<T>> ElementZero<T, Z> for NoFloats {
    #[inline(always)]
    fn zero(value: &T) -> Z {
        slot(value)
    }
}

/// A zero of the shape of `value`, an element of a slice parameter whose
/// type `#[grad]` cannot see (`data: &[Sample]`, constant data) lent whole
/// to a `#[grad]` call (`&data[i]`): a struct gets the slots the callee's
/// parameter has for it (see [`slot`]), floats a zero of their shape.
#[inline(always)]
pub fn element_zero<K: ElementZero<T, Z>, T, Z>(_seen: Seen<K, T>, value: &T) -> Z {
    K::zero(value)
}

/// A zero of the shape of `value`, a field lent to a `#[grad]` call (see
/// [`lent`]): the throwaway shadow of the constant, or its zero tangent.
#[inline(always)]
pub fn lent_zero<K: LentZero<T, Z>, T, Z>(_seen: Seen<K, T>, value: &T) -> Z {
    K::zero(value)
}
