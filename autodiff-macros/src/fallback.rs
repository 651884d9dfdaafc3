//! What the macro emits when it rejects a function: the function as written
//! (so its own callers still compile), the errors, and `NAME_grad` /
//! `NAME_vjp` with the right signatures, so call sites of those do not add a
//! cascade of "cannot find function" errors to the real ones.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

use crate::ctxt::Ctxt;
use crate::naming::Namer;
use crate::{attr, attributes, expand, signature};

pub fn expand(args: TokenStream, item: &ItemFn, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    let stubs = attr::parse(args).ok().and_then(|args| {
        // The expansion reported this signature's errors already; stubs
        // are made only for a signature without any.
        let cx = Ctxt::new();
        let sig = signature::check(item, &args, &cx);
        let clean = cx.check().is_ok();
        let sig = sig.filter(|_| clean)?;
        let seed = Namer::new(item).fresh("seed");
        // Never runs: the errors above stop the build.
        let body = quote!(::core::unimplemented!("#[grad] rejected this function"));
        let functions = expand::functions(&sig, &seed, &|_| false, expand::Vjp::Generated(body.clone()));
        let companion = expand::companion(&sig, &seed, &|_| false, body, None, TokenStream::new());
        Some(quote!(#functions #companion))
    });
    let item = attributes::without_rejected(item);
    quote! {
        #errors
        #item
        #stubs
    }
}
