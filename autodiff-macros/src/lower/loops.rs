//! Loops and iterator reductions.
//!
//! Every loop becomes a `Loop` over an index range or an endless `loop`:
//!
//! ```text
//! for (i, &v) in x.iter().enumerate() { s += v * i as f64; }
//! ```
//! becomes
//! ```text
//! __t1 = x.len()
//! for __i in 0..__t1 { i ≡ __i; v ≡ x[__i]; ... }
//! ```
//! where `≡` binds a name to the index or to the element read in place.
//! `while c { b }` becomes `loop { __t = c; if __t { b } else { __break := true } }`;
//! `break` and `continue` set flags that guard the rest of the pass.
//! Reductions (`x.iter().zip(y).map(|(a, b)| a * b).sum()`, `.product()`,
//! `.fold(..)`, `.for_each(..)`) become the same loops, so they cost what
//! the written-out loop costs.

use proc_macro2::Span;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Expr, Pat};

use super::sources::{Source, Window};
use super::stmt::contains_return;
use super::{place_operand, Binding, LoopCtx, Lowerer, Sink};
use crate::ir::{Adaptor, AssignKind, Block, Const, Header, Loop, LoopId, Op, Operand, Rhs, Stmt, Ty, Var, VarKind};

/// What each pass of a loop binds, as the iterator's items nest.
enum Shape {
    /// The index of a range, or the position of `enumerate`.
    Index,
    /// The position of `enumerate` after `skip(n)`: the pass's index plus
    /// `n` (the elements are read from `n` on too).
    Position(Operand),
    /// The element of the n-th zipped source.
    Elem(usize),
    Pair(Box<Shape>, Box<Shape>),
}

/// `filter(|v| ..)`: the closure's parameter and its condition.
struct Filter {
    pattern: Pat,
    condition: Expr,
}

/// The items of an iterator below its `rev`/`step_by`, and the filters
/// that keep some of them.
struct Items {
    kind: Kind,
    shape: Shape,
    filters: Vec<Filter>,
}

enum Kind {
    Range { lo: Operand, hi: Operand, inclusive: bool },
    Elements(Vec<Source>),
}

struct Iteration {
    kind: Kind,
    shape: Shape,
    /// `rev` and `step_by`, in source order.
    adaptors: Vec<Adaptor>,
    /// Passes whose item a `filter` rejects run no body.
    filters: Vec<Filter>,
}

const REDUCTIONS: &[&str] = &["sum", "product", "fold", "for_each", "any", "all"];

/// Iterator steps the macro lowers.
const ADAPTORS: &[&str] = &[
    "iter",
    "iter_mut",
    "into_iter",
    "enumerate",
    "zip",
    "map",
    "rev",
    "step_by",
    "skip",
    "take",
    "copied",
    "cloned",
    "filter",
    "windows",
    "chunks_exact",
    "chunks",
];

/// Whether `expr` is an iterator: a range or a chain of iterator methods.
pub(crate) fn is_iterator(expr: &Expr) -> bool {
    match expr {
        Expr::Range(_) => true,
        Expr::Paren(paren) => is_iterator(&paren.expr),
        Expr::MethodCall(call) => {
            // Methods that consume an iterator give a value, not an iterator.
            const CONSUMERS: &[&str] = &[
                "sum",
                "product",
                "fold",
                "for_each",
                "count",
                "min",
                "max",
                "min_by",
                "max_by",
                "collect",
                "last",
                "nth",
                "any",
                "all",
                "position",
                "find",
                "reduce",
                "min_by_key",
                "max_by_key",
            ];
            let name = call.method.to_string();
            if CONSUMERS.contains(&name.as_str()) {
                return false;
            }
            ADAPTORS.contains(&name.as_str()) || is_iterator(&call.receiver)
        }
        _ => false,
    }
}

/// Whether `method` makes an iterator (`iter`, `windows`, ..).
pub(super) fn is_iterator_source(method: &syn::Ident) -> bool {
    ADAPTORS.iter().any(|adaptor| method == adaptor)
}

pub(super) fn unsupported_iterator_method(method: &syn::Ident) -> String {
    format!(
        "iterator method `{method}` is not supported inside #[grad] functions; #[grad] lowers `iter`, `iter_mut`, \
         `enumerate`, `zip`, `map`, `skip`, `take`, `filter`, `copied`, `cloned`, `windows`, `chunks_exact`, \
         `chunks`, `rev`, `step_by`, the reductions `sum`, `product`, `fold`, `for_each`, `any`, `all`, `count`, and \
         `collect` into a typed `let`: write the loop out with `for` and `if`{}",
        match method.to_string().as_str() {
            "reduce" | "max_by" | "min_by" | "max" | "min" => {
                " (a maximum: `.fold(f64::NEG_INFINITY, f64::max)`; a minimum: `.fold(f64::INFINITY, f64::min)`)"
            }
            // (`lower/positions.rs` reads the forms named.)
            "position" => {
                " (`position(|v| ..)` of a slice's or a range's items is read when unwrapped right away: \
                 `.unwrap()`, `.expect(..)`, `.unwrap_or(n)`)"
            }
            _ => "",
        }
    )
}

/// The error for a chain of steps the macro lowers that nothing consumes
/// where it is written (`let scaled = x.iter().map(..);`).
pub(super) fn unconsumed_chain_message(method: &syn::Ident) -> String {
    format!(
        "#[grad] lowers an iterator chain (here `.{method}(..)`) where it is consumed, not kept in a variable: \
         write the reduction on the chain itself (`x.iter().map(|v| v * 3.0).sum::<f64>()`), or a `for` loop over it"
    )
}

/// Whether `call` ends an iterator chain the macro lowers to a loop.
pub(super) fn is_chain_terminal(call: &syn::ExprMethodCall) -> bool {
    REDUCTIONS.iter().any(|name| call.method == name) || is_count(call)
}

/// `.count()` of an iterator (not a method of the user's named so), an
/// integer: the fold `.fold(0usize, |n, _| n + 1)`.
fn is_count(call: &syn::ExprMethodCall) -> bool {
    call.method == "count" && call.args.is_empty() && is_iterator(&call.receiver)
}

