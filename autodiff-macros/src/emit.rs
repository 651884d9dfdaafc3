//! IR → Rust tokens: primal statements, and partial derivatives of the rule
//! table. Math is emitted as `f64::exp(x)` (the float type spelled out), so
//! a literal operand never leaves the float type ambiguous.

use proc_macro2::{Delimiter, Group, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::Ident;

use crate::ir::{Arg, Body, FloatTy, Op, Operand, Place, Proj, Rhs, Spelling, Stmt, Ty, Var, VarKind, Zero};
use crate::rules::{Bin, Cond, MathConst, D};

/// A few tokens of a statement (an operand, an operator, an annotation),
/// kept as trees when they can be. Inside rustc every `TokenStream` lives
/// in the compiler: interpolating one into `quote!` costs several calls
/// across proc_macro's bridge, while pushing trees costs none until the
/// statement is complete. The tokens are the same either way.
#[derive(Clone)]
pub enum Piece {
    Trees(Vec<TokenTree>),
    Stream(TokenStream),
}

impl Piece {
    pub fn word(ident: &Ident) -> Piece {
        Piece::Trees(vec![TokenTree::Ident(ident.clone())])
    }

    /// `self[index]`.
    fn index(self, index: Piece) -> Piece {
        match self {
            Piece::Trees(mut trees) => {
                trees.push(TokenTree::Group(Group::new(Delimiter::Bracket, index.into_token_stream())));
                Piece::Trees(trees)
            }
            Piece::Stream(tokens) => Piece::Stream(quote!(#tokens[#index])),
        }
    }

    /// `self.member`.
    fn field(self, member: &syn::Member) -> Piece {
        let tokens = self;
        Piece::Stream(quote!(#tokens.#member))
    }
}

impl Piece {
    /// Appends the tokens to `tokens`, moving them (`to_tokens` clones).
    fn push_onto(self, tokens: &mut TokenStream) {
        match self {
            Piece::Trees(trees) => tokens.extend(trees),
            Piece::Stream(stream) => tokens.extend([stream]),
        }
    }

    /// The pieces one after the other.
    fn concat(pieces: Vec<Piece>) -> Piece {
        if pieces.iter().all(|piece| matches!(piece, Piece::Trees(_))) {
            let trees = pieces.into_iter().flat_map(|piece| match piece {
                Piece::Trees(trees) => trees,
                Piece::Stream(_) => Vec::new(),
            });
            return Piece::Trees(trees.collect());
        }
        let mut tokens = TokenStream::new();
        for piece in pieces {
            piece.to_tokens(&mut tokens);
        }
        Piece::Stream(tokens)
    }
}

impl ToTokens for Piece {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Piece::Trees(trees) => tokens.extend(trees.iter().cloned()),
            Piece::Stream(stream) => stream.to_tokens(tokens),
        }
    }

    fn into_token_stream(self) -> TokenStream {
        match self {
            Piece::Trees(trees) => {
                let mut tokens = TokenStream::new();
                tokens.extend(trees);
                tokens
            }
            Piece::Stream(stream) => stream,
        }
    }
}

/// `f32` or `f64`, as a word rather than a `TokenStream` (see `Piece`).
pub fn float_type(float: FloatTy) -> Ident {
    let name = match float {
        FloatTy::F32 => "f32",
        FloatTy::F64 => "f64",
    };
    Ident::new(name, Span::call_site())
}

/// The float type of a variable known to be a float.
pub fn float_of(body: &Body, var: Var) -> FloatTy {
    match body.var(var).ty {
        Ty::Float(float) => float,
        _ => FloatTy::F64,
    }
}

pub fn operand(body: &Body, operand: &Operand) -> Piece {
    match operand {
        Operand::Var(var) => Piece::word(&body.var(*var).ident),
        Operand::Const(constant) => Piece::Stream(constant.tokens.clone()),
        Operand::Place(place) => element(body, place, Piece::word(&body.var(place.var).ident)),
    }
}

/// The element `place` names, rooted at `root` instead of its variable:
/// `root[i][j]`, `root.w[i]`. With the adjoint as root this is the
/// element's adjoint.
pub fn place_at(body: &Body, place: &Place, root: &TokenStream) -> TokenStream {
    element(body, place, Piece::Stream(root.clone())).into_token_stream()
}

/// `place_at` with a variable's name (an adjoint) as root.
pub fn element_of(body: &Body, place: &Place, root: &Ident) -> TokenStream {
    element(body, place, Piece::word(root)).into_token_stream()
}

pub fn element(body: &Body, place: &Place, root: Piece) -> Piece {
    let mut tokens = root;
    for proj in &place.proj {
        tokens = match proj {
            Proj::Index(index) => tokens.index(operand(body, index)),
            Proj::Field(member) => tokens.field(member),
        };
    }
    tokens
}

/// A zero of an aggregate's shape; `like` is an aggregate of that shape
/// already (for the length of a vector).
pub fn zero(shape: &Zero, like: &TokenStream) -> TokenStream {
    match shape {
        Zero::Scalar => quote!(0.0),
        Zero::Array(tokens) => tokens.clone(),
        // Its length is inferred from the call the adjoint (or tangent) is
        // passed to, which also fixes the primal's.
        Zero::OfCallResult => quote!(::core::array::from_fn(|_| 0.0)),
        Zero::Vec(inner) => {
            let inner = match &**inner {
                Zero::Scalar => quote!(0.0),
                Zero::Array(tokens) => tokens.clone(),
                // Rows of their own lengths (`vec![vec![0.0; n]; m]`).
                Zero::Vec(_) => {
                    let row = Ident::new("__row", Span::mixed_site());
                    let row_zero = zero(inner, &row.to_token_stream());
                    return quote!(#like.iter().map(|#row| #row_zero).collect::<::std::vec::Vec<_>>());
                }
                Zero::OfCallResult => quote!(::std::vec::Vec::new()),
            };
            quote!(::std::vec![#inner; #like.len()])
        }
    }
}

/// `let mut x: f64 = 0.0;`: a variable declared up front, because it is
/// assigned in a branch or a loop and read outside it. A saved value inside
/// a loop is a stack.
pub fn declaration(body: &Body, var: Var, stack: bool) -> TokenStream {
    let info = body.var(var);
    let ident = &info.ident;
    if stack {
        return quote!(let mut #ident = ::std::vec::Vec::new(););
    }
    if info.by_ref {
        // A reference has no zero: it starts as the parameter it aliases
        // (`let z = if c { x } else { y };` starts as `x`).
        if let Some(root) = alias_root(body, var) {
            let root = &body.var(root).ident;
            let annotation = info.declared.as_ref().map(|ty| quote!(: #ty));
            return quote!(let mut #ident #annotation = #root;);
        }
    }
    match (info.ty, &info.zero) {
        (Ty::Float(float), _) => {
            let ty = float_type(float);
            quote!(let mut #ident: #ty = 0.0;)
        }
        (Ty::Bool, _) => quote!(let mut #ident: bool = false;),
        (Ty::Aggregate, Some(Zero::Array(tokens))) => quote!(let mut #ident = #tokens;),
        (Ty::Aggregate, Some(Zero::Vec(_))) => quote!(let mut #ident = ::std::vec::Vec::new();),
        (Ty::Aggregate, Some(Zero::OfCallResult)) => quote!(let mut #ident = ::core::array::from_fn(|_| 0.0);),
        _ => {
            let value = initial_value(body, var);
            match &info.declared {
                Some(ty) => quote!(let mut #ident: #ty = #value;),
                None => quote!(let mut #ident = #value;),
            }
        }
    }
}

/// What a variable of a type the macro does not know starts as, declared
/// up front: a constant it is assigned somewhere (`Stage::Attack` of `let
/// stage = if c { Stage::Attack } else { .. };`, an enum that need not be
/// `Default`), or for a save slot the constant of what it saves
/// (`saves.rs`, kept as its `zero`), or its type's default.
pub fn initial_value(body: &Body, var: Var) -> TokenStream {
    let info = body.var(var);
    if let (true, Some(Zero::Array(start))) = (info.ty != Ty::Aggregate, &info.zero) {
        return start.clone();
    }
    assigned_constant(body, var, false).unwrap_or_else(|| quote!(::core::default::Default::default()))
}

/// A plain constant that `var` (or, with `elements`, one of its elements)
/// is set to somewhere.
pub fn assigned_constant(body: &Body, var: Var, elements: bool) -> Option<TokenStream> {
    let mut constant = None;
    crate::ir::walk(&body.block, 0, &mut |stmt, _| {
        let value = match stmt {
            Stmt::Assign { dst, rhs: Rhs::Use(Operand::Const(value)), .. } if !elements && *dst == var => value,
            Stmt::Store { place, value: Operand::Const(value), .. } if elements && place.var == var => value,
            _ => return,
        };
        if constant.is_none() && is_a_plain_constant(&value.tokens) {
            constant = Some(value.tokens.clone());
        }
    });
    constant
}

/// A literal, a path to an enum's variant or a `const`, or a variant made
/// of such constants (`Pen::L2(-0.5)`, `Pen::L2(LAMBDA)`), which mean the
/// same anywhere in the function; not an expression that may read a local.
fn is_a_plain_constant(tokens: &TokenStream) -> bool {
    syn::parse2::<syn::Expr>(tokens.clone()).is_ok_and(|expr| is_constant_expr(&expr))
}

fn is_constant_expr(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Lit(_) => true,
        syn::Expr::Path(path) => {
            let segments = &path.path.segments;
            let capitalized = |ident: &Ident| ident.to_string().starts_with(|c: char| c.is_ascii_uppercase());
            path.qself.is_none()
                && segments.iter().all(|segment| segment.arguments.is_none())
                && (segments.len() > 1 || segments.first().is_some_and(|segment| capitalized(&segment.ident)))
        }
        syn::Expr::Call(call) => is_constant_expr(&call.func) && call.args.iter().all(is_constant_expr),
        // `-0.5`, `Pen::L2(-0.5)`.
        syn::Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Neg(_)) => is_constant_expr(&unary.expr),
        syn::Expr::Paren(paren) => is_constant_expr(&paren.expr),
        _ => false,
    }
}

/// The reference parameter that a local reference `var` is first set to,
/// following locals that alias locals.
pub fn alias_root(body: &Body, var: Var) -> Option<Var> {
    let first_source = |var: Var| {
        let mut source = None;
        crate::ir::walk(&body.block, 0, &mut |stmt, _| {
            if let Stmt::Assign { dst, rhs: Rhs::Use(Operand::Var(from)), .. } = stmt {
                if *dst == var && source.is_none() && body.var(*from).by_ref {
                    source = Some(*from);
                }
            }
        });
        source
    };
    let mut current = var;
    // Each step goes to an earlier definition; the bound only guards the walk.
    for _ in 0..body.vars.len() {
        current = first_source(current)?;
        if body.var(current).kind == VarKind::Param {
            return Some(current);
        }
    }
    None
}

/// For the result of a call of a function that returns a tuple of floats
/// (`let (a, b) = split(x);`, kept as an array): how many.
pub fn tuple_result(body: &Body, var: Var) -> Option<usize> {
    let info = body.var(var);
    match &info.declared {
        Some(syn::Type::Tuple(tuple)) if info.ty == Ty::Aggregate => Some(tuple.elems.len()),
        _ => None,
    }
}

/// `: f64`.
pub fn float_annotation(float: FloatTy) -> Piece {
    Piece::Trees(vec![punct(':', Spacing::Alone, Span::call_site()), TokenTree::Ident(float_type(float))])
}

/// `-0.0`, as `quote!(-0.0)` gives it.
pub fn negative_zero() -> Piece {
    Piece::Trees(vec![punct('-', Spacing::Alone, Span::call_site()), TokenTree::Literal(Literal::f64_unsuffixed(0.0))])
}

/// The type annotation of a `let` that defines `var`, if one helps.
pub fn annotation(body: &Body, var: Var) -> Piece {
    let info = body.var(var);
    if tuple_result(body, var).is_some() {
        return Piece::Trees(Vec::new()); // an array, whose length the value gives
    }
    match (info.ty, &info.declared) {
        (Ty::Float(float), _) => float_annotation(float),
        (_, Some(ty)) => Piece::Stream(quote!(: #ty)),
        _ => Piece::Trees(Vec::new()),
    }
}

/// `value`, the primal value of `rhs` assigned to `dst`, checked to be a
/// float when it is a call's value bound to a local whose type is not
/// written, or used in place (`sum2(two(x))`, a temporary): the macro took
/// it for one (`infer.rs`), and if the callee returns an array rustc says
/// so with the fix (`guards::TakenForAFloat`, `guards::UsedAsAFloat`)
/// first. Free at run time.
pub fn checked_call_result(body: &Body, dst: Var, rhs: &Rhs, value: Piece, span: Span) -> Piece {
    let info = body.var(dst);
    let Ty::Float(float) = info.ty else { return value };
    if !matches!(rhs, Rhs::Call(..)) || info.declared.is_some() {
        return value;
    }
    let float = float_type(float);
    match info.kind {
        VarKind::Local => Piece::Stream(quote_spanned!(span=> ::autodiff::guards::float_result::<#float, _>(#value))),
        VarKind::Temp => Piece::Stream(quote_spanned!(span=> ::autodiff::guards::float_in_place::<#float, _>(#value))),
        _ => value,
    }
}

/// The right-hand side as Rust, computing the primal value. `float` is the
/// destination's float type, used to spell math functions.
pub fn rhs(body: &Body, rhs: &Rhs, float: FloatTy, span: Span) -> Piece {
    match rhs {
        Rhs::Use(value) => operand(body, value),
        // `m.n as f64`, `f64::from(m.n)` of a model's field taken for a float: rustc checks it
        // is one (`constant_fields.rs` found no use as an integer).
        Rhs::Prim(op @ Op::ToFloat(_), args) if is_model_field(body, &args[0]) => {
            let value = operand(body, &args[0]);
            let checked = quote_spanned!(span=> ::autodiff::guards::float_field(#value));
            prim_piece(*op, vec![Piece::Stream(checked)], float, span)
        }
        Rhs::Prim(op, args) => {
            let args: Vec<Piece> = args.iter().map(|arg| operand(body, arg)).collect();
            prim_piece(*op, args, float, span)
        }
        _ => Piece::Stream(rhs_stream(body, rhs, float, span)),
    }
}

/// Whether `value` reads a field of a model (or of its shadow or tangent),
/// whose type the macro cannot see, taken for floats.
fn is_model_field(body: &Body, value: &Operand) -> bool {
    let Operand::Place(place) = value else { return false };
    crate::constant_fields::model_field(body, place).is_some() && !body.is_constant_field(place)
}

/// `rhs` for the forms that are not kept as trees.
fn rhs_stream(body: &Body, rhs: &Rhs, float: FloatTy, span: Span) -> TokenStream {
    match rhs {
        Rhs::Use(value) => operand(body, value).into_token_stream(),
        Rhs::Prim(op, args) => {
            let args: Vec<Piece> = args.iter().map(|arg| operand(body, arg)).collect();
            prim(*op, &args, float, span)
        }
        Rhs::Call(path, args) => {
            let callee = if crate::companion::is_forward_derivative(path) {
                gated_callee(body, path, args)
            } else {
                path.to_token_stream()
            };
            let args = args.iter().enumerate().map(|(i, arg)| call_argument(body, path, i, arg, span));
            quote_spanned!(span=> #callee(#(#args),*))
        }
        Rhs::ArrayLit(items) => {
            let items = items.iter().map(|item| operand(body, item));
            quote_spanned!(span=> [#(#items),*])
        }
        Rhs::Repeat(value, len) => {
            let value = operand(body, value);
            quote_spanned!(span=> [#value; #len])
        }
        Rhs::VecRepeat(value, len) => {
            // (`vec![r; 2]` of a local vector moves it, which the derivative
            // code reads after: a copy is repeated instead.)
            let moved = matches!(value, Operand::Var(var) if body.var(*var).ty == Ty::Aggregate);
            let (value, len) = (operand(body, value), operand(body, len));
            match moved {
                true => quote_spanned!(span=> ::std::vec![::core::clone::Clone::clone(&#value); #len]),
                false => quote_spanned!(span=> ::std::vec![#value; #len]),
            }
        }
        Rhs::Deref(var) => {
            let ident = &body.var(*var).ident;
            quote_spanned!(span=> *#ident)
        }
        Rhs::Method(receiver, method, args) => {
            let receiver = operand(body, receiver);
            let args = args.iter().map(|arg| operand(body, arg));
            quote_spanned!(span=> #receiver.#method(#(#args),*))
        }
        Rhs::Cast(value, ty) => {
            let value = operand(body, value);
            // Parenthesised: a generic function respells `(n as f64)` (generic.rs).
            quote_spanned!(span=> (#value as #ty))
        }
        Rhs::Matches(value, pat, None) => {
            let value = operand(body, value);
            // (In parentheses: `matches!` takes no pattern that starts with
            // `..=`, which an arm does, `..=0.0 => ..`.)
            quote_spanned!(span=> ::core::matches!(#value, (#pat)))
        }
        Rhs::Matches(value, pat, Some(name)) => {
            // Lowering took this branch only on a match; an irrefutable
            // pattern makes the other arm unreachable.
            // On a reference, Rust binds the names to references into it.
            let bound = match value {
                Operand::Var(var) if crate::ir::binds_through_a_reference(body.var(*var), pat) => {
                    quote_spanned!(span=> ::autodiff::guards::copied_out(#name))
                }
                _ => name.to_token_stream(),
            };
            let value = operand(body, value);
            quote_spanned!(span=> {
                #[allow(unreachable_patterns)]
                let bound = match #value {
                    #pat => #bound,
                    _ => ::core::unreachable!(),
                };
                bound
            })
        }
    }
}

/// A call argument as the primal call passes it.
///
/// The macro cannot see the callee's parameters, so a `&mut` argument goes
/// through a guard that fails, with the fix, when the parameter is not
/// what the macro took it for: `guards::written` for one it takes for an
/// output the call writes, `guards::read` for a `&mut` output of the
/// function passed on bare to a call whose value is used (read). Both are
/// the identity at run time.
pub fn argument(body: &Body, arg: &Arg, span: Span) -> TokenStream {
    match arg {
        Arg::Value(value) => operand(body, value).into_token_stream(),
        Arg::Ref { place, range, mutable, borrowed } => {
            let info = body.var(place.var);
            let root = info.ident.to_token_stream();
            let target = sliced(body, &place_at(body, place, &root), range.as_ref());
            match (*mutable, *borrowed) {
                (true, true) => quote_spanned!(span=> ::autodiff::guards::written(&mut #target)),
                (true, false) => quote_spanned!(span=> ::autodiff::guards::written(&mut *#target)),
                (false, false) if is_mut_reference(info.declared.as_ref()) && place.proj.is_empty() => {
                    quote_spanned!(span=> ::autodiff::guards::read(&*#target))
                }
                _ => unguarded_argument(body, arg),
            }
        }
    }
}

/// `argument`, at `position` among the arguments of a call of `path`: the
/// receiver of a method's twin for a constant `self` (`ls[i].f(x)`,
/// `companion::method_on_constant`) read in place is lent, as the twin takes
/// `&Self` (an element of a table need not be `Copy`). It stays a value
/// operand in the IR, so the analyses see the index it reads.
pub fn call_argument(body: &Body, path: &syn::ExprPath, position: usize, arg: &Arg, span: Span) -> TokenStream {
    match arg {
        Arg::Value(Operand::Place(place)) if is_lent_receiver(path, position) => {
            let element = operand(body, &Operand::Place(place.clone()));
            quote_spanned!(span=> &#element)
        }
        _ => argument(body, arg, span),
    }
}

/// Whether the argument at `position` of a call of `path` is the receiver
/// of a method's twin for a constant `self`, which takes `&Self`.
pub fn is_lent_receiver(path: &syn::ExprPath, position: usize) -> bool {
    position == 0 && crate::companion::on_constant_self(path)
}

/// The span of the field an unseen place reads (`scale` of `s.scale`, `v`
/// of `s.inner.v`), where rustc's verdict on its type points.
fn field_span(body: &Body, place: &Place) -> Span {
    let member = place.proj.iter().rev().find_map(|proj| match proj {
        Proj::Field(member) => Some(member),
        Proj::Index(_) => None,
    });
    // (An element of a table, `W[1]`: the table's name.)
    member.map_or_else(|| body.var(place.var).ident.span(), syn::spanned::Spanned::span)
}

/// `guards::Unseen`'s probe of a field whose type the macro cannot see
/// (`Body::is_unseen_field`): `passed` for one passed by value, `lent` for
/// one lent by reference. Its verdict is a `guards::Seen`.
fn probe(body: &Body, place: &Place, lent: bool) -> TokenStream {
    let root = body.var(place.var).ident.to_token_stream();
    probe_of(&place_at(body, place, &root), field_span(body, place), lent)
}

/// The probe of a `const` or a model's field taken for a float:
/// `guards::Floats` for a float (of a generic type too) or an array of
/// them by value, `guards::NoFloats` for anything else (a reference to
/// floats too, which the callee would lend a shadow).
fn float_value_probe(constant: &TokenStream, span: Span) -> TokenStream {
    quote_spanned!(span=> {
        #[allow(unused_imports)]
        use ::autodiff::guards::{FloatScalarProbe as _, FloatValueProbe as _, OtherValueProbe as _};
        (&&::autodiff::guards::Unseen::of(&#constant)).passed()
    })
}

/// `probe` of the value `field` stands for.
fn probe_of(field: &TokenStream, span: Span, lent: bool) -> TokenStream {
    let (method, traits) = if lent {
        (
            quote_spanned!(span=> lent),
            quote_spanned!(span=> FloatsLentProbe as _, ShapedLentProbe as _, OtherLentProbe as _),
        )
    } else {
        (
            quote_spanned!(span=> passed),
            quote_spanned!(span=>
                FloatReferenceProbe as _, FloatValueProbe as _, FloatScalarProbe as _, OtherValueProbe as _
            ),
        )
    };
    // (Three references: the probe of a reference field passed by value,
    // `FloatReferenceProbe`, comes first.)
    quote_spanned!(span=> {
        #[allow(unused_imports)]
        use ::autodiff::guards::{#traits};
        (&&&::autodiff::guards::Unseen::of(&#field)).#method()
    })
}

/// `callee`, a derivative (`f::rev`, `f::jvp`, ..) of a call given fields
/// or constants whose types the macro cannot see (`Body::is_unseen_field`),
/// checked by rustc to be what the macro wrote the call for: a field passed
/// by value is no float (it gets no partial and no tangent, as an integer),
/// a `const` in capitals is a float or an array of them
/// (`constant_fields::is_taken_for_a_float`), and so is a model's field
/// passed by value (`guards::field_by_value`), a field lent by reference
/// holds floats (it gets a shadow or a tangent, as a constant slice).
/// Where one is not, the check fails with the fix and rustc says nothing
/// else of the call (`guards::passed_by_value`,
/// `guards::lent`). Other calls are as they are. The gate of a function's
/// derivative (`f::rev`) is a method of its companion's `f::COMPANION`
/// (`guards::Me`), so that where `f` has none, rustc reports the path
/// alone.
pub fn gated_callee(body: &Body, callee: &syn::ExprPath, args: &[Arg]) -> TokenStream {
    let owner = (callee.qself.is_none() && callee.path.segments.len() > 1).then(|| {
        let mut owner = callee.path.clone();
        owner.segments.pop();
        owner.segments.pop_punct();
        owner
    });
    let mut callee = callee.to_token_stream();
    let gated = |callee: TokenStream, probe: TokenStream, gate: TokenStream, span: Span| match &owner {
        Some(owner) => quote_spanned!(span=> #owner::COMPANION.#gate(#probe, #callee)),
        None => quote_spanned!(span=> ::autodiff::guards::#gate(#probe, #callee)),
    };
    for arg in args {
        let (place, lent) = match arg {
            Arg::Value(Operand::Place(place)) => (&**place, false),
            Arg::Ref { place, mutable: false, .. } => (place, true),
            // `step(s, DT)` of a `const` in capitals: taken for a float
            // (`constant_fields`), which rustc checks.
            Arg::Value(Operand::Const(constant)) if crate::constant_fields::is_taken_for_a_float(constant) => {
                let span =
                    constant.tokens.clone().into_iter().last().map_or_else(Span::call_site, |token| token.span());
                let gate = quote_spanned!(span=> passed_as_float);
                callee = gated(callee, float_value_probe(&constant.tokens, span), gate, span);
                continue;
            }
            // `two(s, k)` of any other `const` or `static`: passed as no
            // float, which rustc checks.
            Arg::Value(Operand::Const(constant)) if is_unseen_constant(constant) => {
                let span =
                    constant.tokens.clone().into_iter().next().map_or_else(Span::call_site, |token| token.span());
                let gate = quote_spanned!(span=> passed_by_value);
                callee = gated(callee, probe_of(&constant.tokens, span, false), gate, span);
                continue;
            }
            // `let k = e[0].1; scale(x, k)`: an untyped copy of such a field
            // is as unseen as the field (round 12: E0061 in generated code).
            Arg::Value(Operand::Var(var)) if copies_an_unseen_field(body, *var) => {
                let ident = &body.var(*var).ident;
                let gate = quote_spanned!(ident.span()=> passed_by_value);
                callee = gated(callee, probe_of(&ident.to_token_stream(), ident.span(), false), gate, ident.span());
                continue;
            }
            _ => continue,
        };
        // `sq(x, DATA[i])`: an element of a `const` table in capitals,
        // taken for a float (or a row of them), which rustc checks.
        if !lent && body.float_tables.contains(&place.var) {
            let span = field_span(body, place);
            let root = body.var(place.var).ident.to_token_stream();
            let probe = float_value_probe(&place_at(body, place, &root), span);
            callee = gated(callee, probe, quote_spanned!(span=> passed_as_float), span);
            continue;
        }
        // `activate(z, self.act)`: a model's field, taken for a float (or
        // an array of them), which rustc checks.
        if !lent && is_model_field(body, &Operand::Place(Box::new(place.clone()))) {
            let span = field_span(body, place);
            let root = body.var(place.var).ident.to_token_stream();
            let probe = float_value_probe(&place_at(body, place, &root), span);
            callee = gated(callee, probe, quote_spanned!(span=> field_by_value), span);
            continue;
        }
        // (A table's element lent whole is any constant: the callee's
        // parameter decides its slots.)
        if !body.is_unseen_field(place) || (lent && crate::ir::is_lent_table_part(body.var(place.var), place)) {
            continue;
        }
        let span = field_span(body, place);
        let gate = if lent { quote_spanned!(span=> lent) } else { quote_spanned!(span=> passed_by_value) };
        callee = gated(callee, probe(body, place, lent), gate, span);
    }
    callee
}

/// Whether `var` is a local without a written type, set to a field or a
/// constant whose type the macro cannot see (`let k = e[0].1;`, `let S { k }
/// = e[0];`, `let k = K;`), or a name a pattern binds inside a value
/// (`Loss::Huber(d) => ..`).
fn copies_an_unseen_field(body: &Body, var: Var) -> bool {
    let info = body.var(var);
    if info.kind != VarKind::Local || info.declared.is_some() || info.ty.is_float() {
        return false;
    }
    let mut copies = false;
    crate::ir::walk(&body.block, 0, &mut |stmt, _| match stmt {
        Stmt::Assign { dst, rhs: Rhs::Use(Operand::Place(place)), .. } => {
            copies |= *dst == var && body.is_unseen_field(place);
        }
        Stmt::Assign { dst, rhs: Rhs::Matches(_, _, Some(_)), .. } => copies |= *dst == var,
        // `let k = K;`
        Stmt::Assign { dst, rhs: Rhs::Use(Operand::Const(constant)), .. } => {
            copies |=
                *dst == var && (is_unseen_constant(constant) || crate::constant_fields::is_capital_name(constant));
        }
        _ => {}
    });
    copies
}

/// A name bound to nothing in the body (a `const` or `static`), read as a
/// value of a type the macro cannot see.
fn is_unseen_constant(constant: &crate::ir::Const) -> bool {
    let mut tokens = constant.tokens.clone().into_iter();
    constant.ty == Ty::Unknown
        && matches!((tokens.next(), tokens.next()), (Some(proc_macro2::TokenTree::Ident(_)), None))
}

/// A zero of the shape of `place`, a field lent to a `#[grad]` call whose
/// type the macro cannot see (`Body::is_unseen_field`): the throwaway
/// shadow of a constant, or its zero tangent (`guards::lent_zero`).
pub fn lent_zero(body: &Body, place: &Place) -> TokenStream {
    let span = field_span(body, place);
    let probe = probe(body, place, true);
    let root = body.var(place.var).ident.to_token_stream();
    let field = place_at(body, place, &root);
    let zero = match crate::ir::is_lent_table_part(body.var(place.var), place) {
        true => quote_spanned!(span=> element_zero),
        false => quote_spanned!(span=> lent_zero),
    };
    quote_spanned!(span=> ::autodiff::guards::#zero(#probe, &#field))
}

/// The filling of the slot of a table lent whole to a `#[grad]` call:
/// `data` of `data: &[Sample]` has the slots of a struct the callee leaves
/// out (`guards::slot`, a `NoShadow`); `&W` of a `const` or `static`, whose
/// type the macro cannot see, those its type calls for
/// (`guards::element_zero`: a zero of its shape for floats, which a slice
/// parameter's shadow or tangent takes; the slots of a struct otherwise).
pub fn table_slot(info: &crate::ir::VarInfo) -> TokenStream {
    let ident = &info.ident;
    if info.kind == VarKind::Param {
        return quote!(::autodiff::guards::slot(#ident));
    }
    let span = ident.span();
    let probe = quote_spanned!(span=> {
        #[allow(unused_imports)]
        use ::autodiff::guards::{FloatsConstantProbe as _, ModelConstantProbe as _, OtherConstantProbe as _};
        (&&&::autodiff::guards::Unseen::of(&*#ident)).constant()
    });
    quote_spanned!(span=> ::autodiff::guards::element_zero(#probe, #ident))
}

/// The filling of the slot of a struct (`var`, lent whole) that the caller
/// does not differentiate, in a call: a zero model or `guards::NoShadow`,
/// as the callee's parameter says (`guards::slot`); `&mut` for a shadow.
pub fn struct_slot(body: &Body, var: Var, mutable: bool) -> TokenStream {
    let info = body.var(var);
    let value = struct_slot_value(&info.ident, info.by_ref);
    let mutability = mutable.then(|| quote!(mut));
    quote!(&#mutability #value)
}

/// `guards::slot(s)` for `s`, a struct or (`by_ref`) a reference to one.
pub fn struct_slot_value(ident: &Ident, by_ref: bool) -> TokenStream {
    let reference = if by_ref { quote!(#ident) } else { quote!(&#ident) };
    quote!(::autodiff::guards::slot(#reference))
}

/// The argument as written, without `argument`'s guards: for the shape of
/// a buffer made beside it.
pub fn unguarded_argument(body: &Body, arg: &Arg) -> TokenStream {
    match arg {
        Arg::Value(value) => operand(body, value).into_token_stream(),
        Arg::Ref { place, range, mutable, borrowed } => {
            let root = body.var(place.var).ident.to_token_stream();
            let target = sliced(body, &place_at(body, place, &root), range.as_ref());
            if !borrowed {
                return target;
            }
            let mutability = mutable.then(|| quote!(mut));
            quote!(&#mutability #target)
        }
    }
}

/// Whether `ty` is `&mut T`.
fn is_mut_reference(ty: Option<&syn::Type>) -> bool {
    matches!(ty, Some(syn::Type::Reference(reference)) if reference.mutability.is_some())
}

/// `target[lo..hi]` for a slice argument, `target` without one.
pub fn sliced(body: &Body, target: &TokenStream, range: Option<&crate::ir::SliceRange>) -> TokenStream {
    let Some(range) = range else { return target.clone() };
    let lo = range.lo.as_ref().map(|lo| operand(body, lo));
    let hi = range.hi.as_ref().map(|hi| operand(body, hi));
    if range.inclusive {
        quote!(#target[#lo..=#hi])
    } else {
        quote!(#target[#lo..#hi])
    }
}

/// `prim` as trees, for the two spellings of nearly every statement:
/// `a * b` and `f64::sin(a)` (the tokens `prim` gives).
/// (The arguments are moved, not cloned: a group's clone and drop are
/// calls into the compiler too.)
fn prim_piece(op: Op, args: Vec<Piece>, float: FloatTy, span: Span) -> Piece {
    let trees = args.iter().all(|arg| matches!(arg, Piece::Trees(_)));
    match op.facts().spelling {
        Spelling::Infix(operator) if trees && args.len() == 2 => {
            let mut tokens = Vec::new();
            for (i, arg) in args.into_iter().enumerate() {
                if i == 1 {
                    tokens.extend(operator_trees(operator, span));
                }
                if let Piece::Trees(arg) = arg {
                    tokens.extend(arg);
                }
            }
            Piece::Trees(tokens)
        }
        Spelling::Method(name) => {
            let mut inner = TokenStream::new();
            for (i, arg) in args.into_iter().enumerate() {
                if i > 0 {
                    inner.extend([punct(',', Spacing::Alone, span)]);
                }
                arg.push_onto(&mut inner);
            }
            let mut group = Group::new(Delimiter::Parenthesis, inner);
            group.set_span(span);
            Piece::Trees(vec![
                TokenTree::Ident(float_type(float)),
                punct(':', Spacing::Joint, span),
                punct(':', Spacing::Alone, span),
                TokenTree::Ident(Ident::new(name, span)),
                TokenTree::Group(group),
            ])
        }
        _ => Piece::Stream(prim(op, &args, float, span)),
    }
}

fn punct(c: char, spacing: Spacing, span: Span) -> TokenTree {
    let mut punct = Punct::new(c, spacing);
    punct.set_span(span);
    TokenTree::Punct(punct)
}

/// `tokens` with the trees pushed onto it handed to the compiler. A
/// stream built by pushing trees holds them on the macro's side until it
/// is used; `quote!` interpolates by reference, and would clone (and later
/// drop) every one of them, a call into the compiler per group, each time
/// the stream is interpolated.
pub fn flushed(mut tokens: TokenStream) -> TokenStream {
    tokens.extend(None::<TokenStream>);
    tokens
}

/// `let mut ident: ty = value;` (`mut` and the annotation when given)
/// pushed onto `tokens` as trees: the tokens of
/// `quote_spanned!(span=> let #mutability #ident #annotation = #value;)`
/// without a stream per statement (see `Piece`).
pub fn push_let(tokens: &mut TokenStream, span: Span, mutable: bool, ident: &Ident, annotation: Piece, value: Piece) {
    tokens.extend([TokenTree::Ident(Ident::new("let", span))]);
    if mutable {
        tokens.extend([TokenTree::Ident(Ident::new("mut", Span::call_site()))]);
    }
    tokens.extend([TokenTree::Ident(ident.clone())]);
    annotation.push_onto(tokens);
    tokens.extend([punct('=', Spacing::Alone, span)]);
    value.push_onto(tokens);
    tokens.extend([punct(';', Spacing::Alone, span)]);
}

/// `ident = value;`, as `push_let` pushes a `let`.
pub fn push_assign(tokens: &mut TokenStream, span: Span, ident: &Ident, value: Piece) {
    tokens.extend([TokenTree::Ident(ident.clone()), punct('=', Spacing::Alone, span)]);
    value.push_onto(tokens);
    tokens.extend([punct(';', Spacing::Alone, span)]);
}

fn prim<T: ToTokens>(op: Op, args: &[T], float: FloatTy, span: Span) -> TokenStream {
    match op.facts().spelling {
        Spelling::Cast(target) => {
            let (value, ty) = (&args[0], float_type(target));
            quote_spanned!(span=> (#value as #ty))
        }
        Spelling::Prefix(operator) => {
            let (operator, value) = (operator_tokens(operator, span), &args[0]);
            quote_spanned!(span=> #operator #value)
        }
        Spelling::Infix(operator) => {
            let (operator, left, right) = (operator_tokens(operator, span), &args[0], &args[1]);
            quote_spanned!(span=> #left #operator #right)
        }
        Spelling::Method(name) => {
            let ty = float_type(float);
            let method = Ident::new(name, span);
            quote_spanned!(span=> #ty::#method(#(#args),*))
        }
    }
}

/// An operator of the op table as tokens: its characters as one joint
/// sequence of punctuation (`<<` is `<` joint with `<`).
fn operator_tokens(operator: &str, span: Span) -> Piece {
    Piece::Trees(operator_trees(operator, span))
}

fn operator_trees(operator: &str, span: Span) -> Vec<TokenTree> {
    let count = operator.chars().count();
    operator
        .chars()
        .enumerate()
        .map(|(i, c)| punct(c, if i + 1 < count { Spacing::Joint } else { Spacing::Alone }, span))
        .collect()
}

/// What the holes of a partial derivative stand for at one statement.
pub struct Holes<'a> {
    pub args: &'a [Piece],
    pub out: &'a Piece,
    pub float: FloatTy,
    pub span: Span,
}

/// Binding strength, to parenthesize only where Rust needs it.
fn precedence(d: &D) -> u8 {
    match d {
        D::Bin(Bin::Add | Bin::Sub, ..) => 1,
        D::Bin(Bin::Mul | Bin::Div, ..) => 2,
        D::Neg(_) => 3,
        D::Select(..) => 0,
        _ => 4,
    }
}

/// The partial `d` at one statement, as trees where it can be (its
/// arithmetic, literals, float methods; see `Piece`).
pub fn partial(d: &D, holes: &Holes) -> Piece {
    let span = holes.span;
    let sub = |child: &D, min: u8| {
        let piece = partial(child, holes);
        if precedence(child) < min {
            parenthesized(piece, span)
        } else {
            piece
        }
    };
    match d {
        D::Arg(i) => holes.args[*i].clone(),
        D::Out => holes.out.clone(),
        D::Lit(value) => {
            let mut literal = Literal::f64_unsuffixed(*value);
            literal.set_span(span);
            Piece::Trees(vec![TokenTree::Literal(literal)])
        }
        D::Neg(inner) => Piece::concat(vec![Piece::Trees(vec![punct('-', Spacing::Alone, span)]), sub(inner, 4)]),
        D::Bin(bin, left, right) => {
            let own = precedence(d);
            let left = sub(left, own);
            // Right operands of `-` and `/` bind tighter than their parent.
            let right = sub(right, own + 1);
            let operator = match bin {
                Bin::Add => '+',
                Bin::Sub => '-',
                Bin::Mul => '*',
                Bin::Div => '/',
            };
            Piece::concat(vec![left, Piece::Trees(vec![punct(operator, Spacing::Alone, span)]), right])
        }
        D::Call(op, args) => {
            let args: Vec<Piece> = args.iter().map(|arg| partial(arg, holes)).collect();
            prim_piece(*op, args, holes.float, span)
        }
        _ => Piece::Stream(partial_stream(d, holes)),
    }
}

/// `(piece)`, the group spanned at `span`.
fn parenthesized(piece: Piece, span: Span) -> Piece {
    let mut group = Group::new(Delimiter::Parenthesis, piece.into_token_stream());
    group.set_span(span);
    Piece::Trees(vec![TokenTree::Group(group)])
}

/// `partial` for the forms it does not keep as trees.
fn partial_stream(d: &D, holes: &Holes) -> TokenStream {
    let span = holes.span;
    let ty = float_type(holes.float);
    match d {
        D::Arg(_) | D::Out | D::Lit(_) | D::Neg(_) | D::Bin(..) | D::Call(..) => partial(d, holes).into_token_stream(),
        D::Const(constant) => {
            let name = match constant {
                MathConst::Pi => quote!(PI),
                MathConst::Ln2 => quote!(LN_2),
                MathConst::Ln10 => quote!(LN_10),
            };
            quote_spanned!(span=> ::core::#ty::consts::#name)
        }
        D::PowiLess(base, exponent) => {
            let base = partial(base, holes);
            let exponent = &holes.args[*exponent];
            // `n - 1` overflows at `i32::MIN`, where `xⁿ⁻¹ = xⁿ / x`.
            let less = Ident::new("__less", Span::mixed_site());
            quote_spanned!(span=> match i32::checked_sub(#exponent, 1) {
                ::core::option::Option::Some(#less) => #ty::powi(#base, #less),
                ::core::option::Option::None => #ty::powi(#base, #exponent) / #base,
            })
        }
        D::IntArg(i) => {
            let value = &holes.args[*i];
            quote_spanned!(span=> (#value as #ty))
        }
        D::Select(cond, then, els) => {
            let cond = condition(cond, holes);
            let (then, els) = (partial(then, holes), partial(els, holes));
            quote_spanned!(span=> if #cond { #then } else { #els })
        }
    }
}

pub fn condition(cond: &Cond, holes: &Holes) -> TokenStream {
    let Cond::Cmp(cmp, left, right) = cond;
    let operands = [partial(left, holes), partial(right, holes)];
    prim(cmp.op(), &operands, holes.float, holes.span)
}

/// `target += seed * d`, written the way a person would: `+= seed`,
/// `-= seed`, or inside an `if` for a 0-or-1 partial.
pub fn accumulate(target: &Piece, seed: &Ident, d: &D, holes: &Holes) -> TokenStream {
    let span = holes.span;
    match d {
        D::Lit(value) if *value == 0.0 => TokenStream::new(),
        D::Lit(value) if *value == 1.0 => quote_spanned!(span=> #target += #seed;),
        D::Neg(inner) if **inner == D::Lit(1.0) => quote_spanned!(span=> #target -= #seed;),
        D::Select(cond, then, els) if **els == D::Lit(0.0) => {
            let cond = condition(cond, holes);
            let inner = accumulate(target, seed, then, holes);
            quote_spanned!(span=> if #cond { #inner })
        }
        D::Select(cond, then, els) if **then == D::Lit(0.0) => {
            let cond = condition(cond, holes);
            let inner = accumulate(target, seed, els, holes);
            quote_spanned!(span=> if !(#cond) { #inner })
        }
        D::Select(cond, then, els) => {
            let cond = condition(cond, holes);
            let then = accumulate(target, seed, then, holes);
            let els = accumulate(target, seed, els, holes);
            quote_spanned!(span=> if #cond { #then } else { #els })
        }
        _ => {
            // A compound partial is bracketed even where `*` would not need
            // it: `ȳ * (0.5 / s)` computes the partial off the adjoint's
            // critical path, `ȳ * 0.5 / s` waits for ȳ before dividing.
            let d = if matches!(d, D::Bin(..) | D::Select(..)) {
                parenthesized(partial(d, holes), span)
            } else {
                partial(d, holes)
            };
            quote_spanned!(span=> #target += #seed * #d;)
        }
    }
}
