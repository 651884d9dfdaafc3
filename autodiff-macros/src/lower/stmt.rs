//! Statements and control flow: statement lists (and the guards after a
//! `return`, `break` or `continue`), `let`, assignments, `if`, `&&`/`||`,
//! `return`, and the bodies of reductions' closures.

use quote::{format_ident, quote, ToTokens};
use syn::parse_quote_spanned;
use syn::spanned::Spanned;
use syn::{BinOp, Expr, ExprIf, Pat};

use super::structs::constructor_type;
use super::{constant_aggregate, places, type_of, Binding, ClosureCtx, Lowerer, Sink};
use crate::ir::{AssignKind, Block, Const, FloatTy, Op, Operand, Rhs, Stmt, Ty, Var, VarKind, Zero};

impl Lowerer<'_> {
    /// Lowers the body of a reduction's closure into `out`, its value into
    /// `sink` (as a statement when `sink` is `Discard`). A `return` inside
    /// gives the closure's value and skips the rest of its body.
    pub(super) fn lower_closure_body(&mut self, value: &Expr, out: &mut Block, sink: Sink) {
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
    pub(super) fn lower_closure_return(&mut self, ret: &syn::ExprReturn, out: &mut Block) {
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
    pub(super) fn lower_stmts(&mut self, stmts: &[syn::Stmt], out: &mut Block, sink: Sink) {
        for (i, stmt) in stmts.iter().enumerate() {
            let before = self.escapes.clone();
            let last = i + 1 == stmts.len();
            if let Some((assertion, span)) = super::assertions::of_statement(stmt) {
                self.lower_assertion(&assertion, span, out);
                continue;
            }
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
    pub(super) fn none_set(&mut self, flags: &[Var], out: &mut Block, span: proc_macro2::Span) -> Var {
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

    pub(super) fn lower_local(&mut self, local: &syn::Local, out: &mut Block) {
        let (pat, declared) = match &local.pat {
            // (`let x: _ = ..` says nothing; `_` also marks a `const` table.)
            Pat::Type(typed) if matches!(*typed.ty, syn::Type::Infer(_)) => (&*typed.pat, None),
            Pat::Type(typed) => (&*typed.pat, Some((*typed.ty).clone())),
            pat => (pat, None),
        };
        if let Some(init) = &local.init {
            if let Some((_, diverge)) = &init.diverge {
                self.lower_let_else(pat, &init.expr, diverge, out);
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
            Pat::Tuple(tuple) => {
                if let Some(init) = &local.init {
                    let types = match &declared {
                        Some(syn::Type::Tuple(types)) => types.elems.iter().cloned().collect(),
                        _ => Vec::new(),
                    };
                    self.destructure_tuple(tuple, &types, &init.expr, out);
                }
                return;
            }
            Pat::Struct(pattern) if declared.is_none() => {
                if let Some(init) = &local.init {
                    self.destructure_struct(pattern, &init.expr, out);
                }
                return;
            }
            _ => {
                self.cx.error_spanned_by(
                    pat,
                    "unsupported pattern in `let`; #[grad] supports `let name = ..`, `let mut name = ..`, \
                     `let name: T = ..`, `let (a, b) = (x, y);`, `let [a, b] = *array;` and `let Sample { x, y } \
                     = data[i];`",
                );
                return;
            }
        };
        if let Some(syn::LocalInit { expr, .. }) = &local.init {
            if let Expr::Closure(closure) = &**expr {
                self.bind_closure(ident, closure);
                return;
            }
            if let Some(stmts) = vec_of_items(ident, declared.as_ref(), expr) {
                self.lower_stmts(&stmts, out, Sink::Discard);
                return;
            }
            let copied = super::sources::to_vec_call(expr)
                .is_some_and(|call| self.lower_to_vec(ident, declared.as_ref(), call, out));
            if copied || self.lower_clone(pat, declared.as_ref(), expr, out) {
                return;
            }
            if let Some(call) = super::collect::collect_call(expr) {
                self.lower_collect(ident, declared.as_ref(), call, out);
                return;
            }
            if let Some(ty) = declared.as_ref().and_then(super::call::model_part_type) {
                if self.bind_typed_part(ident, pat, ty, expr, out) {
                    return;
                }
            }
            // (A reference's type written, `let r: &[f64; 3] = &rows[i];`,
            // says what rustc checks in the function as written.)
            let untyped = declared.as_ref().is_none_or(is_shared_reference);
            let element_reference = untyped && self.bind_element_reference(ident, pat, expr, out);
            if element_reference || self.bind_sub_slice(ident, expr, out) {
                return;
            }
            let mutable = matches!(pat, Pat::Ident(binding) if binding.mutability.is_some());
            if self.bind_struct_literal(ident, mutable, expr, out) {
                return;
            }
        }
        if let Some(aliased) = self.reference_alias(pat, declared.as_ref(), local.init.as_ref()) {
            self.bind(ident, aliased);
            return;
        }
        if let (Pat::Ident(binding), Some(init)) = (pat, &local.init) {
            if binding.mutability.is_some() && self.names_a_struct_reference(&init.expr) {
                // `let mut c = n;` then `c = m;`: which struct `c` names,
                // and whether it is differentiated, would change as the
                // function runs.
                self.cx.error_spanned_by(
                    binding,
                    format!(
                        "a `mut` name for a struct (`{ident}`) is not supported inside #[grad] functions, since it \
                         may be given another struct; use each struct by its own name"
                    ),
                );
                return;
            }
        }
        // `let act: Act = self.act;`: a constant of the enum's type.
        let settings = match (&declared, &local.init) {
            (Some(ty), Some(init)) if super::call::may_name_settings(ty) => self.copy_of_settings(ty, &init.expr, out),
            _ => false,
        };
        let ty = if settings { Ty::Other } else { declared.as_ref().map(type_of).unwrap_or(Ty::Unknown) };
        // The initializer is lowered before the new binding enters scope:
        // `let x = x + 1.0` reads the old `x`.
        let var = self.user_var(ident, ty, declared.clone());
        let top_level = self.scopes.len() == self.body_depth
            && self.loops.is_empty()
            && self.closures.is_empty()
            && self.done.is_none();
        if top_level && matches!(pat, Pat::Ident(binding) if binding.mutability.is_none()) {
            self.top_level.insert(var);
        }
        if matches!(pat, Pat::Ident(binding) if binding.mutability.is_some()) {
            self.mutable_locals.insert(var);
        }
        if let Some(init) = local.init.as_ref().filter(|_| declared.is_none()) {
            if let Some(ty) = constructor_type(&init.expr) {
                self.constructed.insert(var, ty);
            }
            if matches!(&*init.expr, Expr::Call(_) | Expr::MethodCall(_)) {
                self.call_results.insert(var);
            }
        }
        if let Some(declared) = &declared {
            self.declare_shape(var, declared);
        }
        if let Some(init) = &local.init {
            let vector_of_floats = self.vars[var.0].ty == Ty::Aggregate && self.vars[var.0].dims == Some(1);
            let new_vec = super::vectors::empty_vec_macro(&init.expr);
            let init_expr = new_vec.as_ref().unwrap_or(&init.expr);
            let empty = super::vectors::empty_vec(init_expr);
            self.mark_refused(var, |this| match empty.filter(|_| vector_of_floats) {
                Some(capacity) => this.lower_empty_vec(var, capacity, out, init.expr.span()),
                None => this.lower_into(init_expr, out, Sink::Var(var, AssignKind::Init)),
            });
            if self.call_results.contains(&var) {
                if let Some(Stmt::Assign { rhs: Rhs::Call(_, args), .. }) = out.stmts.last() {
                    self.float_call_args.insert(var, args.clone());
                }
            }
            if empty.is_some() && !vector_of_floats && declared.as_ref().is_none_or(super::collect::is_untyped_vec) {
                self.untyped_vectors.insert(var);
            }
        }
        self.bind(ident, Binding::Var(var));
    }

    /// `let old = u.clone();` (or `to_owned`) of a float vector (a local,
    /// or a `&Vec` parameter): its copy, as `u.to_vec()` makes it; of a
    /// float array (a local, or a `&[F; N]` parameter): its copy, as
    /// `let old = u;` (`*u`) makes it. Returns whether it did (a slice's
    /// `clone` is the reference again, which lowering refuses).
    fn lower_clone(&mut self, pat: &Pat, declared: Option<&syn::Type>, expr: &Expr, out: &mut Block) -> bool {
        let Expr::MethodCall(call) = expr else { return false };
        let copies = call.method == "clone" || call.method == "to_owned";
        if !copies || !call.args.is_empty() || call.turbofish.is_some() {
            return false;
        }
        let Expr::Path(path) = &*call.receiver else { return false };
        let Some(name) = path.path.get_ident() else { return false };
        let Some(Binding::Var(var)) = self.lookup(name) else { return false };
        let info = &self.vars[var.0];
        if info.ty != Ty::Aggregate || info.dims.is_none() {
            return false;
        }
        let declared_vec = |ty: &syn::Type| {
            let mut ty = ty;
            while let syn::Type::Reference(reference) = ty {
                ty = &reference.elem;
            }
            matches!(ty, syn::Type::Path(path) if path.path.segments.last().is_some_and(|last| last.ident == "Vec"))
        };
        let vector = match &info.declared {
            Some(ty) => declared_vec(ty),
            None => !info.by_ref && matches!(info.zero, Some(Zero::Vec(_))),
        };
        let array = !vector && matches!(info.zero, Some(Zero::Array(_)));
        let Pat::Ident(binding) = pat else { return false };
        let span = call.method.span();
        if vector {
            let to_vec: syn::ExprMethodCall = syn::parse_quote_spanned!(span=> #name.to_vec());
            return self.lower_to_vec(&binding.ident, declared, &to_vec, out);
        }
        if !array {
            return false;
        }
        let value: Expr = if info.by_ref { syn::parse_quote!(*#name) } else { syn::parse_quote!(#name) };
        let ty = declared.map(|ty| quote!(: #ty));
        let copy: syn::Stmt = syn::parse_quote_spanned!(span=> let #binding #ty = #value;);
        self.lower_stmts(&[copy], out, Sink::Discard);
        true
    }

    /// `let (a, b) = (x, y);`: every value first, then the names, so
    /// `let (a, b) = (b, a);` swaps.
    /// `var`, declared an array or a vector of floats (`let a: [f64; 3]`):
    /// an aggregate of that shape.
    fn declare_shape(&mut self, var: Var, declared: &syn::Type) {
        if let Some((float, dims)) = constant_aggregate(declared) {
            let info = &mut self.vars[var.0];
            info.ty = Ty::Aggregate;
            info.elem = Some(float);
            info.dims = Some(dims);
            info.zero = places::zero_of_type(declared);
        }
    }

    /// `let Sample { x, y: w, .. } = data[i];`: `let x = data[i].x;` and
    /// `let w = data[i].y;`, each field read where the struct is. (Rust
    /// checks the pattern against the type in the function as written.)
    fn destructure_struct(&mut self, pattern: &syn::PatStruct, init: &Expr, out: &mut Block) {
        let fields = pattern.fields.iter().map(|field| (field.member.clone(), (*field.pat).clone())).collect();
        self.destructure_place(pattern, fields, init, out);
    }

    /// The fields of the value stored at `init` (a struct's, `let Sample
    /// { x, y } = data[i];`, or a tuple's, `let (i, j, k) = edges[t];`),
    /// each bound by its pattern as `let pattern = init.field;` is.
    fn destructure_place(
        &mut self,
        pattern: &dyn ToTokens,
        fields: Vec<(syn::Member, syn::Pat)>,
        init: &Expr,
        out: &mut Block,
    ) {
        let place = unwrapped(init);
        // (Read once per field: only a place whose indices read names and
        // literals, so that reading it again reads the same element.)
        if matches!(place, Expr::Index(_)) && !is_pure_place(place) {
            self.cx.error_spanned_by(
                init,
                "#[grad] reads each field of the pattern from this place, which computes its index with an effect; \
                 bind the index to a name first (`let i = ..;`, then `data[i]`)",
            );
            return;
        }
        if !matches!(place, Expr::Path(_) | Expr::Field(_) | Expr::Index(_)) || !is_pure_place(place) {
            self.cx.error_spanned_by(
                init,
                "#[grad] takes a struct apart where it is stored (`let Sample { x, y } = data[i];`, `= s`, `= \
                 m.layer`); bind this value to a name first (`let s = ..;`) and take `s` apart",
            );
            return;
        }
        // The fields are read one after the other: a name the pattern binds
        // must not be one the place reads (`let S { i, .. } = data[i];`).
        let mut read = crate::names::NameSet::default();
        crate::names::collect_idents(place.to_token_stream(), &mut read);
        let mut bound = crate::names::NameSet::default();
        for (_, pat) in &fields {
            crate::names::collect_idents(pat.to_token_stream(), &mut bound);
        }
        if let Some(name) = bound.iter().find(|name| read.contains(*name)) {
            self.cx.error_spanned_by(
                pattern,
                format!("this pattern binds `{name}`, which the value it takes apart reads; rename the binding"),
            );
            return;
        }
        for (member, pat) in fields {
            let local = syn::Local {
                attrs: Vec::new(),
                let_token: Default::default(),
                init: Some(syn::LocalInit {
                    eq_token: Default::default(),
                    expr: Box::new(parse_quote_spanned!(pat.span()=> #place.#member)),
                    diverge: None,
                }),
                pat,
                semi_token: Default::default(),
            };
            self.lower_local(&local, out);
        }
    }

    /// `let (a, b) = ..;`, with the types `let (a, b): (A, B)` writes
    /// (`types`, empty when none are written).
    pub(super) fn destructure_tuple(
        &mut self,
        pattern: &syn::PatTuple,
        types: &[syn::Type],
        init: &Expr,
        out: &mut Block,
    ) {
        if self.destructure_branch(pattern, types, init, out) {
            return;
        }
        let values = unwrapped(init);
        let errors = self.cx.error_count();
        let (lowered, spans): (Vec<Operand>, Vec<proc_macro2::Span>) = match values {
            Expr::Tuple(values) => {
                if values.elems.len() != pattern.elems.len() {
                    self.cx.error_spanned_by(init, format!("this tuple has {} values", values.elems.len()));
                    return;
                }
                let values_in_order: Vec<&Expr> = values.elems.iter().collect();
                let lowered = self.lower_in_order(&values_in_order, out);
                (lowered, values.elems.iter().map(|value| value.span()).collect())
            }
            // `let (s, c) = t.sin_cos();`: the sine and the cosine of `t`.
            Expr::MethodCall(call) if is_sin_cos(call) && pattern.elems.len() == 2 => {
                let angle = self.lower_expr(&call.receiver, out);
                let span = call.method.span();
                let sine = self.prim_call(Op::Sin, angle.clone(), Vec::new(), &syn::Ident::new("sin", span));
                let cosine = self.prim_call(Op::Cos, angle, Vec::new(), &syn::Ident::new("cos", span));
                let parts = [sine, cosine].map(|rhs| {
                    let part = self.temp(Ty::Unknown);
                    self.adopt(part, &rhs);
                    self.assign(out, part, rhs, AssignKind::Init, span);
                    Operand::Var(part)
                });
                (parts.to_vec(), vec![span; 2])
            }
            Expr::Call(_) | Expr::MethodCall(_) => {
                let lowered = self.tuple_of_call(values, pattern.elems.len(), out);
                (lowered, vec![values.span(); pattern.elems.len()])
            }
            // `let (i, j, k) = edges[t];`: a tuple stored in a table, taken
            // apart where it is stored.
            Expr::Index(_) | Expr::Field(_) => {
                let fields = pattern.elems.iter().enumerate().filter(|(_, pat)| !matches!(pat, Pat::Wild(_)));
                let fields = fields
                    .map(|(k, pat)| {
                        let member = syn::Member::Unnamed(syn::Index { index: k as u32, span: pat.span() });
                        let pat = match types.get(k) {
                            Some(ty) => Pat::Type(parse_quote_spanned!(pat.span()=> #pat: #ty)),
                            None => pat.clone(),
                        };
                        (member, pat)
                    })
                    .collect();
                self.destructure_place(pattern, fields, values, out);
                return;
            }
            _ => {
                self.cx.error_spanned_by(
                    init,
                    "a tuple `let` inside #[grad] functions takes a tuple of values (`let (a, b) = (x, y);`) or \
                     the result of a call (`let (a, b) = split(x);`)",
                );
                return;
            }
        };
        for (k, ((name, value), span)) in pattern.elems.iter().zip(lowered).zip(spans).enumerate() {
            let (inner, declared) = match name {
                Pat::Type(typed) => (&*typed.pat, Some((*typed.ty).clone())),
                other => (other, types.get(k).cloned()),
            };
            match inner {
                Pat::Wild(_) => {}
                Pat::Ident(binding) if binding.by_ref.is_none() && binding.subpat.is_none() => {
                    let ty = declared.as_ref().map(type_of).unwrap_or(Ty::Unknown);
                    let var = self.user_var(&binding.ident, ty, declared.clone());
                    if let Some(declared) = &declared {
                        self.declare_shape(var, declared);
                    }
                    if self.cx.error_count() > errors {
                        // (`let (l, r) = x.split_at(k);`, refused: its names say nothing more.)
                        self.refused.insert(var);
                    }
                    self.lower_operand_into(value, var, out, span);
                    self.bind(&binding.ident, Binding::Var(var));
                }
                other => {
                    self.cx
                        .error_spanned_by(other, "the names of a tuple `let` are plain names (`let (a, mut b) = ..`)");
                }
            }
        }
    }

    /// `split(x)` in `let (a, b) = split(x);`: a call of a function that
    /// returns a tuple of `len` floats, kept as an array between `#[grad]`
    /// functions (the companion's convention); its elements, read in place.
    fn tuple_of_call(&mut self, call: &Expr, len: usize, out: &mut Block) -> Vec<Operand> {
        let result = self.temp(Ty::Aggregate);
        let info = &mut self.vars[result.0];
        info.dims = Some(1);
        info.zero = Some(crate::ir::Zero::Array(quote!([0.0; #len])));
        // A tuple type marks a call whose primal value is a tuple (`emit::tuple_result`).
        let holes = (0..len).map(|_| quote!(_));
        info.declared = Some(syn::parse_quote!((#(#holes,)*)));
        self.lower_into(call, out, Sink::Var(result, AssignKind::Init));
        (0..len)
            .map(|i| {
                let index = Operand::Const(Const { tokens: quote!(#i), ty: Ty::Other });
                Operand::Place(Box::new(crate::ir::Place { var: result, proj: vec![crate::ir::Proj::Index(index)] }))
            })
            .collect()
    }

    /// `var = value`, a new variable learning its type from the value.
    fn lower_operand_into(&mut self, value: Operand, var: Var, out: &mut Block, span: proc_macro2::Span) {
        let rhs = Rhs::Use(value);
        self.adopt(var, &rhs);
        self.assign(out, var, rhs, AssignKind::Init, span);
    }

    /// Whether `expr` names a struct by reference: a model (`m: &Model`) or
    /// a struct parameter (`s: &Spring`).
    fn names_a_struct_reference(&self, expr: &Expr) -> bool {
        let mut expr = expr;
        while let Expr::Paren(syn::ExprParen { expr: inner, .. })
        | Expr::Reference(syn::ExprReference { expr: inner, .. }) = expr
        {
            expr = inner;
        }
        let Expr::Path(path) = expr else { return false };
        let Some(Binding::Var(var)) = path.path.get_ident().and_then(|ident| self.lookup(ident)) else { return false };
        let info = &self.vars[var.0];
        let model = info.ty == Ty::Aggregate && info.dims.is_none();
        model || info.declared.as_ref().is_some_and(crate::signature::is_struct_reference)
    }

    /// `let t = v;` without `mut`, of a reference parameter (or another such
    /// name): `t` is another name for `v`, whose shadow it shares; so is
    /// `let r: &Vec<f64> = r;` of a row, sub-slice or element binding
    /// (round 21, B1, and review 28, F3, F5: the type written made a local
    /// of it, whose expansion did not compile).
    pub(super) fn reference_alias(
        &self,
        pat: &Pat,
        declared: Option<&syn::Type>,
        init: Option<&syn::LocalInit>,
    ) -> Option<Binding> {
        let Pat::Ident(binding) = pat else { return None };
        if binding.mutability.is_some() || !matches!(declared, None | Some(syn::Type::Reference(_))) {
            return None;
        }
        let expr = unwrapped(&init?.expr);
        let Expr::Path(path) = expr else { return None };
        // (A name that may be given another slice later is no alias: `t`
        // keeps the slice `v` names now.)
        match self.lookup(path.path.get_ident()?)? {
            Binding::Var(var)
                if self.vars[var.0].ty == Ty::Aggregate
                    && self.vars[var.0].by_ref
                    && !self.vars[var.0].mutable
                    && !self.mutable_locals.contains(&var) =>
            {
                Some(Binding::Var(var))
            }
            // A struct parameter left out of `wrt(..)`, renamed.
            Binding::Var(var) if self.is_constant_struct_reference(var) => Some(Binding::Var(var)),
            row @ (Binding::Row(_) | Binding::Slice(_) | Binding::Place(_)) => Some(row),
            _ => None,
        }
    }

    /// An expression in statement position: its value, if any, is dropped.
    pub(super) fn lower_statement_expr(&mut self, expr: &Expr, out: &mut Block) {
        match expr {
            Expr::Assign(assign) => self.lower_assignment(&assign.left, None, &assign.right, out, expr.span()),
            Expr::Binary(binary) if compound_op(&binary.op).is_some() => {
                self.lower_assignment(&binary.left, compound_op(&binary.op), &binary.right, out, expr.span());
            }
            _ => self.lower_into(expr, out, Sink::Discard),
        }
    }

    /// `place = value` or `place op= value`, to a local or to an element.
    pub(super) fn lower_assignment(
        &mut self,
        left: &Expr,
        op: Option<Op>,
        right: &Expr,
        out: &mut Block,
        span: proc_macro2::Span,
    ) {
        if op.is_none() && self.destructuring_assignment(left, right, out, span) {
            return;
        }
        if op.is_none() && self.assign_a_copy(left, right, out) {
            return;
        }
        // Rust evaluates the value before the place (`a[{ i += 1; i }] +=
        // a[i]` reads `a[i]` at the old `i`): the place's statements wait.
        let mut place_block = Block::default();
        let Some(target) = self.assignable(left, &mut place_block) else { return };
        if !matches!(target, Binding::Place(_)) || place_block.stmts.is_empty() {
            out.stmts.append(&mut place_block.stmts);
        }
        match target {
            // `c = m;` of `mut c: &Model`: which struct the calls after it
            // lend, with or without a derivative, is decided as the
            // function is read, once.
            // `a = b;` of `mut a: &[f64]`: the shadows are the caller's, one
            // per parameter, and cannot follow the name.
            Binding::Var(var)
                if self.vars[var.0].kind == VarKind::Param
                    && self.vars[var.0].by_ref
                    && self.vars[var.0].ty == Ty::Aggregate =>
            {
                let name = &self.vars[var.0].ident;
                self.cx.error_spanned_by(
                    left,
                    format!(
                        "#[grad] does not give the slice parameter `{name}` another slice; bind a local name to it \
                         (`let mut s = {name};`) and give that one the other slice"
                    ),
                );
            }
            Binding::Var(var)
                if self.vars[var.0].declared.as_ref().is_some_and(crate::signature::is_struct_reference) =>
            {
                let name = &self.vars[var.0].ident;
                self.cx.error_spanned_by(
                    left,
                    format!(
                        "`{name}`, a reference to a struct, cannot be given another struct inside #[grad] \
                         functions; use each struct by its own name"
                    ),
                );
            }
            Binding::Var(var) => self.mark_refused(var, |this| match op {
                None => {
                    let before = out.stmts.len();
                    this.lower_into(right, out, Sink::Var(var, AssignKind::Overwrite));
                    this.shape_from_an_array(var, &out.stmts[before..]);
                }
                Some(op) => {
                    let value = this.lower_expr(right, out);
                    let rhs = Rhs::Prim(op, vec![Operand::Var(var), value]);
                    this.assign(out, var, rhs, AssignKind::Overwrite, span);
                }
            }),
            Binding::Closure(_) => {
                self.cx.error_spanned_by(
                    left,
                    "a local closure cannot be assigned inside #[grad] functions; bind a new one with `let`",
                );
            }
            Binding::Slice(_) => {
                self.cx.error_spanned_by(
                    left,
                    "a name bound to a sub-slice (`let h = &x[1..];`) cannot be given another slice inside #[grad] \
                     functions; bind a new name with `let`",
                );
            }
            Binding::Row(_) => {
                self.cx.error_spanned_by(left, "a row borrowed from its array cannot be assigned; write its elements");
            }
            Binding::Struct(_) => {
                self.cx.error_spanned_by(
                    left,
                    "a struct built in a #[grad] function cannot be assigned as a whole; assign its fields \
                     (`st.h = ..`), or bind a new one with `let`",
                );
            }
            Binding::Place(place) if op.is_none() && self.place_ty(&place) == Ty::Aggregate => {
                out.stmts.append(&mut place_block.stmts);
                self.store_row(place, right, out);
            }
            Binding::Place(place) => {
                let value = self.lower_expr(right, out);
                let value = self.read_before(value, &place_block, out, span);
                out.stmts.append(&mut place_block.stmts);
                let value = match op {
                    None => value,
                    Some(op) => {
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

    /// `u = next.clone();` (or `to_owned`, `to_vec`), a time step's swap of
    /// buffers: the copy bound first (`let copy = next.clone(); u = copy;`),
    /// so `let`'s rules for copies apply and `u` takes the copy by a move, as
    /// in Rust. (Not `u = next`: a use of a vector in the IR moves it, and
    /// `next` is read after.) `false` when `right` is no copy into a name.
    fn assign_a_copy(&mut self, left: &Expr, right: &Expr, out: &mut Block) -> bool {
        let Expr::MethodCall(call) = right else { return false };
        let copies = matches!(call.method.to_string().as_str(), "clone" | "to_owned" | "to_vec");
        if !copies || !call.args.is_empty() || call.turbofish.is_some() {
            return false;
        }
        let Expr::Path(target) = left else { return false };
        if !matches!(target.path.get_ident().and_then(|name| self.lookup(name)), Some(Binding::Var(_))) {
            return false;
        }
        let copy = self.namer.fresh("__copy");
        let stmts: Vec<syn::Stmt> = parse_quote_spanned!(call.method.span()=> let #copy = #right; #left = #copy;);
        self.lower_stmts(&stmts, out, Sink::Discard);
        true
    }

    /// `let r; if c { r = p; } else { r = q; }` of local arrays: `r`, whose
    /// type is not written, takes the shape of the array it is first given
    /// (its adjoint needs one; review 25 met it in a tuple from a branch,
    /// which `tuple_values.rs` lowers so). Only a local array's shape: the
    /// same type in Rust, whatever arm gives it.
    fn shape_from_an_array(&mut self, var: Var, assigned: &[Stmt]) {
        let info = &self.vars[var.0];
        if info.declared.is_some() || info.zero.is_some() || !matches!(info.ty, Ty::Unknown | Ty::Aggregate) {
            return;
        }
        let source = assigned.iter().rev().find_map(|stmt| match stmt {
            Stmt::Assign { dst, rhs: Rhs::Use(Operand::Var(source)), .. } if *dst == var => Some(*source),
            _ => None,
        });
        let Some(source) = source else { return };
        let source = &self.vars[source.0];
        if source.ty != Ty::Aggregate || source.by_ref || !matches!(source.zero, Some(crate::ir::Zero::Array(_))) {
            return;
        }
        let (elem, dims, zero) = (source.elem, source.dims, source.zero.clone());
        let info = &mut self.vars[var.0];
        info.ty = Ty::Aggregate;
        info.elem = elem;
        info.dims = dims;
        info.zero = zero;
    }

    /// `(a, b) = (b, a + b);`, `[p[0], p[1]] = [p[1], p[0]];`, `(a, b) =
    /// split(x);`: every value first, into a new local, then each target
    /// assigned from its own, as Rust does (so the first reads no value the
    /// second wrote). `false` when `left` is no tuple or array of targets.
    fn destructuring_assignment(
        &mut self,
        left: &Expr,
        right: &Expr,
        out: &mut Block,
        span: proc_macro2::Span,
    ) -> bool {
        let targets: Vec<&Expr> = match left {
            Expr::Tuple(tuple) => tuple.elems.iter().collect(),
            Expr::Array(array) => array.elems.iter().collect(),
            _ => return false,
        };
        let mut right = right;
        while let Expr::Paren(syn::ExprParen { expr, .. }) | Expr::Group(syn::ExprGroup { expr, .. }) = right {
            right = expr;
        }
        let values: Vec<Operand> = match right {
            Expr::Tuple(syn::ExprTuple { elems, .. }) | Expr::Array(syn::ExprArray { elems, .. })
                if elems.len() == targets.len() =>
            {
                self.lower_in_order(&elems.iter().collect::<Vec<_>>(), out)
            }
            Expr::Call(_) | Expr::MethodCall(_) if matches!(left, Expr::Tuple(_)) => {
                self.tuple_of_call(right, targets.len(), out)
            }
            _ => {
                self.cx.error_spanned_by(
                    right,
                    format!(
                        "a destructuring assignment inside #[grad] functions takes {} values written out (`(a, b) \
                         = (b, a + b);`) or a call's tuple (`(a, b) = split(x);`)",
                        targets.len()
                    ),
                );
                return true;
            }
        };
        let mut assigned = Vec::new();
        for (target, value) in targets.into_iter().zip(values) {
            if matches!(target, Expr::Infer(_)) {
                continue;
            }
            let name = self.namer.fresh("__assigned");
            let var = self.user_var(&name, Ty::Unknown, None);
            self.lower_operand_into(value, var, out, span);
            assigned.push((target, name, var));
        }
        self.in_scope(|this| {
            for (target, name, var) in assigned {
                this.bind(&name, Binding::Var(var));
                this.lower_assignment(target, None, &syn::parse_quote!(#name), out, span);
            }
        });
        true
    }

    /// `h[t] = row` where `h[t]` is itself an array (`h: Vec<[f64; 3]>`):
    /// the row is evaluated once, then copied element by element, as
    /// `let r = row; for k in 0..r.len() { h[t][k] = r[k]; }`, so each
    /// element store gets its own adjoint and tangent (a deeper array
    /// recurses here). The copy through `r` keeps Rust's order: the whole
    /// right side is read before any element of `h[t]` is written.
    fn store_row(&mut self, place: crate::ir::Place, right: &Expr, out: &mut Block) {
        let unique = self.vars.len();
        let span = right.span();
        let target = format_ident!("__row_target{}", unique, span = span);
        let row = format_ident!("__row{}", unique, span = span);
        let k = format_ident!("__row_index{}", unique, span = span);
        let Some(shape) = self.element_shape(&place) else {
            self.cx.error_spanned_by(
                right,
                "#[grad] cannot tell the shape of this row to store it whole; write its elements one by one \
                 (`h[t][0] = ..; h[t][1] = ..;`)",
            );
            return;
        };
        // A row that is a vector may change length, which a copy element by
        // element would not do (nor the derivatives' rows, made once).
        if matches!(shape.2, Some(Zero::Vec(_))) {
            self.cx.error_spanned_by(
                right,
                "#[grad] does not store a whole row into a vector of vectors (a row may change its length); write \
                 its elements one by one (`for j in 0..n { m[i][j] = r[j]; }`)",
            );
            return;
        }
        if let Expr::Index(source) = peel_parens(right) {
            // A row of an array (`h[t] = g[s]`): copied straight, element by
            // element; rows at one depth are the same or disjoint, so no
            // element is written before it is read.
            let copy: syn::Block = parse_quote_spanned! {span=> {
                for #k in 0..(#source).len() {
                    #target[#k] = #source[#k];
                }
            }};
            self.in_scope(|this| {
                this.bind(&target, Binding::Place(place));
                this.lower_stmts(&copy.stmts, out, Sink::Discard);
            });
            return;
        }
        let copy: syn::Block = parse_quote_spanned! {span=> {
            let #row = #right;
            for #k in 0..#row.len() {
                #target[#k] = #row[#k];
            }
        }};
        self.in_scope(|this| {
            this.bind(&target, Binding::Place(place));
            this.lower_stmts(&copy.stmts[..1], out, Sink::Discard);
            // The row has the shape of the element it is stored into, even
            // where its own initializer does not say (`[[x; 2]; 2]`, a call
            // whose result is not typed, `k[st] = f(y)`): in Rust it has that
            // element's type.
            if let Some(Binding::Var(var)) = this.lookup(&row) {
                let info = &mut this.vars[var.0];
                info.ty = Ty::Aggregate;
                (info.elem, info.dims, info.zero) =
                    (info.elem.or(shape.0), info.dims.or(shape.1), info.zero.take().or(shape.2));
            }
            this.lower_stmts(&copy.stmts[1..], out, Sink::Discard);
        });
    }

    /// Element type, depth and zero of the array an element place names
    /// (`h[t]` of `h: Vec<[f64; 3]>`: `f64`, 1, `[0.0; 3]`).
    fn element_shape(&self, place: &crate::ir::Place) -> Option<(Option<FloatTy>, Option<usize>, Option<Zero>)> {
        let info = &self.vars[place.var.0];
        let mut zero = info.zero.clone()?;
        for proj in &place.proj {
            let crate::ir::Proj::Index(_) = proj else { return None };
            zero = match zero {
                Zero::Vec(inner) => *inner,
                Zero::Array(tokens) => match syn::parse2::<syn::ExprRepeat>(tokens).ok()?.expr.as_ref() {
                    Expr::Repeat(inner) => Zero::Array(inner.to_token_stream()),
                    _ => Zero::Scalar,
                },
                Zero::Scalar | Zero::OfCallResult => return None,
            };
        }
        let depth = info.dims?.checked_sub(place.proj.len())?;
        Some((info.elem, Some(depth), Some(zero)))
    }

    pub(super) fn lower_if(&mut self, expr_if: &ExprIf, out: &mut Block, sink: Sink) {
        if let Expr::Let(expr_let) = &*expr_if.cond {
            self.lower_if_let(expr_if, expr_let, out, sink);
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
    pub(super) fn condition(&mut self, cond: &Expr, out: &mut Block) -> Operand {
        let operand = self.lower_expr(cond, out);
        self.fixed(operand, Ty::Bool, out, cond.span())
    }

    /// `operand`, copied into a fresh temporary unless it already is one or
    /// a constant: a value the reverse sweep reads again after the statement
    /// that uses it.
    pub(super) fn fixed(&mut self, operand: Operand, ty: Ty, out: &mut Block, span: proc_macro2::Span) -> Operand {
        if self.is_fixed(&operand) {
            return operand;
        }
        let temp = self.temp(ty);
        self.assign(out, temp, Rhs::Use(operand), AssignKind::Init, span);
        Operand::Var(temp)
    }

    /// Whether nothing can change `operand` after it is read: a temporary,
    /// a constant, or a parameter without `mut` (unless it is a `&mut`
    /// output, written through).
    pub(super) fn is_fixed(&self, operand: &Operand) -> bool {
        match operand {
            Operand::Var(var) if self.vars[var.0].kind == VarKind::Temp => true,
            Operand::Var(var) => {
                self.vars[var.0].kind == VarKind::Param
                    && !self.vars[var.0].mutable
                    && !matches!(&self.vars[var.0].declared, Some(syn::Type::Reference(r)) if r.mutability.is_some())
            }
            Operand::Const(_) => true,
            Operand::Place(_) => false,
        }
    }

    /// `a && b` → `if a { b } else { false }`; `a || b` → `if a { true } else { b }`,
    /// so `b` runs only when Rust would run it.
    pub(super) fn lower_short_circuit(&mut self, binary: &syn::ExprBinary, out: &mut Block, sink: Sink) {
        let is_and = matches!(binary.op, BinOp::And(_));
        let span = binary.span();
        let mut cond = self.condition(&binary.left, out);
        // `v = v || ..` (a fold's accumulator): the branches write `v`, so
        // the condition is a copy of it.
        if let (Sink::Var(dst, _), Operand::Var(var)) = (sink, &cond) {
            if *var == dst {
                let copy = self.temp(Ty::Bool);
                self.assign(out, copy, Rhs::Use(cond), AssignKind::Init, span);
                cond = Operand::Var(copy);
            }
        }
        let constant =
            Operand::Const(Const { tokens: if is_and { quote!(false) } else { quote!(true) }, ty: Ty::Bool });
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

    pub(super) fn lower_return(&mut self, ret: &syn::ExprReturn, out: &mut Block) {
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
}

pub(super) fn compound_op(op: &BinOp) -> Option<Op> {
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

pub(super) fn macro_message(mac: &syn::Macro) -> String {
    let name = mac.path.segments.last().map(|segment| segment.ident.to_string()).unwrap_or_default();
    format!("macro `{name}!` is not supported inside #[grad] functions; move it out of the differentiated function, or call a function instead")
}

/// Whether `expr` contains a `return` (not counting nested items).
pub(super) fn contains_return(expr: &Expr) -> bool {
    finds_return(expr, true)
}

/// Whether `expr` has a `return` of its own: not of a closure or an item
/// inside it.
pub(super) fn returns_from(expr: &Expr) -> bool {
    finds_return(expr, false)
}

fn finds_return(expr: &Expr, into_closures: bool) -> bool {
    struct Find {
        found: bool,
        into_closures: bool,
    }
    impl<'ast> syn::visit::Visit<'ast> for Find {
        fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
            self.found = true;
        }
        fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
            if self.into_closures {
                syn::visit::visit_expr_closure(self, closure);
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut find = Find { found: false, into_closures };
    syn::visit::Visit::visit_expr(&mut find, expr);
    find.found
}

/// `expr` without the parentheses and invisible groups around it.
fn unwrapped(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(syn::ExprParen { expr: inner, .. }) | Expr::Group(syn::ExprGroup { expr: inner, .. }) => {
            unwrapped(inner)
        }
        other => other,
    }
}

/// `expr` without the parentheses around it.
fn peel_parens(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(paren) => peel_parens(&paren.expr),
        other => other,
    }
}

/// `let name = vec![a, b, c];` as the statements a person writes without
/// the list form: the items in order, then a vector of the first one
/// repeated and the others written into it.
fn vec_of_items(name: &syn::Ident, declared: Option<&syn::Type>, expr: &Expr) -> Option<Vec<syn::Stmt>> {
    let Expr::Macro(mac) = expr else { return None };
    if !mac.mac.path.is_ident("vec") {
        return None;
    }
    let parser = syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated;
    let items = syn::parse::Parser::parse2(parser, mac.mac.tokens.clone()).ok()?;
    if items.is_empty() {
        return None;
    }
    let span = mac.mac.path.span();
    let temps: Vec<syn::Ident> = (0..items.len())
        .map(|k| syn::Ident::new(&format!("__vec_item_{k}"), proc_macro2::Span::mixed_site()))
        .collect();
    let (first, len, ty) = (&temps[0], items.len(), declared.map(|ty| quote::quote!(: #ty)));
    let mut stmts: Vec<syn::Stmt> =
        items.iter().zip(&temps).map(|(item, temp)| syn::parse_quote_spanned!(span=> let #temp = #item;)).collect();
    stmts.push(syn::parse_quote_spanned!(span=> let mut #name #ty = vec![#first; #len];));
    for (k, temp) in temps.iter().enumerate().skip(1) {
        stmts.push(syn::parse_quote_spanned!(span=> #name[#k] = #temp;));
    }
    Some(stmts)
}

/// `t.sin_cos()`.
fn is_sin_cos(call: &syn::ExprMethodCall) -> bool {
    call.method == "sin_cos" && call.args.is_empty() && call.turbofish.is_none()
}

/// Whether `expr`, a place, reads only names, literals and arithmetic of
/// them (`data[i + 1].x`): no call, block or assignment whose effect would
/// happen once per read.
fn is_pure_place(expr: &Expr) -> bool {
    match expr {
        Expr::Path(_) | Expr::Lit(_) => true,
        Expr::Field(field) => is_pure_place(&field.base),
        Expr::Index(index) => is_pure_place(&index.expr) && is_pure_place(&index.index),
        Expr::Paren(paren) => is_pure_place(&paren.expr),
        Expr::Group(group) => is_pure_place(&group.expr),
        Expr::Cast(cast) => is_pure_place(&cast.expr),
        Expr::Unary(unary) => is_pure_place(&unary.expr),
        Expr::Binary(binary) => {
            let assigns = matches!(
                binary.op,
                BinOp::AddAssign(_)
                    | BinOp::SubAssign(_)
                    | BinOp::MulAssign(_)
                    | BinOp::DivAssign(_)
                    | BinOp::RemAssign(_)
                    | BinOp::BitAndAssign(_)
                    | BinOp::BitOrAssign(_)
                    | BinOp::BitXorAssign(_)
                    | BinOp::ShlAssign(_)
                    | BinOp::ShrAssign(_)
            );
            !assigns && is_pure_place(&binary.left) && is_pure_place(&binary.right)
        }
        _ => false,
    }
}

/// `&T`, not `&mut T`.
fn is_shared_reference(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Reference(reference) if reference.mutability.is_none())
}
