//! Checks in the code `#[grad]` generates, for what the macro cannot see
//! (it reads one function at a time) but rustc can: each fails with a
//! message that names the fix instead of an error in generated code.

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

/// Ties the types of two values: the adjoint of an array copied from
/// another (`let k = a;`), whose length nothing else fixes, to the adjoint
/// of its source.
#[inline(always)]
pub fn same_type<T: ?Sized>(_: &T, _: &T) {}
