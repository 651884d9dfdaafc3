//! `NAME_hvp`: the Hessian-vector product as a composition of the two
//! passes, no third one. Forward mode (`forward.rs`) turns the body into
//! one that also computes `ḟ = ∇f·v` along the direction `v`; the reverse
//! sweep (`reverse.rs`) then differentiates `ḟ` with respect to the inputs,
//! which gives `∇(∇f·v) = H·v` (reverse over forward, the same product as
//! forward over reverse). The directions are constants of the reverse sweep.
//!
//! The signature follows the contract: each differentiated parameter is
//! followed by its direction (`vx: F` for a scalar, `v_NAME: &T` for a
//! reference), a reference also by `hv_NAME: &mut T`, into which its part
//! of `H·v` is added; the result is `(value, (H·v)ₓ for each differentiated
//! scalar)`, like `NAME_grad`'s.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use crate::ctxt::Ctxt;
use crate::expand::{lints, lowered, turbofish};
use crate::ir::{walk, Rhs, Stmt, Var};
use crate::naming::{self, Namer};
use crate::signature::{ParamClass, RefKind, Signature};
use crate::{activity, emit, forward, reverse};

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

/// `NAME_hvp`, or why the function has none.
pub fn function(sig: &Signature, mode: &Ident) -> syn::Result<TokenStream> {
    let cx = Ctxt::new();
    if sig.ret.is_none() || sig.params.iter().any(|param| matches!(param.class, ParamClass::Output { .. })) {
        cx.error_spanned_by(
            mode,
            "`hessian` is for functions that return one float and write no `&mut` output; differentiate a scalar \
             function (a loss) of these outputs instead",
        );
    }
    let model =
        sig.params.iter().find(|param| matches!(param.class, ParamClass::Shadowed { kind: RefKind::Model, .. }));
    if let Some(model) = model {
        cx.error_spanned_by(
            model.ty,
            "`hessian` of a model struct is not supported yet; pass its parameters as slices",
        );
    }
    cx.check()?;
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
    refuse_calls(&body, &active, &cx);
    let (mut tangent_body, tangent_of) = forward::forward(&body, &active, &directions, &mut namer, &cx);
    cx.check()?;
    let ret = body.ret.expect("a float result, checked above");
    let seed = namer.fresh("seed");
    let statements = match tangent_of[ret.0] {
        Some(tangent) => {
            tangent_body.ret = Some(tangent);
            let activity = activity::analyze(&mut tangent_body, &mut namer, &differentiated, &[]);
            let adjoints = reverse::Adjoints { scalars: &scalars, shadows: &shadows, reported: Some(ret) };
            let cx = Ctxt::new();
            let parts = reverse::vjp_body(&tangent_body, &activity, &adjoints, &seed, &mut namer, &cx);
            cx.check()?;
            let float = emit::float_type(sig.float());
            let vjp = parts.vjp;
            quote!(let #seed: #float = 1.0; #vjp)
        }
        // The value does not depend on the differentiated parameters.
        None => {
            let name = &sig.item.sig.ident;
            let turbofish = turbofish(&sig.item.sig.generics);
            let args = sig.params.iter().map(|param| param.ident);
            let zeros = scalars.iter().map(|_| quote!(0.0));
            quote!((#name #turbofish (#(#args),*), #(#zeros),*))
        }
    };
    let mutated = |var: Var| reverse::is_mutated(&tangent_body, var);
    Ok(signature(sig, &body.params, &extras, &mutated, length_checks(sig, &extras), statements))
}

/// A call whose result is differentiated: forward mode calls the callee's
/// `jvp`, whose reverse sweep companions do not offer yet.
fn refuse_calls(body: &crate::ir::Body, active: &[bool], cx: &Ctxt) {
    walk(&body.block, 0, &mut |stmt, _| {
        if let Stmt::Assign { dst, rhs: Rhs::Call(path, _), .. } = stmt {
            if active[dst.0] {
                let name = quote::ToTokens::to_token_stream(path).to_string().replace(' ', "");
                cx.error_spanned_by(
                    path,
                    format!(
                        "`hessian` does not differentiate through calls of other `#[grad]` functions yet; write \
                         `{name}`'s computation inline here"
                    ),
                );
            }
        }
    });
}

/// One comparison per slice or vector direction and product, on entry.
fn length_checks(sig: &Signature, extras: &[Option<Extra>]) -> TokenStream {
    let function = naming::name_of(&sig.item.sig.ident);
    let mut checks = TokenStream::new();
    for (param, extra) in sig.params.iter().zip(extras) {
        let (ParamClass::Shadowed { target, .. }, Some(extra)) = (&param.class, extra) else { continue };
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
            (ParamClass::Active(float), _) => {
                let float = emit::float_type(*float);
                inputs.push(quote!(mut #direction: #float));
            }
            (ParamClass::Shadowed { target, .. }, Some(product)) => {
                inputs.push(quote!(#direction: &#target));
                inputs.push(quote!(#product: &mut #target));
            }
            _ => {}
        }
    }
    let float = emit::float_type(sig.float());
    let partials: Vec<TokenStream> = sig.active().map(|(_, ty)| emit::float_type(ty)).collect();
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
