//! `position` read as the loop it is, before lowering: `x.iter().position(|&k|
//! k > t).unwrap_or(n)` (a knot search) becomes
//!
//! ```text
//! {
//!     let mut found = usize::MAX;
//!     for (i, &k) in x.iter().enumerate() {
//!         if k > t { found = i; break; }
//!     }
//!     let default = n;
//!     if found == usize::MAX { default } else { found }
//! }
//! ```
//!
//! (a range's items are counted instead of enumerated), and `.unwrap()` /
//! `.expect(..)` assert that an item was found, panicking as they do where
//! none was. The test's closure is inlinable (`fused_maps::is_inlinable`).
//! An index is an integer: the search has no derivative, and what it finds
//! is read like any index.

use syn::visit_mut::VisitMut;
use syn::Expr;

use crate::naming::Namer;

/// `block` with every `position(..)` unwrapped so written as its loop,
/// whose names `namer` gives: none of the function's (a user's `found` is
/// not the search's).
pub(super) fn as_loops(mut block: syn::Block, namer: &mut Namer) -> syn::Block {
    Positions { namer }.visit_block_mut(&mut block);
    block
}

struct Positions<'a> {
    namer: &'a mut Namer,
}

impl VisitMut for Positions<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        if let Some(search) = self.search_loop(expr) {
            *expr = search;
        }
    }

    // (The items of a body are not the function's.)
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

impl Positions<'_> {
    /// The loop `expr` stands for, if it unwraps a `position` of such a closure.
    fn search_loop(&mut self, expr: &Expr) -> Option<Expr> {
        let Expr::MethodCall(unwrap) = expr else { return None };
        let Expr::MethodCall(position) = &*unwrap.receiver else { return None };
        if position.method != "position" || position.args.len() != 1 || position.turbofish.is_some() {
            return None;
        }
        let Expr::Closure(test) = &position.args[0] else { return None };
        if !super::fused_maps::is_inlinable(test) {
            return None;
        }
        let (found, index) = (self.namer.fresh("__found"), self.namer.fresh("__index"));
        let (items, pattern, holds) = (&position.receiver, &test.inputs[0], &test.body);
        let pattern = match pattern {
            syn::Pat::Type(typed) => &*typed.pat,
            pattern => pattern,
        };
        // (A range's items are counted, not enumerated: `enumerate` of a
        // range is refused, review 29. The test and the items are
        // parenthesized where they stand: `if` and `for` headers.)
        let search: syn::Block = if is_range(items) {
            syn::parse_quote! {{
                let mut #found = usize::MAX;
                let mut #index = 0usize;
                for #pattern in (#items) {
                    if (#holds) {
                        #found = #index;
                        break;
                    }
                    #index += 1;
                }
            }}
        } else {
            syn::parse_quote! {{
                let mut #found = usize::MAX;
                for (#index, #pattern) in (#items).enumerate() {
                    if (#holds) {
                        #found = #index;
                        break;
                    }
                }
            }}
        };
        let mut stmts = search.stmts;
        let missing = quote::quote!(#found == usize::MAX);
        let result: Vec<syn::Stmt> = match (unwrap.method.to_string().as_str(), unwrap.args.len()) {
            ("unwrap_or", 1) => {
                let default = self.namer.fresh("__default");
                let value = &unwrap.args[0];
                syn::parse_quote! {
                    let #default = #value;
                    if #missing { #default } else { #found }
                }
            }
            ("unwrap", 0) => syn::parse_quote! {
                assert!(!(#missing), "called `Option::unwrap()` on a `None` value");
                #found
            },
            ("expect", 1) => {
                let message = &unwrap.args[0];
                syn::parse_quote! {
                    assert!(!(#missing), "{}", #message);
                    #found
                }
            }
            _ => return None,
        };
        stmts.extend(result);
        let block = syn::Block { brace_token: Default::default(), stmts };
        Some(Expr::Block(syn::ExprBlock { attrs: Vec::new(), label: None, block }))
    }
}

/// Whether `expr` is a range, `a..b`, in parentheses or not.
fn is_range(expr: &Expr) -> bool {
    match expr {
        Expr::Range(_) => true,
        Expr::Paren(paren) => is_range(&paren.expr),
        _ => false,
    }
}
