//! Element picks read by their index: `x.first().unwrap()`,
//! `x.last().unwrap()`, `x.get(i).unwrap()` (or `.expect(..)`) of a name
//! bound only to a slice, an array or a vector (by its type or its
//! initializer), or of its row (`rows[i]`), are
//! rewritten before lowering as the element, `x[0]`, `x[x.len() - 1]`,
//! `x[i]` (which panic where the `unwrap` would), where Rust reads the pick
//! as the element: dereferenced (`*x.last().unwrap()`), negated, an operand
//! of arithmetic or a comparison, a method's receiver, or indexed
//! (`rows.first().unwrap()[0]`); as a reference to it (`&x[0]`) where a
//! `let` binds it. Anywhere else it stays as written, and lowering refuses
//! it, naming the index to write.

use proc_macro2::Ident;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{Expr, Pat, UnOp};

/// `item`'s block with the element picks written as indices.
pub(super) fn by_index(item: &syn::ItemFn) -> syn::Block {
    let mut block = (*item.block).clone();
    let mut sequences = Sequences::default();
    for input in &item.sig.inputs {
        if let syn::FnArg::Typed(typed) = input {
            sequences.bind(&typed.pat, is_sequence_type(&typed.ty));
        }
    }
    sequences.visit_block(&item.block);
    sequences.names.retain(|name| !sequences.others.contains(name));
    Picks { sequences: sequences.names }.visit_block_mut(&mut block);
    block
}

/// The element picks of the names bound only to slices, arrays and
/// vectors: whose `first`, `last` and `get` are the slice's, and whose
/// index reads what they pick (a type of the user's may define both
/// otherwise, or no index at all).
struct Picks {
    sequences: Vec<Ident>,
}

impl VisitMut for Picks {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Unary(unary) if matches!(unary.op, UnOp::Deref(_)) => {
                if let Some(element) = self.picked_element(&unary.expr) {
                    *expr = element;
                }
            }
            Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => {
                if let Some(element) = self.picked_element(&unary.expr) {
                    *unary.expr = element;
                }
            }
            Expr::Binary(binary) => {
                let mut picked = false;
                for operand in [&mut binary.left, &mut binary.right] {
                    if let Some(element) = self.picked_element(operand) {
                        **operand = element;
                        picked = true;
                    }
                }
                // `x.first().unwrap() > &0.5` compares references: the
                // element with the value.
                if picked && is_comparison(&binary.op) {
                    for operand in [&mut binary.left, &mut binary.right] {
                        if let Expr::Reference(reference) = &**operand {
                            if reference.mutability.is_none() {
                                let value = (*reference.expr).clone();
                                **operand = value;
                            }
                        }
                    }
                }
            }
            Expr::MethodCall(call) => {
                if let Some(element) = self.picked_element(&call.receiver) {
                    *call.receiver = element;
                }
            }
            Expr::Index(index) => {
                if let Some(element) = self.picked_element(&index.expr) {
                    *index.expr = element;
                }
            }
            _ => {}
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        if let Some(init) = &mut local.init {
            if let Some(element) = self.picked_element(&init.expr) {
                *init.expr = syn::parse_quote!(&#element);
            }
        }
        syn::visit_mut::visit_local_mut(self, local);
    }
}

