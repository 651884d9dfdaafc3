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
//! Everything outside the supported subset is reported to `Ctxt` with the
//! span of the offending code, and lowering goes on, so one run reports
//! every problem.

use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::{BinOp, Expr, ExprIf, Ident, Lit, Pat, UnOp};

use crate::ctxt::Ctxt;
use crate::ir::{AssignKind, Block, Body, Const, FloatTy, Op, Operand, Rhs, Stmt, Ty, Var, VarInfo, VarKind};
use crate::naming::Namer;
use crate::signature::{float_ty, Signature};
use crate::symbol;

pub fn lower(sig: &Signature, namer: &mut Namer, cx: &Ctxt) -> Body {
    let mut lowerer =
        Lowerer { cx, namer, vars: Vec::new(), scopes: vec![Vec::new()], done: None, returns: 0, items: Vec::new() };
    let params = sig
        .params
        .iter()
        .map(|param| {
            let ty = match float_ty(param.ty) {
                Some(float) => Ty::Float(float),
                None if is_bool(param.ty) => Ty::Bool,
                None => Ty::Other,
            };
            let var = lowerer.new_var(param.ident.clone(), ty, VarKind::Param, Some(param.ty.clone()));
            lowerer.vars[var.0].mutable = param.mutable;
            lowerer.bind(param.ident, var);
            var
        })
        .collect();
    let ret_ident = lowerer.namer.fresh("__ret");
    let ret = lowerer.new_var(ret_ident, Ty::Float(sig.ret), VarKind::Ret, None);
    let mut block = Block::default();
    lowerer.lower_stmts(&sig.item.block.stmts, &mut block, Sink::Var(ret, AssignKind::Init));
    if let Some(done) = lowerer.done {
        if !reads(&block, done) {
            strip_writes(&mut block, done);
        }
    }
    Body { vars: lowerer.vars, params, block, ret, items: lowerer.items }
}

/// Where the value of an expression goes.
#[derive(Clone, Copy)]
enum Sink {
    Discard,
    Var(Var, AssignKind),
}

struct Lowerer<'a> {
    cx: &'a Ctxt,
    namer: &'a mut Namer,
    vars: Vec<VarInfo>,
    /// Bindings in scope, innermost scope last; later bindings shadow earlier.
    scopes: Vec<Vec<(String, Var)>>,
    /// The flag set by `return`, made when the first `return` is lowered.
    done: Option<Var>,
    /// How many `return`s have been lowered so far.
    returns: usize,
    items: Vec<syn::Item>,
}

