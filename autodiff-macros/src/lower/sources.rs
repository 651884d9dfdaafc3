//! What a loop or a sub-slice reads: an aggregate element by element
//! (`x`, `&x[a..b]`, `x.iter()`, a `const` table, an array made for the
//! loop), a sub-slice binding (`let y = &x[a..b];`), and the copy
//! `let v = x.to_vec();`, lowered as the loop a person writes.

use proc_macro2::Span;
use quote::quote;
use syn::spanned::Spanned;
use syn::Expr;

use super::{is_integer_type, place_operand, Binding, Lowerer, Sink};
use crate::ir::{Arg, AssignKind, Block, Const, Op, Operand, Place, Proj, Rhs, Ty, Var, VarKind};

/// An aggregate iterated element by element, from `offset` on; also what
/// a sub-slice binding (`let y = &x[a..b];`) stands for.
#[derive(Clone)]
pub(super) struct Source {
    pub(super) base: Place,
    pub(super) offset: Option<Operand>,
    pub(super) len: Operand,
    /// Integers (`idx: &[usize]`): each pass binds a copy, an index.
    pub(super) integers: bool,
    /// `windows(k)` / `chunks_exact(k)` / `chunks(k)`: each pass binds a
    /// sub-slice, and `len` counts them.
    pub(super) window: Option<Window>,
    /// Whether its items are references (`x.iter()`, `&x`, a reference
    /// parameter), not values moved out of a local (`for v in v_owned`):
    /// a row bound by such an item is passed to calls as a borrow.
    pub(super) by_reference: bool,
    /// `y.iter_mut()`: its elements are places the body writes through.
    pub(super) written_through: bool,
    /// `h.iter().rev()` zipped or enumerated: pass `k` reads the item
    /// `len − 1 − k`.
    pub(super) reversed: bool,
}

/// The sub-slices `windows`, `chunks_exact` and `chunks` give: `size`
/// elements, each `stride` after the previous one.
#[derive(Clone)]
pub(super) struct Window {
    pub(super) size: Operand,
    pub(super) stride: Operand,
    /// `chunks`: the length of the slice cut, whose last chunk holds what
    /// is left (fewer than `size` elements when `size` does not divide it).
    pub(super) ragged: Option<Box<Operand>>,
}