impl Picks {
    /// The element `expr` picks, as an index (see the module's comment).
    fn picked_element(&self, expr: &Expr) -> Option<Expr> {
        let mut peeled = expr;
        while let Expr::Paren(syn::ExprParen { expr, .. }) = peeled {
            peeled = expr;
        }
        let Expr::MethodCall(unwrap) = peeled else { return None };
        let unwrapped = (unwrap.method == "unwrap" && unwrap.args.is_empty())
            || (unwrap.method == "expect" && unwrap.args.len() == 1);
        let Expr::MethodCall(pick) = &*unwrap.receiver else { return None };
        if !unwrapped || pick.turbofish.is_some() || !self.names_in_place(&pick.receiver) {
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

    /// Whether `expr` names a slice, an array or a vector in place, reading
    /// it twice costing nothing and changing nothing: a name bound only to
    /// one, or its row (`rows[i]`).
    fn names_in_place(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Path(path) => path.path.get_ident().is_some_and(|name| self.sequences.contains(name)),
            Expr::Index(index) => {
                self.names_in_place(&index.expr) && matches!(&*index.index, Expr::Path(_) | Expr::Lit(_))
            }
            Expr::Paren(paren) => self.names_in_place(&paren.expr),
            _ => false,
        }
    }
}

/// The names a function binds, by whether each binding is certainly a
/// slice, an array or a vector (by its type, or its initializer).
#[derive(Default)]
struct Sequences {
    names: Vec<Ident>,
    others: Vec<Ident>,
}

impl Sequences {
    /// `u.clone()` (`to_owned()`) of a name bound so far to a sequence.
    fn copies_one(&self, expr: &Expr) -> bool {
        let Expr::MethodCall(call) = expr else { return false };
        let copies = (call.method == "clone" || call.method == "to_owned") && call.args.is_empty();
        copies
            && matches!(&*call.receiver, Expr::Path(path) if path.path.get_ident().is_some_and(|name| self.names.contains(name)))
    }

    fn bind(&mut self, pattern: &Pat, sequence: bool) {
        match pattern {
            Pat::Ident(binding) if sequence && binding.subpat.is_none() => self.names.push(binding.ident.clone()),
            Pat::Type(typed) => self.bind(&typed.pat, sequence || is_sequence_type(&typed.ty)),
            other => crate::names::bound_by(other, &mut self.others),
        }
    }
}

impl Visit<'_> for Sequences {
    fn visit_local(&mut self, local: &syn::Local) {
        let made = local.init.as_ref().is_some_and(|init| makes_a_sequence(&init.expr) || self.copies_one(&init.expr));
        self.bind(&local.pat, made);
        if let Some(init) = &local.init {
            self.visit_local_init(init);
        }
    }

    fn visit_pat(&mut self, pattern: &Pat) {
        // (Loop variables, closure parameters, `match` arms: not known here.)
        self.bind(pattern, false);
    }
}

fn is_comparison(op: &syn::BinOp) -> bool {
    use syn::BinOp::{Eq, Ge, Gt, Le, Lt, Ne};
    matches!(op, Eq(_) | Ne(_) | Lt(_) | Le(_) | Gt(_) | Ge(_))
}

/// `[F]`, `[F; N]` or `Vec<F>`, behind references or not.
fn is_sequence_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(reference) => is_sequence_type(&reference.elem),
        syn::Type::Paren(paren) => is_sequence_type(&paren.elem),
        syn::Type::Slice(_) | syn::Type::Array(_) => true,
        syn::Type::Path(path) => {
            path.qself.is_none() && path.path.segments.last().is_some_and(|last| last.ident == "Vec")
        }
        _ => false,
    }
}

/// An initializer that makes a slice, an array or a vector: `[a, b]`,
/// `[0.0; n]`, `vec![..]`, `x.to_vec()`, `Vec::new()`, `&x[a..b]`.
fn makes_a_sequence(expr: &Expr) -> bool {
    match expr {
        Expr::Array(_) | Expr::Repeat(_) => true,
        Expr::Macro(mac) => mac.mac.path.is_ident("vec"),
        Expr::MethodCall(call) => call.method == "to_vec" && call.args.is_empty(),
        Expr::Call(call) => matches!(&*call.func, Expr::Path(path)
            if path.path.segments.len() == 2
                && path.path.segments[0].ident == "Vec"
                && ["new", "with_capacity"].iter().any(|name| path.path.segments[1].ident == name)),
        Expr::Reference(reference) => {
            matches!(&*reference.expr, Expr::Index(index) if matches!(&*index.index, Expr::Range(_)))
        }
        Expr::Paren(paren) => makes_a_sequence(&paren.expr),
        _ => false,
    }
}
