//! The reverse sweep of a call of another `#[grad]` function: through the
//! callee's companion (`rev` from the tape its `fwd` left, or `vjp`), a
//! shadow for each reference argument, the returned partials added in.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};

use super::Sweep;
use crate::companion;
use crate::emit;
use crate::ir::{Arg, Var, VarInfo, VarKind, Zero};

impl Sweep<'_> {
    /// `foo(a, &x, n)` → `{ let (_, __d0) = foo::vjp(a, &x, &mut x̄, n, ȳ); ā += __d0; }`:
    /// one partial per float argument, a shadow after each reference.
    /// Without `seed`, the call writes its `&mut` argument in place
    /// (`helper(x, &mut out)`): `foo::vjp_in_place` consumes that buffer's
    /// adjoint, lent as its shadow, and leaves the adjoint of its value
    /// before the call (CONTRACT.md's `&mut` outputs).
    pub(super) fn reverse_call(
        &self,
        path: &syn::ExprPath,
        args: &[Arg],
        tape: Option<Var>,
        seed: Option<&TokenStream>,
        span: Span,
    ) -> TokenStream {
        // With the tape of the forward call, `NAME::rev` runs only the
        // callee's reverse sweep; without one, `NAME::vjp` runs both.
        let in_place = seed.is_none();
        let (companion, tape) = match tape {
            Some(tape) => {
                let tape = self.ident(tape);
                (companion::method(path, companion::REV, span), Some(quote!(#tape,)))
            }
            None if in_place => (companion::method(path, companion::VJP_IN_PLACE, span), None),
            None => (companion::method(path, companion::VJP, span), None),
        };
        let mut call_args = Vec::new();
        // `vjp_in_place` returns the partials alone.
        let mut pattern = if in_place { Vec::new() } else { vec![quote!(_)] };
        let mut adds = TokenStream::new();
        let mut buffers = TokenStream::new();
        let mut borrowed: Vec<Var> = Vec::new();
        for (i, arg) in args.iter().enumerate() {
            call_args.push(match arg {
                // The callee's `vjp` writes the output again: it gets a copy
                // of the buffer's value before the call (restored by now),
                // so the caller's own copy keeps it for the statements before.
                Arg::Ref { place, range, mutable: true, .. } => {
                    let primal = self.ident(place.var).to_token_stream();
                    let whole_output = self.body.var(place.var).by_ref && range.is_none();
                    let entry = if whole_output {
                        quote!(*#primal)
                    } else {
                        emit::sliced(self.body, &emit::place_at(self.body, place, &primal), range.as_ref())
                    };
                    quote!(&mut ::std::borrow::ToOwned::to_owned(&#entry))
                }
                _ => emit::argument(self.body, arg),
            });
            match arg {
                Arg::Value(operand) => {
                    // A float, or a float array passed by value, whose
                    // partial (an array) is added element by element.
                    if !self.body.ty(operand).is_differentiable() {
                        continue;
                    }
                    match self.adjoint_of(operand) {
                        Some(target) => {
                            let partial = format_ident!("__d{}", i, span = Span::mixed_site());
                            let dims = self.aggregate_dims(operand);
                            adds.extend(self.add_into(&target, &quote!(#partial), dims, span));
                            pattern.push(quote!(#partial));
                        }
                        None => pattern.push(quote!(_)),
                    }
                }
                Arg::Ref { place, range, .. } => {
                    let shadow = match self.adjoint(place.var) {
                        // The same adjoint cannot be lent twice to one call:
                        // a second part of it goes through a buffer, added
                        // back after the call.
                        Some(root) if borrowed.contains(&place.var) => {
                            let buffer = format_ident!("__alias{}", i, span = Span::mixed_site());
                            let primal = self.ident(place.var).to_token_stream();
                            let part =
                                emit::sliced(self.body, &emit::place_at(self.body, place, &primal), range.as_ref());
                            let target =
                                emit::sliced(self.body, &emit::place_at(self.body, place, root), range.as_ref());
                            let info = self.body.var(place.var);
                            let whole_reference = info.by_ref && place.proj.is_empty();
                            if info.dims.is_none() && range.is_none() {
                                // A model: a zero model, added back field by field.
                                let part = if whole_reference { part } else { quote!(&#part) };
                                let target = if whole_reference { quote!(&mut *#target) } else { quote!(&mut #target) };
                                buffers.extend(quote_spanned!(span=>
                                    let mut #buffer = ::autodiff::Params::zeros_like(#part);
                                ));
                                adds.extend(quote_spanned!(span=> ::autodiff::Params::accumulate(#target, &#buffer);));
                                call_args.push(quote!(&mut #buffer));
                                continue;
                            }
                            // `refusals::check_reverse` refused an array of arrays here.
                            // A sub-slice gets a vector; an array or a vector a
                            // zeroed copy of its own type.
                            buffers.extend(if range.is_some() {
                                quote_spanned!(span=> let mut #buffer = ::std::vec![0.0; (#part).len()];)
                            } else {
                                let part = if whole_reference { part } else { quote!(&#part) };
                                quote_spanned!(span=>
                                    let mut #buffer = ::std::borrow::ToOwned::to_owned(#part);
                                    #buffer.fill(0.0);
                                )
                            });
                            adds.extend(self.add_into(&target, &quote!(#buffer), Some(1), span));
                            quote!(&mut #buffer)
                        }
                        Some(root) => {
                            borrowed.push(place.var);
                            // A shadow parameter is a `&mut` already: reborrow it.
                            let shadow_param = self.body.var(place.var).kind == VarKind::Param;
                            let root = if shadow_param && place.proj.is_empty() && range.is_none() {
                                quote!(*#root)
                            } else {
                                root.clone()
                            };
                            let target =
                                emit::sliced(self.body, &emit::place_at(self.body, place, &root), range.as_ref());
                            quote!(&mut #target)
                        }
                        // An inactive aggregate still needs a buffer for the
                        // callee to add into; it is thrown away.
                        None => {
                            let primal = self.ident(place.var).to_token_stream();
                            let target =
                                emit::sliced(self.body, &emit::place_at(self.body, place, &primal), range.as_ref());
                            let info = self.body.var(place.var);
                            let whole = place.proj.is_empty() && range.is_none();
                            match (&info.zero, whole) {
                                (Some(Zero::Array(zero)), true) => quote!(&mut #zero),
                                (Some(_), true) => quote!(&mut (#target).to_vec()),
                                (None, true) if info.by_ref => scratch_of_reference(info, &target),
                                _ if range.is_some() => quote!(&mut (#target).to_vec()),
                                // A row (`&xs[i]`): a copy of its own type, an
                                // array where the callee takes `&[f64; N]`.
                                _ => quote!(&mut ::core::clone::Clone::clone(&#target)),
                            }
                        }
                    };
                    call_args.push(shadow);
                }
            }
        }
        if in_place {
            return quote_spanned!(span=> { #buffers let (#(#pattern,)*) = #companion(#(#call_args,)*); #adds });
        }
        quote_spanned!(span=> { #buffers let (#(#pattern),*) = #companion(#(#call_args,)* #tape #seed); #adds })
    }
}

/// A throwaway shadow for `reference`, a parameter the caller does not
/// differentiate (`&[f64]`, `&[f64; N]`, `&Vec<f64>`, `&Model`), of the
/// shape of what it points to.
fn scratch_of_reference(info: &VarInfo, reference: &TokenStream) -> TokenStream {
    let slice = matches!(&info.declared, Some(syn::Type::Reference(r)) if matches!(*r.elem, syn::Type::Slice(_)));
    if slice {
        quote!(&mut (#reference).to_vec())
    } else if info.dims.is_none() {
        quote!(&mut ::autodiff::Params::zeros_like(#reference))
    } else {
        quote!(&mut ::core::clone::Clone::clone(#reference))
    }
}
