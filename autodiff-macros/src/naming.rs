//! Every identifier the macro invents is made here.
//!
//! Names of the generated functions follow the contract (`NAME_grad`,
//! `NAME_vjp`). Locals that the macro invents (`__t1`, `__bar_x`, the `seed`
//! parameter) are created at `Span::mixed_site()`, so they cannot capture or
//! be captured by the user's names; a user variable that lowering had to
//! rename (shadowing) keeps the user's span and gets a suffix that no
//! identifier of the function uses. Names are deterministic: counters, no
//! hashing.

use proc_macro2::Span;
use quote::format_ident;
use syn::visit::Visit;
use syn::{Ident, ItemFn};

use crate::names::NameSet;

#[derive(Clone)]
pub struct Namer {
    taken: NameSet,
    /// Names the generated functions give to something else (the shadows
    /// `d_x` of the contract): a user binding with one of them is renamed.
    reserved: NameSet,
    temps: usize,
}

impl Namer {
    /// Reserves every identifier that appears anywhere in `item`.
    pub fn new(item: &ItemFn) -> Self {
        struct Collect<'a>(&'a mut NameSet);
        impl Visit<'_> for Collect<'_> {
            fn visit_ident(&mut self, ident: &Ident) {
                self.0.insert(name_of(ident));
            }
        }
        let mut taken = NameSet::default();
        Collect(&mut taken).visit_item_fn(item);
        Namer { taken, reserved: NameSet::default(), temps: 0 }
    }

    /// Keeps `names` for the generated functions' own parameters: a user
    /// binding named like one (`let mut d_x = ..` beside a parameter `x`)
    /// is renamed rather than capturing the caller's shadow.
    pub fn reserve<'a>(&mut self, names: impl IntoIterator<Item = &'a Ident>) {
        self.reserved.extend(names.into_iter().map(Ident::to_string));
    }

    /// The name of a user binding: its own name the first time, a suffixed
    /// one when an earlier binding of the same name exists (shadowing).
    pub fn binding(&mut self, ident: &Ident, first: bool) -> Ident {
        if first && !self.reserved.contains(&ident.to_string()) {
            return ident.clone();
        }
        let mut n = 1usize;
        loop {
            let candidate = format_ident!("{}_{}", ident, n);
            if self.taken.insert(candidate.to_string()) {
                return candidate;
            }
            n += 1;
        }
    }

    /// A fresh temporary of lowering: `__t1`, `__t2`, ...
    pub fn temp(&mut self) -> Ident {
        self.temps += 1;
        self.fresh(&format!("__t{}", self.temps))
    }

    /// A fresh invented local named after `base` (`__bar_x`, `__saved_x`).
    pub fn fresh(&mut self, base: &str) -> Ident {
        // A base made from a raw identifier (`__bar_r#x`) names `x`.
        let base = if base.as_bytes().contains(&b'#') { base.replace("r#", "") } else { base.to_owned() };
        let mut name = base.clone();
        let mut n = 1;
        while !self.taken.insert(name.clone()) {
            n += 1;
            name = format!("{base}_{n}");
        }
        Ident::new(&name, Span::mixed_site())
    }
}

/// The name `ident` stands for, without the `r#` of a raw identifier:
/// `r#x` and `x` are one name.
pub fn name_of(ident: &Ident) -> String {
    let name = ident.to_string();
    match name.strip_prefix("r#") {
        Some(bare) => bare.to_owned(),
        None => name,
    }
}

/// A base for an invented local derived from `ident`: `("__bar_", x)` →
/// `__bar_x`; `r#x` gives the same.
pub fn derived_base(prefix: &str, ident: &Ident) -> String {
    format!("{prefix}{}", name_of(ident).trim_start_matches('_'))
}

/// The adjoint's name for a variable called `ident`: `x` → `__bar_x`.
pub fn adjoint_base(ident: &Ident) -> String {
    derived_base("__bar_", ident)
}

pub fn grad_fn(ident: &Ident) -> Ident {
    format_ident!("{}_grad", ident)
}

pub fn vjp_fn(ident: &Ident) -> Ident {
    format_ident!("{}_vjp", ident)
}

pub fn jvp_fn(ident: &Ident) -> Ident {
    format_ident!("{}_jvp", ident)
}

/// The name the user wrote for a binding: lowering renames a binding that
/// shadows another (`i` of a second loop → `i_1`), keeping the span of the
/// name as written, which labels and messages show; a method's `self` is `self`.
pub fn user_name(ident: &Ident) -> String {
    let name = name_of(ident);
    // A method's `self`, a parameter while the method is differentiated.
    if name == crate::method::PLACEHOLDER {
        return "self".to_owned();
    }
    let written = ident.span().source_text().map(|text| text.trim_start_matches("r#").to_owned());
    let is_suffixed = |written: &str| {
        let suffix = name.strip_prefix(written).and_then(|rest| rest.strip_prefix('_'));
        suffix.is_some_and(|digits| !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
    };
    match written {
        Some(written) if is_suffixed(&written) => written,
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_identifiers_name_their_bare_word() {
        let raw: Ident = syn::parse_quote!(r#type);
        assert_eq!(name_of(&raw), "type");
        assert_eq!(adjoint_base(&raw), "__bar_type");
        let item: ItemFn = syn::parse_quote!(
            fn f(r#x: f64) -> f64 {
                x
            }
        );
        let mut namer = Namer::new(&item);
        assert_eq!(namer.fresh("__saved_r#x").to_string(), "__saved_x");
        // `x` is taken by `r#x`.
        assert_eq!(namer.binding(&raw, false).to_string(), "type_1");
        assert!(!namer.taken.insert("x".to_owned()));
    }

    #[test]
    fn a_binding_named_like_a_shadow_is_renamed() {
        let item: ItemFn = syn::parse_quote! {
            fn f(x: &[f64]) -> f64 {
                let d_x = x[0];
                d_x
            }
        };
        let mut namer = Namer::new(&item);
        namer.reserve([&format_ident!("d_x")]);
        let local = format_ident!("d_x");
        assert_eq!(namer.binding(&local, true), "d_x_1");
        assert_eq!(namer.binding(&local, true), "d_x_2");
        assert_eq!(namer.binding(&format_ident!("y"), true), "y");
    }
}
