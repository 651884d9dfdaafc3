//! `#[grad]` on a method taking `&self`, in an `impl` block.
//!
//! The method is differentiated as the free function it is: `self` becomes
//! a parameter `__self: &Self` (a model, with its shadow, like any `&T`
//! parameter; a constant when `wrt(..)` leaves `self` out), the pipeline
//! runs unchanged, and its functions become methods again: `__self` is
//! `self` (the parameter `self: &Self` is the receiver `&self`), its shadow
//! `d___self` is `d_self` (and `v_self`, `hv_self` in `NAME_hvp`), and the
//! generated functions call each other as `Self::NAME_vjp(..)`.
//!
//! ```text
//! impl Line { #[grad] fn loss(&self, x: f64, y: f64) -> f64 { .. } }
//! ```
//! gives, beside `loss`, `loss_grad(&self, d_self: &mut Self, x, y)`,
//! `loss_vjp(.., seed)`, and with `forward` / `hessian` `loss_jvp(&self,
//! d_self: &Self, x, dx, y, dy)` and `loss_hvp`.
//!
//! Calls `self.loss(..)` and `model.loss(..)` inside `#[grad]` code go
//! through the method's companion, whose functions (an `impl` block cannot
//! hold the companion type) are hidden methods beside it: `__loss_vjp`,
//! `__loss_fwd`, `__loss_rev`, `__loss_jvp`, .. (`companion::of_method`).
//! They differentiate `self`, so they exist only when `loss` does (`Self:
//! Params`); a call on a receiver the caller does not differentiate goes
//! through the twin `__loss_constant_self` instead, whose companion has the
//! slots of every float parameter but `self` (any `Self`). A call on a
//! differentiated model of a method that leaves `self` out of `wrt` finds
//! no `__loss_vjp`: a compile error rather than a missing partial.
//!
//! The floats `wrt` leaves out are constants in both companions, as in a
//! free function's (`Signature::left_out`), so they may be passed to plain
//! functions. Where a free function's companion implements
//! `guards::LeavesOut<I>`, a method states each as an associated constant,
//! `__loss_left_out_I` (`__loss_constant_self_left_out_I`), which a caller
//! passing that parameter a varied value names and `guards::varied_argument`
//! refuses; the caller's own defaults (`left_out_fallback`) answer for the
//! others.

