//! Elements and arrays: `x[i]`, `m.w[i][j]`, stores into them, array
//! values (`[0.0; N]`, `vec![0.0; n]`, `[a, b]`, `*x`), and references
//! passed to calls.

use quote::{quote, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, UnOp};

use super::{place_operand, Binding, Lowerer, Sink};
use crate::ir::{Arg, AssignKind, Block, Const, FloatTy, Operand, Place, Proj, Rhs, SliceRange, Ty, VarKind, Zero};

impl Lowerer<'_> {
    /// The place an element expression names: `x[i]`, `w[i][j]`, `m.layer.b`.
    pub(super) fn place(&mut self, expr: &Expr, out: &mut Block) -> Option<Place> {
        match expr {
            Expr::Paren(paren) => self.place(&paren.expr, out),
            Expr::Group(group) => self.place(&group.expr, out),
            Expr::Unary(unary) if matches!(unary.op, UnOp::Deref(_)) => self.place(&unary.expr, out),
            Expr::Path(path) => {
                // `tables::Q[1]`: a table named by a path.
                let Some(ident) = path.path.get_ident() else {
                    return self.table(expr).map(|var| Place { var, proj: Vec::new() });
                };
                match self.lookup(ident) {
                    Some(Binding::Var(var)) => Some(Place { var, proj: Vec::new() }),
                    Some(Binding::Place(place) | Binding::Row(place)) => Some(place),
                    Some(Binding::Closure(_)) => {
                        self.cx.error_spanned_by(path, super::expr::closure_value_message(ident));
                        None
                    }
                    Some(Binding::Slice(_)) => {
                        self.cx.error_spanned_by(path, slice_use_message(ident));
                        None
                    }
                    Some(Binding::Struct(_)) => {
                        self.cx.error_spanned_by(path, super::structs::whole_struct_message(ident));
                        None
                    }
                    None => {
                        // (Where a table is read in place, `table` took it.)
                        self.cx.error_spanned_by(
                            path,
                            format!(
                                "`{ident}` is not a local variable or parameter; a `const` or `static` table is read \
                                 by element (`{ident}[i]`) or lent whole (`&{ident}`), and a part of it is lent from \
                                 a typed copy (`let t: [f64; N] = {ident};`, then `&t[a..b]`)"
                            ),
                        );
                        None
                    }
                }
            }
            Expr::Field(field) => {
                if let Some(binding) = self.struct_field(field) {
                    return self.field_place(binding, expr);
                }
                // `CFG.k` of a `const` or `static` struct: read through a
                // reference, as a table is, a constant struct's fields.
                let table = self.table(&field.base).map(|var| {
                    self.vars[var.0].ty = Ty::Other;
                    Place { var, proj: Vec::new() }
                });
                let mut place = match table {
                    Some(place) => place,
                    None => self.place(&field.base, out)?,
                };
                let constructed = self.constructed.contains_key(&place.var);
                let untyped_result = self.call_results.contains(&place.var) && !constructed;
                let info = &mut self.vars[place.var.0];
                // `t.0` of `let t = two(x);`: a tuple a call returned, which
                // #[grad] takes apart where it is bound (a `#[grad]` helper's
                // tuple is an array between derivatives); a tuple struct's
                // fields need its type.
                let positional = matches!(field.member, syn::Member::Unnamed(_));
                if positional && untyped_result && place.proj.is_empty() && info.declared.is_none() {
                    // (Once per local: its other reads would only repeat it.)
                    if !self.refused.insert(place.var) {
                        return None;
                    }
                    let name = self.vars[place.var.0].ident.clone();
                    self.cx.error_spanned_by(
                        field,
                        format!(
                            "#[grad] cannot see the type of `{name}`, read by position: take a call's tuple apart \
                             where it is bound (`let (a, b) = f(x);`), or write the type of a tuple struct \
                             (`let {name}: Pair = ..`)"
                        ),
                    );
                    return None;
                }
                // `cfg.a` of `let cfg = make_config(k);`: a value with named
                // fields is a struct, no float or array, whatever its call
                // could return; so is `p.1` of `let p: Pair = make_pair(k);`
                // or of `let p = Pair::new(k);`.
                let named = matches!(field.member, syn::Member::Named(_));
                let is_struct = named || constructed || is_struct_type(info.declared.as_ref());
                if is_struct && place.proj.is_empty() && info.kind == VarKind::Local && info.ty == Ty::Unknown {
                    info.ty = Ty::Other;
                    self.structs_by_field.insert(place.var);
                }
                place.proj.push(Proj::Field(field.member.clone()));
                Some(place)
            }
            Expr::Index(index) => {
                if matches!(&*index.index, Expr::Range(_)) {
                    self.cx.error_spanned_by(
                        &index.index,
                        "a sub-slice can be passed to a function (`&x[1..]`) or iterated (`for v in &x[1..]`); \
                         index it element by element otherwise",
                    );
                    return None;
                }
                if let Some(slice) = self.slice_binding(&index.expr) {
                    return Some(self.slice_element(slice, &index.index, out));
                }
                let table = self.table(&index.expr).map(|var| Place { var, proj: Vec::new() });
                let mut place = match table {
                    Some(place) => place,
                    None => self.place(&index.expr, out)?,
                };
                let position = self.lower_expr(&index.index, out);
                // Refused where the index is a float by its written type; a
                // value computed from a model's field (`w[o * m.n_in + i]`,
                // `let k = m.n_in - 1; w[k]`) is one only by default, and
                // `constant_fields.rs` learns from this index that it is an
                // integer (rustc reports any other float index in the
                // function as written).
                let written_float = match &position {
                    Operand::Const(_) => true,
                    Operand::Var(var) => self.vars[var.0].declared.is_some(),
                    Operand::Place(_) => false,
                };
                if written_float && self.operand_ty(&position).is_float() && !self.is_refused(&position) {
                    self.cx.error_spanned_by(
                        &index.index,
                        "an index must be an integer; floats cannot index arrays (cast with `as usize` if you mean it)",
                    );
                }
                place.proj.push(Proj::Index(position));
                Some(place)
            }
            _ => {
                self.cx.error_spanned_by(expr, element_access_message(expr));
                None
            }
        }
    }

    /// The place a field of a struct built in the body names: its variable.
    fn field_place(&mut self, binding: Binding, expr: &Expr) -> Option<Place> {
        match binding {
            Binding::Var(var) => Some(Place { var, proj: Vec::new() }),
            Binding::Place(place) | Binding::Row(place) => Some(place),
            Binding::Struct(_) => {
                let name = quote!(#expr).to_string().replace(' ', "");
                self.cx.error_spanned_by(expr, super::structs::whole_struct_message(name));
                None
            }
            Binding::Closure(_) | Binding::Slice(_) => {
                self.cx.error_spanned_by(
                    expr,
                    "a struct field inside #[grad] code holds floats, arrays or vectors; bind closures and \
                     sub-slices with `let`",
                );
                None
            }
        }
    }

    /// `y[i]` of a sub-slice `y = &x[a..]`: `x[a + i]`.
    fn slice_element(&mut self, slice: super::sources::Source, index: &Expr, out: &mut Block) -> Place {
        let position = self.lower_expr(index, out);
        let position = self.fixed(position, Ty::Other, out, index.span());
        let what = "an index within the sub-slice";
        self.check(crate::ir::Op::Lt, position.clone(), slice.len.clone(), what, out, index.span());
        let position = match slice.offset {
            None => position,
            Some(offset) => {
                let shifted = self.temp(Ty::Other);
                let rhs = Rhs::Prim(crate::ir::Op::Add, vec![offset, position]);
                self.assign(out, shifted, rhs, AssignKind::Init, index.span());
                Operand::Var(shifted)
            }
        };
        let mut place = slice.base;
        place.proj.push(Proj::Index(position));
        place
    }

    /// The target of `=` or `op=`: a local variable or an element. Index
    /// computations go to `out` (they are pure, so running them before the
    /// right-hand side changes nothing).
    pub(super) fn assignable(&mut self, left: &Expr, out: &mut Block) -> Option<Binding> {
        let binding = match left {
            Expr::Path(path) => path.path.get_ident().and_then(|ident| self.lookup(ident)),
            Expr::Paren(paren) => return self.assignable(&paren.expr, out),
            Expr::Index(_) | Expr::Field(_) => match self.place(left, out) {
                // A field of a struct built in the body is a variable.
                Some(place) if place.proj.is_empty() => Some(Binding::Var(place.var)),
                Some(place) => Some(Binding::Place(place)),
                None => return None,
            },
            // `*o = ..` where `o` is an element bound by `iter_mut`.
            Expr::Unary(syn::ExprUnary { op: UnOp::Deref(_), expr, .. }) => match &**expr {
                Expr::Path(path) => match path.path.get_ident().and_then(|ident| self.lookup(ident)) {
                    Some(Binding::Place(place) | Binding::Row(place)) if !place.proj.is_empty() => {
                        Some(Binding::Place(place))
                    }
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        };
        if binding.is_none() {
            self.cx
                .error_spanned_by(left, "#[grad] supports assignment to local variables and to elements (`y[i] = ..`)");
        }
        if let Some(Binding::Var(var)) = &binding {
            let info = &self.vars[var.0];
            if info.kind == VarKind::Param && !info.mutable {
                // rustc rejects it too (E0384); a parameter that changes
                // would also change the bounds and reads that rely on it.
                self.cx.error_spanned_by(left, "cannot assign to a parameter that is not `mut`; write `mut` before it");
                return None;
            }
        }
        if let Some(Binding::Place(place)) = &binding {
            // `n[t] = ..` of `n: usize` (rustc's E0608; a fuzzer's mutation):
            // no element to write, and `n` may bound the loop it is in.
            let info = &self.vars[place.var.0];
            let primitive = |ty: &syn::Type| super::is_integer_type(ty) || super::is_bool(ty);
            if info.kind == VarKind::Param && info.declared.as_ref().is_some_and(primitive) {
                let name = &info.ident;
                self.cx.error_spanned_by(
                    left,
                    format!("`{name}` is no array, slice, vector or model, so it has no element to write"),
                );
                return None;
            }
        }
        if binding.as_ref().is_some_and(|binding| self.is_loop_index(binding)) {
            // The reverse sweep walks the index again: it must not change.
            self.cx.error_spanned_by(
                left,
                "a loop's index cannot be assigned inside #[grad] functions; bind it `mut` (`for mut i in ..`) to change a copy",
            );
            return None;
        }
        binding
    }

    fn is_loop_index(&self, binding: &Binding) -> bool {
        let var = match binding {
            Binding::Var(var) => *var,
            Binding::Place(place) | Binding::Row(place) => place.var,
            Binding::Closure(_) | Binding::Slice(_) | Binding::Struct(_) => return false,
        };
        self.loops.iter().any(|ctx| ctx.index == Some(var))
    }

    /// `*x`: a copy of the whole array behind a reference (of the value
    /// itself, for a name Rust binds to a reference and #[grad] to the
    /// value, `Lowerer::by_value`).
    pub(super) fn lower_deref(&mut self, unary: &syn::ExprUnary, out: &mut Block) -> Rhs {
        if self.is_held_by_value(&unary.expr) {
            return Rhs::Use(self.lower_expr(&unary.expr, out));
        }
        match self.place(&unary.expr, out) {
            Some(place) if place.proj.is_empty() => Rhs::Deref(place.var),
            Some(place) => Rhs::Use(place_operand(place)),
            None => Rhs::Use(Operand::Const(Const { tokens: quote!(0.0), ty: Ty::Unknown })),
        }
    }

    /// `vec![v; n]`.
    pub(super) fn lower_vec_macro(&mut self, mac: &syn::Macro, out: &mut Block) -> Rhs {
        let repeat = |input: syn::parse::ParseStream| -> syn::Result<(Expr, Expr)> {
            let value = input.parse()?;
            input.parse::<syn::Token![;]>()?;
            Ok((value, input.parse()?))
        };
        match syn::parse::Parser::parse2(repeat, mac.tokens.clone()) {
            Ok((value, len)) => {
                let value = self.lower_expr(&value, out);
                let len = self.lower_expr(&len, out);
                Rhs::VecRepeat(value, len)
            }
            Err(_) => self.unsupported(
                mac,
                "#[grad] supports `vec![value; len]`, and `vec![a, b, c]` bound by a `let` (`let v = vec![a, b];`); \
                     bind it first, or build it outside and pass it in",
            ),
        }
    }

    /// What an aggregate initializer says about its variable: element type,
    /// depth, and how to make a zero of its shape.
    pub(super) fn aggregate_of(&self, rhs: &Rhs) -> Option<(Option<FloatTy>, Option<usize>, Option<Zero>)> {
        let item = |this: &Self, operand: &Operand| -> (Option<FloatTy>, Option<usize>, Option<Zero>) {
            match this.operand_ty(operand) {
                Ty::Aggregate => match operand {
                    Operand::Var(var) => {
                        let info = &this.vars[var.0];
                        (info.elem, info.dims, info.zero.clone())
                    }
                    _ => (None, None, None),
                },
                Ty::Float(float) => (Some(float), Some(0), Some(Zero::Scalar)),
                _ => (None, Some(0), Some(Zero::Scalar)),
            }
        };
        let array = |inner: Option<Zero>, len: proc_macro2::TokenStream| {
            let inner = match inner? {
                Zero::Scalar => quote!(0.0),
                Zero::Array(tokens) => tokens,
                Zero::Vec(_) | Zero::OfCallResult => return None,
            };
            Some(Zero::Array(quote!([#inner; #len])))
        };
        match rhs {
            Rhs::Repeat(value, len) => {
                let (elem, dims, zero) = item(self, value);
                Some((elem, dims.map(|d| d + 1), array(zero, len.clone())))
            }
            Rhs::ArrayLit(items) => {
                let first = items.first().map(|first| item(self, first)).unwrap_or((None, Some(0), Some(Zero::Scalar)));
                let len = proc_macro2::Literal::usize_unsuffixed(items.len());
                Some((first.0, first.1.map(|d| d + 1), array(first.2, len.into_token_stream())))
            }
            Rhs::VecRepeat(value, _) => {
                let (elem, dims, zero) = item(self, value);
                Some((elem, dims.map(|d| d + 1), zero.map(|zero| Zero::Vec(Box::new(zero)))))
            }
            // (`*act` of an enum behind a reference is no aggregate.)
            Rhs::Deref(var) if self.vars[var.0].ty == Ty::Aggregate => {
                let info = &self.vars[var.0];
                Some((info.elem, info.dims, info.zero.clone()))
            }
            Rhs::Use(Operand::Var(var)) if self.vars[var.0].ty == Ty::Aggregate => {
                let info = &self.vars[var.0];
                Some((info.elem, info.dims, info.zero.clone()))
            }
            // `let a = tri[0];` of `tri: &[[f64; 3]; 3]` or of a vector of
            // arrays: a row, whose shape the type written, or the vector's
            // zero, says.
            Rhs::Use(Operand::Place(place))
                if self.place_ty(place) == Ty::Aggregate
                    && place.proj.iter().all(|proj| matches!(proj, crate::ir::Proj::Index(_))) =>
            {
                let info = &self.vars[place.var.0];
                let depth = place.proj.len();
                let written = info.declared.as_ref().and_then(|ty| match ty {
                    syn::Type::Reference(reference) => crate::signature::element_type(&reference.elem, depth),
                    ty => crate::signature::element_type(ty, depth),
                });
                let zero = written.as_ref().and_then(zero_of_type).or_else(|| match (&info.zero, depth) {
                    (Some(Zero::Vec(row)), 1) if matches!(**row, Zero::Array(_)) => Some((**row).clone()),
                    _ => None,
                });
                let dims = info.dims.and_then(|dims| dims.checked_sub(depth));
                zero.map(|zero| (info.elem, dims, Some(zero)))
            }
            _ => None,
        }
    }

    /// `let [a, b, c] = *x;`: one element read per name.
    pub(super) fn destructure_array(&mut self, pattern: &syn::PatSlice, init: &Expr, out: &mut Block) {
        let mut peeled = init;
        while let Expr::Paren(syn::ExprParen { expr, .. }) | Expr::Group(syn::ExprGroup { expr, .. }) = peeled {
            peeled = expr;
        }
        if matches!(peeled, Expr::Call(_) | Expr::MethodCall(_)) {
            self.destructure_array_of_call(pattern, peeled, out);
            return;
        }
        // `let [a, b] = [x, y];`: the values first, then the names, as the
        // tuple `let` does.
        if let Expr::Array(values) = peeled {
            if values.elems.len() == pattern.elems.len() {
                let names =
                    syn::PatTuple { attrs: Vec::new(), paren_token: Default::default(), elems: pattern.elems.clone() };
                let values =
                    syn::ExprTuple { attrs: Vec::new(), paren_token: Default::default(), elems: values.elems.clone() };
                self.destructure_tuple(&names, &[], &Expr::Tuple(values), out);
                return;
            }
        }
        let Some(base) = self.place(init, out) else { return };
        for (i, element) in pattern.elems.iter().enumerate() {
            let ident = match element {
                syn::Pat::Ident(binding) if binding.subpat.is_none() && binding.by_ref.is_none() => &binding.ident,
                syn::Pat::Wild(_) => continue,
                other => {
                    self.cx.error_spanned_by(other, "bind each element to a name (`let [a, b, c] = *x;`)");
                    continue;
                }
            };
            let mut place = base.clone();
            let index = proc_macro2::Literal::usize_unsuffixed(i);
            place.proj.push(Proj::Index(Operand::Const(Const { tokens: index.into_token_stream(), ty: Ty::Other })));
            let var = self.user_var(ident, Ty::Unknown, None);
            self.lower_place_into(place, out, Sink::Var(var, AssignKind::Init), element.span());
            self.bind(ident, Binding::Var(var));
        }
    }

    /// `let [a, b, c] = three(v);`: the call's value bound first, as an
    /// array of as many of the function's floats as the pattern names
    /// (`let __array: [f64; 3] = three(v);`), then taken apart. A callee
    /// that returns something else fails to compile at the call, as the
    /// pattern would without `#[grad]`.
    fn destructure_array_of_call(&mut self, pattern: &syn::PatSlice, call: &Expr, out: &mut Block) {
        let Some(float) = self.float else {
            self.cx.error_spanned_by(
                call,
                "bind the call's value with its type first (`let t: [f64; 3] = ..;`), then take it apart \
                 (`let [a, b, c] = t;`): the function has no one float type that the array's would be",
            );
            return;
        };
        let (float, len) = (crate::emit::float_type(float), pattern.elems.len());
        let name = self.namer.fresh("__array");
        let stmt: syn::Stmt = syn::parse_quote_spanned!(call.span()=> let #name: [#float; #len] = #call;);
        if let syn::Stmt::Local(local) = stmt {
            self.lower_local(&local, out);
        }
        self.destructure_array(pattern, &syn::parse_quote!(#name), out);
    }

    fn lower_place_into(&mut self, place: Place, out: &mut Block, sink: Sink, span: proc_macro2::Span) {
        if let Sink::Var(dst, kind) = sink {
            let rhs = Rhs::Use(place_operand(place));
            self.adopt(dst, &rhs);
            self.assign(out, dst, rhs, kind, span);
        }
    }

    /// A sub-slice passed on (`f(y)`, `f(&y)` of a binding `y`, or
    /// `f(&y[1..])`): a borrow of the range of its base it stands for.
    fn slice_argument(
        &mut self,
        slice: super::sources::Source,
        mutable: bool,
        span: proc_macro2::Span,
        out: &mut Block,
    ) -> Arg {
        let lo = slice.offset.unwrap_or_else(|| Operand::Const(Const { tokens: quote!(0usize), ty: Ty::Other }));
        let hi = self.temp(Ty::Other);
        let rhs = Rhs::Prim(crate::ir::Op::Add, vec![lo.clone(), slice.len]);
        self.assign(out, hi, rhs, AssignKind::Init, span);
        let range = SliceRange { lo: Some(lo), hi: Some(Operand::Var(hi)), inclusive: false };
        Arg::Ref { place: slice.base, range: Some(range), mutable, borrowed: true }
    }

    /// An argument of a call: a reference to (a slice of) an aggregate, or a value.
    pub(super) fn call_arg(&mut self, arg: &Expr, out: &mut Block) -> Arg {
        let (inner, mutable, borrowed) = match arg {
            Expr::Reference(reference) => (&*reference.expr, reference.mutability.is_some(), true),
            other => (other, false, false),
        };
        // A table parameter (`data: &[Sample]`) passed on: constant data,
        // with the slots of a struct the callee leaves out
        // (`signature::slot_constant_references`).
        if let Some(var) = self.table_param(inner) {
            return Arg::Ref { place: Place { var, proj: Vec::new() }, range: None, mutable: false, borrowed: false };
        }
        // `&mut` arguments are checked by `lower_call` (`check_written_argument`).
        // `&x[a..b]`: a slice of an aggregate.
        if let Expr::Index(index) = inner {
            if let Expr::Range(range) = &*index.index {
                // (`&head[1..]` of a sub-slice binding: a range of its base.)
                if let Some(slice) = self.slice_binding(&index.expr) {
                    let cut = self.cut(slice, range, out, arg.span());
                    return self.slice_argument(cut, mutable, arg.span(), out);
                }
                let Some(place) = self.place(&index.expr, out) else { return Arg::Value(dummy()) };
                let lo = range.start.as_ref().map(|lo| self.lower_expr(lo, out));
                let hi = range.end.as_ref().map(|hi| self.lower_expr(hi, out));
                let inclusive = matches!(range.limits, syn::RangeLimits::Closed(_));
                return Arg::Ref { place, range: Some(SliceRange { lo, hi, inclusive }), mutable, borrowed };
            }
        }
        if let Some(slice) = self.slice_binding(inner) {
            return self.slice_argument(slice, mutable, arg.span(), out);
        }
        if borrowed {
            if let Expr::Struct(_) = inner {
                self.cx.error_spanned_by(arg, super::expr::unsupported_message(inner));
                return Arg::Value(dummy());
            }
            if let Some(name) = self.struct_name(inner) {
                self.cx.error_spanned_by(arg, super::structs::whole_struct_message(name));
                return Arg::Value(dummy());
            }
            // `let cfg: Config = make_config(k);` then `&cfg`: a value no
            // derivative flows through, lent as written, like a `const` table.
            if let Some(Binding::Var(var)) = name_of_path(inner).and_then(|ident| self.lookup(ident)) {
                if self.constant_struct_local(var) {
                    // Lent by `&`, it is no float (which `&` cannot lend),
                    // whatever an alias could have been. A struct has the
                    // slots of a model in the callee (`guards::slot`).
                    self.vars[var.0].ty = Ty::Other;
                    self.lent_constants.insert(var);
                    return Arg::Ref { place: Place { var, proj: Vec::new() }, range: None, mutable: false, borrowed };
                }
                let info = &self.vars[var.0];
                let not_floats = matches!(info.ty, Ty::Other | Ty::Unknown);
                if info.kind == VarKind::Local && not_floats && is_struct_type(info.declared.as_ref()) {
                    let name = &info.ident;
                    let message = format!(
                        "#[grad] lends a struct `&{name}` as a constant when it is declared in the function's own \
                         block, not `mut`, before any `return` (`let {name}: Config = make_config(k);`, at the top); \
                         declare `{name}` there"
                    );
                    self.cx.error_spanned_by(arg, message);
                    return Arg::Value(dummy());
                }
            }
            // `&x`, `&m.layer`, `&h[i]`: a part of an aggregate.
            if let Some(place) = self.place_quiet(inner, out) {
                let info = &self.vars[place.var.0];
                if info.ty == Ty::Aggregate {
                    return Arg::Ref { place, range: None, mutable, borrowed };
                }
                // `&s.weights` of a struct left out of `wrt(..)`: lent as
                // a constant, as a constant slice parameter is, whatever
                // its type (which rustc checks, `emit::gated_callee`).
                let constant_struct =
                    self.constant_params.contains(&place.var) || self.constant_struct_local(place.var);
                if !mutable && constant_struct && crate::ir::is_unseen_field(info, &place) {
                    if info.kind == VarKind::Local {
                        self.lent_constants.insert(place.var);
                    }
                    return Arg::Ref { place, range: None, mutable, borrowed };
                }
                if place.proj.is_empty() && self.is_constant_struct_reference(place.var) {
                    // `&s` of `s: &Spring` left out of `wrt`: `s`, with its slots.
                    return Arg::Ref { place, range: None, mutable: false, borrowed: false };
                }
                let info = &self.vars[place.var.0];
                if place.proj.is_empty() && info.by_ref {
                    // `&idx` of a reference parameter: `idx` coerces to it.
                    return Arg::Value(Operand::Var(place.var));
                }
                if place.proj.is_empty() && info.declared.is_none() && info.ty == Ty::Unknown {
                    // `let a = deriv(s, k); energy(&a)`: a call's value, whose
                    // type the macro cannot see.
                    let name = &info.ident;
                    let message = format!(
                        "#[grad] cannot see the type of `{name}` here, so it cannot tell what `&{name}` lends; \
                         write its type (`let {name}: [f64; N] = ..` for an array, `[[f64; N]; M]` for one of \
                         rows, `let {name}: Config = ..` for a struct, which is lent as a constant)"
                    );
                    self.cx.error_spanned_by(arg, message);
                    return Arg::Value(dummy());
                }
                return self.unsupported_borrow(arg);
            }
            // `&[x, 0.5]`: an array made for the call, passed by reference.
            if Self::makes_array(inner) {
                if let Operand::Var(var) = self.lower_expr(inner, out) {
                    return Arg::Ref { place: Place { var, proj: Vec::new() }, range: None, mutable, borrowed };
                }
            }
            // `&SPRING` of a `const` or `static` (a struct, a table):
            // lent through a reference made once, with the slots of a
            // struct (`guards::slot`: a `#[grad]` callee may take a struct).
            if let Some(var) = self.table(inner) {
                return Arg::Ref {
                    place: Place { var, proj: Vec::new() },
                    range: None,
                    mutable: false,
                    borrowed: false,
                };
            }
            // `&f64::consts::PI`: a constant, borrowed as written.
            if let Expr::Path(path) = inner {
                let tokens = quote!(&#path);
                return Arg::Value(Operand::Const(Const { tokens, ty: Ty::Other }));
            }
            return self.unsupported_borrow(arg);
        } else if let Some(tokens) = self.copied_constant_struct(inner) {
            return Arg::Value(Operand::Const(Const { tokens, ty: Ty::Other }));
        } else if let Expr::Path(path) = inner {
            // A row bound by reference (`for x in xs.iter()`) passed on: a borrow of it.
            if let Some(Binding::Row(place)) = path.path.get_ident().and_then(|ident| self.lookup(ident)) {
                return Arg::Ref { place, range: None, mutable: false, borrowed: true };
            }
            // A slice or model parameter passed on as it is.
            let var = path.path.get_ident().and_then(|ident| match self.lookup(ident) {
                Some(Binding::Var(var)) => Some(var),
                _ => None,
            });
            if let Some(var) = var.filter(|&var| self.constant_struct_local(var)) {
                self.moved_constants.push((var, path.span()));
                // (A struct, whatever a call's value would be taken for.)
                self.vars[var.0].ty = Ty::Other;
            }
            // (Or a local bound to one with its type written, `let w: &[f64] = s.r;`.)
            let lent = |info: &crate::ir::VarInfo| {
                info.by_ref || (info.kind == VarKind::Local && matches!(&info.declared, Some(syn::Type::Reference(_))))
            };
            // A struct parameter left out of `wrt(..)`, lent as it is: the
            // slots of a model in the callee (`guards::slot`).
            if let Some(var) = var.filter(|var| self.is_constant_struct_reference(*var)) {
                return Arg::Ref { place: Place { var, proj: Vec::new() }, range: None, mutable: false, borrowed };
            }
            if let Some(var) = var.filter(|var| self.vars[var.0].ty == Ty::Aggregate && lent(&self.vars[var.0])) {
                // A `&mut` output passed on (`helper(x, y)`) is written by the call.
                let declared = self.vars[var.0].declared.as_ref();
                let mutable = matches!(declared, Some(syn::Type::Reference(r)) if r.mutability.is_some());
                return Arg::Ref { place: Place { var, proj: Vec::new() }, range: None, mutable, borrowed };
            }
        }
        Arg::Value(self.lower_expr(inner, out))
    }

    /// `let row = &x[i];` (a row of floats, an element of a model's vector
    /// or of a table, `&data[i]`, or a field of one, `&data[i].state`) or
    /// `let v = &x[i];` (a float): `row` reads the element
    /// in place, as the element of a `for` loop does, at the index it was
    /// bound at (a `mut` index is copied, since it may change later).
    /// Returns whether it bound `name`.
    pub(super) fn bind_element_reference(
        &mut self,
        name: &syn::Ident,
        pat: &syn::Pat,
        init: &Expr,
        out: &mut Block,
    ) -> bool {
        let Expr::Reference(reference) = init else { return false };
        let indexed = reaches_an_element(&reference.expr);
        let plain_name = matches!(pat, syn::Pat::Ident(ident) if ident.mutability.is_none() && ident.by_ref.is_none());
        if reference.mutability.is_some() || !indexed || !plain_name {
            return false;
        }
        let Some(mut place) = self.place(&reference.expr, out) else { return true };
        let base = &self.vars[place.var.0];
        if base.by_ref && (base.mutable || self.mutable_locals.contains(&place.var)) {
            let base = &base.ident;
            self.cx.error_spanned_by(
                init,
                format!(
                    "a reference into `{base}`, a `mut` name that may be given another slice, is not supported \
                     inside #[grad] functions; take it from a name that is not `mut` (`let whole = {base}; let \
                     part = &whole[i];`)"
                ),
            );
            return true;
        }
        for proj in &mut place.proj {
            let Proj::Index(index) = proj else { continue };
            // (`&x[i]` with `i` mut, `&x[idx[k]]`: what the index reads may change.)
            let changeable = match index {
                Operand::Var(var) => self.mutable_locals.contains(var) || self.vars[var.0].mutable,
                Operand::Place(_) => true,
                Operand::Const(_) => false,
            };
            if changeable {
                let copy = self.temp(Ty::Other);
                self.assign(out, copy, Rhs::Use(index.clone()), AssignKind::Init, init.span());
                *index = Operand::Var(copy);
            }
        }
        // (A model's element may be a model, lent by the reference.)
        let unseen = crate::ir::is_unseen_field(&self.vars[place.var.0], &place);
        let row = unseen || matches!(self.place_ty(&place), Ty::Aggregate | Ty::AnyFloat);
        self.bind(name, if row { Binding::Row(place) } else { Binding::Place(place) });
        true
    }

    /// `let layer: &Layer = &self.layers[l];` (or `&m.head`): a part of a
    /// model, bound by reference as an element is, whose type is written,
    /// so that its methods can be called (`call.rs` `part_method_call`).
    /// Whether `init` was such a part.
    pub(super) fn bind_typed_part(
        &mut self,
        name: &syn::Ident,
        pat: &syn::Pat,
        ty: syn::Type,
        init: &Expr,
        out: &mut Block,
    ) -> bool {
        let plain_name = matches!(pat, syn::Pat::Ident(ident) if ident.mutability.is_none() && ident.by_ref.is_none());
        // `for layer in &self.layers { let layer: &Layer = layer; .. }`: the
        // loop's element, typed.
        if let Expr::Path(path) = init {
            let bound = path.path.get_ident().and_then(|ident| self.lookup(ident));
            let Some(Binding::Row(place) | Binding::Place(place)) = bound else { return false };
            if !plain_name || !self.is_part_of_a_model(&place) {
                return false;
            }
            self.bind(name, Binding::Row(place.clone()));
            self.type_part(name, place, ty);
            return true;
        }
        let Expr::Reference(reference) = init else { return false };
        if reference.mutability.is_some() || !plain_name || !self.is_model_part(&reference.expr) {
            return false;
        }
        if reaches_an_element(&reference.expr) {
            if !self.bind_element_reference(name, pat, init, out) {
                return false;
            }
        } else {
            let Some(place) = self.place(&reference.expr, out) else { return true };
            self.bind(name, Binding::Row(place));
        }
        if let Some(Binding::Row(place) | Binding::Place(place)) = self.lookup(name) {
            self.type_part(name, place, ty);
        }
        // (`true` after an error too: the `let` is reported once.)
        true
    }

    pub(super) fn type_part(&mut self, name: &syn::Ident, place: Place, ty: syn::Type) {
        let name = crate::naming::name_of(name);
        self.typed_parts.push(super::TypedPart { name, place, ty, depth: self.scopes.len() });
    }

    /// The part of a model `receiver` names, with its written type, if it
    /// is a name bound by `bind_typed_part` (`layer` of `let layer: &Layer
    /// = ..`) and still bound to that part.
    pub(super) fn typed_part(&self, receiver: &Expr) -> Option<(Place, syn::Type)> {
        let Expr::Path(path) = receiver else { return None };
        let ident = path.path.get_ident()?;
        let name = crate::naming::name_of(ident);
        let typed = self.typed_parts.iter().rev().find(|part| part.name == name)?;
        match self.lookup(ident)? {
            Binding::Row(place) | Binding::Place(place) if crate::ir::same_place(&place, &typed.place) => {
                Some((place, typed.ty.clone()))
            }
            _ => None,
        }
    }

    /// `let act: Act = self.act;`: a model's field copied into a local of a
    /// type that may be an enum of settings. The field is a constant
    /// (`Body::constant_fields`), so the copy may be passed on by value
    /// (`activate(z, act)`), and rustc checks that the type is one
    /// (`guards::holds_settings`): a copy of a sub-model would hold weights.
    /// Whether `init` was such a field.
    pub(super) fn copy_of_settings(&mut self, ty: &syn::Type, init: &Expr, out: &mut Block) -> bool {
        if !self.is_model_part(init) {
            return false;
        }
        // (The place's indices are lowered apart: the path alone is kept.)
        let Some(place) = self.place(init, &mut Block::default()) else { return false };
        if let Some(field) = crate::constant_fields::model_field_of(&self.vars[place.var.0], &place) {
            self.constant_parts.push(field);
        }
        let span = init.span();
        let tokens = quote::quote_spanned!(span=> ::autodiff::guards::holds_settings::<#ty>);
        let check = self.temp(Ty::Other);
        self.assign(out, check, Rhs::Use(Operand::Const(Const { tokens, ty: Ty::Other })), AssignKind::Init, span);
        true
    }

    /// Whether `expr` names a part of a model (`self.layers[l]`, `m.head`):
    /// a field, at any depth, of a model parameter.
    pub(super) fn is_model_part(&self, expr: &Expr) -> bool {
        let mut root = expr;
        let mut projected = false;
        loop {
            match root {
                Expr::Field(field) => root = &field.base,
                Expr::Index(index) => root = &index.expr,
                Expr::Paren(paren) => root = &paren.expr,
                _ => break,
            }
            projected = true;
        }
        let Expr::Path(path) = root else { return false };
        match path.path.get_ident().and_then(|ident| self.lookup(ident)) {
            Some(Binding::Var(var)) => projected && self.is_model_param(var),
            // A part of a part bound by reference (`&block.layers[0]`).
            Some(Binding::Row(place) | Binding::Place(place)) => projected && self.is_part_of_a_model(&place),
            _ => false,
        }
    }

    /// Whether `place` is a part of a model parameter (`self.layers[l]`).
    fn is_part_of_a_model(&self, place: &Place) -> bool {
        !place.proj.is_empty() && self.is_model_param(place.var)
    }

    /// Whether `var` is a model parameter (`&self`, `m: &Model`).
    fn is_model_param(&self, var: crate::ir::Var) -> bool {
        let info = &self.vars[var.0];
        // (A model left out of `wrt` may be typed as any constant struct.)
        let model = (info.ty == Ty::Aggregate && info.dims.is_none() && !crate::ir::is_table(info))
            || (info.ty == Ty::Other && self.constant_params.contains(&var));
        info.kind == VarKind::Param && model
    }

    /// The type of `operand` if it is an element of a table parameter
    /// (`data[i]` of `data: &[Sample]`: `Sample`).
    pub(super) fn table_element_type(&self, operand: &Operand) -> Option<syn::Type> {
        let Operand::Place(place) = operand else { return None };
        let info = &self.vars[place.var.0];
        if info.kind != VarKind::Param || !crate::ir::is_table_element(info, place) {
            return None;
        }
        let syn::Type::Reference(reference) = info.declared.as_ref()? else { return None };
        crate::signature::element_type(&reference.elem, place.proj.len())
    }

    /// The type of the element of a table parameter that `expr` names, as
    /// written (`terms[i]`, `grid[i][j]`, `t` of `for t in terms`), before
    /// it is lowered.
    pub(super) fn table_element_type_of(&self, expr: &Expr) -> Option<syn::Type> {
        let place = match expr {
            Expr::Path(path) => match self.lookup(path.path.get_ident()?)? {
                Binding::Place(place) | Binding::Row(place) => place,
                _ => return None,
            },
            Expr::Index(_) => {
                let mut depth = 0;
                let mut root = expr;
                while let Expr::Index(index) = root {
                    depth += 1;
                    root = &index.expr;
                }
                let var = self.table_param(root)?;
                let proj =
                    (0..depth).map(|_| Proj::Index(Operand::Const(Const { tokens: quote::quote!(0), ty: Ty::Other })));
                Place { var, proj: proj.collect() }
            }
            _ => return None,
        };
        self.table_element_type(&Operand::Place(Box::new(place)))
    }

    /// The parameter `expr` names if it is a table (`data: &[Sample]`,
    /// `ir::is_table`).
    pub(super) fn table_param(&self, expr: &Expr) -> Option<crate::ir::Var> {
        match self.lookup(name_of_path(expr)?)? {
            Binding::Var(var) if crate::ir::is_table(&self.vars[var.0]) => Some(var),
            _ => None,
        }
    }

    /// Whether `var` is a parameter `m: &Model` (a struct by reference) left
    /// out of `wrt(..)`.
    pub(super) fn is_constant_struct_reference(&self, var: crate::ir::Var) -> bool {
        let info = &self.vars[var.0];
        info.kind == VarKind::Param
            && self.constant_params.contains(&var)
            && info.declared.as_ref().is_some_and(crate::signature::is_struct_reference)
    }

    /// `*c` of a struct parameter `c: &Config` that is a constant, passed by
    /// value (`by_value(*c, x)`, `Config: Copy` as Rust requires): the
    /// copy, as written, no float.
    fn copied_constant_struct(&self, expr: &Expr) -> Option<proc_macro2::TokenStream> {
        let Expr::Unary(syn::ExprUnary { op: UnOp::Deref(_), expr: inner, .. }) = expr else { return None };
        let ident = name_of_path(inner)?;
        let Some(Binding::Var(var)) = self.lookup(ident) else { return None };
        let info = &self.vars[var.0];
        let referenced_struct = matches!(&info.declared, Some(syn::Type::Reference(reference))
            if reference.mutability.is_none() && is_struct_type(Some(&reference.elem)));
        let constant = info.kind == VarKind::Param && self.constant_params.contains(&var);
        let ident = &info.ident;
        (referenced_struct && constant).then(|| quote!((*#ident)))
    }

    /// A local of a struct type written in its `let` (`let cfg: Config =
    /// make_config(k);`), or whose named fields were read before
    /// (`cfg.rate`): nothing the macro differentiates flows through
    /// it (a plain function's value on varied inputs fails to compile on
    /// its own, its companion missing), so it is lent as a constant. It
    /// must hold one value wherever the generated code names it: not
    /// `mut`, and declared in the body's own block (`top_level`), not in a
    /// loop or a nested block, whose reverse sweep runs where it is out of
    /// scope.
    pub(super) fn constant_struct_local(&self, var: crate::ir::Var) -> bool {
        let info = &self.vars[var.0];
        let is_struct = is_struct_type(info.declared.as_ref())
            || self.structs_by_field.contains(&var)
            || self.constructed.contains_key(&var);
        let not_floats = matches!(info.ty, Ty::Other | Ty::Unknown);
        info.kind == VarKind::Local && not_floats && is_struct && self.top_level.contains(&var)
    }

    /// Why a local of a struct type written in its `let` is no constant
    /// struct (`constant_struct_local`), for a method called on it: `mut`,
    /// or declared where it may hold several values.
    pub(super) fn struct_local_not_constant(&self, var: crate::ir::Var, method: &syn::Ident) -> Option<String> {
        let info = &self.vars[var.0];
        let not_floats = matches!(info.ty, Ty::Other | Ty::Unknown);
        if info.kind != VarKind::Local || !not_floats || !is_struct_type(info.declared.as_ref()) {
            return None;
        }
        if self.constant_struct_local(var) {
            return None;
        }
        let name = &info.ident;
        let ty = info.declared.as_ref().map(|ty| quote::ToTokens::to_token_stream(ty).to_string().replace(' ', ""));
        let ty = ty.unwrap_or_default();
        let reason = if self.mutable_locals.contains(&var) {
            format!("`{name}` is declared `mut`, so it may change between the call and its derivative; drop the `mut`")
        } else {
            format!(
                "`{name}` is declared inside a loop, a nested block or a closure, or after a `return`, where the \
                 derivative code, which runs after the function's own code, cannot reach one value of it; declare \
                 it in the function's own block, before any `return`"
            )
        };
        Some(format!(
            "#[grad] calls the #[grad] method `{method}` on a local struct as a constant, declared in the \
             function's own block, not `mut`, before any `return` (`let {name}: {ty} = make_config(k);`); {reason}, \
             or take it as a parameter left out of `wrt` (`{name}: &{ty}`)"
        ))
    }

    /// `&n` of a value that is no array: the call would need a reference to
    /// a value the generated code keeps elsewhere.
    fn unsupported_borrow(&self, arg: &Expr) -> Arg {
        let borrowed = match arg {
            Expr::Reference(reference) => &*reference.expr,
            other => other,
        };
        let copied_by = match borrowed {
            Expr::MethodCall(call) if call.args.is_empty() && (call.method == "clone" || call.method == "to_owned") => {
                Some(call.method.to_string())
            }
            _ => None,
        };
        let message = if super::collect::collect_call(borrowed).is_some() {
            "inside #[grad] code, a collected vector is built in a `let`; bind it first \
             (`let v: Vec<f64> = ..collect();`) and pass `&v`"
                .to_string()
        } else if super::sources::to_vec_call(borrowed).is_some() {
            // (`axpy(a, &y.to_vec(), &mut y)`, round 15.)
            "inside #[grad] code, a copy made by `to_vec` is built in a `let`; bind it first \
             (`let copy = y.to_vec();`) and pass `&copy`"
                .to_string()
        } else if let Some(method) = copied_by {
            format!(
                "inside #[grad] code, a copy made by `{method}` is built in a `let`; bind it first \
                 (`let copy = u.{method}();`) and pass `&copy`, or pass the original if the callee only reads it"
            )
        } else {
            "inside #[grad] code, `&` passes arrays, slices and models to calls; pass this value by value \
             (make the callee take it by value)"
                .to_string()
        };
        self.cx.error_spanned_by(arg, message);
        Arg::Value(dummy())
    }

    /// Whether `expr` builds a new array: `[a, b]`, `[v; N]`, `vec![..]`.
    pub(super) fn makes_array(expr: &Expr) -> bool {
        match expr {
            Expr::Array(_) | Expr::Repeat(_) => true,
            Expr::Macro(mac) => mac.mac.path.is_ident("vec"),
            Expr::Paren(paren) => Self::makes_array(&paren.expr),
            _ => false,
        }
    }

    /// `place`, without reporting an error when `expr` is not one.
    /// `W` in `W[i]`, a name bound to nothing in the body: a `const` or
    /// `static` table (`const W: [f64; 3] = ..;`), read through a reference
    /// made once at the top of the function (`lower` writes it), so the
    /// reads are element reads like any other. It is never differentiated.
    /// A path (`consts::W`, `Self::W`) names one as well.
    pub(super) fn table(&mut self, expr: &Expr) -> Option<crate::ir::Var> {
        let Expr::Path(path) = expr else { return None };
        let plain = path.qself.is_none() && path.path.segments.iter().all(|segment| segment.arguments.is_none());
        let last = path.path.segments.last().filter(|_| plain)?;
        if path.path.get_ident().is_some_and(|ident| self.lookup(ident).is_some()) {
            return None;
        }
        let text = path.path.to_token_stream().to_string();
        if let Some((_, var)) = self.tables.iter().find(|(table, _)| table.to_token_stream().to_string() == text) {
            return Some(*var);
        }
        let name = crate::naming::name_of(&last.ident);
        let mut reference = self.namer.fresh(&format!("__table_{name}"));
        // (Where rustc reports the table, `guards::passed_by_value`.)
        reference.set_span(reference.span().located_at(last.ident.span()));
        let var = self.new_var(reference, Ty::Aggregate, VarKind::Local, Some(syn::parse_quote!(_)));
        let info = &mut self.vars[var.0];
        info.by_ref = true;
        info.scope.clear();
        self.tables.push((path.path.clone(), var));
        Some(var)
    }

    fn place_quiet(&mut self, expr: &Expr, out: &mut Block) -> Option<Place> {
        match expr {
            Expr::Path(path) => {
                let ident = path.path.get_ident()?;
                match self.lookup(ident)? {
                    Binding::Var(var) => Some(Place { var, proj: Vec::new() }),
                    Binding::Place(place) | Binding::Row(place) => Some(place),
                    Binding::Closure(_) | Binding::Slice(_) | Binding::Struct(_) => None,
                }
            }
            Expr::Field(_) | Expr::Index(_) => {
                if self.expr_is_rooted(expr) {
                    self.place(expr, out)
                } else {
                    None
                }
            }
            Expr::Paren(paren) => self.place_quiet(&paren.expr, out),
            _ => None,
        }
    }

    /// Whether an element expression starts at a local name.
    fn expr_is_rooted(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Path(path) => path.path.get_ident().is_some_and(|ident| self.lookup(ident).is_some()),
            Expr::Field(field) => self.expr_is_rooted(&field.base),
            // (`TABLE[i]`, `tables::Q[i]`: an element of a `const` or `static` table.)
            Expr::Index(index) => {
                self.expr_is_rooted(&index.expr) || matches!(&*index.expr, Expr::Path(path) if path.qself.is_none())
            }
            Expr::Paren(paren) => self.expr_is_rooted(&paren.expr),
            _ => false,
        }
    }
}

/// The error for a sub-slice binding used as a whole value.
pub(super) fn slice_use_message(name: impl std::fmt::Display) -> String {
    format!(
        "`{name}` is a sub-slice: inside #[grad] functions it can be indexed (`{name}[i]`), measured \
         (`{name}.len()`), iterated or passed to a function"
    )
}

fn dummy() -> Operand {
    Operand::Const(Const { tokens: quote!(0.0), ty: Ty::Unknown })
}

/// A zero of an array type written by the user: `[f64; N]` → `[0.0; N]`,
/// `Vec<[f64; N]>` → a vector of `[0.0; N]`, `[f64]` → a vector.
pub fn zero_of_type(ty: &syn::Type) -> Option<Zero> {
    match ty {
        syn::Type::Reference(reference) => zero_of_type(&reference.elem),
        syn::Type::Paren(paren) => zero_of_type(&paren.elem),
        syn::Type::Array(array) => {
            let len = &array.len;
            let inner = match zero_of_type(&array.elem)? {
                Zero::Scalar => quote!(0.0),
                Zero::Array(tokens) => tokens,
                Zero::Vec(_) | Zero::OfCallResult => return None,
            };
            Some(Zero::Array(quote!([#inner; #len])))
        }
        syn::Type::Slice(slice) => Some(Zero::Vec(Box::new(zero_of_type(&slice.elem)?))),
        syn::Type::Path(path) => {
            if crate::signature::float_ty(ty).is_some() {
                return Some(Zero::Scalar);
            }
            let last = path.path.segments.last()?;
            if last.ident != "Vec" {
                return None;
            }
            match &last.arguments {
                syn::PathArguments::AngleBracketed(args) => match args.args.first()? {
                    syn::GenericArgument::Type(elem) => Some(Zero::Vec(Box::new(zero_of_type(elem)?))),
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    }
}

/// What to write instead of `expr` where an element or an array is read:
/// a method that picks an element (`x.last()`), a chunked view passed
/// where a slice is expected (`zip(x.windows(3))`), or anything else.
fn element_access_message(expr: &Expr) -> String {
    let mut peeled = expr;
    loop {
        match peeled {
            Expr::Unary(syn::ExprUnary { op: syn::UnOp::Deref(_), expr, .. })
            | Expr::Paren(syn::ExprParen { expr, .. })
            | Expr::Reference(syn::ExprReference { expr, .. }) => peeled = expr,
            Expr::MethodCall(call)
                if ["unwrap", "expect", "unwrap_or", "unwrap_or_default", "unwrap_or_else"]
                    .iter()
                    .any(|name| call.method == name) =>
            {
                peeled = &call.receiver
            }
            _ => break,
        }
    }
    const PICKS: &[&str] = &["first", "last", "get", "first_mut", "last_mut", "get_mut"];
    const VIEWS: &[&str] = &["windows", "chunks", "chunks_exact"];
    match peeled {
        Expr::MethodCall(call) if PICKS.iter().any(|name| call.method == name) => format!(
            "`.{}()` is not supported inside #[grad] functions; read the element by its index (`x[0]`, \
             `x[x.len() - 1]`, `x[i]`)",
            call.method
        ),
        Expr::MethodCall(call) if VIEWS.iter().any(|name| call.method == name) => format!(
            "#[grad] iterates `.{0}(..)` in a loop or a reduction only (`for w in x.{0}(3)`, \
             `x.{0}(3).enumerate()`, `y.iter().zip(x.{0}(3))`); write the loop over it",
            call.method
        ),
        // `*x.iter().max_by(..).unwrap()`: a reduction the macro does not lower.
        Expr::MethodCall(call) if super::loops::is_iterator(&call.receiver) => {
            super::loops::unsupported_iterator_method(&call.method)
        }
        // `std::iter::zip(x, &y).map(..)`.
        Expr::Call(syn::ExprCall { func, .. }) if matches!(&**func, Expr::Path(path) if path.path.segments.last().is_some_and(|last| last.ident == "zip")) => {
            "#[grad] zips with the method: write `a.iter().zip(b)` for `zip(a, b)`".to_string()
        }
        Expr::MethodCall(call) if call.method == "sin_cos" => {
            "#[grad] takes `sin_cos` apart where it is bound: `let (s, c) = x.sin_cos();`".to_string()
        }
        Expr::MethodCall(_) | Expr::Call(_) => "a part of a call's value (`f(x).0`, `v.method()[i]`) is not \
             supported inside #[grad] functions; bind the value first (`let (a, b) = f(x);`, `let v: [f64; N] = \
             ..;`) and read its parts"
            .to_string(),
        _ => "#[grad] supports element access of the form `x[i]`, `x[i][j]` or `m.field[i]`".to_string(),
    }
}

/// `name` of an expression that is a plain name.
fn name_of_path(expr: &Expr) -> Option<&syn::Ident> {
    match expr {
        Expr::Path(path) if path.qself.is_none() => path.path.get_ident(),
        _ => None,
    }
}

/// Whether `ty` names a type that is no primitive and holds no floats the
/// macro sees (`Config`, `geo::Frame`; not `Vec<f64>`).
fn is_struct_type(ty: Option<&syn::Type>) -> bool {
    matches!(ty, Some(ty @ syn::Type::Path(path))
        if path.qself.is_none()
            && !super::call::is_primitive(&path.path)
            && crate::signature::array_elem(ty).is_none())
}

/// Whether `expr` names an element (`x[i]`, not a range) or a field of
/// one (`data[i].state`, `m.layers[i].w`).
fn reaches_an_element(expr: &Expr) -> bool {
    match expr {
        Expr::Index(index) => !matches!(&*index.index, Expr::Range(_)),
        Expr::Field(field) => reaches_an_element(&field.base),
        Expr::Paren(paren) => reaches_an_element(&paren.expr),
        _ => false,
    }
}
