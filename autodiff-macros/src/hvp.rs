//! `NAME_hvp`: the Hessian-vector product as a composition of the two
//! passes, no third one. Forward mode (`forward.rs`) turns the body into
//! one that also computes `ḟ = ∇f·v` along the direction `v`; the reverse
//! sweep (`reverse.rs`) then differentiates `ḟ` with respect to the inputs,
//! which gives `∇(∇f·v) = H·v` (reverse over forward, the same product as
//! forward over reverse). The directions are constants of the reverse sweep.
//!
//! A call of another `#[grad]` function `y = f(x)` becomes `y = f(x)` and
//! `ẏ = f::tangent(x, ẋ)` in the tangent body; the reverse sweep
//! differentiates the second through `f::tangent_vjp`, which
//! `tangent_methods` writes into the companion of a `#[grad(hessian)]`
//! function (reverse over forward of its body, every parameter and tangent
//! differentiated). So a `hessian` function calls `hessian` functions.
//! Of several floats `ẏ` is an array; a call writing `y` in place becomes
//! `f::tangent(x, ẋ, &y, &mut ẏ)` (from `y`'s entry value) and then
//! `f(x, &mut y)`, the first differentiated through
//! `f::tangent_vjp_in_place`. Such a function has no `NAME_hvp` of its own.
//!
//! The signature follows the contract: each differentiated parameter is
//! followed by its direction (`vx: F` for a scalar, `vs: [F; N]` for an
//! array taken by value, `v_NAME: &T` for a reference), a reference also by
//! `hv_NAME: &mut T`, into which its part of `H·v` is added; the result is
//! `(value, (H·v)ₓ for each parameter taken by value)`, like `NAME_grad`'s.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, ToTokens};
use syn::Ident;

use crate::ctxt::Ctxt;
use crate::expand::{lints, lowered, turbofish};
use crate::ir::{Body, Var};
use crate::naming::{self, Namer};
use crate::signature::{ParamClass, RefKind, Signature};
use crate::{activity, emit, forward, refusals, reverse};

/// What each parameter of `NAME_hvp` brings after itself.
struct Extra {
    /// `vx` or `v_w`.
    direction: Ident,
    /// `hv_w` for a reference.
    product: Option<Ident>,
}

/// The names of the directions and products, checked against the
/// function's own parameters (a clash would be a duplicate binding).
fn extras(sig: &Signature, namer: &mut Namer, cx: &Ctxt) -> Vec<Option<Extra>> {
    let extras: Vec<Option<Extra>> = sig
        .params
        .iter()
        .map(|param| {
            let name = naming::name_of(param.ident);
            match &param.class {
                ParamClass::Active(_) => Some(Extra { direction: namer.fresh(&format!("v{name}")), product: None }),
                ParamClass::Shadowed { .. } => {
                    Some(Extra { direction: format_ident!("v_{}", name), product: Some(format_ident!("hv_{}", name)) })
                }
                ParamClass::Output { .. } | ParamClass::Constant => None,
            }
        })
        .collect();
    for extra in extras.iter().flatten() {
        for generated in std::iter::once(&extra.direction).chain(&extra.product) {
            if let Some(clash) = sig.params.iter().find(|param| *generated == naming::name_of(param.ident)) {
                cx.error_spanned_by(
                    clash.ident,
                    format!(
                        "`{generated}` is also the name `{}_hvp` gives a direction or a product; rename this parameter",
                        sig.item.sig.ident
                    ),
                );
            }
        }
    }
    extras
}

/// Whether `NAME_hvp` exists: for a function of one float result and no
/// `&mut` output. On one of several floats or of outputs there is no single
/// Hessian, and `hessian` writes only the companion's second-order methods
/// its callers' `NAME_hvp` differentiate through (`tangent_methods`).
pub fn has_hvp(sig: &Signature) -> bool {
    sig.ret.is_some()
        && sig.ret_array.is_none()
        && !sig.params.iter().any(|param| matches!(param.class, ParamClass::Output { .. }))
}

