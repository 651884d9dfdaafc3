//! `match` and `if let`, lowered to the `if` chain both sweeps already know.
//!
//! ```text
//! match k { 0 => a, 1 | 2 if x > 0.0 => b, n => c }
//! ```
//! becomes
//! ```text
//! __t1 = matches(k, 0)
//! if __t1 { a } else {
//!     __t2 = matches(k, 1 | 2)
//!     if __t2 { __t3 = gt(x, 0.0) } else { __t3 = false }
//!     if __t3 { b } else { n ≡ k; c }
//! }
//! ```
//! The pattern tests are Rust's own (`matches!`), so literals, ranges, `|`,
//! enum variants and constants mean what they mean in Rust; they carry no
//! derivative. A name bound inside a pattern (`Some(b)`) is read from the
//! value once the arm is taken (`b = bound(v, Some(b) => b)`); such values
//! are never differentiated (an enum is not a differentiable parameter). The
//! last arm of a `match` is not tested: rustc checks the original function,
//! so the arms are exhaustive and the last one takes what the others leave.

use proc_macro2::Span;
use quote::quote;
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, Ident, Pat};

use super::{is_integer_type, Binding, Lowerer, Sink};
use crate::ir::{AssignKind, Block, Const, Operand, Rhs, Stmt, Ty};

/// An arm's pattern, split into what the macro does with it.
struct ArmPattern {
    /// What the value must match, with its bindings erased (`Some(_)`);
    /// `None` for an irrefutable pattern.
    test: Option<Pat>,
    /// The name bound to the whole value (`n`, `n @ 1..=3`).
    name: Option<Ident>,
    /// The names bound inside the pattern, each with the pattern that
    /// binds only it (`Some(b)`).
    inner: Vec<(Ident, Pat)>,
}

/// One arm: its pattern, guard and value.
struct Arm<'e> {
    pat: &'e Pat,
    guard: Option<&'e Expr>,
    body: &'e Expr,
}

