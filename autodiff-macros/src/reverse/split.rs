//! The tape split: `NAME_vjp` cut in two where its forward sweep ends, so
//! that a caller's forward sweep runs the callee's once and its reverse
//! sweep hands back only what crosses the cut. For a function returning a
//! float: `fwd`/`rev` with a tuple tape (`Split`); for one writing `&mut`
//! outputs: `fwd_in_place`, whose tape is a closure (`InPlace`). What
//! crosses is read off the reverse half's tokens: the locals it names.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::Ident;

use super::is_mutated;
use crate::emit;
use crate::ir::{Body, Stmt, Ty, Var, VarKind};
use crate::names::{collect_idents, NameSet};

/// The longest tuple a tape is made of: a caller may keep a tape in a
/// variable declared before its first use, made by `Default::default()`,
/// which tuples have up to 12 elements.
const TAPE_CHUNK: usize = 12;

/// `((a, .., l), (m, ..))`: `items` as a tuple of tuples of at most
/// `TAPE_CHUNK` each.
fn chunked(items: impl IntoIterator<Item = TokenStream>) -> TokenStream {
    let items: Vec<TokenStream> = items.into_iter().collect();
    let chunks = items.chunks(TAPE_CHUNK).map(|chunk| quote!((#(#chunk,)*)));
    quote!((#(#chunks,)*))
}

/// The pieces of `NAME_vjp`.
pub struct Parts {
    /// The whole body of `NAME_vjp`.
    pub vjp: TokenStream,
    /// The same, cut in two where the forward sweep ends, when what crosses
    /// the cut is a few floats and flags (a function without loops or
    /// outputs): what a caller's forward pass keeps so that its reverse
    /// pass does not run this function again.
    pub split: Option<Split>,
    /// The same for a function of outputs, as a closure (see `InPlace`).
    pub in_place: Option<InPlace>,
}

/// `InPlace` of `body`, when it returns nothing, writes an output, and
/// what `backward` reads of the forward sweep can move into a closure: no
/// local reference (it borrows an input), no reference parameter set to
/// another, and no method's `self` (a closure has no such parameter).
/// `forward` is the declarations and the forward sweep, `backward` the
/// reverse sweep and the result.
pub(super) fn in_place_split(
    body: &Body,
    items: &TokenStream,
    forward: [&TokenStream; 2],
    backward: [&TokenStream; 2],
) -> Option<InPlace> {
    if body.ret.is_some() || !body.params.iter().any(|&param| is_output(body, param)) {
        return None;
    }
    let mut names = NameSet::default();
    for part in backward {
        collect_idents(part.clone(), &mut names);
    }
    let mentioned = |info: &crate::ir::VarInfo| names.contains(&info.ident.to_string());
    let mut captured = Vec::new();
    let mut kept = Vec::new();
    for &param in &body.params {
        let info = body.var(param);
        if info.ident == crate::method::PLACEHOLDER {
            return None;
        }
        if is_output(body, param) {
            if mentioned(info) {
                kept.push(info.ident.clone());
            }
        } else if is_mutated(body, param) {
            if info.by_ref {
                return None;
            }
            captured.push(info.ident.clone());
        }
    }
    // (The shadows are the closure's parameters.)
    let local_reference =
        |info: &crate::ir::VarInfo| info.by_ref && !matches!(info.kind, VarKind::Param | VarKind::Adjoint(_));
    let borrows = body.vars.iter().any(|info| local_reference(info) && mentioned(info));
    if borrows {
        return None;
    }
    let ([declarations, forward], [backward, result]) = (forward, backward);
    Some(InPlace {
        forward: quote!(#items #declarations #forward),
        backward: quote!(#items #backward #result),
        captured,
        kept,
    })
}

/// Whether `param` is a `&mut` output.
fn is_output(body: &Body, param: Var) -> bool {
    matches!(&body.var(param).declared, Some(syn::Type::Reference(r)) if r.mutability.is_some())
}

/// A function of `&mut` outputs (it returns nothing) cut where its
/// forward sweep ends, for callers that write a buffer through it
/// (`helper(x, &mut out);`): its `fwd_in_place` runs `forward` and returns
/// a `move` closure around `backward`, which takes what the forward sweep
/// left by capture. The closure's parameters are the function's inputs
/// with their shadows; a parameter the forward sweep changed is not one
/// (the closure captures its final value instead), and an output whose
/// final values the reverse sweep reads is kept by the forward sweep
/// (`kept`) and lent to `backward` in its place, so the caller's buffer
/// need not hold them when it calls the closure.
pub struct InPlace {
    pub forward: TokenStream,
    pub backward: TokenStream,
    /// Scalar parameters the forward sweep changed: captured, not passed.
    pub captured: Vec<Ident>,
    /// Outputs whose final values `backward` reads.
    pub kept: Vec<Ident>,
}

pub struct Split {
    /// Runs the forward sweep; returns the value and the tape.
    pub fwd: TokenStream,
    /// Takes `__tape` and runs the reverse sweep.
    pub rev: TokenStream,
    pub tape_type: TokenStream,
}

/// The forward sweep's locals that `backward` (in parts) reads, with their types, if
/// the function can be split there: it returns a float, has no loops and no
/// outputs, and every such local is a float or a flag.
fn split_tape(
    body: &Body,
    backward: &[TokenStream],
    outputs: &[TokenStream],
) -> Option<(Vec<Ident>, Vec<TokenStream>)> {
    body.ret?;
    if !outputs.is_empty() {
        return None;
    }
    let mut has_loop = false;
    crate::ir::walk(&body.block, 0, &mut |stmt, _| has_loop |= matches!(stmt, Stmt::Loop(_)));
    if has_loop {
        return None;
    }
    let mut names = NameSet::default();
    for part in backward {
        collect_idents(part.clone(), &mut names);
    }
    let mut idents = Vec::new();
    let mut types = Vec::new();
    for (i, info) in body.vars.iter().enumerate() {
        let crosses = names.contains(&info.ident.to_string());
        let param_kept = info.kind == VarKind::Param && is_mutated(body, Var(i));
        // Adjoints are the reverse part's own.
        let adjoint = matches!(info.kind, VarKind::Adjoint(_));
        if !crosses || adjoint || (info.kind == VarKind::Param && !param_kept) {
            continue;
        }
        types.push(match info.ty {
            Ty::Float(float) => emit::float_type(float).into_token_stream(),
            Ty::Bool => quote!(bool),
            _ => return None,
        });
        idents.push(info.ident.clone());
    }
    Some((idents, types))
}

/// `Split` of `body`, from the halves: the
/// forward sweep with its items and declarations, the items again, and
/// the reverse sweep ending in the result. `None` when the tape would be
/// longer than a tuple of tuples holds.
pub(super) fn value_split(body: &Body, outputs: &[TokenStream], halves: [TokenStream; 3]) -> Option<Split> {
    let [forward, items, backward] = halves;
    // What the reverse sweep reads of the forward sweep's locals: the
    // split hands exactly these over.
    let (idents, types) = split_tape(body, std::slice::from_ref(&backward), outputs)?;
    if idents.len() > TAPE_CHUNK * TAPE_CHUNK {
        return None;
    }
    let ret = body.ret.map(|ret| body.var(ret).ident.clone());
    let tape = Ident::new("__tape", Span::mixed_site());
    let value = chunked(idents.iter().map(|ident| quote!(#ident)));
    let pattern = chunked(idents.iter().map(|ident| quote!(mut #ident)));
    Some(Split {
        fwd: quote! {
            #forward
            (#ret, #value)
        },
        rev: quote! {
            #items
            let #pattern = #tape;
            #backward
        },
        tape_type: chunked(types),
    })
}
