//! The arguments of `#[grad(..)]`: which derivative families to generate and
//! with respect to which parameters.
//!
//! Accepted forms: `#[grad]`, `#[grad(reverse)]`, `#[grad(forward)]`,
//! `#[grad(hessian)]`, any comma-separated mix of those, `wrt(a, b)`,
//! `vjp = path` (a custom derivative: the function's own body is its primal,
//! `path` its hand-written `NAME_vjp`) and `jvp = path` (the same for
//! `NAME_jvp`); `graph` adds `NAME_graph` beside whichever of those are
//! generated (alone, it keeps the default `reverse`).

use proc_macro2::TokenStream;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, Token};

use crate::symbol::{FORWARD, GRAPH, HESSIAN, JVP, REVERSE, VJP, WRT};

/// The parsed attribute.
#[derive(Clone)]
pub struct Args {
    /// `NAME_grad` and `NAME_vjp`: `reverse`, or no mode at all.
    pub reverse: bool,
    /// `NAME_jvp`, as written (an error can point at it).
    pub forward: Option<Ident>,
    /// `NAME_hvp`, as written.
    pub hessian: Option<Ident>,
    /// `wrt(..)`: the only differentiated parameters; `None` means all.
    pub wrt: Option<Vec<Ident>>,
    /// `vjp = path`: a hand-written derivative with `NAME_vjp`'s signature.
    pub custom_vjp: Option<syn::Path>,
    /// `jvp = path`: a hand-written derivative with `NAME_jvp`'s signature.
    pub custom_jvp: Option<syn::Path>,
    /// `graph`, as written: `NAME_graph`, the computational graph at a point.
    pub graph: Option<Ident>,
}

const USAGE: &str = "expected `#[grad]`, `#[grad(reverse)]`, `#[grad(forward)]`, \
                     `#[grad(hessian)]`, `#[grad(graph)]`, `#[grad(wrt(a, b))]`, `#[grad(vjp = my_vjp)]` or `#[grad(jvp = my_jvp)]`";

pub fn parse(tokens: TokenStream) -> syn::Result<Args> {
    syn::parse2(tokens)
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args {
            reverse: false,
            forward: None,
            hessian: None,
            wrt: None,
            custom_vjp: None,
            custom_jvp: None,
            graph: None,
        };
        let mut any_mode = false;
        let items = Punctuated::<Item, Token![,]>::parse_terminated(input)?;
        for item in items {
            match item {
                Item::Mode(ident) => {
                    any_mode = true;
                    if ident == REVERSE {
                        args.reverse = true;
                    } else if ident == FORWARD {
                        args.forward = Some(ident);
                    } else {
                        args.hessian = Some(ident);
                    }
                }
                Item::Graph(ident) => args.graph = Some(ident),
                Item::Vjp(path) => args.custom_vjp = Some(path),
                Item::Jvp(path) => args.custom_jvp = Some(path),
                Item::Wrt(keyword, names) => {
                    if args.wrt.is_some() {
                        return Err(syn::Error::new(
                            keyword.span(),
                            "`wrt` is given twice; merge the lists into one `wrt(..)`",
                        ));
                    }
                    for (i, name) in names.iter().enumerate() {
                        if names[..i].contains(name) {
                            return Err(syn::Error::new(
                                name.span(),
                                format!("`{name}` appears twice in `wrt`; name it once"),
                            ));
                        }
                    }
                    args.wrt = Some(names);
                }
            }
        }
        if !any_mode {
            args.reverse = true;
        }
        Ok(args)
    }
}

enum Item {
    Mode(Ident),
    Graph(Ident),
    Vjp(syn::Path),
    Jvp(syn::Path),
    Wrt(Ident, Vec<Ident>),
}

impl Parse for Item {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let ident: Ident = input.parse().map_err(|error| syn::Error::new(error.span(), USAGE))?;
        if ident == WRT {
            if !input.peek(syn::token::Paren) {
                return Err(syn::Error::new(ident.span(), "`wrt` takes a list of parameters: `wrt(a, b)`"));
            }
            let content;
            syn::parenthesized!(content in input);
            // `Ident::parse_any`: a method's `wrt` may name `self`.
            let names = Punctuated::<Ident, Token![,]>::parse_terminated_with(&content, Ident::parse_any)?;
            if names.is_empty() {
                return Err(syn::Error::new(
                    ident.span(),
                    "`wrt()` names no parameter; list the parameters to differentiate, `wrt(a, b)`, or remove `wrt`",
                ));
            }
            return Ok(Item::Wrt(ident, names.into_iter().collect()));
        }
        if ident == VJP || ident == JVP {
            input.parse::<Token![=]>()?;
            let path = input.parse()?;
            return Ok(if ident == VJP { Item::Vjp(path) } else { Item::Jvp(path) });
        }
        if ident == GRAPH {
            return Ok(Item::Graph(ident));
        }
        if ident == REVERSE || ident == FORWARD || ident == HESSIAN {
            return Ok(Item::Mode(ident));
        }
        Err(syn::Error::new(ident.span(), format!("unknown argument `{ident}`; {USAGE}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn empty_means_reverse_over_everything() {
        let args = parse(quote!()).unwrap();
        assert!(args.reverse);
        assert!(args.wrt.is_none());
    }

    #[test]
    fn wrt_lists_names() {
        let args = parse(quote!(wrt(a, w))).unwrap();
        let names: Vec<String> = args.wrt.unwrap().iter().map(|i| i.to_string()).collect();
        assert_eq!(names, ["a", "w"]);
        assert!(args.reverse);
    }

    #[test]
    fn modes_combine_and_forward_alone_is_not_reverse() {
        let args = parse(quote!(forward, reverse)).unwrap();
        assert!(args.reverse && args.forward.is_some() && args.hessian.is_none());
        let args = parse(quote!(forward)).unwrap();
        assert!(!args.reverse && args.forward.is_some());
        let args = parse(quote!(hessian, wrt(x))).unwrap();
        assert!(!args.reverse && args.hessian.is_some());
    }

    #[test]
    fn rejects_unknown_words_and_literals() {
        assert!(parse(quote!(backward)).is_err());
        assert!(parse(quote!("x")).is_err());
        assert!(parse(quote!(wrt(a), wrt(b))).is_err());
        assert!(parse(quote!(wrt(a, a))).is_err());
        assert!(parse(quote!(wrt)).is_err());
    }
}
