//! The user's attributes on a `#[grad]` function: which ones the generated
//! functions carry, and which ones cannot go with `#[grad]` at all.
//!
//! Carried: docs, lints (`allow`, `deny`, ..), `inline`, `must_use`,
//! `deprecated`, `track_caller`, `cold`, `cfg_attr`, and anything else that
//! describes a function rather than names or exports it. (`cfg` never
//! arrives here after `#[grad]`: rustc removes or keeps the whole item
//! before the macro runs.) Not carried: `no_mangle`, `export_name`,
//! `link_section` (one symbol per name) and the test harness's `ignore`,
//! `should_panic`.
//!
//! Rejected, each with an error at the attribute: a second `#[grad]` (under
//! any path, `#[autodiff::grad]`), and `#[test]` / `#[bench]`: a test takes
//! no parameters and returns no float, and the harness would drop the
//! function from non-test builds while its derivative stays.

use syn::{Attribute, ItemFn};

use crate::ctxt::Ctxt;

/// Attributes that name, export or test the original function.
const DROPPED: &[&str] = &["no_mangle", "export_name", "link_section", "ignore", "should_panic"];

/// The user's attributes that make sense on the generated functions.
pub fn carried(attrs: &[Attribute]) -> Vec<&Attribute> {
    attrs.iter().filter(|attr| is_carried(attr)).collect()
}

fn is_carried(attr: &Attribute) -> bool {
    let path = attr.path();
    // `#[unsafe(no_mangle)]` and friends.
    let unsafe_wrapper = path.is_ident("unsafe");
    !unsafe_wrapper && !DROPPED.iter().any(|word| path.is_ident(word)) && rejection(attr).is_none()
}

/// Reports every attribute of `item` that cannot go with `#[grad]`.
pub fn check(item: &ItemFn, cx: &Ctxt) {
    for attr in &item.attrs {
        if let Some(message) = rejection(attr) {
            cx.error_spanned_by(attr, message);
        }
    }
}

/// `item` without the attributes that `check` rejects, for the fallback:
/// the function as written still compiles, with no second expansion.
pub fn without_rejected(item: &ItemFn) -> ItemFn {
    let mut item = item.clone();
    item.attrs.retain(|attr| rejection(attr).is_none());
    item
}

fn rejection(attr: &Attribute) -> Option<String> {
    let last = &attr.path().segments.last()?.ident;
    if last == "grad" {
        return Some(
            "#[grad] is given twice; merge its arguments into one `#[grad(..)]` (`#[grad(wrt(a), vjp = ..)]`)"
                .to_owned(),
        );
    }
    if attr.path().is_ident("test") || attr.path().is_ident("bench") {
        return Some(format!(
            "#[grad] cannot go with #[{last}]: a test takes no parameters and returns no float; \
             write the test as a separate function that calls `NAME_grad`"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(item: ItemFn) -> Vec<String> {
        carried(&item.attrs).iter().map(|attr| quote::quote!(#attr).to_string()).collect()
    }

    #[test]
    fn descriptions_are_carried_and_exports_are_not() {
        let item: ItemFn = syn::parse_quote! {
            /// Docs.
            #[inline(always)]
            #[must_use]
            #[deprecated = "use g"]
            #[allow(clippy::float_cmp)]
            #[no_mangle]
            #[export_name = "f"]
            #[should_panic]
            fn f(x: f64) -> f64 { x }
        };
        assert_eq!(
            attrs(item),
            [
                "# [doc = r\" Docs.\"]",
                "# [inline (always)]",
                "# [must_use]",
                "# [deprecated = \"use g\"]",
                "# [allow (clippy :: float_cmp)]",
            ]
        );
    }

    #[test]
    fn a_second_grad_and_test_are_errors_at_the_attribute() {
        let item: ItemFn = syn::parse_quote! {
            #[autodiff::grad(wrt(x))]
            #[test]
            #[inline]
            fn f(x: f64) -> f64 { x }
        };
        let cx = Ctxt::new();
        check(&item, &cx);
        let errors: Vec<String> = cx.check().unwrap_err().into_iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 2);
        assert!(errors[0].contains("given twice"), "{errors:?}");
        assert!(errors[1].contains("cannot go with #[test]"), "{errors:?}");
        assert_eq!(without_rejected(&item).attrs.len(), 1);
    }
}
