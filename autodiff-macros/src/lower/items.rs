//! Items (`const`, `fn`, `struct`, `use`, ...) declared inside the body.
//!
//! The generated functions are flat: an item of the body is declared once,
//! at their top. That keeps its meaning for an item of the body's own block
//! (Rust items are visible in their whole block), and for an item of a
//! nested block whose name nothing outside that block mentions. An item of
//! a nested block whose name is also mentioned outside it would, moved up,
//! shadow what the name means there (or clash with an item of the same name
//! in another block): it is refused, with the way out.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit::Visit;
use syn::{Ident, Item, ItemFn, UseTree};

use crate::ctxt::Ctxt;

/// Reports every item of a nested block of `item`'s body whose name is also
/// mentioned outside that block.
pub fn check_scopes(item: &ItemFn, cx: &Ctxt) {
    let whole = item.to_token_stream();
    let mut nested = NestedItems { depth: 0, found: Vec::new() };
    nested.visit_block(&item.block);
    for (block, declared) in nested.found {
        let inside = block.to_token_stream();
        for name in names(&declared) {
            let Some(name) = name else {
                cx.error_spanned_by(
                    &declared,
                    "a glob `use` inside a nested block is not supported in #[grad] functions; #[grad] moves the \
                     items of a function body to the top of the generated functions: move it to the top of the \
                     function body, or name what it imports",
                );
                continue;
            };
            if mentions(&whole, &name) > mentions(&inside, &name) {
                cx.error_spanned_by(
                    &name,
                    format!(
                        "`{name}` is declared inside a block and also named outside it; #[grad] moves the items of \
                         a function body to the top of the generated functions, where this `{name}` would change \
                         what `{name}` means outside the block: rename it, or declare it once at the top of the \
                         function body"
                    ),
                );
            }
        }
    }
}

/// The items of the blocks nested in a function body, with their block.
struct NestedItems {
    depth: usize,
    found: Vec<(syn::Block, Item)>,
}

impl<'ast> Visit<'ast> for NestedItems {
    fn visit_block(&mut self, block: &'ast syn::Block) {
        if self.depth > 0 {
            for stmt in &block.stmts {
                if let syn::Stmt::Item(item) = stmt {
                    self.found.push((block.clone(), item.clone()));
                }
            }
        }
        self.depth += 1;
        syn::visit::visit_block(self, block);
        self.depth -= 1;
    }

    // What an item's own body declares stays inside that item.
    fn visit_item(&mut self, _: &'ast Item) {}
}

/// The names an item declares (`None` for a glob import, whose names are
/// unknown). A function also stands for the `NAME_grad` / `NAME_vjp` that
/// `#[grad]` may give it.
fn names(item: &Item) -> Vec<Option<Ident>> {
    let one = |ident: &Ident| vec![Some(ident.clone())];
    match item {
        Item::Const(item) => one(&item.ident),
        Item::Static(item) => one(&item.ident),
        Item::Fn(item) => {
            let ident = &item.sig.ident;
            vec![Some(ident.clone()), Some(crate::naming::grad_fn(ident)), Some(crate::naming::vjp_fn(ident))]
        }
        Item::Struct(item) => one(&item.ident),
        Item::Enum(item) => one(&item.ident),
        Item::Union(item) => one(&item.ident),
        Item::Type(item) => one(&item.ident),
        Item::Trait(item) => one(&item.ident),
        Item::TraitAlias(item) => one(&item.ident),
        Item::Mod(item) => one(&item.ident),
        Item::ExternCrate(item) => one(item.rename.as_ref().map_or(&item.ident, |(_, rename)| rename)),
        Item::Macro(item) => item.ident.iter().map(|ident| Some(ident.clone())).collect(),
        Item::Use(item) => {
            let mut names = Vec::new();
            imported(&item.tree, &mut names);
            names
        }
        _ => Vec::new(),
    }
}

fn imported(tree: &UseTree, names: &mut Vec<Option<Ident>>) {
    match tree {
        UseTree::Path(path) => imported(&path.tree, names),
        UseTree::Name(name) if name.ident != "self" => names.push(Some(name.ident.clone())),
        UseTree::Name(_) => {}
        UseTree::Rename(rename) => names.push(Some(rename.rename.clone())),
        UseTree::Glob(_) => names.push(None),
        UseTree::Group(group) => group.items.iter().for_each(|tree| imported(tree, names)),
    }
}

/// How many times `name` occurs in `tokens`.
fn mentions(tokens: &TokenStream, name: &Ident) -> usize {
    tokens
        .clone()
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Ident(ident) => usize::from(ident == *name),
            TokenTree::Group(group) => mentions(&group.stream(), name),
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(item: ItemFn) -> String {
        let cx = Ctxt::new();
        check_scopes(&item, &cx);
        let errors = cx.check().err().into_iter().flatten();
        errors.map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn an_item_in_a_branch_that_shadows_an_outer_name_is_refused() {
        let errors = errors(syn::parse_quote! {
            fn f(x: f64) -> f64 {
                let mut r = K * x;
                if x > 0.0 { const K: f64 = 3.0; r += K * x; }
                r
            }
        });
        assert!(errors.contains("`K` is declared inside a block and also named outside it"), "{errors}");
    }

    #[test]
    fn two_blocks_declaring_one_name_are_refused() {
        let errors = errors(syn::parse_quote! {
            fn f(x: f64) -> f64 {
                let a = { const C: f64 = 2.0; C * x };
                let b = { fn C() -> f64 { 5.0 } C() * x };
                a + b
            }
        });
        assert_eq!(errors.matches("`C` is declared inside a block").count(), 2, "{errors}");
    }

    #[test]
    fn items_of_the_body_and_private_items_of_blocks_are_kept() {
        let errors = errors(syn::parse_quote! {
            fn f(x: f64) -> f64 {
                const K: f64 = 2.0;
                let a = { const C: f64 = 2.0; use std::f64::consts::PI as P; C * x * P };
                let b = { fn g(v: f64) -> f64 { const K: f64 = 1.0; v * K } g(x) };
                K * (a + b)
            }
        });
        assert_eq!(errors, "");
    }
}
