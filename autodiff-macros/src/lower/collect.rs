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
//! Rust needs. In a `Vec<_>`, what the loop pushes decides: a float of a
//! known type makes it a vector of floats, an integer a constant vector;
//! anything else is refused (the macro could not tell floats from
//! integers, so a derivative could be lost).

use proc_macro2::Span;
use syn::{Expr, Ident};

use quote::quote;

use super::stmt::contains_return;
use super::{Lowerer, Sink};
use crate::ir::{Block, Const, Operand, Rhs, Stmt, Ty};

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
                let item = Ident::new("__collect_item", Span::mixed_site());
                (receiver, syn::parse_quote!(#item), syn::parse_quote!(#item))
            }
        };
        let pushes: syn::Stmt = syn::parse_quote_spanned! {span=>
            for #pattern in #source {
                #name.push(#item);
            }
        };
        if !is_untyped_vec(&ty) {
            let empty: Expr = match innermost_source(source) {
                Some(base) => syn::parse_quote_spanned!(span=> Vec::with_capacity(#base.len())),
                None => syn::parse_quote_spanned!(span=> Vec::new()),
            };
            let declaration: syn::Stmt = syn::parse_quote_spanned!(span=> let mut #name: #ty = #empty;);
            self.lower_stmts(&[declaration, pushes], out, Sink::Discard);
            return;
        }
        let declaration: syn::Stmt = syn::parse_quote_spanned!(span=> let mut #name = Vec::new(););
        let before = out.stmts.len();
        self.lower_stmts(&[declaration], out, Sink::Discard);
        let Some(super::Binding::Var(vector)) = self.lookup(name) else { return };
        let declared_at =
            (before..out.stmts.len()).find(|&at| matches!(&out.stmts[at], Stmt::Assign { dst, .. } if *dst == vector));
        self.untyped_collections.insert(vector);
        self.lower_stmts(&[pushes], out, Sink::Discard);
        self.untyped_collections.remove(&vector);
        if let Some(float) = self.vars[vector.0].elem {
            // The pushes made it a vector of floats: it starts empty, as one.
            let zero = Operand::Const(Const { tokens: quote!(0.0), ty: Ty::Float(float) });
            let empty = Operand::Const(Const { tokens: quote!(0usize), ty: Ty::Other });
            if let Some(Stmt::Assign { rhs, .. }) = declared_at.and_then(|at| out.stmts.get_mut(at)) {
                *rhs = Rhs::VecRepeat(zero, empty);
            }
        }
    }

    /// A `push` onto a vector `collect` builds into a `Vec<_>`: a float
    /// makes it a vector of floats (and is pushed as one); an integer or a
    /// `bool` leaves it to `integer_push`; anything else is refused.
    pub(super) fn collected_push(
        &mut self,
        call: &syn::ExprMethodCall,
        receiver: &Operand,
        args: &[Operand],
        out: &mut Block,
    ) -> Option<Rhs> {
        let Operand::Var(vector) = *receiver else { return None };
        if call.method != "push" || args.len() != 1 || !self.untyped_collections.remove(&vector) {
            return None;
        }
        let unit = Rhs::Use(Operand::Const(Const { tokens: quote!(()), ty: Ty::Other }));
        match self.operand_ty(&args[0]) {
            Ty::Float(float) => {
                let element = crate::emit::float_type(float);
                let declared: syn::Type = syn::parse_quote!(Vec<#element>);
                let info = &mut self.vars[vector.0];
                info.ty = Ty::Aggregate;
                info.elem = Some(float);
                info.dims = Some(1);
                info.zero = super::places::zero_of_type(&declared);
                info.declared = Some(declared);
                Some(self.push_float(vector, args[0].clone(), out, call.method.span()))
            }
            Ty::Other | Ty::Bool => None,
            _ => {
                let name = self.vars[vector.0].ident.clone();
                self.cx.error_spanned_by(&call.method, type_needed(&name));
                Some(unit)
            }
        }
    }
}

fn type_needed(name: &Ident) -> String {
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
fn is_untyped_vec(ty: &syn::Type) -> bool {
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
