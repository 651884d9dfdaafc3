//! Functions generic over one float type: `fn f<T: Float>(x: T) -> T`.
//!
//! The pipeline differentiates concrete floats, so a generic function is
//! differentiated at `f64` standing in for `T`: the signature and body are
//! rewritten with `T` spelled `f64` (`T::exp` → `f64::exp`, the literal forms
//! `T::from(2.0).unwrap()`, `T::from_f64(2.0)`, `T::one()`, `T::zero()` →
//! `2.0`, `1.0`, `0.0`), the generated functions are expanded as usual, and
//! their tokens are then spelled back over `T`: `f64` → `T`, each float
//! literal → `<T as ::autodiff::Float>::from_f64(lit)`. A body that writes
//! `f64` or `f32` itself is refused, so every `f64` in the output is the
//! stand-in. The generated functions keep the generics and where-clauses and
//! add `T: ::autodiff::Float` (the compound assignments and `from_f64` the
//! generated code needs).

use proc_macro2::{Delimiter, Group, Literal, Spacing, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::visit_mut::VisitMut;
use syn::{Expr, GenericParam, Ident, ItemFn, TypeParamBound, WherePredicate};

use crate::ctxt::Ctxt;

/// The one type parameter bounded by a `Float` trait (`num_traits::Float`,
/// `autodiff::Float`, `Float`), if any; an error for a second one.
pub fn float_param(item: &ItemFn) -> syn::Result<Option<Ident>> {
    let generics = &item.sig.generics;
    let mut floats: Vec<&Ident> = generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Type(ty) if ty.bounds.iter().any(is_float_bound) => Some(&ty.ident),
            _ => None,
        })
        .collect();
    for predicate in generics.where_clause.iter().flat_map(|clause| &clause.predicates) {
        let WherePredicate::Type(predicate) = predicate else { continue };
        let syn::Type::Path(path) = &predicate.bounded_ty else { continue };
        let Some(ident) = path.path.get_ident() else { continue };
        if predicate.bounds.iter().any(is_float_bound) && !floats.contains(&ident) {
            floats.push(ident);
        }
    }
    match floats[..] {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        [_, second, ..] => Err(syn::Error::new(
            second.span(),
            "#[grad] differentiates functions generic over one float type; use one type parameter (`T: Float`) \
             for every float of the function",
        )),
    }
}

fn is_float_bound(bound: &TypeParamBound) -> bool {
    matches!(bound, TypeParamBound::Trait(t) if t.path.segments.last().is_some_and(|last| last.ident == "Float"))
}

