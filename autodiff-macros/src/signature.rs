//! The checked model of the annotated function's signature: which parameters
//! are differentiated, their shadows, and what the generated functions take
//! and return (CONTRACT.md's parameter table).

use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};
use syn::{FnArg, GenericArgument, Ident, ItemFn, Pat, PathArguments, ReturnType, Type};

use crate::attr::Args;
use crate::ctxt::Ctxt;
use crate::ir::{Body, FloatTy};
use crate::naming::Namer;
use std::cell::OnceCell;

pub struct Signature<'a> {
    pub item: &'a ItemFn,
    pub params: Vec<Param<'a>>,
    /// The float type the function returns; `None` for a function that
    /// returns `()` and writes its results into `&mut` outputs.
    pub ret: Option<FloatTy>,
    /// For a function that returns several floats as an array `[F; N]`:
    /// that type (`ret` is then its element type). Its `vjp` takes one
    /// seed per output, and it has no `NAME_grad`.
    pub ret_array: Option<Box<Type>>,
    /// For a function that returns a tuple of floats `(F, .., F)`: how many.
    /// Between `#[grad]` functions (the companion) the value and its seed
    /// are the array `ret_array`; `NAME_vjp` and `NAME_jvp` take and return
    /// tuples.
    pub ret_tuple: Option<usize>,
    /// Whether `wrt(..)` names the differentiated parameters: a slice
    /// whose elements the macro cannot see (`ir::is_table_type`) left out
    /// of it is constant data by the user's word; without it, rustc checks
    /// that the elements hold no floats (`expand::constant_data_checks`).
    pub wrt_written: bool,
    /// The body lowered to IR, made once for every mode that starts from it
    /// (see `expand::lowered`).
    pub lowered: OnceCell<syn::Result<(Body, Namer)>>,
    /// The positions of the parameters this signature has slots for (a
    /// partial, a shadow, a tangent) but does not differentiate: in the
    /// companion of a function restricted by `wrt(..)`, the floats it
    /// leaves out, constants everywhere (they may be passed to plain
    /// functions). A caller that passes such a parameter a varied value is
    /// stopped at compile time (`guards::LeavesOut`).
    pub left_out: Vec<usize>,
    /// The positions of the parameters known to be models although they
    /// are constants: `self` in the twin for a constant `self` of a method
    /// that differentiates it (`Self: Params`, see `method.rs`), whose fields
    /// are floats where they are used as floats, as in the method itself.
    pub constant_models: Vec<usize>,
}

impl Signature<'_> {
    /// The parameters differentiated: every one but those `left_out`.
    pub fn differentiates(&self, index: usize) -> bool {
        !self.left_out.contains(&index)
    }

    /// Whether parameter `index` is a struct left out of `wrt(..)` or a
    /// table, which has the slots of a model typed `guards::NoShadow` and is
    /// a constant (`slot_constant_references`).
    pub fn has_empty_slots(&self, index: usize) -> bool {
        !self.differentiates(index)
            && matches!(self.params[index].class, ParamClass::Shadowed { kind: RefKind::Model, .. })
    }
}

pub struct Param<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub mutable: bool,
    pub class: ParamClass,
}

#[derive(Clone, PartialEq, Debug)]
pub enum ParamClass {
    /// A by-value float, or a by-value float array `[F; N]` (`param.ty` says
    /// which, see `is_array_value`), whose partial derivative is returned.
    Active(FloatTy),
    /// Passed through unchanged: not a float, or left out of `wrt(..)`.
    Constant,
    /// `&[F]`, `&[F; N]`, `&[[F; N]; M]`, `&Vec<F>` or `&Model`: partials are
    /// added into `shadow: &mut` of the same type.
    Shadowed { shadow: Ident, target: Box<Type>, kind: RefKind },
    /// `&mut [F]`, `&mut [F; N]`, `&mut Vec<F>`: an output whose adjoint
    /// arrives in `shadow` and is consumed.
    Output { shadow: Ident, target: Box<Type>, elem: FloatTy },
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RefKind {
    /// Floats in (nested) arrays, slices or vectors.
    Array(FloatTy),
    /// A model struct implementing `Params`.
    Model,
}

impl Signature<'_> {
    /// The by-value differentiated parameters, in order: one partial each.
    pub fn active(&self) -> impl Iterator<Item = (&Param<'_>, FloatTy)> {
        self.params.iter().filter_map(|param| match param.class {
            ParamClass::Active(ty) => Some((param, ty)),
            _ => None,
        })
    }

    /// The type of each returned partial, in order: `F`, or `[F; N]` for an
    /// array taken by value.
    pub fn partial_types(&self) -> Vec<TokenStream> {
        self.active()
            .map(|(param, float)| {
                if is_array_value(param.ty) {
                    param.ty.to_token_stream()
                } else {
                    crate::emit::float_type(float).into_token_stream()
                }
            })
            .collect()
    }

