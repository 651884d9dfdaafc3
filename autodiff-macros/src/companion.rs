//! The calling convention between `#[grad]` functions, defined once.
//!
//! A call `path::f(..)` inside a `#[grad]` function is differentiated
//! through `f`'s *companion*: a hidden braced struct named like the function
//! (it lives in the type namespace beside it, so `use path::f;` brings both)
//! whose associated functions are
//!
//! - `vjp(params with a shadow after each reference, seed) -> (value, partials..)`;
//! - `fwd(params) -> (value, tape)` and `rev(params with shadows, tape, seed)`:
//!   `vjp` cut where its forward sweep ends, so a caller's reverse sweep does
//!   not run the callee's forward computation again;
//! - for a function with `&mut` outputs, `vjp_in_place(params with shadows)
//!   -> (partials..)` and `fwd_in_place(params) -> impl FnOnce(params with
//!   shadows, an output's shadow alone) -> (partials..)`: the same cut for a
//!   call that writes a buffer (`helper(x, &mut out);`), whose tape is the
//!   closure; beside them the constant `FILLED_FIRST`, for each parameter
//!   whether the function writes all of it before reading any
//!   (`reverse::filled`), which a caller's checkpointed loop reads to keep
//!   no copy of a buffer it lends;
//! - `jvp(params with a tangent after each float parameter) -> (value, tangent)`;
//! - `tangent(params with tangents) -> ẏ` (`jvp(..).1`), and its reverse-mode
//!   derivative `tangent_vjp` (with `tangent_fwd`/`tangent_rev`), which a
//!   caller's `NAME_hvp` differentiates: for `hessian` functions and the
//!   runtime's hand-differentiated ones (`tangent_methods`). For several
//!   floats `ẏ` and its seed are an array `[F; N]`; a function with `&mut`
//!   outputs has instead `tangent(.., y: &T, ẏ: &mut T)`, writing the
//!   outputs' tangents from their entry values, and its `vjp_in_place`,
//!   `tangent_vjp_in_place` (`tangent_methods_in_place`).
//!
//! Every float parameter has its slots (partial, shadow, tangent), whatever
//! `wrt` says, and so has every struct parameter (`m: &Model`, `s: &Spring`)
//! and every table (`data: &[Sample]`, `pairs: &[(f64, f64)]`): typed
//! `guards::NoShadow` where `wrt` leaves the struct out and for a table, so
//! that a caller fills them with `guards::slot` (a zero model or
//! `NoShadow`, as the parameter's type says) without knowing what the
//! callee differentiates, and lends a `const` whose type it cannot see
//! (`&W`) with the slots its type calls for (`emit::table_slot`).
//! Those `wrt` leaves out are constants, as in the function's
//! own derivatives (`Signature::left_out`), and the companion implements
//! `guards::LeavesOut<I>` for each, so that a caller passing one a value
//! that varies fails to compile (`guards::Probe`). `#[grad]`
//! writes the companion of the functions it annotates; the runtime writes
//! the companions of its hand-differentiated functions with `companion!`,
//! which follows this file.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, ToTokens};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, Token};

use crate::ctxt::Ctxt;
use crate::expand::{lints, output, turbofish};
use crate::signature::{ParamClass, Signature};
use crate::{emit, reverse};

/// The reverse-mode derivative.
pub const VJP: &str = "vjp";
/// The derivative of a call whose value is dropped and which writes a
/// `&mut` argument (`helper(x, &mut out);`): `vjp` with a zero seed for the
/// value, if any, returning the partials alone (a tuple, `()` for none).
pub const VJP_IN_PLACE: &str = "vjp_in_place";
/// The forward half of `vjp_in_place`: writes the outputs as the function
/// does and returns the reverse half, a closure that takes the inputs with
/// their shadows (as `vjp_in_place` does) and returns the partials. What
/// the closure captures is the tape: a caller keeps it from its forward
/// sweep to its reverse sweep, so the callee's forward computation is not
/// done twice, and the caller's buffer need not hold any particular value
/// when the closure runs.
pub const FWD_IN_PLACE: &str = "fwd_in_place";
/// The forward half of `vjp`: the value and a tape.
pub const FWD: &str = "fwd";
/// The reverse half of `vjp`, from the tape.
pub const REV: &str = "rev";
/// The forward-mode derivative.
pub const JVP: &str = "jvp";
/// The tangent alone, `jvp(..).1`, as a function of the parameters and
/// their tangents: what a caller's `NAME_hvp` differentiates in reverse
/// mode, through `tangent_vjp`, `tangent_fwd` and `tangent_rev` (written
/// for `#[grad(hessian)]` functions).
pub const TANGENT: &str = "tangent";

/// The name, beside a method's companion functions, of the associated
/// constant saying that the method leaves its parameter `index` out of
/// `wrt(..)` (`method::left_out_const`): `left_out_I`, as `__NAME_left_out_I`.
pub fn left_out(index: usize) -> String {
    format!("left_out_{index}")
}

/// Whether `path` names a function's second-order companion (`g::tangent`).
pub fn is_tangent(path: &syn::ExprPath) -> bool {
    path.path.segments.last().is_some_and(|last| last.ident == TANGENT)
}