impl Lowerer<'_> {
    pub(super) fn lower_for(&mut self, for_loop: &syn::ExprForLoop, out: &mut Block) {
        if let Some(label) = &for_loop.label {
            self.cx.error_spanned_by(label, "loop labels are not supported inside #[grad] functions; use a flag");
        }
        let Some(iteration) = self.iteration(&for_loop.expr, out) else { return };
        let span = for_loop.for_token.span;
        self.lower_iteration(iteration, &for_loop.pat, out, span, |this, body| {
            this.lower_stmts(&for_loop.body.stmts, body, Sink::Discard);
        });
    }

    pub(super) fn lower_while(&mut self, while_loop: &syn::ExprWhile, out: &mut Block) {
        if let Some(label) = &while_loop.label {
            self.cx.error_spanned_by(label, "loop labels are not supported inside #[grad] functions; use a flag");
        }
        if let Expr::Let(expr_let) = &*while_loop.cond {
            self.unsupported(
                expr_let,
                "`while let` is not supported inside #[grad] functions; use `while` with a condition",
            );
            return;
        }
        let span = while_loop.while_token.span;
        let mut guard = None;
        self.lower_endless(out, span, Sink::Discard, |this, body| {
            let cond = this.condition(&while_loop.cond, body);
            // A temporary made for the condition holds one value per pass.
            guard = match cond {
                Operand::Var(var) if this.vars[var.0].kind == VarKind::Temp => Some(var),
                _ => None,
            };
            let mut then = Block::default();
            this.in_scope(|this| this.lower_stmts(&while_loop.body.stmts, &mut then, Sink::Discard));
            let mut els = Block::default();
            this.set_break(&mut els, span);
            body.stmts.push(Stmt::If { cond, then, els, span });
        });
        // Inside another loop, the condition's last value differs from one
        // run of this loop to the next and is saved like any other value.
        if let (Some(Stmt::Loop(lp)), true) = (out.stmts.last_mut(), self.loops.is_empty()) {
            lp.guard = guard;
        }
    }

    pub(super) fn lower_loop(&mut self, endless: &syn::ExprLoop, out: &mut Block, sink: Sink) {
        if let Some(label) = &endless.label {
            self.cx.error_spanned_by(label, "loop labels are not supported inside #[grad] functions; use a flag");
        }
        let span = endless.loop_token.span;
        self.lower_endless(out, span, sink, |this, body| {
            this.lower_stmts(&endless.body.stmts, body, Sink::Discard);
        });
    }

    pub(super) fn lower_break(&mut self, brk: &syn::ExprBreak, out: &mut Block) {
        if let Some(label) = &brk.label {
            self.cx.error_spanned_by(label, "loop labels are not supported inside #[grad] functions; use a flag");
        }
        let Some(ctx) = self.loops.last() else {
            self.cx.error_spanned_by(brk, "`break` outside of a loop");
            return;
        };
        let sink = ctx.sink;
        if let Some(value) = &brk.expr {
            self.lower_into(value, out, sink);
        }
        self.set_break(out, brk.span());
    }

    pub(super) fn lower_continue(&mut self, cont: &syn::ExprContinue, out: &mut Block) {
        if let Some(label) = &cont.label {
            self.cx.error_spanned_by(label, "loop labels are not supported inside #[grad] functions; use a flag");
        }
        let Some(ctx) = self.loops.last() else {
            self.cx.error_spanned_by(cont, "`continue` outside of a loop");
            return;
        };
        let flag = match ctx.cont {
            Some(flag) => flag,
            None => {
                let flag = self.control("__continue", Ty::Bool, None);
                if let Some(ctx) = self.loops.last_mut() {
                    ctx.cont = Some(flag);
                }
                flag
            }
        };
        self.assign(out, flag, Rhs::Use(truth()), AssignKind::Overwrite, cont.span());
        self.escape(flag);
    }

    /// `__break := true` for the innermost loop.
    fn set_break(&mut self, out: &mut Block, span: Span) {
        let outer = self.outer_scope();
        let Some(ctx) = self.loops.last() else { return };
        let flag = match ctx.brk {
            Some(flag) => flag,
            None => {
                let flag = self.control("__break", Ty::Bool, None);
                // Declared before the loop, not once per pass.
                self.vars[flag.0].scope = outer;
                if let Some(ctx) = self.loops.last_mut() {
                    ctx.brk = Some(flag);
                }
                flag
            }
        };
        self.assign(out, flag, Rhs::Use(truth()), AssignKind::Overwrite, span);
        self.escape(flag);
    }

    /// The loops around the innermost one.
    fn outer_scope(&self) -> Vec<LoopId> {
        let n = self.loops.len().saturating_sub(1);
        self.loops[..n].iter().map(|ctx| ctx.id).collect()
    }

    fn open_loop(&mut self, sink: Sink) -> LoopId {
        let id = LoopId(self.next_loop);
        self.next_loop += 1;
        self.loops.push(LoopCtx { id, brk: None, cont: None, sink, exits_on_done: false, index: None });
        id
    }

    /// Closes the innermost loop: resets its flags before it, and decides
    /// whether its passes must be counted.
    fn close_loop(&mut self, header: Header, mut body: Block, counted: bool, out: &mut Block, span: Span) {
        let Some(ctx) = self.loops.pop() else { return };
        let outer: Vec<LoopId> = self.loops.iter().map(|ctx| ctx.id).collect();
        let mut exits = Vec::new();
        if let Some(brk) = ctx.brk {
            self.assign(out, brk, Rhs::Use(falsity()), AssignKind::Init, span);
            exits.push(brk);
        }
        if ctx.exits_on_done {
            exits.extend(self.done);
        }
        if let Some(cont) = ctx.cont {
            body.stmts.insert(0, Stmt::Assign { dst: cont, rhs: Rhs::Use(falsity()), kind: AssignKind::Init, span });
        }
        let trips = (counted || !exits.is_empty()).then(|| {
            let trips = self.control("__trips", Ty::Other, Some(syn::parse_quote!(usize)));
            self.vars[trips.0].scope = outer;
            let zero = Operand::Const(Const { tokens: quote!(0usize), ty: Ty::Other });
            self.assign(out, trips, Rhs::Use(zero), AssignKind::Init, span);
            trips
        });
        out.stmts.push(Stmt::Loop(Loop { id: ctx.id, header, body, exits, trips, guard: None, span }));
    }

    fn lower_endless(
        &mut self,
        out: &mut Block,
        span: Span,
        sink: Sink,
        lower_body: impl FnOnce(&mut Self, &mut Block),
    ) {
        self.open_loop(sink);
        let mut body = Block::default();
        self.in_scope(|this| lower_body(this, &mut body));
        self.close_loop(Header::Forever, body, true, out, span);
    }

    /// A loop over `iteration`, binding `pattern` on each pass.
    fn lower_iteration(
        &mut self,
        iteration: Iteration,
        pattern: &Pat,
        out: &mut Block,
        span: Span,
        lower_body: impl FnOnce(&mut Self, &mut Block),
    ) {
        let counted = iteration.adaptors.iter().any(|adaptor| matches!(adaptor, Adaptor::StepBy(_)));
        let (lo, hi, inclusive, sources) = match iteration.kind {
            Kind::Range { lo, hi, inclusive } => (lo, hi, inclusive, Vec::new()),
            Kind::Elements(sources) => {
                let zero = Operand::Const(Const { tokens: quote!(0usize), ty: Ty::Other });
                let n = self.shortest(&sources, out, span);
                (zero, n, false, sources)
            }
        };
        self.open_loop(Sink::Discard);
        let index = match (&iteration.shape, pattern) {
            (Shape::Index, Pat::Ident(ident)) if ident.mutability.is_none() => {
                self.user_var(&ident.ident, Ty::Other, None)
            }
            _ => self.temp(Ty::Other),
        };
        // The index is bound by the loop header, once per pass.
        self.vars[index.0].kind = VarKind::Local;
        if let Some(ctx) = self.loops.last_mut() {
            ctx.index = Some(index);
        }
        let mut body = Block::default();
        self.in_scope(|this| {
            let kept = this.filtered(&iteration.filters, &iteration.shape, index, &sources, &mut body);
            this.bind_pattern(pattern, &iteration.shape, index, &sources, &mut body);
            match kept {
                None => lower_body(this, &mut body),
                Some(cond) => {
                    let mut then = Block::default();
                    lower_body(this, &mut then);
                    body.stmts.push(Stmt::If { cond, then, els: Block::default(), span });
                }
            }
        });
        self.check_source_kept(&sources, &body, span);
        let header = Header::Range { index, lo, hi, inclusive, adaptors: iteration.adaptors };
        self.close_loop(header, body, counted, out, span);
    }

    /// Rust iterates what a source was when the loop began: the array a
    /// `for v in a` copied, the slice `a.iter()` borrowed before `a = y;`.
    /// The loop reads its source in place on every pass, so a body that
    /// writes a local array it iterates by value, or gives a name it
    /// iterates another slice, is refused.
    fn check_source_kept(&self, sources: &[Source], body: &Block, span: Span) {
        let stored = crate::ir::written_in(body);
        for source in sources {
            let var = source.base.var;
            let stored_into = !source.by_reference && !source.written_through && stored.contains(&var);
            let changed = super::writes(body, var) || stored_into;
            if changed {
                let name = &self.vars[var.0].ident;
                self.cx.error_spanned_by(
                    quote::quote_spanned!(span=> for),
                    format!(
                        "this loop iterates `{name}` and its body changes `{name}`: Rust iterates the value \
                         `{name}` had when the loop began, which #[grad] would read in place; bind that value \
                         first and iterate it (`let old = {name}; for v in old {{ .. }}`)"
                    ),
                );
            }
        }
    }

    /// Whether the pass's item passes every `filter`, in a temporary (the
    /// next filter is evaluated only if the previous one kept the item);
    /// `None` without filters.
    fn filtered(
        &mut self,
        filters: &[Filter],
        shape: &Shape,
        index: Var,
        sources: &[Source],
        body: &mut Block,
    ) -> Option<Operand> {
        let mut kept: Option<Var> = None;
        for filter in filters {
            let span = filter.condition.span();
            let flag = self.temp(Ty::Bool);
            let mut test = Block::default();
            self.in_scope(|this| {
                this.bind_pattern(&filter.pattern, shape, index, sources, &mut test);
                this.lower_closure_body(&filter.condition, &mut test, Sink::Var(flag, AssignKind::Init));
            });
            match kept {
                None => body.stmts.extend(test.stmts),
                Some(previous) => {
                    let mut rejected = Block::default();
                    self.assign(&mut rejected, flag, Rhs::Use(falsity()), AssignKind::Init, span);
                    body.stmts.push(Stmt::If { cond: Operand::Var(previous), then: test, els: rejected, span });
                }
            }
            kept = Some(flag);
        }
        kept.map(Operand::Var)
    }

    /// The length of the shortest zipped source.
    fn shortest(&mut self, sources: &[Source], out: &mut Block, span: Span) -> Operand {
        let mut n = sources[0].len.clone();
        for source in &sources[1..] {
            let shorter = self.temp(Ty::Other);
            let min = syn::Ident::new("min", span);
            self.assign(out, shorter, Rhs::Method(n, min, vec![source.len.clone()]), AssignKind::Init, span);
            n = Operand::Var(shorter);
        }
        n
    }

    /// Binds the names of a `for` pattern or closure parameter to the pass's
    /// index and elements.
    fn bind_pattern(&mut self, pattern: &Pat, shape: &Shape, index: Var, sources: &[Source], body: &mut Block) {
        let written = pattern;
        let pattern = strip_pattern(pattern);
        match (shape, pattern) {
            (_, Pat::Wild(_)) => {}
            (Shape::Index, Pat::Ident(ident)) if ident.mutability.is_some() => {
                // `for mut i in ..`: a copy of the pass's index that the body
                // may change; the reverse sweep still walks the index itself.
                let copy = self.user_var(&ident.ident, Ty::Other, None);
                self.vars[copy.0].mutable = true;
                self.assign(body, copy, Rhs::Use(Operand::Var(index)), AssignKind::Init, ident.span());
                self.bind(&ident.ident, Binding::Var(copy));
            }
            (Shape::Index, Pat::Ident(ident)) => {
                self.by_value.insert(index);
                self.bind(&ident.ident, Binding::Var(index));
            }
            (Shape::Position(skipped), Pat::Ident(ident)) => {
                let position = self.user_var(&ident.ident, Ty::Other, None);
                self.vars[position.0].mutable = ident.mutability.is_some();
                let rhs = Rhs::Prim(Op::Add, vec![Operand::Var(index), skipped.clone()]);
                self.assign(body, position, rhs, AssignKind::Init, ident.span());
                self.by_value.insert(position);
                self.bind(&ident.ident, Binding::Var(position));
            }
            (Shape::Elem(n), Pat::Ident(ident)) if ident.mutability.is_some() => {
                self.cx.error_spanned_by(
                    ident,
                    "a `mut` binding of a loop's element is not supported inside #[grad] functions; \
                     bind it without `mut` and copy it (`let mut v = v;`)",
                );
                let place = self.element(&sources[*n], index, body, ident.span());
                self.bind(&ident.ident, Binding::Place(place));
            }
            (Shape::Elem(n), Pat::Ident(ident)) if sources[*n].window.is_some() => {
                let slice = self.window(&sources[*n], index, body, ident.span());
                self.bind(&ident.ident, Binding::Slice(slice));
            }
            (Shape::Elem(n), Pat::Ident(ident)) if sources[*n].integers => {
                // An integer is copied: it is an index, not a float to differentiate.
                let place = self.element(&sources[*n], index, body, ident.span());
                let copy = self.user_var(&ident.ident, Ty::Other, None);
                self.assign(body, copy, Rhs::Use(place_operand(place)), AssignKind::Init, ident.span());
                self.bind(&ident.ident, Binding::Var(copy));
                // (`for m in mask.iter()` binds a `&bool` in Rust: `*m` is `m`.)
                self.by_value.insert(copy);
            }
            (Shape::Elem(n), Pat::Ident(ident)) => {
                let place = self.element(&sources[*n], index, body, ident.span());
                // `for x in xs.iter()` over rows: `x` is a `&[f64; N]`; over
                // a field of a model or of a struct left out of `wrt(..)`,
                // or a table (`data: &[Sample]`), whose elements may be
                // floats or structs (`for layer in &net.layers`), a
                // reference to either: a float is read through it, a struct
                // lent by it.
                let info = &self.vars[place.var.0];
                let unseen = crate::ir::is_unseen_field(info, &place);
                let row_reference = sources[*n].by_reference
                    && !is_reference_pattern(written)
                    && (unseen || matches!(self.place_ty(&place), Ty::Aggregate | Ty::AnyFloat));
                self.bind(&ident.ident, if row_reference { Binding::Row(place) } else { Binding::Place(place) });
            }
            // `for &(x, y) in pairs` of `pairs: &[(f64, f64)]`, a table:
            // each name reads its part of the element in place.
            (Shape::Elem(n), Pat::Tuple(tuple)) if crate::ir::is_table(&self.vars[sources[*n].base.var.0]) => {
                let place = self.element(&sources[*n], index, body, tuple.span());
                for (k, part) in tuple.elems.iter().enumerate() {
                    match strip_pattern(part) {
                        Pat::Wild(_) => {}
                        Pat::Ident(ident) if ident.mutability.is_none() && ident.subpat.is_none() => {
                            let mut part = place.clone();
                            let member = syn::Member::Unnamed(syn::Index { index: k as u32, span: ident.span() });
                            part.proj.push(crate::ir::Proj::Field(member));
                            self.bind(&ident.ident, Binding::Place(part));
                        }
                        other => self.cx.error_spanned_by(
                            other,
                            "the parts of a tuple element are bound by plain names inside #[grad] functions \
                             (`for &(x, y) in pairs`)",
                        ),
                    }
                }
            }
            (Shape::Pair(first, second), Pat::Tuple(tuple)) if tuple.elems.len() == 2 => {
                self.bind_pattern(&tuple.elems[0], first, index, sources, body);
                self.bind_pattern(&tuple.elems[1], second, index, sources, body);
            }
            (_, other) => {
                self.cx.error_spanned_by(
                    other,
                    "unsupported pattern for this loop's items; bind names the way the iterator nests them \
                     (`v`, `&v`, `(i, v)`, `(a, b)`)",
                );
            }
        }
    }

    /// Reads an iterator expression: a range or element sources, with
    /// `enumerate`, `zip`, `rev` and `step_by`.
    fn iteration(&mut self, expr: &Expr, out: &mut Block) -> Option<Iteration> {
        let mut adaptors = Vec::new();
        let mut current = expr;
        let mut step_by = None;
        // Peel `rev`/`step_by` from the outside; they must come last.
        loop {
            match current {
                Expr::MethodCall(call) if call.method == "rev" && call.args.is_empty() => {
                    adaptors.push(Adaptor::Rev);
                    current = &call.receiver;
                }
                Expr::MethodCall(call) if call.method == "step_by" && call.args.len() == 1 => {
                    let step = self.lower_expr(&call.args[0], out);
                    let step = self.fixed(step, Ty::Other, out, call.args[0].span());
                    adaptors.push(Adaptor::StepBy(step));
                    step_by = Some(&call.method);
                    current = &call.receiver;
                }
                Expr::Paren(paren) => current = &paren.expr,
                _ => break,
            }
        }
        adaptors.reverse();
        let Items { kind, shape, filters } = self.items(current, out)?;
        // The loop steps over all the items and tests the filters on each
        // pass it makes, where Rust steps over the kept ones.
        if let (Some(method), false) = (step_by, filters.is_empty()) {
            self.cx.error_spanned_by(
                method,
                "`step_by` after `filter` steps over the kept items, which #[grad] does not track; write the loop \
                 out with `for` and `if`, counting the kept items in a local (`if kept % k == 0 { .. } kept += 1;`)",
            );
            return None;
        }
        Some(Iteration { kind, shape, adaptors, filters })
    }

    /// The items of an iterator below its `rev`/`step_by`.
    fn items(&mut self, expr: &Expr, out: &mut Block) -> Option<Items> {
        let Expr::MethodCall(call) = expr else {
            return match expr {
                Expr::Paren(paren) => self.items(&paren.expr, out),
                Expr::Range(range) => self.range_items(range, out),
                _ => {
                    let source = self.source(expr, out)?;
                    Some(Items { kind: Kind::Elements(vec![source]), shape: Shape::Elem(0), filters: Vec::new() })
                }
            };
        };
        let method = call.method.to_string();
        match (method.as_str(), call.args.len()) {
            ("enumerate", 0) => {
                let items = self.items(&call.receiver, out)?;
                if matches!(items.kind, Kind::Range { .. }) {
                    self.cx
                        .error_spanned_by(&call.method, "`enumerate` of a range repeats the index; iterate the range");
                    return None;
                }
                if !items.filters.is_empty() {
                    self.cx.error_spanned_by(
                        &call.method,
                        "`enumerate` after `filter` counts the kept items only; enumerate first \
                         (`.enumerate().filter(|(i, v)| ..)`), or count them in the loop",
                    );
                    return None;
                }
                Some(Items { shape: Shape::Pair(Box::new(Shape::Index), Box::new(items.shape)), ..items })
            }
            ("zip", 1) => {
                let Items { kind, shape, filters } = self.items(&call.receiver, out)?;
                let Kind::Elements(mut sources) = kind else {
                    self.cx.error_spanned_by(
                        &call.method,
                        "#[grad] zips slices, not ranges; index the slice with the range's index",
                    );
                    return None;
                };
                if !filters.is_empty() {
                    self.cx.error_spanned_by(&call.method, "`zip` after `filter` is not supported; filter after `zip`");
                    return None;
                }
                let other = match is_iterator(&call.args[0]) {
                    true => self.zipped_chain(&call.args[0], out)?,
                    false => self.source(&call.args[0], out)?,
                };
                sources.push(other);
                let n = sources.len() - 1;
                let shape = Shape::Pair(Box::new(shape), Box::new(Shape::Elem(n)));
                Some(Items { kind: Kind::Elements(sources), shape, filters })
            }
            // `copied` and `cloned` give the elements by value: the same bindings.
            ("copied" | "cloned", 0) => self.items(&call.receiver, out),
            ("windows" | "chunks_exact" | "chunks", 1) => {
                let source = self.source(&call.receiver, out)?;
                let size = self.lower_expr(&call.args[0], out);
                let size = self.fixed(size, Ty::Other, out, call.args[0].span());
                let span = call.method.span();
                if method == "windows" {
                    // (`chunks(0)` panics by itself, in the count of chunks.)
                    let zero = Operand::Const(Const { tokens: quote!(0usize), ty: Ty::Other });
                    self.check(Op::Lt, zero, size.clone(), "a window size that is not zero", out, span);
                }
                let mut ragged = None;
                let (len, stride) = if method == "windows" {
                    // `len + 1 − k` windows, none when the slice is shorter than `k`.
                    let one = Operand::Const(Const { tokens: quote!(1usize), ty: Ty::Other });
                    let longer = self.integer(Rhs::Prim(Op::Add, vec![source.len.clone(), one.clone()]), out, span);
                    let saturating_sub = syn::Ident::new("saturating_sub", span);
                    (self.integer(Rhs::Method(longer, saturating_sub, vec![size.clone()]), out, span), one)
                } else if method == "chunks" {
                    // `⌈len / k⌉` chunks, the last one shorter.
                    ragged = Some(Box::new(source.len.clone()));
                    let div_ceil = syn::Ident::new("div_ceil", span);
                    (
                        self.integer(Rhs::Method(source.len.clone(), div_ceil, vec![size.clone()]), out, span),
                        size.clone(),
                    )
                } else {
                    let whole = Rhs::Prim(Op::Div, vec![source.len.clone(), size.clone()]);
                    (self.integer(whole, out, span), size.clone())
                };
                let source = Source { len, window: Some(Window { size, stride, ragged }), ..source };
                Some(Items { kind: Kind::Elements(vec![source]), shape: Shape::Elem(0), filters: Vec::new() })
            }
            ("skip" | "take", 1) => {
                let items = self.items(&call.receiver, out)?;
                let enumerated = matches!(items.kind, Kind::Elements(_)) && has_position(&items.shape);
                if !items.filters.is_empty() {
                    self.cx.error_spanned_by(
                        &call.method,
                        format!(
                            "`{method}` after `filter` counts the kept items, which #[grad] does not track; write the \
                             loop out with `for` and `if`, counting the kept items in a local"
                        ),
                    );
                    return None;
                }
                let count = self.lower_expr(&call.args[0], out);
                let count = self.fixed(count, Ty::Other, out, call.args[0].span());
                let span = call.method.span();
                let (kind, shape) = if method == "skip" {
                    // `enumerate` counted from the first element: its
                    // positions go on from `n`.
                    let shape = match enumerated {
                        true => self.positions_after(items.shape, &count, out, span),
                        false => items.shape,
                    };
                    (self.skip(items.kind, count, out, span), shape)
                } else {
                    (self.take(items.kind, count, out, span), items.shape)
                };
                Some(Items { kind, shape, ..items })
            }
            ("filter", 1) => {
                let mut items = self.items(&call.receiver, out)?;
                let (mut params, condition) = closure(&call.args[0], 1, self)?;
                items.filters.push(Filter { pattern: params.remove(0), condition });
                Some(items)
            }
            ("map", 1) => {
                self.cx.error_spanned_by(
                    &call.method,
                    "#[grad] reads `map` only just before the reduction (`.map(..).sum()`, `.map(..).fold(..)`, \
                     `.map(..).for_each(..)`); put the other adaptors first (`x.iter().enumerate().map(..)`), \
                     or do the mapping in the closure",
                );
                None
            }
            // `h.iter().rev()` zipped or enumerated: one source read from its end.
            ("rev", 0) if self.reversible(&call.receiver) => {
                let mut items = self.items(&call.receiver, out)?;
                if let Kind::Elements(sources) = &mut items.kind {
                    sources[0].reversed = true;
                }
                Some(items)
            }
            ("rev" | "step_by", _) => {
                // Moving it to the end would change the meaning: say so,
                // rather than suggest a rewrite that numbers, pairs or skips
                // other items.
                let (last, example) = if call.method == "rev" {
                    (
                        "`x.iter().enumerate().skip(1).rev()`",
                        "`x.iter().zip(y).rev()` starts at the end of the shorter one; `.rev()` of one slice, \
                         `x.iter().rev()`, may come anywhere",
                    )
                } else {
                    (
                        "`x.iter().enumerate().step_by(2)`",
                        "`x.iter().step_by(2).enumerate()` numbers the items 0, 1, 2, .., \
                         `x.iter().enumerate().step_by(2)` numbers them 0, 2, 4, ..",
                    )
                };
                self.cx.error_spanned_by(
                    &call.method,
                    format!(
                        "#[grad] supports `.{method}()` after other adaptors (`enumerate`, `zip`, `skip`, `take`) \
                         only as the last adaptor, with none after it ({last}), and moving it there changes which \
                         items are numbered, paired or skipped ({example}); write the loop over indices instead \
                         (`for k in 0..n {{ let i = ..; .. x[i] .. }}`)",
                        method = call.method
                    ),
                );
                None
            }
            _ if !ADAPTORS.contains(&method.as_str()) => {
                self.cx.error_spanned_by(&call.method, unsupported_iterator_method(&call.method));
                None
            }
            _ => {
                let source = self.source(expr, out)?;
                Some(Items { kind: Kind::Elements(vec![source]), shape: Shape::Elem(0), filters: Vec::new() })
            }
        }
    }

    fn range_items(&mut self, range: &syn::ExprRange, out: &mut Block) -> Option<Items> {
        let (Some(start), Some(end)) = (&range.start, &range.end) else {
            self.cx.error_spanned_by(range, "a loop range needs both bounds (`a..b`)");
            return None;
        };
        let lo = self.lower_expr(start, out);
        let lo = self.fixed(lo, Ty::Other, out, start.span());
        let hi = self.lower_expr(end, out);
        let hi = self.fixed(hi, Ty::Other, out, end.span());
        let inclusive = matches!(range.limits, syn::RangeLimits::Closed(_));
        Some(Items { kind: Kind::Range { lo, hi, inclusive }, shape: Shape::Index, filters: Vec::new() })
    }

    /// `.skip(n)`: a range starts `n` later; each source is read from `n`
    /// elements further and is `n` shorter (none left when it had fewer).
    fn skip(&mut self, kind: Kind, n: Operand, out: &mut Block, span: Span) -> Kind {
        match kind {
            Kind::Range { lo, hi, inclusive } => {
                let lo = self.integer(Rhs::Prim(Op::Add, vec![lo, n]), out, span);
                Kind::Range { lo, hi, inclusive }
            }
            Kind::Elements(sources) => Kind::Elements(
                sources
                    .into_iter()
                    .map(|source| {
                        // (A reversed source skips its last items.)
                        if source.reversed {
                            let saturating_sub = syn::Ident::new("saturating_sub", span);
                            let len = Rhs::Method(source.len.clone(), saturating_sub, vec![n.clone()]);
                            return Source { len: self.integer(len, out, span), ..source };
                        }
                        self.advance(source, n.clone(), out, span)
                    })
                    .collect(),
            ),
        }
    }

    /// `source` without its first `n` items (at most all): its start moved
    /// on by `n` elements, or by `n` windows (`n·stride` elements, also off
    /// the length `chunks` cuts its last chunk from).
    fn advance(&mut self, source: Source, n: Operand, out: &mut Block, span: Span) -> Source {
        let saturating_sub = syn::Ident::new("saturating_sub", span);
        let len = self.integer(Rhs::Method(source.len.clone(), saturating_sub.clone(), vec![n.clone()]), out, span);
        let (shift, window) = match source.window {
            None => (n, None),
            Some(window) => {
                let shift = self.integer(Rhs::Prim(Op::Mul, vec![n, window.stride.clone()]), out, span);
                let ragged = window.ragged.map(|total| {
                    let rest = Rhs::Method(*total, saturating_sub.clone(), vec![shift.clone()]);
                    Box::new(self.integer(rest, out, span))
                });
                (shift, Some(Window { ragged, ..window }))
            }
        };
        let offset = match source.offset {
            None => shift,
            Some(offset) => self.integer(Rhs::Prim(Op::Add, vec![offset, shift]), out, span),
        };
        Source { offset: Some(offset), len, window, ..source }
    }

    /// `shape` after `skip(n)`: each `enumerate` position `n` further on.
    fn positions_after(&mut self, shape: Shape, n: &Operand, out: &mut Block, span: Span) -> Shape {
        match shape {
            Shape::Index => Shape::Position(n.clone()),
            Shape::Position(skipped) => {
                Shape::Position(self.integer(Rhs::Prim(Op::Add, vec![skipped, n.clone()]), out, span))
            }
            Shape::Elem(k) => Shape::Elem(k),
            Shape::Pair(first, second) => {
                let first = self.positions_after(*first, n, out, span);
                let second = self.positions_after(*second, n, out, span);
                Shape::Pair(Box::new(first), Box::new(second))
            }
        }
    }

    /// `.take(n)`: a range ends at most `n` after its start; each source is
    /// at most `n` long.
    fn take(&mut self, kind: Kind, n: Operand, out: &mut Block, span: Span) -> Kind {
        let min = syn::Ident::new("min", span);
        match kind {
            Kind::Range { lo, hi, inclusive } => {
                // `a..=b` is `a..b + 1`, then cut at `a + n`.
                let end = if inclusive {
                    let one = Operand::Const(Const { tokens: quote!(1), ty: Ty::Other });
                    self.integer(Rhs::Prim(Op::Add, vec![hi, one]), out, span)
                } else {
                    hi
                };
                let limit = self.integer(Rhs::Prim(Op::Add, vec![lo.clone(), n]), out, span);
                let hi = self.integer(Rhs::Method(end, min, vec![limit]), out, span);
                Kind::Range { lo, hi, inclusive: false }
            }
            Kind::Elements(sources) => Kind::Elements(
                sources
                    .into_iter()
                    .map(|source| {
                        let len =
                            self.integer(Rhs::Method(source.len.clone(), min.clone(), vec![n.clone()]), out, span);
                        // (A reversed source takes its last items: those from
                        // `old len − len` on.)
                        if source.reversed {
                            let dropped =
                                self.integer(Rhs::Prim(Op::Sub, vec![source.len.clone(), len.clone()]), out, span);
                            return self.advance(source, dropped, out, span);
                        }
                        Source { len, ..source }
                    })
                    .collect(),
            ),
        }
    }

    /// The argument of `zip` written as a chain, `x.iter().skip(1)`: the
    /// elements of one source, cut by `skip` and `take` (`copied` and
    /// `cloned` too), as `&x[1..]` would be.
    fn zipped_chain(&mut self, chain: &Expr, out: &mut Block) -> Option<Source> {
        let Items { kind, shape, filters } = self.items(chain, out)?;
        match (kind, shape) {
            (Kind::Elements(mut sources), Shape::Elem(0)) if sources.len() == 1 && filters.is_empty() => sources.pop(),
            _ => {
                self.cx.error_spanned_by(
                    chain,
                    "#[grad] zips with a slice, a sub-slice (`zip(&x[1..])`) or one's `iter()` cut by `skip` and \
                     `take`; write the index out otherwise",
                );
                None
            }
        }
    }

    /// Whether `expr`, followed by `.rev()` inside a chain (`zip(h.iter().rev())`,
    /// `x.iter().rev().enumerate()`), is one source read from its end: a
    /// slice, a sub-slice or one's `iter()` (of windows or chunks too), not
    /// a range, a zip (whose reverse starts at the shorter one's end) or a
    /// filter.
    fn reversible(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Paren(paren) => self.reversible(&paren.expr),
            Expr::Range(_) => false,
            Expr::MethodCall(call) => match call.method.to_string().as_str() {
                "iter" | "into_iter" | "windows" | "chunks" | "chunks_exact" => {
                    !matches!(&*call.receiver, Expr::Range(_) | Expr::MethodCall(_))
                }
                "copied" | "cloned" => self.reversible(&call.receiver),
                _ => false,
            },
            _ => true,
        }
    }

    /// An integer computed once before the loop, in a temporary.
    pub(super) fn integer(&mut self, rhs: Rhs, out: &mut Block, span: Span) -> Operand {
        let temp = self.temp(Ty::Other);
        self.assign(out, temp, rhs, AssignKind::Init, span);
        Operand::Var(temp)
    }

    /// `src.map(|v| e).sum()`, `.product()`, `.fold(init, |acc, v| e)`,
    /// `.for_each(|v| { .. })`.
    pub(super) fn lower_chain(&mut self, call: &syn::ExprMethodCall, out: &mut Block, sink: Sink) {
        let span = call.method.span();
        if is_count(call) {
            let receiver = &call.receiver;
            let fold: syn::ExprMethodCall =
                syn::parse_quote_spanned!(span=> #receiver.fold(0usize, |__count, _| __count + 1));
            return self.lower_chain(&fold, out, sink);
        }
        let terminal = call.method.to_string();
        let (source, map) = match &*call.receiver {
            Expr::MethodCall(inner) if inner.method == "map" && inner.args.len() == 1 => {
                (&*inner.receiver, Some(closure(&inner.args[0], 1, self)))
            }
            receiver => (receiver, None),
        };
        let map = match map {
            Some(None) => return,
            Some(Some(map)) => Some(map),
            None => None,
        };
        let unfused = match source {
            Expr::MethodCall(inner) if map.is_some() && inner.method == "map" => Some(inner),
            _ => None,
        };
        if let Some(unfused) = unfused {
            // (Left unfused by `fused_maps.rs`.)
            self.cx.error_spanned_by(
                &unfused.method,
                "#[grad] fuses consecutive `map`s when each closure takes one argument, with no `return` or `?`, \
                 and the later closure reads no name the earlier one's argument binds (it would read the argument \
                 instead); rename that argument, or write one `map`",
            );
            return;
        }
        let Some(iteration) = self.iteration(source, out) else { return };
        // `t = v.iter().map(|w| t * w).sum()`: the chain reads `t` on every
        // pass, so it accumulates in a temporary of its own, given to `t`
        // at the end.
        let (accumulator, kind, after) = match sink {
            Sink::Var(dst, kind) if self.mentions(call, dst) => {
                let temp = self.temp(Ty::Unknown);
                (temp, AssignKind::Init, Some((dst, kind)))
            }
            Sink::Var(dst, kind) => (dst, kind, None),
            Sink::Discard => (self.temp(Ty::Unknown), AssignKind::Init, None),
        };
        self.lower_reduction(call, &terminal, map, iteration, accumulator, kind, out);
        if let Some((dst, kind)) = after {
            let rhs = Rhs::Use(Operand::Var(accumulator));
            self.adopt(dst, &rhs);
            self.assign(out, dst, rhs, kind, span);
        }
    }

    /// Whether `expr` names `var` anywhere.
    fn mentions(&self, expr: &syn::ExprMethodCall, var: Var) -> bool {
        let mut names = crate::names::NameSet::default();
        crate::names::collect_idents(quote::ToTokens::to_token_stream(expr), &mut names);
        names.iter().any(|name| {
            let bound = self.scopes.iter().rev().find_map(|scope| scope.get(name.trim_start_matches("r#")));
            match bound {
                Some(Binding::Var(found)) => *found == var,
                // (`s.t = v.iter().map(|w| s.t * w).sum()`: a field of a local struct.)
                Some(Binding::Struct(local)) => local.holds(var),
                _ => false,
            }
        })
    }

    /// The loop of a reduction (`terminal`) over `iteration`, into `accumulator`.
    #[allow(clippy::too_many_arguments)]
    fn lower_reduction(
        &mut self,
        call: &syn::ExprMethodCall,
        terminal: &str,
        map: Option<InlineClosure>,
        iteration: Iteration,
        accumulator: Var,
        kind: AssignKind,
        out: &mut Block,
    ) {
        let span = call.method.span();
        match terminal {
            "sum" | "product" => {
                if !call.args.is_empty() {
                    self.cx.error_spanned_by(&call.args, format!("`{terminal}` takes no arguments"));
                    return;
                }
                // (`idx.iter().sum::<usize>()`, `let n: usize = idx.iter().sum();`:
                // integers, from an integer start; review 24.)
                let integers = call.turbofish.as_ref().is_some_and(|turbofish| {
                    turbofish
                        .args
                        .iter()
                        .any(|arg| matches!(arg, syn::GenericArgument::Type(ty) if super::is_integer_type(ty)))
                }) || self.vars[accumulator.0].declared.as_ref().is_some_and(super::is_integer_type);
                let (start, op) = match (terminal == "sum", integers) {
                    (true, false) => (quote!(0.0), Op::Add),
                    (false, false) => (quote!(1.0), Op::Mul),
                    (true, true) => (quote!(0), Op::Add),
                    (false, true) => (quote!(1), Op::Mul),
                };
                let ty = if integers { Ty::Other } else { Ty::AnyFloat };
                let start = Operand::Const(Const { tokens: start, ty });
                self.adopt(accumulator, &Rhs::Use(start.clone()));
                let start_at = out.stmts.len();
                self.assign(out, accumulator, Rhs::Use(start), kind, span);
                let pattern = map.as_ref().map(|(params, _)| params[0].clone());
                let wildcard: Pat = syn::parse_quote!(__item);
                let pattern = pattern.unwrap_or(wildcard);
                // Items that are integers (`idx.iter().sum()` of `idx: &[usize]`,
                // `(0..n).map(|i| i * i).sum()`) whose sum nothing types: an
                // integer sum, whatever type the context gives it (a call's
                // `usize` parameter, a typed tuple pattern, an alias). Told
                // by their form: the items of a range or of a slice of
                // integers, mapped (if at all) by integer arithmetic of them.
                let integer_items = !integers
                    && !says_float(call, self.vars[accumulator.0].declared.as_ref())
                    && match &iteration.kind {
                        Kind::Range { .. } => true,
                        Kind::Elements(sources) => sources.len() == 1 && sources[0].integers,
                    }
                    && matches!(iteration.shape, Shape::Index | Shape::Elem(_))
                    && map.as_ref().is_none_or(|(params, value)| self.integer_arithmetic_of(value, params));
                self.lower_iteration(iteration, &pattern, out, span, |this, body| {
                    let item = match &map {
                        Some((_, value)) => this.mapped_item(value, body),
                        None => this.path_operand(&syn::parse_quote!(__item)),
                    };
                    let rhs = Rhs::Prim(op, vec![Operand::Var(accumulator), item]);
                    this.assign(body, accumulator, rhs, AssignKind::Overwrite, span);
                });
                if integer_items {
                    let one = if terminal == "sum" { quote!(0) } else { quote!(1) };
                    let start = Operand::Const(Const { tokens: one, ty: Ty::Other });
                    self.vars[accumulator.0].ty = Ty::Other;
                    if let Some(Stmt::Assign { rhs, .. }) = out.stmts.get_mut(start_at) {
                        *rhs = Rhs::Use(start);
                    }
                }
            }
            "fold" => {
                let (Some(init), Some(folder)) = (call.args.first(), call.args.get(1)) else {
                    self.cx.error_spanned_by(&call.method, "`fold` takes an initial value and a closure `|acc, v| ..`");
                    return;
                };
                let Some((params, value)) = closure(folder, 2, self) else { return };
                let errors = self.cx.error_count();
                self.lower_into(init, out, Sink::Var(accumulator, kind));
                let acc_name = match strip_pattern(&params[0]) {
                    Pat::Ident(ident) => ident.ident.clone(),
                    // (A tuple accumulator's start, refused already, says why.)
                    _ if self.cx.error_count() > errors => return,
                    other => {
                        self.cx.error_spanned_by(other, "name the accumulator of `fold` (`|acc, v| ..`)");
                        return;
                    }
                };
                let Some((item_pattern, map)) = self.item_after_map(&params[1], map) else { return };
                self.lower_iteration(iteration, &item_pattern, out, span, |this, body| {
                    this.in_scope(|this| {
                        this.bind_mapped_item(map.as_ref(), &params[1], body);
                        this.bind(&acc_name, Binding::Var(accumulator));
                        this.lower_closure_body(&value, body, Sink::Var(accumulator, AssignKind::Overwrite));
                    });
                });
            }
            // A test of the items, `false` (`true`) until one passes (fails),
            // then no more tests, as Rust stops there: a closure that writes
            // what it captures (`|v| { s += v; *v > 0.0 }`) runs as often.
            // Every pass is still made, without a `break`.
            "any" | "all" => {
                let Some(test) = call.args.first() else { return };
                let Some((params, value)) = closure(test, 1, self) else { return };
                let Some((item_pattern, map)) = self.item_after_map(&params[0], map) else { return };
                let any = terminal == "any";
                let start = Rhs::Use(Operand::Const(Const {
                    tokens: if any { quote!(false) } else { quote!(true) },
                    ty: Ty::Bool,
                }));
                self.adopt(accumulator, &start);
                self.assign(out, accumulator, start, kind, span);
                self.lower_iteration(iteration, &item_pattern, out, span, |this, body| {
                    // `any` tests while nothing passed, `all` while everything
                    // did (in a flag of its own: an `if` writes no condition).
                    let undecided = this.temp(Ty::Bool);
                    let rhs = match any {
                        true => Rhs::Prim(Op::Not, vec![Operand::Var(accumulator)]),
                        false => Rhs::Use(Operand::Var(accumulator)),
                    };
                    this.assign(body, undecided, rhs, AssignKind::Init, span);
                    let mut then = Block::default();
                    this.in_scope(|this| {
                        this.bind_mapped_item(map.as_ref(), &params[0], &mut then);
                        this.lower_closure_body(&value, &mut then, Sink::Var(accumulator, AssignKind::Overwrite));
                    });
                    body.stmts.push(Stmt::If { cond: Operand::Var(undecided), then, els: Block::default(), span });
                });
            }
            _ => {
                let Some(each) = call.args.first() else { return };
                let Some((params, value)) = closure(each, 1, self) else { return };
                let Some((item_pattern, map)) = self.item_after_map(&params[0], map) else { return };
                self.lower_iteration(iteration, &item_pattern, out, span, |this, body| {
                    this.in_scope(|this| {
                        this.bind_mapped_item(map.as_ref(), &params[0], body);
                        // `|(i, v)| y[i] = v * v` is a statement without braces.
                        this.lower_closure_body(&value, body, Sink::Discard);
                    });
                });
            }
        }
    }
}

