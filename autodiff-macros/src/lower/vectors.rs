//! Local vectors of floats grown with `push`: `let mut v: Vec<f64> =
//! Vec::new();` (or `Vec::with_capacity(n)`), then `v.push(x)`.
//!
//! A `push` is lowered as what it does to the elements: the vector grows
//! by a zero (`v.push(0.0)`, a method with no derivative), then the new
//! element is written (`v[k] = x`, a store like any other, so both modes
//! differentiate it). The adjoint of `v` takes `v`'s length where the
//! reverse sweep begins, when every push has run; forward mode grows the
//! tangent of `v` beside it (`forward.rs`, through `is_growth`).
//!
//! ```text
//! let mut v: Vec<f64> = Vec::with_capacity(n);   v = vec![0.0; 0]; _ = v.reserve(n)
//! v.push(x * x);                                 k = v.len(); _ = v.push(0.0); v[k] = x * x
//! ```

use quote::quote;
use syn::{Expr, Ident};

use super::Lowerer;
use crate::ir::{AssignKind, Block, Const, Operand, Place, Proj, Rhs, Stmt, Ty, Var, VarKind};

/// Whether `method`, called on a vector of floats, grows it as lowering
/// writes a `push` (`push` of a zero, `reserve`): forward mode grows the
/// vector's tangent alike.
pub fn is_growth(method: &Ident) -> bool {
    method == "push" || method == "reserve"
}

/// `Vec::new()`, `Vec::with_capacity(n)` (by any path ending so): the
/// capacity asked for, if any.
pub(super) fn empty_vec(expr: &Expr) -> Option<Option<&Expr>> {
    let Expr::Call(call) = expr else { return None };
    let Expr::Path(path) = &*call.func else { return None };
    let segments = &path.path.segments;
    let n = segments.len();
    if path.qself.is_some() || n < 2 || segments[n - 2].ident != "Vec" {
        return None;
    }
    match (segments[n - 1].ident.to_string().as_str(), call.args.len()) {
        ("new", 0) => Some(None),
        ("with_capacity", 1) => Some(call.args.first()),
        _ => None,
    }
}

/// `vec![]`, written as the `Vec::new()` it is.
pub(super) fn empty_vec_macro(expr: &Expr) -> Option<Expr> {
    let Expr::Macro(mac) = expr else { return None };
    if !mac.mac.path.is_ident("vec") || !mac.mac.tokens.is_empty() {
        return None;
    }
    let span = syn::spanned::Spanned::span(&mac.mac);
    Some(syn::parse_quote_spanned!(span=> ::std::vec::Vec::new()))
}