/// Whether `path` names a method's second-order companion
/// (`<T>::__NAME_tangent`, see `method`).
pub fn is_method_tangent(path: &syn::ExprPath) -> bool {
    path.qself.is_some()
        && path.path.segments.last().is_some_and(|last| {
            let name = last.ident.to_string();
            name.starts_with("__") && name.ends_with(&format!("_{TANGENT}"))
        })
}

/// Whether `path` names a derivative a forward sweep calls (`g::jvp`,
/// `g::tangent`, a method's `<T>::__NAME_jvp`), not a function of the
/// user's: its arguments have the slots of the calling convention, which
/// for a field whose type the macro cannot see rustc checks
/// (`emit::gated_callee`). Told by name: a function of the user's named
/// `jvp` or `tangent`, called by a path with a float field of a constant
/// struct, would be checked too.
pub fn is_forward_derivative(path: &syn::ExprPath) -> bool {
    let Some(last) = path.path.segments.last() else { return false };
    if path.qself.is_some() {
        let name = last.ident.to_string();
        return is_method_tangent(path) || (name.starts_with("__") && name.ends_with(&format!("_{JVP}")));
    }
    path.path.segments.len() > 1 && (last.ident == JVP || last.ident == TANGENT)
}

/// `path::method` for a call `path(..)`, with the call's generic arguments
/// moved to the method: `f::<T>(x)` → `f::rev::<T>`. A call of a tangent,
/// `f::tangent(..)`, has its derivatives beside it: `f::tangent_vjp`.
///
/// A call of a `#[grad]` method, `<T>::NAME(receiver, ..)` (the lowering
/// writes a method call so; a path with a `<T>` of the user's is refused),
/// has its companion's functions beside the method: `<T>::__NAME_vjp`, and
/// for its tangent `<T>::__NAME_tangent`, `<T>::__NAME_tangent_vjp`.
pub fn method(path: &syn::ExprPath, method: &str, span: Span) -> syn::ExprPath {
    let mut companion = path.clone();
    if companion.qself.is_some() {
        let on_constant = on_constant_self(path);
        let of_tangent = is_method_tangent(path);
        if let Some(last) = companion.path.segments.last_mut() {
            let name = last.ident.to_string();
            last.ident = if of_tangent {
                format_ident!("{name}_{method}", span = span)
            } else if on_constant {
                of_method(&crate::method::constant_self_name(&last.ident), method)
            } else {
                of_method(&last.ident, method)
            };
        }
        return companion;
    }
    let generics = companion.path.segments.last_mut().map(|last| std::mem::take(&mut last.arguments));
    if is_tangent(&companion) {
        companion.path.segments.pop();
        let mut segment = syn::PathSegment::from(Ident::new(&format!("{TANGENT}_{method}"), span));
        segment.arguments = generics.unwrap_or_default();
        companion.path.segments.push(segment);
        return companion;
    }
    let mut segment = syn::PathSegment::from(Ident::new(method, span));
    if let Some(generics) = generics {
        segment.arguments = generics;
    }
    companion.path.segments.push(segment);
    companion
}

