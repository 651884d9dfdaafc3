//! The pipeline, stage by stage:
//!
//! ```text
//! attr.rs       TokenStream            -> Args          modes, wrt(..)
//! signature.rs  &ItemFn, &Args         -> Signature     which parameters are differentiated
//! lower/        &Signature             -> ir::Body      A-normal form; every subset violation reported
//! optimize.rs   &mut Body                               element reads shared within a pass
//! infer.rs      &mut Body                               float types of every value
//! activity.rs   &Body                  -> Activity      active values (varied and useful), both modes
//! reverse/saves.rs &mut Body, Activity -> Saves         side table by statement id: saves, tapes, needed values
//! refusals.rs   &Body, activity        -> errors        what the passes below refuse
//! reverse/      &Body, Activity, Saves -> Sweeps        forward + reverse sweep of NAME_vjp
//! forward.rs    &Body, active          -> Body          tangents beside the primal (NAME_jvp, jvp.rs)
//! hvp.rs        forward, then reverse  -> tokens        NAME_hvp, the companion's tangent methods
//! companion.rs  Sweeps                 -> TokenStream   the companion other #[grad] functions call
//! expand.rs     the above              -> TokenStream   NAME_grad, NAME_vjp, NAME_jvp, NAME_hvp beside the original
//! fallback.rs   on error               -> TokenStream   the original, the errors, and stubs
//! ```

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Ident, ItemFn};

use crate::ctxt::Ctxt;
use crate::ir::{self, Body, Var};
use crate::naming::{self, Namer};
use crate::signature::{ParamClass, RefKind, Signature};
use crate::validate::Stage;
use crate::{
    activity, attr, attributes, companion, constant_fields, fallback, generic, graph, hvp, infer, jvp, lower, method,
    optimize, refusals, reverse, signature, validate,
};

pub fn grad(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match syn::parse2::<syn::Item>(input.clone()) {
        Ok(syn::Item::Fn(item)) => item,
        Ok(other) => {
            let error = syn::Error::new_spanned(
                item_keyword(&other),
                "#[grad] applies to functions, not to this item; annotate a `fn`",
            );
            let error = error.to_compile_error();
            return quote!(#error #input);
        }
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#error #input);
        }
    };
    if method::is_method(&item) {
        return method::expand(args, &item);
    }
    match generic::float_param(&item) {
        Ok(Some(float)) => generic::expand(args, &item, &float),
        Ok(None) => expand_function(args, &item, Companion::Beside),
        Err(error) => fallback::expand(args, &item, error),
    }
}

/// Where the companion type goes: beside the function, or nowhere (an
/// `impl` block cannot hold a type, so a method has none).
#[derive(Clone, Copy, PartialEq)]
pub enum Companion {
    Beside,
    Dropped,
}

