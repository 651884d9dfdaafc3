//! `let v: Vec<F> = chain.collect();`, lowered as the loop a person writes
//! in its place, whose `push`es `vectors.rs` lowers:
//!
//! ```text
//! let y: Vec<f64> = x.iter().map(|v| k * v).collect();
//! ```
//! becomes
//! ```text
//! let mut y: Vec<f64> = Vec::with_capacity(x.len());
//! for v in x.iter() { y.push(k * v); }
//! ```
//!
//! The vector's type is written on the `let` or as `collect::<..>()`, as
//! Rust needs. A `Vec<_>` is an untyped vector, whose pushes decide what it
//! holds (`vectors.rs`).

use proc_macro2::Span;
use syn::{Expr, Ident};

use super::stmt::contains_return;
use super::{Lowerer, Sink};
use crate::ir::Block;

/// `chain.collect()` or `chain.collect::<T>()`, the initializer of a `let`.
pub(super) fn collect_call(expr: &Expr) -> Option<&syn::ExprMethodCall> {
    match expr {
        Expr::Paren(paren) => collect_call(&paren.expr),
        Expr::MethodCall(call) if call.method == "collect" && call.args.is_empty() => Some(call),
        _ => None,
    }
}

impl Lowerer<'_> {
    /// Lowers `let name: T = call;` with `call` a `collect()`; `declared`
    /// is the `let`'s type. Reports an error when the element type is not
    /// written.
    pub(super) fn lower_collect(
        &mut self,
        name: &Ident,
        declared: Option<&syn::Type>,
        call: &syn::ExprMethodCall,
        out: &mut Block,
    ) {
        let span = call.method.span();
        let ty = declared.filter(|ty| is_vec(ty)).cloned().or_else(|| turbofish_vec(call));
        let Some(ty) = ty else {
            self.cx.error_spanned_by(&call.method, type_needed(name));
            return;
        };
        if let Some(syn::Type::Reference(reference)) = vec_elem(&ty) {
            self.cx.error_spanned_by(
                reference,
                "#[grad] collects values, not references; collect copies of the items: \
                 `.copied().collect::<Vec<f64>>()`",
            );
            return;
        }
        let (source, pattern, item): (&Expr, syn::Pat, Expr) = match &*call.receiver {
            Expr::MethodCall(map) if map.method == "map" && map.args.len() == 1 => {
                let Expr::Closure(closure) = &map.args[0] else {
                    self.cx.error_spanned_by(&map.args[0], "`map` before `collect` takes a closure `|v| ..`");
                    return;
                };
                if closure.inputs.len() != 1 || contains_return(&closure.body) {
                    self.cx.error_spanned_by(
                        closure,
                        "the closure of `map` before `collect` takes one item and has no `return`; \
                         write the loop out with `push`",
                    );
                    return;
                }
                // `|v: &f64| ..`: a `for` pattern takes no type.
                let pattern = match &closure.inputs[0] {
                    syn::Pat::Type(typed) => (*typed.pat).clone(),
                    pattern => pattern.clone(),
                };
                (&map.receiver, pattern, (*closure.body).clone())
            }
            receiver => {
                if let Some(adaptor) = compound_items(receiver) {
                    self.cx.error_spanned_by(
                        &call.method,
                        format!(
                            "#[grad] collects floats or integers, and the items after `{adaptor}` are not: \
                             map each to one first (`.map(|(a, b)| a * b).collect()`)"
                        ),
                    );
                    return;
                }
                let item = Ident::new("__collect_item", Span::mixed_site());
                (receiver, syn::parse_quote!(#item), syn::parse_quote!(#item))
            }
        };
        // The loop pushes onto the vector under a name of its own: the
        // closure's item (`|v| ..` collected into `v`) and the source
        // (`let x: Vec<f64> = x.iter()..`) may be named as the vector is.
        let vector = self.namer.fresh("__collect_vector");
        // (In parentheses: a struct literal, `S { a: x }.a`, cannot stand
        // bare before a `for` loop's body; a fuzzer's mutation made the
        // macro panic here.)
        let pushes: syn::Stmt = syn::parse_quote_spanned! {span=>
            for #pattern in (#source) {
                #vector.push(#item);
            }
        };
        let untyped = is_untyped_vec(&ty);
        let declaration: syn::Stmt = if untyped {
            // `Vec<_>`: the pushes decide (`vectors.rs`, `inferred_push`).
            syn::parse_quote_spanned!(span=> let mut #name = Vec::new();)
        } else {
            let empty: Expr = match innermost_source(source) {
                Some(base) => syn::parse_quote_spanned!(span=> Vec::with_capacity(#base.len())),
                None => syn::parse_quote_spanned!(span=> Vec::new()),
            };
            syn::parse_quote_spanned!(span=> let mut #name: #ty = #empty;)
        };
        let shadowed = self.bound_here(name);
        self.lower_stmts(&[declaration], out, Sink::Discard);
        let Some(collected) = self.lookup(name) else { return };
        if untyped {
            if let super::Binding::Var(var) = collected {
                self.collected.insert(var);
            }
        }
        // Until the loop has run, `name` is what it was before the `let`.
        self.restore_here(name, shadowed);
        self.bind(&vector, collected.clone());
        self.lower_stmts(&[pushes], out, Sink::Discard);
        self.bind(name, collected);
    }
}

pub(super) fn type_needed(name: &Ident) -> String {
    format!(
        "#[grad] cannot tell whether the items `collect` gathers into `{name}` are floats, so their derivative \
         could be lost; write the vector's type: `let {name}: Vec<f64> = ..collect();`"
    )
}

/// `Vec<T>`, `T` written out or `_`.
fn is_vec(ty: &syn::Type) -> bool {
    vec_elem(ty).is_some()
}

/// `Vec<_>`.
pub(super) fn is_untyped_vec(ty: &syn::Type) -> bool {
    matches!(vec_elem(ty), Some(syn::Type::Infer(_)))
}

fn vec_elem(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else { return None };
    let last = path.path.segments.last().filter(|last| last.ident == "Vec")?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.first()? {
        syn::GenericArgument::Type(elem) => Some(elem),
        _ => None,
    }
}

/// The `T` of `collect::<T>()`, if it is a `Vec<..>`.
fn turbofish_vec(call: &syn::ExprMethodCall) -> Option<syn::Type> {
    match call.turbofish.as_ref()?.args.first()? {
        syn::GenericArgument::Type(ty) if is_vec(ty) => Some(ty.clone()),
        _ => None,
    }
}

/// The adaptor of `chain` whose items are pairs or sub-slices (`zip`,
/// `enumerate`, `windows`, `chunks`, `chunks_exact`) and reach its end
/// with no `map` after it, if any.
fn compound_items(chain: &Expr) -> Option<&Ident> {
    match chain {
        Expr::MethodCall(call) if call.method == "map" => None,
        Expr::MethodCall(call) => {
            let compound = ["zip", "enumerate", "windows", "chunks", "chunks_exact"];
            if compound.iter().any(|name| call.method == name) {
                return Some(&call.method);
            }
            compound_items(&call.receiver)
        }
        Expr::Paren(paren) => compound_items(&paren.expr),
        _ => None,
    }
}

/// The name whose elements the chain walks (`x` in `x.iter().zip(y)..`,
/// `&x`, `x.windows(2)`): its length bounds the number of items. `None` for
/// a range or anything else.
fn innermost_source(chain: &Expr) -> Option<&Expr> {
    match chain {
        Expr::MethodCall(call) => innermost_source(&call.receiver),
        Expr::Reference(reference) => innermost_source(&reference.expr),
        Expr::Paren(paren) => innermost_source(&paren.expr),
        Expr::Path(path) if path.path.get_ident().is_some() => Some(chain),
        _ => None,
    }
}
