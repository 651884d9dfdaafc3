//! Expressions: an expression into a sink or an operand, literals, paths,
//! and the leaf right-hand sides (operators, casts, arrays).

use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::{BinOp, Expr, Lit, UnOp};

use proc_macro2::TokenStream;

use super::call::{float_qself, qualified_path_message};
use super::stmt::macro_message;
use super::{loops, place_operand, Binding, Lowerer, Sink};
use crate::ir::{Arg, AssignKind, Block, Const, FloatTy, Op, Operand, Rhs, Ty, Var};
use crate::signature::float_ty;

impl Lowerer<'_> {
    // ---- expressions ----

    /// Lowers `expr` and sends its value to `sink`. Control flow (`if`,
    /// blocks, loops, `&&`, `return`) is lowered structurally; the rest
    /// becomes one assignment whose operands were lowered first.
    pub(super) fn lower_into(&mut self, expr: &Expr, out: &mut Block, sink: Sink) {
        match expr {
            Expr::Paren(paren) => self.lower_into(&paren.expr, out, sink),
            Expr::Group(group) => self.lower_into(&group.expr, out, sink),
            Expr::If(expr_if) => self.lower_if(expr_if, out, sink),
            Expr::Match(expr_match) => self.lower_match(expr_match, out, sink),
            Expr::Macro(mac) if mac.mac.path.is_ident("matches") => match super::matches::as_match(&mac.mac) {
                Ok(expr_match) => self.lower_match(&expr_match, out, sink),
                Err(error) => self.cx.push(error),
            },
            Expr::Call(call) if self.called_closure(call).is_some() => {
                if let Some(local) = self.called_closure(call) {
                    self.lower_closure_call(&local, call, out, sink);
                }
            }
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
            // `(a, b)` as the value of a function that returns a tuple: the array `[a, b]`.
            Expr::Tuple(tuple) if self.returns_tuple && matches!(sink, Sink::Var(dst, _) if Some(dst) == self.ret) => {
                let items: Vec<&Expr> = tuple.elems.iter().collect();
                let items = self.lower_in_order(&items, out);
                if let Sink::Var(dst, kind) = sink {
                    self.assign(out, dst, Rhs::ArrayLit(items), kind, expr.span());
                }
            }
            _ => {
                let rhs = self.lower_rhs(expr, out);
                let span = expr.span();
                match sink {
                    Sink::Var(dst, kind) => {
                        let rhs = read_bare_outputs(rhs);
                        self.call_written_in_place(&rhs, true, expr);
                        if kind == AssignKind::Init {
                            self.adopt(dst, &rhs);
                        }
                        self.assign(out, dst, rhs, kind, span);
                    }
                    Sink::Discard => {
                        if let Some(written) = self.call_written_in_place(&rhs, false, expr) {
                            // `step(x, &mut h, &mut c);`: a marker for each
                            // output after the first, then the call, which
                            // overwrites the first (see `Rhs::output_marker`).
                            if let Rhs::Call(path, args) = &rhs {
                                for output in rhs.outputs().into_iter().skip(1) {
                                    let marker = Rhs::output_marker(path, args, output);
                                    self.assign(out, output, marker, AssignKind::Overwrite, span);
                                }
                            }
                            // `helper(x, &mut out);`: the call overwrites `out`.
                            self.assign(out, written, rhs, AssignKind::Overwrite, span);
                        } else if matches!(rhs, Rhs::Call(..) | Rhs::Method(..)) {
                            // A discarded call may still do something; pure values are dropped.
                            // A dropped call result reaches nothing, and may be `()`:
                            // it is no float, whatever its arguments are.
                            let ty = if matches!(rhs, Rhs::Call(..)) { Ty::Other } else { self.rhs_ty(&rhs) };
                            let dst = self.temp(ty);
                            self.assign(out, dst, rhs, AssignKind::Init, span);
                        }
                    }
                }
            }
        }
    }

    /// What a variable learns from its initializer: its type, and for an
    /// aggregate its element type and shape.
    pub(super) fn adopt(&mut self, dst: Var, rhs: &Rhs) {
        if self.vars[dst.0].ty == Ty::Unknown {
            self.vars[dst.0].ty = self.rhs_ty(rhs);
        }
        if let Rhs::Use(Operand::Var(source)) = rhs {
            // `let z = x;` of a reference parameter is a reference too.
            self.vars[dst.0].by_ref |= self.vars[source.0].by_ref;
        }
        // `let idx: [usize; 2] = [0, 2];`, `let idx = [0usize, 2];`: integers,
        // an index table, no aggregate of floats.
        let declared_other = self.vars[dst.0].ty == Ty::Other && self.vars[dst.0].declared.is_some();
        // (Flags too: `[false; 2]`, `vec![0usize, 1, 2]`.)
        let no_float = |item: &Operand| matches!(self.operand_ty(item), Ty::Other | Ty::Bool);
        let integers = match rhs {
            Rhs::ArrayLit(items) => !items.is_empty() && items.iter().all(no_float),
            Rhs::Repeat(item, _) | Rhs::VecRepeat(item, _) => no_float(item),
            _ => false,
        };
        if declared_other || integers {
            self.vars[dst.0].ty = Ty::Other;
            return;
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
    pub(super) fn lower_expr(&mut self, expr: &Expr, out: &mut Block) -> Operand {
        match expr {
            Expr::Paren(paren) => self.lower_expr(&paren.expr, out),
            Expr::Group(group) => self.lower_expr(&group.expr, out),
            Expr::Lit(lit) => Operand::Const(self.literal(&lit.lit)),
            Expr::Path(path) => self.path_operand(path),
            // `g_grad(x).1`: a derivative called inside differentiated code.
            Expr::Field(field) if super::call::derivative_called(&field.base).is_some() => {
                if let Some(message) = super::call::derivative_called(&field.base) {
                    self.cx.error_spanned_by(&field.base, message);
                }
                Operand::Const(Const { tokens: quote!(0.0), ty: Ty::Unknown })
            }
            Expr::Index(_) | Expr::Field(_) => match self.place(expr, out) {
                Some(place) => place_operand(place),
                None => Operand::Const(Const { tokens: quote!(0.0), ty: Ty::Unknown }),
            },
            Expr::Unary(unary) if matches!(unary.op, UnOp::Deref(_)) && self.is_place_binding(&unary.expr) => {
                // `*v` for a `&f64` element binding is the element itself.
                self.lower_expr(&unary.expr, out)
            }
            Expr::Unary(unary) if matches!(unary.op, UnOp::Deref(_)) && self.is_held_by_value(&unary.expr) => {
                // `*i` of `.filter(|(i, _)| *i != 2)`: the position itself.
                self.lower_expr(&unary.expr, out)
            }
            Expr::Unary(syn::ExprUnary { op: UnOp::Neg(_), expr: inner, .. }) if matches!(&**inner, Expr::Lit(_)) => {
                // `-1.0` stays a constant.
                let Expr::Lit(lit) = &**inner else { return self.lower_expr(inner, out) };
                let constant = self.literal(&lit.lit);
                let tokens = &constant.tokens;
                Operand::Const(Const { tokens: quote!(-#tokens), ty: constant.ty })
            }
            Expr::Unary(syn::ExprUnary { op: UnOp::Neg(_), expr: inner, .. })
                if self.names_a_constant(inner).is_some() =>
            {
                // `-DT` stays a constant, of the type `DT` has.
                let Some(path) = self.names_a_constant(inner) else { return self.lower_expr(inner, out) };
                match self.path_operand(path) {
                    Operand::Const(constant) => {
                        let tokens = &constant.tokens;
                        Operand::Const(Const { tokens: quote!(-#tokens), ty: constant.ty })
                    }
                    operand => operand,
                }
            }
            _ => {
                let temp = self.temp(Ty::Unknown);
                // `Holder::new(Settings::new(0.5))`: a constructor's value
                // is of its type (`structs::constructor_type`), no float.
                if let Some(ty) = super::structs::constructor_type(expr) {
                    let info = &mut self.vars[temp.0];
                    (info.ty, info.declared) = (Ty::Other, Some(ty));
                }
                self.lower_into(expr, out, Sink::Var(temp, AssignKind::Init));
                Operand::Var(temp)
            }
        }
    }

    /// Whether `expr` names a value Rust would bind by reference
    /// (`Lowerer::by_value`).
    pub(super) fn is_held_by_value(&self, expr: &Expr) -> bool {
        let Expr::Path(path) = expr else { return false };
        let binding = path.path.get_ident().and_then(|ident| self.lookup(ident));
        matches!(binding, Some(Binding::Var(var)) if self.by_value.contains(&var))
    }

    pub(super) fn is_place_binding(&self, expr: &Expr) -> bool {
        let Expr::Path(path) = expr else { return false };
        path.path
            .get_ident()
            .and_then(|ident| self.lookup(ident))
            .is_some_and(|b| matches!(b, Binding::Place(_) | Binding::Row(_)))
    }

    pub(super) fn literal(&mut self, lit: &Lit) -> Const {
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

    /// The path of `expr` (in parentheses or not) when it names a constant
    /// (`DT`, `consts::G`, `f64::EPSILON`) rather than a local.
    fn names_a_constant<'e>(&self, expr: &'e Expr) -> Option<&'e syn::ExprPath> {
        match expr {
            Expr::Paren(paren) => self.names_a_constant(&paren.expr),
            Expr::Path(path) if path.qself.is_none() => {
                let bound = path.path.get_ident().is_some_and(|ident| self.lookup(ident).is_some());
                (!bound).then_some(path)
            }
            _ => None,
        }
    }

    /// A local variable, an element binding, or a constant such as `PI` or
    /// `f64::EPSILON`.
    pub(super) fn path_operand(&mut self, path: &syn::ExprPath) -> Operand {
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
                Some(Binding::Place(place) | Binding::Row(place)) => return place_operand(place),
                Some(Binding::Closure(_)) => {
                    self.cx.error_spanned_by(path, closure_value_message(ident));
                    return Operand::Const(Const { tokens: quote!(0.0), ty: Ty::Unknown });
                }
                Some(Binding::Slice(_)) => {
                    self.cx.error_spanned_by(path, super::places::slice_use_message(ident));
                    return Operand::Const(Const { tokens: quote!(0.0), ty: Ty::Unknown });
                }
                Some(Binding::Struct(_)) => {
                    self.cx.error_spanned_by(path, super::structs::whole_struct_message(ident));
                    return Operand::Const(Const { tokens: quote!(0.0), ty: Ty::Unknown });
                }
                None => {}
            }
        }
        let mentions = |word: &str| path.path.segments.iter().any(|segment| segment.ident == word);
        let ty = if mentions("f64") {
            Ty::Float(FloatTy::F64)
        } else if mentions("f32") {
            Ty::Float(FloatTy::F32)
        } else if names_a_variant(&path.path) {
            Ty::Other
        } else {
            Ty::Unknown
        };
        Operand::Const(Const { tokens: path.to_token_stream(), ty })
    }

    /// Lowers `exprs` left to right, as Rust evaluates operands: an operand
    /// that a later one's statements change (`s * { s += y; s }`) is read
    /// into a temporary before them.
    pub(super) fn lower_in_order(&mut self, exprs: &[&Expr], out: &mut Block) -> Vec<Operand> {
        self.lower_each_in_order(exprs, out, Self::lower_expr, |operand| Some(operand.clone()), |operand| operand)
    }

    /// `lower_in_order` with `lower` for each item (an operand, a call's
    /// argument): the value an item holds (`value`) is read into a
    /// temporary, which `with` makes an item of, when a later item's
    /// statements change it.
    pub(super) fn lower_each_in_order<T>(
        &mut self,
        exprs: &[&Expr],
        out: &mut Block,
        lower: impl Fn(&mut Self, &Expr, &mut Block) -> T,
        value: impl Fn(&T) -> Option<Operand>,
        with: impl Fn(Operand) -> T,
    ) -> Vec<T> {
        let mut parts: Vec<(Block, T)> = exprs
            .iter()
            .map(|expr| {
                let mut block = Block::default();
                let item = lower(self, expr, &mut block);
                (block, item)
            })
            .collect();
        for i in 0..parts.len() {
            let Some(operand) = value(&parts[i].1) else { continue };
            let later: std::collections::BTreeSet<Var> =
                parts[i + 1..].iter().flat_map(|(block, _)| crate::ir::written_in(block)).collect();
            if operand.reads().iter().any(|var| later.contains(var)) {
                let read = self.temp(self.operand_ty(&operand));
                self.assign(&mut parts[i].0, read, Rhs::Use(operand), AssignKind::Init, exprs[i].span());
                parts[i].1 = with(Operand::Var(read));
            }
        }
        parts
            .into_iter()
            .map(|(block, item)| {
                out.stmts.extend(block.stmts);
                item
            })
            .collect()
    }

    /// Lowers a leaf expression to one right-hand side.
    pub(super) fn lower_rhs(&mut self, expr: &Expr, out: &mut Block) -> Rhs {
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
                Rhs::Prim(op, self.lower_in_order(&[&*binary.left, &*binary.right], out))
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
                let items: Vec<&Expr> = array.elems.iter().collect();
                Rhs::ArrayLit(self.lower_in_order(&items, out))
            }
            Expr::Repeat(repeat) => {
                let value = self.lower_expr(&repeat.expr, out);
                Rhs::Repeat(value, repeat.len.to_token_stream())
            }
            Expr::Macro(mac) if mac.mac.path.is_ident("vec") => self.lower_vec_macro(&mac.mac, out),
            _ => self.unsupported(keyword_of(expr), unsupported_message(expr)),
        }
    }
}

/// The error for a local closure's name used as a value.
pub(super) fn closure_value_message(name: &syn::Ident) -> String {
    format!(
        "a local closure can only be called inside #[grad] functions (`{name}(..)`, inlined at the call); \
         to pass a computation to an iterator, write the closure there (`.map(|v| ..)`)"
    )
}

/// A float literal equal to 1 (`1.0`, `1.`, `1.0_f64`, `1f64`).
pub(super) fn is_float_one(expr: &Expr) -> bool {
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

pub(super) fn binary_op(op: &BinOp) -> Option<Op> {
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

/// Whether `path` names an enum's unit variant (`Mode::Linear`,
/// `Ordering::Less`): a type's name then a name in `CamelCase`, where a
/// `const` is in `SCREAMING_CASE` (`Config::SCALE`): a value that is no
/// float, so that `[Mode::Linear; 3]` is no array of floats.
fn names_a_variant(path: &syn::Path) -> bool {
    let segments: Vec<String> = path.segments.iter().map(|segment| crate::naming::name_of(&segment.ident)).collect();
    let camel = |name: &String| {
        name.starts_with(|c: char| c.is_ascii_uppercase()) && name.chars().any(|c| c.is_ascii_lowercase())
    };
    matches!(segments.as_slice(), [.., owner, last] if camel(owner) && camel(last) && owner != "Self")
}

/// What to say about an expression outside the subset: the construct and the way out.
pub(super) fn unsupported_message(expr: &Expr) -> String {
    let (what, way_out) = match expr {
        Expr::Closure(_) => (
            "closures are",
            "write the computation inline, as a separate #[grad] function, or inside an iterator reduction \
             (`.map(|v| ..).sum()`, `.fold(..)`, `.for_each(..)`)",
        ),
        Expr::Unsafe(_) => ("`unsafe` blocks are", "move the unsafe code out of the differentiated function"),
        Expr::Macro(mac) => return macro_message(&mac.mac),
        Expr::Tuple(_) => (
            "tuple values here (a closure's result, an operand, an argument) are",
            "take a tuple apart where it is made (`let (a, b) = (x, y);`, or `let (s, c) = sin_cos(t);` of a \
             #[grad] function returning `(f64, f64)`, which a closure cannot be)",
        ),
        Expr::Struct(_) => (
            "struct literals outside a `let` are",
            "bind the struct with `let` (`let st = State { .. };`) and use its fields",
        ),
        Expr::Reference(_) => (
            "references are",
            "pass references as call arguments or loop sources, or bind an element by one (`let row = &x[i];`) or \
             a sub-slice (`let part = &x[a..b];`)",
        ),
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
pub(super) fn keyword_of(expr: &Expr) -> TokenStream {
    match expr {
        Expr::Unsafe(e) => e.unsafe_token.to_token_stream(),
        Expr::Async(e) => e.async_token.to_token_stream(),
        Expr::Closure(e) => {
            let (bar, end) = (&e.or1_token, &e.or2_token);
            quote!(#bar #end)
        }
        _ => expr.to_token_stream(),
    }
}

/// A call whose value is used (`let s = total(y);`) writes no `&mut`
/// argument (`call_written_in_place` refuses one that does), so a `&mut`
/// output of the function passed on bare, which could be either, is read
/// by it. The emitted argument goes through `guards::read`, which says so
/// if the callee writes it after all.
fn read_bare_outputs(rhs: Rhs) -> Rhs {
    let Rhs::Call(path, args) = rhs else { return rhs };
    let args = args
        .into_iter()
        .map(|arg| match arg {
            Arg::Ref { place, range: None, mutable: true, borrowed: false } => {
                Arg::Ref { place, range: None, mutable: false, borrowed: false }
            }
            other => other,
        })
        .collect();
    Rhs::Call(path, args)
}
