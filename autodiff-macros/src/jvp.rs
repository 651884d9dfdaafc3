//! `NAME_jvp` and the companion's `jvp`: their signature, and a body that is
//! the tangent body (`forward.rs`) printed, a call of a custom derivative,
//! or (for a function whose derivative is a custom `vjp`) one reverse sweep
//! and a dot product.
//!
//! The signature follows the contract: each differentiated parameter is
//! followed by its tangent, `dx: F` for a scalar, `d_NAME: &T` for a
//! reference, `d_NAME: &mut T` for a `&mut` output (it holds the tangent of
//! the output's contents on entry, zero for an output the function only
//! writes, and the output's tangent on exit). The result is `(value,
//! directional derivative)`, or `()` for a function of outputs.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::Ident;

use crate::ctxt::Ctxt;
use crate::expand::{constant_data_checks, lints, lowered, shadow_length_checks, turbofish};
use crate::naming::{self, Namer};
use crate::signature::{ParamClass, RefKind, Signature};
use crate::{activity, emit, forward, refusals, reverse};

pub struct Jvp {
    /// The parameters, each differentiated one followed by its tangent.
    inputs: Vec<TokenStream>,
    body: TokenStream,
}

/// The tangent of each parameter of `sig`, by position: `dx` for a scalar
/// (hygienic, so it cannot clash), the shadow's name for a reference.
fn tangent_names(sig: &Signature, namer: &mut Namer) -> Vec<Option<Ident>> {
    sig.params
        .iter()
        .map(|param| match &param.class {
            ParamClass::Active(_) => Some(namer.fresh(&format!("d{}", naming::name_of(param.ident)))),
            ParamClass::Shadowed { shadow, .. } | ParamClass::Output { shadow, .. } => Some(shadow.clone()),
            ParamClass::Constant => None,
        })
        .collect()
}

