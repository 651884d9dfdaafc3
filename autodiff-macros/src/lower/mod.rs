//! Lowering: the function body (syn) → IR in A-normal form (see `ir.rs` for
//! the invariant this establishes).
//!
//! Before:
//! ```text
//! let u = a + b * c;
//! if u > 0.0 { return u.sin(); }
//! 3.0 * u
//! ```
//! After:
//! ```text
//! __t1 = mul(b, c)
//! u = add(a, __t1)
//! __t2 = gt(u, 0.0)
//! if __t2 { __ret = sin(u); __done := true }
//! __t3 = not(__done)
//! if __t3 { __ret = mul(3.0, u) }
//! ```
//!
//! `places.rs` lowers element access and array values, `loops.rs` loops and
//! iterator chains. Everything outside the supported subset is reported to
//! `Ctxt` with the span of the offending code, and lowering goes on, so one
//! run reports every problem.

mod items;
mod loops;
mod places;

pub use places::zero_of_type;

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::{BinOp, Expr, ExprIf, Ident, Lit, Pat, UnOp};

use crate::ctxt::Ctxt;
use crate::ir::{
    AssignKind, Block, Body, Const, FloatTy, LoopId, Op, Operand, Place, Rhs, Stmt, Ty, Var, VarInfo, VarKind,
};
use crate::naming::{self, Namer};
use crate::signature::{float_ty, ParamClass, RefKind, Signature};
use crate::{emit, symbol};

pub fn lower(sig: &Signature, namer: &mut Namer, cx: &Ctxt) -> Body {
    let mut lowerer = Lowerer {
        cx,
        namer,
        vars: Vec::new(),
        scopes: vec![Vec::new()],
        done: None,
        ret: None,
        items: Vec::new(),
        loops: Vec::new(),
        closures: Vec::new(),
        next_loop: 0,
        escapes: BTreeMap::new(),
    };
    items::check_scopes(sig.item, cx);
    let params = sig.params.iter().map(|param| lowerer.param(param)).collect();
    lowerer.ret = sig.ret.map(|float| {
        let ident = lowerer.namer.fresh("__ret");
        lowerer.new_var(ident, Ty::Float(float), VarKind::Ret, None)
    });
    let mut block = Block::default();
    let sink = match lowerer.ret {
        Some(ret) => Sink::Var(ret, AssignKind::Init),
        None => Sink::Discard,
    };
    lowerer.lower_stmts(&sig.item.block.stmts, &mut block, sink);
    if let Some(done) = lowerer.done {
        if !reads(&block, done) {
            strip_writes(&mut block, done);
        }
    }
    if let Some(ret) = lowerer.ret {
        if !writes(&block, ret) && !cx.has_errors() {
            cx.error_spanned_by(
                &sig.item.block,
                "the body of a #[grad] function must produce its value; end it with the value or `return` it",
            );
        }
    }
    Body { vars: lowerer.vars, params, block, ret: lowerer.ret, items: lowerer.items }
}

/// Where the value of an expression goes.
#[derive(Clone, Copy)]
enum Sink {
    Discard,
    Var(Var, AssignKind),
}

/// What a name stands for: a variable, or an element read in place (a
/// `for` or closure binding of a slice element).
#[derive(Clone)]
enum Binding {
    Var(Var),
    Place(Place),
}

/// A loop being lowered, for `break` and `continue`.
struct LoopCtx {
    id: LoopId,
    /// Set by `break`; made at the first `break`.
    brk: Option<Var>,
    /// Set by `continue`; made at the first `continue`.
    cont: Option<Var>,
    /// Where `break value` sends its value (a `loop` used as a value).
    sink: Sink,
    /// Whether a `return` inside must end this loop too.
    exits_on_done: bool,
    /// The index a `for` over a range binds (not a `mut` copy of it).
    index: Option<Var>,
}

/// The inline closure of a reduction whose body is being lowered, for a
/// `return` inside it: that returns from the closure (the value of one
/// element), not from the function.
struct ClosureCtx {
    /// Where the closure's value goes.
    sink: Sink,
    /// Set by `return`, made at the first one; it guards the rest of the
    /// closure's body and is reset at the start of each call.
    returned: Option<Var>,
    /// How many loops were open where the body begins (the reduction's
    /// own included).
    depth: usize,
}

struct Lowerer<'a> {
    cx: &'a Ctxt,
    namer: &'a mut Namer,
    vars: Vec<VarInfo>,
    /// Bindings in scope, innermost scope last; later bindings shadow earlier.
    scopes: Vec<Vec<(String, Binding)>>,
    /// The flag set by `return`, made when the first `return` is lowered.
    done: Option<Var>,
    ret: Option<Var>,
    items: Vec<syn::Item>,
    /// The loops around the code being lowered, innermost last.
    loops: Vec<LoopCtx>,
    /// The reduction closures around the code being lowered that contain a
    /// `return`, innermost last.
    closures: Vec<ClosureCtx>,
    next_loop: usize,
    /// How many times each flag (`__done`, a `break` or `continue` flag) has
    /// been set so far: a statement that set one guards the rest of its
    /// block.
    escapes: BTreeMap<Var, usize>,
}