impl Lowerer<'_> {
    /// The value of a `map` closure's body for one item, its parameter
    /// bound by the iteration.
    fn mapped_item(&mut self, value: &Expr, body: &mut Block) -> Operand {
        if contains_return(value) {
            let item = self.temp(Ty::Unknown);
            self.lower_closure_body(value, body, Sink::Var(item, AssignKind::Init));
            return Operand::Var(item);
        }
        self.lower_expr(value, body)
    }

    /// The pattern the iteration binds, for a reduction whose closure takes
    /// `item` after an optional `map`: the map's parameter (the closure's
    /// item is then the mapped value, which must be bound to a name, as in
    /// `.map(|v| v.abs()).fold(0.0, |m, a| m.max(a))`), or `item` itself.
    fn item_after_map(&self, item: &Pat, map: Option<InlineClosure>) -> Option<(Pat, Option<InlineClosure>)> {
        let Some((params, value)) = map else { return Some((item.clone(), None)) };
        if !matches!(strip_pattern(item), Pat::Ident(_) | Pat::Wild(_)) {
            self.cx.error_spanned_by(item, "after `map`, name the mapped value (`|acc, v| ..`)");
            return None;
        }
        Some((params[0].clone(), Some((params, value))))
    }

    /// After `map`, binds the reduction's item name to the mapped value.
    fn bind_mapped_item(&mut self, map: Option<&InlineClosure>, item: &Pat, body: &mut Block) {
        let Some((_, value)) = map else { return };
        let mapped = self.mapped_item(value, body);
        let Pat::Ident(name) = strip_pattern(item) else { return };
        let var = self.user_var(&name.ident, Ty::Unknown, None);
        self.assign(body, var, Rhs::Use(mapped), AssignKind::Init, name.ident.span());
        self.bind(&name.ident, Binding::Var(var));
    }
}