/// `x: f64, dx: f64, w: &[f64], d_w: &[f64], y: &mut [f64], d_y: &mut [f64], n: usize`.
fn inputs(sig: &Signature, tangents: &[Option<Ident>], mutated: &dyn Fn(&Ident) -> bool) -> Vec<TokenStream> {
    let mut inputs = Vec::new();
    for (param, tangent) in sig.params.iter().zip(tangents) {
        let (ident, ty) = (param.ident, param.ty);
        let mutability = (param.mutable || mutated(ident)).then(|| quote!(mut));
        inputs.push(quote!(#mutability #ident: #ty));
        let Some(tangent) = tangent else { continue };
        inputs.push(match &param.class {
            ParamClass::Active(_) if crate::signature::is_array_value(ty) => quote!(mut #tangent: #ty),
            ParamClass::Active(float) => {
                let float = emit::float_type(*float);
                quote!(mut #tangent: #float)
            }
            ParamClass::Shadowed { target, .. } => quote!(#tangent: &#target),
            ParamClass::Output { target, .. } => quote!(#tangent: &mut #target),
            ParamClass::Constant => continue,
        });
    }
    inputs
}

/// The arguments that pass the inputs on: each parameter and its tangent.
fn forwarded(sig: &Signature, tangents: &[Option<Ident>]) -> Vec<TokenStream> {
    let mut args = Vec::new();
    for (param, tangent) in sig.params.iter().zip(tangents) {
        args.push(param.ident.to_token_stream());
        args.extend(tangent.as_ref().map(ToTokens::to_token_stream));
    }
    args
}

impl Jvp {
    /// Forward mode of the body: the tangent body, printed.
    pub fn generated(sig: &Signature) -> syn::Result<Jvp> {
        let (body, mut namer) = lowered(sig)?;
        let tangents = tangent_names(sig, &mut namer);
        let mut differentiated = Vec::new();
        let mut outputs = Vec::new();
        let mut tangent_params = Vec::new();
        for (i, ((param, &var), tangent)) in sig.params.iter().zip(&body.params).zip(&tangents).enumerate() {
            let Some(tangent) = tangent else { continue };
            // A struct left out has the slot of a tangent (`guards::NoShadow`), which holds none.
            if sig.has_empty_slots(i) {
                continue;
            }
            tangent_params.push((var, tangent.clone()));
            match param.class {
                ParamClass::Output { .. } => outputs.push(var),
                // A parameter `left_out` keeps its tangent's slot and is a constant.
                _ if !sig.differentiates(i) => {}
                _ => differentiated.push(var),
            }
        }
        let active = activity::active(&body, &differentiated, &outputs);
        let cx = Ctxt::new();
        refusals::check_forward(&body, &active, &|var| tangent_params.iter().any(|(param, _)| *param == var), &cx);
        refusals::drops_of_varied_values(&body, &activity::varied(&body, &differentiated, &outputs), &cx);
        cx.check()?;
        let (tangent_body, tangent_of) =
            forward::forward(&body, &active, &tangent_params, forward::Calls::Jvp, &mut namer);
        let statements = reverse::replay(&tangent_body);
        let result = match tangent_body.ret {
            Some(ret) => {
                let value = &tangent_body.var(ret).ident;
                let tangent = match tangent_of[ret.0] {
                    Some(tangent) => tangent_body.var(tangent).ident.to_token_stream(),
                    // (A result no input reaches: zero, of its shape.)
                    None => match sig.ret_array.as_deref().and_then(crate::lower::zero_of_type) {
                        Some(crate::ir::Zero::Array(zero)) => zero,
                        _ => quote!(0.0),
                    },
                };
                quote!((#value, #tangent))
            }
            None => quote!(()),
        };
        let mutated = |ident: &Ident| {
            (0..body.params.len()).any(|i| {
                let var = body.params[i];
                tangent_body.var(var).ident == *ident && reverse::is_mutated(&tangent_body, var)
            })
        };
        let inputs = inputs(sig, &tangents, &mutated);
        let checks = shadow_length_checks(sig);
        let constant_data = constant_data_checks(sig);
        Ok(Jvp { inputs, body: quote!(#(#checks)* #constant_data #statements #result) })
    }

    /// For the fallback: the signature, and a body that never runs.
    pub fn stub(sig: &Signature, body: TokenStream) -> Jvp {
        let mut namer = Namer::new(sig.item);
        let tangents = tangent_names(sig, &mut namer);
        Jvp { inputs: inputs(sig, &tangents, &|_| false), body }
    }

    /// A call of the custom derivative `target`, which has `NAME_jvp`'s
    /// signature.
    pub fn forwarding(sig: &Signature, target: &TokenStream) -> Jvp {
        let mut namer = Namer::new(sig.item);
        let tangents = tangent_names(sig, &mut namer);
        let args = forwarded(sig, &tangents);
        Jvp { inputs: inputs(sig, &tangents, &|_| false), body: quote!(#target(#(#args),*)) }
    }

    /// `⟨∇f, t⟩` from one call of `vjp` with seed 1, which takes `sig`'s
    /// parameters: for a function whose derivative is a custom `vjp` (the
    /// companion's, or the user's own for `NAME_jvp`). Only for a float
    /// result and parameters that are floats, slices, vectors or arrays of
    /// floats (`None` otherwise).
    pub fn through_vjp(sig: &Signature, vjp: &TokenStream) -> Option<Jvp> {
        sig.ret?;
        // Several outputs: their tangents are not one dot product.
        if sig.ret_array.is_some() {
            return None;
        }
        let mut namer = Namer::new(sig.item);
        let tangents = tangent_names(sig, &mut namer);
        let mut buffers = TokenStream::new();
        let mut args = Vec::new();
        let mut partials = Vec::new();
        let mut terms = Vec::new();
        for (i, (param, tangent)) in sig.params.iter().zip(&tangents).enumerate() {
            let ident = param.ident;
            args.push(ident.to_token_stream());
            match &param.class {
                // A struct left out: the companion's `vjp` has its slot.
                _ if sig.has_empty_slots(i) => {
                    args.push(quote!(&mut ::autodiff::guards::NoShadow));
                }
                // An array's partial is an array, its tangent too: their
                // elements' products, of every row of an array of arrays.
                ParamClass::Active(_) if crate::signature::is_array_value(param.ty) => {
                    let partial = namer.fresh(&format!("__d_{}", naming::name_of(ident)));
                    let depth = crate::signature::elements_depth(param.ty);
                    let flat = |array: TokenStream| (1..depth).fold(array, |a, _| quote!(#a.as_flattened()));
                    let (partials_of, tangents_of) = (flat(partial.to_token_stream()), flat(tangent.to_token_stream()));
                    terms.push(quote!(#partials_of.iter().zip(#tangents_of.iter()).fold(0.0, |s, (g, t)| s + *g * *t)));
                    partials.push(partial);
                }
                ParamClass::Active(_) => {
                    let partial = namer.fresh(&format!("__d_{}", naming::name_of(ident)));
                    terms.push(quote!(#partial * #tangent));
                    partials.push(partial);
                }
                // A copy of the parameter, zeroed, takes its partials; rows
                // (`&[[f64; N]; M]`, `&Vec<[f64; N]>`) are flattened.
                // (Rows of their own lengths have no flat view: `jvp = ..`.)
                ParamClass::Shadowed { target, kind: RefKind::Array(_), .. }
                    if crate::signature::has_jagged_rows(target) =>
                {
                    return None
                }
                ParamClass::Shadowed { target, kind: RefKind::Array(_), .. } => {
                    let gradient = namer.fresh(&format!("__gradient_{}", naming::name_of(ident)));
                    let depth = crate::signature::elements_depth(target);
                    let zeroed = (1..depth).fold(gradient.to_token_stream(), |a, _| quote!(#a.as_flattened_mut()));
                    buffers.extend(quote! {
                        let mut #gradient = ::std::borrow::ToOwned::to_owned(#ident);
                        #zeroed.fill(0.0);
                    });
                    args.push(quote!(&mut #gradient));
                    let flat = |array: TokenStream| (1..depth).fold(array, |a, _| quote!(#a.as_flattened()));
                    let (partials_of, tangents_of) =
                        (flat(gradient.to_token_stream()), flat(tangent.to_token_stream()));
                    // (A fold, not `sum`: a generic float has neither `&T * &T` nor `Sum`.)
                    terms.push(quote!(#partials_of.iter().zip(#tangents_of.iter()).fold(0.0, |s, (g, t)| s + *g * *t)));
                }
                ParamClass::Shadowed { .. } | ParamClass::Output { .. } => return None,
                ParamClass::Constant => {}
            }
        }
        let value = Ident::new("__value", Span::mixed_site());
        let pattern = if partials.is_empty() { quote!(#value) } else { quote!((#value, #(#partials),*)) };
        let terms = terms.iter().map(|term| quote!(+ #term));
        let body = quote! {
            #buffers
            let #pattern = #vjp(#(#args,)* 1.0);
            (#value, 0.0 #(#terms)*)
        };
        Some(Jvp { inputs: inputs(sig, &tangents, &|_| false), body })
    }

    /// The function `name(inputs) -> (F, F)` around the body: `NAME_jvp`
    /// (documented, with the function's attributes) or the companion's
    /// hidden `jvp`.
    pub fn function(&self, sig: &Signature, name: &Ident, documented: bool) -> TokenStream {
        let item = sig.item;
        let vis = &item.vis;
        let generics = &item.sig.generics;
        let where_clause = &generics.where_clause;
        // A tuple result is an array between `#[grad]` functions.
        let value = if documented { sig.public_value_type() } else { sig.value_type() };
        let output = match sig.ret {
            Some(_) => quote!((#value, #value)),
            None => quote!(()),
        };
        let inputs = &self.inputs;
        let body = match sig.ret_tuple.filter(|_| documented) {
            Some(len) => {
                let (v, t) = (Ident::new("__value", Span::mixed_site()), Ident::new("__tangent", Span::mixed_site()));
                let (v_tuple, t_tuple) =
                    (crate::expand::array_to_tuple(&quote!(#v), len), crate::expand::array_to_tuple(&quote!(#t), len));
                let body = &self.body;
                quote!(let (#v, #t) = { #body }; (#v_tuple, #t_tuple))
            }
            None => self.body.clone(),
        };
        let lints = lints();
        let primal = &item.sig.ident;
        let turbofish = turbofish(generics);
        let attributes = if documented {
            let doc = format!(
                " Jacobian-vector product of [`{primal}`] (forward mode, generated by `#[grad]`): returns `({primal}(..), \
                 directional derivative)` along the tangents given after each differentiated parameter."
            );
            let carried = crate::attributes::carried(&item.attrs);
            let inline = (!item.attrs.iter().any(|attr| attr.path().is_ident("inline"))).then(|| quote!(#[inline]));
            quote!(#[doc = #doc] #(#carried)* #inline)
        } else {
            quote!(#[doc(hidden)] #[inline])
        };
        quote! {
            #attributes
            #lints
            #vis fn #name #generics (#(#inputs),*) -> #output #where_clause {
                let _ = #primal #turbofish;
                #body
            }
        }
    }
}