impl Lowerer<'_> {
    // ---- variables and scopes ----

    fn new_var(&mut self, ident: Ident, ty: Ty, kind: VarKind, declared: Option<syn::Type>) -> Var {
        self.vars.push(VarInfo { ident, ty, declared, kind, mutable: false });
        Var(self.vars.len() - 1)
    }

    fn temp(&mut self, ty: Ty) -> Var {
        let ident = self.namer.temp();
        self.new_var(ident, ty, VarKind::Temp, None)
    }

    fn bind(&mut self, ident: &Ident, var: Var) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((ident.to_string(), var));
        }
    }

    fn lookup(&self, ident: &Ident) -> Option<Var> {
        let name = ident.to_string();
        self.scopes.iter().rev().flat_map(|scope| scope.iter().rev()).find(|(n, _)| *n == name).map(|&(_, var)| var)
    }

    /// A user binding: keeps its name unless an earlier binding had it.
    fn user_var(&mut self, ident: &Ident, ty: Ty, declared: Option<syn::Type>) -> Var {
        let first = !self.vars.iter().any(|info| info.ident == *ident);
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
        let ident = self.namer.fresh("__done");
        let done = self.new_var(ident, Ty::Bool, VarKind::Done, None);
        self.done = Some(done);
        done
    }

    fn unsupported(&self, tokens: impl ToTokens, message: impl std::fmt::Display) -> Rhs {
        self.cx.error_spanned_by(tokens, message);
        Rhs::Use(Operand::Const(Const { tokens: quote!(0.0), ty: Ty::Unknown }))
    }

    // ---- statements ----

    /// Lowers a statement list; the tail expression (if any) goes to `sink`.
    /// Statements after one that may `return` run under `if !__done`.
    fn lower_stmts(&mut self, stmts: &[syn::Stmt], out: &mut Block, sink: Sink) {
        for (i, stmt) in stmts.iter().enumerate() {
            let returns_before = self.returns;
            let last = i + 1 == stmts.len();
            match stmt {
                syn::Stmt::Local(local) => self.lower_local(local, out),
                syn::Stmt::Item(item) => self.items.push(item.clone()),
                syn::Stmt::Macro(mac) => {
                    self.unsupported(&mac.mac, macro_message(&mac.mac));
                }
                syn::Stmt::Expr(expr, None) if last => self.lower_into(expr, out, sink),
                syn::Stmt::Expr(expr, _) => self.lower_statement_expr(expr, out),
            }
            if self.returns > returns_before && !last {
                let done = self.done_var();
                let cond = self.temp(Ty::Bool);
                let span = stmts[i + 1].span();
                out.stmts.push(Stmt::Assign {
                    dst: cond,
                    rhs: Rhs::Prim(Op::Not, vec![Operand::Var(done)]),
                    kind: AssignKind::Init,
                    save: None,
                    span,
                });
                let mut rest = Block::default();
                self.lower_stmts(&stmts[i + 1..], &mut rest, sink);
                out.stmts.push(Stmt::If { cond: Operand::Var(cond), then: rest, els: Block::default(), span });
                return;
            }
        }
    }

    fn lower_local(&mut self, local: &syn::Local, out: &mut Block) {
        let (pat, declared) = match &local.pat {
            Pat::Type(typed) => (&*typed.pat, Some((*typed.ty).clone())),
            pat => (pat, None),
        };
        let ident = match pat {
            Pat::Ident(binding) if binding.by_ref.is_none() && binding.subpat.is_none() => Some(&binding.ident),
            Pat::Wild(_) => None,
            _ => {
                self.cx.error_spanned_by(pat, "unsupported pattern in `let`; #[grad] supports `let name = ..`, `let mut name = ..` and `let name: T = ..`");
                return;
            }
        };
        if let Some(init) = &local.init {
            if let Some((else_token, _)) = &init.diverge {
                self.cx
                    .error_spanned_by(else_token, "`let .. else` is not supported inside #[grad] functions; use `if`");
            }
        }
        let ty = match &declared {
            Some(declared) => type_of(declared),
            None => Ty::Unknown,
        };
        let Some(ident) = ident else {
            if let Some(init) = &local.init {
                self.lower_into(&init.expr, out, Sink::Discard);
            }
            return;
        };
        // The initializer is lowered before the new binding enters scope:
        // `let x = x + 1.0` reads the old `x`.
        let var = self.user_var(ident, ty, declared);
        if let Some(init) = &local.init {
            self.lower_into(&init.expr, out, Sink::Var(var, AssignKind::Init));
        }
        self.bind(ident, var);
    }

    /// An expression in statement position: its value, if any, is dropped.
    fn lower_statement_expr(&mut self, expr: &Expr, out: &mut Block) {
        match expr {
            Expr::Assign(assign) => {
                if let Some(var) = self.assigned_var(&assign.left) {
                    self.lower_into(&assign.right, out, Sink::Var(var, AssignKind::Overwrite));
                }
            }
            Expr::Binary(binary) if compound_op(&binary.op).is_some() => {
                let Some(var) = self.assigned_var(&binary.left) else { return };
                let op = compound_op(&binary.op).unwrap_or(Op::Add);
                let rhs = self.lower_expr(&binary.right, out);
                out.stmts.push(Stmt::Assign {
                    dst: var,
                    rhs: Rhs::Prim(op, vec![Operand::Var(var), rhs]),
                    kind: AssignKind::Overwrite,
                    save: None,
                    span: expr.span(),
                });
            }
            _ => self.lower_into(expr, out, Sink::Discard),
        }
    }

    /// The local variable on the left of `=` or `+=`.
    fn assigned_var(&mut self, place: &Expr) -> Option<Var> {
        if let Expr::Path(path) = place {
            if let Some(ident) = path.path.get_ident() {
                if let Some(var) = self.lookup(ident) {
                    return Some(var);
                }
            }
        }
        if let Expr::Paren(paren) = place {
            return self.assigned_var(&paren.expr);
        }
        self.cx.error_spanned_by(
            place,
            "#[grad] supports assignment to local variables only; assign to a `let mut` variable",
        );
        None
    }

    // ---- expressions ----

    /// Lowers `expr` and sends its value to `sink`. Control flow (`if`,
    /// blocks, `&&`, `return`) is lowered structurally; the rest becomes one
    /// assignment whose operands were lowered first.
    fn lower_into(&mut self, expr: &Expr, out: &mut Block, sink: Sink) {
        match expr {
            Expr::Paren(paren) => self.lower_into(&paren.expr, out, sink),
            Expr::Group(group) => self.lower_into(&group.expr, out, sink),
            Expr::If(expr_if) => self.lower_if(expr_if, out, sink),
            Expr::Block(block) if block.label.is_none() => {
                self.in_scope(|this| this.lower_stmts(&block.block.stmts, out, sink));
            }
            Expr::Return(ret) => {
                let Some(value) = &ret.expr else {
                    self.cx.error_spanned_by(ret, "`return` needs the value of the function");
                    return;
                };
                let ret_var = self.vars.iter().position(|info| info.kind == VarKind::Ret).map(Var);
                if let Some(ret_var) = ret_var {
                    self.lower_into(value, out, Sink::Var(ret_var, AssignKind::Init));
                }
                let done = self.done_var();
                let truth = Operand::Const(Const { tokens: quote!(true), ty: Ty::Bool });
                out.stmts.push(Stmt::Assign {
                    dst: done,
                    rhs: Rhs::Use(truth),
                    kind: AssignKind::Overwrite,
                    save: None,
                    span: ret.span(),
                });
                self.returns += 1;
            }
            Expr::Binary(binary) if matches!(binary.op, BinOp::And(_) | BinOp::Or(_)) => {
                self.lower_short_circuit(binary, out, sink);
            }
            _ => {
                let rhs = self.lower_rhs(expr, out);
                let span = expr.span();
                match sink {
                    Sink::Var(dst, kind) => {
                        if kind == AssignKind::Init && self.vars[dst.0].ty == Ty::Unknown {
                            self.vars[dst.0].ty = self.rhs_ty(&rhs);
                        }
                        out.stmts.push(Stmt::Assign { dst, rhs, kind, save: None, span });
                    }
                    // A discarded call may still do something; pure values are dropped.
                    Sink::Discard if matches!(rhs, Rhs::Call(..) | Rhs::Method(..)) => {
                        let ty = self.rhs_ty(&rhs);
                        let dst = self.temp(ty);
                        out.stmts.push(Stmt::Assign { dst, rhs, kind: AssignKind::Init, save: None, span });
                    }
                    Sink::Discard => {}
                }
            }
        }
    }

    /// Lowers `expr` to an operand, through a temporary if it is compound.
    fn lower_expr(&mut self, expr: &Expr, out: &mut Block) -> Operand {
        match expr {
            Expr::Paren(paren) => self.lower_expr(&paren.expr, out),
            Expr::Group(group) => self.lower_expr(&group.expr, out),
            Expr::Lit(lit) => Operand::Const(self.literal(&lit.lit)),
            Expr::Path(path) if path.qself.is_none() => self.path_operand(path),
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
                self.cx
                    .error_spanned_by(lit, "only numeric and boolean literals are supported inside #[grad] functions");
                Ty::Unknown
            }
        };
        Const { tokens: lit.to_token_stream(), ty }
    }

    /// A local variable, or a constant such as `PI` or `f64::EPSILON`.
    fn path_operand(&mut self, path: &syn::ExprPath) -> Operand {
        if let Some(ident) = path.path.get_ident() {
            if let Some(var) = self.lookup(ident) {
                return Operand::Var(var);
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
            Expr::Lit(_) | Expr::Path(_) | Expr::Paren(_) | Expr::Group(_) => Rhs::Use(self.lower_expr(expr, out)),
            Expr::Binary(binary) => {
                let Some(op) = binary_op(&binary.op) else {
                    return self.unsupported(binary.op, "compound assignment is a statement; write it on its own line");
                };
                let left = self.lower_expr(&binary.left, out);
                let right = self.lower_expr(&binary.right, out);
                Rhs::Prim(op, vec![left, right])
            }
            Expr::Unary(unary) => {
                let op = match unary.op {
                    UnOp::Neg(_) => Op::Neg,
                    UnOp::Not(_) => Op::Not,
                    _ => {
                        return self.unsupported(
                            unary.op,
                            "dereferencing is not supported inside #[grad] functions; pass floats by value",
                        )
                    }
                };
                Rhs::Prim(op, vec![self.lower_expr(&unary.expr, out)])
            }
            Expr::Cast(cast) => {
                let operand = self.lower_expr(&cast.expr, out);
                match float_ty(&cast.ty) {
                    Some(float) => Rhs::Prim(Op::ToFloat(float), vec![operand]),
                    None => Rhs::Cast(operand, cast.ty.clone()),
                }
            }
            Expr::MethodCall(call) => self.lower_method(call, out),
            Expr::Call(call) => self.lower_call(call, out),
            _ => self.unsupported(expr, unsupported_message(expr)),
        }
    }

    fn lower_method(&mut self, call: &syn::ExprMethodCall, out: &mut Block) -> Rhs {
        if let Some(turbofish) = &call.turbofish {
            return self
                .unsupported(turbofish, "method calls with `::<..>` are not supported inside #[grad] functions");
        }
        let receiver = self.lower_expr(&call.receiver, out);
        let args: Vec<Operand> = call.args.iter().map(|arg| self.lower_expr(arg, out)).collect();
        let method = &call.method;
        let receiver_ty = self.operand_ty(&receiver);
        if matches!(receiver_ty, Ty::Other | Ty::Bool) {
            // Integer and boolean methods carry no derivative.
            return Rhs::Method(receiver, method.clone(), args);
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
                "unsupported method `{method}`; #[grad] differentiates these float methods: {}",
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
        let mut args: Vec<Operand> = call.args.iter().map(|arg| self.lower_expr(arg, out)).collect();
        // `f64::exp(x)` is the method `x.exp()` written as a path.
        let segments = &func.path.segments;
        if func.qself.is_none() && segments.len() == 2 {
            let float = match segments[0].ident.to_string().as_str() {
                "f64" => Some(FloatTy::F64),
                "f32" => Some(FloatTy::F32),
                _ => None,
            };
            if let Some(float) = float {
                let name = &segments[1].ident;
                let Some(op) = symbol::float_method(name) else {
                    let message = format!(
                        "unsupported function `{}::{name}`; #[grad] differentiates these float methods: {}",
                        segments[0].ident,
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
                return self.prim_call(op, receiver, args, name);
            }
        }
        Rhs::Call(func.clone(), args)
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
        match operand {
            Operand::Var(var) if self.vars[var.0].kind != VarKind::Temp => {
                let temp = self.temp(Ty::Bool);
                out.stmts.push(Stmt::Assign {
                    dst: temp,
                    rhs: Rhs::Use(operand),
                    kind: AssignKind::Init,
                    save: None,
                    span: cond.span(),
                });
                Operand::Var(temp)
            }
            operand => operand,
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
            fixed.stmts.push(Stmt::Assign { dst, rhs: Rhs::Use(constant), kind, save: None, span });
        }
        let (then, els) = if is_and { (evaluated, fixed) } else { (fixed, evaluated) };
        out.stmts.push(Stmt::If { cond, then, els, span });
    }

    // ---- types known while lowering (infer.rs completes them) ----

    fn operand_ty(&self, operand: &Operand) -> Ty {
        match operand {
            Operand::Var(var) => self.vars[var.0].ty,
            Operand::Const(constant) => constant.ty,
        }
    }

    fn rhs_ty(&self, rhs: &Rhs) -> Ty {
        match rhs {
            Rhs::Use(operand) => self.operand_ty(operand),
            Rhs::Prim(op, args) => match op {
                _ if op.is_comparison() => Ty::Bool,
                Op::Not => self.operand_ty(&args[0]),
                Op::ToFloat(float) => Ty::Float(*float),
                _ => args.iter().map(|arg| self.operand_ty(arg)).fold(Ty::Unknown, crate::infer::join),
            },
            Rhs::Call(..) => Ty::Unknown,
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

fn is_bool(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(path) if path.path.is_ident("bool"))
}

fn type_of(ty: &syn::Type) -> Ty {
    match float_ty(ty) {
        Some(float) => Ty::Float(float),
        None if is_bool(ty) => Ty::Bool,
        None if matches!(ty, syn::Type::Infer(_)) => Ty::Unknown,
        None => Ty::Other,
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
        Expr::Closure(_) => ("closures are", "write the computation inline, or as a separate #[grad] function"),
        Expr::Unsafe(_) => ("`unsafe` blocks are", "move the unsafe code out of the differentiated function"),
        Expr::Macro(mac) => return macro_message(&mac.mac),
        Expr::ForLoop(_) | Expr::While(_) | Expr::Loop(_) => {
            ("loops are", "unroll the loop, or compute the loop's result in a separate function")
        }
        Expr::Match(_) => ("`match` is", "use `if` / `else if`"),
        Expr::Index(_) => ("indexing is", "pass the elements as scalar parameters"),
        Expr::Field(_) => ("field access is", "pass the fields as scalar parameters"),
        Expr::Tuple(_) => ("tuples are", "use separate variables"),
        Expr::Array(_) | Expr::Repeat(_) => ("arrays are", "use separate variables"),
        Expr::Struct(_) => ("struct literals are", "use separate variables"),
        Expr::Reference(_) => ("references are", "pass values"),
        Expr::Range(_) => ("ranges are", "use separate variables"),
        Expr::Try(_) => ("the `?` operator is", "differentiate a function that returns a float"),
        Expr::Async(_) | Expr::Await(_) => ("`async` and `.await` are", "differentiate a synchronous function"),
        Expr::Break(_) | Expr::Continue(_) => ("`break` and `continue` are", "use `if`"),
        Expr::Let(_) => ("`let` expressions are", "use `if` with a condition"),
        Expr::Assign(_) => ("assignments as values are", "write the assignment as a statement"),
        Expr::Block(_) => ("labeled blocks are", "remove the label"),
        _ => ("this expression is", "see the supported subset in the autodiff documentation"),
    };
    format!("{what} not supported inside #[grad] functions; {way_out}")
}

/// Whether any statement reads `var`.
fn reads(block: &Block, var: Var) -> bool {
    let mut found = false;
    crate::ir::walk(block, 0, &mut |stmt, _| match stmt {
        Stmt::Assign { rhs, .. } => found |= rhs.operands().iter().any(|o| o.var() == Some(var)),
        Stmt::If { cond, .. } => found |= cond.var() == Some(var),
    });
    found
}

/// Removes the assignments to a variable nobody reads.
fn strip_writes(block: &mut Block, var: Var) {
    block.stmts.retain(|stmt| !matches!(stmt, Stmt::Assign { dst, .. } if *dst == var));
    for stmt in &mut block.stmts {
        if let Stmt::If { then, els, .. } = stmt {
            strip_writes(then, var);
            strip_writes(els, var);
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
            crate::infer::infer(&mut body, sig.ret);
            body
        });
        cx.check().map_err(|e| e.into_iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))?;
        body.map(|body| (body, namer)).ok_or_else(|| "no signature".to_owned())
    }

    fn ir(item: ItemFn) -> String {
        lowered(item).map(|(body, _)| body.to_string()).unwrap_or_else(|e| e)
    }

    use proc_macro2::TokenStream;

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
    fn unknown_methods_name_the_supported_ones() {
        let errors = ir(syn::parse_quote! {
            fn f(x: f64) -> f64 { x.frobnicate() }
        });
        assert!(errors.contains("unsupported method `frobnicate`"), "{errors}");
        assert!(errors.contains("exp, exp2"), "{errors}");
    }
}
