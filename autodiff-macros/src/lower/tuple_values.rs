//! Tuples the IR has no values for, taken apart where they are made.
//!
//! A tuple chosen by a branch: `let (a, b) = if c { (x, y) } else { (y, x) };`
//! or `= match k { 0 => (..), _ => (..) };`. Each arm's tuple is taken apart
//! where the arm makes it, into one name per element declared before the
//! branch; the names of the pattern are bound after it, so the arms read the
//! names as they were (`let (a, b) = if c { (b, a) } ..` swaps).
//!
//! Before:
//! ```text
//! let (a, b) = match k { 0 => (x, y), _ => split(x) };
//! ```
//! After:
//! ```text
//! let __tuple_0; let __tuple_1;
//! match k {
//!     0 => { let __part_0 = x; let __part_1 = y; __tuple_0 = __part_0; __tuple_1 = __part_1; }
//!     _ => { let (__part_0, __part_1) = split(x); __tuple_0 = __part_0; __tuple_1 = __part_1; }
//! }
//! let (a, b) = (__tuple_0, __tuple_1);
//! ```
//!
//! A `fold` with a tuple accumulator (an argmax, a running mean and
//! variance) keeps one accumulator per element, which its closure's
//! pattern names on each pass:
//!
//! Before:
//! ```text
//! let (best, top) = x.iter().enumerate().fold((0, f64::MIN), |(b, t), (i, &v)| if v > t { (i, v) } else { (b, t) });
//! ```
//! After:
//! ```text
//! let (mut __tuple_0, mut __tuple_1) = (0, f64::MIN);
//! x.iter().enumerate().for_each(|(i, &v)| { let (b, t) = (__tuple_0, __tuple_1); if v > t { .. } else { .. } });
//! let (best, top) = (__tuple_0, __tuple_1);
//! ```

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{parse_quote_spanned, Expr, Ident};

use super::Lowerer;
use crate::ir::Block;