impl Lowerer<'_> {
    /// The pass's sub-slice of a `windows`, `chunks_exact` or `chunks`
    /// source: `size` elements from `offset + index·stride` (for `chunks`,
    /// at most `size`: the last one takes what is left).
    pub(super) fn window(&mut self, source: &Source, index: Var, body: &mut Block, span: Span) -> Source {
        let Some(window) = &source.window else { return source.clone() };
        let index = self.item_of_pass(source, index, body, span);
        let start = self.temp(Ty::Other);
        let rhs = Rhs::Prim(Op::Mul, vec![Operand::Var(index), window.stride.clone()]);
        self.assign(body, start, rhs, AssignKind::Init, span);
        let len = match &window.ragged {
            None => window.size.clone(),
            Some(total) => {
                let rest = self.integer(Rhs::Prim(Op::Sub, vec![(**total).clone(), Operand::Var(start)]), body, span);
                let min = syn::Ident::new("min", span);
                self.integer(Rhs::Method(rest, min, vec![window.size.clone()]), body, span)
            }
        };
        let start = self.past_offset(source, start, body, span);
        Source { offset: Some(start), len, window: None, ..source.clone() }
    }

    /// `position` counted from the start of `source`'s base: `position +
    /// offset` of a sub-slice, in a temporary.
    fn past_offset(&mut self, source: &Source, position: Var, body: &mut Block, span: Span) -> Operand {
        let Some(offset) = &source.offset else { return Operand::Var(position) };
        let shifted = self.temp(Ty::Other);
        let rhs = Rhs::Prim(Op::Add, vec![Operand::Var(position), offset.clone()]);
        self.assign(body, shifted, rhs, AssignKind::Init, span);
        Operand::Var(shifted)
    }

    /// The item a pass reads: the pass's index, or for a reversed source
    /// `len − 1 − index`.
    fn item_of_pass(&mut self, source: &Source, index: Var, body: &mut Block, span: Span) -> Var {
        if !source.reversed {
            return index;
        }
        let last = self.temp(Ty::Other);
        let one = Operand::Const(Const { tokens: quote::quote!(1usize), ty: Ty::Other });
        self.assign(body, last, Rhs::Prim(Op::Sub, vec![source.len.clone(), one]), AssignKind::Init, span);
        let item = self.temp(Ty::Other);
        self.assign(
            body,
            item,
            Rhs::Prim(Op::Sub, vec![Operand::Var(last), Operand::Var(index)]),
            AssignKind::Init,
            span,
        );
        item
    }

    /// The element of `source` at the pass's index.
    pub(super) fn element(&mut self, source: &Source, index: Var, body: &mut Block, span: Span) -> Place {
        let index = self.item_of_pass(source, index, body, span);
        let position = self.past_offset(source, index, body, span);
        let mut place = source.base.clone();
        place.proj.push(Proj::Index(position));
        place
    }

    /// `guards::assertion(left op right)`: a bound Rust's slicing checks,
    /// which the element or range of a sub-slice, read from its base,
    /// would not.
    pub(super) fn check(&mut self, op: Op, left: Operand, right: Operand, what: &str, out: &mut Block, span: Span) {
        let holds = self.integer(Rhs::Prim(op, vec![left, right]), out, span);
        let check: syn::ExprPath = syn::parse_quote_spanned!(span=> ::autodiff::guards::assertion);
        let message = Operand::Const(Const { tokens: quote!(#what), ty: Ty::Other });
        let done = self.temp(Ty::Other);
        self.assign(out, done, Rhs::Call(check, vec![Arg::Value(holds), Arg::Value(message)]), AssignKind::Init, span);
    }

    /// `lo <= end` checked, but for a start of literal 0, which rustc would
    /// warn holds always (`unused_comparisons`).
    fn check_start(&mut self, lo: &Operand, end: &Operand, out: &mut Block, span: Span) {
        let zero =
            matches!(lo, Operand::Const(constant) if ["0", "0usize"].contains(&constant.tokens.to_string().as_str()));
        if !zero {
            self.check(Op::Le, lo.clone(), end.clone(), "a range that starts before it ends", out, span);
        }
    }

    /// `end − lo` of a range checked to start before it ends, saturating:
    /// rustc would report a literal range's overflow (`&head[2..1]`) at
    /// compile time, where Rust's slicing panics at run time, as the check
    /// does. (A path call types the literals: `usize::saturating_sub(3, 1)`.)
    fn length_between(&mut self, lo: Operand, end: Operand, out: &mut Block, span: Span) -> Operand {
        let saturating_sub: syn::ExprPath = syn::parse_quote_spanned!(span=> ::core::primitive::usize::saturating_sub);
        self.integer(Rhs::Call(saturating_sub, vec![Arg::Value(end), Arg::Value(lo)]), out, span)
    }

    /// `&head[a..b]` of a sub-slice binding `head`: the elements `a..b` of
    /// it, a range of its base, checked to lie within it as Rust checks
    /// (`guards::assertion`).
    pub(super) fn cut(&mut self, slice: Source, range: &syn::ExprRange, out: &mut Block, span: Span) -> Source {
        let mut bound = |this: &mut Self, bound: &Option<Box<Expr>>, closed: bool| {
            let value = bound.as_ref().map(|bound| this.lower_expr(bound, out))?;
            let value = if closed {
                let one = Operand::Const(Const { tokens: quote!(1usize), ty: Ty::Other });
                this.integer(Rhs::Prim(Op::Add, vec![value, one]), out, span)
            } else {
                value
            };
            Some(this.fixed(value, Ty::Other, out, span))
        };
        let lo = bound(self, &range.start, false);
        let closed = matches!(range.limits, syn::RangeLimits::Closed(_));
        let end = bound(self, &range.end, closed).unwrap_or_else(|| slice.len.clone());
        self.check(Op::Le, end.clone(), slice.len.clone(), "a range within the sub-slice", out, span);
        let Some(lo) = lo else { return Source { len: end, ..slice } };
        self.check_start(&lo, &end, out, span);
        let len = self.length_between(lo.clone(), end, out, span);
        let offset = match slice.offset.clone() {
            Some(offset) => self.integer(Rhs::Prim(Op::Add, vec![offset, lo]), out, span),
            None => lo,
        };
        Source { offset: Some(offset), len, ..slice }
    }

    /// An aggregate iterated element by element: `x`, `&x`, `x.iter()`,
    /// `&x[1..]`, `x[a..b].iter()`, `w[i].iter()`.
    pub(super) fn source(&mut self, expr: &Expr, out: &mut Block) -> Option<Source> {
        let borrows = match expr {
            // `iter_mut` rows stay places, written through.
            Expr::MethodCall(call) => call.method == "iter",
            Expr::Reference(_) => true,
            _ => false,
        };
        let written_through = matches!(expr, Expr::MethodCall(call) if call.method == "iter_mut");
        let mutably = written_through || matches!(expr, Expr::Reference(reference) if reference.mutability.is_some());
        let inner = match expr {
            // `iter_mut` binds each element as a place, so `*o = ..` is a
            // store into it.
            Expr::MethodCall(call)
                if ["iter", "into_iter", "iter_mut"].iter().any(|name| call.method == name) && call.args.is_empty() =>
            {
                &*call.receiver
            }
            Expr::Reference(reference) if reference.mutability.is_none() => &*reference.expr,
            other => other,
        };
        let inner = match inner {
            Expr::Paren(paren) => &*paren.expr,
            Expr::Reference(reference) => &*reference.expr,
            other => other,
        };
        if let Some(slice) = self.slice_binding(inner) {
            return Some(slice);
        }
        let span = expr.span();
        if let Expr::Index(index) = inner {
            if let Expr::Range(range) = &*index.index {
                if let Some(slice) = self.slice_binding(&index.expr) {
                    return Some(self.cut(slice, range, out, span));
                }
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
                        let hi = self.fixed(hi, Ty::Other, out, span);
                        // (Read from the base, the range is checked as Rust's slicing checks it.)
                        let length = self.length(&base, out, span);
                        self.check(Op::Le, hi.clone(), length, "a range within the slice", out, span);
                        hi
                    }
                    None => self.length(&base, out, span),
                };
                let len = match &lo {
                    Some(lo) => {
                        self.check_start(lo, &end, out, span);
                        self.length_between(lo.clone(), end, out, span)
                    }
                    None => end,
                };
                let integers = self.holds_integers(&base);
                if integers && mutably {
                    self.integers_iterated_mutably(expr);
                    return None;
                }
                return Some(Source {
                    base,
                    offset: lo,
                    len,
                    integers,
                    window: None,
                    by_reference: true,
                    written_through,
                    reversed: false,
                });
            }
        }
        // `ITEMS.iter()` of a `const` or `static` table; `[x, y, 2.0].iter()`
        // of an array made for the loop, a local of its own.
        let table = self.table(inner).map(|var| Place { var, proj: Vec::new() });
        let made = match Self::makes_array(inner) {
            true => {
                let errors = self.cx.error_count();
                match self.lower_expr(inner, out) {
                    // (Refused, `vec![x, y]` not bound by a `let`: reported once.)
                    _ if self.cx.error_count() > errors => return None,
                    Operand::Var(var) => Some(Place { var, proj: Vec::new() }),
                    _ => return None,
                }
            }
            false => None,
        };
        let base = match table.or(made) {
            Some(base) => base,
            None => self.place(inner, out)?,
        };
        // A model's fields are aggregates the macro cannot see into.
        let in_model = self.vars[base.var.0].ty == Ty::Aggregate && self.vars[base.var.0].dims.is_none();
        // So are a constant struct's (`self.weights` of a `&self` left out
        // of `wrt`), whose elements are constants whatever their type.
        let of_constant_struct = self.vars[base.var.0].kind == VarKind::Param
            && self.vars[base.var.0].ty == Ty::Other
            && base.proj.first().is_some_and(|proj| matches!(proj, crate::ir::Proj::Field(_)));
        let in_model = in_model || of_constant_struct;
        let integers = self.holds_integers(&base);
        // (`for t in tris` of `tris: &mut [[usize; 2]]` lends each row mutably too.)
        let mutable_param = matches!(expr, Expr::Path(_))
            && matches!(&self.vars[base.var.0].declared, Some(syn::Type::Reference(reference)) if reference.mutability.is_some());
        if integers && (mutably || mutable_param) {
            self.integers_iterated_mutably(expr);
            return None;
        }
        // `let h = self.hidden(x);` then `h.iter()`: a call's value whose
        // type is not written, iterated as the array it must then be (its
        // elements read `h[i]` tell inference so, `infer::arrays_by_their_use`).
        let info = &self.vars[base.var.0];
        let untyped = base.proj.is_empty() && info.declared.is_none() && info.ty == Ty::Unknown;
        let call_result = untyped && info.kind == VarKind::Local && self.call_results.contains(&base.var);
        if self.refused.contains(&base.var) {
            // (A refused construct's value: reported where it was refused.)
            return None;
        }
        if self.place_ty(&base) != Ty::Aggregate && !in_model && !integers && !call_result {
            let message = if untyped {
                // `let z = self.logits(x);` then `z.iter()`: a call's value
                // whose type the macro cannot see (it sees one function).
                let name = &info.ident;
                format!(
                    "#[grad] cannot see the type of `{name}` here, so it cannot iterate it; write its type \
                     (`let {name}: [f64; N] = ..`, `[[f64; N]; M]` for rows, or `Vec<f64>`)"
                )
            } else {
                // (`for t in triples` of `&[[usize; 3]]`, a slice of index rows;
                // `ws.iter()` of `&[Option<f64>]`.)
                let written = quote::ToTokens::to_token_stream(expr).to_string().replace(' ', "");
                let name = [".iter()", ".iter_mut()", ".into_iter()"]
                    .iter()
                    .fold(written.as_str(), |name, suffix| name.strip_suffix(suffix).unwrap_or(name))
                    .trim_start_matches('&');
                format!(
                    "#[grad] iterates ranges (`0..n`), float arrays, slices and vectors, slices of integers, flags and \
                     structs; iterate the positions of this one instead (`for k in 0..{name}.len()`, then read \
                     `{name}[k]`)"
                )
            };
            self.cx.error_spanned_by(expr, message);
            return None;
        }
        let len = self.length(&base, out, span);
        // (A `const` table is read through a reference the macro makes, but
        // `for y in DATA` iterates its elements by value, round 16.)
        let info = &self.vars[base.var.0];
        let const_table = crate::ir::is_table(info) && info.kind != VarKind::Param;
        let by_reference = borrows || (info.by_ref && !const_table);
        Some(Source { base, offset: None, len, integers, window: None, by_reference, written_through, reversed: false })
    }

    /// Integers lent mutably by the loop (`tris.iter_mut()`, `&mut idx`):
    /// each pass would write a copy (an integer is bound by value), so the
    /// writes would be lost. Refused, with the loop that writes by index.
    fn integers_iterated_mutably(&self, expr: &Expr) {
        self.cx.error_spanned_by(
            expr,
            "#[grad] binds each integer a loop gives as a copy, and cannot write integers through it \
             (`iter_mut()`, `&mut v`); write them by index (`for k in 0..v.len() { v[k] = ..; }`, \
             `v[k][1] = ..` for rows)",
        );
    }

    /// The sub-slice a name stands for (`y` after `let y = &x[1..];`).
    pub(super) fn slice_binding(&self, expr: &Expr) -> Option<Source> {
        let Expr::Path(path) = expr else { return None };
        match self.lookup(path.path.get_ident()?)? {
            Binding::Slice(source) => Some(source),
            _ => None,
        }
    }

    /// `let y = &x[a..b];`: `y` stands for those elements of `x`, read in
    /// place (and so does `z` after `let z = y;`). Returns whether `init` is
    /// such a sub-slice.
    pub(super) fn bind_sub_slice(&mut self, name: &syn::Ident, init: &Expr, out: &mut Block) -> bool {
        if let Some(slice) = self.slice_binding(init) {
            self.bind(name, Binding::Slice(slice));
            return true;
        }
        let Expr::Reference(reference) = init else { return false };
        let is_range_index =
            |expr: &Expr| matches!(expr, Expr::Index(index) if matches!(&*index.index, Expr::Range(_)));
        if reference.mutability.is_some() || !is_range_index(&reference.expr) {
            return false;
        }
        if let Some(source) = self.source(init, out) {
            // The binding is read through the name it was cut from, which
            // must name the same slice wherever it is read.
            let base = &self.vars[source.base.var.0];
            if base.by_ref && (base.mutable || self.mutable_locals.contains(&source.base.var)) {
                let base = &base.ident;
                self.cx.error_spanned_by(
                    init,
                    format!(
                        "a sub-slice of `{base}`, a `mut` name that may be given another slice, is not supported \
                         inside #[grad] functions; cut it from a name that is not `mut` (`let whole = {base}; let \
                         part = &whole[..];`)"
                    ),
                );
                return true;
            }
            self.bind(name, Binding::Slice(source));
        }
        true
    }

    /// `let name = x.to_vec();` of a slice of floats (a parameter, a local
    /// array or vector, a row, a sub-slice `x[a..b]`, a sub-slice binding):
    /// a new vector with its own adjoint, lowered as the copy a person
    /// writes, so both modes differentiate it element by element:
    ///
    /// ```text
    /// let __to_vec_source = &x[..];            // a sub-slice binding
    /// let mut name = vec![0.0; __to_vec_source.len()];
    /// for (__to_vec_index, __to_vec_value) in __to_vec_source.iter().enumerate() {
    ///     name[__to_vec_index] = *__to_vec_value;
    /// }
    /// ```
    ///
    /// Returns whether it did: the copy of a slice of integers (no
    /// derivative) is kept as written.
    pub(super) fn lower_to_vec(
        &mut self,
        name: &syn::Ident,
        declared: Option<&syn::Type>,
        call: &syn::ExprMethodCall,
        out: &mut Block,
    ) -> bool {
        let span = call.method.span();
        let receiver = &*call.receiver;
        let source = syn::Ident::new("__to_vec_source", Span::mixed_site());
        let index = syn::Ident::new("__to_vec_index", Span::mixed_site());
        let source_init: Expr = if self.slice_binding(receiver).is_some() {
            syn::parse_quote_spanned!(span=> #receiver)
        } else if matches!(receiver, Expr::Index(index) if matches!(&*index.index, Expr::Range(_))) {
            syn::parse_quote_spanned!(span=> &#receiver)
        } else {
            syn::parse_quote_spanned!(span=> &#receiver[..])
        };
        let mut probe = Block::default();
        let slice = self.sub_slice_of(&source_init, &mut probe).filter(|slice| self.is_float_slice(slice));
        let Some(slice) = slice else { return false };
        out.stmts.extend(probe.stmts);
        self.bind(&source, Binding::Slice(slice));
        let ty = declared.map(|ty| quote!(: #ty));
        // (Iterated, not indexed: an index of a sub-slice is checked against
        // its length, which a copy of all of it needs not.)
        let value = syn::Ident::new("__to_vec_value", Span::mixed_site());
        let copy: Vec<syn::Stmt> = syn::parse_quote_spanned! {span=>
            let mut #name #ty = vec![0.0; #source.len()];
            for (#index, #value) in #source.iter().enumerate() {
                #name[#index] = *#value;
            }
        };
        self.lower_stmts(&copy, out, Sink::Discard);
        true
    }

    /// What `init` (`&x[a..b]`, or a sub-slice binding) stands for.
    pub(super) fn sub_slice_of(&mut self, init: &Expr, out: &mut Block) -> Option<Source> {
        if let Some(slice) = self.slice_binding(init) {
            return Some(slice);
        }
        self.source(init, out)
    }

    /// Whether `slice` holds floats, one by element (not rows, not integers).
    pub(super) fn is_float_slice(&self, slice: &Source) -> bool {
        let info = &self.vars[slice.base.var.0];
        let indices = slice.base.proj.iter().filter(|proj| matches!(proj, crate::ir::Proj::Index(_))).count();
        !slice.integers
            && slice.window.is_none()
            && info.ty == Ty::Aggregate
            && info.dims.is_some_and(|dims| dims == indices + 1)
    }

    /// Whether `base` is a variable declared as integers in a slice, array
    /// or vector (`idx: &[usize]`), possibly behind a reference, or an
    /// untyped local vector that integers were pushed onto.
    pub(super) fn holds_integers(&self, base: &Place) -> bool {
        if !base.proj.is_empty() {
            return false;
        }
        if self.integer_vectors.contains(&base.var) {
            return true;
        }
        let Some(mut ty) = self.vars[base.var.0].declared.as_ref() else { return false };
        while let syn::Type::Reference(reference) = ty {
            ty = &reference.elem;
        }
        let elem = match ty {
            syn::Type::Slice(slice) => &*slice.elem,
            syn::Type::Array(array) => &*array.elem,
            syn::Type::Path(path) => match path.path.segments.last() {
                Some(last) if last.ident == "Vec" => match &last.arguments {
                    syn::PathArguments::AngleBracketed(args) => match args.args.first() {
                        Some(syn::GenericArgument::Type(elem)) => elem,
                        _ => return false,
                    },
                    _ => return false,
                },
                _ => return false,
            },
            _ => return false,
        };
        holds_only_integers(elem)
    }

    pub(super) fn length(&mut self, base: &Place, out: &mut Block, span: Span) -> Operand {
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
}

/// Whether an element of type `elem` is an integer or a flag, or an array
/// of them (`tris: &[[usize; 3]]`, a triangle's corners: each pass copies
/// the row, an index table).
fn holds_only_integers(elem: &syn::Type) -> bool {
    match elem {
        syn::Type::Array(array) => holds_only_integers(&array.elem),
        elem => is_integer_type(elem) || super::is_bool(elem),
    }
}

/// `x.to_vec()`, the initializer of a `let`.
pub(super) fn to_vec_call(expr: &Expr) -> Option<&syn::ExprMethodCall> {
    match expr {
        Expr::MethodCall(call) if call.method == "to_vec" && call.args.is_empty() && call.turbofish.is_none() => {
            Some(call)
        }
        _ => None,
    }
}
