//! Forward mode: IR → IR. Each active statement gets a tangent statement
//! beside it, computing the derivative of its value along the direction the
//! tangents of the inputs give; control flow is kept as it is. The result is
//! an ordinary body (tangents are ordinary variables), printed by the
//! primal replay (`reverse::replay`) and, for second order, differentiated
//! again by the reverse sweep.
//!
//! Before (IR of `f(x, y) = x * y + x.sin()`):
//! ```text
//! __t1 = mul(x, y)
//! __t2 = sin(x)
//! __ret = add(__t1, __t2)
//! ```
//! After (`dx`, `dy` the tangents of the parameters):
//! ```text
//! __t1 = mul(x, y)
//! __t3 = mul(y, dx)
//! __t4 = mul(x, dy)
//! __dot_t1 = add(__t3, __t4)
//! __t2 = sin(x)
//! __t5 = cos(x)
//! __dot_t2 = mul(__t5, dx)
//! __ret = add(__t1, __t2)
//! __dot_ret = add(__dot_t1, __dot_t2)
//! ```
//! A tangent follows its primal statement, except where that statement
//! overwrites an operand (`s = s * x`): then the tangent comes first, so
//! that the old value needs no copy (or, when the rule reads the result
//! too, the new value goes to a temporary first). A product whose two
//! product-rule terms are one number, `x * x` or `(c * x) * x` with `c`
//! constant, has the tangent `2·(p·ẋ)` from one product. Where a rule can be
//! infinite or NaN at finite operands (`rules::can_blow_up`), a zero tangent
//! contributes zero, as a zero adjoint does in reverse mode.

use proc_macro2::{Literal, Span, TokenStream};
use quote::quote_spanned;
use syn::Ident;

use crate::constant_fields::is_within;
use crate::ir::{
    Arg, AssignKind, Block, Body, Const, FloatTy, LoopId, Op, Operand, Place, Proj, Rhs, Stmt, Ty, Var, VarInfo,
    VarKind, Zero,
};
use crate::naming::{self, Namer};
use crate::rules::{self, Bin, Cond, MathConst, D};

/// The tangent body of `body`: the primal statements with the tangent
/// statements of its `active` variables beside them. `tangents` names the
/// tangent of each differentiated parameter (a parameter of `NAME_jvp`).
/// Returns the body and the tangent of each variable of `body`.
pub fn forward(
    body: &Body,
    active: &[bool],
    tangents: &[(Var, Ident)],
    calls: Calls,
    namer: &mut Namer,
) -> (Body, Vec<Option<Var>>) {
    let mut pass = Forward {
        vars: body.vars.clone(),
        constant_fields: &body.constant_fields,
        float_tables: &body.float_tables,
        tangent: vec![None; body.vars.len()],
        loops: Vec::new(),
        calls,
        namer,
        scaled: Vec::new(),
        tangent_unbounded: crate::finite::tangents_unbounded(body),
    };
    let mut params = body.params.clone();
    for (var, ident) in tangents {
        let tangent = pass.tangent_var(*var, Some(ident.clone()));
        params.push(tangent);
    }
    // A scalar parameter outside `wrt(..)` that the body sets from
    // differentiated values has a tangent of its own, zero on entry.
    let mut entry = Block::default();
    for (i, &is_active) in active.iter().enumerate() {
        if is_active && pass.tangent[i].is_none() {
            let tangent = pass.tangent_var(Var(i), None);
            if body.vars[i].kind == VarKind::Param {
                let float = pass.float_of(Var(i));
                entry.stmts.push(init(
                    tangent,
                    Rhs::Use(zero(float, body.vars[i].ident.span())),
                    body.vars[i].ident.span(),
                ));
            }
        }
    }
    let mut block = pass.block(&body.block);
    entry.stmts.append(&mut block.stmts);
    let block = entry;
    let tangent = pass.tangent.clone();
    let out = Body {
        vars: pass.vars,
        params,
        block,
        ret: body.ret,
        items: body.items.clone(),
        structs: body.structs.clone(),
        constant_fields: body.constant_fields.clone(),
        float_tables: body.float_tables.clone(),
    };
    (out, tangent)
}

/// How a differentiated call `y = f(x)` becomes its tangent.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Calls {
    /// `(y, ẏ) = f::jvp(x, ẋ)`: one call (`NAME_jvp`).
    Jvp,
    /// `y = f(x); ẏ = f::tangent(x, ẋ)`: two calls, each a function of one
    /// result, so that the reverse sweep can differentiate both
    /// (`NAME_hvp`).
    Split,
}

struct Forward<'a> {
    /// The variables of the new body: those of the primal, then tangents
    /// and temporaries.
    vars: Vec<VarInfo>,
    /// The model fields that hold no float (`Body::constant_fields`).
    constant_fields: &'a [Place],
    /// The tables taken for tables of floats (`Body::float_tables`).
    float_tables: &'a [Var],
    /// The tangent of each primal variable, if it is active.
    tangent: Vec<Option<Var>>,
    /// The loops around the statement being transformed.
    loops: Vec<LoopId>,
    calls: Calls,
    namer: &'a mut Namer,
    /// `(p, q)` for each `p = u * q` of the straight-line code just
    /// transformed, `u` without a tangent (so `ṗ = u·q̇`), neither `p` nor
    /// `q` assigned since: `p·q` then has the tangent `2·(p·q̇)`
    /// (`100 * a * a`, whose two product-rule terms are the same number).
    scaled: Vec<(Var, Var)>,
    /// For `NAME_jvp`, the primal variables whose tangents may be infinite
    /// (`finite::tangents_unbounded`): a partial that is 0 zeroes their
    /// term (`zero_partial_guard`). Empty for a tangent body the reverse
    /// sweep differentiates, whose value no one reads where it is NaN.
    tangent_unbounded: Vec<bool>,
}