impl Lowerer<'_> {
    /// `let (a, b) = <branch>;` lowered as the module says; whether `init`
    /// is a branch (`if`, `match`, a block) this takes apart.
    pub(super) fn destructure_branch(
        &mut self,
        pattern: &syn::PatTuple,
        types: &[syn::Type],
        init: &Expr,
        out: &mut Block,
    ) -> bool {
        // (A tuple of one is no tuple this takes apart.)
        let rest = pattern.elems.iter().any(|elem| matches!(elem, syn::Pat::Rest(_)));
        if pattern.elems.len() < 2 || rest {
            return false;
        }
        if let Expr::MethodCall(fold) = unparenthesized(init) {
            return self.tuple_fold(pattern, types, fold, out);
        }
        if !matches!(unparenthesized(init), Expr::If(_) | Expr::Match(_) | Expr::Block(_)) {
            return false;
        }
        let span = init.span();
        let temps: Vec<Ident> = (0..pattern.elems.len()).map(|_| self.fresh_name("__tuple", span)).collect();
        let Some(branch) = self.assigning_tail(init, &temps) else {
            self.cx.error_spanned_by(
                init,
                format!(
                    "a tuple `let` from a branch takes a tuple of {} values from each arm (`(x, y)`, or a call \
                     returning one)",
                    pattern.elems.len()
                ),
            );
            return true;
        };
        let declarations: Vec<syn::Stmt> = temps
            .iter()
            .enumerate()
            .map(|(k, temp)| match types.get(k) {
                Some(ty) => parse_quote_spanned!(span=> let #temp: #ty;),
                None => parse_quote_spanned!(span=> let #temp;),
            })
            .collect();
        let values: Expr = parse_quote_spanned!(span=> (#(#temps),*));
        let mut stmts = declarations;
        stmts.push(syn::Stmt::Expr(branch, Some(Default::default())));
        self.lower_stmts(&stmts, out, super::Sink::Discard);
        if self.chooses_an_unshaped_aggregate(pattern, &temps, init) {
            return true;
        }
        self.destructure_tuple(pattern, types, &values, out);
        true
    }

    /// Whether an element the branch chooses is a slice, or an array whose
    /// shape no written type gives, which has no derivative to choose
    /// (review 25: a slice failed to compile, an array was told by the
    /// generated name); told with the fixes.
    fn chooses_an_unshaped_aggregate(
        &mut self,
        pattern: &syn::PatTuple,
        temps: &[Ident],
        init: &impl quote::ToTokens,
    ) -> bool {
        let unshaped = temps.iter().zip(&pattern.elems).find(|(temp, _)| {
            let Some(super::Binding::Var(var)) = self.lookup(temp) else { return false };
            let info = &self.vars[var.0];
            let reference = matches!(info.declared, Some(syn::Type::Reference(_)));
            info.ty == crate::ir::Ty::Aggregate && (info.zero.is_none() || info.by_ref || reference)
        });
        let Some((_, name)) = unshaped else { return false };
        self.cx.error_spanned_by(
            init,
            format!(
                "#[grad] cannot choose `{}`, an array or a slice, inside a tuple from a branch without its \
                 shape; write the tuple's type with the array's (`let (r, s): ([f64; 2], f64) = ..`), or \
                 choose a slice on its own (`let r = if c {{ x }} else {{ y }};`)",
                quote::ToTokens::to_token_stream(name)
            ),
        );
        true
    }

    /// `let (a, b) = iter.fold((x, y), |(s, t), v| ..);` lowered as the
    /// module says; whether `fold` is such a `fold`.
    fn tuple_fold(
        &mut self,
        pattern: &syn::PatTuple,
        types: &[syn::Type],
        fold: &syn::ExprMethodCall,
        out: &mut Block,
    ) -> bool {
        let (Some(start), Some(Expr::Closure(folder))) = (fold.args.first(), fold.args.get(1)) else { return false };
        let accumulator = folder.inputs.first().map(|input| match input {
            syn::Pat::Type(typed) => &*typed.pat,
            other => other,
        });
        let (Some(syn::Pat::Tuple(accumulator)), Some(item), 2) = (accumulator, folder.inputs.get(1), fold.args.len())
        else {
            return false;
        };
        if fold.method != "fold" {
            return false;
        }
        let span = fold.method.span();
        if super::stmt::returns_from(&folder.body) {
            self.cx.error_spanned_by(
                &folder.body,
                "a `fold` with a tuple accumulator inside #[grad] functions gives its value as the closure's last \
                 expression, not by `return`",
            );
            return true;
        }
        let temps: Vec<Ident> = (0..pattern.elems.len()).map(|_| self.fresh_name("__tuple", span)).collect();
        let Some(body) = self.assigning_tail(&folder.body, &temps) else {
            self.cx.error_spanned_by(
                &folder.body,
                format!(
                    "a `fold` with a tuple accumulator gives a tuple of {} values from its closure (`(x, y)`, or \
                     a call returning one)",
                    temps.len()
                ),
            );
            return true;
        };
        let iteration = &fold.receiver;
        let values: Expr = parse_quote_spanned!(span=> (#(#temps),*));
        let stmts: Vec<syn::Stmt> = vec![
            parse_quote_spanned!(span=> let (#(mut #temps),*) = #start;),
            parse_quote_spanned!(span=> #iteration.for_each(|#item| { let #accumulator = #values; #body });),
        ];
        self.lower_stmts(&stmts, out, super::Sink::Discard);
        if self.chooses_an_unshaped_aggregate(pattern, &temps, fold) {
            return true;
        }
        self.destructure_tuple(pattern, types, &values, out);
        true
    }

    /// `value` with each tuple it may end in assigned to `temps` instead;
    /// `None` where an arm ends in something else than a tuple of as many
    /// values, a call, a nested branch, or a jump.
    fn assigning_tail(&mut self, value: &Expr, temps: &[Ident]) -> Option<Expr> {
        let span = value.span();
        Some(match value {
            Expr::Paren(paren) => return self.assigning_tail(&paren.expr, temps),
            Expr::Tuple(tuple) if tuple.elems.len() == temps.len() => {
                // (Every value first: one may read what another would set.)
                let parts: Vec<Ident> = temps.iter().map(|_| self.fresh_name("__part", span)).collect();
                let elems = tuple.elems.iter();
                parse_quote_spanned!(span=> { #(let #parts = #elems;)* #(#temps = #parts;)* })
            }
            Expr::Call(_) | Expr::MethodCall(_) | Expr::Index(_) | Expr::Field(_) => {
                let parts: Vec<Ident> = temps.iter().map(|_| self.fresh_name("__part", span)).collect();
                parse_quote_spanned!(span=> { let (#(#parts),*) = #value; #(#temps = #parts;)* })
            }
            Expr::Return(_) | Expr::Break(_) | Expr::Continue(_) => value.clone(),
            Expr::Block(block) => {
                let mut block = block.clone();
                self.assigning_block(&mut block.block, temps)?;
                Expr::Block(block)
            }
            Expr::If(branch) => {
                let mut branch = branch.clone();
                self.assigning_block(&mut branch.then_branch, temps)?;
                let (_, els) = branch.else_branch.as_mut()?;
                **els = self.assigning_tail(els, temps)?;
                Expr::If(branch)
            }
            Expr::Match(choice) => {
                let mut choice = choice.clone();
                for arm in &mut choice.arms {
                    *arm.body = self.assigning_tail(&arm.body, temps)?;
                    arm.comma.get_or_insert_with(|| syn::Token![,](span));
                }
                Expr::Match(choice)
            }
            _ => return None,
        })
    }

    /// `assigning_tail` of a block's last expression, which must be its value.
    fn assigning_block(&mut self, block: &mut syn::Block, temps: &[Ident]) -> Option<()> {
        match block.stmts.last_mut() {
            Some(syn::Stmt::Expr(tail, None)) => {
                *tail = self.assigning_tail(tail, temps)?;
                Some(())
            }
            // (A block that ends in a jump: `{ return 0.0; }`.)
            Some(syn::Stmt::Expr(Expr::Return(_) | Expr::Break(_) | Expr::Continue(_), Some(_))) => Some(()),
            _ => None,
        }
    }

    /// A name no user name can be, marked as the macro's own.
    fn fresh_name(&mut self, base: &str, span: Span) -> Ident {
        let mut ident = self.namer.fresh(base);
        ident.set_span(ident.span().located_at(span));
        ident
    }
}

fn unparenthesized(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(paren) => unparenthesized(&paren.expr),
        other => other,
    }
}