impl Lowerer<'_> {
    /// `vector = Vec::new()` / `Vec::with_capacity(n)` for a local typed as
    /// a vector of floats: an empty vector (`vec![0.0; 0]`, which does not
    /// allocate), then the capacity reserved.
    pub(super) fn lower_empty_vec(
        &mut self,
        vector: Var,
        capacity: Option<&Expr>,
        out: &mut Block,
        span: proc_macro2::Span,
    ) {
        let mut reserved = Block::default();
        let capacity = capacity.map(|capacity| self.lower_expr(capacity, &mut reserved));
        out.stmts.extend(reserved.stmts);
        self.lower_empty_vec_of(vector, capacity, out, span);
    }

    /// `vector = vec![0.0; 0]`, then `_ = vector.reserve(capacity)`.
    fn lower_empty_vec_of(&mut self, vector: Var, capacity: Option<Operand>, out: &mut Block, span: proc_macro2::Span) {
        let float = self.vars[vector.0].elem;
        let zero = Operand::Const(Const { tokens: quote!(0.0), ty: float.map_or(Ty::AnyFloat, Ty::Float) });
        let empty = Operand::Const(Const { tokens: quote!(0usize), ty: Ty::Other });
        self.assign(out, vector, Rhs::VecRepeat(zero, empty), AssignKind::Init, span);
        if let Some(capacity) = capacity {
            self.grow(vector, "reserve", capacity, out, span);
        }
    }

    /// `v.push(x)` on a local vector of floats, lowered as a zero pushed
    /// and the element written; `None` for any other call.
    pub(super) fn lower_push(
        &mut self,
        call: &syn::ExprMethodCall,
        receiver: &Operand,
        out: &mut Block,
    ) -> Option<Rhs> {
        let Operand::Var(vector) = receiver else { return None };
        let info = &self.vars[vector.0];
        let local_floats = info.ty == Ty::Aggregate && info.dims == Some(1) && info.kind == VarKind::Local;
        if call.method != "push" || call.args.len() != 1 || !local_floats || info.by_ref {
            return None;
        }
        let value = self.lower_expr(&call.args[0], out);
        Some(self.push_float(*vector, value, out, call.method.span()))
    }

    /// `vector.push(value)` on a vector of floats: a zero pushed, then the
    /// element written.
    pub(super) fn push_float(&mut self, vector: Var, value: Operand, out: &mut Block, span: proc_macro2::Span) -> Rhs {
        let position = self.temp(Ty::Other);
        let len = Ident::new("len", span);
        self.assign(out, position, Rhs::Method(Operand::Var(vector), len, Vec::new()), AssignKind::Init, span);
        let float = self.vars[vector.0].elem;
        let zero = Operand::Const(Const { tokens: quote!(0.0), ty: float.map_or(Ty::AnyFloat, Ty::Float) });
        self.grow(vector, "push", zero, out, span);
        let place = Place { var: vector, proj: vec![Proj::Index(Operand::Var(position))] };
        out.stmts.push(Stmt::Store { place, value, span });
        Rhs::Use(Operand::Const(Const { tokens: quote!(()), ty: Ty::Other }))
    }

    /// `_ = vector.method(argument)`, a call that grows the vector.
    fn grow(&mut self, vector: Var, method: &str, argument: Operand, out: &mut Block, span: proc_macro2::Span) {
        let done = self.temp(Ty::Other);
        let method = Ident::new(method, span);
        self.assign(out, done, Rhs::Method(Operand::Var(vector), method, vec![argument]), AssignKind::Init, span);
    }

    /// A `push` onto an untyped local vector (`let mut v = Vec::new();`,
    /// `Vec<_>`, a `collect`) before any other: a float of a known type
    /// makes it a vector of floats (pushed as one, its declaration made one
    /// by `declare_inferred_vectors`); an integer or a `bool` leaves it to
    /// `integer_push`; a value of unknown type is refused.
    pub(super) fn inferred_push(
        &mut self,
        call: &syn::ExprMethodCall,
        receiver: &Operand,
        args: &[Operand],
        out: &mut Block,
    ) -> Option<Rhs> {
        let Operand::Var(vector) = *receiver else { return None };
        if call.method != "push" || args.len() != 1 || !self.untyped_vectors.remove(&vector) {
            return None;
        }
        let ty = match self.operand_ty(&args[0]) {
            // A float from literals (`let mut s = 0.0; s += x[i]; v.push(s)`)
            // has the signature's one float type.
            Ty::AnyFloat => self.float.map_or(Ty::AnyFloat, Ty::Float),
            ty => ty,
        };
        match ty {
            Ty::Float(float) => {
                let element = crate::emit::float_type(float);
                let declared: syn::Type = syn::parse_quote!(Vec<#element>);
                let info = &mut self.vars[vector.0];
                info.ty = Ty::Aggregate;
                info.elem = Some(float);
                info.dims = Some(1);
                info.zero = super::places::zero_of_type(&declared);
                info.declared = Some(declared);
                self.inferred_vectors.push(vector);
                Some(self.push_float(vector, args[0].clone(), out, call.method.span()))
            }
            Ty::Other | Ty::Bool => None,
            _ if self.collected.contains(&vector) => {
                let name = self.vars[vector.0].ident.clone();
                self.cx.error_spanned_by(&call.method, super::collect::type_needed(&name));
                Some(Rhs::Use(Operand::Const(Const { tokens: quote!(()), ty: Ty::Other })))
            }
            // `untyped_push` refuses it.
            _ => None,
        }
    }

    /// Makes the declaration of each vector `inferred_push` found to hold
    /// floats that of an empty vector of floats, with the capacity asked
    /// for reserved: `v = Vec::with_capacity(n)` becomes `v = vec![0.0;
    /// 0]; _ = v.reserve(n)`, as for a vector typed where it is declared.
    pub(super) fn declare_inferred_vectors(&mut self, block: &mut Block) {
        for vector in std::mem::take(&mut self.inferred_vectors) {
            self.declare_inferred(vector, block);
        }
    }

    /// Returns whether it found the declaration of `vector` in `block`.
    fn declare_inferred(&mut self, vector: Var, block: &mut Block) -> bool {
        for at in 0..block.stmts.len() {
            let found = match &mut block.stmts[at] {
                Stmt::Assign { dst, rhs, kind: AssignKind::Init, span } if *dst == vector => {
                    let capacity = match rhs {
                        Rhs::Call(_, args) => match args.as_slice() {
                            [crate::ir::Arg::Value(capacity)] => Some(capacity.clone()),
                            _ => None,
                        },
                        _ => None,
                    };
                    Some((capacity, *span))
                }
                Stmt::If { then, els, .. } => {
                    if self.declare_inferred(vector, then) || self.declare_inferred(vector, els) {
                        return true;
                    }
                    None
                }
                Stmt::Loop(lp) => {
                    if self.declare_inferred(vector, &mut lp.body) {
                        return true;
                    }
                    None
                }
                _ => None,
            };
            let Some((capacity, span)) = found else { continue };
            let mut declaration = Block::default();
            self.lower_empty_vec_of(vector, capacity, &mut declaration, span);
            block.stmts.splice(at..=at, declaration.stmts);
            return true;
        }
        false
    }

    /// Integers (or `bool`s) pushed onto a local whose type the macro cannot
    /// see (`let mut idx = Vec::new(); idx.push(i);`): a vector of values
    /// without derivatives, kept as written. Rust gives the vector the
    /// pushed type, so from here on it is known to hold no floats (its
    /// `len()` and elements are integers).
    pub(super) fn integer_push(&mut self, call: &syn::ExprMethodCall, receiver: &Operand, args: &[Operand]) -> bool {
        let Operand::Var(vector) = receiver else { return false };
        let info = &self.vars[vector.0];
        let untyped = info.kind == VarKind::Local && info.declared.is_none() && info.ty != Ty::Aggregate;
        let pushes_integer = args.len() == 1 && matches!(self.operand_ty(&args[0]), Ty::Other | Ty::Bool);
        if call.method != "push" || !untyped || !pushes_integer {
            return false;
        }
        self.vars[vector.0].ty = Ty::Other;
        self.integer_vectors.insert(*vector);
        true
    }

    /// A float pushed onto a local whose type the macro cannot see (`let
    /// mut v = Vec::new();`) would lose its derivative: refused, asking for
    /// the type.
    pub(super) fn untyped_push(&mut self, call: &syn::ExprMethodCall, receiver: &Operand, args: &[Operand]) -> bool {
        let Operand::Var(vector) = receiver else { return false };
        let info = &self.vars[vector.0];
        let untyped = info.kind == VarKind::Local && info.declared.is_none() && info.ty != Ty::Aggregate;
        let pushes_float = args.iter().any(|arg| !matches!(self.operand_ty(arg), Ty::Other | Ty::Bool));
        if call.method != "push" || !untyped || !pushes_float {
            return false;
        }
        let name = written_name(call).unwrap_or_else(|| info.ident.clone());
        // (`pts.push([x, y])`: a `Vec<f64>` is not what it holds, round 21 C3.)
        let message = if args.iter().any(|arg| self.operand_ty(arg) == Ty::Aggregate) {
            format!(
                "`push` of an array onto a vector is not supported inside #[grad] functions; make the vector \
                 with its length (`let mut {name} = vec![[0.0; 2]; n];`) and write its rows (`{name}[i] = [a, b];`)"
            )
        } else {
            format!(
                "#[grad] cannot tell that `{name}` holds floats, so a float pushed onto it would lose its \
                 derivative; give it its type: `let mut {name}: Vec<f64> = Vec::new();`"
            )
        };
        self.cx.error_spanned_by(&call.method, message);
        true
    }
}

/// The vector's name as the user wrote it (`v` in `v.push(x)`), not the
/// one the generated code gives it when an earlier binding had it (`v_1`).
fn written_name(call: &syn::ExprMethodCall) -> Option<Ident> {
    match &*call.receiver {
        Expr::Path(path) => path.path.get_ident().cloned(),
        _ => None,
    }
}
