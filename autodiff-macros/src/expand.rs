//! The pipeline, stage by stage:
//!
//! ```text
//! attr.rs       TokenStream            -> Args          modes, wrt(..)
//! signature.rs  &ItemFn, &Args         -> Signature     which parameters are differentiated
//! lower.rs      &Signature             -> ir::Body      A-normal form; every subset violation reported
//! infer.rs      &mut Body                               float types of every value
//! activity.rs   &mut Body              -> Activity      active and needed values; save slots
//! reverse.rs    &Body, &Activity       -> Sweeps        forward + reverse sweep of NAME_vjp
//! expand.rs     Sweeps                 -> TokenStream   NAME_grad, NAME_vjp beside the original
//! fallback.rs   on error               -> TokenStream   the original, the errors, and stubs
//! ```

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::{Attribute, Ident, ItemFn};

use crate::ctxt::Ctxt;
use crate::ir::Var;
use crate::naming::{self, Namer};
use crate::signature::Signature;
use crate::{activity, attr, emit, fallback, infer, lower, reverse, signature};

pub fn grad(args: TokenStream, input: TokenStream) -> TokenStream {
    let item: ItemFn = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            let error =
                syn::Error::new(Span::call_site(), "#[grad] applies to functions (`fn name(x: f64) -> f64 { .. }`)");
            let error = error.to_compile_error();
            return quote!(#error #input);
        }
    };
    match try_expand(args.clone(), &item) {
        Ok(tokens) => tokens,
        Err(error) => fallback::expand(args, &item, error),
    }
}

