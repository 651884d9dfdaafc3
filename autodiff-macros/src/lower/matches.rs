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
#[derive(Clone)]
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

    /// A `match` on a tuple written in place (`match (a > 0.0, k) { (true,
    /// 0) => .., _ => .. }`) matches each part on its own: an arm's test is
    /// the conjunction of its parts' tests.
    fn lower_arms_of(&mut self, scrutinee: &Expr, arms: &[Arm], exhaustive: bool, out: &mut Block, sink: Sink) {
        let parts: Vec<&Expr> = match peel(scrutinee) {
            Expr::Tuple(tuple) if tuple.elems.len() > 1 => tuple.elems.iter().collect(),
            _ => vec![scrutinee],
        };
        let patterns: Option<Vec<Vec<ArmPattern>>> =
            arms.iter().map(|arm| self.arm_patterns(arm.pat, parts.len())).collect();
        let Some(patterns) = patterns else { return };
        let mut values = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let column: Vec<ArmPattern> = patterns.iter().map(|arm| arm[i].clone()).collect();
            let Some(value) = self.scrutinee(part, &column, out) else { return };
            values.push(value);
        }
        let arms: Vec<(&Arm, &[ArmPattern])> = arms.iter().zip(patterns.iter().map(Vec::as_slice)).collect();
        self.lower_arms(&values, &arms, exhaustive, out, sink);
    }

    /// An arm's pattern as one pattern per part of the matched tuple.
    fn arm_patterns(&self, pat: &Pat, parts: usize) -> Option<Vec<ArmPattern>> {
        if parts == 1 {
            return Some(vec![self.arm_pattern(pat)?]);
        }
        match pat {
            Pat::Paren(paren) => self.arm_patterns(&paren.pat, parts),
            Pat::Wild(_) => Some(vec![ArmPattern { test: None, name: None, inner: Vec::new() }; parts]),
            Pat::Tuple(tuple)
                if tuple.elems.len() == parts && !tuple.elems.iter().any(|p| matches!(p, Pat::Rest(_))) =>
            {
                tuple.elems.iter().map(|part| self.arm_pattern(part)).collect()
            }
            other => {
                self.cx.error_spanned_by(
                    other,
                    format!(
                        "in a `match` on a tuple, #[grad] takes arms written as a tuple of {parts} patterns \
                         (`(a, _)`) or `_`"
                    ),
                );
                None
            }
        }
    }

    /// The matched value, as an operand every arm may read: a copy when an
    /// arm names it and the value could change under that name.
    fn scrutinee(&mut self, expr: &Expr, patterns: &[ArmPattern], out: &mut Block) -> Option<Operand> {
        let operand = self.lower_expr(expr, out);
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
                "an arm that names the whole matched value needs a copy of it, which #[grad] makes of floats, \
                 `bool`s and values it knows to be integers (a typed `let`, a parameter, a loop's index); refer \
                 to it by the name it has outside the `match`, or give it a type (`let k: usize = ..;`)",
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
                // A `for` over a range binds an integer index, with no type written.
                let index = self.loops.iter().any(|ctx| ctx.index == Some(var));
                index || self.vars[var.0].declared.as_ref().is_some_and(is_integer_type)
            }
            _ => false,
        }
    }

    /// Lowers `arms` in order as nested `if`s, each arm's patterns tested
    /// against the `scrutinees` (the parts of a tuple, or the one value).
    /// When `exhaustive`, the last arm is taken without a test.
    fn lower_arms(
        &mut self,
        scrutinees: &[Operand],
        arms: &[(&Arm, &[ArmPattern])],
        exhaustive: bool,
        out: &mut Block,
        sink: Sink,
    ) {
        let Some(((arm, patterns), rest)) = arms.split_first() else { return };
        let untested = rest.is_empty() && exhaustive;
        let tested = patterns.iter().any(|pattern| pattern.test.is_some());
        let cond = match (untested, tested, arm.guard) {
            (true, ..) | (false, false, None) => None,
            (false, true, None) => Some(self.tests(scrutinees, patterns, out)),
            (false, _, Some(guard)) => Some(self.guarded_test(scrutinees, patterns, guard, out)),
        };
        let mut then = Block::default();
        self.in_scope(|this| {
            this.bind_all_names(scrutinees, patterns, &mut then, arm.pat.span());
            this.lower_arm_body(arm.body, &mut then, sink);
        });
        let Some(cond) = cond else {
            // Irrefutable: the arms after this one never run.
            out.stmts.extend(then.stmts);
            return;
        };
        let mut els = Block::default();
        self.lower_arms(scrutinees, rest, exhaustive, &mut els, sink);
        out.stmts.push(Stmt::If { cond, then, els, span: arm.pat.span() });
    }

    fn bind_all_names(&mut self, scrutinees: &[Operand], patterns: &[ArmPattern], out: &mut Block, span: Span) {
        for (scrutinee, pattern) in scrutinees.iter().zip(patterns) {
            self.bind_pattern_names(scrutinee, pattern, out, span);
        }
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
            // Rust binds a reference into a value behind one (`act: &Act`, the
            // element of `for act in acts`), which #[grad] holds by value:
            // `*k` is `k` there.
            let through_a_reference = match scrutinee {
                Operand::Var(value) => crate::ir::binds_through_a_reference(&self.vars[value.0], only),
                Operand::Place(_) => true,
                Operand::Const(_) => false,
            };
            if through_a_reference {
                self.by_value.insert(var);
            }
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

    /// Whether every part matches its pattern: the parts' tests in order,
    /// each run only when those before it matched.
    fn tests(&mut self, scrutinees: &[Operand], patterns: &[ArmPattern], out: &mut Block) -> Operand {
        let mut tested =
            scrutinees.iter().zip(patterns).filter_map(|(value, pattern)| Some((value, pattern.test.as_ref()?)));
        let (value, test) = tested.next().expect("an arm with a test");
        let mut matched = self.test(value, test, out);
        for (value, test) in tested {
            let both = self.temp(Ty::Bool);
            let mut then = Block::default();
            let next = self.test(value, test, &mut then);
            self.assign(&mut then, both, Rhs::Use(next), AssignKind::Init, test.span());
            self.and_not_taken(matched, both, then, out, test.span());
            matched = Operand::Var(both);
        }
        matched
    }

    /// `if cond { then } else { flag = false }`.
    fn and_not_taken(&mut self, cond: Operand, flag: crate::ir::Var, then: Block, out: &mut Block, span: Span) {
        let mut unmatched = Block::default();
        let falsity = Operand::Const(Const { tokens: quote!(false), ty: Ty::Bool });
        self.assign(&mut unmatched, flag, Rhs::Use(falsity), AssignKind::Init, span);
        out.stmts.push(Stmt::If { cond, then, els: unmatched, span });
    }

    /// `tests && guard`, the guard evaluated (with the patterns' names
    /// bound) only when the patterns match.
    fn guarded_test(
        &mut self,
        scrutinees: &[Operand],
        patterns: &[ArmPattern],
        guard: &Expr,
        out: &mut Block,
    ) -> Operand {
        if patterns.iter().all(|pattern| pattern.test.is_none()) {
            return self.in_scope(|this| {
                this.bind_all_names(scrutinees, patterns, out, guard.span());
                this.condition(guard, out)
            });
        }
        let matched = self.tests(scrutinees, patterns, out);
        let both = self.temp(Ty::Bool);
        let mut guarded = Block::default();
        self.in_scope(|this| {
            this.bind_all_names(scrutinees, patterns, &mut guarded, guard.span());
            this.lower_into(guard, &mut guarded, Sink::Var(both, AssignKind::Init));
        });
        self.and_not_taken(matched, both, guarded, out, guard.span());
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

/// `matches!(value, pattern if guard)` as the `match` it stands for:
/// `match value { pattern if guard => true, _ => false }`.
pub(super) fn as_match(mac: &syn::Macro) -> syn::Result<syn::ExprMatch> {
    let parse = |input: syn::parse::ParseStream| -> syn::Result<syn::ExprMatch> {
        let value: Expr = input.parse()?;
        input.parse::<syn::Token![,]>()?;
        let pattern = Pat::parse_multi_with_leading_vert(input)?;
        let guard = match input.parse::<Option<syn::Token![if]>>()? {
            Some(_) => {
                let guard: Expr = input.parse()?;
                Some(quote!(if #guard))
            }
            None => None,
        };
        input.parse::<Option<syn::Token![,]>>()?;
        let span = mac.path.span();
        // (`(#value)`: a struct literal cannot stand bare before the arms.)
        Ok(syn::parse_quote_spanned! {span=> match (#value) { #pattern #guard => true, _ => false } })
    };
    syn::parse::Parser::parse2(parse, mac.tokens.clone())
}

fn peel(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(paren) => peel(&paren.expr),
        Expr::Group(group) => peel(&group.expr),
        other => other,
    }
}