/// The functions `#[grad]` adds beside `item`, or on error the stubs.
pub fn expand_function(args: TokenStream, item: &ItemFn, companion: Companion) -> TokenStream {
    match try_expand(args.clone(), item, companion) {
        Ok(generated) => quote!(#item #generated),
        Err(error) => fallback::expand(args, item, error),
    }
}

/// The keyword and name of an item that is not a function, for the error.
fn item_keyword(item: &syn::Item) -> TokenStream {
    match item {
        syn::Item::Struct(s) => {
            let (keyword, name) = (&s.struct_token, &s.ident);
            quote!(#keyword #name)
        }
        syn::Item::Enum(e) => {
            let (keyword, name) = (&e.enum_token, &e.ident);
            quote!(#keyword #name)
        }
        syn::Item::Impl(i) => i.impl_token.to_token_stream(),
        syn::Item::Trait(t) => {
            let (keyword, name) = (&t.trait_token, &t.ident);
            quote!(#keyword #name)
        }
        syn::Item::Mod(m) => {
            let (keyword, name) = (&m.mod_token, &m.ident);
            quote!(#keyword #name)
        }
        other => other.to_token_stream(),
    }
}

/// The functions `#[grad]` generates beside `item` (not `item` itself).
pub(crate) fn try_expand(args: TokenStream, item: &ItemFn, companion: Companion) -> syn::Result<TokenStream> {
    try_expand_with(args, item, companion, None)
}

/// The parameters the companion of a method's twin for a constant `self`
/// has slots for (see `method.rs`), and those of them the method leaves out
/// of its `wrt(..)`: constants there, as in a restricted free function's
/// companion.
pub(crate) struct ForCallers {
    pub wrt: Vec<Ident>,
    pub left_out: Vec<Ident>,
    /// Parameters that are models although constants here
    /// (`Signature::constant_models`).
    pub models: Vec<Ident>,
}

/// `try_expand`, with the companion differentiating only the parameters
/// `for_callers` names when given (a method's companion for a constant
/// `self`, see `method.rs`), every float parameter otherwise.
pub(crate) fn try_expand_with(
    args: TokenStream,
    item: &ItemFn,
    companion: Companion,
    for_callers: Option<ForCallers>,
) -> syn::Result<TokenStream> {
    let args = attr::parse(args)?;
    let cx = Ctxt::new();
    if let (Some(mode), Some(_)) = (&args.hessian, &args.custom_vjp) {
        cx.error_spanned_by(
            mode,
            "`hessian` differentiates the body twice, which a custom `vjp` replaces; remove `hessian` or the custom \
             derivative",
        );
    }
    attributes::check(item, &cx);
    let mut sig = checked_signature(item, &args, cx)?;
    let (companion_wrt, named_left_out, models) = match for_callers {
        Some(ForCallers { wrt, left_out, models }) => (Some(wrt), left_out, models),
        None => (None, Vec::new(), Vec::new()),
    };
    sig.left_out = positions(&sig, &named_left_out);
    sig.constant_models = positions(&sig, &models);
    if let (Some(_), Some(path)) = (sig.ret_tuple, args.custom_vjp.as_ref().or(args.custom_jvp.as_ref())) {
        return Err(syn::Error::new_spanned(
            path,
            "a custom derivative of a function that returns a tuple is not supported; return an array (`[f64; N]`)",
        ));
    }
    // Callers of this function need its derivative in every float parameter,
    // whatever `wrt` says, so a restricted function gets a full one for them.
    // Every float parameter gets a shadow there, which may clash with a
    // parameter that `wrt` left without one.
    let restricted = args.wrt.is_some() || companion_wrt.is_some();
    let companion_wrt =
        companion_wrt.or_else(|| args.wrt.as_ref().map(|wrt| differentiated_for_callers(item, Some(wrt))));
    let all = attr::Args { wrt: companion_wrt, ..args.clone() };
    let mut full_sig = if restricted { Some(checked_signature(item, &all, Ctxt::new())?) } else { None };
    if let Some(full_sig) = full_sig.as_mut() {
        full_sig.left_out = if named_left_out.is_empty() && args.wrt.is_some() {
            left_out(&sig, full_sig)
        } else {
            positions(full_sig, &named_left_out)
        };
        full_sig.constant_models = positions(full_sig, &models);
        let cx = Ctxt::new();
        signature::slot_constant_references(full_sig, &cx);
        cx.check()?;
    }
    // The companion has the slots of every table (`slot_constant_references`),
    // which a function without `wrt(..)` gets in a signature of its own.
    let has_table = sig.params.iter().any(|param| crate::ir::is_table_type(param.ty));
    let slotted_sig = match &full_sig {
        None if has_table => {
            let mut slotted = checked_signature(item, &args, Ctxt::new())?;
            slotted.left_out = sig.left_out.clone();
            let cx = Ctxt::new();
            signature::slot_constant_references(&mut slotted, &cx);
            cx.check()?;
            Some(slotted)
        }
        _ => None,
    };
    let companion_sig = full_sig.as_ref().or(slotted_sig.as_ref()).unwrap_or(&sig);
    let (jvp_fn, companion_jvp) = forward_functions(&args, &sig, companion_sig)?;
    let hvp_fn = args.hessian.as_ref().map(|_| hvp::function(&sig)).transpose()?;
    let jvp_fn = quote!(#jvp_fn #hvp_fn);
    // A `hessian` function's callers may be `hessian` functions too.
    let tangent_methods = args.hessian.as_ref().map(|_| hvp::tangent_methods(companion_sig)).transpose()?;
    let companion_jvp = quote!(#companion_jvp #tangent_methods);
    let second_order = args.hessian.as_ref().map(|_| companion::second_order(&item.sig.ident));
    if let Some(path) = &args.custom_vjp {
        let seed = Namer::new(item).fresh("seed");
        let functions = args.reverse.then(|| functions(&sig, &seed, &|_| false, Vjp::Custom(path.clone())));
        let target = custom_target(path, &sig.item.sig.generics);
        let graph_fn = args.graph.as_ref().map(|_| graph::custom_function(&sig, &target)).transpose()?;
        // The companion has the slots of every struct parameter and, for a
        // function restricted by `wrt(..)`, of every float one (the
        // convention of `companion.rs`); the custom derivative is called
        // without those it leaves out, whose partials are zero (a caller
        // passes them constants: `guards::LeavesOut`).
        let (companion_sig, body) = match &full_sig {
            Some(full_sig) => (None, padded_custom_call(&sig, full_sig, target, &seed)),
            None => {
                let mut slotted = checked_signature(item, &args, Ctxt::new())?;
                slotted.left_out = sig.left_out.clone();
                let cx = Ctxt::new();
                signature::slot_constant_references(&mut slotted, &cx);
                cx.check()?;
                (Some(slotted), forward_call(&sig, target, &seed))
            }
        };
        let companion_sig = companion_sig.as_ref().or(full_sig.as_ref()).unwrap_or(&sig);
        let companion = companion::generated(companion_sig, &seed, &|_| false, body, None, None, companion_jvp);
        return Ok(quote!(#functions #jvp_fn #graph_fn #companion));
    }
    let graph_fn = args.graph.as_ref().map(|_| graph::function(&sig)).transpose()?;
    let jvp_fn = quote!(#jvp_fn #graph_fn);
    let vjp = reverse_mode(&sig)?;
    let mutated = |ident: &Ident| vjp.mutated.contains(ident);
    let vjp_body = match (&vjp.split, &full_sig) {
        (Some(_), None) if companion == Companion::Beside => split_call(&sig, &vjp),
        _ => vjp.body.clone(),
    };
    let functions = args.reverse.then(|| functions(&sig, &vjp.seed, &mutated, Vjp::Generated(vjp_body)));
    let companion = if let Some(full_sig) = &full_sig {
        let full = reverse_mode(full_sig)?;
        let mutated = |ident: &Ident| full.mutated.contains(ident);
        let (split, in_place) = (full.split.as_ref(), full.in_place.as_ref());
        companion::generated(full_sig, &full.seed, &mutated, full.body, split, in_place, companion_jvp)
    } else {
        // (`NAME_vjp` of a tuple takes and gives tuples, the companion arrays.)
        let body = if args.reverse && sig.ret_tuple.is_none() {
            let vjp_name = naming::vjp_fn(&item.sig.ident);
            forward_to(&sig, quote!(#vjp_name), &vjp.seed)
        } else {
            vjp.body
        };
        let (split, in_place) = (vjp.split.as_ref(), vjp.in_place.as_ref());
        companion::generated(companion_sig, &vjp.seed, &mutated, body, split, in_place, companion_jvp)
    };
    Ok(quote!(#functions #jvp_fn #companion #second_order))
}

/// The parameters `wrt(..)` leaves out that the companion has slots for
/// (floats, float arrays): constants there too, as in the function's own
/// derivatives, so they may be passed to plain functions. Callers learn it
/// from `guards::LeavesOut` (see `companion::generated`).
fn left_out(sig: &Signature, full_sig: &Signature) -> Vec<usize> {
    let slot = |class: &ParamClass| match class {
        ParamClass::Active(_) => true,
        ParamClass::Shadowed { kind, .. } => *kind != RefKind::Model,
        ParamClass::Output { .. } | ParamClass::Constant => false,
    };
    sig.params
        .iter()
        .zip(&full_sig.params)
        .enumerate()
        .filter(|(_, (own, full))| own.class == ParamClass::Constant && slot(&full.class))
        .map(|(i, _)| i)
        .collect()
}

/// The positions of the parameters `names` names.
fn positions(sig: &Signature, names: &[Ident]) -> Vec<usize> {
    let named = |ident: &Ident| names.iter().any(|name| naming::name_of(name) == naming::name_of(ident));
    sig.params.iter().enumerate().filter(|(_, param)| named(param.ident)).map(|(i, _)| i).collect()
}

/// The parameters a restricted function's companion differentiates: every
/// float, float array and output, whatever `wrt` says (its callers need
/// their partials), but a struct only when `wrt` names it (or there is no
/// `wrt`): one left out is a constant everywhere, and need not be a
/// `Params` model (`s: &Spring`).
pub(crate) fn differentiated_for_callers(item: &ItemFn, wrt: Option<&[Ident]>) -> Vec<Ident> {
    let cx = Ctxt::new();
    let Ok(every) = attr::parse(TokenStream::new()) else { return wrt.map(<[Ident]>::to_vec).unwrap_or_default() };
    let names = signature::check(item, &every, &cx).map_or_else(Vec::new, |sig| {
        sig.params
            .iter()
            .filter(|param| match &param.class {
                ParamClass::Shadowed { kind: RefKind::Model, .. } => {
                    wrt.is_none_or(|wrt| wrt.iter().any(|name| naming::name_of(name) == naming::name_of(param.ident)))
                }
                ParamClass::Constant => false,
                ParamClass::Active(_) | ParamClass::Shadowed { .. } | ParamClass::Output { .. } => true,
            })
            .map(|param| param.ident.clone())
            .collect()
    });
    // Its errors are the function's own, reported with its signature.
    let _ = cx.check();
    names
}

/// `NAME_jvp` when forward mode is asked for, and the companion's `jvp`
/// (every `#[grad]` function has one, so that forward-mode callers can call
/// it): generated from the body, or forwarding to a custom `jvp = path`.
/// A function with a custom `vjp` and no custom `jvp` gets its companion's
/// `jvp` from its `vjp` (one reverse sweep, then a dot product).
fn forward_functions(
    args: &attr::Args,
    sig: &Signature,
    companion_sig: &Signature,
) -> syn::Result<(Option<TokenStream>, TokenStream)> {
    let jvp_name = naming::jvp_fn(&sig.item.sig.ident);
    let jvp_method = Ident::new(companion::JVP, Span::call_site());
    if let Some(path) = &args.custom_jvp {
        let target = custom_target(path, &sig.item.sig.generics);
        let plain = jvp::Jvp::forwarding(sig, &target);
        let jvp_fn =
            args.forward.as_ref().filter(|_| !is_named(path, &jvp_name)).map(|_| plain.function(sig, &jvp_name, true));
        let method = jvp::Jvp::forwarding(companion_sig, &target).function(companion_sig, &jvp_method, false);
        return Ok((jvp_fn, method));
    }
    if let Some(path) = &args.custom_vjp {
        // The companion's `vjp` takes the companion's parameters; `NAME_jvp`
        // calls the user's, which takes the function's own.
        let name = &sig.item.sig.ident;
        let turbofish = turbofish(&sig.item.sig.generics);
        let through_vjp = jvp::Jvp::through_vjp(companion_sig, &quote!(#name::vjp #turbofish));
        let jvp_fn = match (&args.forward, &through_vjp) {
            (Some(mode), None) => {
                return Err(syn::Error::new(
                    mode.span(),
                    "forward mode through a custom `vjp` covers functions of floats, slices and arrays that \
                     return a float; for this one (a model or an `&mut` output) write the forward derivative too: \
                     `#[grad(forward, vjp = my_vjp, jvp = my_jvp)]`",
                ))
            }
            (Some(_), Some(_)) => {
                let target = custom_target(path, &sig.item.sig.generics);
                jvp::Jvp::through_vjp(sig, &target).map(|jvp| jvp.function(sig, &jvp_name, true))
            }
            (None, _) => None,
        };
        let method = through_vjp.map(|jvp| jvp.function(companion_sig, &jvp_method, false)).unwrap_or_default();
        return Ok((jvp_fn, method));
    }
    let jvp = jvp::Jvp::generated(sig)?;
    let jvp_fn = args.forward.as_ref().map(|_| jvp.function(sig, &jvp_name, true));
    let method = if std::ptr::eq(sig, companion_sig) { jvp } else { jvp::Jvp::generated(companion_sig)? };
    Ok((jvp_fn, method.function(companion_sig, &jvp_method, false)))
}

/// The signature `args` make of `item`, with the errors recorded in `cx`
/// so far and those the check finds.
fn checked_signature<'a>(item: &'a ItemFn, args: &attr::Args, cx: Ctxt) -> syn::Result<Signature<'a>> {
    let sig = signature::check(item, args, &cx);
    cx.check()?;
    // `check` gives no signature only after recording why.
    sig.ok_or_else(|| syn::Error::new_spanned(&item.sig, "#[grad] cannot differentiate this signature"))
}

/// The body of a `NAME_vjp` for `sig`, with its `seed` parameter and the
/// parameters it writes (which must be `mut`).
struct ReverseMode {
    /// The checks on entry (shadow lengths, models) and the two sweeps.
    body: TokenStream,
    checks: TokenStream,
    /// The same cut in two for callers, when the function allows it.
    split: Option<reverse::Split>,
    /// The same cut in two for callers that write a buffer through it.
    in_place: Option<reverse::InPlace>,
    seed: Ident,
    mutated: Vec<Ident>,
}

/// The body of `sig` in IR, with float types inferred: what both modes
/// start from, with the namer that made its names. Lowered once per
/// signature; each mode gets its own copy to transform.
pub(crate) fn lowered(sig: &Signature) -> syn::Result<(Body, Namer)> {
    sig.lowered.get_or_init(|| lower_body(sig)).clone()
}

/// The names the generated functions give parameters beside a reference
/// parameter `x`, which the user's locals must not take (round 16: a local
/// `v_x` replaced `NAME_hvp`'s direction, a silent wrong `H·v`): its shadow
/// `d_x`, and `NAME_hvp`'s direction `v_x` and product `hv_x` (for `self`
/// of a method, `d_self`, `v_self`, `hv_self`).
fn reserved_names(sig: &Signature) -> Vec<Ident> {
    let mut names = Vec::new();
    for param in &sig.params {
        let Some((shadow, _)) = param.class.shadow() else { continue };
        names.push(shadow.clone());
        let name = naming::name_of(param.ident);
        let mut bases = vec![name.clone()];
        if name == crate::method::PLACEHOLDER {
            bases.push("self".to_owned());
        }
        for base in bases {
            for prefix in ["d", "v", "hv"] {
                names.push(format_ident!("{prefix}_{base}"));
            }
        }
    }
    names
}

fn lower_body(sig: &Signature) -> syn::Result<(Body, Namer)> {
    let cx = Ctxt::new();
    let mut namer = Namer::new(sig.item);
    namer.reserve(&reserved_names(sig));
    let mut body = lower::lower(sig, &mut namer, &cx);
    cx.check()?;
    constant_fields::find(&mut body, sig);
    validate_ir(sig, &body, Stage::Lowered)?;
    optimize::share_element_reads(&mut body, &mut namer);
    validate_ir(sig, &body, Stage::Lowered)?;
    infer::infer(&mut body, sig.float());
    infer::arrays_by_their_use(&mut body);
    let cx = Ctxt::new();
    infer::check_opaque_types(&body, &cx);
    cx.check()?;
    validate_ir(sig, &body, Stage::Typed)?;
    Ok((body, namer))
}

/// The body of `sig` analyzed for the reverse sweep, with the parameters
/// whose adjoints it computes: what `NAME_vjp` and `NAME_graph` sweep.
pub(crate) struct Analyzed {
    pub body: Body,
    pub namer: Namer,
    pub activity: activity::Activity,
    /// What the reverse sweep saves, keyed by statement.
    pub saves: reverse::saves::Saves,
    /// The differentiated scalars, whose partials are returned, in order.
    pub scalars: Vec<Var>,
    /// The reference parameters and their shadows.
    pub shadows: Vec<(Var, Ident)>,
}

pub(crate) fn analyzed(sig: &Signature) -> syn::Result<Analyzed> {
    let (mut body, mut namer) = lowered(sig)?;
    let mut scalars = Vec::new();
    let mut shadows = Vec::new();
    let mut outputs = Vec::new();
    for (param, &var) in sig.params.iter().zip(&body.params) {
        match &param.class {
            ParamClass::Active(_) => scalars.push(var),
            ParamClass::Shadowed { shadow, .. } => shadows.push((var, shadow.clone())),
            ParamClass::Output { shadow, .. } => {
                shadows.push((var, shadow.clone()));
                outputs.push(var);
            }
            ParamClass::Constant => {}
        }
    }
    // A parameter `left_out` keeps its slot (a partial, a shadow) and is a constant.
    let differentiated =
        |var: &Var| body.params.iter().position(|param| param == var).is_none_or(|i| sig.differentiates(i));
    let seeds: Vec<Var> =
        scalars.iter().copied().chain(shadows.iter().map(|(var, _)| *var)).filter(differentiated).collect();
    let activity = activity::analyze(&body, &seeds, &outputs);
    let saves = reverse::saves::analyze(&mut body, &mut namer, &activity);
    validate_ir(sig, &body, Stage::Analyzed(&saves))?;
    let cx = Ctxt::new();
    refusals::check_reverse(&body, &activity, &cx);
    refusals::drops_of_varied_values(&body, &activity::varied(&body, &seeds, &outputs), &cx);
    cx.check()?;
    Ok(Analyzed { body, namer, activity, saves, scalars, shadows })
}

fn reverse_mode(sig: &Signature) -> syn::Result<ReverseMode> {
    let model_checks = sig.params.iter().enumerate().filter_map(|(i, param)| match &param.class {
        ParamClass::Shadowed { kind: RefKind::Model, target, .. } if sig.differentiates(i) => {
            // Points rustc's "not a model" error (Params' diagnostic) at the parameter's type.
            let ident = param.ident;
            Some(quote_spanned!(target.span()=> {
                fn __is_model<T: ::autodiff::Params + ?Sized>(_: &T) {}
                __is_model(#ident);
            }))
        }
        _ => None,
    });
    let length_checks = shadow_length_checks(sig);
    let Analyzed { mut body, mut namer, activity, saves, scalars, shadows } = analyzed(sig)?;
    let seed = namer.fresh("seed");
    let adjoints =
        reverse::Adjoints { scalars: &scalars, shadows: &shadows, reported: None, graph: None, second_order: false };
    let vjp_body = reverse::vjp_body(&mut body, &activity, &saves, &adjoints, &seed, &mut namer);
    let mutated = body
        .params
        .iter()
        .filter(|&&param| reverse::is_mutated(&body, param))
        .map(|&param| body.var(param).ident.clone())
        .collect();
    let body = &vjp_body.vjp;
    let constant_data = constant_data_checks(sig);
    let checks = quote!(#(#length_checks)* #(#model_checks)* #constant_data);
    let (split, in_place) = (vjp_body.split, vjp_body.in_place);
    Ok(ReverseMode { body: quote!(#checks #body), checks, split, in_place, seed, mutated })
}

/// `NAME_vjp`'s body when the companion has the sweeps as `fwd` and `rev`:
/// the checks on entry, then the two calls, so that the sweeps are written
/// (and compiled) once. Both are `#[inline]`, and the tape a tuple of
/// floats, so the optimizer sees the same code as one body.
fn split_call(sig: &Signature, vjp: &ReverseMode) -> TokenStream {
    let name = &sig.item.sig.ident;
    let turbofish = turbofish(&sig.item.sig.generics);
    let checks = &vjp.checks;
    let params = sig.params.iter().map(|param| param.ident);
    let tape = Ident::new("__tape", Span::mixed_site());
    // (The companion's `rev` has the slots of every table.)
    let forwarded = sig.params.iter().flat_map(|param| {
        let ident = param.ident.to_token_stream();
        let slot = match param.class.shadow() {
            Some((shadow, _)) => Some(shadow.to_token_stream()),
            None if crate::ir::is_table_type(param.ty) => Some(quote!(&mut ::autodiff::guards::NoShadow)),
            None => None,
        };
        std::iter::once(ident).chain(slot)
    });
    let seed = &vjp.seed;
    quote! {
        #checks
        let (_, #tape) = #name::fwd #turbofish (#(#params),*);
        #name::rev #turbofish (#(#forwarded,)* #tape, #seed)
    }
}

/// One comparison per shadow of a slice or vector, on entry: a shadow of
/// the wrong length would otherwise fail inside the user's code (shorter)
/// or be accepted silently (longer). Arrays have their length in the type.
pub(crate) fn shadow_length_checks(sig: &Signature) -> Vec<TokenStream> {
    let function = &sig.item.sig.ident;
    sig.params
        .iter()
        .filter_map(|param| {
            let (shadow, target) = param.class.shadow()?;
            if matches!(param.class, ParamClass::Shadowed { kind: RefKind::Model, .. }) || is_array(target) {
                return None;
            }
            let ident = param.ident;
            let message = format!(
                "{}: {name}.len() = {{}} but {shadow}.len() = {{}}; a shadow has the length of its parameter",
                naming::name_of(function),
                name = naming::name_of(ident),
            );
            Some(quote! {
                if #ident.len() != #shadow.len() {
                    ::core::panic!(#message, #ident.len(), #shadow.len());
                }
            })
        })
        .collect()
}

/// One probe per table parameter (`data: &[Sample]`, `ir::is_table`) when
/// no `wrt(..)` says what is differentiated, on entry: its elements must
/// hold no floats behind a name (`type Real = f64`, `type Vec3 = [f64; 3]`)
/// and be no models, which #[grad] would read as constants
/// (`guards::Elements`).
pub(crate) fn constant_data_checks(sig: &Signature) -> TokenStream {
    if sig.wrt_written {
        return TokenStream::new();
    }
    let checks = sig.params.iter().filter(|param| crate::ir::is_table_type(param.ty)).filter_map(|param| {
        let elem = crate::signature::innermost_element(param.ty)?;
        Some(quote_spanned! {elem.span()=>
            {
                #[allow(unused_imports)]
                use ::autodiff::guards::{FloatElementsProbe as _, ModelElementsProbe as _, OtherElementsProbe as _};
                ::autodiff::guards::constant_data((&&::autodiff::guards::Elements::<#elem>::probe()).table());
            }
        })
    });
    // (A parameter by value of a type the macro cannot see: `m: Lin`; an
    // enum of settings is one too, although it is `Params`.)
    let values = sig.params.iter().filter(|param| param.class == ParamClass::Constant);
    let values = values.filter(|param| crate::signature::is_opaque(param.ty)).map(|param| {
        let ty = param.ty;
        quote_spanned! {ty.span()=>
            {
                #[allow(unused_imports)]
                use ::autodiff::guards::{
                    FloatElementsProbe as _, ModelElementsProbe as _, OtherElementsProbe as _,
                    SettingsElementsProbe as _,
                };
                ::autodiff::guards::constant_value((&&&::autodiff::guards::Elements::<#ty>::probe()).table());
            }
        }
    });
    quote!(#(#checks)* #(#values)*)
}

fn is_array(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Array(_) => true,
        syn::Type::Paren(paren) => is_array(&paren.elem),
        syn::Type::Group(group) => is_array(&group.elem),
        _ => false,
    }
}

/// Refuses the function when a stage broke an invariant of the IR: that is
/// a bug of the macro, and the code it would emit may be wrong.
fn validate_ir(sig: &Signature, body: &ir::Body, stage: Stage) -> syn::Result<()> {
    let shadows: Vec<&Ident> = sig
        .params
        .iter()
        .filter_map(|param| match &param.class {
            ParamClass::Shadowed { shadow, .. } | ParamClass::Output { shadow, .. } => Some(shadow),
            ParamClass::Active(_) | ParamClass::Constant => None,
        })
        .collect();
    validate::check(body, &shadows, stage).map_err(|problem| {
        let message = format!(
            "{INTERNAL_ERROR} (IR invariant after {stage:?}): {problem}; #[grad] cannot differentiate this function safely, please report it"
        );
        syn::Error::new_spanned(&sig.item.sig, message)
    })
}

/// How an error from `validate_ir` begins (the fuzzer looks for it).
pub const INTERNAL_ERROR: &str = "autodiff internal error";

/// What `NAME_vjp` is: generated from the body, or a custom derivative
/// written by hand.
pub enum Vjp {
    Generated(TokenStream),
    Custom(syn::Path),
}

/// `target(params.., seed)`: a call that forwards every input.
fn forward_to(sig: &Signature, target: TokenStream, seed: &Ident) -> TokenStream {
    let turbofish = turbofish(&sig.item.sig.generics);
    forward_call(sig, quote!(#target #turbofish), seed)
}

/// `target(params.., seed)`, with `target` complete with its generic arguments.
fn forward_call(sig: &Signature, target: TokenStream, seed: &Ident) -> TokenStream {
    let forwarded = sig.forwarded();
    let seed = sig.ret.map(|_| quote!(#seed));
    quote!(#target (#(#forwarded,)* #seed))
}

/// The companion's `vjp` of a restricted function with a custom derivative:
/// the custom `vjp` called with `sig`'s parameters, its partials given back
/// in the places of `full_sig`'s (which differentiates every float), with a
/// zero for each parameter `wrt(..)` leaves out.
fn padded_custom_call(sig: &Signature, full_sig: &Signature, target: TokenStream, seed: &Ident) -> TokenStream {
    let call = forward_call(sig, target, seed);
    let partial = |param: &signature::Param| format_ident!("__d_{}", param.ident, span = Span::mixed_site());
    let value = sig.ret.map(|_| Ident::new("__value", Span::mixed_site()));
    let own: Vec<Ident> = sig.active().map(|(param, _)| partial(param)).collect();
    let given = match (&value, own.len()) {
        (Some(value), 0) => quote!(#value),
        (Some(value), _) => quote!((#value, #(#own),*)),
        (None, _) => quote!((#(#own,)*)),
    };
    let partials: Vec<TokenStream> = full_sig
        .active()
        .map(|(param, _)| match own.iter().find(|own| **own == partial(param)) {
            Some(own) => own.to_token_stream(),
            None => zero_of(param.ty),
        })
        .collect();
    let padded = match (&value, partials.len()) {
        (Some(value), 0) => quote!(#value),
        (Some(value), _) => quote!((#value, #(#partials),*)),
        (None, _) => quote!((#(#partials,)*)),
    };
    quote!(let #given = #call; #padded)
}

/// A zero of a float or a (nested) float array type: `0.0`, `[[0.0; N]; M]`.
fn zero_of(ty: &syn::Type) -> TokenStream {
    match ty {
        syn::Type::Array(array) => {
            let (elem, len) = (zero_of(&array.elem), &array.len);
            quote!([#elem; #len])
        }
        syn::Type::Paren(paren) => zero_of(&paren.elem),
        syn::Type::Group(group) => zero_of(&group.elem),
        _ => quote!(0.0),
    }
}

/// A custom derivative as called: as written when the user gave its generic
/// arguments (`my_vjp::<T>`), else with the function's own.
pub(crate) fn custom_target(path: &syn::Path, generics: &syn::Generics) -> TokenStream {
    if path.segments.iter().any(|segment| !segment.arguments.is_none()) {
        path.to_token_stream()
    } else {
        let turbofish = turbofish(generics);
        quote!(#path #turbofish)
    }
}

/// Whether the custom derivative `path` is `NAME_vjp` itself (`f_vjp` or
/// `f_vjp::<T>`), which then is not generated.
pub(crate) fn is_named(path: &syn::Path, name: &Ident) -> bool {
    path.leading_colon.is_none() && path.segments.len() == 1 && path.segments[0].ident == *name
}

/// Lints that generated code would trip by construction. `deprecated`: the
/// generated functions call the user's function and each other, which a
/// `#[deprecated]` on the original marks too (the user's own calls still warn).
/// `dead_code`: a derivative the user does not call (`NAME_hvp` beside the
/// `NAME_grad` they use, a companion's methods) is no mistake of theirs.
pub(crate) fn lints() -> TokenStream {
    quote!(#[allow(unused_mut, unused_variables, unused_assignments, unused_parens, unused_braces, deprecated, invalid_nan_comparisons, dead_code, clippy::all, clippy::pedantic)])
}

/// What the generated functions return: `(value, partials..)`, the value
/// alone, or for a function of outputs the partials alone.
pub(crate) fn output(sig: &Signature) -> TokenStream {
    let float = sig.value_type();
    let partial_types = sig.partial_types();
    match (sig.ret, partial_types.len()) {
        (Some(_), 0) => quote!(#float),
        (Some(_), _) => quote!((#float, #(#partial_types),*)),
        (None, _) => quote!((#(#partial_types,)*)),
    }
}

/// What `NAME_vjp` returns: `output`, with the value as the tuple the
/// function returns when it returns one.
pub(crate) fn public_output(sig: &Signature) -> TokenStream {
    let value = sig.public_value_type();
    let partial_types = sig.partial_types();
    match (sig.ret_tuple, partial_types.len()) {
        (Some(_), 0) => quote!(#value),
        (Some(_), _) => quote!((#value, #(#partial_types),*)),
        (None, _) => output(sig),
    }
}

/// `array` (an expression of type `[F; len]`) as the tuple `(F, .., F)`.
pub(crate) fn array_to_tuple(array: &TokenStream, len: usize) -> TokenStream {
    let items = (0..len).map(proc_macro2::Literal::usize_unsuffixed);
    quote!((#(#array[#items]),*))
}

/// The body of `NAME_vjp` for a function that returns a tuple, around
/// `body` (which takes the seed and gives the value as arrays).
fn vjp_of_tuple(sig: &Signature, seed: &Ident, body: TokenStream, len: usize) -> TokenStream {
    let fields = (0..len).map(syn::Index::from);
    let value = Ident::new("__value", Span::mixed_site());
    let partials: Vec<Ident> =
        (0..sig.partial_types().len()).map(|i| format_ident!("__d{}", i, span = Span::mixed_site())).collect();
    let tuple = array_to_tuple(&quote!(#value), len);
    let (pattern, result) = if partials.is_empty() {
        (quote!(#value), tuple)
    } else {
        (quote!((#value, #(#partials),*)), quote!((#tuple, #(#partials),*)))
    };
    quote! {
        let #seed = [#(#seed.#fields),*];
        let #pattern = { #body };
        #result
    }
}

/// `NAME_grad` and `NAME_vjp`, around the body of the latter. The fallback
/// uses this too, with a body that only reports the error.
pub fn functions(sig: &Signature, seed: &Ident, mutated: &dyn Fn(&Ident) -> bool, vjp: Vjp) -> TokenStream {
    let item = sig.item;
    let name = &item.sig.ident;
    let vis = &item.vis;
    let generics = &item.sig.generics;
    let where_clause = &generics.where_clause;
    let output = public_output(sig);
    let grad_name = naming::grad_fn(name);
    let vjp_name = naming::vjp_fn(name);
    let (doc_grad, doc_vjp) = docs(sig);
    let carried = attributes::carried(&item.attrs);
    let inline =
        if item.attrs.iter().any(|attr| attr.path().is_ident("inline")) { None } else { Some(quote!(#[inline])) };
    let lints = lints();
    let plain_inputs = sig.inputs(&|_| false);
    let forwarded = sig.forwarded();
    let turbofish = turbofish(generics);
    let value_type = sig.public_value_type();
    let seed_param = sig.ret.map(|_| quote!(#seed: #value_type));
    let seed_arg = sig.ret.map(|_| quote!(#seed));
    // Differentiating a function counts as using it (no dead-code warning
    // on a function whose gradient alone is called).
    let uses_primal = quote!(let _ = #name #turbofish;);
    let (target, vjp_fn) = match vjp {
        Vjp::Generated(body) => {
            let body = match sig.ret_tuple {
                Some(len) => vjp_of_tuple(sig, seed, body, len),
                None => body,
            };
            let vjp_inputs = sig.inputs(mutated);
            let vjp_fn = quote! {
                #[doc = #doc_vjp]
                #(#carried)*
                #inline
                #lints
                #vis fn #vjp_name #generics (#(#vjp_inputs,)* #seed_param) -> #output #where_clause {
                    #uses_primal
                    #body
                }
            };
            (quote!(#vjp_name #turbofish), Some(vjp_fn))
        }
        Vjp::Custom(path) => {
            let target = custom_target(&path, generics);
            // The hand-written derivative may already be `NAME_vjp`.
            let forward = (!is_named(&path, &vjp_name)).then(|| {
                quote! {
                    #[doc = #doc_vjp]
                    #(#carried)*
                    #inline
                    #lints
                    #vis fn #vjp_name #generics (#(#plain_inputs,)* #seed_param) -> #output #where_clause {
                        #uses_primal
                        #target (#(#forwarded,)* #seed_arg)
                    }
                }
            });
            (target, forward)
        }
    };
    // Several outputs have no single gradient: `NAME_vjp` alone.
    let grad = sig.ret.filter(|_| sig.ret_array.is_none()).map(|_| {
        quote! {
            #[doc = #doc_grad]
            #(#carried)*
            #inline
            #lints
            #vis fn #grad_name #generics (#(#plain_inputs),*) -> #output #where_clause {
                #target (#(#forwarded,)* 1.0)
            }
        }
    });
    quote!(#grad #vjp_fn)
}

/// What the generated functions say they compute.
fn docs(sig: &Signature) -> (String, String) {
    let name = &sig.item.sig.ident;
    let partials: Vec<String> = sig.active().map(|(param, _)| format!("∂{name}/∂{}", param.ident)).collect();
    let returns = match (sig.ret, partials.is_empty()) {
        (Some(_), true) => format!("`{name}(..)`"),
        (Some(_), false) => format!("`({name}(..), {})`", partials.join(", ")),
        (None, _) => format!("`({})`", partials.join(", ")),
    };
    let grad = format!(" Value and gradient of [`{name}`] (reverse mode, generated by `#[grad]`): returns {returns}.");
    let vjp = format!(
        " Vector-Jacobian product of [`{name}`] (reverse mode, generated by `#[grad]`): returns {returns}, every partial scaled by the output's adjoint `seed`."
    );
    (grad, vjp)
}

/// `::<T, N>` for the type and const parameters, so the forwarding call
/// never depends on inference.
pub(crate) fn turbofish(generics: &syn::Generics) -> TokenStream {
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
        pretty(grad(args, item))
    }

    /// The expansion without the companion type, so that `NAME_vjp` holds
    /// the sweeps themselves rather than calls of the companion's `fwd` and
    /// `rev` (as a method's does).
    pub fn expand_sweeps_to_string(item: TokenStream) -> String {
        let item: ItemFn = syn::parse2(item).expect("a function");
        pretty(expand_function(quote!(), &item, Companion::Dropped))
    }

    fn pretty(tokens: TokenStream) -> String {
        match syn::parse2::<syn::File>(tokens.clone()) {
            Ok(file) => prettyplease::unparse(&file),
            Err(_) => tokens.to_string(),
        }
    }

    #[test]
    fn a_split_function_writes_its_sweeps_once() {
        let expanded = expand_to_string(
            quote!(),
            quote! {
                fn j(a: f64, b: f64, c: f64) -> f64 {
                    3.0 * (a + b * c)
                }
            },
        );
        let compact: String = expanded.split_whitespace().collect();
        assert!(compact.contains("let(_,__tape)=j::fwd(a,b,c);j::rev(a,b,c,__tape,seed)"), "{expanded}");
        assert_eq!(expanded.matches("__bar_ret * 3.0").count(), 1, "{expanded}");
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

#[cfg(test)]
mod loop_print {
    use super::tests::expand_to_string;
    use quote::quote;

    #[test]
    fn print_loop_examples() {
        for item in [
            quote! {
                fn running_product(x: &[f64]) -> f64 {
                    let mut p = 1.0;
                    for i in 0..x.len() {
                        p = p * x[i];
                    }
                    p
                }
            },
            quote! {
                fn rosenbrock(x: &[f64]) -> f64 {
                    let mut s = 0.0;
                    for i in 0..x.len() - 1 {
                        let a = x[i + 1] - x[i] * x[i];
                        let b = 1.0 - x[i];
                        s += 100.0 * a * a + b * b;
                    }
                    s
                }
            },
            quote! {
                fn halve(x: f64) -> f64 {
                    let mut v = x;
                    while v > 1.0 {
                        v = v.sqrt() * 0.9;
                    }
                    v
                }
            },
            quote! {
                fn layer(w: &[[f64; 3]; 2], x: &[f64; 3]) -> f64 {
                    let mut h = [0.0; 2];
                    for i in 0..2 {
                        let mut z = 0.0;
                        for (j, &xj) in x.iter().enumerate() {
                            z += w[i][j] * xj;
                        }
                        h[i] = z.max(0.0) + 0.1 * z;
                    }
                    h.iter().fold(0.0, |acc, v| acc + v * v)
                }
            },
        ] {
            let text = expand_to_string(quote!(), item);
            let start = text.find("_vjp(").unwrap();
            let end = text.find("#[doc(hidden)]").unwrap();
            println!("{}", &text[start..end]);
        }
    }
}

#[cfg(test)]
mod never_panics {
    use super::grad;
    use quote::quote;

    /// Odd and broken inputs: the macro answers each with tokens (code or
    /// `compile_error!`), never with a panic.
    #[test]
    fn odd_inputs_give_errors_not_panics() {
        let items = [
            quote!(
                fn f() -> f64 {}
            ),
            quote!(
                fn f(x: f64) -> f64 {
                    x.max()
                }
            ),
            quote!(
                fn f(x: f64) -> f64 {
                    f64::powi()
                }
            ),
            quote!(
                fn f(x: f64) -> f64 {
                    break;
                    x
                }
            ),
            quote!(
                fn f(x: f64) -> f64 {
                    continue;
                }
            ),
            quote!(
                fn f(x: f64) -> f64 {
                    return;
                }
            ),
            quote!(
                fn f(x: &[f64]) -> f64 {
                    x[..]
                }
            ),
            quote!(
                fn f(x: &[f64]) -> f64 {
                    x.iter().fold()
                }
            ),
            quote!(
                fn f(x: &[f64]) -> f64 {
                    x.iter().fold(0.0, 1.0)
                }
            ),
            quote!(
                fn f(x: &[f64]) -> f64 {
                    x.iter().map(|a, b| a).sum()
                }
            ),
            quote!(
                fn f(x: &[f64]) -> f64 {
                    for (a, b, c) in x.iter().enumerate() {}
                    0.0
                }
            ),
            quote!(
                fn f(x: &[f64]) -> f64 {
                    for v in 0.. {}
                    0.0
                }
            ),
            quote!(
                fn f(x: &[f64]) -> f64 {
                    let [a, (b, c)] = *x;
                    a
                }
            ),
            quote!(
                fn f(x: f64) -> f64 {
                    x[0][1].y
                }
            ),
            quote!(
                fn f(x: f64) -> f64 {
                    (x.exp)()
                }
            ),
            quote!(
                fn f(x: f64) -> f64 {
                    <f64>::exp(x)
                }
            ),
            quote!(
                fn f(x: f64) -> f64 {
                    f64::from()
                }
            ),
            quote!(
                fn f(x: f64) -> f64 {
                    <f64>::EPSILON + <f64 as T>::K + <[f64]>::len(x)
                }
            ),
            quote!(
                fn f(r#x: f64, r#type: &[f64]) -> f64 {
                    let mut r#p = 1.0;
                    for _ in 0..2 {
                        r#p = r#p * r#x * r#type[0];
                    }
                    r#p
                }
            ),
            quote!(
                fn f(x: f64) -> f64 {
                    let y;
                    y
                }
            ),
            quote!(
                fn f(x: f64) -> f64 {
                    loop {}
                }
            ),
            quote!(
                fn f(x: f64) -> f64 {
                    while true {}
                    x
                }
            ),
            quote!(
                fn f(x: f64, y: &mut f64) {}
            ),
            quote!(
                fn f<T>(x: T) -> T {
                    x
                }
            ),
            quote!(
                fn f(x: f64) -> f64 {
                    vec![x][0]
                }
            ),
            quote!(
                fn f(x: f64) -> f64 {
                    x + "a"
                }
            ),
            // Found by the fuzzer: an integer beside floats in an array
            // literal (forward and second order), a parameter assigned.
            quote!(
                fn f(x: &[f64; 3]) -> f64 {
                    g(&[x[2], 0, x[1]])
                }
            ),
            quote!(
                fn f(x: &[f64], hi: usize) -> f64 {
                    for i in 0..hi {
                        hi += x[i].sin();
                    }
                    0.0
                }
            ),
            quote!(
                struct S;
            ),
            quote!(fn),
            quote!(),
        ];
        let args = [
            quote!(),
            quote!(wrt(x)),
            quote!(wrt()),
            quote!(vjp),
            quote!(vjp = ),
            quote!(forward, wrt(q)),
            quote!(forward, reverse, hessian),
            quote!(graph),
            quote!(graph, forward, wrt(x)),
        ];
        for item in &items {
            for arg in &args {
                let result = std::panic::catch_unwind(|| grad(arg.clone(), item.clone()).to_string());
                assert!(result.is_ok(), "panicked on #[grad({arg})] {item}");
            }
        }
    }
}