impl Forward<'_> {
    /// A tangent for `var`: of the same type and shape, living where it lives.
    fn tangent_var(&mut self, var: Var, name: Option<Ident>) -> Var {
        let primal = &self.vars[var.0];
        let given = name.is_some();
        let ident = name.unwrap_or_else(|| self.namer.fresh(&naming::derived_base("__dot_", &primal.ident)));
        // A parameter's given tangent is a parameter too.
        let kind = if primal.kind == VarKind::Param && given { VarKind::Param } else { VarKind::Tangent(var) };
        let info = VarInfo { ident, kind, mutable: true, ..primal.clone() };
        self.vars.push(info);
        let tangent = Var(self.vars.len() - 1);
        self.tangent[var.0] = Some(tangent);
        tangent
    }

    fn temp(&mut self, ty: Ty) -> Var {
        let ident = self.namer.temp();
        self.vars.push(VarInfo {
            ident,
            ty,
            declared: None,
            kind: VarKind::Temp,
            mutable: false,
            elem: None,
            dims: None,
            zero: None,
            by_ref: false,
            scope: self.loops.clone(),
        });
        Var(self.vars.len() - 1)
    }

    fn float_of(&self, var: Var) -> FloatTy {
        match self.vars[var.0].ty {
            Ty::Float(float) => float,
            _ => self.vars[var.0].elem.unwrap_or(FloatTy::F64),
        }
    }

    /// The tangent of an operand: `dx`, `__dot_w[i]`; `None` for a constant
    /// or an inactive value.
    fn tangent_of(&self, operand: &Operand) -> Option<Operand> {
        match operand {
            Operand::Var(var) => self.tangent[var.0].map(Operand::Var),
            Operand::Place(place) if self.constant_fields.iter().any(|field| is_within(field, place)) => None,
            Operand::Place(place) => self.tangent[place.var.0]
                .map(|tangent| Operand::Place(Box::new(Place { var: tangent, proj: place.proj.clone() }))),
            Operand::Const(_) => None,
        }
    }

    fn block(&mut self, block: &Block) -> Block {
        let mut out = Block::default();
        for stmt in &block.stmts {
            self.stmt(stmt, &mut out);
        }
        out
    }

    fn stmt(&mut self, stmt: &Stmt, out: &mut Block) {
        match stmt {
            Stmt::Assign { dst, rhs, .. } => {
                // What a statement assigns is no longer what `scaled` saw.
                let written: Vec<Var> = std::iter::once(*dst).chain(rhs.outputs()).collect();
                self.scaled.retain(|(p, q)| !written.contains(p) && !written.contains(q));
            }
            // A branch or a loop may assign anything: start afresh inside and after it.
            Stmt::If { .. } | Stmt::Loop(_) => self.scaled.clear(),
            Stmt::Store { .. } => {}
        }
        self.transform(stmt, out);
        match stmt {
            Stmt::Assign { dst, rhs: Rhs::Prim(Op::Mul, args), .. } => {
                if let Some(q) = self.scaling_of(*dst, args) {
                    self.scaled.push((*dst, q));
                }
            }
            Stmt::If { .. } | Stmt::Loop(_) => self.scaled.clear(),
            _ => {}
        }
    }

    /// `q` if `p = mul(args)` is `u * q` or `q * u` with `u` constant
    /// (no tangent) and `q` another variable, with a tangent.
    fn scaling_of(&self, p: Var, args: &[Operand]) -> Option<Var> {
        let [a, b] = args else { return None };
        let q = match (self.tangent_of(a), self.tangent_of(b)) {
            (None, Some(_)) => plain_var(b)?,
            (Some(_), None) => plain_var(a)?,
            _ => return None,
        };
        (q != p && self.tangent[p.0].is_some()).then_some(q)
    }

    /// For `p · q` whose two product-rule terms `q·ṗ` and `p·q̇` are the
    /// same number, `x · x` or `(u·x) · x`: the operand `p` of `p·q̇`.
    fn doubled_product(&self, args: &[Operand]) -> Option<(Operand, Operand)> {
        let [a, b] = args else { return None };
        let (a_var, b_var) = (plain_var(a)?, plain_var(b)?);
        let tangent = |var: Var| self.tangent[var.0].map(Operand::Var);
        if a_var == b_var {
            return Some((a.clone(), tangent(a_var)?));
        }
        if self.scaled.contains(&(a_var, b_var)) {
            return Some((a.clone(), tangent(b_var)?));
        }
        if self.scaled.contains(&(b_var, a_var)) {
            return Some((b.clone(), tangent(a_var)?));
        }
        None
    }

    fn transform(&mut self, stmt: &Stmt, out: &mut Block) {
        match stmt {
            // The call after a marker writes its output and the tangent.
            Stmt::Assign { rhs, .. } if rhs.is_output_marker() => {}
            Stmt::Assign { dst, rhs, kind, span, .. } => match self.tangent[dst.0] {
                Some(tangent) => self.assign(*dst, tangent, rhs, *kind, *span, out),
                // `step(x, &mut h, &mut c)` with a constant `h` still writes
                // the tangent of `c` (`jvp` takes no tangent of the result).
                None if self.writes_a_tangent(rhs) => {
                    let Rhs::Call(path, args) = rhs else { return };
                    self.call(*dst, *dst, path, args, *kind, *span, out);
                }
                None => {
                    out.stmts.push(stmt.clone());
                    self.grow_tangent(rhs, *span, out);
                }
            },
            Stmt::Store { place, value, span, .. } => {
                out.stmts.push(stmt.clone());
                if let Some(tangent) = self.tangent[place.var.0] {
                    let float = self.float_of(place.var);
                    let value = self.tangent_of(value).unwrap_or_else(|| zero(float, *span));
                    let place = Place { var: tangent, proj: place.proj.clone() };
                    out.stmts.push(Stmt::Store { place, value, span: *span });
                }
            }
            Stmt::If { cond, then, els, span } => {
                // (What one arm's products saw is not so on the other's path.)
                let then = self.block(then);
                self.scaled.clear();
                let els = self.block(els);
                out.stmts.push(Stmt::If { cond: cond.clone(), then, els, span: *span });
            }
            Stmt::Loop(lp) => {
                self.loops.push(lp.id);
                let body = self.block(&lp.body);
                self.loops.pop();
                out.stmts.push(Stmt::Loop(crate::ir::Loop { body, ..lp.clone() }));
            }
        }
    }

    /// Whether a call writes an output with a tangent (`jvp`, not `tangent`
    /// of second order: `hvp` refuses calls of two outputs).
    fn writes_a_tangent(&self, rhs: &Rhs) -> bool {
        self.calls != Calls::Split && rhs.outputs().into_iter().any(|output| self.tangent[output.0].is_some())
    }

    /// A vector grown for a `push` (`v.push(0.0)`, `v.reserve(n)`, see
    /// `lower/vectors.rs`) grows its tangent alike, so that the tangent has
    /// the element the next store writes.
    fn grow_tangent(&mut self, rhs: &Rhs, span: Span, out: &mut Block) {
        let Rhs::Method(Operand::Var(vector), method, args) = rhs else { return };
        let Some(tangent) = self.tangent[vector.0].filter(|_| crate::lower::is_growth(method)) else { return };
        let done = self.temp(Ty::Other);
        let rhs = Rhs::Method(Operand::Var(tangent), method.clone(), args.clone());
        out.stmts.push(Stmt::Assign { dst: done, rhs, kind: AssignKind::Init, span });
    }

    /// `dst = rhs` and its tangent `tangent = ∂rhs`.
    fn assign(&mut self, dst: Var, tangent: Var, rhs: &Rhs, kind: AssignKind, span: Span, out: &mut Block) {
        let primal = Stmt::Assign { dst, rhs: rhs.clone(), kind, span };
        // A call of constants needs no derivative (nor a `#[grad]` callee).
        let differentiated_call = matches!(rhs, Rhs::Call(_, args)
            if args.iter().filter_map(Arg::var).any(|var| self.tangent[var.0].is_some()));
        match rhs {
            Rhs::Prim(op, args) => self.prim(dst, tangent, *op, args, kind, span, out),
            Rhs::Call(path, args) if differentiated_call => self.call(dst, tangent, path, args, kind, span, out),
            _ => {
                let tangent_rhs = self.structural(dst, rhs, span);
                // The tangent of a whole vector's zero takes its length from the primal.
                out.stmts.push(primal);
                out.stmts.push(Stmt::Assign { dst: tangent, rhs: tangent_rhs, kind, span });
            }
        }
    }

    /// The tangent of a structural right-hand side (`rules::tangent_form`),
    /// or the zero of the destination's shape when no operand is active.
    fn structural(&mut self, dst: Var, rhs: &Rhs, span: Span) -> Rhs {
        let float = self.float_of(dst);
        let tangent_form =
            rules::tangent_form(rhs, &|operand| self.tangent_of(operand), &|operand| self.zero_like(operand, span));
        if let Some(form) = tangent_form {
            return form;
        }
        let info = &self.vars[dst.0];
        match (&info.zero, info.ty) {
            (_, ty) if ty.is_float() => Rhs::Use(zero(float, span)),
            (Some(shape), _) => {
                let like = info.ident.clone();
                let tokens = crate::emit::zero(shape, &quote::quote!(#like));
                Rhs::Use(Operand::Const(Const { tokens, ty: Ty::Aggregate }))
            }
            // `refusals::check_forward` refused an aggregate of unknown shape here.
            (None, _) => Rhs::Use(zero(float, span)),
        }
    }

    /// `y = op(x..)`: `ẏ = Σ ∂y/∂xi · ẋi` from the rule table.
    #[allow(clippy::too_many_arguments)]
    fn prim(
        &mut self,
        dst: Var,
        tangent: Var,
        op: Op,
        args: &[Operand],
        kind: AssignKind,
        span: Span,
        out: &mut Block,
    ) {
        let partials = rules::partials(op);
        let reads_out = partials.iter().flatten().any(D::reads_out);
        let overwrites_operand = args.iter().any(|arg| arg.reads().contains(&dst));
        let float = self.float_of(dst);
        let primal = |dst: Var, kind: AssignKind| Stmt::Assign { dst, rhs: Rhs::Prim(op, args.to_vec()), kind, span };
        // The primal statement comes first unless it replaces an operand the
        // tangent reads: its reads of `x[i]` then come before the tangent's
        // of `ẋ[i]`, and the bounds checks LLVM removes for `x` cover `ẋ`
        // (which has `x`'s length) too. A rule that reads the result needs
        // it first anyway; an overwrite (`s = s * x`) whose rule does not
        // has its tangent first, so the old value needs no copy.
        let (result, after) = if !overwrites_operand {
            out.stmts.push(primal(dst, kind));
            (Operand::Var(dst), None)
        } else if !reads_out {
            (Operand::Var(dst), Some(primal(dst, kind)))
        } else {
            // The rule reads both the old operand and the new result.
            let value = self.temp(self.vars[dst.0].ty);
            out.stmts.push(primal(value, AssignKind::Init));
            let put = Stmt::Assign { dst, rhs: Rhs::Use(Operand::Var(value)), kind, span };
            (Operand::Var(value), Some(put))
        };
        let unbounded =
            |this: &Self, arg: &Operand| arg.reads().iter().any(|var| this.tangent_unbounded.get(var.0) == Some(&true));
        if op == Op::Mul && !args.iter().any(|arg| unbounded(self, arg)) {
            if let Some((p, q_dot)) = self.doubled_product(args) {
                // `2·(p·q̇)`: one product instead of two, and `u·q̇` not needed.
                let term = self.op(Op::Mul, vec![p, q_dot], Ty::Float(float), span, out);
                let sum = self.op(Op::Add, vec![term.clone(), term], Ty::Float(float), span, out);
                self.assign_into(tangent, sum, kind, span, out);
                out.stmts.extend(after);
                return;
            }
        }
        let mut terms = Vec::new();
        for (i, partial) in partials.iter().enumerate() {
            let (Some(partial), Some(dx)) = (partial, self.tangent_of(&args[i])) else { continue };
            let unbounded_dx = unbounded(self, &args[i]);
            let term = if let Op::ToFloat(target) = op {
                // `x as f32`: the tangent changes type with the value.
                self.op(Op::ToFloat(target), vec![dx], Ty::Float(target), span, out)
            } else if unbounded_dx && partial.may_vanish() {
                self.zero_partial_guard(partial, args, &result, &dx, rules::can_blow_up(op), float, span, out)
            } else if rules::can_blow_up(op) {
                self.guarded_term(partial, args, &result, &dx, float, span, out)
            } else {
                self.term(partial, args, &result, dx, float, span, out)
            };
            terms.push(term);
        }
        let sum = self.sum(terms, float, span, out);
        self.assign_into(tangent, sum, kind, span, out);
        out.stmts.extend(after);
    }

    /// `tangent = value`: the statement that computed `value` into a
    /// temporary of its own writes `tangent` instead (`ṡ := add(ṡ, ė)`, not
    /// `t = add(ṡ, ė); ṡ := t`).
    fn assign_into(&mut self, tangent: Var, value: Operand, kind: AssignKind, span: Span, out: &mut Block) {
        if let (Operand::Var(temp), Some(Stmt::Assign { dst, kind: last_kind, .. })) = (&value, out.stmts.last_mut()) {
            if dst == temp && self.vars[temp.0].kind == VarKind::Temp && *last_kind == AssignKind::Init {
                *dst = tangent;
                *last_kind = kind;
                return;
            }
        }
        out.stmts.push(Stmt::Assign { dst: tangent, rhs: Rhs::Use(value), kind, span });
    }

    /// `∂ · ẋ`, written without the product when `∂` is ±1 or 0. A partial
    /// that selects (`max`, `abs`, `clamp`) selects the term: the operand
    /// not chosen contributes exactly 0, even where its tangent is NaN
    /// (`x.max(y.sqrt())` at `y < 0`).
    #[allow(clippy::too_many_arguments)]
    fn term(
        &mut self,
        partial: &D,
        args: &[Operand],
        result: &Operand,
        dx: Operand,
        float: FloatTy,
        span: Span,
        out: &mut Block,
    ) -> Operand {
        match partial {
            D::Lit(one) if *one == 1.0 => dx,
            D::Lit(zero_partial) if *zero_partial == 0.0 => zero(float, span),
            D::Neg(inner) if **inner == D::Lit(1.0) => self.op(Op::Neg, vec![dx], Ty::Float(float), span, out),
            D::Select(cond, then, els) => {
                let Cond::Cmp(cmp, left, right) = &**cond;
                let left = self.lower_d(left, args, result, float, span, out);
                let right = self.lower_d(right, args, result, float, span, out);
                let holds = self.op(cmp.op(), vec![left, right], Ty::Bool, span, out);
                let chosen = self.temp(Ty::Float(float));
                let arm = |this: &mut Self, d: &D| {
                    let mut block = Block::default();
                    let value = this.term(d, args, result, dx.clone(), float, span, &mut block);
                    block.stmts.push(init(chosen, Rhs::Use(value), span));
                    block
                };
                let (then, els) = (arm(self, then), arm(self, els));
                out.stmts.push(Stmt::If { cond: holds, then, els, span });
                Operand::Var(chosen)
            }
            _ => {
                let d = self.lower_d(partial, args, result, float, span, out);
                self.op(Op::Mul, vec![d, dx], Ty::Float(float), span, out)
            }
        }
    }

    /// `if ẋ != 0 { ∂ · ẋ } else { 0 }`: a partial that can be infinite
    /// must not turn a zero tangent into NaN.
    ///
    /// A tangent body the reverse sweep differentiates (`Calls::Split`,
    /// `NAME_hvp`) tests the partial instead: `if ∂ is finite || ẋ != 0`.
    /// Branching on `ẋ` alone, the reverse sweep of a pass where `ẋ` is
    /// exactly 0 (a unit direction, a product with a zero factor) took the
    /// arm `0` and dropped `∂` from the adjoint of `ẋ`: a wrong `H·v`.
    #[allow(clippy::too_many_arguments)]
    fn guarded_term(
        &mut self,
        partial: &D,
        args: &[Operand],
        result: &Operand,
        dx: &Operand,
        float: FloatTy,
        span: Span,
        out: &mut Block,
    ) -> Operand {
        let mut moves = self.op(Op::Ne, vec![dx.clone(), zero(float, span)], Ty::Bool, span, out);
        let term = self.temp(Ty::Float(float));
        let mut then = Block::default();
        let value = if self.calls == Calls::Split {
            // (In a typed temporary: a literal's `is_finite` has no type to call.)
            let value = self.lower_d(partial, args, result, float, span, out);
            let typed = self.temp(Ty::Float(float));
            out.stmts.push(init(typed, Rhs::Use(value), span));
            let finite = self.temp(Ty::Bool);
            let is_finite = Ident::new("is_finite", span);
            out.stmts.push(init(finite, Rhs::Method(Operand::Var(typed), is_finite, Vec::new()), span));
            moves = self.op(Op::BitOr, vec![Operand::Var(finite), moves], Ty::Bool, span, out);
            self.op(Op::Mul, vec![Operand::Var(typed), dx.clone()], Ty::Float(float), span, &mut then)
        } else {
            self.term(partial, args, result, dx.clone(), float, span, &mut then)
        };
        then.stmts.push(init(term, Rhs::Use(value), span));
        let els = Block { stmts: vec![init(term, Rhs::Use(zero(float, span)), span)] };
        out.stmts.push(Stmt::If { cond: moves, then, els, span });
        Operand::Var(term)
    }

    /// `if ∂ != 0 { ∂ · ẋ } else { 0 }` for a tangent `ẋ` that may be
    /// infinite (`finite::tangents_unbounded`): `w·√x` at `w = 0`, `x = 0`
    /// has the tangent 0, as the reverse sweep gives it (its adjoint of `√x`
    /// is 0, and it skips the infinite partial), not `0·∞`. A partial that
    /// may be infinite itself (`blows_up`) also needs `ẋ != 0`.
    ///
    /// A tangent body the reverse sweep differentiates (`Calls::Split`)
    /// tests `ẋ is finite || ∂ != 0` instead (and `∂ is finite || ẋ != 0`),
    /// as `guarded_term` does: branching on `∂` alone, a pass where `∂` is
    /// exactly 0 (`(1 − y)·ẋ` at `y = 1`) took the arm `0` and dropped `ẋ`
    /// from the adjoint of `∂`: a wrong `H·v`.
    #[allow(clippy::too_many_arguments)]
    fn zero_partial_guard(
        &mut self,
        partial: &D,
        args: &[Operand],
        result: &Operand,
        dx: &Operand,
        blows_up: bool,
        float: FloatTy,
        span: Span,
        out: &mut Block,
    ) -> Operand {
        let d = self.lower_d(partial, args, result, float, span, out);
        let mut moves = self.op(Op::Ne, vec![d.clone(), zero(float, span)], Ty::Bool, span, out);
        if self.calls == Calls::Split {
            let dx_finite = self.is_finite(dx, float, span, out);
            moves = self.op(Op::BitOr, vec![dx_finite, moves], Ty::Bool, span, out);
        }
        if blows_up {
            let mut dx_moves = self.op(Op::Ne, vec![dx.clone(), zero(float, span)], Ty::Bool, span, out);
            if self.calls == Calls::Split {
                let d_finite = self.is_finite(&d, float, span, out);
                dx_moves = self.op(Op::BitOr, vec![d_finite, dx_moves], Ty::Bool, span, out);
            }
            moves = self.op(Op::BitAnd, vec![moves, dx_moves], Ty::Bool, span, out);
        }
        let term = self.temp(Ty::Float(float));
        let mut then = Block::default();
        let value = self.op(Op::Mul, vec![d, dx.clone()], Ty::Float(float), span, &mut then);
        then.stmts.push(init(term, Rhs::Use(value), span));
        let els = Block { stmts: vec![init(term, Rhs::Use(zero(float, span)), span)] };
        out.stmts.push(Stmt::If { cond: moves, then, els, span });
        Operand::Var(term)
    }

    /// `value.is_finite()`, of a typed copy (a literal's `is_finite` has no
    /// type to call).
    fn is_finite(&mut self, value: &Operand, float: FloatTy, span: Span, out: &mut Block) -> Operand {
        let typed = self.temp(Ty::Float(float));
        out.stmts.push(init(typed, Rhs::Use(value.clone()), span));
        let finite = self.temp(Ty::Bool);
        out.stmts.push(init(finite, Rhs::Method(Operand::Var(typed), Ident::new("is_finite", span), Vec::new()), span));
        Operand::Var(finite)
    }

    fn sum(&mut self, terms: Vec<Operand>, float: FloatTy, span: Span, out: &mut Block) -> Operand {
        let mut terms = terms.into_iter();
        let Some(first) = terms.next() else { return zero(float, span) };
        terms.fold(first, |sum, term| self.op(Op::Add, vec![sum, term], Ty::Float(float), span, out))
    }

    /// `t = op(operands)` in a new temporary.
    fn op(&mut self, op: Op, operands: Vec<Operand>, ty: Ty, span: Span, out: &mut Block) -> Operand {
        let temp = self.temp(ty);
        out.stmts.push(init(temp, Rhs::Prim(op, operands), span));
        Operand::Var(temp)
    }

    /// A partial of the rule table as statements; returns its value.
    fn lower_d(
        &mut self,
        d: &D,
        args: &[Operand],
        result: &Operand,
        float: FloatTy,
        span: Span,
        out: &mut Block,
    ) -> Operand {
        let ty = Ty::Float(float);
        let sub = |this: &mut Self, d: &D, out: &mut Block| this.lower_d(d, args, result, float, span, out);
        match d {
            D::Arg(i) => args[*i].clone(),
            D::Out => result.clone(),
            D::Lit(value) => float_literal(*value, float, span),
            D::Const(constant) => {
                let name = match constant {
                    MathConst::Pi => quote::quote!(PI),
                    MathConst::Ln2 => quote::quote!(LN_2),
                    MathConst::Ln10 => quote::quote!(LN_10),
                };
                let float_ty = crate::emit::float_type(float);
                Operand::Const(Const { tokens: quote_spanned!(span=> ::core::#float_ty::consts::#name), ty })
            }
            D::Neg(inner) => {
                let inner = sub(self, inner, out);
                self.op(Op::Neg, vec![inner], ty, span, out)
            }
            D::Bin(bin, left, right) => {
                let (left, right) = (sub(self, left, out), sub(self, right, out));
                let op = match bin {
                    Bin::Add => Op::Add,
                    Bin::Sub => Op::Sub,
                    Bin::Mul => Op::Mul,
                    Bin::Div => Op::Div,
                };
                self.op(op, vec![left, right], ty, span, out)
            }
            D::Call(op, operands) => {
                let operands = operands.iter().map(|operand| sub(self, operand, out)).collect();
                self.op(*op, operands, ty, span, out)
            }
            D::PowiLess(base, exponent) => {
                let base = sub(self, base, out);
                self.powi_less(base, args[*exponent].clone(), float, span, out)
            }
            D::IntArg(i) => self.op(Op::ToFloat(float), vec![args[*i].clone()], ty, span, out),
            D::Select(cond, then, els) => {
                let Cond::Cmp(cmp, left, right) = &**cond;
                let (left, right) = (sub(self, left, out), sub(self, right, out));
                let holds = self.op(cmp.op(), vec![left, right], Ty::Bool, span, out);
                let chosen = self.temp(ty);
                let arm = |this: &mut Self, d: &D| {
                    let mut block = Block::default();
                    let value = this.lower_d(d, args, result, float, span, &mut block);
                    block.stmts.push(init(chosen, Rhs::Use(value), span));
                    block
                };
                let (then, els) = (arm(self, then), arm(self, els));
                out.stmts.push(Stmt::If { cond: holds, then, els, span });
                Operand::Var(chosen)
            }
        }
    }

    /// `xⁿ⁻¹` for an `i32` exponent `n`: `powi(x, n - 1)`, except at
    /// `n = i32::MIN`, where `n - 1` overflows and `xⁿ⁻¹ = xⁿ / x` (as in
    /// the reverse sweep's partial, `emit::partial`).
    fn powi_less(&mut self, base: Operand, n: Operand, float: FloatTy, span: Span, out: &mut Block) -> Operand {
        let ty = Ty::Float(float);
        let min = Operand::Const(Const { tokens: quote_spanned!(span=> ::core::primitive::i32::MIN), ty: Ty::Other });
        let at_min = self.op(Op::Eq, vec![n.clone(), min], Ty::Bool, span, out);
        let chosen = self.temp(ty);
        let mut then = Block::default();
        let power = self.op(Op::Powi, vec![base.clone(), n.clone()], ty, span, &mut then);
        let quotient = self.op(Op::Div, vec![power, base.clone()], ty, span, &mut then);
        then.stmts.push(init(chosen, Rhs::Use(quotient), span));
        let mut els = Block::default();
        let one = Operand::Const(Const { tokens: quote_spanned!(span=> 1), ty: Ty::Other });
        let less = self.op(Op::Sub, vec![n, one], Ty::Other, span, &mut els);
        let power = self.op(Op::Powi, vec![base, less], ty, span, &mut els);
        els.stmts.push(init(chosen, Rhs::Use(power), span));
        out.stmts.push(Stmt::If { cond: at_min, then, els, span });
        Operand::Var(chosen)
    }

    /// `y = f(x, w)` with an active result: `(y, ẏ) = f::jvp(x, ẋ, w, ẇ)`,
    /// a tangent after each float argument (zero for a constant one).
    #[allow(clippy::too_many_arguments)]
    fn call(
        &mut self,
        dst: Var,
        tangent: Var,
        path: &syn::ExprPath,
        args: &[Arg],
        kind: AssignKind,
        span: Span,
        out: &mut Block,
    ) {
        let float = self.float_of(dst);
        let mut jvp_args = Vec::new();
        for arg in args {
            jvp_args.push(arg.clone());
            match arg {
                // A `const` taken for a float: a zero of the callee's
                // parameter's shape, a float or an array, typed as the
                // `const` is so that the reverse sweep of `NAME_hvp` leaves
                // its partial out (`_`) as for any constant float.
                Arg::Value(Operand::Const(constant)) if crate::constant_fields::is_taken_for_a_float(constant) => {
                    let zero = quote_spanned!(span=> ::autodiff::guards::zero_array());
                    jvp_args.push(Arg::Value(Operand::Const(Const { tokens: zero, ty: constant.ty })));
                }
                // An element of a table taken for floats (`DATA[i]`, or a
                // row, `W[1]`): likewise.
                Arg::Value(Operand::Place(place)) if self.float_tables.contains(&place.var) => {
                    let zero = quote_spanned!(span=> ::autodiff::guards::zero_array());
                    jvp_args.push(Arg::Value(Operand::Const(Const { tokens: zero, ty: Ty::Float(float) })));
                }
                Arg::Value(operand) if self.is_float(operand) => {
                    let tangent = self.tangent_of(operand);
                    let tangent = tangent.or_else(|| self.zero_of_a_constant_models_field(operand, float, span));
                    jvp_args.push(Arg::Value(tangent.unwrap_or_else(|| zero(float, span))));
                }
                // A float array passed by value: its tangent, by value too.
                Arg::Value(operand) if self.is_array_value(operand) => {
                    let tangent = self.tangent_of(operand).unwrap_or_else(|| self.zero_like(operand, span));
                    jvp_args.push(Arg::Value(tangent));
                }
                Arg::Value(_) => {}
                Arg::Ref { place, range, borrowed, mutable } => {
                    let tangent_place = match self.tangent[place.var.0] {
                        Some(tangent) => Place { var: tangent, proj: place.proj.clone() },
                        // A field of a constant struct (`&s.weights`): a zero
                        // of the field's own shape, whose type rustc knows.
                        None if crate::ir::is_unseen_field(&self.vars[place.var.0], place) => {
                            Place { var: self.lent_zero(place, span, out), proj: Vec::new() }
                        }
                        None => {
                            let buffer = self.zero_buffer(place, range.is_some(), span, out);
                            Place { var: buffer, proj: place.proj.clone() }
                        }
                    };
                    // (A table's slot is the whole of it, `emit::table_slot`.)
                    let table = crate::ir::is_table_slot(&self.vars[place.var.0], place, range.is_some());
                    let range = if table { None } else { range.clone() };
                    let borrowed = *borrowed || self.tangent[place.var.0].is_none();
                    // An output's tangent is written by the callee's `jvp`.
                    let mutable = *mutable;
                    jvp_args.push(Arg::Ref { place: tangent_place, range, mutable, borrowed });
                }
            }
        }
        if Rhs::Call(path.clone(), args.to_vec()).written_in_place() == Some(dst) {
            if self.calls == Calls::Split {
                // `helper::tangent(x, ẋ, &out, &mut ȯut)` writes the tangent
                // from the entry value of `out`, which `helper(x, &mut out)`
                // then replaces: each call writes one buffer, so the reverse
                // sweep can differentiate both.
                let tangent_args = jvp_args.into_iter().map(|arg| entry_value_of(arg, dst)).collect();
                let tangent_fn = crate::companion::method(path, crate::companion::TANGENT, span);
                out.stmts.push(Stmt::Assign { dst: tangent, rhs: Rhs::Call(tangent_fn, tangent_args), kind, span });
                out.stmts.push(Stmt::Assign { dst, rhs: Rhs::Call(path.clone(), args.to_vec()), kind, span });
                return;
            }
            // `helper(x, &mut out)`: one call of `jvp`, which writes `out`
            // and its tangent in place and returns `()`.
            let jvp = crate::companion::method(path, crate::companion::JVP, span);
            out.stmts.push(Stmt::Assign { dst, rhs: Rhs::Call(jvp, jvp_args), kind, span });
            return;
        }
        if self.calls == Calls::Split {
            // The tangent first: it reads the arguments before `y` may replace one.
            let tangent_fn = crate::companion::method(path, crate::companion::TANGENT, span);
            let rhs = Rhs::Call(tangent_fn, jvp_args);
            out.stmts.push(Stmt::Assign { dst: tangent, rhs, kind, span });
            let primal = Rhs::Call(path.clone(), args.to_vec());
            out.stmts.push(Stmt::Assign { dst, rhs: primal, kind, span });
            return;
        }
        let both = self.temp(Ty::Other);
        let jvp = crate::companion::method(path, crate::companion::JVP, span);
        out.stmts.push(init(both, Rhs::Call(jvp, jvp_args), span));
        let field = |index: u32| {
            let member = syn::Member::Unnamed(syn::Index { index, span });
            Operand::Place(Box::new(Place { var: both, proj: vec![Proj::Field(member)] }))
        };
        out.stmts.push(Stmt::Assign { dst, rhs: Rhs::Use(field(0)), kind, span });
        out.stmts.push(Stmt::Assign { dst: tangent, rhs: Rhs::Use(field(1)), kind, span });
    }

    /// A zero of an inactive operand's type, beside active ones in one
    /// structural form (`[x, 0.5]`, `[row, other_row]`).
    fn zero_like(&self, operand: &Operand, span: Span) -> Operand {
        if self.is_float(operand) {
            let float = operand.var().map_or(FloatTy::F64, |var| self.float_of(var));
            return zero(float, span);
        }
        // A constant that is no float (`[x, 0]`, which rustc rejects) has a
        // zero tangent too.
        let Some(var) = operand.var() else { return zero(FloatTy::F64, span) };
        match (&self.vars[var.0].zero, operand) {
            (Some(Zero::Array(tokens)), Operand::Var(_)) => {
                Operand::Const(Const { tokens: tokens.clone(), ty: Ty::Aggregate })
            }
            // A constant array by value (a parameter left out of `wrt(..)`,
            // `*row` of a constant slice of rows): the shape of the callee's
            // parameter, which rustc infers.
            _ if self.is_array_value(operand) => Operand::Const(Const {
                tokens: quote_spanned!(span=> ::autodiff::guards::zero_array()),
                ty: Ty::Aggregate,
            }),
            // `refusals::check_forward` refused an aggregate without an array shape here.
            _ => zero(FloatTy::F64, span),
        }
    }

    /// An array (not an element of one) read by value.
    fn is_array_value(&self, operand: &Operand) -> bool {
        let Some(var) = operand.var() else { return false };
        let info = &self.vars[var.0];
        let indices =
            operand.place().map_or(0, |place| place.proj.iter().filter(|proj| matches!(proj, Proj::Index(_))).count());
        info.ty == Ty::Aggregate && info.dims.is_some_and(|dims| indices < dims)
    }

    fn is_float(&self, operand: &Operand) -> bool {
        match operand {
            Operand::Var(var) => self.vars[var.0].ty.is_float(),
            Operand::Const(constant) => constant.ty.is_float(),
            // (An element of a table, `data[i]`, is a constant of a type
            // not in sight, passed as no float: `emit::gated_callee`.)
            Operand::Place(place) if self.constant_fields.iter().any(|field| is_within(field, place)) => false,
            Operand::Place(place) => {
                let info = &self.vars[place.var.0];
                let indices = place.proj.iter().filter(|proj| matches!(proj, Proj::Index(_))).count();
                info.ty == Ty::Aggregate && !crate::ir::is_table(info) && info.dims.is_none_or(|dims| indices >= dims)
            }
        }
    }

    /// A zero tangent for `place`, a field of a constant struct lent to a
    /// call (`&s.weights`), whose type the macro cannot see
    /// (`emit::lent_zero`). The same tokens make another zero of its shape
    /// where one is needed (the throwaway shadow of this tangent, in
    /// `NAME_hvp`).
    fn lent_zero(&mut self, place: &Place, span: Span, out: &mut Block) -> Var {
        let tokens = crate::emit::lent_zero(&self.naming_body(), place);
        let buffer = self.temp(Ty::Aggregate);
        self.vars[buffer.0].zero = Some(Zero::Array(tokens.clone()));
        out.stmts.push(init(buffer, Rhs::Use(Operand::Const(Const { tokens, ty: Ty::Aggregate })), span));
        buffer
    }

    /// A body of the variables so far, from which `emit` names a place's
    /// variables (an index): rare, one per field lent or passed whose zero
    /// the forward sweep writes as tokens.
    fn naming_body(&self) -> Body {
        Body {
            vars: self.vars.clone(),
            params: Vec::new(),
            block: Block::default(),
            ret: None,
            items: Vec::new(),
            structs: Vec::new(),
            constant_fields: Vec::new(),
            float_tables: Vec::new(),
        }
    }

    /// The zero tangent of a field of a model that is not differentiated
    /// (`self.w` in a method's twin for a constant `self`) passed by value:
    /// of the field's own shape (`guards::FloatShape`), which the macro takes
    /// for a float but may be an array.
    fn zero_of_a_constant_models_field(&self, operand: &Operand, float: FloatTy, span: Span) -> Option<Operand> {
        let Operand::Place(place) = operand else { return None };
        let info = &self.vars[place.var.0];
        let model =
            info.kind == VarKind::Param && info.ty == Ty::Aggregate && info.dims.is_none() && info.zero.is_none();
        if !model || !matches!(place.proj.first(), Some(crate::ir::Proj::Field(_))) {
            return None;
        }
        let field = quote::ToTokens::into_token_stream(crate::emit::operand(&self.naming_body(), operand));
        let tokens = quote_spanned!(span=> ::autodiff::guards::FloatShape::zeroed(&#field));
        // (Typed as the float the macro takes the field for: the call's
        // derivatives count it among the floats.)
        Some(Operand::Const(Const { tokens, ty: Ty::Float(float) }))
    }

    /// A zero tangent for an aggregate argument that is not differentiated:
    /// a local of its shape (a vector as long as it, for a slice).
    fn zero_buffer(&mut self, place: &Place, range: bool, span: Span, out: &mut Block) -> Var {
        let info = &self.vars[place.var.0];
        if info.ty != Ty::Aggregate && place.proj.is_empty() {
            // A struct the caller does not differentiate.
            let tokens = crate::emit::struct_slot_value(&info.ident, info.by_ref);
            let buffer = self.temp(Ty::Other);
            out.stmts.push(init(buffer, Rhs::Use(Operand::Const(Const { tokens, ty: Ty::Other })), span));
            return buffer;
        }
        if crate::ir::is_table_slot(info, place, range) {
            // A table: the slots its type calls for (`emit::table_slot`),
            // which the same tokens make again for this tangent's shadow.
            let tokens = crate::emit::table_slot(info);
            let buffer = self.temp(Ty::Aggregate);
            self.vars[buffer.0].zero = Some(Zero::Array(tokens.clone()));
            out.stmts.push(init(buffer, Rhs::Use(Operand::Const(Const { tokens, ty: Ty::Aggregate })), span));
            return buffer;
        }
        let ident = &info.ident;
        if info.kind == VarKind::Param && info.dims.is_none() && info.zero.is_none() && !place.proj.is_empty() {
            // A part of a constant model (`&self.w` in a method's twin for a
            // constant `self`): that part of a zero model.
            let tokens = quote_spanned!(span=> ::autodiff::Params::zeros_like(#ident));
            let buffer = self.temp(Ty::Aggregate);
            self.vars[buffer.0].zero = Some(Zero::Array(tokens.clone()));
            out.stmts.push(init(buffer, Rhs::Use(Operand::Const(Const { tokens, ty: Ty::Aggregate })), span));
            return buffer;
        }
        // A constant parameter has no zero of its own: its type gives one.
        let zero = info.zero.clone().or_else(|| info.declared.as_ref().and_then(crate::lower::zero_of_type));
        let tokens = match zero {
            Some(zero) => crate::emit::zero(&zero, &quote_spanned!(span=> #ident)),
            None => quote_spanned!(span=> ::autodiff::guards::slot(#ident)),
        };
        let (elem, dims) = (info.elem, info.dims);
        let buffer = self.temp(Ty::Aggregate);
        self.vars[buffer.0].elem = elem;
        self.vars[buffer.0].dims = dims;
        out.stmts.push(init(buffer, Rhs::Use(Operand::Const(Const { tokens, ty: Ty::Aggregate })), span));
        buffer
    }
}

/// The argument that writes `written` in place, read instead: the tangent
/// of an in-place call reads the buffer's entry value.
fn entry_value_of(arg: Arg, written: Var) -> Arg {
    match arg {
        Arg::Ref { place, range, mutable: true, borrowed } if place.var == written => {
            Arg::Ref { place, range, mutable: false, borrowed }
        }
        other => other,
    }
}

fn plain_var(operand: &Operand) -> Option<Var> {
    match operand {
        Operand::Var(var) => Some(*var),
        _ => None,
    }
}

fn init(dst: Var, rhs: Rhs, span: Span) -> Stmt {
    Stmt::Assign { dst, rhs, kind: AssignKind::Init, span }
}

fn float_literal(value: f64, float: FloatTy, span: Span) -> Operand {
    let mut literal = Literal::f64_unsuffixed(value);
    literal.set_span(span);
    Operand::Const(Const { tokens: TokenStream::from(proc_macro2::TokenTree::Literal(literal)), ty: Ty::Float(float) })
}

fn zero(float: FloatTy, span: Span) -> Operand {
    float_literal(0.0, float, span)
}

#[cfg(test)]
mod tests {
    use quote::format_ident;
    use syn::parse_quote;

    use super::*;
    use crate::lower::tests::lowered;

    /// The tangent body of `item`, every float parameter differentiated.
    fn tangent_ir(item: syn::ItemFn) -> String {
        let (body, mut namer) = lowered(item).expect("lowers");
        let tangents: Vec<(Var, Ident)> =
            body.params.iter().map(|&param| (param, format_ident!("d_{}", body.var(param).ident))).collect();
        let seeds: Vec<Var> = body.params.clone();
        let active = crate::activity::active(&body, &seeds, &[]);
        let (out, _) = forward(&body, &active, &tangents, Calls::Jvp, &mut namer);
        out.to_string()
    }

    #[test]
    fn tangents_sit_beside_the_primal() {
        let got = tangent_ir(parse_quote! {
            fn f(x: f64, y: f64) -> f64 {
                let p = x * y;
                p + 2.0 * x
            }
        });
        let want = "fn(x: f64, y: f64, d_x: f64, d_y: f64) -> __ret: f64
    p: f64 = mul(x, y)
    __t2: f64 = mul(y, d_x)
    __t3: f64 = mul(x, d_y)
    __dot_p: f64 = add(__t2, __t3)
    __t1: f64 = mul(2.0, x)
    __dot_t1: f64 = mul(2.0, d_x)
    __ret: f64 = add(p, __t1)
    __dot_ret: f64 = add(__dot_p, __dot_t1)
";
        assert_eq!(got, want);
    }

    #[test]
    fn a_square_and_a_scaled_square_take_one_product() {
        let got = tangent_ir(parse_quote! {
            fn f(x: f64) -> f64 {
                let a = x * x;
                100.0 * a * a
            }
        });
        let want = "fn(x: f64, d_x: f64) -> __ret: f64
    a: f64 = mul(x, x)
    __t2: f64 = mul(x, d_x)
    __dot_a: f64 = add(__t2, __t2)
    __t1: f64 = mul(100.0, a)
    __dot_t1: f64 = mul(100.0, __dot_a)
    __ret: f64 = mul(__t1, a)
    __t5: f64 = mul(__t1, __dot_a)
    __dot_ret: f64 = add(__t5, __t5)
";
        assert_eq!(got, want);
    }

    #[test]
    fn a_scaled_operand_assigned_since_takes_the_product_rule() {
        // `a` changes between `p = 3a` and `p·a`: the terms differ.
        let got = tangent_ir(parse_quote! {
            fn f(x: f64) -> f64 {
                let mut a = x;
                let p = 3.0 * a;
                a = a * x;
                p * a
            }
        });
        assert!(got.contains("mul(a, __dot_p)") && got.contains("mul(p, __dot_a)"), "{got}");
        // Nor after a branch that may assign it.
        let got = tangent_ir(parse_quote! {
            fn f(x: f64, y: f64) -> f64 {
                let mut a = x;
                let p = 3.0 * a;
                if y > 0.0 {
                    a = y;
                }
                p * a
            }
        });
        assert!(got.contains("mul(a, __dot_p)") && got.contains("mul(p, __dot_a)"), "{got}");
    }

    #[test]
    fn a_rule_that_reads_the_result_follows_it_and_a_zero_tangent_skips_a_pole() {
        let got = tangent_ir(parse_quote! {
            fn f(x: f64) -> f64 {
                x.sqrt()
            }
        });
        let want = "fn(x: f64, d_x: f64) -> __ret: f64
    __ret: f64 = sqrt(x)
    __t1: bool = ne(d_x, 0.0)
    if __t1 {
        __t3: f64 = div(0.5, __ret)
        __t4: f64 = mul(__t3, d_x)
        __t2: f64 = __t4
    } else {
        __t2: f64 = 0.0
    }
    __dot_ret: f64 = __t2
";
        assert_eq!(got, want);
    }

    #[test]
    fn an_overwrite_whose_rule_reads_the_result_keeps_the_old_value() {
        let got = tangent_ir(parse_quote! {
            fn f(x: f64) -> f64 {
                let mut s = x;
                s = s.exp();
                s
            }
        });
        // (`s` holds an exponential, whose tangent may be infinite: the
        // product is guarded, `zero_partial_guard`.)
        assert!(got.contains("__t1: f64 = exp(s)\n"), "{got}");
        assert!(got.contains("__t6: f64 = mul(__t1, __dot_s)"), "{got}");
        assert!(got.contains("__dot_s: f64 := __t5\n    s: f64 := __t1\n"), "{got}");
    }

    #[test]
    fn a_powi_tangent_does_not_compute_n_minus_1_at_the_smallest_exponent() {
        let got = tangent_ir(parse_quote! {
            fn f(x: f64, n: i32) -> f64 {
                x.powi(n)
            }
        });
        // `n - 1` overflows at `i32::MIN`: there `xⁿ⁻¹ = xⁿ / x`, and
        // `n - 1` is computed in the other branch only.
        let (_, at_min) = got.split_once("eq(n, :: core :: primitive :: i32 :: MIN)").expect("the test");
        let (then, els) = at_min.split_once("} else {").expect("a branch");
        assert!(then.contains("powi(x, n)") && then.contains("div(") && !then.contains("sub(n, 1)"), "{got}");
        assert!(els.contains("sub(n, 1)"), "{got}");
    }

    #[test]
    fn loops_keep_their_shape_and_elements_have_tangent_elements() {
        let got = tangent_ir(parse_quote! {
            fn f(x: &[f64]) -> f64 {
                let mut s = 0.0;
                for i in 0..x.len() {
                    s += x[i] * x[i];
                }
                s
            }
        });
        assert!(got.contains("for i in 0..__t1 {"), "{got}");
        assert!(got.contains("mul(x[i], d_x[i])"), "{got}");
    }
}