impl Lowerer<'_> {
    // ---- variables and scopes ----

    fn new_var(&mut self, ident: Ident, ty: Ty, kind: VarKind, declared: Option<syn::Type>) -> Var {
        let scope = self.loops.iter().map(|ctx| ctx.id).collect();
        self.vars.push(VarInfo {
            ident,
            ty,
            declared,
            kind,
            mutable: false,
            elem: None,
            dims: None,
            zero: None,
            by_ref: false,
            scope,
        });
        Var(self.vars.len() - 1)
    }

    fn param(&mut self, param: &crate::signature::Param) -> Var {
        let (ty, elem, dims, zero) = match &param.class {
            ParamClass::Active(float) => (Ty::Float(*float), None, None, None),
            ParamClass::Shadowed { target, kind: RefKind::Array(float), .. }
            | ParamClass::Output { target, elem: float, .. } => {
                (Ty::Aggregate, Some(*float), Some(array_dims(target)), places::zero_of_type(target))
            }
            ParamClass::Shadowed { kind: RefKind::Model, .. } => (Ty::Aggregate, None, None, None),
            ParamClass::Constant => match float_ty(param.ty) {
                Some(float) => (Ty::Float(float), None, None, None),
                None if is_bool(param.ty) => (Ty::Bool, None, None, None),
                None => match constant_aggregate(param.ty) {
                    Some((float, dims)) => (Ty::Aggregate, Some(float), Some(dims), None),
                    None => (type_of(param.ty), None, None, None),
                },
            },
        };
        let var = self.new_var(param.ident.clone(), ty, VarKind::Param, Some(param.ty.clone()));
        let info = &mut self.vars[var.0];
        info.mutable = param.mutable;
        info.elem = elem;
        info.dims = dims;
        info.zero = zero;
        info.by_ref = matches!(param.ty, syn::Type::Reference(_));
        self.bind(param.ident, Binding::Var(var));
        var
    }

    fn temp(&mut self, ty: Ty) -> Var {
        let ident = self.namer.temp();
        self.new_var(ident, ty, VarKind::Temp, None)
    }

    /// A flag or counter of the loop machinery.
    fn control(&mut self, base: &str, ty: Ty, declared: Option<syn::Type>) -> Var {
        let ident = self.namer.fresh(base);
        self.new_var(ident, ty, VarKind::Control, declared)
    }

    fn bind(&mut self, ident: &Ident, binding: Binding) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((naming::name_of(ident), binding));
        }
    }

    fn lookup(&self, ident: &Ident) -> Option<Binding> {
        let name = naming::name_of(ident);
        self.scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.iter().rev())
            .find(|(n, _)| *n == name)
            .map(|(_, binding)| binding.clone())
    }

    /// A user binding: keeps its name unless an earlier binding had it.
    fn user_var(&mut self, ident: &Ident, ty: Ty, declared: Option<syn::Type>) -> Var {
        let name = naming::name_of(ident);
        let first = !self.vars.iter().any(|info| naming::name_of(&info.ident) == name);
        let name = self.namer.binding(ident, first);
        self.new_var(name, ty, VarKind::Local, declared)
    }

    fn in_scope<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        self.scopes.push(Vec::new());
        let result = f(self);
        self.scopes.pop();
        result
    }

    fn done_var(&mut self) -> Var {
        if let Some(done) = self.done {
            return done;
        }
        let done = self.control("__done", Ty::Bool, None);
        // Made where the first `return` is, but it outlives every loop.
        self.vars[done.0].scope.clear();
        self.vars[done.0].kind = VarKind::Done;
        self.done = Some(done);
        done
    }

    fn unsupported(&self, tokens: impl ToTokens, message: impl std::fmt::Display) -> Rhs {
        self.cx.error_spanned_by(tokens, message);
        Rhs::Use(Operand::Const(Const { tokens: quote!(0.0), ty: Ty::Unknown }))
    }

    fn assign(&self, out: &mut Block, dst: Var, rhs: Rhs, kind: AssignKind, span: proc_macro2::Span) {
        out.stmts.push(Stmt::Assign { dst, rhs, kind, span });
    }

    /// Records that a statement set `flag`, so the rest of its block is guarded.
    fn escape(&mut self, flag: Var) {
        *self.escapes.entry(flag).or_default() += 1;
    }

    /// The flags that can end the current block early: `__done` and the
    /// innermost loop's `break` and `continue` flags.
    fn guard_flags(&self) -> Vec<Var> {
        let mut flags: Vec<Var> = self.done.into_iter().collect();
        if let Some(ctx) = self.loops.last() {
            flags.extend(ctx.brk);
            flags.extend(ctx.cont);
        }
        if let Some(closure) = self.closure_here() {
            flags.extend(closure.returned);
        }
        flags
    }

    /// The closure whose body is being lowered, unless a loop inside it is.
    fn closure_here(&self) -> Option<&ClosureCtx> {
        self.closures.last().filter(|closure| closure.depth == self.loops.len())
    }

    /// Lowers the body of a reduction's closure into `out`, its value into
    /// `sink` (as a statement when `sink` is `Discard`). A `return` inside
    /// gives the closure's value and skips the rest of its body.
    fn lower_closure_body(&mut self, value: &Expr, out: &mut Block, sink: Sink) {
        let lower = |this: &mut Self, out: &mut Block| match sink {
            Sink::Discard => this.lower_statement_expr(value, out),
            Sink::Var(..) => this.lower_into(value, out, sink),
        };
        if !contains_return(value) {
            lower(self, out);
            return;
        }
        self.closures.push(ClosureCtx { sink, returned: None, depth: self.loops.len() });
        let mut body = Block::default();
        lower(self, &mut body);
        let closure = self.closures.pop();
        if let Some(returned) = closure.and_then(|closure| closure.returned) {
            let falsity = Operand::Const(Const { tokens: quote!(false), ty: Ty::Bool });
            self.assign(out, returned, Rhs::Use(falsity), AssignKind::Init, value.span());
        }
        out.stmts.extend(body.stmts);
    }

    /// `return` inside a reduction's closure: the closure's value.
    fn lower_closure_return(&mut self, ret: &syn::ExprReturn, out: &mut Block) {
        let Some(closure) = self.closures.last() else { return };
        let sink = closure.sink;
        match (&ret.expr, sink) {
            (Some(value), _) => self.lower_into(value, out, sink),
            (None, Sink::Discard) => {}
            (None, Sink::Var(..)) => {
                self.cx.error_spanned_by(ret, "`return` in this closure needs the closure's value");
                return;
            }
        }
        let returned = match self.closures.last().and_then(|closure| closure.returned) {
            Some(flag) => flag,
            None => {
                let flag = self.control("__returned", Ty::Bool, None);
                if let Some(closure) = self.closures.last_mut() {
                    closure.returned = Some(flag);
                }
                flag
            }
        };
        let truth = Operand::Const(Const { tokens: quote!(true), ty: Ty::Bool });
        self.assign(out, returned, Rhs::Use(truth), AssignKind::Overwrite, ret.span());
        self.escape(returned);
    }

    // ---- statements ----

    /// Lowers a statement list; the tail expression (if any) goes to `sink`.
    /// Statements after one that may `return`, `break` or `continue` run
    /// under `if !(flags)`.
    fn lower_stmts(&mut self, stmts: &[syn::Stmt], out: &mut Block, sink: Sink) {
        for (i, stmt) in stmts.iter().enumerate() {
            let before = self.escapes.clone();
            let last = i + 1 == stmts.len();
            match stmt {
                syn::Stmt::Local(local) => self.lower_local(local, out),
                syn::Stmt::Item(item) => self.items.push(item.clone()),
                syn::Stmt::Macro(mac) => {
                    self.unsupported(&mac.mac, macro_message(&mac.mac));
                }
                // An empty statement (`;;`) is nothing.
                syn::Stmt::Expr(Expr::Verbatim(tokens), _) if tokens.is_empty() => {}
                syn::Stmt::Expr(expr, None) if last => self.lower_into(expr, out, sink),
                syn::Stmt::Expr(expr, _) => self.lower_statement_expr(expr, out),
            }
            let raised: Vec<Var> =
                self.guard_flags().into_iter().filter(|flag| self.escapes.get(flag) != before.get(flag)).collect();
            if !raised.is_empty() && !last {
                let span = stmts[i + 1].span();
                let cond = self.none_set(&raised, out, span);
                let mut rest = Block::default();
                self.lower_stmts(&stmts[i + 1..], &mut rest, sink);
                out.stmts.push(Stmt::If { cond: Operand::Var(cond), then: rest, els: Block::default(), span });
                return;
            }
        }
    }

    /// `!(f1 | f2 | ..)` in a fresh temporary.
    fn none_set(&mut self, flags: &[Var], out: &mut Block, span: proc_macro2::Span) -> Var {
        let mut any = Operand::Var(flags[0]);
        for flag in &flags[1..] {
            let joined = self.temp(Ty::Bool);
            self.assign(out, joined, Rhs::Prim(Op::BitOr, vec![any, Operand::Var(*flag)]), AssignKind::Init, span);
            any = Operand::Var(joined);
        }
        let cond = self.temp(Ty::Bool);
        self.assign(out, cond, Rhs::Prim(Op::Not, vec![any]), AssignKind::Init, span);
        cond
    }

    fn lower_local(&mut self, local: &syn::Local, out: &mut Block) {
        let (pat, declared) = match &local.pat {
            Pat::Type(typed) => (&*typed.pat, Some((*typed.ty).clone())),
            pat => (pat, None),
        };
        if let Some(init) = &local.init {
            if let Some((else_token, _)) = &init.diverge {
                self.cx
                    .error_spanned_by(else_token, "`let .. else` is not supported inside #[grad] functions; use `if`");
                return;
            }
        }
        let ident = match pat {
            Pat::Ident(binding) if binding.by_ref.is_none() && binding.subpat.is_none() => &binding.ident,
            Pat::Wild(_) => {
                if let Some(init) = &local.init {
                    self.lower_into(&init.expr, out, Sink::Discard);
                }
                return;
            }
            Pat::Slice(slice) => {
                if let Some(init) = &local.init {
                    self.destructure_array(slice, &init.expr, out);
                }
                return;
            }
            _ => {
                self.cx.error_spanned_by(
                    pat,
                    "unsupported pattern in `let`; #[grad] supports `let name = ..`, `let mut name = ..`, \
                     `let name: T = ..` and `let [a, b] = *array;`",
                );
                return;
            }
        };
        if let Some(aliased) = self.reference_alias(pat, declared.as_ref(), local.init.as_ref()) {
            self.bind(ident, Binding::Var(aliased));
            return;
        }
        let ty = declared.as_ref().map(type_of).unwrap_or(Ty::Unknown);
        // The initializer is lowered before the new binding enters scope:
        // `let x = x + 1.0` reads the old `x`.
        let var = self.user_var(ident, ty, declared.clone());
        if let Some(declared) = &declared {
            if let Some((float, dims)) = constant_aggregate(declared) {
                let info = &mut self.vars[var.0];
                info.ty = Ty::Aggregate;
                info.elem = Some(float);
                info.dims = Some(dims);
                info.zero = places::zero_of_type(declared);
            }
        }
        if let Some(init) = &local.init {
            self.lower_into(&init.expr, out, Sink::Var(var, AssignKind::Init));
        }
        self.bind(ident, Binding::Var(var));
    }

    /// `let t = v;` without `mut`, of a reference parameter (or another such
    /// name): `t` is another name for `v`, whose shadow it shares.
    fn reference_alias(&self, pat: &Pat, declared: Option<&syn::Type>, init: Option<&syn::LocalInit>) -> Option<Var> {
        let Pat::Ident(binding) = pat else { return None };
        if binding.mutability.is_some() || !matches!(declared, None | Some(syn::Type::Reference(_))) {
            return None;
        }
        let mut expr = &*init?.expr;
        while let Expr::Paren(syn::ExprParen { expr: inner, .. }) | Expr::Group(syn::ExprGroup { expr: inner, .. }) =
            expr
        {
            expr = inner;
        }
        let Expr::Path(path) = expr else { return None };
        match self.lookup(path.path.get_ident()?)? {
            Binding::Var(var) if self.vars[var.0].ty == Ty::Aggregate && self.vars[var.0].by_ref => Some(var),
            _ => None,
        }
    }

    /// An expression in statement position: its value, if any, is dropped.
    fn lower_statement_expr(&mut self, expr: &Expr, out: &mut Block) {
        match expr {
            Expr::Assign(assign) => self.lower_assignment(&assign.left, None, &assign.right, out, expr.span()),
            Expr::Binary(binary) if compound_op(&binary.op).is_some() => {
                self.lower_assignment(&binary.left, compound_op(&binary.op), &binary.right, out, expr.span());
            }
            _ => self.lower_into(expr, out, Sink::Discard),
        }
    }

    /// `place = value` or `place op= value`, to a local or to an element.
    fn lower_assignment(
        &mut self,
        left: &Expr,
        op: Option<Op>,
        right: &Expr,
        out: &mut Block,
        span: proc_macro2::Span,
    ) {
        let Some(target) = self.assignable(left, out) else { return };
        match target {
            Binding::Var(var) => match op {
                None => self.lower_into(right, out, Sink::Var(var, AssignKind::Overwrite)),
                Some(op) => {
                    let value = self.lower_expr(right, out);
                    let rhs = Rhs::Prim(op, vec![Operand::Var(var), value]);
                    self.assign(out, var, rhs, AssignKind::Overwrite, span);
                }
            },
            Binding::Place(place) => {
                let value = match op {
                    None => self.lower_expr(right, out),
                    Some(op) => {
                        let value = self.lower_expr(right, out);
                        let temp = self.temp(Ty::Unknown);
                        let current = Operand::Place(Box::new(place.clone()));
                        self.assign(out, temp, Rhs::Prim(op, vec![current, value]), AssignKind::Init, span);
                        Operand::Var(temp)
                    }
                };
                out.stmts.push(Stmt::Store { place, value, span });
            }
        }
    }

    // ---- expressions ----

    /// Lowers `expr` and sends its value to `sink`. Control flow (`if`,
    /// blocks, loops, `&&`, `return`) is lowered structurally; the rest
    /// becomes one assignment whose operands were lowered first.
    fn lower_into(&mut self, expr: &Expr, out: &mut Block, sink: Sink) {
        match expr {
            Expr::Paren(paren) => self.lower_into(&paren.expr, out, sink),
            Expr::Group(group) => self.lower_into(&group.expr, out, sink),
            Expr::If(expr_if) => self.lower_if(expr_if, out, sink),
            Expr::Block(block) if block.label.is_none() => {
                self.in_scope(|this| this.lower_stmts(&block.block.stmts, out, sink));
            }
            Expr::Return(ret) => self.lower_return(ret, out),
            Expr::Binary(binary) if matches!(binary.op, BinOp::And(_) | BinOp::Or(_)) => {
                self.lower_short_circuit(binary, out, sink);
            }
            Expr::ForLoop(for_loop) => self.lower_for(for_loop, out),
            Expr::While(while_loop) => self.lower_while(while_loop, out),
            Expr::Loop(endless) => self.lower_loop(endless, out, sink),
            Expr::Break(brk) => self.lower_break(brk, out),
            Expr::Continue(cont) => self.lower_continue(cont, out),
            Expr::MethodCall(call) if loops::is_chain_terminal(call) => self.lower_chain(call, out, sink),
            _ => {
                let rhs = self.lower_rhs(expr, out);
                let span = expr.span();
                match sink {
                    Sink::Var(dst, kind) => {
                        if kind == AssignKind::Init {
                            self.adopt(dst, &rhs);
                        }
                        self.assign(out, dst, rhs, kind, span);
                    }
                    // A discarded call may still do something; pure values are dropped.
                    Sink::Discard if matches!(rhs, Rhs::Call(..) | Rhs::Method(..)) => {
                        // A dropped call result reaches nothing, and may be `()`:
                        // it is no float, whatever its arguments are.
                        let ty = if matches!(rhs, Rhs::Call(..)) { Ty::Other } else { self.rhs_ty(&rhs) };
                        let dst = self.temp(ty);
                        self.assign(out, dst, rhs, AssignKind::Init, span);
                    }
                    Sink::Discard => {}
                }
            }
        }
    }

    /// What a variable learns from its initializer: its type, and for an
    /// aggregate its element type and shape.
    fn adopt(&mut self, dst: Var, rhs: &Rhs) {
        if self.vars[dst.0].ty == Ty::Unknown {
            self.vars[dst.0].ty = self.rhs_ty(rhs);
        }
        if let Rhs::Use(Operand::Var(source)) = rhs {
            // `let z = x;` of a reference parameter is a reference too.
            self.vars[dst.0].by_ref |= self.vars[source.0].by_ref;
        }
        if let Some((elem, dims, zero)) = self.aggregate_of(rhs) {
            let info = &mut self.vars[dst.0];
            info.ty = Ty::Aggregate;
            info.elem = info.elem.or(elem);
            info.dims = info.dims.or(dims);
            if info.zero.is_none() {
                info.zero = zero;
            }
        }
    }

    /// Lowers `expr` to an operand, through a temporary if it is compound.
    fn lower_expr(&mut self, expr: &Expr, out: &mut Block) -> Operand {
        match expr {
            Expr::Paren(paren) => self.lower_expr(&paren.expr, out),
            Expr::Group(group) => self.lower_expr(&group.expr, out),
            Expr::Lit(lit) => Operand::Const(self.literal(&lit.lit)),
            Expr::Path(path) => self.path_operand(path),
            Expr::Index(_) | Expr::Field(_) => match self.place(expr, out) {
                Some(place) => place_operand(place),
                None => Operand::Const(Const { tokens: quote!(0.0), ty: Ty::Unknown }),
            },
            Expr::Unary(unary) if matches!(unary.op, UnOp::Deref(_)) && self.is_place_binding(&unary.expr) => {
                // `*v` for a `&f64` element binding is the element itself.
                self.lower_expr(&unary.expr, out)
            }
            Expr::Unary(syn::ExprUnary { op: UnOp::Neg(_), expr: inner, .. }) if matches!(&**inner, Expr::Lit(_)) => {
                // `-1.0` stays a constant.
                let Expr::Lit(lit) = &**inner else { return self.lower_expr(inner, out) };
                let constant = self.literal(&lit.lit);
                let tokens = &constant.tokens;
                Operand::Const(Const { tokens: quote!(-#tokens), ty: constant.ty })
            }
            _ => {
                let temp = self.temp(Ty::Unknown);
                self.lower_into(expr, out, Sink::Var(temp, AssignKind::Init));
                Operand::Var(temp)
            }
        }
    }

    fn is_place_binding(&self, expr: &Expr) -> bool {
        let Expr::Path(path) = expr else { return false };
        path.path.get_ident().and_then(|ident| self.lookup(ident)).is_some_and(|b| matches!(b, Binding::Place(_)))
    }

    fn literal(&mut self, lit: &Lit) -> Const {
        let ty = match lit {
            Lit::Float(float) => match float.suffix() {
                "f32" => Ty::Float(FloatTy::F32),
                "f64" => Ty::Float(FloatTy::F64),
                _ => Ty::AnyFloat,
            },
            Lit::Int(int) => match int.suffix() {
                "f32" => Ty::Float(FloatTy::F32),
                "f64" => Ty::Float(FloatTy::F64),
                _ => Ty::Other,
            },
            Lit::Bool(_) => Ty::Bool,
            _ => {
                self.cx.error_spanned_by(
                    lit,
                    "only numeric and boolean literals are supported inside #[grad] functions; #[grad] computes with numbers",
                );
                Ty::Unknown
            }
        };
        Const { tokens: lit.to_token_stream(), ty }
    }

    /// A local variable, an element binding, or a constant such as `PI` or
    /// `f64::EPSILON`.
    fn path_operand(&mut self, path: &syn::ExprPath) -> Operand {
        if let Some(qself) = &path.qself {
            // `<f64>::EPSILON` is `f64::EPSILON`.
            let Some(float) = float_qself(qself) else {
                self.cx.error_spanned_by(path, qualified_path_message());
                return Operand::Const(Const { tokens: quote!(0.0), ty: Ty::Unknown });
            };
            return Operand::Const(Const { tokens: path.to_token_stream(), ty: Ty::Float(float) });
        }
        if let Some(ident) = path.path.get_ident() {
            match self.lookup(ident) {
                Some(Binding::Var(var)) => return Operand::Var(var),
                Some(Binding::Place(place)) => return place_operand(place),
                None => {}
            }
        }
        let mentions = |word: &str| path.path.segments.iter().any(|segment| segment.ident == word);
        let ty = if mentions("f64") {
            Ty::Float(FloatTy::F64)
        } else if mentions("f32") {
            Ty::Float(FloatTy::F32)
        } else {
            Ty::Unknown
        };
        Operand::Const(Const { tokens: path.to_token_stream(), ty })
    }

    /// Lowers a leaf expression to one right-hand side.
    fn lower_rhs(&mut self, expr: &Expr, out: &mut Block) -> Rhs {
        match expr {
            Expr::Lit(_) | Expr::Path(_) | Expr::Paren(_) | Expr::Group(_) | Expr::Index(_) | Expr::Field(_) => {
                Rhs::Use(self.lower_expr(expr, out))
            }
            Expr::Binary(binary) => {
                let Some(op) = binary_op(&binary.op) else {
                    return self.unsupported(binary.op, "compound assignment is a statement; write it on its own line");
                };
                // `1.0 / x` is `x.recip()`, whose derivative −y² needs no division.
                if op == Op::Div && is_float_one(&binary.left) {
                    return Rhs::Prim(Op::Recip, vec![self.lower_expr(&binary.right, out)]);
                }
                let left = self.lower_expr(&binary.left, out);
                let right = self.lower_expr(&binary.right, out);
                Rhs::Prim(op, vec![left, right])
            }
            Expr::Unary(unary) => match unary.op {
                UnOp::Neg(_) => Rhs::Prim(Op::Neg, vec![self.lower_expr(&unary.expr, out)]),
                UnOp::Not(_) => Rhs::Prim(Op::Not, vec![self.lower_expr(&unary.expr, out)]),
                _ => self.lower_deref(unary, out),
            },
            Expr::Cast(cast) => {
                let operand = self.lower_expr(&cast.expr, out);
                match float_ty(&cast.ty) {
                    Some(float) => Rhs::Prim(Op::ToFloat(float), vec![operand]),
                    None => Rhs::Cast(operand, cast.ty.clone()),
                }
            }
            Expr::MethodCall(call) => self.lower_method(call, out),
            Expr::Call(call) => self.lower_call(call, out),
            Expr::Array(array) => {
                let items = array.elems.iter().map(|item| self.lower_expr(item, out)).collect();
                Rhs::ArrayLit(items)
            }
            Expr::Repeat(repeat) => {
                let value = self.lower_expr(&repeat.expr, out);
                Rhs::Repeat(value, repeat.len.to_token_stream())
            }
            Expr::Macro(mac) if mac.mac.path.is_ident("vec") => self.lower_vec_macro(&mac.mac, out),
            _ => self.unsupported(keyword_of(expr), unsupported_message(expr)),
        }
    }

    fn lower_method(&mut self, call: &syn::ExprMethodCall, out: &mut Block) -> Rhs {
        if loops::is_iterator(&call.receiver) {
            return self.unsupported(&call.method, loops::unsupported_iterator_method(&call.method));
        }
        if let Some(turbofish) = &call.turbofish {
            return self
                .unsupported(turbofish, "method calls with `::<..>` are not supported inside #[grad] functions");
        }
        let receiver = self.lower_expr(&call.receiver, out);
        let args: Vec<Operand> = call.args.iter().map(|arg| self.lower_expr(arg, out)).collect();
        let method = &call.method;
        let receiver_ty = self.operand_ty(&receiver);
        // A model's field (`m.coef.len()`): an aggregate the macro cannot see into.
        let model_part = matches!(&receiver, Operand::Place(place)
            if self.vars[place.var.0].ty == Ty::Aggregate && self.vars[place.var.0].dims.is_none());
        if model_part && method == "len" && args.is_empty() {
            return Rhs::Method(receiver, method.clone(), args);
        }
        if matches!(receiver_ty, Ty::Other | Ty::Bool) {
            // Integer and boolean methods carry no derivative.
            return Rhs::Method(receiver, method.clone(), args);
        }
        if receiver_ty == Ty::Aggregate || self.is_aggregate_operand(&receiver) {
            if method == "len" && args.is_empty() {
                // A parameter's length never changes: read it where it is
                // needed rather than keeping it for the reverse sweep.
                if let Operand::Var(var) = receiver {
                    let info = &self.vars[var.0];
                    if info.kind == VarKind::Param && info.by_ref {
                        let ident = &info.ident;
                        return Rhs::Use(Operand::Const(Const { tokens: quote!(#ident.len()), ty: Ty::Other }));
                    }
                }
                return Rhs::Method(receiver, method.clone(), args);
            }
            return self.unsupported(
                method,
                format!(
                    "unsupported method `{method}` on an array; #[grad] supports `.len()`, indexing, `for` loops and \
                     the iterator reductions `sum`, `product`, `fold`, `for_each` (after `iter`, `enumerate`, `zip`, \
                     `map`, `rev`, `step_by`)"
                ),
            );
        }
        if let Some(op) = symbol::float_method(method) {
            return self.prim_call(op, receiver, args, method);
        }
        if symbol::is_float_predicate(method) {
            return Rhs::Method(receiver, method.clone(), args);
        }
        let message = if receiver_ty == Ty::Unknown {
            format!("cannot tell the type of the value `{method}` is called on; bind it with a typed `let` (`let n: usize = ..`)")
        } else {
            format!(
                "unsupported method `{method}`; #[grad] differentiates these float methods: {}; \
                 for anything else, call a #[grad] function that computes it",
                symbol::supported_methods()
            )
        };
        self.unsupported(method, message)
    }

    fn prim_call(&mut self, op: Op, receiver: Operand, args: Vec<Operand>, name: &Ident) -> Rhs {
        if args.len() + 1 != op.arity() {
            let expected = op.arity() - 1;
            return self
                .unsupported(name, format!("`{name}` takes {expected} argument(s) besides the value it is called on"));
        }
        let mut operands = vec![receiver];
        operands.extend(args);
        Rhs::Prim(op, operands)
    }

    fn lower_call(&mut self, call: &syn::ExprCall, out: &mut Block) -> Rhs {
        let Expr::Path(func) = &*call.func else {
            return self.unsupported(&call.func, "#[grad] can only call functions by name or path");
        };
        if let Some(ident) = func.path.get_ident() {
            if self.lookup(ident).is_some() {
                return self.unsupported(
                    ident,
                    "calling a local variable is not supported inside #[grad] functions; call a function by name",
                );
            }
        }
        // `f64::exp(x)` (or `<f64>::exp(x)`) is the method `x.exp()` written as a path.
        let segments = &func.path.segments;
        let float_function = match &func.qself {
            None if segments.len() == 2 => match segments[0].ident.to_string().as_str() {
                "f64" => Some((FloatTy::F64, &segments[1].ident)),
                "f32" => Some((FloatTy::F32, &segments[1].ident)),
                _ => None,
            },
            None => None,
            Some(qself) => match float_qself(qself) {
                Some(float) if segments.len() == 1 => Some((float, &segments[0].ident)),
                _ => return self.unsupported(func, qualified_path_message()),
            },
        };
        if let Some((float, name)) = float_function {
            return self.lower_float_function(float, name, call, out);
        }
        let args = call.args.iter().map(|arg| self.call_arg(arg, out)).collect();
        Rhs::Call(func.clone(), args)
    }

    /// `f64::name(x, args..)`: the float method `x.name(args..)`.
    fn lower_float_function(&mut self, float: FloatTy, name: &Ident, call: &syn::ExprCall, out: &mut Block) -> Rhs {
        let mut args: Vec<Operand> = call.args.iter().map(|arg| self.lower_expr(arg, out)).collect();
        // `f64::from(x)` is the lossless `x as f64`.
        if name == "from" && args.len() == 1 {
            return Rhs::Prim(Op::ToFloat(float), args);
        }
        let Some(op) = symbol::float_method(name) else {
            let message = format!(
                "unsupported function `{}::{name}`; #[grad] differentiates these float methods: {}",
                emit::float_type(float),
                symbol::supported_methods()
            );
            return self.unsupported(name, message);
        };
        if args.is_empty() {
            return self.unsupported(name, format!("`{name}` needs the value it applies to"));
        }
        let mut receiver = args.remove(0);
        if let Operand::Const(constant) = &mut receiver {
            constant.ty = Ty::Float(float);
        }
        self.prim_call(op, receiver, args, name)
    }

    fn lower_if(&mut self, expr_if: &ExprIf, out: &mut Block, sink: Sink) {
        if let Expr::Let(expr_let) = &*expr_if.cond {
            self.unsupported(expr_let, "`if let` is not supported inside #[grad] functions; use `if` with a condition");
            return;
        }
        let cond = self.condition(&expr_if.cond, out);
        let mut then = Block::default();
        self.in_scope(|this| this.lower_stmts(&expr_if.then_branch.stmts, &mut then, sink));
        let mut els = Block::default();
        if let Some((_, else_branch)) = &expr_if.else_branch {
            self.in_scope(|this| this.lower_into(else_branch, &mut els, sink));
        }
        out.stmts.push(Stmt::If { cond, then, els, span: expr_if.if_token.span });
    }

    /// A branch condition, in a temporary of its own: the reverse sweep
    /// branches on it again, so nothing may change it after the `if`.
    fn condition(&mut self, cond: &Expr, out: &mut Block) -> Operand {
        let operand = self.lower_expr(cond, out);
        self.fixed(operand, Ty::Bool, out, cond.span())
    }

    /// `operand`, copied into a fresh temporary unless it already is one or
    /// a constant: a value the reverse sweep reads again after the statement
    /// that uses it.
    fn fixed(&mut self, operand: Operand, ty: Ty, out: &mut Block, span: proc_macro2::Span) -> Operand {
        match operand {
            Operand::Var(var) if self.vars[var.0].kind == VarKind::Temp => operand,
            // A parameter without `mut` never changes (unless it is a
            // `&mut` output, written through).
            Operand::Var(var)
                if self.vars[var.0].kind == VarKind::Param
                    && !self.vars[var.0].mutable
                    && !matches!(&self.vars[var.0].declared, Some(syn::Type::Reference(r)) if r.mutability.is_some()) =>
            {
                operand
            }
            Operand::Const(_) => operand,
            operand => {
                let temp = self.temp(ty);
                self.assign(out, temp, Rhs::Use(operand), AssignKind::Init, span);
                Operand::Var(temp)
            }
        }
    }

    /// `a && b` → `if a { b } else { false }`; `a || b` → `if a { true } else { b }`,
    /// so `b` runs only when Rust would run it.
    fn lower_short_circuit(&mut self, binary: &syn::ExprBinary, out: &mut Block, sink: Sink) {
        let is_and = matches!(binary.op, BinOp::And(_));
        let cond = self.condition(&binary.left, out);
        let constant =
            Operand::Const(Const { tokens: if is_and { quote!(false) } else { quote!(true) }, ty: Ty::Bool });
        let span = binary.span();
        let mut evaluated = Block::default();
        self.lower_into(&binary.right, &mut evaluated, sink);
        let mut fixed = Block::default();
        if let Sink::Var(dst, kind) = sink {
            if self.vars[dst.0].ty == Ty::Unknown {
                self.vars[dst.0].ty = Ty::Bool;
            }
            self.assign(&mut fixed, dst, Rhs::Use(constant), kind, span);
        }
        let (then, els) = if is_and { (evaluated, fixed) } else { (fixed, evaluated) };
        out.stmts.push(Stmt::If { cond, then, els, span });
    }

    fn lower_return(&mut self, ret: &syn::ExprReturn, out: &mut Block) {
        if let Some(closure) = self.closures.last() {
            if closure.depth == self.loops.len() {
                self.lower_closure_return(ret, out);
            } else {
                self.cx.error_spanned_by(
                    ret.return_token,
                    "`return` inside a loop inside a closure is not supported in #[grad] functions; \
                     compute the closure's value with a flag, or write the reduction as a `for` loop",
                );
            }
            return;
        }
        match (&ret.expr, self.ret) {
            (Some(value), Some(ret_var)) => self.lower_into(value, out, Sink::Var(ret_var, AssignKind::Init)),
            (None, None) => {}
            (Some(value), None) => self.lower_into(value, out, Sink::Discard),
            (None, Some(_)) => {
                self.cx.error_spanned_by(ret, "`return` needs the value of the function");
                return;
            }
        }
        let done = self.done_var();
        let truth = Operand::Const(Const { tokens: quote!(true), ty: Ty::Bool });
        self.assign(out, done, Rhs::Use(truth), AssignKind::Overwrite, ret.span());
        for ctx in &mut self.loops {
            ctx.exits_on_done = true;
        }
        self.escape(done);
    }

    // ---- types known while lowering (infer.rs completes them) ----

    fn operand_ty(&self, operand: &Operand) -> Ty {
        match operand {
            Operand::Var(var) => self.vars[var.0].ty,
            Operand::Const(constant) => constant.ty,
            Operand::Place(place) => self.place_ty(place),
        }
    }

    fn place_ty(&self, place: &Place) -> Ty {
        let info = &self.vars[place.var.0];
        let indices = place.proj.iter().filter(|p| matches!(p, crate::ir::Proj::Index(_))).count();
        match info.ty {
            Ty::Aggregate if place.proj.is_empty() => Ty::Aggregate,
            Ty::Aggregate if info.dims.is_some_and(|dims| indices < dims) => Ty::Aggregate,
            Ty::Aggregate => info.elem.map(Ty::Float).unwrap_or(Ty::AnyFloat),
            ty => ty,
        }
    }

    fn is_aggregate_operand(&self, operand: &Operand) -> bool {
        self.operand_ty(operand) == Ty::Aggregate
    }

    fn rhs_ty(&self, rhs: &Rhs) -> Ty {
        match rhs {
            Rhs::Use(operand) => self.operand_ty(operand),
            Rhs::Prim(op, args) => {
                let tys: Vec<Ty> = args.iter().map(|arg| self.operand_ty(arg)).collect();
                crate::infer::prim_ty(*op, &tys)
            }
            Rhs::Call(..) => Ty::Unknown,
            Rhs::ArrayLit(_) | Rhs::Repeat(..) | Rhs::VecRepeat(..) | Rhs::Deref(_) => Ty::Aggregate,
            Rhs::Method(receiver, method, _) => {
                if symbol::is_float_predicate(method) {
                    Ty::Bool
                } else {
                    match self.operand_ty(receiver) {
                        Ty::Bool => Ty::Bool,
                        _ => Ty::Other,
                    }
                }
            }
            Rhs::Cast(_, ty) => type_of(ty),
        }
    }
}

/// The float type `T` of a path `<T>::item`, when `T` is `f32` or `f64`
/// (not `<T as Trait>::item`).
fn float_qself(qself: &syn::QSelf) -> Option<FloatTy> {
    if qself.position == 0 {
        float_ty(&qself.ty)
    } else {
        None
    }
}

fn qualified_path_message() -> &'static str {
    "qualified paths (`<T as Trait>::f`) are not supported inside #[grad] functions; \
     write the float function as `f64::exp(x)` or `x.exp()`, or call a #[grad] function by name or path"
}

/// A float literal equal to 1 (`1.0`, `1.`, `1.0_f64`, `1f64`).
fn is_float_one(expr: &Expr) -> bool {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Float(float) => float.base10_parse::<f64>().is_ok_and(|v| v == 1.0),
            Lit::Int(int) => matches!(int.suffix(), "f32" | "f64") && int.base10_digits() == "1",
            _ => false,
        },
        Expr::Paren(paren) => is_float_one(&paren.expr),
        Expr::Group(group) => is_float_one(&group.expr),
        _ => false,
    }
}

fn place_operand(place: Place) -> Operand {
    if place.proj.is_empty() {
        Operand::Var(place.var)
    } else {
        Operand::Place(Box::new(place))
    }
}

fn is_bool(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(path) if path.path.is_ident("bool"))
}

/// What a type written by the user says of a value: an alias the macro
/// cannot see through says nothing (the value's own type decides).
pub(crate) fn type_of(ty: &syn::Type) -> Ty {
    match float_ty(ty) {
        Some(float) => Ty::Float(float),
        None if is_bool(ty) => Ty::Bool,
        None if matches!(ty, syn::Type::Infer(_)) || crate::signature::is_opaque(ty) => Ty::Unknown,
        None if crate::signature::array_elem(ty).is_some() => Ty::Aggregate,
        None => Ty::Other,
    }
}

/// The element float type and depth of an array type written by the user.
fn constant_aggregate(ty: &syn::Type) -> Option<(FloatTy, usize)> {
    let target = match ty {
        syn::Type::Reference(reference) => &*reference.elem,
        ty => ty,
    };
    crate::signature::array_elem(target).map(|float| (float, array_dims(target)))
}

/// How many indices reach a float in `[[f64; N]; M]`, `Vec<[f64; N]>`, ...
fn array_dims(ty: &syn::Type) -> usize {
    match ty {
        syn::Type::Slice(slice) => 1 + array_dims(&slice.elem),
        syn::Type::Array(array) => 1 + array_dims(&array.elem),
        syn::Type::Paren(paren) => array_dims(&paren.elem),
        syn::Type::Path(path) => match path.path.segments.last() {
            Some(last) if last.ident == "Vec" => match &last.arguments {
                syn::PathArguments::AngleBracketed(args) => match args.args.first() {
                    Some(syn::GenericArgument::Type(elem)) => 1 + array_dims(elem),
                    _ => 1,
                },
                _ => 1,
            },
            _ => 0,
        },
        _ => 0,
    }
}

fn binary_op(op: &BinOp) -> Option<Op> {
    Some(match op {
        BinOp::Add(_) => Op::Add,
        BinOp::Sub(_) => Op::Sub,
        BinOp::Mul(_) => Op::Mul,
        BinOp::Div(_) => Op::Div,
        BinOp::Rem(_) => Op::Rem,
        BinOp::Eq(_) => Op::Eq,
        BinOp::Ne(_) => Op::Ne,
        BinOp::Lt(_) => Op::Lt,
        BinOp::Le(_) => Op::Le,
        BinOp::Gt(_) => Op::Gt,
        BinOp::Ge(_) => Op::Ge,
        BinOp::BitAnd(_) => Op::BitAnd,
        BinOp::BitOr(_) => Op::BitOr,
        BinOp::BitXor(_) => Op::BitXor,
        BinOp::Shl(_) => Op::Shl,
        BinOp::Shr(_) => Op::Shr,
        _ => return None,
    })
}

fn compound_op(op: &BinOp) -> Option<Op> {
    Some(match op {
        BinOp::AddAssign(_) => Op::Add,
        BinOp::SubAssign(_) => Op::Sub,
        BinOp::MulAssign(_) => Op::Mul,
        BinOp::DivAssign(_) => Op::Div,
        BinOp::RemAssign(_) => Op::Rem,
        BinOp::BitAndAssign(_) => Op::BitAnd,
        BinOp::BitOrAssign(_) => Op::BitOr,
        BinOp::BitXorAssign(_) => Op::BitXor,
        BinOp::ShlAssign(_) => Op::Shl,
        BinOp::ShrAssign(_) => Op::Shr,
        _ => return None,
    })
}

fn macro_message(mac: &syn::Macro) -> String {
    let name = mac.path.segments.last().map(|segment| segment.ident.to_string()).unwrap_or_default();
    format!("macro `{name}!` is not supported inside #[grad] functions; move it out of the differentiated function, or call a function instead")
}

/// What to say about an expression outside the subset: the construct and the way out.
fn unsupported_message(expr: &Expr) -> String {
    let (what, way_out) = match expr {
        Expr::Closure(_) => (
            "closures are",
            "write the computation inline, as a separate #[grad] function, or inside an iterator reduction \
             (`.map(|v| ..).sum()`, `.fold(..)`, `.for_each(..)`)",
        ),
        Expr::Unsafe(_) => ("`unsafe` blocks are", "move the unsafe code out of the differentiated function"),
        Expr::Macro(mac) => return macro_message(&mac.mac),
        Expr::Match(_) => ("`match` is", "use `if` / `else if`"),
        Expr::Tuple(_) => ("tuples are", "use separate variables"),
        Expr::Struct(_) => ("struct literals are", "use separate variables"),
        Expr::Reference(_) => ("references are", "pass references only as call arguments or loop sources"),
        Expr::Range(_) => ("ranges are", "use ranges as `for` loop sources or slice arguments"),
        Expr::Try(_) => ("the `?` operator is", "differentiate a function that returns a float"),
        Expr::Async(_) | Expr::Await(_) => ("`async` and `.await` are", "differentiate a synchronous function"),
        Expr::Let(_) => ("`let` expressions are", "use `if` with a condition"),
        Expr::Assign(_) => ("assignments as values are", "write the assignment as a statement"),
        Expr::Block(_) => ("labeled blocks are", "remove the label"),
        _ => ("this expression is", "see the supported subset in the autodiff documentation"),
    };
    format!("{what} not supported inside #[grad] functions; {way_out}")
}

/// The tokens an error about `expr` points at: its keyword where it has one.
fn keyword_of(expr: &Expr) -> TokenStream {
    match expr {
        Expr::Match(e) => e.match_token.to_token_stream(),
        Expr::Unsafe(e) => e.unsafe_token.to_token_stream(),
        Expr::Async(e) => e.async_token.to_token_stream(),
        Expr::Closure(e) => {
            let (bar, end) = (&e.or1_token, &e.or2_token);
            quote!(#bar #end)
        }
        _ => expr.to_token_stream(),
    }
}

/// Whether `expr` contains a `return` (not counting nested items).
fn contains_return(expr: &Expr) -> bool {
    struct Find(bool);
    impl<'ast> syn::visit::Visit<'ast> for Find {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.0 = true;
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut find = Find(false);
    syn::visit::Visit::visit_expr(&mut find, expr);
    find.0
}

/// Whether any statement reads `var`.
fn reads(block: &Block, var: Var) -> bool {
    let mut found = false;
    crate::ir::walk(block, 0, &mut |stmt, _| match stmt {
        Stmt::Assign { rhs, .. } => found |= rhs.reads().contains(&var),
        Stmt::Store { place, value, .. } => {
            found |= value.reads().contains(&var) || place.index_vars().any(|v| v == var)
        }
        Stmt::If { cond, .. } => found |= cond.var() == Some(var),
        Stmt::Loop(lp) => found |= lp.exits.contains(&var),
    });
    found
}

/// Whether any statement assigns `var`.
fn writes(block: &Block, var: Var) -> bool {
    let mut found = false;
    crate::ir::walk(block, 0, &mut |stmt, _| {
        if let Stmt::Assign { dst, .. } = stmt {
            found |= *dst == var;
        }
    });
    found
}

/// Removes the assignments to a variable nobody reads.
fn strip_writes(block: &mut Block, var: Var) {
    block.stmts.retain(|stmt| !matches!(stmt, Stmt::Assign { dst, .. } if *dst == var));
    for stmt in &mut block.stmts {
        match stmt {
            Stmt::If { then, els, .. } => {
                strip_writes(then, var);
                strip_writes(els, var);
            }
            Stmt::Loop(lp) => {
                lp.exits.retain(|exit| *exit != var);
                strip_writes(&mut lp.body, var);
            }
            Stmt::Assign { .. } | Stmt::Store { .. } => {}
        }
    }
}
#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use syn::ItemFn;

    /// Lowers `item` (after inference) and prints its IR, or the errors.
    pub fn lowered(item: ItemFn) -> Result<(Body, Namer), String> {
        let args = crate::attr::parse(TokenStream::new()).map_err(|e| e.to_string())?;
        let cx = Ctxt::new();
        let sig = crate::signature::check(&item, &args, &cx);
        let mut namer = Namer::new(&item);
        let body = sig.map(|sig| {
            let mut body = lower(&sig, &mut namer, &cx);
            crate::infer::infer(&mut body, sig.float());
            body
        });
        cx.check().map_err(|e| e.into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))?;
        body.map(|body| (body, namer)).ok_or_else(|| "no signature".to_owned())
    }

    fn ir(item: ItemFn) -> String {
        lowered(item).map(|(body, _)| body.to_string()).unwrap_or_else(|e| e)
    }

    #[test]
    fn nested_expressions_become_temporaries() {
        let got = ir(syn::parse_quote! {
            fn f(a: f64, b: f64, c: f64) -> f64 {
                let u = a + b * c;
                3.0 * u.sin()
            }
        });
        let want = "\
fn(a: f64, b: f64, c: f64) -> __ret: f64
    __t1: f64 = mul(b, c)
    u: f64 = add(a, __t1)
    __t2: f64 = sin(u)
    __ret: f64 = mul(3.0, __t2)
";
        assert_eq!(got, want);
    }

    #[test]
    fn early_return_guards_the_rest() {
        let got = ir(syn::parse_quote! {
            fn f(x: f64) -> f64 {
                if x > 0.0 {
                    return x;
                }
                -x
            }
        });
        let want = "\
fn(x: f64) -> __ret: f64
    __t1: bool = gt(x, 0.0)
    if __t1 {
        __ret: f64 = x
        __done: bool := true
    }
    __t2: bool = not(__done)
    if __t2 {
        __ret: f64 = neg(x)
    }
";
        assert_eq!(got, want);
    }

    #[test]
    fn shadowing_renames_and_reassignment_overwrites() {
        let got = ir(syn::parse_quote! {
            fn f(x: f64, n: i32) -> f64 {
                let mut s = 0.0;
                s += x;
                let x = x * 2.0;
                let k = n * 2;
                s * x.powi(k)
            }
        });
        let want = "\
fn(x: f64, n: other) -> __ret: f64
    s: f64 = 0.0
    s: f64 := add(s, x)
    x_1: f64 = mul(x, 2.0)
    k: other = mul(n, 2)
    __t1: f64 = powi(x_1, k)
    __ret: f64 = mul(s, __t1)
";
        assert_eq!(got, want);
    }

    #[test]
    fn short_circuit_evaluates_the_right_side_only_when_rust_would() {
        let got = ir(syn::parse_quote! {
            fn f(x: f64, y: f64) -> f64 {
                if x > 0.0 && y > 0.0 { x } else { y }
            }
        });
        let want = "\
fn(x: f64, y: f64) -> __ret: f64
    __t2: bool = gt(x, 0.0)
    if __t2 {
        __t1: bool = gt(y, 0.0)
    } else {
        __t1: bool = false
    }
    if __t1 {
        __ret: f64 = x
    } else {
        __ret: f64 = y
    }
";
        assert_eq!(got, want);
    }

    #[test]
    fn paths_and_methods_lower_to_the_same_op() {
        let got = ir(syn::parse_quote! {
            fn f(x: f64) -> f64 {
                f64::powf(2.0, x) + x.powf(2.0) + std::f64::consts::PI
            }
        });
        assert!(got.contains("powf(2.0, x)"), "{got}");
        assert!(got.contains("powf(x, 2.0)"), "{got}");
        assert!(got.contains("std :: f64 :: consts :: PI"), "{got}");
    }

    #[test]
    fn unsupported_constructs_are_all_reported() {
        let errors = ir(syn::parse_quote! {
            fn f(x: f64) -> f64 {
                let c = |v: f64| v;
                println!("{}", x);
                let (a, b) = (x, x);
                match x { _ => x }
            }
        });
        assert!(errors.contains("closures are not supported"), "{errors}");
        assert!(errors.contains("macro `println!`"), "{errors}");
        assert!(errors.contains("unsupported pattern in `let`"), "{errors}");
        assert!(errors.contains("`match` is not supported"), "{errors}");
    }

    #[test]
    fn return_in_a_closure_gives_the_element_value() {
        let got = ir(syn::parse_quote! {
            fn f(x: &[f64]) -> f64 {
                x.iter().map(|v| { if *v > 0.0 { return 1.0; } v * v }).sum::<f64>()
            }
        });
        // The closure's `return` sets its value and a per-pass flag that
        // guards the rest of its body; the sum still adds every element.
        assert!(got.contains("__returned: bool = false"), "{got}");
        assert!(got.contains("__returned: bool := true"), "{got}");
        assert!(!got.contains("__done"), "{got}");
        assert!(got.contains("__ret: f64 := add(__ret, __t"), "{got}");
    }

    #[test]
    fn return_in_a_loop_in_a_closure_is_refused() {
        let errors = ir(syn::parse_quote! {
            fn f(x: &[f64]) -> f64 {
                x.iter().map(|v| { for i in 0..2 { if *v > 0.0 { return 1.0; } } v * v }).sum::<f64>()
            }
        });
        assert!(errors.contains("`return` inside a loop inside a closure"), "{errors}");
    }

    #[test]
    fn unknown_methods_name_the_supported_ones() {
        let errors = ir(syn::parse_quote! {
            fn f(x: f64) -> f64 { x.frobnicate() }
        });
        assert!(errors.contains("unsupported method `frobnicate`"), "{errors}");
        assert!(errors.contains("exp, exp2"), "{errors}");
    }
    #[test]
    fn a_loop_index_is_not_assignable() {
        for item in [
            syn::parse_quote! { fn f(x: f64) -> f64 { for i in 0..2 { i = 1; } x } },
            syn::parse_quote! { fn f(x: &[f64]) -> f64 { for i in 0..2 { i[i] = x[i]; } x[0] } },
        ] {
            let error = lowered(item).err().unwrap_or_default();
            assert!(error.contains("a loop's index cannot be assigned"), "{error}");
        }
        // A `mut` index is a copy the body may change.
        assert!(lowered(syn::parse_quote! { fn f(x: f64) -> f64 { for mut i in 0..2 { i += 1; } x } }).is_ok());
    }
}
