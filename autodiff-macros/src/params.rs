//! `#[derive(Params)]`: implements `autodiff::Params` for a model struct.
//!
//! Each named field is classified by the *syntax* of its type:
//!
//! - `Vec<T>` or `[T; N]` where `T` is neither a float (`f64`, `f32`) nor
//!   `[F; K]` of one: a
//!   collection of sub-models, visited element by element (recursively, so
//!   `Vec<[Layer; 2]>` works);
//! - an integer, `bool`, `char` or `String`, or an array, `Vec`, `Option`
//!   or tuple of those (`n_in: usize`, `sizes: Vec<usize>`): a constant of
//!   the model, which holds no parameter and is cloned into a zero model as
//!   it is. Only such types: `#[grad]` cannot see the struct and takes any
//!   field it reads as a number for a weight (`constant_fields.rs`), so a
//!   constant float cloned into a tangent model would be read as a tangent;
//! - anything else (`f64`, `[f64; N]`, `[[f64; N]; M]`, `Vec<f64>`,
//!   `Vec<[f64; N]>`, another model struct, a type alias): a value that
//!   implements `Params` itself, whose methods are called.
//!
//! On an enum (`enum Act { Relu, Leaky(f64) }`) it makes an enum of
//! settings: no parameter, cloned into zero models; a variant that may hold
//! weights is refused (`expand_settings`).
//!
//! The generated impl visits the fields in declaration order. Type
//! parameters get a `T: Params` bound; const parameters are kept as they are;
//! lifetimes, unions, tuple and unit structs are rejected with a
//! spanned error (the derive never panics). `f32` fields are leaves like
//! `f64` ones (the runtime visits them as `f64` slices).

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{parse_quote, Data, DeriveInput, Field, Fields, GenericArgument, Ident, PathArguments, Type};

/// The derive's entry point: the `impl ::autodiff::Params` for the struct
/// in `input`, or the compile errors that explain why there is none.
pub fn derive(input: TokenStream) -> TokenStream {
    match syn::parse2::<DeriveInput>(input).and_then(|input| expand(&input)) {
        Ok(tokens) => tokens,
        Err(error) => error.to_compile_error(),
    }
}