    /// The type of the value and of its seed: `F`, or `[F; N]`.
    pub fn value_type(&self) -> TokenStream {
        match &self.ret_array {
            Some(ty) => ty.to_token_stream(),
            None => crate::emit::float_type(self.float()).into_token_stream(),
        }
    }

    /// The type of the value and of its seed in `NAME_vjp` and `NAME_jvp`:
    /// `value_type`, or the tuple the function returns.
    pub fn public_value_type(&self) -> TokenStream {
        match (self.ret_tuple, &self.item.sig.output) {
            (Some(_), ReturnType::Type(_, ty)) => ty.to_token_stream(),
            _ => self.value_type(),
        }
    }

    pub fn float(&self) -> FloatTy {
        self.ret.unwrap_or(FloatTy::F64)
    }

    /// The parameter list of `NAME_grad` / `NAME_vjp` (without `seed`): the
    /// original parameters with a shadow after each differentiated reference.
    pub fn inputs(&self, mutable: &dyn Fn(&Ident) -> bool) -> Vec<TokenStream> {
        let mut inputs = Vec::new();
        for param in &self.params {
            let (ident, ty) = (param.ident, param.ty);
            let mutability = (param.mutable || mutable(ident)).then(|| quote!(mut));
            inputs.push(quote!(#mutability #ident: #ty));
            if let Some((shadow, target)) = param.class.shadow() {
                inputs.push(quote!(#shadow: &mut #target));
            }
        }
        inputs
    }

    /// The original parameters alone (for `NAME::fwd`).
    pub fn primal_inputs(&self, mutable: &dyn Fn(&Ident) -> bool) -> Vec<TokenStream> {
        self.params
            .iter()
            .map(|param| {
                let (ident, ty) = (param.ident, param.ty);
                let mutability = (param.mutable || mutable(ident)).then(|| quote!(mut));
                quote!(#mutability #ident: #ty)
            })
            .collect()
    }

    /// The arguments that forward the inputs to another generated function.
    pub fn forwarded(&self) -> Vec<TokenStream> {
        let mut args = Vec::new();
        for param in &self.params {
            args.push(param.ident.to_token_stream());
            if let Some((shadow, _)) = param.class.shadow() {
                args.push(shadow.to_token_stream());
            }
        }
        args
    }
}

impl ParamClass {
    pub fn shadow(&self) -> Option<(&Ident, &Type)> {
        match self {
            ParamClass::Shadowed { shadow, target, .. } | ParamClass::Output { shadow, target, .. } => {
                Some((shadow, target))
            }
            _ => None,
        }
    }
}

/// `(F, .., F)`: at least two floats of one type, and how many.
fn float_tuple(ty: &Type) -> Option<(FloatTy, usize)> {
    let Type::Tuple(tuple) = ty else { return None };
    let first = float_ty(tuple.elems.first()?)?;
    let same = tuple.elems.iter().all(|elem| float_ty(elem) == Some(first));
    (same && tuple.elems.len() >= 2).then_some((first, tuple.elems.len()))
}

/// A float array taken by value: `[F; N]`, `[[F; N]; M]`.
pub fn is_array_value(ty: &Type) -> bool {
    match ty {
        Type::Array(_) => array_elem(ty).is_some(),
        Type::Paren(paren) => is_array_value(&paren.elem),
        Type::Group(group) => is_array_value(&group.elem),
        _ => false,
    }
}

/// How many levels of elements a buffer or array type has (how many
/// indices reach a float): 1 for `[f64]`, `[f64; N]` and `Vec<f64>`, 2 for
/// `[[f64; N]; M]` and `Vec<[f64; N]>`.
pub fn elements_depth(ty: &syn::Type) -> usize {
    match ty {
        Type::Array(array) => 1 + elements_depth(&array.elem),
        Type::Slice(slice) => 1 + elements_depth(&slice.elem),
        Type::Paren(paren) => elements_depth(&paren.elem),
        Type::Group(group) => elements_depth(&group.elem),
        Type::Path(path) => match path.path.segments.last() {
            Some(last) if last.ident == "Vec" => match &last.arguments {
                syn::PathArguments::AngleBracketed(args) => match args.args.first() {
                    Some(syn::GenericArgument::Type(elem)) => 1 + elements_depth(elem),
                    _ => 1,
                },
                _ => 1,
            },
            _ => 0,
        },
        _ => 0,
    }
}

/// Whether `ty` holds rows of their own lengths (`[Vec<f64>]`,
/// `Vec<Vec<f64>>`), which no flat view covers.
pub fn has_jagged_rows(ty: &Type) -> bool {
    let elem = match ty {
        Type::Array(array) => &*array.elem,
        Type::Slice(slice) => &*slice.elem,
        Type::Paren(paren) => return has_jagged_rows(&paren.elem),
        Type::Group(group) => return has_jagged_rows(&group.elem),
        Type::Path(path) => match path.path.segments.last().map(|last| (&last.ident, &last.arguments)) {
            Some((ident, syn::PathArguments::AngleBracketed(args))) if ident == "Vec" => match args.args.first() {
                Some(syn::GenericArgument::Type(elem)) => elem,
                _ => return false,
            },
            _ => return false,
        },
        _ => return false,
    };
    matches!(elem, Type::Path(path) if path.path.segments.last().is_some_and(|last| last.ident == "Vec"))
        || matches!(elem, Type::Slice(_))
        || has_jagged_rows(elem)
}

/// Whether `ty` visibly holds floats: `f32`, `f64` or a type parameter
/// bounded by `Float`, alone or in a tuple, a reference, a slice, an array
/// or a container (`Vec<(f64, f64)>`, `Box<[f64]>`).
fn holds_floats(ty: &Type, generics: &syn::Generics) -> bool {
    let float_parameter = |ident: &Ident| {
        generics.type_params().any(|param| {
            param.ident == *ident
                && param.bounds.iter().any(|bound| {
                    matches!(bound, syn::TypeParamBound::Trait(t) if t.path.segments.last().is_some_and(|s| s.ident == "Float"))
                })
        })
    };
    match ty {
        _ if float_ty(ty).is_some() => true,
        Type::Tuple(tuple) => tuple.elems.iter().any(|elem| holds_floats(elem, generics)),
        Type::Reference(reference) => holds_floats(&reference.elem, generics),
        Type::Slice(slice) => holds_floats(&slice.elem, generics),
        Type::Array(array) => holds_floats(&array.elem, generics),
        Type::Paren(paren) => holds_floats(&paren.elem, generics),
        Type::Group(group) => holds_floats(&group.elem, generics),
        // (An `Option<f64>` is a setting, which `match` and `if let` read.)
        Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else { return false };
            let container = ["Vec", "Box", "Rc", "Arc"].iter().any(|name| last.ident == name);
            path.path.get_ident().is_some_and(float_parameter)
                || container
                    && matches!(&last.arguments, syn::PathArguments::AngleBracketed(args) if args.args.iter().any(|arg| {
                        matches!(arg, syn::GenericArgument::Type(ty) if holds_floats(ty, generics))
                    }))
        }
        _ => false,
    }
}

/// `f32` or `f64` written as a plain type.
pub fn float_ty(ty: &Type) -> Option<FloatTy> {
    let ident = plain_ident(ty)?;
    if ident == "f64" {
        Some(FloatTy::F64)
    } else if ident == "f32" {
        Some(FloatTy::F32)
    } else {
        None
    }
}

/// The name of a primitive type written as `f64`, `std::primitive::f64`,
/// `core::primitive::f64` or `::core::primitive::f64`; a single identifier
/// otherwise (which may be an alias the macro cannot see through).
fn plain_ident(ty: &Type) -> Option<&Ident> {
    match ty {
        Type::Path(path) if path.qself.is_none() => primitive_path(&path.path),
        Type::Paren(paren) => plain_ident(&paren.elem),
        Type::Group(group) => plain_ident(&group.elem),
        _ => None,
    }
}

/// A type named by a path the macro cannot see through: not a primitive and
/// without generic arguments, such as `Real` after `type Real = f64;`. It
/// may stand for a float, so a value of such a type takes its type from
/// how it is computed and used, never "not a float" by default.
pub fn is_opaque(ty: &Type) -> bool {
    const PRIMITIVES: &[&str] = &[
        "f32", "f64", "bool", "char", "str", "String", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32",
        "i64", "i128", "isize",
    ];
    match ty {
        Type::Path(path) if path.qself.is_none() => {
            let primitive = plain_ident(ty).is_some_and(|ident| PRIMITIVES.iter().any(|p| ident == p));
            !primitive && path.path.segments.iter().all(|segment| segment.arguments.is_none())
        }
        Type::Paren(paren) => is_opaque(&paren.elem),
        Type::Group(group) => is_opaque(&group.elem),
        _ => false,
    }
}

/// Whether `ty` is `[T]`, `[T; N]` or `Vec<T>` (or a nesting of them) whose
/// innermost `T` is opaque: elements that may be floats the macro cannot see.
pub fn opaque_elements(ty: &Type) -> bool {
    // (A tuple, `(f64, f64)`, is no array the macro differentiates either.)
    let element = |elem: &Type| is_opaque(elem) || matches!(elem, Type::Tuple(_)) || opaque_elements(elem);
    match ty {
        Type::Slice(slice) => element(&slice.elem),
        Type::Array(array) => element(&array.elem),
        Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else { return false };
            let PathArguments::AngleBracketed(args) = &last.arguments else { return false };
            last.ident == "Vec" && matches!(args.args.first(), Some(GenericArgument::Type(elem)) if element(elem))
        }
        Type::Paren(paren) => opaque_elements(&paren.elem),
        Type::Group(group) => opaque_elements(&group.elem),
        _ => false,
    }
}

/// The type of the elements `depth` indices reach in `[T]`, `[T; N]`,
/// `Vec<T>` and their nestings.
pub fn element_type(ty: &Type, depth: usize) -> Option<Type> {
    if depth == 0 {
        return Some(ty.clone());
    }
    let elem = match ty {
        Type::Slice(slice) => &*slice.elem,
        Type::Array(array) => &*array.elem,
        Type::Paren(paren) => return element_type(&paren.elem, depth),
        Type::Group(group) => return element_type(&group.elem, depth),
        _ => vec_elem(ty)?,
    };
    element_type(elem, depth - 1)
}

/// The innermost element type of a reference to (nested) slices, arrays
/// or vectors (`&[[Sample; 2]]`: `Sample`).
pub fn innermost_element(ty: &Type) -> Option<&Type> {
    let Type::Reference(reference) = ty else { return None };
    let mut ty = &*reference.elem;
    loop {
        ty = match ty {
            Type::Slice(slice) => &slice.elem,
            Type::Array(array) => &array.elem,
            Type::Paren(paren) => &paren.elem,
            Type::Group(group) => &group.elem,
            _ => match vec_elem(ty) {
                Some(elem) => elem,
                None => return Some(ty),
            },
        };
    }
}

/// The float type of the scalars inside `[F]`, `[F; N]`, `Vec<F>` and their
/// nestings; `None` when the elements are not floats.
pub fn array_elem(ty: &Type) -> Option<FloatTy> {
    match ty {
        Type::Slice(slice) => scalar_or_array(&slice.elem),
        Type::Array(array) => scalar_or_array(&array.elem),
        Type::Path(path) if path.qself.is_none() => {
            let last = path.path.segments.last()?;
            if last.ident != "Vec" {
                return None;
            }
            let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
            match args.args.first()? {
                GenericArgument::Type(elem) => scalar_or_array(elem),
                _ => None,
            }
        }
        Type::Paren(paren) => array_elem(&paren.elem),
        Type::Group(group) => array_elem(&group.elem),
        _ => None,
    }
}

/// `T` of `Vec<T>`.
fn vec_elem(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last().filter(|last| path.qself.is_none() && last.ident == "Vec")?;
    let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.first()? {
        GenericArgument::Type(elem) => Some(elem),
        _ => None,
    }
}

/// The last identifier of `name`, `std::primitive::name` or
/// `core::primitive::name` (with or without a leading `::`).
pub fn primitive_path(path: &syn::Path) -> Option<&Ident> {
    if let Some(ident) = path.get_ident() {
        return Some(ident);
    }
    let segments: Vec<&syn::PathSegment> = path.segments.iter().collect();
    let [krate, module, last] = segments[..] else { return None };
    let plain = segments.iter().all(|segment| segment.arguments.is_none());
    let prelude = (krate.ident == "std" || krate.ident == "core") && module.ident == "primitive";
    (plain && prelude).then_some(&last.ident)
}

fn scalar_or_array(ty: &Type) -> Option<FloatTy> {
    float_ty(ty).or_else(|| array_elem(ty))
}

/// Types passed by reference that hold no parameters: `&str`, `&[usize]`,
/// `&String`, references to primitives.
fn is_plain_data(ty: &Type) -> bool {
    const PRIMITIVES: &[&str] = &[
        "str", "String", "bool", "char", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128",
        "isize",
    ];
    match ty {
        Type::Slice(slice) => is_plain_data(&slice.elem) || array_elem(ty).is_none(),
        Type::Array(array) => is_plain_data(&array.elem) || array_elem(ty).is_none(),
        // `Vec<usize>`: a vector of plain data is plain data.
        _ if vec_elem(ty).is_some_and(is_plain_data) => true,
        _ => plain_ident(ty).is_some_and(|ident| PRIMITIVES.iter().any(|p| ident == p)),
    }
}

pub fn check<'a>(item: &'a ItemFn, args: &Args, cx: &Ctxt) -> Option<Signature<'a>> {
    let sig = &item.sig;
    if let Some(token) = &sig.constness {
        cx.error_spanned_by(token, "#[grad] does not support `const fn`; remove `const`");
    }
    if let Some(token) = &sig.asyncness {
        cx.error_spanned_by(token, "#[grad] does not support `async fn`; differentiate a synchronous function");
    }
    if let Some(token) = &sig.unsafety {
        cx.error_spanned_by(token, "#[grad] does not support `unsafe fn`; differentiate a safe function");
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(abi, "#[grad] does not support `extern` functions; remove the ABI");
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, "#[grad] does not support variadic functions");
    }