impl Lowerer<'_> {
    pub(super) fn lower_match(&mut self, expr: &syn::ExprMatch, out: &mut Block, sink: Sink) {
        let arms: Vec<Arm> = expr
            .arms
            .iter()
            .map(|arm| Arm { pat: &arm.pat, guard: arm.guard.as_ref().map(|(_, guard)| &**guard), body: &arm.body })
            .collect();
        self.lower_arms_of(&expr.expr, &arms, true, out, sink);
    }

    /// `if let P = v { a } else { b }`: the arms `P => a` and `_ => b`, with
    /// `P` tested even though nothing follows it.
    pub(super) fn lower_if_let(&mut self, expr_if: &syn::ExprIf, expr_let: &syn::ExprLet, out: &mut Block, sink: Sink) {
        let then = Expr::Block(syn::ExprBlock { attrs: Vec::new(), label: None, block: expr_if.then_branch.clone() });
        let wild = Pat::Wild(syn::PatWild { attrs: Vec::new(), underscore_token: Default::default() });
        let empty = Expr::Block(syn::ExprBlock { attrs: Vec::new(), label: None, block: syn::parse_quote!({}) });
        let els = expr_if.else_branch.as_ref().map_or(&empty, |(_, els)| &**els);
        let arms = [Arm { pat: &expr_let.pat, guard: None, body: &then }, Arm { pat: &wild, guard: None, body: els }];
        self.lower_arms_of(&expr_let.expr, &arms, false, out, sink);
    }

    /// `let P = v else { diverge };`: `if matches(v, P) { names of P } else
    /// { diverge }`, the names bound for the statements after it (which
    /// the `else` block's `return`, `break` or `continue` guards).
    pub(super) fn lower_let_else(&mut self, pat: &Pat, value: &Expr, diverge: &Expr, out: &mut Block) {
        let Some(pattern) = self.arm_pattern(pat) else { return };
        let Some(scrutinee) = self.scrutinee(value, std::slice::from_ref(&pattern), out) else { return };
        let mut then = Block::default();
        self.bind_pattern_names(&scrutinee, &pattern, &mut then, pat.span());
        let Some(test) = &pattern.test else {
            out.stmts.extend(then.stmts);
            return;
        };
        let cond = self.test(&scrutinee, test, out);
        let mut els = Block::default();
        self.in_scope(|this| this.lower_statement_expr(diverge, &mut els));
        out.stmts.push(Stmt::If { cond, then, els, span: pat.span() });
    }

    fn lower_arms_of(&mut self, scrutinee: &Expr, arms: &[Arm], exhaustive: bool, out: &mut Block, sink: Sink) {
        let patterns: Option<Vec<ArmPattern>> = arms.iter().map(|arm| self.arm_pattern(arm.pat)).collect();
        let Some(patterns) = patterns else { return };
        let Some(value) = self.scrutinee(scrutinee, &patterns, out) else { return };
        let arms: Vec<(&Arm, &ArmPattern)> = arms.iter().zip(&patterns).collect();
        self.lower_arms(&value, &arms, exhaustive, out, sink);
    }

    /// The matched value, as an operand every arm may read: a copy when an
    /// arm names it and the value could change under that name.
    fn scrutinee(&mut self, expr: &Expr, patterns: &[ArmPattern], out: &mut Block) -> Option<Operand> {
        let operand = self.lower_expr(expr, out);
        if patterns.iter().any(|pattern| !pattern.inner.is_empty()) {
            if let Operand::Var(var) = &operand {
                if self.vars[var.0].by_ref {
                    self.cx.error_spanned_by(
                        expr,
                        "binding names inside a pattern on a reference is not supported in #[grad] functions; \
                         pass the value itself (`Option<f64>`, not `&Option<f64>`)",
                    );
                    return None;
                }
            }
        }
        if patterns.iter().all(|pattern| pattern.name.is_none()) {
            return Some(operand);
        }
        let ty = self.operand_ty(&operand);
        if !self.is_fixed(&operand)
            && !matches!(ty, Ty::Float(_) | Ty::AnyFloat | Ty::Bool)
            && !self.is_integer_expr(expr)
        {
            // A copy of a value that is not `Copy` would move it.
            self.cx.error_spanned_by(
                expr,
                "naming the whole matched value in an arm is supported for floats, integers and `bool`s; \
                 for another value, refer to it by the name it has outside the `match`",
            );
            return None;
        }
        match self.fixed(operand, ty, out, expr.span()) {
            Operand::Const(constant) => {
                // `match 3 { n => .. }`: the name needs a variable.
                let var = self.temp(constant.ty);
                self.assign(out, var, Rhs::Use(Operand::Const(constant)), AssignKind::Init, expr.span());
                Some(Operand::Var(var))
            }
            operand => Some(operand),
        }
    }

    /// Whether `expr` is a variable or parameter declared with a primitive
    /// integer type, or an integer literal.
    fn is_integer_expr(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Lit(lit) => matches!(lit.lit, syn::Lit::Int(_)),
            Expr::Paren(paren) => self.is_integer_expr(&paren.expr),
            Expr::Path(path) => {
                let binding = path.path.get_ident().and_then(|ident| self.lookup(ident));
                let Some(Binding::Var(var)) = binding else { return false };
                self.vars[var.0].declared.as_ref().is_some_and(is_integer_type)
            }
            _ => false,
        }
    }

    /// Lowers `arms` in order as nested `if`s. When `exhaustive`, the last
    /// arm is taken without a test.
    fn lower_arms(
        &mut self,
        scrutinee: &Operand,
        arms: &[(&Arm, &ArmPattern)],
        exhaustive: bool,
        out: &mut Block,
        sink: Sink,
    ) {
        let Some(((arm, pattern), rest)) = arms.split_first() else { return };
        let untested = rest.is_empty() && exhaustive;
        let cond = match (untested, &pattern.test, arm.guard) {
            (true, ..) | (false, None, None) => None,
            (false, Some(test), None) => Some(self.test(scrutinee, test, out)),
            (false, test, Some(guard)) => Some(self.guarded_test(scrutinee, test.as_ref(), pattern, guard, out)),
        };
        let mut then = Block::default();
        self.in_scope(|this| {
            this.bind_pattern_names(scrutinee, pattern, &mut then, arm.pat.span());
            this.lower_arm_body(arm.body, &mut then, sink);
        });
        let Some(cond) = cond else {
            // Irrefutable: the arms after this one never run.
            out.stmts.extend(then.stmts);
            return;
        };
        let mut els = Block::default();
        self.lower_arms(scrutinee, rest, exhaustive, &mut els, sink);
        out.stmts.push(Stmt::If { cond, then, els, span: arm.pat.span() });
    }

    /// Binds the names of an arm taken: the whole value, and each name
    /// inside the pattern, read from the value into a variable of its own.
    fn bind_pattern_names(&mut self, scrutinee: &Operand, pattern: &ArmPattern, out: &mut Block, span: Span) {
        if let Some(name) = &pattern.name {
            match scrutinee {
                Operand::Var(var) => self.bind(name, Binding::Var(*var)),
                Operand::Place(place) => self.bind(name, Binding::Place((**place).clone())),
                // `scrutinee` copies a constant that an arm names.
                Operand::Const(_) => {}
            }
        }
        for (name, only) in &pattern.inner {
            let var = self.user_var(name, Ty::Unknown, None);
            let rhs = Rhs::Matches(scrutinee.clone(), Box::new(only.clone()), Some(name.clone()));
            self.assign(out, var, rhs, AssignKind::Init, span);
            self.bind(name, Binding::Var(var));
        }
    }

    /// `matches!(scrutinee, test)` in a fresh temporary.
    fn test(&mut self, scrutinee: &Operand, test: &Pat, out: &mut Block) -> Operand {
        let flag = self.temp(Ty::Bool);
        let rhs = Rhs::Matches(scrutinee.clone(), Box::new(test.clone()), None);
        self.assign(out, flag, rhs, AssignKind::Init, test.span());
        Operand::Var(flag)
    }

    /// `test && guard`, the guard evaluated (with the pattern's names bound)
    /// only when the pattern matches.
    fn guarded_test(
        &mut self,
        scrutinee: &Operand,
        test: Option<&Pat>,
        pattern: &ArmPattern,
        guard: &Expr,
        out: &mut Block,
    ) -> Operand {
        let Some(test) = test else {
            return self.in_scope(|this| {
                this.bind_pattern_names(scrutinee, pattern, out, guard.span());
                this.condition(guard, out)
            });
        };
        let matched = self.test(scrutinee, test, out);
        let both = self.temp(Ty::Bool);
        let mut guarded = Block::default();
        self.in_scope(|this| {
            this.bind_pattern_names(scrutinee, pattern, &mut guarded, guard.span());
            this.lower_into(guard, &mut guarded, Sink::Var(both, AssignKind::Init));
        });
        let mut unmatched = Block::default();
        let falsity = Operand::Const(Const { tokens: quote!(false), ty: Ty::Bool });
        self.assign(&mut unmatched, both, Rhs::Use(falsity), AssignKind::Init, guard.span());
        out.stmts.push(Stmt::If { cond: matched, then: guarded, els: unmatched, span: guard.span() });
        Operand::Var(both)
    }

    /// An arm's value into `sink`; in statement position, its statements.
    fn lower_arm_body(&mut self, body: &Expr, out: &mut Block, sink: Sink) {
        match sink {
            Sink::Discard => self.lower_statement_expr(body, out),
            Sink::Var(..) => self.lower_into(body, out, sink),
        }
    }

    /// What an arm's pattern tests and binds, or `None` after reporting a
    /// pattern outside the subset.
    fn arm_pattern(&self, pat: &Pat) -> Option<ArmPattern> {
        let (pat, name) = match pat {
            Pat::Paren(paren) => return self.arm_pattern(&paren.pat),
            Pat::Ident(binding) if is_binding_name(&binding.ident) => {
                self.refuse_ref_or_mut(binding)?;
                let test = binding.subpat.as_ref().map(|(_, sub)| (**sub).clone());
                (test, Some(binding.ident.clone()))
            }
            Pat::Wild(_) => (None, None),
            pat => (Some(pat.clone()), None),
        };
        let Some(pat) = pat else { return Some(ArmPattern { test: None, name, inner: Vec::new() }) };
        let mut names = Vec::new();
        collect_bindings(&pat, &mut names);
        for binding in &names {
            self.refuse_ref_or_mut(binding)?;
        }
        let inner =
            names.iter().map(|binding| (binding.ident.clone(), erase_bindings(&pat, Some(&binding.ident)))).collect();
        Some(ArmPattern { test: Some(erase_bindings(&pat, None)), name, inner })
    }

    fn refuse_ref_or_mut(&self, binding: &syn::PatIdent) -> Option<()> {
        if binding.by_ref.is_none() && binding.mutability.is_none() {
            return Some(());
        }
        self.cx.error_spanned_by(
            binding,
            "`ref` and `mut` bindings in a pattern are not supported inside #[grad] functions; \
             bind the value by name and copy it with `let mut` in the arm",
        );
        None
    }
}

