//! Element picks read by their index: `x.first().unwrap()`,
//! `x.last().unwrap()`, `x.get(i).unwrap()` (or `.expect(..)`) of a slice,
//! an array or a vector named in place (`x`, `m.w`, `rows[i]`) are
//! rewritten before lowering as the element, `x[0]`, `x[x.len() - 1]`,
//! `x[i]` (which panic where the `unwrap` would), where Rust reads the pick
//! as the element: dereferenced (`*x.last().unwrap()`), negated, an operand
//! of arithmetic or a comparison, a method's receiver, or indexed
//! (`rows.first().unwrap()[0]`); as a reference to it (`&x[0]`) where a
//! `let` binds it. Anywhere else it stays as written, and lowering refuses
//! it, naming the index to write.

use syn::visit_mut::VisitMut;
use syn::{Expr, UnOp};

/// `block` with the element picks written as indices.
pub(super) fn by_index(block: &syn::Block) -> syn::Block {
    let mut block = block.clone();
    Picks.visit_block_mut(&mut block);
    block
}

struct Picks;

impl VisitMut for Picks {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Unary(unary) if matches!(unary.op, UnOp::Deref(_)) => {
                if let Some(element) = picked_element(&unary.expr) {
                    *expr = element;
                }
            }
            Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => {
                if let Some(element) = picked_element(&unary.expr) {
                    *unary.expr = element;
                }
            }
            Expr::Binary(binary) => {
                for operand in [&mut binary.left, &mut binary.right] {
                    if let Some(element) = picked_element(operand) {
                        **operand = element;
                    }
                }
            }
            Expr::MethodCall(call) => {
                if let Some(element) = picked_element(&call.receiver) {
                    *call.receiver = element;
                }
            }
            Expr::Index(index) => {
                if let Some(element) = picked_element(&index.expr) {
                    *index.expr = element;
                }
            }
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        if let Some(init) = &mut local.init {
            if let Some(element) = picked_element(&init.expr) {
                *init.expr = syn::parse_quote!(&#element);
            }
        }
        syn::visit_mut::visit_local_mut(self, local);
    }
}

/// The element `expr` picks, as an index (see the module's comment).
fn picked_element(expr: &Expr) -> Option<Expr> {
    let mut peeled = expr;
    while let Expr::Paren(syn::ExprParen { expr, .. }) = peeled {
        peeled = expr;
    }
    let Expr::MethodCall(unwrap) = peeled else { return None };
    let unwrapped =
        (unwrap.method == "unwrap" && unwrap.args.is_empty()) || (unwrap.method == "expect" && unwrap.args.len() == 1);
    let Expr::MethodCall(pick) = &*unwrap.receiver else { return None };
    if !unwrapped || pick.turbofish.is_some() || !names_in_place(&pick.receiver) {
        return None;
    }
    let slice = &pick.receiver;
    let span = pick.method.span();
    match (pick.method.to_string().as_str(), pick.args.len()) {
        ("first", 0) => Some(syn::parse_quote_spanned!(span=> #slice[0])),
        ("last", 0) => Some(syn::parse_quote_spanned!(span=> #slice[#slice.len() - 1])),
        ("get", 1) if !matches!(pick.args[0], Expr::Range(_)) => {
            let index = &pick.args[0];
            Some(syn::parse_quote_spanned!(span=> #slice[#index]))
        }
        _ => None,
    }
}

/// Whether `expr` names a value in place, reading it twice costing
/// nothing and changing nothing: a name, a field, an element.
fn names_in_place(expr: &Expr) -> bool {
    match expr {
        Expr::Path(path) => path.qself.is_none(),
        Expr::Field(field) => names_in_place(&field.base),
        Expr::Index(index) => names_in_place(&index.expr) && matches!(&*index.index, Expr::Path(_) | Expr::Lit(_)),
        Expr::Paren(paren) => names_in_place(&paren.expr),
        _ => false,
    }
}