/// An inline closure's parameters and body.
type InlineClosure = (Vec<Pat>, Expr);

/// Whether a reduction's turbofish or its accumulator's declared type
/// names a float (`sum::<f64>()`, `let s: f32 = ..`).
fn says_float(call: &syn::ExprMethodCall, declared: Option<&syn::Type>) -> bool {
    let float = |ty: &syn::Type| crate::signature::float_ty(ty).is_some();
    let turbofish = call.turbofish.iter().flat_map(|turbofish| &turbofish.args);
    turbofish.into_iter().any(|arg| matches!(arg, syn::GenericArgument::Type(ty) if float(ty)))
        || declared.is_some_and(float)
}

impl Lowerer<'_> {
    /// Whether `value`, a `map` closure's result, is integer arithmetic
    /// (`i * i`, `*i + 1`, `i * stride`, `t[0] + t[1]`, `counts[k]`,
    /// `i.pow(2)`, `(i % 2) as i32`) of its parameters, given integer items,
    /// and of names bound to integers: an integer, as Rust has no
    /// arithmetic mixing an integer and a float.
    fn integer_arithmetic_of(&self, value: &Expr, params: &[Pat]) -> bool {
        let params: Vec<&syn::Ident> = params.iter().filter_map(|param| pattern_ident(param)).collect();
        !params.is_empty() && self.integer_form(value, &params)
    }

    fn integer_form(&self, expr: &Expr, params: &[&syn::Ident]) -> bool {
        const METHODS: &[&str] = &["pow", "min", "max", "abs", "saturating_sub", "saturating_add", "rem_euclid"];
        match expr {
            Expr::Lit(lit) => matches!(lit.lit, syn::Lit::Int(_)),
            Expr::Path(path) => {
                path.path.get_ident().is_some_and(|ident| params.contains(&ident) || self.holds_an_integer(ident))
            }
            Expr::Paren(paren) => self.integer_form(&paren.expr, params),
            Expr::Unary(unary) => self.integer_form(&unary.expr, params),
            Expr::Cast(cast) => super::is_integer_type(&cast.ty) && self.integer_form(&cast.expr, params),
            // `t[0]` of a row of integers, `counts[k]`, `tris[j][0]` of integers.
            Expr::Index(index) => self.indexes_integers(&index.expr, params) && self.integer_form(&index.index, params),
            Expr::MethodCall(call) => {
                METHODS.iter().any(|name| call.method == name)
                    && self.integer_form(&call.receiver, params)
                    && call.args.iter().all(|arg| self.integer_form(arg, params))
            }
            Expr::Binary(binary) => {
                use syn::BinOp::{Add, Div, Mul, Rem, Sub};
                matches!(binary.op, Add(_) | Sub(_) | Mul(_) | Div(_) | Rem(_))
                    && self.integer_form(&binary.left, params)
                    && self.integer_form(&binary.right, params)
            }
            _ => false,
        }
    }

    /// Whether indexing `expr` reads an integer: a parameter of the map (a
    /// row of integers), a name bound to integers, or a row of either.
    fn indexes_integers(&self, expr: &Expr, params: &[&syn::Ident]) -> bool {
        match expr {
            Expr::Path(path) => {
                path.path.get_ident().is_some_and(|name| params.contains(&name) || self.names_integers(name))
            }
            Expr::Index(index) => self.indexes_integers(&index.expr, params) && self.integer_form(&index.index, params),
            Expr::Paren(paren) => self.indexes_integers(&paren.expr, params),
            _ => false,
        }
    }

    /// Whether `name` is bound to an integer: declared as one, or a loop's
    /// index, position or integer item.
    fn holds_an_integer(&self, name: &syn::Ident) -> bool {
        let Some(Binding::Var(var)) = self.lookup(name) else { return false };
        let info = &self.vars[var.0];
        info.declared.as_ref().is_some_and(super::is_integer_type)
            || (self.by_value.contains(&var) && info.ty == Ty::Other)
    }

    /// Whether `name` is bound to integers in a slice, an array or a vector.
    fn names_integers(&self, name: &syn::Ident) -> bool {
        let Some(Binding::Var(var)) = self.lookup(name) else { return false };
        self.holds_integers(&crate::ir::Place { var, proj: Vec::new() })
    }
}