/// `<S>::NAME` for a call of a method on a receiver that is not
/// differentiated (`spring.energy(x)`), whose derivatives are those of the
/// method's twin for a constant `self` (see `method.rs`): the call as
/// written, its type `S` marked by an invisible group around it.
pub fn method_on_constant(ty: syn::Type, method: &Ident) -> syn::ExprPath {
    let marked = syn::Type::Group(syn::TypeGroup { group_token: Default::default(), elem: Box::new(ty) });
    syn::parse_quote_spanned!(method.span()=> <#marked>::#method)
}

/// Whether a method call's path is `method_on_constant`'s.
pub fn on_constant_self(path: &syn::ExprPath) -> bool {
    path.qself.as_ref().is_some_and(|qself| matches!(&*qself.ty, syn::Type::Group(_)))
}

/// The name of a method's companion function `method` (`vjp`, `jvp`, ..)
/// beside the method `name` in its `impl` block, which cannot hold a
/// companion type: `__NAME_vjp`.
pub fn of_method(name: &Ident, method: &str) -> Ident {
    format_ident!("__{}_{}", name, method, span = name.span())
}

/// The companion that other `#[grad]` functions call: a braced struct
/// named like the function. It lives in the type namespace beside the
/// function, so `use path::NAME;` imports both, and a caller reaches the
/// derivative as `NAME::vjp(..)` wherever it can name `NAME`. Its `vjp`
/// differentiates every float parameter.
///
/// A function that returns a float also gets `fwd` (its value and a tape)
/// and `rev` (the reverse sweep from that tape): a caller runs `fwd` in its
/// forward sweep and `rev` in its reverse sweep, so the callee's forward
/// computation is not done twice. Without a `split`, the tape is `()` and
/// `rev` is `vjp`.
pub fn generated(
    sig: &Signature,
    seed: &Ident,
    mutated: &dyn Fn(&Ident) -> bool,
    body: TokenStream,
    split: Option<&reverse::Split>,
    in_place: Option<&reverse::InPlace>,
    jvp: TokenStream,
) -> TokenStream {
    let item = sig.item;
    let name = &item.sig.ident;
    let vis = &item.vis;
    let generics = &item.sig.generics;
    let where_clause = &generics.where_clause;
    let output = output(sig);
    let inputs = sig.inputs(mutated);
    let value_type = sig.value_type();
    let seed_param = sig.ret.map(|_| quote!(#seed: #value_type));
    let lints = lints();
    let split_methods = sig.ret.map(|_| {
        let tape = Ident::new("__tape", Span::mixed_site());
        let turbofish = turbofish(generics);
        let (fwd, rev, tape_type) = match split {
            // Calling `fwd` counts as using the function.
            Some(split) => {
                let fwd = &split.fwd;
                (quote!(let _ = #name #turbofish; #fwd), split.rev.clone(), split.tape_type.clone())
            }
            None => {
                let params = sig.params.iter().map(|param| param.ident);
                let mut value = quote!(#name #turbofish (#(#params),*));
                // A tuple result is an array between `#[grad]` functions.
                if let Some(len) = sig.ret_tuple {
                    let fields = (0..len).map(syn::Index::from);
                    let tuple = Ident::new("__value", Span::mixed_site());
                    value = quote!({ let #tuple = #value; [#(#tuple.#fields),*] });
                }
                (quote!((#value, ())), quote!(let _ = #tape; #body), quote!(()))
            }
        };
        let plain_inputs = sig.inputs(mutated);
        let primal_inputs = sig.primal_inputs(mutated);
        quote! {
            #[doc(hidden)]
            #[inline]
            #lints
            #vis fn fwd #generics (#(#primal_inputs,)*) -> (#value_type, #tape_type) #where_clause {
                #fwd
            }

            #[doc(hidden)]
            #[inline]
            #lints
            #vis fn rev #generics (#(#plain_inputs,)* #tape: #tape_type, #seed_param) -> #output #where_clause {
                #rev
            }
        }
    });
    let in_place = in_place_methods(sig, mutated, in_place);
    // The parameters `wrt(..)` leaves out, which callers must pass constants.
    let left_out = sig.left_out.iter().map(|i| quote!(impl ::autodiff::guards::LeavesOut<#i> for #name {}));
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #name {}

        #(#left_out)*

        #[allow(dead_code)]
        impl #name {
            #[doc(hidden)]
            #vis const COMPANION: ::autodiff::guards::Me<#name> = ::autodiff::guards::Me::new();
        }

        impl #name {
            #[doc(hidden)]
            #[inline]
            #lints
            #vis fn vjp #generics (#(#inputs,)* #seed_param) -> #output #where_clause {
                #body
            }

            #in_place

            #split_methods

            #jvp
        }
    }
}

/// `vjp_in_place` and `fwd_in_place`, for a function with a `&mut` output.
fn in_place_methods(
    sig: &Signature,
    mutated: &dyn Fn(&Ident) -> bool,
    split: Option<&reverse::InPlace>,
) -> Option<TokenStream> {
    let vjp_in_place = vjp_in_place_method(sig)?;
    // A method is called in place through `vjp_in_place` (see
    // `reverse::saves`): an `impl Trait` in its `impl` block would have to
    // name the block's generic parameters, which this expansion cannot see.
    if sig.params.iter().any(|param| param.ident == crate::method::PLACEHOLDER) {
        return Some(vjp_in_place);
    }
    // An output's values are not the closure's to read: its shadow alone.
    let closure_inputs: Vec<TokenStream> = sig
        .params
        .iter()
        .flat_map(|param| {
            let primal = (!matches!(param.class, ParamClass::Output { .. })).then(|| param.ty.to_token_stream());
            primal.into_iter().chain(param.class.shadow().map(|(_, target)| quote!(&mut #target)))
        })
        .collect();
    let closure_type = closure_type(&closure_inputs, &sig.partial_types(), &sig.item.sig.generics);
    let primal_inputs = sig.primal_inputs(mutated);
    let body = match split {
        Some(split) => split_in_place(sig, split),
        None => fwd_in_place_through_vjp(sig),
    };
    let vis = &sig.item.vis;
    let generics = &sig.item.sig.generics;
    let where_clause = &generics.where_clause;
    let lints = lints();
    // (A body that does not lower fills nothing.)
    let filled = crate::expand::lowered(sig)
        .map(|(body, _)| reverse::filled::filled_first(&body))
        .unwrap_or_else(|_| vec![false; sig.params.len()]);
    let filled_first = Ident::new(reverse::filled::FILLED_FIRST, Span::call_site());
    Some(quote! {
        #vjp_in_place

        #[doc(hidden)]
        #[inline]
        #lints
        #vis fn fwd_in_place #generics (#(#primal_inputs),*) -> #closure_type #where_clause {
            #body
        }

        /// For each parameter, whether the function writes all of it
        /// before reading any: a caller's pass lending it needs no copy.
        #[doc(hidden)]
        #vis const #filled_first: &'static [bool] = &[#(#filled),*];
    })
}

/// `impl FnOnce(A, &mut A, B, ..) -> (partials..) + use<..>`: the reverse
/// half `fwd_in_place` returns, over `inputs` (the function's inputs, each
/// followed by its shadow, an output by its shadow alone). It captures the
/// function's generic parameters, and no lifetime of the arguments (the
/// caller's buffers stay free while it keeps the closure).
fn closure_type(inputs: &[TokenStream], partial_types: &[TokenStream], generics: &syn::Generics) -> TokenStream {
    let captures = generics.params.iter().map(|param| match param {
        syn::GenericParam::Lifetime(lifetime) => lifetime.lifetime.to_token_stream(),
        syn::GenericParam::Type(ty) => ty.ident.to_token_stream(),
        syn::GenericParam::Const(constant) => constant.ident.to_token_stream(),
    });
    quote!(impl ::core::ops::FnOnce(#(#inputs),*) -> (#(#partial_types,)*) + use<#(#captures),*>)
}

/// `fwd_in_place` from the function's sweeps cut in two: the forward sweep,
/// then the reverse sweep as a `move` closure over what it reads.
fn split_in_place(sig: &Signature, split: &reverse::InPlace) -> TokenStream {
    let mut params = Vec::new();
    let mut keep = TokenStream::new();
    let mut lend = TokenStream::new();
    for param in &sig.params {
        let (ident, ty) = (param.ident, param.ty);
        match &param.class {
            // Its final values, if the reverse sweep reads them, come from
            // the copy the forward sweep kept.
            ParamClass::Output { .. } if split.kept.contains(ident) => {
                let kept = format_ident!("__kept_{}", ident, span = Span::mixed_site());
                keep.extend(quote!(let mut #kept = ::std::borrow::ToOwned::to_owned(&*#ident);));
                lend.extend(quote!(let #ident: #ty = &mut #kept;));
            }
            ParamClass::Output { .. } => {}
            _ if split.captured.contains(ident) => params.push(quote!(_: #ty)),
            _ => params.push(quote!(#ident: #ty)),
        }
        if let Some((shadow, target)) = param.class.shadow() {
            params.push(quote!(#shadow: &mut #target));
        }
    }
    let (forward, backward) = (&split.forward, &split.backward);
    quote! {
        #forward
        #keep
        move |#(#params),*| {
            #lend
            #backward
        }
    }
}

/// `fwd_in_place` through `vjp_in_place`, for a function whose sweeps do
/// not split: the outputs' values before the call are kept, the function
/// runs, and the closure runs `vjp_in_place` from the kept values.
fn fwd_in_place_through_vjp(sig: &Signature) -> TokenStream {
    let name = &sig.item.sig.ident;
    let turbofish = turbofish(&sig.item.sig.generics);
    let primal_args = sig.params.iter().map(|param| param.ident);
    let mut keep = TokenStream::new();
    let mut params = Vec::new();
    let mut args = Vec::new();
    for (i, param) in sig.params.iter().enumerate() {
        let (ident, ty) = (param.ident, param.ty);
        let arg = format_ident!("__a{}", i, span = Span::mixed_site());
        if matches!(param.class, ParamClass::Output { .. }) {
            let entry = format_ident!("__entry{}", i, span = Span::mixed_site());
            keep.extend(quote!(let mut #entry = ::std::borrow::ToOwned::to_owned(&*#ident);));
            args.push(quote!(&mut #entry));
        } else {
            params.push(quote!(#arg: #ty));
            args.push(arg.to_token_stream());
        }
        if let Some((_, target)) = param.class.shadow() {
            let shadow = format_ident!("__s{}", i, span = Span::mixed_site());
            params.push(quote!(#shadow: &mut #target));
            args.push(shadow.to_token_stream());
        }
    }
    quote! {
        #keep
        let _ = #name #turbofish (#(#primal_args),*);
        move |#(#params),*| #name::vjp_in_place #turbofish (#(#args),*)
    }
}

/// `vjp_in_place` (`VJP_IN_PLACE`), for a function with a `&mut` output.
fn vjp_in_place_method(sig: &Signature) -> Option<TokenStream> {
    if !sig.params.iter().any(|param| matches!(param.class, ParamClass::Output { .. })) {
        return None;
    }
    let vis = &sig.item.vis;
    let generics = &sig.item.sig.generics;
    let where_clause = &generics.where_clause;
    let inputs = sig.inputs(&|_| false);
    let forwarded = sig.forwarded();
    let partial_types = sig.partial_types();
    // `NAME::vjp`, not `Self::vjp`: a method's companion functions are
    // methods of its own type (`method.rs` renames `NAME::vjp`).
    let name = &sig.item.sig.ident;
    let turbofish = turbofish(generics);
    // The value's seed is zero: `0.0`, or an array of zeros.
    let zero = match sig.ret_array.as_deref().and_then(crate::lower::zero_of_type) {
        Some(crate::ir::Zero::Array(zero)) => zero,
        _ => quote!(0.0),
    };
    let body = match sig.ret {
        None => quote!(#name::vjp #turbofish (#(#forwarded),*)),
        Some(_) if partial_types.is_empty() => quote!(let _ = #name::vjp #turbofish (#(#forwarded,)* #zero);),
        Some(_) => {
            let partials: Vec<Ident> =
                (0..partial_types.len()).map(|i| format_ident!("__d{}", i, span = Span::mixed_site())).collect();
            quote! {
                let (_, #(#partials,)*) = #name::vjp #turbofish (#(#forwarded,)* #zero);
                (#(#partials,)*)
            }
        }
    };
    let lints = lints();
    Some(quote! {
        #[doc(hidden)]
        #[inline]
        #lints
        #vis fn vjp_in_place #generics (#(#inputs),*) -> (#(#partial_types,)*) #where_clause {
            #body
        }
    })
}

/// The parameters of the companion's second-order methods (written for
/// `#[grad(hessian)]` functions by `hvp::tangent_methods`, for the runtime's
/// hand-differentiated ones by `companion!`).
pub struct Tangents {
    /// `x: F, dx: F, w: &T, d_w: &T, n: usize`: what `tangent` and
    /// `tangent_fwd` take.
    pub tangent_inputs: Vec<TokenStream>,
    /// The same, each scalar `mut`: what `tangent_fwd` takes when it runs
    /// the forward sweep itself.
    pub fwd_inputs: Vec<TokenStream>,
    /// The arguments that pass `tangent_inputs` on.
    pub tangent_args: Vec<TokenStream>,
    /// `x: F, dx: F, w: &T, w̄: &mut T, d_w: &T, d_w̄: &mut T, n: usize`:
    /// what `tangent_vjp` and `tangent_rev` take before the seed (and tape).
    pub vjp_inputs: Vec<TokenStream>,
    /// The arguments that pass `vjp_inputs` on.
    pub vjp_args: Vec<TokenStream>,
    /// The types of the partials `tangent_vjp` returns after `ẏ`: for each
    /// float parameter (`F`, or `[F; N]` for an array taken by value), its
    /// own and its tangent's.
    pub partials: Vec<TokenStream>,
}

/// The companion's `tangent` (`jvp(..).1`), `tangent_vjp` (`vjp_body`,
/// which returns `(ẏ, partials..)` and adds into the shadows), and
/// That the companion `name` has the second-order methods, which a
/// caller's `NAME_hvp` checks before it calls them (`guards::SecondOrder`),
/// so that a callee without them is named with the fix.
pub fn second_order(name: &Ident) -> TokenStream {
    quote!(impl ::autodiff::guards::SecondOrder for #name {})
}

/// `tangent_fwd` / `tangent_rev`, that derivative cut in two for a caller's
/// `NAME_hvp`: given `split`, the forward sweep of `tangent_vjp` with the
/// few floats and flags its reverse sweep reads as the tape, so that the
/// caller's reverse sweep does not run the callee's tangent again (for the
/// sigmoid, an `exp` per call); otherwise `tangent` with an empty tape and
/// `tangent_vjp` from scratch.
pub fn tangent_methods(
    sig: &Signature,
    tangents: &Tangents,
    seed: &Ident,
    vjp_body: TokenStream,
    split: Option<&reverse::Split>,
) -> TokenStream {
    let Tangents { tangent_inputs, fwd_inputs, tangent_args, vjp_inputs, vjp_args, partials } = tangents;
    // `ẏ` and its seed have the value's type: `F`, or `[F; N]` for several
    // floats (a tuple's too, as between `#[grad]` functions).
    let value = sig.value_type();
    let output = if partials.is_empty() { value.clone() } else { quote!((#value, #(#partials),*)) };
    let vis = &sig.item.vis;
    let generics = &sig.item.sig.generics;
    let where_clause = &generics.where_clause;
    let lints = lints();
    let primal = &sig.item.sig.ident;
    let turbofish = turbofish(generics);
    let method = |name: &str| Ident::new(name, Span::call_site());
    let (tangent, jvp) = (method(TANGENT), method(JVP));
    let (vjp, fwd, rev) =
        (method(&format!("{TANGENT}_{VJP}")), method(&format!("{TANGENT}_{FWD}")), method(&format!("{TANGENT}_{REV}")));
    let tape = Ident::new("__tape", Span::mixed_site());
    // A tape of floats and flags only: the caller keeps it in its own
    // locals and arrays (`Copy + Default`), as it keeps a `fwd`'s.
    let split_methods = match split {
        Some(reverse::Split { fwd: forward, rev: backward, tape_type }) => quote! {
            #[doc(hidden)]
            #[inline]
            #lints
            #vis fn #fwd #generics (#(#fwd_inputs),*) -> (#value, #tape_type) #where_clause {
                let _ = #primal #turbofish;
                #forward
            }

            #[doc(hidden)]
            #[inline]
            #lints
            #vis fn #rev #generics (#(#vjp_inputs,)* #tape: #tape_type, #seed: #value) -> #output #where_clause {
                #backward
            }
        },
        None => quote! {
            #[doc(hidden)]
            #[inline]
            #lints
            #vis fn #fwd #generics (#(#tangent_inputs),*) -> (#value, ()) #where_clause {
                (#primal::#tangent #turbofish (#(#tangent_args),*), ())
            }

            #[doc(hidden)]
            #[inline]
            #lints
            #vis fn #rev #generics (#(#vjp_inputs,)* #tape: (), #seed: #value) -> #output #where_clause {
                #primal::#vjp #turbofish (#(#vjp_args,)* #seed)
            }
        },
    };
    quote! {
        #[doc(hidden)]
        #[inline]
        #lints
        #vis fn #tangent #generics (#(#tangent_inputs),*) -> #value #where_clause {
            #primal::#jvp #turbofish (#(#tangent_args),*).1
        }

        #[doc(hidden)]
        #[inline]
        #lints
        #vis fn #vjp #generics (#(#vjp_inputs,)* #seed: #value) -> #output #where_clause {
            let _ = #primal #turbofish;
            #vjp_body
        }

        #split_methods
    }
}

/// For a function with `&mut` outputs, the companion's `tangent` (which
/// writes the outputs' tangents from their entry values, `tangent_body`)
/// and `tangent_vjp_in_place` (`VJP_IN_PLACE` of it: the adjoints of the
/// tangents arrive in their shadows, and `vjp_body` returns the partials
/// alone), which a caller's `NAME_hvp` calls for `helper(x, &mut out)`.
pub fn tangent_methods_in_place(
    sig: &Signature,
    tangents: &Tangents,
    tangent_body: TokenStream,
    vjp_body: TokenStream,
) -> TokenStream {
    let Tangents { tangent_inputs, vjp_inputs, partials, .. } = tangents;
    let vis = &sig.item.vis;
    let generics = &sig.item.sig.generics;
    let where_clause = &generics.where_clause;
    let lints = lints();
    let primal = &sig.item.sig.ident;
    let turbofish = turbofish(generics);
    let tangent = Ident::new(TANGENT, Span::call_site());
    let vjp = Ident::new(&format!("{TANGENT}_{VJP_IN_PLACE}"), Span::call_site());
    quote! {
        #[doc(hidden)]
        #[inline]
        #lints
        #vis fn #tangent #generics (#(#tangent_inputs),*) #where_clause {
            #tangent_body
        }

        #[doc(hidden)]
        #[inline]
        #lints
        #vis fn #vjp #generics (#(#vjp_inputs),*) -> (#(#partials,)*) #where_clause {
            let _ = #primal #turbofish;
            #vjp_body
        }
    }
}

/// `companion!(f(a: A, ..) => f_vjp(a: A, d_a: DA, ..) -> R)`: the companion
/// of a function of the runtime whose derivative is written by hand, as
/// `f_vjp` with the companion's `vjp` signature. For a function that
/// returns a float it also has `fwd` (the value, with an empty tape), `rev`
/// (the derivative, given that tape) and `jvp`: `f_jvp` after `, jvp =
/// f_jvp` (with `NAME_jvp`'s signature), from one `vjp` otherwise (see
/// `jvp::Jvp::through_vjp`). After `, tangent_vjp = g` it also has the
/// second-order methods the `NAME_hvp` of a caller needs, around `g` (see
/// `hand_written_tangents`). `companion!(f => f_vjp(..))`, for a function of
/// outputs, has `vjp` alone. A function generic over its float is written
/// `f<T: Float>(a: &[T]) => f_vjp(a: &[T], d_a: &mut [T]) -> T`, and its
/// companion's methods are generic alike.
pub fn hand_written(input: TokenStream) -> syn::Result<TokenStream> {
    let spec: HandWritten = syn::parse2(input)?;
    let HandWritten { name, generics, primal, vjp, vjp_params, ret, derivatives } = spec;
    let where_clause = &generics.where_clause;
    let vjp_idents: Vec<&Ident> = vjp_params.iter().map(|(ident, _)| ident).collect();
    let vjp_inputs: Vec<TokenStream> = vjp_params.iter().map(|(ident, ty)| quote!(#ident: #ty)).collect();
    let Some((primal_params, ret)) = primal.zip(ret) else {
        if derivatives.tangent_vjp.is_some() {
            return Err(syn::Error::new(name.span(), "companion!: `tangent_vjp` needs `f(params) => .. -> R`"));
        }
        // A function of outputs: its `jvp` takes the `vjp`'s parameters,
        // with an input's tangent (the shadow after a `&` reference) shared.
        let jvp = derivatives.jvp.as_ref().map(|path| {
            let mut jvp_inputs = Vec::new();
            let mut after_input = false;
            for (ident, ty) in &vjp_params {
                let tangent_of_input = after_input && matches!(ty, syn::Type::Reference(r) if r.mutability.is_some());
                after_input = matches!(ty, syn::Type::Reference(r) if r.mutability.is_none());
                jvp_inputs.push(match ty {
                    syn::Type::Reference(r) if tangent_of_input => {
                        let elem = &r.elem;
                        quote!(#ident: &#elem)
                    }
                    _ => quote!(#ident: #ty),
                });
            }
            quote! {
                /// The Jacobian-vector product `#[grad(forward)]` functions call.
                #[doc(hidden)]
                #[inline]
                #[track_caller]
                pub fn jvp #generics (#(#jvp_inputs),*) #where_clause {
                    #path(#(#vjp_idents),*)
                }
            }
        });
        let fwd_in_place = hand_written_fwd_in_place(&name, &generics, &vjp_params);
        return Ok(quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types, dead_code)]
            pub struct #name {}

            #[allow(dead_code)]
            impl #name {
                #[doc(hidden)]
                pub const COMPANION: ::autodiff::guards::Me<#name> = ::autodiff::guards::Me::new();
            }

            impl #name {
                /// The vector-Jacobian product `#[grad]` functions call.
                #[doc(hidden)]
                #[inline]
                #[track_caller]
                pub fn vjp #generics (#(#vjp_inputs),*) #where_clause {
                    #vjp(#(#vjp_idents),*)
                }

                /// The same, for a call that writes its output in place.
                #[doc(hidden)]
                #[inline]
                #[track_caller]
                pub fn vjp_in_place #generics (#(#vjp_inputs),*) #where_clause {
                    #vjp(#(#vjp_idents),*)
                }

                #fwd_in_place

                #jvp
            }
        });
    };
    let primal_idents: Vec<&Ident> = primal_params.iter().map(|(ident, _)| ident).collect();
    let primal_inputs: Vec<TokenStream> = primal_params.iter().map(|(ident, ty)| quote!(#ident: #ty)).collect();
    // The value's type (`f64`, or the float `T` of a generic function) is
    // the seed's and that of the value `fwd` returns.
    let value = &ret;
    let item: syn::ItemFn = syn::parse_quote!(pub fn #name #generics (#(#primal_inputs),*) -> #value #where_clause {});
    // A generic function's `jvp` and second-order methods are written as
    // `#[grad]` writes a generic function's: at `f64` standing in for `T`,
    // then spelled over `T` (see `generic.rs`).
    let float = crate::generic::float_param(&item)?;
    let item = match &float {
        Some(float) => crate::generic::concrete(&item, float)?,
        None => item,
    };
    let cx = Ctxt::new();
    let sig = crate::signature::check(&item, &crate::attr::parse(TokenStream::new())?, &cx);
    cx.check()?;
    let Some(sig) = sig else { return Err(syn::Error::new(name.span(), "companion!: an unsupported signature")) };
    let jvp_method = Ident::new(JVP, Span::call_site());
    let jvp = match &derivatives.jvp {
        Some(path) => Some(crate::jvp::Jvp::forwarding(&sig, &quote!(#path))),
        None => {
            let turbofish = turbofish(&sig.item.sig.generics);
            crate::jvp::Jvp::through_vjp(&sig, &quote!(#name::vjp #turbofish))
        }
    }
    .map(|jvp| jvp.function(&sig, &jvp_method, false));
    let tangent_methods = match &derivatives.tangent_vjp {
        Some(path) => hand_written_tangents(&sig, path)?,
        None => TokenStream::new(),
    };
    let second_order = derivatives.tangent_vjp.as_ref().map(|_| second_order(&name));
    let (jvp, tangent_methods) = match &float {
        Some(float) => {
            (jvp.map(|jvp| crate::generic::respell(jvp, float)), crate::generic::respell(tangent_methods, float))
        }
        None => (jvp, tangent_methods),
    };
    Ok(quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        pub struct #name {}

        #second_order

        #[allow(dead_code)]
        impl #name {
            #[doc(hidden)]
            pub const COMPANION: ::autodiff::guards::Me<#name> = ::autodiff::guards::Me::new();
        }

        impl #name {
            /// The vector-Jacobian product `#[grad]` functions call.
            #[doc(hidden)]
            #[inline]
            #[track_caller]
            pub fn vjp #generics (#(#vjp_inputs,)* seed: #value) -> #ret #where_clause {
                #vjp(#(#vjp_idents,)* seed)
            }

            /// The value, and the (empty) tape for `rev`.
            #[doc(hidden)]
            #[inline]
            pub fn fwd #generics (#(#primal_inputs),*) -> (#value, ()) #where_clause {
                (#name(#(#primal_idents),*), ())
            }

            /// The vector-Jacobian product, given what `fwd` kept.
            #[doc(hidden)]
            #[inline]
            #[track_caller]
            pub fn rev #generics (#(#vjp_inputs,)* _tape: (), seed: #value) -> #ret #where_clause {
                #vjp(#(#vjp_idents,)* seed)
            }

            #jvp

            #tangent_methods
        }
    })
}

/// `fwd_in_place` of a hand-differentiated function of outputs, whose
/// `vjp` (`vjp_params`, a shadow after each reference) writes the outputs
/// again from their values on entry: those are kept, the function runs,
/// and the closure runs `vjp_in_place` from the kept values.
fn hand_written_fwd_in_place(name: &Ident, generics: &syn::Generics, vjp_params: &Params) -> TokenStream {
    let where_clause = &generics.where_clause;
    let turbofish = turbofish(generics);
    let mut primal_inputs = Vec::new();
    let mut primal_args = Vec::new();
    let mut keep = TokenStream::new();
    let mut closure_params = Vec::new();
    let mut types = Vec::new();
    let mut args = Vec::new();
    let mut params = vjp_params.iter().enumerate();
    while let Some((i, (ident, ty))) = params.next() {
        primal_inputs.push(quote!(#ident: #ty));
        primal_args.push(ident.clone());
        let output = matches!(ty, syn::Type::Reference(r) if r.mutability.is_some());
        if output {
            let entry = format_ident!("__entry{}", i, span = Span::mixed_site());
            keep.extend(quote!(let mut #entry = ::std::borrow::ToOwned::to_owned(&*#ident);));
            args.push(quote!(&mut #entry));
        } else {
            let arg = format_ident!("__a{}", i, span = Span::mixed_site());
            closure_params.push(quote!(#arg: #ty));
            types.push(ty.to_token_stream());
            args.push(arg.to_token_stream());
        }
        // A reference's shadow follows it.
        if let (syn::Type::Reference(_), Some((j, (_, shadow_ty)))) = (ty, params.next()) {
            let shadow = format_ident!("__a{}", j, span = Span::mixed_site());
            closure_params.push(quote!(#shadow: #shadow_ty));
            types.push(shadow_ty.to_token_stream());
            args.push(shadow.to_token_stream());
        }
    }
    let closure_type = closure_type(&types, &[], generics);
    // (`()`, which `vjp` returns, is the empty tuple of partials.)
    let filled_first = Ident::new(reverse::filled::FILLED_FIRST, Span::call_site());
    quote! {
        /// The function, and the closure that runs `vjp_in_place` after it.
        #[doc(hidden)]
        #[inline]
        pub fn fwd_in_place #generics (#(#primal_inputs),*) -> #closure_type #where_clause {
            #keep
            let _ = #name #turbofish (#(#primal_args),*);
            move |#(#closure_params),*| #name::vjp_in_place #turbofish (#(#args),*)
        }

        /// A hand-written body is not looked into: no output is known to
        /// be written before it is read.
        #[doc(hidden)]
        pub const #filled_first: &'static [bool] = &[];
    }
}

/// The second-order methods of a hand-differentiated function, around
/// `tangent_vjp`, written by hand with their signature: after each float
/// parameter its tangent; after each reference its shadow, its tangent and
/// the tangent's shadow; then the seed. It adds `seed · ∂ẏ/∂·` into the
/// shadows and returns `(ẏ, then ∂ẏ/∂x and ∂ẏ/∂ẋ for each float x)`, where
/// `ẏ` is the function's derivative along the tangents.
fn hand_written_tangents(sig: &Signature, tangent_vjp: &syn::Path) -> syn::Result<TokenStream> {
    let mut tangents = Tangents {
        tangent_inputs: vec![],
        // `tangent_fwd` forwards to `tangent` here (no split).
        fwd_inputs: vec![],
        tangent_args: vec![],
        vjp_inputs: vec![],
        vjp_args: vec![],
        partials: vec![],
    };
    for param in &sig.params {
        let (ident, ty) = (param.ident, param.ty);
        let tangent = format_ident!("__d_{}", ident);
        let (bar, tangent_bar) = (format_ident!("__bar_{}", ident), format_ident!("__bar_d_{}", ident));
        let (tangent_inputs, vjp_inputs) = match &param.class {
            ParamClass::Active(float) => {
                let float = emit::float_type(*float).into_token_stream();
                tangents.partials.extend([float.clone(), float.clone()]);
                let both = vec![(ident.clone(), quote!(#ty)), (tangent, float)];
                (both.clone(), both)
            }
            ParamClass::Shadowed { target, .. } => (
                vec![(ident.clone(), quote!(#ty)), (tangent.clone(), quote!(&#target))],
                vec![
                    (ident.clone(), quote!(#ty)),
                    (bar, quote!(&mut #target)),
                    (tangent, quote!(&#target)),
                    (tangent_bar, quote!(&mut #target)),
                ],
            ),
            ParamClass::Constant => (vec![(ident.clone(), quote!(#ty))], vec![(ident.clone(), quote!(#ty))]),
            ParamClass::Output { .. } => {
                return Err(syn::Error::new(ident.span(), "companion!: `tangent_vjp` is for functions without outputs"))
            }
        };
        for (ident, ty) in tangent_inputs {
            tangents.tangent_inputs.push(quote!(#ident: #ty));
            tangents.tangent_args.push(quote!(#ident));
        }
        for (ident, ty) in vjp_inputs {
            tangents.vjp_inputs.push(quote!(#ident: #ty));
            tangents.vjp_args.push(quote!(#ident));
        }
    }
    let seed = Ident::new("seed", Span::call_site());
    let args = &tangents.vjp_args;
    let body = quote!(#tangent_vjp(#(#args,)* #seed));
    Ok(tangent_methods(sig, &tangents, &seed, body, None))
}

type Params = Vec<(Ident, syn::Type)>;

struct HandWritten {
    name: Ident,
    /// `<T: Float>` after the name, for a generic function.
    generics: syn::Generics,
    primal: Option<Params>,
    vjp: Ident,
    vjp_params: Params,
    ret: Option<syn::Type>,
    derivatives: Derivatives,
}

/// `, jvp = f_jvp, tangent_vjp = f_tangent_vjp` after the return type: the
/// other hand-written derivatives, each optional.
#[derive(Default)]
struct Derivatives {
    jvp: Option<syn::Path>,
    tangent_vjp: Option<syn::Path>,
}

impl Parse for Derivatives {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut derivatives = Derivatives::default();
        while input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let slot = match key.to_string().as_str() {
                "jvp" => &mut derivatives.jvp,
                "tangent_vjp" => &mut derivatives.tangent_vjp,
                _ => return Err(syn::Error::new(key.span(), "companion!: expected `jvp = ..` or `tangent_vjp = ..`")),
            };
            if slot.replace(input.parse()?).is_some() {
                return Err(syn::Error::new(key.span(), format!("companion!: `{key}` given twice")));
            }
        }
        Ok(derivatives)
    }
}

fn parse_params(input: ParseStream) -> syn::Result<Params> {
    let content;
    syn::parenthesized!(content in input);
    let params = Punctuated::<(Ident, syn::Type), Token![,]>::parse_terminated_with(&content, |input| {
        let ident = input.parse()?;
        input.parse::<Token![:]>()?;
        Ok((ident, input.parse()?))
    })?;
    Ok(params.into_iter().collect())
}

impl Parse for HandWritten {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name = input.parse()?;
        let mut generics: syn::Generics = input.parse()?;
        generics.where_clause = input.parse()?;
        let primal = if input.peek(syn::token::Paren) { Some(parse_params(input)?) } else { None };
        input.parse::<Token![=>]>()?;
        let vjp = input.parse()?;
        let vjp_params = parse_params(input)?;
        let ret = if input.parse::<Option<Token![->]>>()?.is_some() { Some(input.parse()?) } else { None };
        let derivatives = input.parse()?;
        Ok(HandWritten { name, generics, primal, vjp, vjp_params, ret, derivatives })
    }
}
