//! Consecutive `map`s fused before lowering: `x.iter().map(|v| v * k).map(|w|
//! w.sin()).sum()` is read as `x.iter().map(|v| { let w = v * k; w.sin()
//! }).sum()`, which lowering knows (a `map` just before the reduction, or
//! before `collect`). The same values in the same order: each item goes
//! through the first closure, then the second, before the next item. A
//! `map` before `position` is fused into the search's test the same way
//! (`.map(|v| v * v).position(|s| s > t)` tests `{ let s = v * v; s > t }`).
//!
//! Only closures that can be inlined (`is_inlinable`), and only when the
//! later closure reads no name the earlier one's argument binds (the fused
//! closure would give it the argument); lowering refuses what is left.

use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{Expr, ExprClosure};

/// `block` with every `a.map(f).map(g)` and `a.map(f).position(g)` of such
/// closures fused.
pub(super) fn fused(mut block: syn::Block) -> syn::Block {
    Fuse.visit_block_mut(&mut block);
    block
}

struct Fuse;

impl VisitMut for Fuse {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        // Inner chains first: `a.map(f).map(g).map(h)` fuses `f` and `g`,
        // then that with `h`.
        syn::visit_mut::visit_expr_mut(self, expr);
        let Expr::MethodCall(outer) = expr else { return };
        let Some(second) = closure_of(outer, &["map", "position"]) else { return };
        let Expr::MethodCall(inner) = &*outer.receiver else { return };
        let Some(first) = closure_of(inner, &["map"]) else { return };
        if captures_a_name_of(second, first) {
            return;
        }
        // Built as syntax, not printed and parsed again: the second body
        // leads a statement (`if c { w } else { 0.5 * w } - 1.0` would read
        // as an `if` statement, then `-1.0`), review 29.
        let binding = syn::Stmt::Local(syn::Local {
            attrs: Vec::new(),
            let_token: Default::default(),
            pat: second.inputs[0].clone(),
            init: Some(syn::LocalInit { eq_token: Default::default(), expr: first.body.clone(), diverge: None }),
            semi_token: Default::default(),
        });
        let stmts = vec![binding, syn::Stmt::Expr((*second.body).clone(), None)];
        let block = syn::Block { brace_token: Default::default(), stmts };
        let mut fused = first.clone();
        fused.body = Box::new(Expr::Block(syn::ExprBlock { attrs: Vec::new(), label: None, block }));
        outer.receiver = inner.receiver.clone();
        outer.args[0] = Expr::Closure(fused);
    }

    // (The items of a body are not the function's.)
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Whether `second`'s body reads a name that `first`'s argument binds (and
/// `second`'s does not): the name outside, which the fused closure would
/// shadow (`let v = x[0]; x.iter().map(|v| v * 2.0).map(|w| w * v)`,
/// review 29: a silent wrong value). Any mention counts.
fn captures_a_name_of(second: &ExprClosure, first: &ExprClosure) -> bool {
    let (mut bound, mut rebound) = (Vec::new(), Vec::new());
    crate::names::bound_by(&first.inputs[0], &mut bound);
    crate::names::bound_by(&second.inputs[0], &mut rebound);
    let mut read = crate::names::NameSet::default();
    crate::names::collect_idents(quote::ToTokens::to_token_stream(&second.body), &mut read);
    bound.iter().any(|name| read.contains(&name.to_string()) && !rebound.contains(name))
}

/// The closure of `call` when it is one of `methods` of one such closure.
fn closure_of<'c>(call: &'c syn::ExprMethodCall, methods: &[&str]) -> Option<&'c ExprClosure> {
    if !methods.iter().any(|method| call.method == method) || call.args.len() != 1 || call.turbofish.is_some() {
        return None;
    }
    let Expr::Closure(closure) = &call.args[0] else { return None };
    is_inlinable(closure).then_some(closure)
}

/// Whether `closure`'s body can stand where it is called, its argument
/// bound by `let` (or a `for` pattern): one argument, no explicit return
/// type, no `return` or `?` of its own (either would leave at another
/// point), not `move`, `async` or attributed.
pub(super) fn is_inlinable(closure: &ExprClosure) -> bool {
    closure.inputs.len() == 1
        && closure.attrs.is_empty()
        && closure.movability.is_none()
        && closure.asyncness.is_none()
        && closure.capture.is_none()
        && matches!(closure.output, syn::ReturnType::Default)
        && !leaves_early(&closure.body)
}

/// Whether `body` has a `return` or a `?` of its own (not of a closure or
/// an item inside it).
fn leaves_early(body: &Expr) -> bool {
    struct Find(bool);
    impl<'ast> Visit<'ast> for Find {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_expr_try(&mut self, _: &'ast syn::ExprTry) {
            self.0 = true;
        }
        fn visit_expr_closure(&mut self, _: &'ast ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut find = Find(false);
    find.visit_expr(body);
    find.0
}