/// The name a closure parameter binds (`i`, `&i`, `i: usize`).
fn pattern_ident(pattern: &Pat) -> Option<&syn::Ident> {
    match pattern {
        Pat::Ident(binding) => Some(&binding.ident),
        Pat::Reference(reference) => pattern_ident(&reference.pat),
        Pat::Type(typed) => pattern_ident(&typed.pat),
        _ => None,
    }
}

/// The parameters and body of an inline closure with `arity` parameters.
fn closure(expr: &Expr, arity: usize, lowerer: &Lowerer) -> Option<InlineClosure> {
    if let Some(function) = float_function(expr) {
        // `.fold(f64::NEG_INFINITY, f64::max)`, `.map(f64::exp)`: the
        // closure that calls it.
        let params: Vec<syn::Ident> = (0..arity).map(|i| quote::format_ident!("__arg{}", i)).collect();
        let call = syn::parse_quote!(#function(#(#params),*));
        return Some((params.iter().map(|param| syn::parse_quote!(#param)).collect(), call));
    }
    let Expr::Closure(closure) = expr else {
        lowerer
            .cx
            .error_spanned_by(expr, "iterator adaptors inside #[grad] functions take an inline closure (`|v| ..`)");
        return None;
    };
    if closure.inputs.len() != arity {
        lowerer.cx.error_spanned_by(&closure.inputs, format!("this closure takes {arity} parameter(s)"));
        return None;
    }
    Some((closure.inputs.iter().cloned().collect(), (*closure.body).clone()))
}

/// A float function named by path (`f64::max`, `f32::exp`).
fn float_function(expr: &Expr) -> Option<&syn::ExprPath> {
    let Expr::Path(path) = expr else { return None };
    let segments = &path.path.segments;
    let float =
        path.qself.is_none() && segments.len() == 2 && (segments[0].ident == "f64" || segments[0].ident == "f32");
    (float && crate::symbol::float_method(&segments[1].ident).is_some()).then_some(path)
}

/// Whether the items carry a position (`enumerate`'s, or a range's index).
fn has_position(shape: &Shape) -> bool {
    match shape {
        Shape::Index | Shape::Position(_) => true,
        Shape::Elem(_) => false,
        Shape::Pair(first, second) => has_position(first) || has_position(second),
    }
}

/// `&v`, `v: &f64` and `(v)` bind like `v`.
/// `&v` (under a type or parentheses): the item is dereferenced.
fn is_reference_pattern(pattern: &Pat) -> bool {
    match pattern {
        Pat::Reference(_) => true,
        Pat::Type(typed) => is_reference_pattern(&typed.pat),
        Pat::Paren(paren) => is_reference_pattern(&paren.pat),
        _ => false,
    }
}

fn strip_pattern(pattern: &Pat) -> &Pat {
    match pattern {
        Pat::Reference(reference) => strip_pattern(&reference.pat),
        Pat::Type(typed) => strip_pattern(&typed.pat),
        Pat::Paren(paren) => strip_pattern(&paren.pat),
        other => other,
    }
}

fn truth() -> Operand {
    Operand::Const(Const { tokens: quote!(true), ty: Ty::Bool })
}

fn falsity() -> Operand {
    Operand::Const(Const { tokens: quote!(false), ty: Ty::Bool })
}
