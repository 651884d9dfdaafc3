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

use super::{contains_return, place_operand, Binding, LoopCtx, Lowerer, Sink};
use crate::ir::{
    Adaptor, AssignKind, Block, Const, Header, Loop, LoopId, Op, Operand, Place, Proj, Rhs, Stmt, Ty, Var, VarKind,
};

/// What each pass of a loop binds, as the iterator's items nest.
enum Shape {
    /// The index of a range, or the position of `enumerate`.
    Index,
    /// The element of the n-th zipped source.
    Elem(usize),
    Pair(Box<Shape>, Box<Shape>),
}

/// An aggregate iterated element by element, from `offset` on.
struct Source {
    base: Place,
    offset: Option<Operand>,
    len: Operand,
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
}

const REDUCTIONS: &[&str] = &["sum", "product", "fold", "for_each"];

/// Iterator steps the macro lowers.
const ADAPTORS: &[&str] = &["iter", "into_iter", "enumerate", "zip", "map", "rev", "step_by"];

/// Whether `expr` is an iterator: a range or a chain of iterator methods.
pub(super) fn is_iterator(expr: &Expr) -> bool {
    match expr {
        Expr::Range(_) => true,
        Expr::Paren(paren) => is_iterator(&paren.expr),
        Expr::MethodCall(call) => {
            // Methods that consume an iterator give a value, not an iterator.
            const CONSUMERS: &[&str] = &[
                "sum", "product", "fold", "for_each", "count", "min", "max", "min_by", "max_by", "collect", "last",
                "nth", "any", "all", "position", "find",
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

pub(super) fn unsupported_iterator_method(method: &syn::Ident) -> String {
    format!(
        "iterator method `{method}` is not supported inside #[grad] functions; #[grad] lowers `iter`, `enumerate`, \
         `zip`, `map`, `rev`, `step_by` and the reductions `sum`, `product`, `fold`, `for_each`: write the loop \
         out with `for` and `if`"
    )
}

/// Whether `call` ends an iterator chain the macro lowers to a loop.
pub(super) fn is_chain_terminal(call: &syn::ExprMethodCall) -> bool {
    REDUCTIONS.iter().any(|name| call.method == name)
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
            this.bind_pattern(pattern, &iteration.shape, index, &sources, &mut body);
            lower_body(this, &mut body);
        });
        let header = Header::Range { index, lo, hi, inclusive, adaptors: iteration.adaptors };
        self.close_loop(header, body, counted, out, span);
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
            (Shape::Index, Pat::Ident(ident)) => self.bind(&ident.ident, Binding::Var(index)),
            (Shape::Elem(n), Pat::Ident(ident)) if ident.mutability.is_some() => {
                self.cx.error_spanned_by(
                    ident,
                    "a `mut` binding of a loop's element is not supported inside #[grad] functions; \
                     bind it without `mut` and copy it (`let mut v = v;`)",
                );
                let place = self.element(&sources[*n], index, body, ident.span());
                self.bind(&ident.ident, Binding::Place(place));
            }
            (Shape::Elem(n), Pat::Ident(ident)) => {
                let place = self.element(&sources[*n], index, body, ident.span());
                self.bind(&ident.ident, Binding::Place(place));
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

    /// The element of `source` at the pass's index.
    fn element(&mut self, source: &Source, index: Var, body: &mut Block, span: Span) -> Place {
        let position = match &source.offset {
            None => Operand::Var(index),
            Some(offset) => {
                let shifted = self.temp(Ty::Other);
                let rhs = Rhs::Prim(Op::Add, vec![Operand::Var(index), offset.clone()]);
                self.assign(body, shifted, rhs, AssignKind::Init, span);
                Operand::Var(shifted)
            }
        };
        let mut place = source.base.clone();
        place.proj.push(Proj::Index(position));
        place
    }

    /// Reads an iterator expression: a range or element sources, with
    /// `enumerate`, `zip`, `rev` and `step_by`.
    fn iteration(&mut self, expr: &Expr, out: &mut Block) -> Option<Iteration> {
        let mut adaptors = Vec::new();
        let mut current = expr;
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
                    current = &call.receiver;
                }
                Expr::Paren(paren) => current = &paren.expr,
                _ => break,
            }
        }
        adaptors.reverse();
        let (kind, shape) = self.items(current, out)?;
        Some(Iteration { kind, shape, adaptors })
    }

    /// The items of an iterator below its `rev`/`step_by`.
    fn items(&mut self, expr: &Expr, out: &mut Block) -> Option<(Kind, Shape)> {
        match expr {
            Expr::Paren(paren) => self.items(&paren.expr, out),
            Expr::Range(range) => {
                let (Some(start), Some(end)) = (&range.start, &range.end) else {
                    self.cx.error_spanned_by(range, "a loop range needs both bounds (`a..b`)");
                    return None;
                };
                let lo = self.lower_expr(start, out);
                let lo = self.fixed(lo, Ty::Other, out, start.span());
                let hi = self.lower_expr(end, out);
                let hi = self.fixed(hi, Ty::Other, out, end.span());
                let inclusive = matches!(range.limits, syn::RangeLimits::Closed(_));
                Some((Kind::Range { lo, hi, inclusive }, Shape::Index))
            }
            Expr::MethodCall(call) if call.method == "enumerate" && call.args.is_empty() => {
                let (kind, shape) = self.items(&call.receiver, out)?;
                if matches!(kind, Kind::Range { .. }) {
                    self.cx
                        .error_spanned_by(&call.method, "`enumerate` of a range repeats the index; iterate the range");
                    return None;
                }
                Some((kind, Shape::Pair(Box::new(Shape::Index), Box::new(shape))))
            }
            Expr::MethodCall(call) if call.method == "zip" && call.args.len() == 1 => {
                let (kind, shape) = self.items(&call.receiver, out)?;
                let Kind::Elements(mut sources) = kind else {
                    self.cx.error_spanned_by(
                        &call.method,
                        "#[grad] zips slices, not ranges; index the slice with the range's index",
                    );
                    return None;
                };
                let other = self.source(&call.args[0], out)?;
                sources.push(other);
                let n = sources.len() - 1;
                Some((Kind::Elements(sources), Shape::Pair(Box::new(shape), Box::new(Shape::Elem(n)))))
            }
            Expr::MethodCall(call) if !ADAPTORS.contains(&call.method.to_string().as_str()) => {
                self.cx.error_spanned_by(&call.method, unsupported_iterator_method(&call.method));
                None
            }
            Expr::MethodCall(call) if call.method == "rev" || call.method == "step_by" => {
                self.cx.error_spanned_by(
                    &call.method,
                    format!("put `.{}()` last in the chain (after `enumerate` and `zip`)", call.method),
                );
                None
            }
            _ => {
                let source = self.source(expr, out)?;
                Some((Kind::Elements(vec![source]), Shape::Elem(0)))
            }
        }
    }

    /// An aggregate iterated element by element: `x`, `&x`, `x.iter()`,
    /// `&x[1..]`, `x[a..b].iter()`, `w[i].iter()`.
    fn source(&mut self, expr: &Expr, out: &mut Block) -> Option<Source> {
        let inner = match expr {
            Expr::MethodCall(call) if (call.method == "iter" || call.method == "into_iter") && call.args.is_empty() => {
                &*call.receiver
            }
            Expr::MethodCall(call) if call.method == "iter_mut" => {
                self.cx.error_spanned_by(
                    &call.method,
                    "`iter_mut` is not supported inside #[grad] functions; assign by index (`y[i] = ..`)",
                );
                return None;
            }
            Expr::Reference(reference) if reference.mutability.is_none() => &*reference.expr,
            other => other,
        };
        let inner = match inner {
            Expr::Paren(paren) => &*paren.expr,
            Expr::Reference(reference) => &*reference.expr,
            other => other,
        };
        let span = expr.span();
        if let Expr::Index(index) = inner {
            if let Expr::Range(range) = &*index.index {
                let base = self.place(&index.expr, out)?;
                let lo = match &range.start {
                    Some(lo) => {
                        let lo = self.lower_expr(lo, out);
                        Some(self.fixed(lo, Ty::Other, out, span))
                    }
                    None => None,
                };
                let end = match &range.end {
                    Some(hi) => {
                        let hi = self.lower_expr(hi, out);
                        let hi = if matches!(range.limits, syn::RangeLimits::Closed(_)) {
                            let one = Operand::Const(Const { tokens: quote!(1), ty: Ty::Other });
                            let next = self.temp(Ty::Other);
                            self.assign(out, next, Rhs::Prim(Op::Add, vec![hi, one]), AssignKind::Init, span);
                            Operand::Var(next)
                        } else {
                            hi
                        };
                        self.fixed(hi, Ty::Other, out, span)
                    }
                    None => self.length(&base, out, span),
                };
                let len = match &lo {
                    Some(lo) => {
                        let len = self.temp(Ty::Other);
                        self.assign(out, len, Rhs::Prim(Op::Sub, vec![end, lo.clone()]), AssignKind::Init, span);
                        Operand::Var(len)
                    }
                    None => end,
                };
                return Some(Source { base, offset: lo, len });
            }
        }
        let base = self.place(inner, out)?;
        // A model's fields are aggregates the macro cannot see into.
        let in_model = self.vars[base.var.0].ty == Ty::Aggregate && self.vars[base.var.0].dims.is_none();
        if self.place_ty(&base) != Ty::Aggregate && !in_model {
            self.cx.error_spanned_by(expr, "#[grad] iterates ranges (`0..n`) and float arrays, slices and vectors");
            return None;
        }
        let len = self.length(&base, out, span);
        Some(Source { base, offset: None, len })
    }

    fn length(&mut self, base: &Place, out: &mut Block, span: Span) -> Operand {
        // A parameter's length never changes: read it where it is needed,
        // rather than keeping it for the reverse sweep.
        let info = &self.vars[base.var.0];
        if base.proj.is_empty() && info.kind == VarKind::Param && info.by_ref {
            let ident = &info.ident;
            return Operand::Const(Const { tokens: quote!(#ident.len()), ty: Ty::Other });
        }
        let len = self.temp(Ty::Other);
        let method = syn::Ident::new("len", span);
        self.assign(out, len, Rhs::Method(place_operand(base.clone()), method, Vec::new()), AssignKind::Init, span);
        Operand::Var(len)
    }

    /// `src.map(|v| e).sum()`, `.product()`, `.fold(init, |acc, v| e)`,
    /// `.for_each(|v| { .. })`.
    pub(super) fn lower_chain(&mut self, call: &syn::ExprMethodCall, out: &mut Block, sink: Sink) {
        let span = call.method.span();
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
        let Some(iteration) = self.iteration(source, out) else { return };
        let (accumulator, kind) = match sink {
            Sink::Var(dst, kind) => (dst, kind),
            Sink::Discard => (self.temp(Ty::Unknown), AssignKind::Init),
        };
        match terminal.as_str() {
            "sum" | "product" => {
                if !call.args.is_empty() {
                    self.cx.error_spanned_by(&call.args, format!("`{terminal}` takes no arguments"));
                    return;
                }
                let (start, op) = if terminal == "sum" { (quote!(0.0), Op::Add) } else { (quote!(1.0), Op::Mul) };
                let start = Operand::Const(Const { tokens: start, ty: Ty::AnyFloat });
                self.adopt(accumulator, &Rhs::Use(start.clone()));
                self.assign(out, accumulator, Rhs::Use(start), kind, span);
                let pattern = map.as_ref().map(|(params, _)| params[0].clone());
                let wildcard: Pat = syn::parse_quote!(__item);
                let pattern = pattern.unwrap_or(wildcard);
                self.lower_iteration(iteration, &pattern, out, span, |this, body| {
                    let item = match &map {
                        Some((_, value)) if contains_return(value) => {
                            let item = this.temp(Ty::Unknown);
                            this.lower_closure_body(value, body, Sink::Var(item, AssignKind::Init));
                            Operand::Var(item)
                        }
                        Some((_, value)) => this.lower_expr(value, body),
                        None => this.path_operand(&syn::parse_quote!(__item)),
                    };
                    let rhs = Rhs::Prim(op, vec![Operand::Var(accumulator), item]);
                    this.assign(body, accumulator, rhs, AssignKind::Overwrite, span);
                });
            }
            "fold" => {
                if map.is_some() {
                    self.cx.error_spanned_by(
                        &call.method,
                        "`map` before `fold` is not supported; do the mapping inside the fold",
                    );
                    return;
                }
                let (Some(init), Some(folder)) = (call.args.first(), call.args.get(1)) else {
                    self.cx.error_spanned_by(&call.method, "`fold` takes an initial value and a closure `|acc, v| ..`");
                    return;
                };
                let Some((params, value)) = closure(folder, 2, self) else { return };
                self.lower_into(init, out, Sink::Var(accumulator, kind));
                let acc_name = match strip_pattern(&params[0]) {
                    Pat::Ident(ident) => ident.ident.clone(),
                    other => {
                        self.cx.error_spanned_by(other, "name the accumulator of `fold` (`|acc, v| ..`)");
                        return;
                    }
                };
                self.lower_iteration(iteration, &params[1], out, span, |this, body| {
                    this.in_scope(|this| {
                        this.bind(&acc_name, Binding::Var(accumulator));
                        this.lower_closure_body(&value, body, Sink::Var(accumulator, AssignKind::Overwrite));
                    });
                });
            }
            _ => {
                if map.is_some() {
                    self.cx.error_spanned_by(
                        &call.method,
                        "`map` before `for_each` is not supported; do the mapping inside",
                    );
                    return;
                }
                let Some(each) = call.args.first() else { return };
                let Some((params, value)) = closure(each, 1, self) else { return };
                self.lower_iteration(iteration, &params[0], out, span, |this, body| {
                    // `|(i, v)| y[i] = v * v` is a statement without braces.
                    this.lower_closure_body(&value, body, Sink::Discard);
                });
            }
        }
    }
}

/// The parameters and body of an inline closure with `arity` parameters.
fn closure(expr: &Expr, arity: usize, lowerer: &Lowerer) -> Option<(Vec<Pat>, Expr)> {
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

/// `&v`, `v: &f64` and `(v)` bind like `v`.
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
