//! Local closures, inlined at each call.
//!
//! ```text
//! let sq = |v: f64| v * v;
//! sq(a) + sq(b)
//! ```
//! becomes
//! ```text
//! v = a; __t1 = mul(v, v)
//! v_1 = b; __t2 = mul(v_1, v_1)
//! __ret = add(__t1, __t2)
//! ```
//! so a closure costs what the written-out expression costs. Its body means
//! the names in scope where it was written (a later `let` of the same name
//! does not change what it reads); a `move` closure, which copies what it
//! captures when it is made, is refused.

use std::rc::Rc;

use syn::spanned::Spanned;
use syn::{Expr, ExprCall, ExprClosure, Ident, Pat};

use super::{type_of, Binding, Lowerer, Sink};
use crate::ir::{AssignKind, Block, Rhs, Ty, VarKind};

/// A closure bound by `let`, with the names it can see.
pub(super) struct LocalClosure {
    closure: ExprClosure,
    /// The scopes where the closure was written, innermost last.
    scopes: Vec<super::Scope>,
}

impl Lowerer<'_> {
    /// `let name = |..| ..;`: `name` stands for the closure.
    pub(super) fn bind_closure(&mut self, name: &Ident, closure: &ExprClosure) {
        if let Some(token) = &closure.capture {
            self.cx.error_spanned_by(
                token,
                "`move` closures are not supported inside #[grad] functions; remove `move` (the closure is inlined \
                 where it is called)",
            );
            return;
        }
        if let Some(token) = &closure.asyncness {
            self.cx.error_spanned_by(token, "`async` closures are not supported inside #[grad] functions");
            return;
        }
        let local = LocalClosure { closure: closure.clone(), scopes: self.scopes.clone() };
        self.bind(name, Binding::Closure(Rc::new(local)));
    }

    /// The local closure `call` calls, if it calls one.
    pub(super) fn called_closure(&self, call: &ExprCall) -> Option<Rc<LocalClosure>> {
        let Expr::Path(path) = &*call.func else { return None };
        match self.lookup(path.path.get_ident()?)? {
            Binding::Closure(local) => Some(local),
            _ => None,
        }
    }

    /// `f(a, b)` of a local closure: each parameter a new variable set to
    /// its argument (or another name for an array passed by reference),
    /// then the body, in the closure's own scope, into `sink`.
    pub(super) fn lower_closure_call(&mut self, local: &LocalClosure, call: &ExprCall, out: &mut Block, sink: Sink) {
        let closure = &local.closure;
        if closure.inputs.len() != call.args.len() {
            self.cx.error_spanned_by(
                &call.args,
                format!("this closure takes {} argument(s), as written at its `let`", closure.inputs.len()),
            );
            return;
        }
        let mut params = Vec::new();
        for (pattern, arg) in closure.inputs.iter().zip(&call.args) {
            let Some((name, declared, mutable)) = self.closure_parameter(pattern) else { return };
            let binding = self.closure_argument(&name, declared, mutable, arg, out);
            params.push((name, binding));
        }
        let caller_scopes = std::mem::replace(&mut self.scopes, local.scopes.clone());
        self.scopes.push(super::Scope::new());
        for (name, binding) in &params {
            self.bind(name, binding.clone());
        }
        self.lower_closure_body(&closure.body, out, sink);
        self.scopes = caller_scopes;
    }

    /// The name and type of a closure parameter (`v`, `mut v`, `v: f64`),
    /// and whether it is `mut`.
    fn closure_parameter(&self, pattern: &Pat) -> Option<(Ident, Option<syn::Type>, bool)> {
        let (inner, declared) = match pattern {
            Pat::Type(typed) => (&*typed.pat, Some((*typed.ty).clone())),
            other => (other, None),
        };
        match inner {
            Pat::Ident(binding) if binding.by_ref.is_none() && binding.subpat.is_none() => {
                Some((binding.ident.clone(), declared, binding.mutability.is_some()))
            }
            _ => {
                self.cx.error_spanned_by(
                    pattern,
                    "a local closure's parameters are names (`|v: f64| ..`) inside #[grad] functions",
                );
                None
            }
        }
    }

    /// What a parameter stands for in the body: the caller's array itself
    /// for an array passed by reference, or by value to a parameter that is
    /// not `mut` (which cannot change it), a copy of the value otherwise (a
    /// `mut` parameter that the body writes must not write the caller's:
    /// review 24 found the derivative silently wrong).
    fn closure_argument(
        &mut self,
        name: &Ident,
        declared: Option<syn::Type>,
        mutable: bool,
        arg: &Expr,
        out: &mut Block,
    ) -> Binding {
        let unborrowed = match arg {
            Expr::Reference(reference) if reference.mutability.is_none() => &*reference.expr,
            other => other,
        };
        let by_value = std::ptr::eq(unborrowed, arg);
        if let (Expr::Path(path), false) = (unborrowed, mutable && by_value) {
            let binding = path.path.get_ident().and_then(|ident| self.lookup(ident));
            match binding {
                Some(Binding::Var(var)) if self.vars[var.0].ty == Ty::Aggregate => return Binding::Var(var),
                // A struct left out of `wrt(..)`: itself, lent with its slots.
                Some(Binding::Var(var)) if self.is_constant_struct_reference(var) => return Binding::Var(var),
                // (`let r = &pts[i]; dist(r)`: the row itself, round 17.)
                Some(binding @ (Binding::Slice(_) | Binding::Row(_))) => return binding,
                _ => {}
            }
        }
        if let Some(binding) = self.reference_argument(name, arg, out) {
            return binding;
        }
        let value = self.lower_expr(arg, out);
        let ty = declared.as_ref().map(type_of).unwrap_or(Ty::Unknown);
        let copy = self.user_var(name, ty, declared);
        self.vars[copy.0].kind = VarKind::Local;
        let rhs = Rhs::Use(value);
        self.adopt(copy, &rhs);
        self.assign(out, copy, rhs, AssignKind::Init, arg.span());
        Binding::Var(copy)
    }

    /// `f(&x[1..])`, `f(&pts[i])`: the parameter names those elements, as
    /// `let a = &x[1..];` or `let a = &pts[i];` would (round 17: refused,
    /// and a row given to a `&[f64]` parameter failed to compile).
    fn reference_argument(&mut self, name: &Ident, arg: &Expr, out: &mut Block) -> Option<Binding> {
        if !matches!(arg, Expr::Reference(reference) if reference.mutability.is_none()) {
            return None;
        }
        let pattern: Pat = syn::parse_quote!(#name);
        self.scopes.push(super::Scope::new());
        let bound = self.bind_element_reference(name, &pattern, arg, out) || self.bind_sub_slice(name, arg, out);
        let binding = self.scopes.pop().and_then(|mut scope| scope.remove(&crate::naming::name_of(name)));
        // (A refusal of the argument was reported where it was bound.)
        match binding {
            Some(binding) => Some(binding),
            None if bound => Some(Binding::Var(self.temp(Ty::Other))),
            None => None,
        }
    }
}