fn try_expand(args: TokenStream, item: &ItemFn) -> syn::Result<TokenStream> {
    let args = attr::parse(args)?;
    let cx = Ctxt::new();
    for mode in &args.unsupported_modes {
        cx.error_spanned_by(mode, format!("`{mode}` mode is not implemented yet; use `#[grad]` for reverse mode"));
    }
    let sig = signature::check(item, &args, &cx);
    let Some(sig) = sig else {
        return Err(cx.check().err().unwrap_or_else(|| syn::Error::new(Span::call_site(), "invalid signature")));
    };
    let mut namer = Namer::new(item);
    let mut body = lower::lower(&sig, &mut namer, &cx);
    cx.check()?;
    infer::infer(&mut body, sig.ret);
    let active_params: Vec<Var> = sig
        .params
        .iter()
        .enumerate()
        .filter(|(_, param)| matches!(param.class, signature::ParamClass::Active(_)))
        .map(|(i, _)| body.params[i])
        .collect();
    let activity = activity::analyze(&mut body, &mut namer, &active_params);
    let seed = namer.fresh("seed");
    let sweeps = reverse::vjp_body(&body, &activity, &active_params, &seed, &mut namer);
    let functions = generated(&sig, &seed, sweeps.body);
    Ok(quote!(#item #functions))
}

/// `NAME_grad` and `NAME_vjp` around the body of the latter. The fallback
/// uses this too, with a body that only reports the error.
pub fn generated(sig: &Signature, seed: &Ident, vjp_body: TokenStream) -> TokenStream {
    let item = sig.item;
    let name = &item.sig.ident;
    let vis = &item.vis;
    let generics = &item.sig.generics;
    let where_clause = &generics.where_clause;
    let inputs = &item.sig.inputs;
    let float = emit::float_type(sig.ret);
    let partial_types = sig.active().map(|(_, ty)| emit::float_type(ty));
    let output = if sig.active().next().is_some() { quote!((#float, #(#partial_types),*)) } else { quote!(#float) };
    let grad_name = naming::grad_fn(name);
    let vjp_name = naming::vjp_fn(name);
    let (doc_grad, doc_vjp) = docs(sig);
    let carried = carried_attributes(&item.attrs);
    let inline =
        if item.attrs.iter().any(|attr| attr.path().is_ident("inline")) { None } else { Some(quote!(#[inline])) };
    let lints = quote!(#[allow(unused_mut, unused_variables, unused_assignments, unused_parens, unused_braces, clippy::all, clippy::pedantic)]);
    let param_names = sig.params.iter().map(|param| param.ident);
    let grad_inputs = sig.params.iter().map(|param| {
        let (ident, ty) = (param.ident, param.ty);
        quote!(#ident: #ty)
    });
    let turbofish = turbofish(generics);
    quote! {
        #[doc = #doc_grad]
        #(#carried)*
        #inline
        #lints
        #vis fn #grad_name #generics (#(#grad_inputs),*) -> #output #where_clause {
            #vjp_name #turbofish (#(#param_names,)* 1.0)
        }

        #[doc = #doc_vjp]
        #(#carried)*
        #inline
        #lints
        #vis fn #vjp_name #generics (#inputs, #seed: #float) -> #output #where_clause {
            #vjp_body
        }
    }
}

/// What the generated functions say they compute.
fn docs(sig: &Signature) -> (String, String) {
    let name = &sig.item.sig.ident;
    let partials: Vec<String> = sig.active().map(|(param, _)| format!("∂{name}/∂{}", param.ident)).collect();
    let returns =
        if partials.is_empty() { format!("`{name}(..)`") } else { format!("`({name}(..), {})`", partials.join(", ")) };
    let grad = format!(" Value and gradient of [`{name}`] (reverse mode, generated by `#[grad]`): returns {returns}.");
    let vjp = format!(
        " Vector-Jacobian product of [`{name}`] (reverse mode, generated by `#[grad]`): returns {returns}, every partial scaled by the output's adjoint `seed`."
    );
    (grad, vjp)
}

/// The user's attributes that make sense on the generated functions: docs,
/// lints, `cfg`, `inline`, `must_use`; not those that name or export the
/// original (`no_mangle`, `export_name`, `test`).
fn carried_attributes(attrs: &[Attribute]) -> Vec<&Attribute> {
    const DROPPED: &[&str] = &["no_mangle", "export_name", "link_section", "test", "grad"];
    attrs
        .iter()
        .filter(|attr| {
            let path = attr.path();
            let unsafe_wrapper = path.is_ident("unsafe");
            !unsafe_wrapper && !DROPPED.iter().any(|word| path.is_ident(word))
        })
        .collect()
}

/// `::<T, N>` for the type and const parameters, so the forwarding call
/// never depends on inference.
fn turbofish(generics: &syn::Generics) -> TokenStream {
    let params: Vec<TokenStream> = generics
        .params
        .iter()
        .filter_map(|param| match param {
            syn::GenericParam::Type(ty) => Some(ty.ident.to_token_stream()),
            syn::GenericParam::Const(constant) => Some(constant.ident.to_token_stream()),
            syn::GenericParam::Lifetime(_) => None,
        })
        .collect();
    if params.is_empty() {
        TokenStream::new()
    } else {
        quote!(::<#(#params),*>)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The expansion of `#[grad(args)] item`, pretty-printed.
    pub fn expand_to_string(args: TokenStream, item: TokenStream) -> String {
        let tokens = grad(args, item);
        match syn::parse2::<syn::File>(tokens.clone()) {
            Ok(file) => prettyplease::unparse(&file),
            Err(_) => tokens.to_string(),
        }
    }

    #[test]
    fn print_examples() {
        let j = expand_to_string(
            quote!(),
            quote! {
                fn j(a: f64, b: f64, c: f64) -> f64 {
                    let v = b * c;
                    let u = a + v;
                    3.0 * u
                }
            },
        );
        println!("{j}");
        let branchy = expand_to_string(
            quote!(),
            quote! {
                fn branchy(x: f64, y: f64) -> f64 {
                    let mut s = 0.0;
                    s += x * y;
                    if x > 0.0 {
                        return s.sin() * 2.0;
                    }
                    let z = if y > 1.0 { y.exp() } else { y * y };
                    s = s * s;
                    s + z + f64::powf(2.0, x) + x.max(y)
                }
            },
        );
        println!("{branchy}");
    }
}
