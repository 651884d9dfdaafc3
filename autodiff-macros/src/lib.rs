//! The `#[grad]` source transformation behind the `autodiff` crate.
//!
//! The macro is a small compiler; `expand::try_expand` runs its stages in
//! order. Use it through the `autodiff` facade, which documents the contract.

mod activity;
mod attr;
mod attributes;
mod companion;
mod constant_fields;
mod ctxt;
mod emit;
mod expand;
mod fallback;
mod finite;
mod forward;
#[cfg(test)]
mod fuzz;
mod generic;
mod graph;
mod hvp;
mod infer;
mod ir;
mod jvp;
mod lower;
mod method;
mod names;
mod naming;
mod optimize;
mod params;
#[cfg(test)]
mod profile;
mod refusals;
mod reverse;
mod rules;
mod signature;
mod symbol;
mod validate;

use proc_macro::TokenStream;

/// In short: `#[grad]` adds `NAME_grad` and `NAME_vjp` (reverse mode, the
/// default), `#[grad(forward)]` `NAME_jvp`, `#[grad(hessian)]` `NAME_hvp`,
/// `#[grad(graph)]` `NAME_graph`. The full reference, with runnable
/// examples, is the page of `grad` in the `autodiff` crate.
#[proc_macro_attribute]
pub fn grad(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::grad(args.into(), item.into()).into()
}

/// The companion of a function whose derivative is written by hand, for the
/// runtime: `companion!(f(a: A, ..) => f_vjp(a: A, d_a: DA, ..) -> R)`. Not
/// part of the public interface.
#[doc(hidden)]
#[proc_macro]
pub fn __companion(input: TokenStream) -> TokenStream {
    match companion::hand_written(input.into()) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// Implements `autodiff::Params` for a model struct: a zeroed shadow of the
/// same shape, the parameter count, and every parameter as flat slices.
#[proc_macro_derive(Params)]
pub fn derive_params(input: TokenStream) -> TokenStream {
    params::derive(input.into()).into()
}