/// `NAME_hvp` (nothing where `has_hvp` says there is none), or why the
/// function cannot have one.
pub fn function(sig: &Signature) -> syn::Result<TokenStream> {
    if !has_hvp(sig) {
        return Ok(TokenStream::new());
    }
    let (body, mut namer) = lowered(sig)?;
    let cx = Ctxt::new();
    let extras = extras(sig, &mut namer, &cx);
    let mut scalars = Vec::new();
    let mut shadows = Vec::new();
    let mut directions = Vec::new();
    for (&var, extra) in body.params.iter().zip(&extras) {
        let Some(extra) = extra else { continue };
        directions.push((var, extra.direction.clone()));
        match &extra.product {
            Some(product) => shadows.push((var, product.clone())),
            None => scalars.push(var),
        }
    }
    let differentiated: Vec<Var> = scalars.iter().copied().chain(shadows.iter().map(|(var, _)| *var)).collect();
    let active = activity::active(&body, &differentiated, &[]);
    refusals::check_forward(&body, &active, &|var| directions.iter().any(|(param, _)| *param == var), &cx);
    refusals::drops_of_varied_values(&body, &activity::varied(&body, &differentiated, &[]), &cx);
    refusals::calls_writing_two_outputs_in_second_order(&body, &cx);
    cx.check()?;
    let (mut tangent_body, tangent_of) =
        forward::forward(&body, &active, &directions, forward::Calls::Split, &mut namer);
    let ret = body.ret.expect("a float result, checked above");
    let seed = namer.fresh("seed");
    let statements = match tangent_of[ret.0] {
        Some(tangent) => {
            tangent_body.ret = Some(tangent);
            let activity = activity::analyze(&tangent_body, &differentiated, &[]);
            let saves = reverse::saves::analyze(&mut tangent_body, &mut namer, &activity);
            let adjoints = reverse::Adjoints {
                scalars: &scalars,
                shadows: &shadows,
                reported: Some(ret),
                graph: None,
                second_order: true,
            };
            let cx = Ctxt::new();
            refusals::check_reverse(&tangent_body, &activity, &cx);
            cx.check()?;
            let parts = reverse::vjp_body(&mut tangent_body, &activity, &saves, &adjoints, &seed, &mut namer);
            let float = emit::float_type(sig.float());
            let vjp = parts.vjp;
            quote!(let #seed: #float = 1.0; #vjp)
        }
        // The value does not depend on the differentiated parameters.
        None => {
            let name = &sig.item.sig.ident;
            let turbofish = turbofish(&sig.item.sig.generics);
            let args = sig.params.iter().map(|param| param.ident);
            let value = quote!(#name #turbofish (#(#args),*));
            if scalars.is_empty() {
                value
            } else {
                let zeros = sig.active().map(|(param, _)| {
                    if crate::signature::is_array_value(param.ty) {
                        zero_of(param.ty)
                    } else {
                        quote!(0.0)
                    }
                });
                quote!((#value, #(#zeros),*))
            }
        }
    };
    let mutated = |var: Var| reverse::is_mutated(&tangent_body, var);
    let checks = length_checks(sig, &extras);
    let constant_data = crate::expand::constant_data_checks(sig);
    Ok(signature(sig, &body.params, &extras, &mutated, quote!(#checks #constant_data), statements))
}

/// For the fallback: `NAME_hvp`'s signature around a body that never runs;
/// none where a parameter clashes with a direction (the expansion reported
/// that already).
pub fn stub(sig: &Signature, body: TokenStream) -> Option<TokenStream> {
    if !has_hvp(sig) {
        return None;
    }
    let mut namer = Namer::new(sig.item);
    let cx = Ctxt::new();
    let extras = extras(sig, &mut namer, &cx);
    cx.check().ok()?;
    let params: Vec<Var> = (0..sig.params.len()).map(Var).collect();
    Some(signature(sig, &params, &extras, &|_| false, TokenStream::new(), body))
}

/// One comparison per slice or vector direction and product, on entry.
fn length_checks(sig: &Signature, extras: &[Option<Extra>]) -> TokenStream {
    let function = naming::name_of(&sig.item.sig.ident);
    let mut checks = TokenStream::new();
    for (param, extra) in sig.params.iter().zip(extras) {
        let (ParamClass::Shadowed { target, kind: RefKind::Array(_), .. }, Some(extra)) = (&param.class, extra) else {
            continue;
        };
        // An array has its length in its type (a model its shape).
        if matches!(&**target, syn::Type::Array(_)) {
            continue;
        }
        let ident = param.ident;
        for other in std::iter::once(&extra.direction).chain(&extra.product) {
            let message = format!(
                "{function}: {name}.len() = {{}} but {other}.len() = {{}}; a direction or product has the length \
                 of its parameter",
                name = naming::name_of(ident),
            );
            checks.extend(quote! {
                if #ident.len() != #other.len() {
                    ::core::panic!(#message, #ident.len(), #other.len());
                }
            });
        }
    }
    checks
}

fn signature(
    sig: &Signature,
    params: &[Var],
    extras: &[Option<Extra>],
    mutated: &dyn Fn(Var) -> bool,
    checks: TokenStream,
    statements: TokenStream,
) -> TokenStream {
    let item = sig.item;
    let name = format_ident!("{}_hvp", item.sig.ident);
    let primal = &item.sig.ident;
    let vis = &item.vis;
    let generics = &item.sig.generics;
    let where_clause = &generics.where_clause;
    let mut inputs = Vec::new();
    for ((param, &var), extra) in sig.params.iter().zip(params).zip(extras) {
        let (ident, ty) = (param.ident, param.ty);
        let mutability = (param.mutable || mutated(var)).then(|| quote!(mut));
        inputs.push(quote!(#mutability #ident: #ty));
        let Some(Extra { direction, product }) = extra else { continue };
        match (&param.class, product) {
            // A float, or an array taken by value, whose direction is an array.
            (ParamClass::Active(float), _) => {
                let ty = if crate::signature::is_array_value(ty) {
                    quote!(#ty)
                } else {
                    emit::float_type(*float).into_token_stream()
                };
                inputs.push(quote!(mut #direction: #ty));
            }
            (ParamClass::Shadowed { target, .. }, Some(product)) => {
                inputs.push(quote!(#direction: &#target));
                inputs.push(quote!(#product: &mut #target));
            }
            _ => {}
        }
    }
    let float = emit::float_type(sig.float());
    let partials = sig.partial_types();
    let output = if partials.is_empty() { quote!(#float) } else { quote!((#float, #(#partials),*)) };
    let doc = format!(
        " Hessian-vector product of [`{primal}`] (forward over reverse, generated by `#[grad]`): returns `({primal}(..), \
         (H·v) for each differentiated scalar)`, and adds `H·v` into `hv_NAME` for each differentiated reference, \
         along the directions given after each differentiated parameter."
    );
    let carried = crate::attributes::carried(&item.attrs);
    let inline = (!item.attrs.iter().any(|attr| attr.path().is_ident("inline"))).then(|| quote!(#[inline]));
    let lints = lints();
    let turbofish = turbofish(generics);
    quote! {
        #[doc = #doc]
        #(#carried)*
        #inline
        #lints
        #vis fn #name #generics (#(#inputs),*) -> #output #where_clause {
            let _ = #primal #turbofish;
            #checks
            #statements
        }
    }
}

/// The companion's `tangent`, `tangent_vjp`, `tangent_fwd` and
/// `tangent_rev` (see `companion.rs`): `ẏ = f::tangent(x, ẋ, w, ẇ)` and its
/// reverse-mode derivative in every argument, taking a shadow after each
/// reference (`x, ẋ, w, w̄, ẇ, ẇ̄, seed`) and returning `(ẏ, x̄, ẋ̄, ..)`.
/// For a function of several floats, `ẏ` and its seed are arrays `[F; N]`.
/// `tangent_fwd` / `tangent_rev` are `tangent_vjp` cut where its forward
/// sweep ends, when `reverse::vjp_body` can cut it (`Parts::split`).
///
/// A function with a `&mut` output `y` gets `tangent` and
/// `tangent_vjp_in_place` instead: `f::tangent(x, ẋ, &y, &mut ẏ)` writes
/// the output's tangent from its entry value (its value is dropped, as a
/// call writing in place drops it), and the derivative of that takes
/// `x, ẋ, y, ȳ, ẏ, ẏ̄` and returns `(x̄, ẋ̄, ..)`.
pub fn tangent_methods(sig: &Signature) -> syn::Result<TokenStream> {
    let (body, mut namer) = lowered(sig)?;
    let mut plan = Plan::default();
    for (i, (param, &var)) in sig.params.iter().zip(&body.params).enumerate() {
        plan.param(param, var, sig.has_empty_slots(i), &mut namer);
    }
    let outputs: Vec<Var> = plan.outputs.iter().map(|output| output.var).collect();
    // A parameter `left_out` keeps its slots and is a constant.
    let left_out: Vec<Var> = sig.left_out.iter().map(|&i| body.params[i]).collect();
    plan.differentiated.retain(|var| !left_out.contains(var));
    let active = activity::active(&body, &plan.differentiated, &outputs);
    let cx = Ctxt::new();
    refusals::check_forward(&body, &active, &|var| plan.tangents.iter().any(|(param, _)| *param == var), &cx);
    refusals::drops_of_varied_values(&body, &activity::varied(&body, &plan.differentiated, &outputs), &cx);
    refusals::calls_writing_two_outputs_in_second_order(&body, &cx);
    cx.check()?;
    let (mut tangent_body, tangent_of) =
        forward::forward(&body, &active, &plan.tangents, forward::Calls::Split, &mut namer);
    let tangent_of_param = |var: &Var| tangent_of[var.0].expect("a parameter's tangent");
    // Returned partials: each float parameter, then its tangent.
    let scalars: Vec<Var> = plan.scalars.iter().flat_map(|var| [*var, tangent_of_param(var)]).collect();
    let shadows: Vec<(Var, syn::Ident)> = plan
        .products
        .iter()
        .flat_map(|(var, bar, tangent_bar)| [(*var, bar.clone()), (tangent_of_param(var), tangent_bar.clone())])
        .collect();
    let seeds: Vec<Var> = plan.differentiated.iter().flat_map(|var| [*var, tangent_of_param(var)]).collect();
    let seed = namer.fresh("seed");
    let mut sweep = |tangent_body: &mut Body, outputs: &[Var]| -> syn::Result<reverse::Parts> {
        let activity = activity::analyze(tangent_body, &seeds, outputs);
        let saves = reverse::saves::analyze(tangent_body, &mut namer, &activity);
        let adjoints =
            reverse::Adjoints { scalars: &scalars, shadows: &shadows, reported: None, graph: None, second_order: true };
        let cx = Ctxt::new();
        refusals::check_reverse(tangent_body, &activity, &cx);
        cx.check()?;
        Ok(reverse::vjp_body(tangent_body, &activity, &saves, &adjoints, &seed, &mut namer))
    };
    if !plan.outputs.is_empty() {
        // The value's tangent is dropped; the outputs' tangents are the results.
        tangent_body.ret = None;
        let tangent_outputs: Vec<Var> = outputs.iter().map(tangent_of_param).collect();
        let vjp_body = sweep(&mut tangent_body, &tangent_outputs)?.vjp;
        let (tangent_body, vjp_body) = plan.in_place_bodies(sig, vjp_body);
        return Ok(crate::companion::tangent_methods_in_place(sig, &plan.tangents(), tangent_body, vjp_body));
    }
    let ret = body.ret.expect("a float result");
    let (vjp_body, split) = match tangent_of[ret.0] {
        Some(tangent) => {
            tangent_body.ret = Some(tangent);
            let parts = sweep(&mut tangent_body, &[])?;
            (parts.vjp, parts.split)
        }
        None => {
            let zero = zero_value(sig);
            let zeros = &plan.partial_zeros;
            let vjp_body = if scalars.is_empty() { zero } else { quote!((#zero, #(#zeros),*)) };
            (vjp_body, None)
        }
    };
    Ok(crate::companion::tangent_methods(sig, &plan.tangents(), &seed, vjp_body, split.as_ref()))
}

/// The parameters of the second-order methods, parameter by parameter.
#[derive(Default)]
struct Plan {
    /// What `tangent_vjp` (or `tangent_vjp_in_place`) takes, and the
    /// arguments that pass it on.
    vjp_inputs: Vec<TokenStream>,
    vjp_args: Vec<TokenStream>,
    /// What `tangent` takes, and the arguments that pass it on.
    tangent_inputs: Vec<TokenStream>,
    /// The same, each scalar `mut` (the forward sweep may write it).
    fwd_inputs: Vec<TokenStream>,
    tangent_args: Vec<TokenStream>,
    /// The arguments of `jvp` in `tangent`: those of `tangent`, but for an
    /// output, a copy of its entry value.
    jvp_args: Vec<TokenStream>,
    /// Each differentiated parameter and its tangent's name.
    tangents: Vec<(Var, Ident)>,
    /// The parameters taken by value, whose partials (and their tangents')
    /// are returned, and the types of those partials.
    scalars: Vec<Var>,
    partial_types: Vec<TokenStream>,
    /// A zero of each, for a result that does not depend on the parameters.
    partial_zeros: Vec<TokenStream>,
    differentiated: Vec<Var>,
    /// Each reference parameter, its shadow and its tangent's shadow.
    products: Vec<(Var, Ident, Ident)>,
    outputs: Vec<Output>,
}

/// A `&mut` output `y: &mut T`, which the second-order methods take as
/// `y: &T` (its entry value) and work on a copy of.
struct Output {
    var: Var,
    ident: Ident,
    target: syn::Type,
    /// The copy.
    copy: Ident,
    /// The caller's adjoint of the entry value, into which the local
    /// `own_bar` (the sweep's, zero on entry) is added at the end.
    bar: Ident,
    own_bar: Ident,
}

impl Plan {
    fn param(&mut self, param: &crate::signature::Param, var: Var, left_out_struct: bool, namer: &mut Namer) {
        let (ident, ty) = (param.ident, param.ty);
        let name = naming::name_of(ident);
        if let ParamClass::Output { target, .. } = &param.class {
            let tangent = format_ident!("d_{}", name);
            let (bar, tangent_bar) = (namer.fresh(&format!("__bar_{name}")), namer.fresh(&format!("__bar_d_{name}")));
            let (copy, own_bar) = (namer.fresh(&format!("__entry_{name}")), namer.fresh(&format!("__own_bar_{name}")));
            self.tangent_inputs.extend([quote!(#ident: &#target), quote!(#tangent: &mut #target)]);
            self.fwd_inputs.extend([quote!(#ident: &#target), quote!(#tangent: &mut #target)]);
            self.tangent_args.extend([quote!(#ident), quote!(#tangent)]);
            self.jvp_args.extend([quote!(&mut #copy), quote!(#tangent)]);
            self.vjp_inputs.extend([
                quote!(#ident: &#target),
                quote!(#bar: &mut #target),
                quote!(#tangent: &mut #target),
                quote!(#tangent_bar: &mut #target),
            ]);
            self.vjp_args.extend([quote!(#ident), quote!(#bar), quote!(#tangent), quote!(#tangent_bar)]);
            self.products.push((var, own_bar.clone(), tangent_bar));
            self.tangents.push((var, tangent));
            self.differentiated.push(var);
            self.outputs.push(Output { var, ident: ident.clone(), target: (**target).clone(), copy, bar, own_bar });
            return;
        }
        // `mut` where the body writes the parameter; the lints allow it elsewhere.
        self.vjp_inputs.push(quote!(mut #ident: #ty));
        self.tangent_inputs.push(quote!(#ident: #ty));
        self.fwd_inputs.push(quote!(mut #ident: #ty));
        for args in [&mut self.tangent_args, &mut self.jvp_args, &mut self.vjp_args] {
            args.push(quote!(#ident));
        }
        match &param.class {
            ParamClass::Active(float) => {
                // A float, or an array taken by value, whose tangent and
                // partials are arrays too.
                let (ty, zero) = if crate::signature::is_array_value(ty) {
                    (quote!(#ty), zero_of(ty))
                } else {
                    (emit::float_type(*float).into_token_stream(), quote!(0.0))
                };
                let tangent = namer.fresh(&format!("d{name}"));
                self.vjp_inputs.push(quote!(mut #tangent: #ty));
                self.tangent_inputs.push(quote!(#tangent: #ty));
                self.fwd_inputs.push(quote!(mut #tangent: #ty));
                self.partial_types.extend([ty.clone(), ty]);
                self.partial_zeros.extend([zero.clone(), zero]);
                self.scalars.push(var);
                for args in [&mut self.tangent_args, &mut self.jvp_args, &mut self.vjp_args] {
                    args.push(quote!(#tangent));
                }
                self.tangents.push((var, tangent));
                self.differentiated.push(var);
            }
            ParamClass::Shadowed { target, .. } => {
                let tangent = format_ident!("d_{}", name);
                let (bar, tangent_bar) =
                    (namer.fresh(&format!("__bar_{name}")), namer.fresh(&format!("__bar_d_{name}")));
                self.vjp_inputs.extend([
                    quote!(#bar: &mut #target),
                    quote!(#tangent: &#target),
                    quote!(#tangent_bar: &mut #target),
                ]);
                self.tangent_inputs.push(quote!(#tangent: &#target));
                self.fwd_inputs.push(quote!(#tangent: &#target));
                self.tangent_args.push(quote!(#tangent));
                self.jvp_args.push(quote!(#tangent));
                self.vjp_args.extend([quote!(#bar), quote!(#tangent), quote!(#tangent_bar)]);
                // A struct left out has the slots (`guards::NoShadow`) and is a constant.
                if left_out_struct {
                    return;
                }
                self.products.push((var, bar, tangent_bar));
                self.tangents.push((var, tangent));
                self.differentiated.push(var);
            }
            ParamClass::Constant | ParamClass::Output { .. } => {}
        }
    }

    fn tangents(&self) -> crate::companion::Tangents {
        crate::companion::Tangents {
            tangent_inputs: self.tangent_inputs.clone(),
            fwd_inputs: self.fwd_inputs.clone(),
            tangent_args: self.tangent_args.clone(),
            vjp_inputs: self.vjp_inputs.clone(),
            vjp_args: self.vjp_args.clone(),
            partials: self.partial_types.clone(),
        }
    }

    /// The bodies of `tangent` and `tangent_vjp_in_place` for a function
    /// with outputs. Each works on a copy of each output's entry value
    /// (the function writes it; the caller's stays as it is), and the
    /// derivative sweeps into a zeroed adjoint of that entry value, added
    /// into the caller's at the end.
    fn in_place_bodies(&self, sig: &Signature, vjp_body: TokenStream) -> (TokenStream, TokenStream) {
        let copies: TokenStream = self
            .outputs
            .iter()
            .map(|Output { ident, copy, .. }| quote!(let mut #copy = ::std::borrow::ToOwned::to_owned(#ident);))
            .collect();
        let primal = &sig.item.sig.ident;
        let turbofish = turbofish(&sig.item.sig.generics);
        let jvp = Ident::new(crate::companion::JVP, Span::call_site());
        let jvp_args = &self.jvp_args;
        let tangent_body = quote! {
            #copies
            let _ = #primal::#jvp #turbofish (#(#jvp_args),*);
        };
        let mut entry = TokenStream::new();
        let mut adds = TokenStream::new();
        for Output { ident, target, copy, bar, own_bar, .. } in &self.outputs {
            let zero = crate::lower::zero_of_type(target)
                .map_or_else(|| quote!(::core::clone::Clone::clone(&#copy)), |zero| emit::zero(&zero, &quote!(#ident)));
            let zeroed = format_ident!("{}_zeroed", own_bar);
            entry.extend(quote! {
                let mut #copy = ::std::borrow::ToOwned::to_owned(#ident);
                let #ident: &mut #target = &mut #copy;
                let mut #zeroed = #zero;
                let #own_bar: &mut #target = &mut #zeroed;
            });
            // (Row by row for an output of rows, `&mut [[f64; N]; M]`.)
            let mut add = quote!(*__sum += *__part;);
            for _ in 1..crate::signature::elements_depth(target) {
                add = quote!(for (__sum, __part) in __sum.iter_mut().zip(__part.iter()) { #add });
            }
            adds.extend(quote! {
                for (__sum, __part) in #bar.iter_mut().zip(#own_bar.iter()) {
                    #add
                }
            });
        }
        let partials = Ident::new("__partials", Span::mixed_site());
        let vjp_body = quote! {
            #entry
            let #partials = { #vjp_body };
            #adds
            #partials
        };
        (tangent_body, vjp_body)
    }
}

/// A zero of the function's value type: `0.0`, or an array of zeros.
fn zero_value(sig: &Signature) -> TokenStream {
    sig.ret_array.as_deref().map_or_else(|| quote!(0.0), zero_of)
}

/// A zero of a float or float array type.
fn zero_of(ty: &syn::Type) -> TokenStream {
    match crate::lower::zero_of_type(ty) {
        Some(crate::ir::Zero::Array(zero)) => zero,
        _ => quote!(0.0),
    }
}

#[cfg(test)]
mod tests {
    use quote::format_ident;
    use syn::parse_quote;

    use super::*;
    use crate::lower::tests::lowered;

    /// The body the reverse sweep of `NAME_hvp` reads: the tangent body
    /// of `item` along `v_*`, its result the tangent, its saves marked.
    fn composed_ir(item: syn::ItemFn) -> String {
        let (body, mut namer) = lowered(item).expect("lowers");
        let directions: Vec<(Var, Ident)> =
            body.params.iter().map(|&param| (param, format_ident!("v_{}", body.var(param).ident))).collect();
        let active = activity::active(&body, &body.params, &[]);
        let (mut tangent_body, tangent_of) =
            forward::forward(&body, &active, &directions, forward::Calls::Split, &mut namer);
        tangent_body.ret = tangent_of[body.ret.expect("a result").0];
        let activity = activity::analyze(&tangent_body, &body.params, &[]);
        let saves = reverse::saves::analyze(&mut tangent_body, &mut namer, &activity);
        tangent_body.annotated(&saves).to_string()
    }

    #[test]
    fn the_reverse_sweep_differentiates_the_tangent_of_the_result() {
        let got = composed_ir(parse_quote! {
            fn f(x: f64, y: f64) -> f64 {
                x * y.sin()
            }
        });
        let want = "fn(x: f64, y: f64, v_x: f64, v_y: f64) -> __dot_ret: f64
    __t1: f64 = sin(y)
    __t2: f64 = cos(y)
    __dot_t1: f64 = mul(__t2, v_y)
    __ret: f64 = mul(x, __t1)
    __t4: f64 = mul(__t1, v_x)
    __t5: f64 = mul(x, __dot_t1)
    __dot_ret: f64 = add(__t4, __t5)
";
        assert_eq!(got, want);
    }

    #[test]
    fn a_loop_overwrite_of_a_tangent_is_saved_for_the_reverse_sweep() {
        let got = composed_ir(parse_quote! {
            fn f(x: &[f64]) -> f64 {
                let mut p = 1.0;
                for i in 0..x.len() {
                    p = p * x[i];
                }
                p
            }
        });
        // `ṗ := x[i]·ṗ + p·v_x[i]` reads the old `p` and `ṗ`: both saved per pass.
        assert!(got.contains("__saved_p <- p"), "{got}");
        assert!(got.contains("__saved_dot_p <- __dot_p"), "{got}");
        assert!(got.contains("mul(p, v_x[i])"), "{got}");
    }

    #[test]
    fn an_in_place_call_becomes_its_tangent_from_the_entry_value_then_the_callee() {
        let got = composed_ir(parse_quote! {
            fn f(x: &[f64]) -> f64 {
                let mut y = [0.0; 2];
                g(x, &mut y[0..2]);
                y[0] * y[1]
            }
        });
        // The tangent reads `y` (`&y`) and writes its tangent, before `g`
        // replaces `y`: each call writes one buffer.
        let tangent = got.find("call g::tangent(&x, &v_x, &y[0..2], &mut __dot_y[0..2])");
        let primal = got.find("call g(&x, &mut y[0..2])");
        assert!(tangent.is_some() && primal.is_some() && tangent < primal, "{got}");
    }

    #[test]
    fn a_call_becomes_the_callee_and_its_tangent() {
        let got = composed_ir(parse_quote! {
            fn f(x: f64) -> f64 {
                g(x) * x
            }
        });
        let want =
            "__dot_t1: f64 = call g::tangent(x, v_x) (tape __tape_dot_t1)\n    __t1: f64 = call g(x) (tape __tape_t1)";
        assert!(got.contains(want), "{got}");
    }

    #[test]
    fn a_callers_reverse_sweep_gets_the_tangents_forward_sweep_on_a_tape() {
        let got = crate::expand::tests::expand_to_string(
            quote::quote!(hessian),
            quote::quote! {
                fn f(x: f64) -> f64 {
                    x.exp() * x
                }
            },
        );
        // `tangent_rev` reads what `tangent_fwd` kept (`exp(x)` among it)
        // instead of calling `tangent_vjp`, which runs the tangent again.
        let rev = &got[got.find("fn tangent_rev(").expect("tangent_rev")..];
        let rev = &rev[..rev.find("\n    }\n").expect("its end")];
        assert!(rev.contains("= __tape;") && !rev.contains("tangent_vjp") && !rev.contains("exp("), "{rev}");
        let fwd = &got[got.find("fn tangent_fwd(").expect("tangent_fwd")..];
        assert!(!fwd[..fwd.find('{').expect("a body")].contains("()"), "{fwd}");
    }
}