/// The impl, or every error found in the struct.
fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    if let Data::Enum(data) = &input.data {
        return expand_settings(input, data);
    }
    let fields = named_fields(input)?;
    let mut errors = Errors::default();
    check_generics(input, &mut errors);
    errors.finish()?;

    let name = &input.ident;
    // Named fields always have an ident; `filter_map` keeps the derive free
    // of panics all the same.
    let fields: Vec<(&Ident, Shape)> =
        fields.iter().filter_map(|f| Some((f.ident.as_ref()?, Shape::of(&f.ty)))).collect();

    let zeros = fields.iter().map(|(ident, shape)| {
        let value = shape.zeros(&Access::Place(quote!(self.#ident)), 0);
        quote!(#ident: #value)
    });
    let counts: Vec<TokenStream> =
        fields.iter().map(|(ident, shape)| shape.count(&Access::Place(quote!(self.#ident)), 0)).collect();
    let count = if counts.is_empty() { quote!(0) } else { quote!(#(#counts)+*) };
    let visits = fields.iter().map(|(ident, shape)| shape.visit(&Access::Place(quote!(self.#ident)), 0, false));
    let visits_mut = fields.iter().map(|(ident, shape)| shape.visit(&Access::Place(quote!(self.#ident)), 0, true));
    let zips = fields.iter().map(|(ident, shape)| {
        let path = format!("{name}.{ident}");
        shape.zip(&Access::Place(quote!(self.#ident)), &Access::Place(quote!(#OTHER.#ident)), 0, &path)
    });

    let mut generics = input.generics.clone();
    let type_params: Vec<Ident> = generics.type_params().map(|p| p.ident.clone()).collect();
    if !type_params.is_empty() {
        let where_clause = generics.make_where_clause();
        for param in type_params {
            where_clause.predicates.push(parse_quote!(#param: ::autodiff::Params));
        }
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();

    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics ::autodiff::Params for #name #ty_generics #where_clause {
            fn zeros_like(&self) -> Self {
                Self { #(#zeros,)* }
            }

            fn num_params(&self) -> usize {
                #count
            }

            fn for_each_slice(&self, #F: &mut dyn ::core::ops::FnMut(&[f64])) {
                #(#visits)*
            }

            fn for_each_slice_mut(&mut self, #F: &mut dyn ::core::ops::FnMut(&mut [f64])) {
                #(#visits_mut)*
            }

            fn zip_slices_mut(&mut self, #OTHER: &Self, #F: &mut dyn ::core::ops::FnMut(&mut [f64], &[f64])) {
                #(#zips)*
            }
        }
    })
}

/// An enum of settings (`enum Act { Relu, Leaky(f64) }`, a field of a
/// model): a value with no parameter, cloned into zero models, whose
/// payloads `#[grad]` code reads as constants (a `match` binds them). A
/// payload that may hold weights (a sub-model, a type the derive cannot
/// read) is refused, since it would never be trained.
fn expand_settings(input: &DeriveInput, data: &syn::DataEnum) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    check_generics(input, &mut errors);
    for field in data.variants.iter().flat_map(|variant| variant.fields.iter()) {
        if !is_setting(&field.ty) {
            errors.push(syn::Error::new(
                field.ty.span(),
                "`#[derive(Params)]` on an enum makes an enum of settings, with no parameter to train: a \
                 variant holds numbers, flags or text (`Leaky(f64)`, `Power(i32)`); keep weights in a struct's \
                 fields (`struct Head { lin: Lin }`)",
            ));
        }
    }
    errors.finish()?;
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        #[automatically_derived]
        impl #impl_generics ::autodiff::Params for #name #ty_generics #where_clause {
            fn zeros_like(&self) -> Self {
                ::core::clone::Clone::clone(self)
            }

            fn num_params(&self) -> usize {
                0
            }

            fn for_each_slice(&self, _: &mut dyn ::core::ops::FnMut(&[f64])) {}

            fn for_each_slice_mut(&mut self, _: &mut dyn ::core::ops::FnMut(&mut [f64])) {}

            fn zip_slices_mut(&mut self, _: &Self, _: &mut dyn ::core::ops::FnMut(&mut [f64], &[f64])) {}
        }

        #[automatically_derived]
        impl #impl_generics ::autodiff::guards::Settings for #name #ty_generics #where_clause {}
    })
}

/// A setting's type: a float, an integer, `bool`, `char` or `String`, or
/// an array, tuple, `Vec`, `Option` or shared reference (`&'static str`)
/// of those.
fn is_setting(ty: &Type) -> bool {
    match ty {
        Type::Paren(inner) => is_setting(&inner.elem),
        Type::Group(inner) => is_setting(&inner.elem),
        Type::Array(array) => is_setting(&array.elem),
        Type::Tuple(tuple) => tuple.elems.iter().all(is_setting),
        Type::Reference(reference) => reference.mutability.is_none() && is_setting(&reference.elem),
        ty => {
            is_float(ty)
                || is_constant(ty)
                || vec_element(ty).is_some_and(is_setting)
                || option_element(ty).is_some_and(is_setting)
        }
    }
}

/// `T` if `ty` is written `Option<T>`.
fn option_element(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last().filter(|last| path.qself.is_none() && last.ident == "Option")?;
    let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(elem)] => Some(elem),
        _ => None,
    }
}

/// The name of the generated methods' closure parameter.
const F: Name = Name("__autodiff_f");
/// The name of `zip_slices_mut`'s second value.
const OTHER: Name = Name("__autodiff_other");

/// An identifier of the generated code, written with `#NAME` in `quote!`.
#[derive(Clone, Copy)]
struct Name(&'static str);

impl ToTokens for Name {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        Ident::new(self.0, Span::call_site()).to_tokens(tokens);
    }
}

/// The fields of a struct with named fields, or the error for anything else.
fn named_fields(input: &DeriveInput) -> syn::Result<Vec<&Field>> {
    const NEEDS: &str = "`#[derive(Params)]` needs a struct with named fields";
    match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => Ok(fields.named.iter().collect()),
            Fields::Unnamed(fields) => Err(syn::Error::new(
                fields.span(),
                format!(
                    "{NEEDS}; a tuple struct's fields have no names: write `struct {} {{ w: f64, .. }}`",
                    input.ident
                ),
            )),
            Fields::Unit => Err(syn::Error::new(
                input.ident.span(),
                format!("{NEEDS}; a unit struct has no parameters to differentiate"),
            )),
        },
        // (`expand_settings` takes enums.)
        Data::Enum(data) => Err(syn::Error::new(data.enum_token.span(), format!("{NEEDS}; or an enum of settings"))),
        Data::Union(data) => {
            Err(syn::Error::new(data.union_token.span(), format!("{NEEDS}; unions are not supported")))
        }
    }
}

/// Rejects lifetime parameters: a model owns its parameters.
fn check_generics(input: &DeriveInput, errors: &mut Errors) {
    for lifetime in input.generics.lifetimes() {
        errors.push(syn::Error::new(
            lifetime.span(),
            "`#[derive(Params)]` does not support lifetime parameters: a model struct owns its parameters",
        ));
    }
}

/// Errors collected to be reported together.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// How a field is walked.
enum Shape<'a> {
    /// A value whose type implements `Params`: its methods are called.
    Leaf(&'a Type),
    /// A `Vec` of sub-models, walked element by element.
    Vec(Box<Shape<'a>>),
    /// An array of sub-models, walked element by element.
    Array(Box<Shape<'a>>),
    /// A value that holds no float (`n_in: usize`): not visited, and cloned
    /// into a zero model.
    Constant,
}

impl<'a> Shape<'a> {
    /// Classifies a field type by its syntax.
    fn of(ty: &'a Type) -> Shape<'a> {
        if is_constant(ty) {
            return Shape::Constant;
        }
        match ty {
            Type::Paren(inner) => Shape::of(&inner.elem),
            Type::Group(inner) => Shape::of(&inner.elem),
            Type::Array(array) if !is_leaf_element(&array.elem) => Shape::Array(Box::new(Shape::of(&array.elem))),
            _ => match vec_element(ty) {
                Some(elem) if !is_leaf_element(elem) => Shape::Vec(Box::new(Shape::of(elem))),
                _ => Shape::Leaf(ty),
            },
        }
    }

    /// An expression of the field's type, zero everywhere, built from `value`.
    fn zeros(&self, value: &Access, depth: usize) -> TokenStream {
        match self {
            Shape::Leaf(ty) => {
                let arg = value.by_ref(false);
                quote_spanned!(ty.span()=> <#ty as ::autodiff::Params>::zeros_like(#arg))
            }
            Shape::Vec(inner) => {
                let e = element(depth);
                let item = inner.zeros(&Access::Ref(e.clone()), depth + 1);
                let iter = value.iter(false);
                quote!(#iter.map(|#e| #item).collect::<::std::vec::Vec<_>>())
            }
            Shape::Array(inner) => {
                let (e, i) = (element(depth), index(depth));
                let item = inner.zeros(&Access::Ref(e.clone()), depth + 1);
                let place = value.place();
                quote!(::core::array::from_fn(|#i| {
                    let #e = &#place[#i];
                    #item
                }))
            }
            Shape::Constant => {
                let arg = value.by_ref(false);
                quote!(::core::clone::Clone::clone(#arg))
            }
        }
    }

    /// An expression counting the scalars of `value`.
    fn count(&self, value: &Access, depth: usize) -> TokenStream {
        match self {
            Shape::Leaf(ty) => {
                let arg = value.by_ref(false);
                quote_spanned!(ty.span()=> <#ty as ::autodiff::Params>::num_params(#arg))
            }
            Shape::Vec(inner) | Shape::Array(inner) => {
                let e = element(depth);
                let item = inner.count(&Access::Ref(e.clone()), depth + 1);
                let iter = value.iter(false);
                quote!(#iter.map(|#e| #item).sum::<usize>())
            }
            Shape::Constant => quote!(0),
        }
    }

    /// Statements calling `F` on every slice of `value`.
    fn visit(&self, value: &Access, depth: usize, mutable: bool) -> TokenStream {
        match self {
            Shape::Leaf(ty) => {
                let arg = value.by_ref(mutable);
                let method = if mutable { quote!(for_each_slice_mut) } else { quote!(for_each_slice) };
                quote_spanned!(ty.span()=> <#ty as ::autodiff::Params>::#method(#arg, #F);)
            }
            Shape::Vec(inner) | Shape::Array(inner) => {
                let e = element(depth);
                let body = inner.visit(&Access::Ref(e.clone()), depth + 1, mutable);
                let iter = value.iter(mutable);
                quote!(for #e in #iter { #body })
            }
            Shape::Constant => TokenStream::new(),
        }
    }

    /// Statements calling `F` on every slice of `ours` with the matching
    /// slice of `theirs`; `path` names the field in panic messages.
    fn zip(&self, ours: &Access, theirs: &Access, depth: usize, path: &str) -> TokenStream {
        match self {
            Shape::Leaf(ty) => {
                let (a, b) = (ours.by_ref(true), theirs.by_ref(false));
                quote_spanned!(ty.span()=> <#ty as ::autodiff::Params>::zip_slices_mut(#a, #b, #F);)
            }
            Shape::Vec(inner) | Shape::Array(inner) => {
                let (e, o) = (element(depth), format_ident!("__autodiff_o{depth}"));
                let body =
                    inner.zip(&Access::Ref(e.clone()), &Access::Ref(o.clone()), depth + 1, &format!("{path}[..]"));
                let (a, b) = (ours.iter(true), theirs.iter(false));
                let check = matches!(self, Shape::Vec(_)).then(|| {
                    let (a_len, b_len) = (ours.len(), theirs.len());
                    let message = format!(
                        "Params::zip_slices_mut: `{path}` differs in length between the two values; both must have the same shape"
                    );
                    quote!(::core::assert_eq!(#a_len, #b_len, #message);)
                });
                quote! {
                    #check
                    for (#e, #o) in #a.zip(#b) { #body }
                }
            }
            Shape::Constant => TokenStream::new(),
        }
    }
}

/// Where a value being walked is.
enum Access {
    /// A place expression of the field's type (`self.w`).
    Place(TokenStream),
    /// A variable holding a reference to it (a loop's element).
    Ref(Ident),
}

impl Access {
    /// A reference to the value, `&x` / `&mut x`.
    fn by_ref(&self, mutable: bool) -> TokenStream {
        match (self, mutable) {
            (Access::Place(place), false) => quote!(&#place),
            (Access::Place(place), true) => quote!(&mut #place),
            (Access::Ref(var), _) => quote!(#var),
        }
    }

    /// The value itself, for indexing.
    fn place(&self) -> TokenStream {
        match self {
            Access::Place(place) => place.clone(),
            Access::Ref(var) => quote!(#var),
        }
    }

    /// An iterator over its elements.
    fn iter(&self, mutable: bool) -> TokenStream {
        let target = match self {
            Access::Place(place) => place.clone(),
            Access::Ref(var) => quote!(#var),
        };
        if mutable {
            quote!(#target.iter_mut())
        } else {
            quote!(#target.iter())
        }
    }

    /// Its number of elements.
    fn len(&self) -> TokenStream {
        match self {
            Access::Place(place) => quote!(#place.len()),
            Access::Ref(var) => quote!(#var.len()),
        }
    }
}

/// The loop variable for an element at nesting `depth`.
fn element(depth: usize) -> Ident {
    format_ident!("__autodiff_e{depth}")
}

/// The index variable for an array element at nesting `depth`.
fn index(depth: usize) -> Ident {
    format_ident!("__autodiff_i{depth}")
}

/// Whether a collection of `elem` is a leaf (`Vec<f64>`, `[f64; N]`,
/// `[[f64; N]; M]`, `Vec<[f64; N]>`): `elem` is `f64` or `[f64; K]`.
fn is_leaf_element(elem: &Type) -> bool {
    match elem {
        Type::Paren(inner) => is_leaf_element(&inner.elem),
        Type::Group(inner) => is_leaf_element(&inner.elem),
        Type::Array(array) => is_float(&array.elem),
        ty => is_float(ty),
    }
}

/// Whether `ty` holds no float (by its syntax): an integer, `bool`, `char`
/// or `String`, or an array, `Vec`, `Option` or tuple of those.
fn is_constant(ty: &Type) -> bool {
    const PRIMITIVES: [&str; 16] = [
        "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize", "bool", "char",
        "String", "str",
    ];
    match ty {
        Type::Paren(inner) => is_constant(&inner.elem),
        Type::Group(inner) => is_constant(&inner.elem),
        Type::Array(array) => is_constant(&array.elem),
        Type::Tuple(tuple) => !tuple.elems.is_empty() && tuple.elems.iter().all(is_constant),
        Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else { return false };
            match &last.arguments {
                PathArguments::None => PRIMITIVES.iter().any(|name| last.ident == name),
                PathArguments::AngleBracketed(args) if last.ident == "Vec" || last.ident == "Option" => {
                    matches!(args.args.iter().collect::<Vec<_>>().as_slice(),
                        [GenericArgument::Type(elem)] if is_constant(elem))
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether `ty` is written `f64` or `f32`.
fn is_float(ty: &Type) -> bool {
    match ty {
        Type::Paren(inner) => is_float(&inner.elem),
        Type::Group(inner) => is_float(&inner.elem),
        Type::Path(path) => path.qself.is_none() && (path.path.is_ident("f64") || path.path.is_ident("f32")),
        _ => false,
    }
}

/// `T` if `ty` is written `Vec<T>` (or `std::vec::Vec<T>`, `alloc::vec::Vec<T>`).
fn vec_element(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let segments: Vec<String> = path.path.segments.iter().map(|s| s.ident.to_string()).collect();
    let is_vec = matches!(
        segments.iter().map(String::as_str).collect::<Vec<_>>().as_slice(),
        ["Vec"] | ["std" | "alloc", "vec", "Vec"]
    );
    if !is_vec {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else { return None };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(elem)] => Some(elem),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The derive's output for `input`, or its error messages.
    fn run(input: TokenStream) -> Result<syn::ItemImpl, Vec<String>> {
        let input: DeriveInput = syn::parse2(input).expect("test inputs parse");
        match expand(&input) {
            Ok(tokens) => Ok(syn::parse2(tokens).expect("the derive emits one impl")),
            Err(error) => Err(error.into_iter().map(|e| e.to_string()).collect()),
        }
    }

    fn method_names(item: &syn::ItemImpl) -> Vec<String> {
        item.items
            .iter()
            .filter_map(|i| match i {
                syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn implements_every_required_method_of_the_trait() {
        let item = run(quote!(
            struct Mlp {
                w: [[f64; 2]; 3],
                b: Vec<f64>,
            }
        ))
        .unwrap();
        assert_eq!(item.trait_.as_ref().unwrap().1, parse_quote!(::autodiff::Params));
        assert_eq!(
            method_names(&item),
            ["zeros_like", "num_params", "for_each_slice", "for_each_slice_mut", "zip_slices_mut"]
        );
    }

    #[test]
    fn classifies_fields_by_their_syntax() {
        let leaf = |ty: Type| matches!(Shape::of(&ty), Shape::Leaf(_));
        for ty in [
            parse_quote!(f64),
            parse_quote!([f64; 3]),
            parse_quote!([[f64; N]; M]),
            parse_quote!(Vec<f64>),
            parse_quote!(std::vec::Vec<[f64; 4]>),
            parse_quote!(Layer),
            parse_quote!(Box<Layer>),
        ] {
            assert!(leaf(ty));
        }
        assert!(matches!(Shape::of(&parse_quote!(Vec<Layer>)), Shape::Vec(inner) if matches!(*inner, Shape::Leaf(_))));
        assert!(matches!(Shape::of(&parse_quote!([Layer; 2])), Shape::Array(_)));
        // Three levels of f64 arrays: an array of matrices.
        assert!(
            matches!(Shape::of(&parse_quote!([[[f64; 2]; 2]; 2])), Shape::Array(inner) if matches!(*inner, Shape::Leaf(_)))
        );
        assert!(
            matches!(Shape::of(&parse_quote!(Vec<[Layer; 2]>)), Shape::Vec(inner) if matches!(*inner, Shape::Array(_)))
        );
        assert!(matches!(Shape::of(&parse_quote!(Vec<Vec<f64>>)), Shape::Vec(_)));
    }

    #[test]
    fn fields_without_floats_are_constants() {
        let constant = |ty: Type| matches!(Shape::of(&ty), Shape::Constant);
        for ty in [
            parse_quote!(usize),
            parse_quote!(bool),
            parse_quote!(String),
            parse_quote!(Vec<usize>),
            parse_quote!([i32; 3]),
            parse_quote!(Option<u8>),
            parse_quote!((usize, bool)),
        ] {
            assert!(constant(ty));
        }
        for ty in [parse_quote!(f64), parse_quote!(Vec<(usize, f64)>), parse_quote!(Option<f64>), parse_quote!(Act)] {
            assert!(!constant(ty));
        }
        let item = run(quote!(
            struct Layer {
                w: Vec<f64>,
                n: usize,
            }
        ))
        .unwrap();
        let text = item.to_token_stream().to_string();
        assert!(text.contains("n : :: core :: clone :: Clone :: clone (& self . n)"), "{text}");
        assert!(!text.contains("self . n , __autodiff_f"), "{text}");
    }

    #[test]
    fn empty_struct_has_zero_parameters() {
        let item = run(quote!(
            struct Nothing {}
        ))
        .unwrap();
        let text = item.to_token_stream().to_string();
        assert!(text.contains("fn num_params (& self) -> usize { 0 }"), "{text}");
    }

    #[test]
    fn type_parameters_get_a_params_bound() {
        let item = run(quote!(
            struct Stack<L, const N: usize> {
                layers: [L; N],
            }
        ))
        .unwrap();
        let where_clause = item.generics.where_clause.unwrap();
        assert_eq!(where_clause.predicates.len(), 1);
        assert_eq!(where_clause.predicates[0], parse_quote!(L: ::autodiff::Params));
    }

    #[test]
    fn vec_fields_check_lengths_in_zip() {
        let item = run(quote!(
            struct Net {
                layers: Vec<Layer>,
            }
        ))
        .unwrap();
        let text = item.to_token_stream().to_string();
        assert!(text.contains("`Net.layers` differs in length"), "{text}");
    }

    #[test]
    fn rejects_unions_tuple_and_unit_structs() {
        let cases = [
            (
                quote!(
                    union U {
                        a: f64,
                    }
                ),
                "unions are not supported",
            ),
            (
                quote!(
                    struct T(f64);
                ),
                "a tuple struct's fields have no names",
            ),
            (
                quote!(
                    struct Unit;
                ),
                "a unit struct has no parameters",
            ),
        ];
        for (input, message) in cases {
            let errors = run(input).unwrap_err();
            assert_eq!(errors.len(), 1);
            assert!(errors[0].starts_with("`#[derive(Params)]` needs a struct with named fields"), "{errors:?}");
            assert!(errors[0].contains(message), "{errors:?}");
        }
    }

    #[test]
    fn an_enum_is_one_of_settings_and_holds_no_weights() {
        let input: DeriveInput = syn::parse_quote!(
            enum Act {
                Relu,
                Leaky(f64),
                Power(i32, [f32; 2]),
                Clip(Option<f64>),
                Named(&'static str),
            }
        );
        let settings = expand(&input).unwrap().to_string();
        assert!(settings.contains("fn num_params (& self) -> usize { 0 }"), "{settings}");
        assert!(settings.contains(":: autodiff :: guards :: Settings for Act"), "{settings}");
        let errors = run(quote!(
            enum Head {
                Plain,
                Linear(Lin, f64),
                Deep(Vec<Lin>),
            }
        ))
        .unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors.iter().all(|e| e.contains("an enum of settings, with no parameter to train")), "{errors:?}");
    }

    #[test]
    fn f32_fields_are_leaves_like_f64_ones() {
        let item = run(quote!(
            struct M {
                a: f32,
                b: f64,
                c: Vec<[f32; 2]>,
                d: [f32; 3],
            }
        ))
        .expect("f32 fields are accepted");
        let text = item.to_token_stream().to_string();
        // Each field's own `Params` methods are called: no element-by-element walk.
        let leaf = |ty: &str| text.contains(&format!("< {ty} as :: autodiff :: Params > :: for_each_slice (& self"));
        assert!(leaf("Vec < [f32 ; 2] >") && leaf("[f32 ; 3]") && leaf("f32"), "{text}");
    }

    #[test]
    fn rejects_lifetimes() {
        let errors = run(quote!(
            struct View<'a> {
                w: &'a [f64],
            }
        ))
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("does not support lifetime parameters"), "{errors:?}");
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        let out = derive(quote!(struct));
        assert!(out.to_string().contains("compile_error"), "{out}");
    }
}
