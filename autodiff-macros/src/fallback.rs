//! What the macro emits when it rejects a function: the function as written
//! (so its own callers still compile), the errors, and `NAME_grad` /
//! `NAME_vjp` / `NAME_jvp` / `NAME_hvp` / `NAME_graph` (those asked for) with the right signatures, so
//! call sites of those do not add a cascade of "cannot find function"
//! errors to the real ones.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

use crate::ctxt::Ctxt;
use crate::naming::{self, Namer};
use crate::{attr, attributes, companion, expand, graph, hvp, jvp, signature};

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
        // A custom derivative may be `NAME_vjp` itself: it is not stubbed.
        let vjp = match &args.custom_vjp {
            Some(path) => expand::Vjp::Custom(path.clone()),
            None => expand::Vjp::Generated(body.clone()),
        };
        let functions = args.reverse.then(|| expand::functions(&sig, &seed, &|_| false, vjp));
        let jvp = args.forward.as_ref().map(|_| {
            let name = naming::jvp_fn(&item.sig.ident);
            jvp::Jvp::stub(&sig, body.clone()).function(&sig, &name, true)
        });
        let hvp = args.hessian.as_ref().and_then(|_| hvp::stub(&sig, body.clone()));
        let graph = args.graph.as_ref().map(|_| graph::declaration(&sig, &|_| false, body.clone()));
        // The companion's `jvp` too, which forward-mode callers call.
        let jvp_method = proc_macro2::Ident::new(companion::JVP, proc_macro2::Span::call_site());
        let companion_jvp = jvp::Jvp::stub(&sig, body.clone()).function(&sig, &jvp_method, false);
        let companion = companion::generated(&sig, &seed, &|_| false, body, None, None, companion_jvp);
        Some(quote!(#functions #jvp #hvp #graph #companion))
    });
    let item = attributes::without_rejected(item);
    quote! {
        #errors
        #item
        #stubs
    }
}