use proc_macro2::{Group, Ident, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::visit_mut::VisitMut;
use syn::{FnArg, ItemFn};

/// What `self` is called while the method is differentiated as a function.
pub(crate) const PLACEHOLDER: &str = "__self";

/// Whether `item` is a method (its first parameter is a receiver).
pub fn is_method(item: &ItemFn) -> bool {
    matches!(item.sig.inputs.first(), Some(FnArg::Receiver(_)))
}

pub fn expand(args: TokenStream, item: &ItemFn) -> TokenStream {
    let Some(FnArg::Receiver(receiver)) = item.sig.inputs.first() else { return item.to_token_stream() };
    if receiver.reference.is_none() || receiver.mutability.is_some() || receiver.colon_token.is_some() {
        let error = syn::Error::new_spanned(
            receiver,
            "#[grad] differentiates methods that take `&self`; take `&self`, or make it a free function",
        )
        .to_compile_error();
        return quote!(#error #item);
    }
    // The method's companions are methods beside it, which the expansion
    // cannot give generics of their own: `T` would read as no float.
    if let Some(param) = item.sig.generics.type_params().next() {
        let name = &item.sig.ident;
        let param = &param.ident;
        let error = syn::Error::new_spanned(
            &item.sig.generics,
            format!(
                "#[grad] does not support a method with generic parameters of its own (`{name}<{param}: Float>`); \
                 write the method for `f64` (or `f32`), or make it a generic free function taking the struct \
                 by reference (`#[grad(wrt(x))] fn {name}<{param}: Float>(s: &MyStruct, x: {param}) -> {param}`)"
            ),
        )
        .to_compile_error();
        return quote!(#error #item);
    }
    let function = match as_function(item) {
        Ok(function) => function,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#error #item);
        }
    };
    let args = rename(args, "self", PLACEHOLDER);
    let parsed = crate::attr::parse(args.clone()).ok();
    let self_differentiated = parsed
        .as_ref()
        .is_some_and(|parsed| parsed.wrt.as_ref().is_none_or(|wrt| wrt.iter().any(|name| name == PLACEHOLDER)));
    let expanded = crate::expand::expand_function(args, &function, crate::expand::Companion::Dropped);
    // The companion differentiates `self`: only for a method that does
    // (`Self: Params`), called on a differentiated model.
    let keep = Keep { functions: true, companion: self_differentiated };
    let mut methods = into_methods(expanded, &item.sig.ident, &item.vis, keep);
    if let Some(parsed) = parsed {
        methods.extend(constant_self_variant(&parsed, &function));
    }
    methods
}

/// The name of the method's twin for calls on a constant `self`.
pub fn constant_self_name(method: &Ident) -> Ident {
    quote::format_ident!("__{}_constant_self", method)
}

/// Items that make a call of a method without a derivative fail with a
/// message naming the method and the fix, rather than rustc's "no
/// associated item named `____stretch_constant_self_fwd`". The macro sees
/// one method at a time and cannot tell whether `method` has `#[grad]`, so
/// the caller declares, in the generated functions, a trait whose items
/// have the names of the method's companion functions (`of_constant`: of
/// its twin for a constant `self`) and which every type implements only
/// with `__has_a_derivative`, which none does. A method with `#[grad]` has
/// them as inherent items, which rustc takes first; without it, the path
/// finds only this trait's, whose unmet bound gives the message
/// (`diagnostic::on_unimplemented`). Beside them, the defaults of the
/// method's verdicts on its parameters (`left_out_fallback`), for a call of
/// `arity` arguments, the receiver included.
pub fn missing_derivative_fallback(method: &Ident, of_constant: bool, arity: usize) -> Vec<syn::Item> {
    use crate::companion::{of_method, FWD, JVP, REV, TANGENT, VJP, VJP_IN_PLACE};
    let base = if of_constant { constant_self_name(method) } else { method.clone() };
    let mut names: Vec<Ident> =
        [VJP, VJP_IN_PLACE, FWD, REV, JVP, TANGENT].iter().map(|s| of_method(&base, s)).collect();
    let tangent = of_method(&base, TANGENT);
    names.extend([VJP, FWD, REV].iter().map(|s| quote::format_ident!("{}_{}", tangent, s)));
    let span = method.span();
    let fallback = quote::format_ident!("__autodiff_fallback_{}", base, span = span);
    let marker = quote::format_ident!("__autodiff_has_a_derivative_{}", base, span = span);
    let (message, label, note) = if of_constant {
        (
            format!("`{method}` has no derivative that #[grad] code can call"),
            "called here with a differentiated argument",
            format!(
                "put `#[grad]` on `{method}`, or pass it only values that are not differentiated; if it has \
                 `#[grad]`, give it the modes of the calling function (`#[grad(forward, reverse)]` for a `_jvp`, \
                 `#[grad(forward, reverse, hessian)]` for a `_hvp`), \
                 and check that its body differentiates with `self` constant: `#[grad(wrt(..))]` on it without \
                 `self` reports what does not"
            ),
        )
    } else {
        (
            format!("`{method}` has no derivative in its model that #[grad] code can call"),
            "called here on a differentiated model",
            format!(
                "put `#[grad]` on `{method}` with `self` differentiated (not left out of `wrt(..)`) and the \
                 modes of the calling function (`hessian` too for a `_hvp`), or call it on a model that is not \
                 differentiated"
            ),
        )
    };
    let mut items = left_out_fallback(&base, arity, span);
    items.extend([
        syn::parse_quote_spanned! {span=>
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            #[allow(non_camel_case_types, dead_code)]
            trait #marker {}
        },
        syn::parse_quote_spanned! {span=>
            #[allow(non_camel_case_types, non_upper_case_globals, dead_code)]
            trait #fallback {
                #(const #names: () = ();)*
            }
        },
        syn::parse_quote_spanned! {span=>
            impl<T: ?::core::marker::Sized + #marker> #fallback for T {}
        },
    ]);
    items
}

/// For calls on a receiver that is not differentiated (`spring.energy(x)`,
/// `model.predict(x)` with `model` left out of `wrt`): the method again,
/// hidden, as `__NAME_constant_self`, with a companion that differentiates
/// every float parameter but `self` (which needs no `Self: Params`). None
/// beside a custom derivative, whose signature differentiates `self`.
fn constant_self_variant(args: &crate::attr::Args, function: &ItemFn) -> TokenStream {
    if args.custom_vjp.is_some() || args.custom_jvp.is_some() {
        return TokenStream::new();
    }
    let name = constant_self_name(&function.sig.ident);
    let mut variant = function.clone();
    variant.sig.ident = name.clone();
    variant.attrs = vec![syn::parse_quote!(#[doc(hidden)]), syn::parse_quote!(#[allow(dead_code)])];
    let wrt = differentiated_but_self(&variant, args.wrt.as_deref());
    if wrt.is_empty() {
        // Nothing to differentiate: calls of it are kept as written.
        return TokenStream::new();
    }
    // The floats the method leaves out of `wrt(..)` keep their slots and
    // are constants, for its callers too (`expand::ForCallers`).
    let left_out: Vec<Ident> = match &args.wrt {
        Some(named) => wrt.iter().filter(|param| !named.iter().any(|name| same_name(name, param))).cloned().collect(),
        None => Vec::new(),
    };
    let modes = [
        args.reverse.then(|| quote!(reverse)),
        args.forward.as_ref().map(|_| quote!(forward)),
        args.hessian.as_ref().map(|_| quote!(hessian)),
    ];
    let modes = modes.into_iter().flatten();
    let variant_args = quote!(#(#modes,)* wrt(#(#wrt),*));
    // An error here is one of the method's own, reported by its expansion.
    // A method that differentiates `self` compiles only for `Self: Params`:
    // its twin reads `self`'s fields as the method does.
    let self_differentiated = args.wrt.as_ref().is_none_or(|wrt| wrt.iter().any(|name| name == PLACEHOLDER));
    let models =
        if self_differentiated { vec![Ident::new(PLACEHOLDER, proc_macro2::Span::call_site())] } else { Vec::new() };
    let for_callers = crate::expand::ForCallers { wrt, left_out, models };
    let Ok(generated) =
        crate::expand::try_expand_with(variant_args, &variant, crate::expand::Companion::Dropped, Some(for_callers))
    else {
        return TokenStream::new();
    };
    into_methods(quote!(#variant #generated), &name, &function.vis, Keep { functions: false, companion: true })
}

/// The parameters but `self` that the method's callers differentiate (see
/// `expand::differentiated_for_callers`): floats, float arrays, and the
/// structs `wrt` names.
fn differentiated_but_self(function: &ItemFn, wrt: Option<&[Ident]>) -> Vec<Ident> {
    let mut names = crate::expand::differentiated_for_callers(function, wrt);
    names.retain(|name| name != PLACEHOLDER);
    names
}

fn same_name(a: &Ident, b: &Ident) -> bool {
    crate::naming::name_of(a) == crate::naming::name_of(b)
}

/// Which parts of an expansion become items of the `impl` block.
struct Keep {
    /// The generated functions (`NAME_grad`, ..); the function itself is
    /// always kept.
    functions: bool,
    /// The companion's functions.
    companion: bool,
}

/// `item` with `&self` as the parameter `__self: &Self`.
fn as_function(item: &ItemFn) -> syn::Result<ItemFn> {
    let mut function = item.clone();
    let placeholder = Ident::new(PLACEHOLDER, proc_macro2::Span::call_site());
    if let Some(first) = function.sig.inputs.first_mut() {
        let span = syn::spanned::Spanned::span(&*first);
        let self_ty = quote::quote_spanned!(span=> &Self);
        *first = syn::parse2(quote!(#placeholder: #self_ty))?;
    }
    function.block = syn::parse2(rename(item.block.to_token_stream(), "self", PLACEHOLDER))?;
    Ok(function)
}

/// `tokens` with every identifier `from` written `to`, spans kept.
fn rename(tokens: TokenStream, from: &str, to: &str) -> TokenStream {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Ident(ident) if ident == from => TokenTree::Ident(Ident::new(to, ident.span())),
            TokenTree::Group(group) => {
                let mut renamed = Group::new(group.delimiter(), rename(group.stream(), from, to));
                renamed.set_span(group.span());
                TokenTree::Group(renamed)
            }
            tree => tree,
        })
        .collect()
}

/// The expansion of the function, as items of the `impl` block: its
/// functions as methods, its errors, and its companion's functions as
/// hidden methods beside it (`vjp` as `__NAME_vjp`, see
/// `companion::of_method`), since an `impl` block cannot hold the companion
/// type.
fn into_methods(expanded: TokenStream, name: &Ident, vis: &syn::Visibility, keep: Keep) -> TokenStream {
    let Ok(file) = syn::parse2::<syn::File>(expanded.clone()) else { return expanded };
    let mut methods = Methods { name: name.clone(), names: generated_names(name) };
    file.items
        .into_iter()
        .flat_map(|item| match item {
            syn::Item::Fn(mut function) if keep.functions || function.sig.ident == *name => {
                methods.visit_item_fn_mut(&mut function);
                vec![function.into_token_stream()]
            }
            syn::Item::Macro(error) => vec![error.into_token_stream()],
            syn::Item::Impl(guard) if keep.companion && guard.trait_.is_some() && is_companion_type(&guard, name) => {
                left_out_const(&guard, name, vis).into_iter().collect()
            }
            syn::Item::Impl(companion) if keep.companion && is_companion(&companion, name) => companion
                .items
                .into_iter()
                .filter_map(|item| match item {
                    syn::ImplItem::Fn(mut function) => {
                        function.sig.ident = crate::companion::of_method(name, &function.sig.ident.to_string());
                        function.attrs.push(syn::parse_quote!(#[allow(dead_code)]));
                        methods.visit_impl_item_fn_mut(&mut function);
                        Some(function.into_token_stream())
                    }
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// Whether `item` is the `impl` of the companion type named like the method.
fn is_companion(item: &syn::ItemImpl, name: &Ident) -> bool {
    item.trait_.is_none() && is_companion_type(item, name)
}

fn is_companion_type(item: &syn::ItemImpl, name: &Ident) -> bool {
    matches!(&*item.self_ty, syn::Type::Path(path) if path.path.is_ident(name))
}

/// What the companion says of a parameter `I` the method leaves out of
/// `wrt(..)`, `impl guards::LeavesOut<I> for NAME {}`, as an item of the
/// `impl` block: `const __NAME_left_out_I: guards::LeftOutOfWrt<Self>`. A
/// caller passing that parameter a varied value names it, and finds this
/// verdict rather than its own fallback, `guards::Differentiated`
/// (`left_out_fallback`), which `guards::varied_argument` refuses.
fn left_out_const(guard: &syn::ItemImpl, name: &Ident, vis: &syn::Visibility) -> Option<TokenStream> {
    let (_, path, _) = guard.trait_.as_ref()?;
    let last = path.segments.last().filter(|last| last.ident == "LeavesOut")?;
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else { return None };
    let Some(syn::GenericArgument::Const(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(index), .. }))) =
        arguments.args.first()
    else {
        return None;
    };
    let index: usize = index.base10_parse().ok()?;
    let constant = left_out_name(name, index);
    Some(quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        #vis const #constant: ::autodiff::guards::LeftOutOfWrt<Self> = ::autodiff::guards::LeftOutOfWrt::new();
    })
}

/// The associated constant that says a method (or its twin, `base`) leaves
/// its parameter `index` out of `wrt(..)`.
pub fn left_out_name(base: &Ident, index: usize) -> Ident {
    crate::companion::of_method(base, &crate::companion::left_out(index))
}

/// The caller's defaults for `left_out_name`s of a method it calls with
/// `arity` arguments, the receiver included: `guards::Differentiated`,
/// which an inherent constant of the method (`left_out_const`) shadows.
fn left_out_fallback(base: &Ident, arity: usize, span: proc_macro2::Span) -> Vec<syn::Item> {
    let names = (0..arity).map(|i| left_out_name(base, i));
    let fallback = quote::format_ident!("__autodiff_wrt_{}", base, span = span);
    vec![
        syn::parse_quote_spanned! {span=>
            #[allow(non_camel_case_types, non_upper_case_globals, dead_code)]
            trait #fallback {
                #(const #names: ::autodiff::guards::Differentiated = ::autodiff::guards::Differentiated;)*
            }
        },
        syn::parse_quote_spanned! {span=>
            impl<T: ?::core::marker::Sized> #fallback for T {}
        },
    ]
}

fn generated_names(name: &Ident) -> Vec<Ident> {
    let mut names = vec![name.clone()];
    names.extend(["grad", "vjp", "jvp", "hvp"].iter().map(|suffix| quote::format_ident!("{name}_{suffix}")));
    names
}

/// Turns the generated functions back into methods.
struct Methods {
    /// The method.
    name: Ident,
    /// The method and its generated functions, called as `Self::NAME`.
    names: Vec<Ident>,
}

/// `__self` → `self`, `d___self` → `d_self`, `hv___self` → `hv_self`.
fn restore_self(ident: &mut Ident) {
    let text = ident.to_string();
    if let Some(prefix) = text.strip_suffix(PLACEHOLDER) {
        let prefix = prefix.strip_suffix('_').map_or(prefix.to_owned(), |p| format!("{p}_"));
        *ident = Ident::new(&format!("{prefix}self"), ident.span());
    }
}

/// `restore_self` on every identifier of `tokens`: the arguments of a
/// macro (`vec![0.0; __self.w.len()]`), which syn does not parse.
fn restore_self_in(tokens: TokenStream) -> TokenStream {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Ident(mut ident) => {
                restore_self(&mut ident);
                TokenTree::Ident(ident)
            }
            TokenTree::Group(group) => {
                let mut restored = Group::new(group.delimiter(), restore_self_in(group.stream()));
                restored.set_span(group.span());
                TokenTree::Group(restored)
            }
            tree => tree,
        })
        .collect()
}

impl VisitMut for Methods {
    fn visit_ident_mut(&mut self, ident: &mut Ident) {
        restore_self(ident);
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        mac.tokens = restore_self_in(std::mem::take(&mut mac.tokens));
        syn::visit_mut::visit_macro_mut(self, mac);
    }

    fn visit_expr_path_mut(&mut self, path: &mut syn::ExprPath) {
        let named = path.qself.is_none() && path.path.get_ident().is_some_and(|ident| self.names.contains(ident));
        if named {
            path.path.segments.insert(0, syn::PathSegment::from(Ident::new("Self", proc_macro2::Span::call_site())));
        }
        // `NAME::jvp` (the companion's functions calling each other) →
        // `Self::__NAME_jvp`.
        let segments = &path.path.segments;
        let of_companion = path.qself.is_none() && segments.len() == 2 && segments[0].ident == self.name;
        if of_companion {
            let method = crate::companion::of_method(&self.name, &segments[1].ident.to_string());
            let arguments = segments[1].arguments.clone();
            let mut segment = syn::PathSegment::from(method);
            segment.arguments = arguments;
            path.path.segments = [syn::PathSegment::from(Ident::new("Self", proc_macro2::Span::call_site())), segment]
                .into_iter()
                .collect();
        }
        syn::visit_mut::visit_expr_path_mut(self, path);
    }

    fn visit_attribute_mut(&mut self, attr: &mut syn::Attribute) {
        // Doc links to the method and its siblings: [`Self::NAME`].
        let syn::Meta::NameValue(doc) = &mut attr.meta else { return };
        if !doc.path.is_ident("doc") {
            return;
        }
        let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) = &mut doc.value else { return };
        let mut value = text.value();
        for name in &self.names {
            value = value.replace(&format!("[`{name}`]"), &format!("[`Self::{name}`]"));
        }
        *text = syn::LitStr::new(&value, text.span());
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    #[test]
    fn the_generated_functions_are_methods_that_call_each_other_through_self() {
        let expanded = crate::expand::grad(
            quote!(forward, hessian, reverse),
            quote!(
                fn loss(&self, x: f64) -> f64 {
                    self.w * x
                }
            ),
        );
        let file: syn::File = syn::parse2(expanded).expect("items of an impl block");
        let text = prettyplease::unparse(&file);
        let compact: String = text.split_whitespace().collect();
        let has = |code: &str| compact.contains(&code.split_whitespace().collect::<String>());
        assert!(has("fn loss_grad(self: &Self, d_self: &mut Self, x: f64) -> (f64, f64)"), "{text}");
        assert!(has("Self::loss_vjp(self, d_self, x, 1.0)"), "{text}");
        assert!(has("fn loss_jvp(self: &Self, d_self: &Self, x: f64"), "{text}");
        assert!(has("fn loss_hvp(self: &Self, v_self: &Self, hv_self: &mut Self, x: f64"), "{text}");
        // No companion type: an `impl` block cannot hold one.
        assert!(file.items.iter().all(|item| matches!(item, syn::Item::Fn(_))), "{text}");
        assert!(!text.contains("__self"), "{text}");
    }
}