/// `item` as written, and the generated functions over `float`.
pub fn expand(args: TokenStream, item: &ItemFn, float: &Ident) -> TokenStream {
    match concrete(item, float) {
        Ok(concrete) => match crate::expand::try_expand(args, &concrete, crate::expand::Companion::Beside) {
            Ok(generated) => {
                let generated = respell(generated, float);
                quote!(#item #generated)
            }
            Err(error) => refused(item, error),
        },
        Err(error) => refused(item, error),
    }
}

fn refused(item: &ItemFn, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    let item = crate::attributes::without_rejected(item);
    quote!(#errors #item)
}

/// `item` with `float` spelled `f64`, its literal forms as literals, and
/// `float: ::autodiff::Float` added to its where-clause.
pub fn concrete(item: &ItemFn, float: &Ident) -> syn::Result<ItemFn> {
    let cx = Ctxt::new();
    let mut written = ConcreteFloats { cx: &cx, float };
    for input in &item.sig.inputs {
        written.visit_fn_arg(input);
    }
    written.visit_return_type(&item.sig.output);
    written.visit_block(&item.block);

    let mut concrete = item.clone();
    let mut standin = StandIn { cx: &cx, float, names: Bindings::of(item) };
    for input in &mut concrete.sig.inputs {
        standin.visit_fn_arg_mut(input);
    }
    standin.visit_return_type_mut(&mut concrete.sig.output);
    standin.visit_block_mut(&mut concrete.block);
    cx.check()?;
    concrete.sig.generics.make_where_clause().predicates.push(syn::parse_quote!(#float: ::autodiff::Float));
    Ok(concrete)
}

/// Refuses `f64` and `f32` written in a generic function.
struct ConcreteFloats<'a> {
    cx: &'a Ctxt,
    float: &'a Ident,
}

impl Visit<'_> for ConcreteFloats<'_> {
    fn visit_expr_call(&mut self, call: &syn::ExprCall) {
        // `T::from_f64(n as f64)`, `T::from(std::f64::consts::PI)`: the
        // places `f64` belongs.
        match integer_cast(call, self.float) {
            Some(value) => self.visit_expr(value),
            None if converts_a_math_constant(call, self.float) => {}
            None => syn::visit::visit_expr_call(self, call),
        }
    }

    fn visit_ident(&mut self, ident: &Ident) {
        if ident == "f64" || ident == "f32" {
            let float = self.float;
            self.cx.error_spanned_by(
                ident,
                format!(
                    "a function generic over `{float}` writes its floats as `{float}`; #[grad] does not \
                     differentiate `{ident}` beside it (write `{float}`, and literals as `{float}::from_f64(2.0)`)"
                ),
            );
        }
    }
}

/// Rewrites `float` to the stand-in `f64`, and its literal forms to literals.
struct StandIn<'a> {
    cx: &'a Ctxt,
    float: &'a Ident,
    /// The names the function binds: only to integers (`steps: usize`),
    /// which `T::from(steps)` converts, or to anything else.
    names: Bindings,
}

impl StandIn<'_> {
    /// `2.0` for `T::from(2.0).unwrap()`, `T::from_f64(2.0)`, `T::one()`,
    /// `T::zero()`; `None` for any other expression.
    fn literal(&self, expr: &Expr) -> Option<Expr> {
        match expr {
            Expr::MethodCall(call) if call.method == "unwrap" && call.args.is_empty() => {
                let Expr::Call(inner) = &*call.receiver else { return None };
                (self.function(&inner.func)? == "from").then(|| self.argument(inner))?
            }
            Expr::Call(call) => {
                let function = self.function(&call.func)?;
                let constant = |value: f64| Some(float_literal(value, call.func.span()));
                match function.to_string().as_str() {
                    "from_f64" => self.argument(call),
                    "one" if call.args.is_empty() => constant(1.0),
                    "zero" if call.args.is_empty() => constant(0.0),
                    // `num_traits::Float`'s special values have no literal:
                    // the stand-in's constant (`::core::f64::NEG_INFINITY`),
                    // which `respell` turns back into the method at `T`.
                    name if call.args.is_empty() && special_value(name).is_some() => {
                        let constant = special_value(name).map(|(constant, _)| constant)?;
                        let constant = Ident::new(constant, call.func.span());
                        Some(syn::parse_quote_spanned!(call.func.span()=> ::core::f64::#constant))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// `f` in `T::f`.
    fn function<'e>(&self, func: &'e Expr) -> Option<&'e Ident> {
        let Expr::Path(path) = func else { return None };
        let segments = &path.path.segments;
        (path.qself.is_none() && segments.len() == 2 && segments[0].ident == *self.float).then(|| &segments[1].ident)
    }

    /// The literal argument of a conversion (`2.0`, `-0.5`), an integer or
    /// a constant made a float (`n as f64`, also for `T::from(x.len())`
    /// and `T::from(P)`), or an error that says to write one.
    fn argument(&self, call: &syn::ExprCall) -> Option<Expr> {
        if integer_cast(call, self.float).is_some() {
            let value = &call.args[0];
            return Some(syn::parse_quote!((#value)));
        }
        let [argument] = &call.args.iter().collect::<Vec<_>>()[..] else { return self.not_a_literal(call) };
        if let Some(name) = math_constant_name(argument) {
            // (The stand-in's constant, which `respell` converts at `T`.)
            return Some(syn::parse_quote_spanned!(argument.span()=> ::core::f64::consts::#name));
        }
        if let Some(value) = literal_value(argument) {
            return Some(float_literal(value, call.func.span()));
        }
        // (A `const` is no `T`: converted as an integer is, `P as f64`.)
        if integer_form(argument, &self.names.integers) || self.is_constant(argument) {
            return Some(syn::parse_quote_spanned!(argument.span()=> ((#argument) as f64)));
        }
        self.not_a_literal(call)
    }

    /// Whether `expr` reads a `const` or `static` by its name in capitals
    /// (`P`, `consts::P`, `AS_A[i]`, `W[i][j]`): a number that cannot be a
    /// `T`. A name the function binds (`let K = x * x;`, `X: T`) is none,
    /// nor is an associated constant of `T` (`T::HALF`).
    fn is_constant(&self, expr: &Expr) -> bool {
        match expr {
            Expr::Path(path) => {
                let segments = &path.path.segments;
                let bound = path.path.get_ident().is_some_and(|name| self.names.binds(name));
                let of_float = segments.len() > 1 && segments[0].ident == *self.float;
                path.qself.is_none()
                    && !bound
                    && !of_float
                    && segments.last().is_some_and(|last| {
                        let name = last.ident.to_string();
                        name.chars().any(|c| c.is_ascii_uppercase())
                            && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                    })
            }
            Expr::Index(index) => self.is_constant(&index.expr),
            Expr::Paren(paren) => self.is_constant(&paren.expr),
            _ => false,
        }
    }

    fn not_a_literal(&self, call: &syn::ExprCall) -> Option<Expr> {
        let float = self.float;
        self.cx.error_spanned_by(
            call,
            format!(
                "#[grad] converts to `{float}` only literals, integers and constants (`{float}::from(2.0).unwrap()`, \
                 `{float}::from(x.len()).unwrap()`, `{float}::from(n).unwrap()` of a name the function binds only to \
                 integers, `{float}::from(n as f64).unwrap()`, `{float}::from(P).unwrap()` of a `const P`, or with \
                 `autodiff::Float`, `{float}::from_f64(2.0)`); compute this value from `{float}` values instead"
            ),
        );
        None
    }
}

impl VisitMut for StandIn<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match self.literal(expr) {
            Some(literal) => *expr = literal,
            None => syn::visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        if let Some(first) = path.segments.first_mut() {
            if first.ident == *self.float {
                first.ident = Ident::new("f64", first.ident.span());
            }
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}

fn float_literal(value: f64, span: Span) -> Expr {
    let mut literal = Literal::f64_unsuffixed(value);
    literal.set_span(span);
    syn::parse_quote!(#literal)
}

/// The generated tokens with the stand-in `f64` spelled `float` again.
pub fn respell(tokens: TokenStream, float: &Ident) -> TokenStream {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out: Vec<TokenTree> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Group(group) if is_int_cast(group) => {
                // `(n as f64)`: an integer made a float, converted at `T`.
                let mut inner: Vec<TokenTree> = group.stream().into_iter().collect();
                let target = inner.pop();
                let value = respell(inner.into_iter().collect(), float);
                out.extend(convert(quote!(#value #target), float));
            }
            TokenTree::Group(group) => {
                let mut respelled = Group::new(group.delimiter(), respell(group.stream(), float));
                respelled.set_span(group.span());
                out.push(respelled.into());
            }
            TokenTree::Ident(ident) if ident == "f64" => {
                if let Some(constant) = math_constant(&tokens[i..], &mut out) {
                    out.extend(convert(constant, float));
                    // (`f64`, `::`, `consts`, `::`, `NAME`: `::` is two tokens.)
                    i += 6;
                } else if let Some(value) = special_constant(&tokens[i..], &mut out, float) {
                    out.extend(value);
                    i += 3;
                } else {
                    out.push(Ident::new(&float.to_string(), ident.span()).into());
                }
            }
            TokenTree::Literal(literal) if !after_dot(&out) && is_float(literal) => {
                out.extend(convert(literal.to_token_stream(), float));
            }
            other => out.push(other.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

/// `num_traits::Float`'s special values: the method's name, the constant
/// of `f64` that stands in for it.
const SPECIAL_VALUES: &[(&str, &str)] = &[
    ("infinity", "INFINITY"),
    ("neg_infinity", "NEG_INFINITY"),
    ("nan", "NAN"),
    ("epsilon", "EPSILON"),
    ("max_value", "MAX"),
    ("min_value", "MIN"),
    ("min_positive_value", "MIN_POSITIVE"),
];

/// The stand-in constant and the method of the special value `name`.
fn special_value(name: &str) -> Option<(&'static str, &'static str)> {
    SPECIAL_VALUES.iter().find(|(method, _)| *method == name).map(|(method, constant)| (*constant, *method))
}

/// For `f64 :: NAME` after `:: core ::` (already in `out`, taken back out),
/// `NAME` a special value's stand-in: the method at `T`,
/// `<T as ::autodiff::num_traits::Float>::neg_infinity()` (not `from_f64` of the
/// constant: `f64::EPSILON` is no `f32`'s).
fn special_constant(rest: &[TokenTree], out: &mut Vec<TokenTree>, float: &Ident) -> Option<TokenStream> {
    let [_, TokenTree::Punct(_), TokenTree::Punct(_), TokenTree::Ident(name), ..] = rest else { return None };
    let method = SPECIAL_VALUES.iter().find(|(_, constant)| name == constant).map(|(method, _)| *method)?;
    let prefix = out.len().checked_sub(5)?;
    let core = matches!(&out[prefix + 2], TokenTree::Ident(core) if core == "core");
    if !core {
        return None;
    }
    out.truncate(prefix);
    let method = Ident::new(method, name.span());
    Some(quote!(<#float as ::autodiff::num_traits::Float>::#method()))
}

/// For `f64 :: consts :: NAME` after `:: core ::` (already in `out`, taken
/// back out): the path `::core::f64::consts::NAME`.
fn math_constant(rest: &[TokenTree], out: &mut Vec<TokenTree>) -> Option<TokenStream> {
    let [_, TokenTree::Punct(_), TokenTree::Punct(_), TokenTree::Ident(consts), TokenTree::Punct(_), TokenTree::Punct(_), TokenTree::Ident(name), ..] =
        rest
    else {
        return None;
    };
    let prefix = out.len().checked_sub(5)?;
    let core = matches!(&out[prefix + 2], TokenTree::Ident(core) if core == "core");
    if consts != "consts" || !core {
        return None;
    }
    out.truncate(prefix);
    Some(quote!(::core::f64::consts::#name))
}

/// `<T as ::autodiff::Float>::from_f64(value)`: a literal or constant at `T`.
fn convert(value: TokenStream, float: &Ident) -> TokenStream {
    let span = float.span();
    let value = TokenTree::Group(Group::new(Delimiter::Parenthesis, value));
    quote_spanned!(span=> <#float as ::autodiff::Float>::from_f64 #value)
}

/// Whether the previous token is `.` (a tuple field such as `x.0`, never a literal).
fn after_dot(out: &[TokenTree]) -> bool {
    matches!(out.last(), Some(TokenTree::Punct(p)) if p.as_char() == '.' && p.spacing() == Spacing::Alone)
}

fn is_float(literal: &Literal) -> bool {
    matches!(syn::parse2::<syn::Lit>(literal.to_token_stream()), Ok(syn::Lit::Float(_)))
}

/// Whether `group` is `(value as f64)`: the derivative rules' integer
/// argument as a float (`n·xⁿ⁻¹` of `powi`).
fn is_int_cast(group: &Group) -> bool {
    let tokens: Vec<TokenTree> = group.stream().into_iter().collect();
    group.delimiter() == Delimiter::Parenthesis
        && matches!(&tokens[..], [.., TokenTree::Ident(r#as), TokenTree::Ident(ty)] if r#as == "as" && ty == "f64")
}

/// `NAME` of `std::f64::consts::NAME` (or `core::`, or `f64::consts::NAME`).
fn math_constant_name(expr: &Expr) -> Option<&Ident> {
    let Expr::Path(path) = expr else { return None };
    let names: Vec<&Ident> = path.path.segments.iter().map(|segment| &segment.ident).collect();
    match names[..] {
        [.., float, consts, name] if float == "f64" && consts == "consts" => Some(name),
        _ => None,
    }
}

/// Whether `call` is `T::from(std::f64::consts::PI)` or `T::from_f64(..)` of one.
fn converts_a_math_constant(call: &syn::ExprCall, float: &Ident) -> bool {
    let Expr::Path(path) = &*call.func else { return false };
    let segments = &path.path.segments;
    let converts = segments.len() == 2
        && segments[0].ident == *float
        && (segments[1].ident == "from_f64" || segments[1].ident == "from");
    converts && call.args.len() == 1 && math_constant_name(&call.args[0]).is_some()
}

/// The value of a numeric literal, negated or not (`2.0`, `3`, `-0.5`).
fn literal_value(expr: &Expr) -> Option<f64> {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            syn::Lit::Float(float) => float.base10_parse::<f64>().ok(),
            syn::Lit::Int(int) => int.base10_parse::<i64>().ok().map(|int| int as f64),
            _ => None,
        },
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Neg(_)) => literal_value(&unary.expr).map(|value| -value),
        Expr::Paren(paren) => literal_value(&paren.expr),
        _ => None,
    }
}

/// Whether `expr` is an integer by its form: an integer literal, a
/// length, a position found (`x.iter().position(|&v| v > t).unwrap_or(0)`),
/// one of `integers` (names bound only to integers), a cast to an integer
/// type, or arithmetic of these (`n.min(x.len())`, `2 * k + 1`).
fn integer_form(expr: &Expr, integers: &[Ident]) -> bool {
    const METHODS: &[&str] = &["min", "max", "clamp", "pow", "abs", "saturating_sub", "saturating_add", "div_euclid"];
    match expr {
        Expr::Lit(lit) => matches!(lit.lit, syn::Lit::Int(_)),
        Expr::MethodCall(call) if call.method == "len" => call.args.is_empty(),
        Expr::MethodCall(call) if is_position(&call.receiver) => match call.method.to_string().as_str() {
            "unwrap" | "expect" => true,
            "unwrap_or" => call.args.iter().all(|arg| integer_form(arg, integers)),
            _ => false,
        },
        Expr::MethodCall(call) => {
            METHODS.iter().any(|name| call.method == name)
                && integer_form(&call.receiver, integers)
                && call.args.iter().all(|arg| integer_form(arg, integers))
        }
        Expr::Path(path) => path.path.get_ident().is_some_and(|ident| integers.contains(ident)),
        Expr::Cast(cast) => crate::lower::is_integer_type(&cast.ty),
        Expr::Paren(paren) => integer_form(&paren.expr, integers),
        Expr::Binary(binary) => {
            use syn::BinOp::{Add, Div, Mul, Rem, Sub};
            matches!(binary.op, Add(_) | Sub(_) | Mul(_) | Div(_) | Rem(_))
                && integer_form(&binary.left, integers)
                && integer_form(&binary.right, integers)
        }
        _ => false,
    }
}

/// Whether `expr` is an iterator's `position(..)` of a closure (an
/// `Option<usize>`), the form lowering writes as a search loop: not a
/// method of the same name of another type (`track.position(1)`, review 31).
fn is_position(expr: &Expr) -> bool {
    matches!(expr, Expr::MethodCall(call) if call.method == "position"
        && matches!(&call.args.iter().collect::<Vec<_>>()[..], [Expr::Closure(_)])
        && crate::lower::is_iterator(&call.receiver))
}

/// Whether `expr` is a range, reversed, stepped or cut or not (`0..n`,
/// `(0..n).rev()`): what a `for` over it binds is an integer.
fn is_range(expr: &Expr) -> bool {
    match expr {
        Expr::Range(_) => true,
        Expr::Paren(paren) => is_range(&paren.expr),
        Expr::MethodCall(call) => {
            ["rev", "step_by", "skip", "take"].iter().any(|name| call.method == name) && is_range(&call.receiver)
        }
        _ => false,
    }
}

/// Whether `expr` ends in `enumerate()` (then `rev`, `skip`, .. or not).
fn is_enumerated(expr: &Expr) -> bool {
    match expr {
        Expr::MethodCall(call) if call.method == "enumerate" => true,
        Expr::MethodCall(call) => {
            ["rev", "step_by", "skip", "take"].iter().any(|name| call.method == name) && is_enumerated(&call.receiver)
        }
        Expr::Paren(paren) => is_enumerated(&paren.expr),
        _ => false,
    }
}

/// The names a function binds, by whether each binding is an integer: its
/// parameters and `let`s declared as integers, the `let`s given an integer
/// by their form (`let n = n.min(x.len());`), and the variables of loops
/// over ranges and the positions of loops over `enumerate()`. A name also bound to anything else (`let n = x * x;`, a
/// closure's `|&n|`) is no integer: it may be a `T` where it is converted.
#[derive(Default)]
struct Bindings {
    integers: Vec<Ident>,
    others: Vec<Ident>,
}

impl Bindings {
    fn of(item: &ItemFn) -> Self {
        let mut names = Bindings::default();
        for input in &item.sig.inputs {
            if let syn::FnArg::Typed(typed) = input {
                names.bind(&typed.pat, crate::lower::is_integer_type(&typed.ty));
            }
        }
        names.visit_block(&item.block);
        let others = names.others.clone();
        names.integers.retain(|name| !others.contains(name));
        names
    }

    fn binds(&self, name: &Ident) -> bool {
        self.integers.contains(name) || self.others.contains(name)
    }

    fn bind(&mut self, pattern: &syn::Pat, integer: bool) {
        match pattern {
            syn::Pat::Ident(binding) if integer => self.integers.push(binding.ident.clone()),
            syn::Pat::Type(typed) => self.bind(&typed.pat, integer || crate::lower::is_integer_type(&typed.ty)),
            other => crate::names::bound_by(other, &mut self.others),
        }
    }
}

impl Visit<'_> for Bindings {
    fn visit_local(&mut self, local: &syn::Local) {
        let integer = local.init.as_ref().is_some_and(|init| integer_form(&init.expr, &self.integers));
        if let Some(init) = &local.init {
            self.visit_local_init(init);
        }
        self.bind(&local.pat, integer);
    }

    fn visit_expr_for_loop(&mut self, for_loop: &syn::ExprForLoop) {
        match (&*for_loop.pat, is_enumerated(&for_loop.expr)) {
            // `for (i, v) in x.iter().enumerate()`: `i` is a position.
            (syn::Pat::Tuple(tuple), true) if tuple.elems.len() == 2 => {
                self.bind(&tuple.elems[0], true);
                self.bind(&tuple.elems[1], false);
            }
            (pattern, _) => self.bind(pattern, is_range(&for_loop.expr)),
        }
        self.visit_expr(&for_loop.expr);
        self.visit_block(&for_loop.body);
    }

    fn visit_pat(&mut self, pattern: &syn::Pat) {
        // (Closure parameters, `match` arms, `if let`: not integers here.)
        self.bind(pattern, false);
    }
}

/// `n` in `T::from_f64(n as f64)` (or `T::from(n as f64)`): a primitive
/// (`T` has no `as`) made a float.
fn integer_cast<'e>(call: &'e syn::ExprCall, float: &Ident) -> Option<&'e Expr> {
    let Expr::Path(path) = &*call.func else { return None };
    let segments = &path.path.segments;
    let from_f64 = segments.len() == 2
        && segments[0].ident == *float
        && (segments[1].ident == "from_f64" || segments[1].ident == "from");
    let [Expr::Cast(cast)] = &call.args.iter().collect::<Vec<_>>()[..] else { return None };
    let to_f64 = matches!(&*cast.ty, syn::Type::Path(ty) if ty.path.is_ident("f64"));
    (from_f64 && to_f64).then_some(&*cast.expr)
}