    let mut params = Vec::new();
    let mut rejected = false;
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => cx.error_spanned_by(
                receiver,
                "#[grad] does not support methods; make it a free function that takes the value as a parameter",
            ),
            FnArg::Typed(typed) => {
                let Pat::Ident(pat) = &*typed.pat else {
                    cx.error_spanned_by(
                        &typed.pat,
                        "#[grad] does not support patterns in parameters; bind the parameter to a name (`_x: f64`)",
                    );
                    continue;
                };
                if pat.by_ref.is_some() || pat.subpat.is_some() {
                    cx.error_spanned_by(
                        pat,
                        "#[grad] supports parameters of the form `name: Type` or `mut name: Type`",
                    );
                    continue;
                }
                match classify(&pat.ident, &typed.ty, cx) {
                    Some(class) => params.push(Param {
                        ident: &pat.ident,
                        ty: &typed.ty,
                        mutable: pat.mutability.is_some(),
                        class,
                    }),
                    None => rejected = true,
                }
            }
        }
    }

    if let Some(wrt) = &args.wrt {
        for name in wrt {
            match params.iter().find(|param| same_name(param.ident, name)) {
                None => cx
                    .error_spanned_by(name, format!("`wrt` names `{name}`, which is not a parameter of this function")),
                Some(param) if param.class == ParamClass::Constant => cx.error_spanned_by(
                    name,
                    format!(
                        "`wrt` names `{name}`, which holds no floats; #[grad] differentiates `f32`/`f64` parameters, \
                         float arrays and model structs{}",
                        outer_type_parameter(param.ty, sig).unwrap_or_default()
                    ),
                ),
                Some(_) => {}
            }
        }
        // A `&mut` output is an output whether or not `wrt` names it
        // (CONTRACT.md): leaving it out must not turn it into a constant.
        for param in &mut params {
            let output = matches!(param.class, ParamClass::Output { .. });
            if !output && !wrt.iter().any(|name| same_name(name, param.ident)) {
                param.class = ParamClass::Constant;
            }
        }
    }

    // Without `wrt(..)`, a constant that visibly holds floats would be
    // left out of the derivative without a word (the contract's "other
    // types"): `p: (f64, f64)`, `x: &&[f64]`, `rows: &[&[f64]]`. (A table,
    // `&[(f64, f64)]`, is probed by rustc instead: `constant_data_checks`.)
    if args.wrt.is_none() {
        for param in params.iter().filter(|param| param.class == ParamClass::Constant) {
            if crate::ir::is_table_type(param.ty) || !holds_floats(param.ty, &sig.generics) {
                continue;
            }
            let name = param.ident;
            cx.error_spanned_by(
                param.ty,
                format!(
                    "`{name}` holds floats that #[grad] does not differentiate in this type; take them as `f64` \
                     parameters, an array (`[f64; N]`, `&[f64]`, `&[[f64; N]]`) or a `#[derive(Params)]` model \
                     by reference, or name what is differentiated in `wrt(..)`, leaving `{name}` out as a constant"
                ),
            );
        }
    }

    // A shadow must not take the name of another parameter.
    for param in &params {
        if let Some((shadow, _)) = param.class.shadow() {
            if let Some(clash) = params.iter().find(|other| same_name(other.ident, shadow)) {
                cx.error_spanned_by(
                    clash.ident,
                    format!("`{shadow}` is the name of the shadow of `{}`; rename this parameter", param.ident),
                );
            }
        }
    }

    let has_output = params.iter().any(|param| matches!(param.class, ParamClass::Output { .. }));
    let ret_tuple = match &sig.output {
        ReturnType::Type(_, ty) => float_tuple(ty),
        ReturnType::Default => None,
    };
    let ret_array = match &sig.output {
        ReturnType::Type(_, ty) if is_array_value(ty) => Some(ty.clone()),
        // A tuple of floats is an array inside.
        ReturnType::Type(..) => ret_tuple.map(|(float, len)| {
            let float = crate::emit::float_type(float);
            let len = proc_macro2::Literal::usize_unsuffixed(len);
            Box::new(syn::parse_quote!([#float; #len]))
        }),
        ReturnType::Default => None,
    };
    let ret = match &sig.output {
        ReturnType::Type(_, _) if ret_tuple.is_some() => Some(ret_tuple.map(|(float, _)| float)),
        ReturnType::Type(_, ty) if ret_array.is_some() => Some(array_elem(ty)),
        ReturnType::Type(_, ty) => match float_ty(ty) {
            Some(float) => Some(Some(float)),
            None if matches!(&**ty, Type::Tuple(t) if t.elems.is_empty()) && has_output => Some(None),
            None => {
                cx.error_spanned_by(
                    ty,
                    format!(
                        "#[grad] differentiates functions that return `f32` or `f64`, an array of them (`[f64; N]`), \
                         or `()` and write `&mut` float outputs; return the scalar you want the gradient of{}{}{}",
                        outer_type_parameter(ty, sig).unwrap_or_default(),
                        several_arrays(ty, &sig.ident),
                        a_vector(ty, &sig.ident)
                    ),
                );
                None
            }
        },
        ReturnType::Default if has_output => Some(None),
        // A rejected parameter may have been the output: one error is enough.
        ReturnType::Default if rejected => None,
        ReturnType::Default => {
            cx.error_spanned_by(
                &sig.ident,
                "#[grad] differentiates functions that return `f32` or `f64`; this one returns `()` and has no \
                 `&mut` float output: add `-> f64` and end the body with the value",
            );
            None
        }
    };

    Some(Signature {
        item,
        params,
        wrt_written: args.wrt.is_some(),
        ret: ret?,
        ret_array,
        ret_tuple: ret_tuple.map(|(_, len)| len),
        lowered: OnceCell::new(),
        left_out: Vec::new(),
        constant_models: Vec::new(),
    })
}

/// Whether two identifiers are one name (`r#x` is `x`).
fn same_name(a: &Ident, b: &Ident) -> bool {
    crate::naming::name_of(a) == crate::naming::name_of(b)
}

/// The class of one parameter by its type (before `wrt`).
fn classify(ident: &Ident, ty: &Type, cx: &Ctxt) -> Option<ParamClass> {
    if let Some(float) = float_ty(ty) {
        return Some(ParamClass::Active(float));
    }
    let shadow = format_ident!("d_{}", ident);
    match ty {
        // (The generated functions name the function as a value, which an
        // `impl Trait` argument leaves without a type to infer, E0283.)
        Type::ImplTrait(_) => {
            cx.error_spanned_by(
                ty,
                "`impl Trait` parameters are not supported in #[grad] functions; take the type itself (`x: f64`), \
                 or a generic parameter (`fn f<T: Float>(x: T)`)",
            );
            None
        }
        Type::Reference(reference) if float_ty(&reference.elem).is_some() => {
            let elem = &reference.elem;
            let message = match reference.mutability {
                // (Round 18: the advice to take it by value dropped the output.)
                Some(_) => format!(
                    "#[grad] does not write a float through `&mut {elem}`; return the value (`-> {elem}`), or take \
                     an array of one (`{ident}: &mut [{elem}; 1]`, written `{ident}[0] = ..`)",
                    elem = quote::ToTokens::to_token_stream(elem),
                ),
                None => format!(
                    "#[grad] takes floats by value; write `{ident}: {elem}` instead of a reference to one",
                    elem = quote::ToTokens::to_token_stream(elem),
                ),
            };
            cx.error_spanned_by(reference, message);
            None
        }
        // `data: &[Sample]`: constant data the body reads (`ir::is_table`).
        Type::Reference(reference) if opaque_elements(&reference.elem) && reference.mutability.is_none() => {
            Some(ParamClass::Constant)
        }
        Type::Reference(reference) if opaque_elements(&reference.elem) => {
            cx.error_spanned_by(
                &reference.elem,
                "#[grad] cannot tell whether the elements of this `&mut` parameter are floats (a type alias may \
                 hide them); write the element type by name (`&mut [f64]`, `&mut [f32]`); a slice of structs \
                 #[grad] cannot write: pass their fields as slices (`xs: &mut [[f64; 4]], ys: &mut [f64]`)",
            );
            None
        }
        Type::Reference(reference) => {
            let target = reference.elem.clone();
            let elem = array_elem(&target);
            match (reference.mutability.is_some(), elem) {
                (false, Some(float)) => Some(ParamClass::Shadowed { shadow, target, kind: RefKind::Array(float) }),
                (true, Some(float)) => Some(ParamClass::Output { shadow, target, elem: float }),
                _ if is_plain_data(&target) => Some(ParamClass::Constant),
                (false, None) if matches!(&*target, Type::Path(_)) => {
                    Some(ParamClass::Shadowed { shadow, target, kind: RefKind::Model })
                }
                (true, None) => {
                    cx.error_spanned_by(
                        reference,
                        "unsupported `&mut` parameter; #[grad] writes outputs through `&mut [F]`, `&mut [F; N]` or \
                         `&mut Vec<F>`",
                    );
                    None
                }
                (false, None) => Some(ParamClass::Constant),
            }
        }
        // `s: [f64; 4]`: its partial is returned as an array.
        _ if is_array_value(ty) => array_elem(ty).map(ParamClass::Active),
        _ if array_elem(ty).is_some() => {
            cx.error_spanned_by(
                ty,
                "#[grad] differentiates vectors passed by reference; take `&[F]` or `&Vec<F>` instead (arrays \
                 `[F; N]` may also be taken by value)",
            );
            None
        }
        _ => Some(ParamClass::Constant),
    }
}

/// Whether a parameter of type `ty` is a struct taken by reference
/// (`&Model`, `&Spring`): the slots of a model between `#[grad]` functions,
/// whatever `wrt(..)` says (`slot_constant_references`).
pub fn is_struct_reference(ty: &Type) -> bool {
    // (Its errors, if any, are the function's own, reported with its signature.)
    let scratch = Ctxt::new();
    let class = classify(&format_ident!("_"), ty, &scratch);
    let _ = scratch.check();
    matches!(class, Some(ParamClass::Shadowed { kind: RefKind::Model, .. }))
}

/// Gives each struct parameter that `sig` leaves out of `wrt(..)`, and each
/// table (`data: &[Sample]`, `ir::is_table_type`), the slots of a model,
/// typed `guards::NoShadow`, and lists it in `left_out`: for the companion,
/// where every parameter taken by reference has its slots whatever the
/// function differentiates, because a caller (which reads one function at
/// a time, and cannot see the type of a `const` it lends) fills the same
/// slots for any callee (`guards::slot`, `emit::table_slot`). A method's
/// `self` keeps the convention of `method.rs`.
pub fn slot_constant_references(sig: &mut Signature, cx: &Ctxt) {
    let no_shadow: Box<Type> = Box::new(syn::parse_quote!(::autodiff::guards::NoShadow));
    let idents: Vec<Ident> = sig.params.iter().map(|param| param.ident.clone()).collect();
    for (i, param) in sig.params.iter_mut().enumerate() {
        if param.class != ParamClass::Constant || param.ident == crate::method::PLACEHOLDER {
            continue;
        }
        if !is_struct_reference(param.ty) && !crate::ir::is_table_type(param.ty) {
            continue;
        }
        let shadow = format_ident!("d_{}", param.ident);
        if let Some(clash) = idents.iter().find(|ident| same_name(ident, &shadow)) {
            cx.error_spanned_by(
                clash,
                format!("`{shadow}` is the name of the shadow of `{}`; rename this parameter", param.ident),
            );
        }
        param.class = ParamClass::Shadowed { shadow, target: no_shadow.clone(), kind: RefKind::Model };
        sig.left_out.push(i);
    }
    sig.left_out.sort_unstable();
}

/// For a result of several arrays (`([f64; 2], [f64; 4])`, a Kalman
/// filter's prediction), the outputs that give them.
fn several_arrays(ty: &Type, name: &Ident) -> String {
    let Type::Tuple(tuple) = ty else { return String::new() };
    if tuple.elems.len() < 2 || !tuple.elems.iter().all(|elem| matches!(elem, Type::Array(_))) {
        return String::new();
    }
    let outputs: Vec<String> = tuple
        .elems
        .iter()
        .enumerate()
        .map(|(i, elem)| {
            format!("out{i}: &mut {}", quote::ToTokens::to_token_stream(elem).to_string().replace(' ', ""))
        })
        .collect();
    format!(" (for several arrays, write each into an output: `fn {name}(.., {})`)", outputs.join(", "))
}

/// For a vector of floats returned (`-> Vec<f64>`, a softmax), the output
/// that carries it with its adjoints: a `&mut [f64]` parameter.
fn a_vector(ty: &Type, name: &Ident) -> String {
    let Type::Path(path) = ty else { return String::new() };
    let Some(last) = path.path.segments.last().filter(|segment| segment.ident == "Vec") else {
        return String::new();
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return String::new() };
    let [syn::GenericArgument::Type(elem)] = &args.args.iter().collect::<Vec<_>>()[..] else { return String::new() };
    let Some(float) = float_ty(elem) else { return String::new() };
    let float = crate::emit::float_type(float);
    format!(
        " (for a vector of results, write them into an output the caller makes, whose shadow carries their \
         adjoints: `fn {name}(.., out: &mut [{float}])`, `out[i] = ..`)"
    )
}

/// For a type written as a lone name like `T` that the function does not
/// declare (a type parameter of the `impl` block around a method, which
/// the attribute on the method cannot see), what to write instead.
fn outer_type_parameter(ty: &Type, sig: &syn::Signature) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    let ident = path.path.get_ident()?;
    let text = ident.to_string();
    let looks_generic = text.len() <= 2 && text.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let declared = sig.generics.type_params().any(|param| param.ident == *ident);
    if declared {
        // (A parameter bounded by a `Float` trait stands for `f64` by now.)
        return Some(format!(
            " (`{text}` is a type parameter whose bounds #[grad] does not read as a float: it knows a float type \
             parameter by a trait named `Float`, `{text}: Float` or `{text}: num_traits::Float`, not by a \
             renamed import (`Float as NFloat`) or another trait (`Real`); bound `{text}` by `Float`)"
        ));
    }
    looks_generic.then(|| {
        format!(
            " (`{text}` is not a type parameter of this function. If it is a type alias, write the type it \
             names (`f64`, `[f64; 3]`): #[grad] cannot see through an alias. If it is a type parameter of the \
             `impl` block around a method, which the attribute on the method cannot see, write a free function \
             generic over it, `fn {name}<{text}: Float>(s: &Struct<{text}>, x: {text}) -> {text}`, with `wrt(x)` \
             if the struct is a constant)",
            name = sig.ident
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn classes(item: ItemFn, args: TokenStream) -> Result<Vec<String>, String> {
        let args = crate::attr::parse(args).unwrap();
        let cx = Ctxt::new();
        let signature = check(&item, &args, &cx).map(|s| {
            s.params
                .iter()
                .map(|p| match &p.class {
                    ParamClass::Active(_) => "active".to_owned(),
                    ParamClass::Constant => "constant".to_owned(),
                    ParamClass::Shadowed { shadow, kind: RefKind::Array(_), .. } => format!("array {shadow}"),
                    ParamClass::Shadowed { shadow, kind: RefKind::Model, .. } => format!("model {shadow}"),
                    ParamClass::Output { shadow, .. } => format!("output {shadow}"),
                })
                .collect()
        });
        cx.check().map_err(|e| e.to_string())?;
        Ok(signature.unwrap())
    }

    #[test]
    fn primitive_paths_are_floats_and_opaque_elements_are_constant_data() {
        let item = parse_quote!(
            fn f(x: std::primitive::f64, y: ::core::primitive::f32, w: &[core::primitive::f64]) -> f64 {
                x
            }
        );
        let got = classes(item, TokenStream::new()).unwrap();
        assert_eq!(got, ["active", "active", "array d_w"]);
        // (Floats behind an alias are refused by rustc: `guards::constant_data`.)
        let item = parse_quote!(
            fn f(x: f64, w: &[Sample], v: &Vec<[Real; 2]>, s: &[String]) -> f64 {
                x
            }
        );
        let got = classes(item, TokenStream::new()).unwrap();
        assert_eq!(got, ["active", "constant", "constant", "constant"]);
        let item = parse_quote!(
            fn f(x: f64, w: &mut [Real]) -> f64 {
                x
            }
        );
        let errors = classes(item, TokenStream::new()).unwrap_err();
        assert!(errors.contains("cannot tell whether the elements of this `&mut` parameter are floats"), "{errors}");
    }

    #[test]
    fn the_contract_table() {
        let item = parse_quote!(
            fn f(
                x: f64,
                n: usize,
                w: &[f64],
                a: &[[f32; 3]; 2],
                v: &Vec<f64>,
                m: &Model,
                s: &str,
                i: &[usize],
                y: &mut [f64],
            ) -> f64 {
                x
            }
        );
        let got = classes(item, quote!()).unwrap();
        let want = [
            "active",
            "constant",
            "array d_w",
            "array d_a",
            "array d_v",
            "model d_m",
            "constant",
            "constant",
            "output d_y",
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn arrays_by_value_are_differentiated_and_returned() {
        let item: ItemFn = parse_quote!(
            fn deriv(s: [f64; 4], k: f64, m: [[f32; 2]; 2]) -> [f64; 4] {
                s
            }
        );
        let args = crate::attr::parse(quote!()).unwrap();
        let cx = Ctxt::new();
        let sig = check(&item, &args, &cx).expect("accepted");
        cx.check().unwrap();
        let partials: Vec<String> = sig.partial_types().iter().map(ToString::to_string).collect();
        assert_eq!(partials, ["[f64 ; 4]", "f64", "[[f32 ; 2] ; 2]"]);
        assert_eq!(sig.value_type().to_string(), "[f64 ; 4]");
        assert_eq!(sig.ret, Some(FloatTy::F64));
        // A vector by value is refused.
        let item: ItemFn = parse_quote!(
            fn f(v: Vec<f64>) -> f64 {
                v[0]
            }
        );
        assert!(classes(item, quote!()).unwrap_err().contains("vectors passed by reference"));
    }

    #[test]
    fn wrt_keeps_only_the_named() {
        let item = parse_quote!(
            fn f(x: f64, y: f64, w: &[f64]) -> f64 {
                x * y
            }
        );
        let got = classes(item, quote!(wrt(y))).unwrap();
        assert_eq!(got, ["constant", "active", "constant"]);
    }

    #[test]
    fn wrt_keeps_mut_outputs() {
        let item = parse_quote!(
            fn f(cam: &[f64], point: &[f64], scale: f64, err: &mut [f64]) {
                err[0] = cam[0] * point[0] * scale;
            }
        );
        let got = classes(item, quote!(wrt(cam, point))).unwrap();
        assert_eq!(got, ["array d_cam", "array d_point", "constant", "output d_err"]);
    }

    #[test]
    fn unit_functions_need_an_output() {
        let item = parse_quote!(
            fn f(x: &[f64], y: &mut [f64]) {
                y[0] = x[0];
            }
        );
        assert!(classes(item, quote!()).is_ok());
        let item = parse_quote!(
            fn f(x: &[f64]) {}
        );
        assert!(classes(item, quote!()).is_err());
    }

    #[test]
    fn errors_are_collected() {
        let cx = Ctxt::new();
        let item: ItemFn = parse_quote!(
            async fn f(&self, (a, b): (f64, f64), v: Vec<f64>) -> i32 {
                0
            }
        );
        let args = crate::attr::parse(quote!(wrt(z))).unwrap();
        assert!(check(&item, &args, &cx).is_none());
        let count = cx.check().unwrap_err().into_iter().count();
        assert_eq!(count, 6);
    }
}
