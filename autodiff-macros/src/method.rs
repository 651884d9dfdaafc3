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
//! d_self: &Self, x, dx, y, dy)` and `loss_hvp`. The companion that lets
//! other `#[grad]` functions call a function is not made for a method (an
//! `impl` block cannot hold it), so a call `self.loss(..)` inside `#[grad]`
//! code is refused.

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
    let function = match as_function(item) {
        Ok(function) => function,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#error #item);
        }
    };
    let expanded =
        crate::expand::expand_function(rename(args, "self", PLACEHOLDER), &function, crate::expand::Companion::Dropped);
    into_methods(expanded, &item.sig.ident)
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
/// functions as methods, its errors; not its companion (a type and its
/// `impl`, which an `impl` block cannot hold).
fn into_methods(expanded: TokenStream, name: &Ident) -> TokenStream {
    let Ok(file) = syn::parse2::<syn::File>(expanded.clone()) else { return expanded };
    let mut methods = Methods { names: generated_names(name) };
    file.items
        .into_iter()
        .filter_map(|item| match item {
            syn::Item::Fn(mut function) => {
                methods.visit_item_fn_mut(&mut function);
                Some(function.into_token_stream())
            }
            syn::Item::Macro(error) => Some(error.into_token_stream()),
            _ => None,
        })
        .collect()
}

fn generated_names(name: &Ident) -> Vec<Ident> {
    let mut names = vec![name.clone()];
    names.extend(["grad", "vjp", "jvp", "hvp"].iter().map(|suffix| quote::format_ident!("{name}_{suffix}")));
    names
}

/// Turns the generated functions back into methods.
struct Methods {
    /// The method and its generated functions, called as `Self::NAME`.
    names: Vec<Ident>,
}

impl VisitMut for Methods {
    fn visit_ident_mut(&mut self, ident: &mut Ident) {
        // `__self` → `self`, `d___self` → `d_self`, `hv___self` → `hv_self`.
        let text = ident.to_string();
        if let Some(prefix) = text.strip_suffix(PLACEHOLDER) {
            let prefix = prefix.strip_suffix('_').map_or(prefix.to_owned(), |p| format!("{p}_"));
            *ident = Ident::new(&format!("{prefix}self"), ident.span());
        }
    }

    fn visit_expr_path_mut(&mut self, path: &mut syn::ExprPath) {
        let named = path.qself.is_none() && path.path.get_ident().is_some_and(|ident| self.names.contains(ident));
        if named {
            path.path.segments.insert(0, syn::PathSegment::from(Ident::new("Self", proc_macro2::Span::call_site())));
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