/// A name a pattern binds rather than compares with: Rust's constants and
/// variants are capitalized, its bindings are not (rustc lints otherwise).
fn is_binding_name(ident: &Ident) -> bool {
    ident.to_string().starts_with(|c: char| c.is_lowercase() || c == '_')
}

/// The names `pat` binds, in order.
fn collect_bindings(pat: &Pat, names: &mut Vec<syn::PatIdent>) {
    struct Collect<'n>(&'n mut Vec<syn::PatIdent>);
    impl VisitMut for Collect<'_> {
        fn visit_pat_ident_mut(&mut self, binding: &mut syn::PatIdent) {
            if is_binding_name(&binding.ident) {
                self.0.push(binding.clone());
            }
            syn::visit_mut::visit_pat_ident_mut(self, binding);
        }
        // A path or an expression inside a pattern (`Kind::A`, `1..=N`) binds nothing.
        fn visit_expr_mut(&mut self, _: &mut Expr) {}
    }
    Collect(names).visit_pat_mut(&mut pat.clone());
}

/// `pat` with every binding but `keep` erased: `b` becomes `_`, `b @ p`
/// becomes `p`, so the pattern tests the same and binds only `keep`.
fn erase_bindings(pat: &Pat, keep: Option<&Ident>) -> Pat {
    struct Erase<'k>(Option<&'k Ident>);
    impl VisitMut for Erase<'_> {
        fn visit_pat_mut(&mut self, pat: &mut Pat) {
            if let Pat::Ident(binding) = pat {
                if is_binding_name(&binding.ident) && Some(&binding.ident) != self.0 {
                    *pat = match binding.subpat.take() {
                        Some((_, sub)) => *sub,
                        None => Pat::Wild(syn::PatWild { attrs: Vec::new(), underscore_token: Default::default() }),
                    };
                }
            }
            syn::visit_mut::visit_pat_mut(self, pat);
        }
        fn visit_field_pat_mut(&mut self, field: &mut syn::FieldPat) {
            // `Point { x, .. }` becomes `Point { x: _, .. }`.
            if matches!(&*field.pat, Pat::Ident(binding) if Some(&binding.ident) != self.0) {
                field.colon_token.get_or_insert_with(Default::default);
            }
            syn::visit_mut::visit_field_pat_mut(self, field);
        }
        fn visit_expr_mut(&mut self, _: &mut Expr) {}
    }
    let mut pat = pat.clone();
    Erase(keep).visit_pat_mut(&mut pat);
    pat
}
