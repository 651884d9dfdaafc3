//! The checked model of the annotated function's signature: which parameters
//! are differentiated, and what the generated functions take and return.

use syn::{FnArg, Ident, ItemFn, Pat, ReturnType, Type};

use crate::attr::Args;
use crate::ctxt::Ctxt;
use crate::ir::FloatTy;

pub struct Signature<'a> {
    pub item: &'a ItemFn,
    pub params: Vec<Param<'a>>,
    /// The float type the function returns.
    pub ret: FloatTy,
}

pub struct Param<'a> {
    pub ident: &'a Ident,
    pub ty: &'a Type,
    pub mutable: bool,
    pub class: ParamClass,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ParamClass {
    /// A by-value float whose partial derivative is returned.
    Active(FloatTy),
    /// Passed through unchanged: not a float, or left out of `wrt(..)`.
    Constant,
}

impl Signature<'_> {
    /// The differentiated parameters, in order: one partial each.
    pub fn active(&self) -> impl Iterator<Item = (&Param<'_>, FloatTy)> {
        self.params.iter().filter_map(|param| match param.class {
            ParamClass::Active(ty) => Some((param, ty)),
            ParamClass::Constant => None,
        })
    }
}

/// `f32` or `f64` written as a plain type.
pub fn float_ty(ty: &Type) -> Option<FloatTy> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let ident = path.path.get_ident()?;
    if ident == "f64" {
        Some(FloatTy::F64)
    } else if ident == "f32" {
        Some(FloatTy::F32)
    } else {
        None
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

    let ret = match &sig.output {
        ReturnType::Type(_, ty) => float_ty(ty).or_else(|| {
            cx.error_spanned_by(
                ty,
                "#[grad] differentiates functions that return `f32` or `f64`; \
                 return the scalar you want the gradient of",
            );
            None
        }),
        ReturnType::Default => {
            cx.error_spanned_by(
                &sig.ident,
                "#[grad] differentiates functions that return `f32` or `f64`; \
                 this one returns `()`",
            );
            None
        }
    };

    let mut params = Vec::new();
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
                        "#[grad] does not support patterns in parameters; bind the parameter to a name",
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
                if let Type::Reference(reference) = &*typed.ty {
                    cx.error_spanned_by(
                        reference,
                        "#[grad] does not support reference parameters yet; pass floats by value",
                    );
                    continue;
                }
                let class = match float_ty(&typed.ty) {
                    Some(ty) => ParamClass::Active(ty),
                    None => ParamClass::Constant,
                };
                params.push(Param { ident: &pat.ident, ty: &typed.ty, mutable: pat.mutability.is_some(), class });
            }
        }
    }

    if let Some(wrt) = &args.wrt {
        for name in wrt {
            match params.iter().find(|param| param.ident == name) {
                None => cx.error_spanned_by(name, format!("`wrt` names `{name}`, which is not a parameter of this function")),
                Some(param) if param.class == ParamClass::Constant => cx.error_spanned_by(
                    name,
                    format!("`wrt` names `{name}`, which is not an `f32` or `f64` parameter; only floats can be differentiated"),
                ),
                Some(_) => {}
            }
        }
        for param in &mut params {
            if !wrt.iter().any(|name| name == param.ident) {
                param.class = ParamClass::Constant;
            }
        }
    }

    Some(Signature { item, params, ret: ret? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn classes(item: ItemFn, args: proc_macro2::TokenStream) -> Result<Vec<ParamClass>, String> {
        let args = crate::attr::parse(args).unwrap();
        let cx = Ctxt::new();
        let signature = check(&item, &args, &cx).map(|s| s.params.iter().map(|p| p.class).collect());
        cx.check().map_err(|e| e.to_string())?;
        Ok(signature.unwrap())
    }

    #[test]
    fn floats_are_active_and_the_rest_constant() {
        let item = parse_quote!(
            fn f(x: f64, n: usize, y: f32) -> f64 {
                x
            }
        );
        let got = classes(item, quote::quote!()).unwrap();
        let want = [ParamClass::Active(FloatTy::F64), ParamClass::Constant, ParamClass::Active(FloatTy::F32)];
        assert_eq!(got, want);
    }

    #[test]
    fn wrt_keeps_only_the_named() {
        let item = parse_quote!(
            fn f(x: f64, y: f64) -> f64 {
                x * y
            }
        );
        let got = classes(item, quote::quote!(wrt(y))).unwrap();
        assert_eq!(got, [ParamClass::Constant, ParamClass::Active(FloatTy::F64)]);
    }

    #[test]
    fn errors_are_collected() {
        let item = parse_quote!(
            async fn f(&self, (a, b): (f64, f64)) -> i32 {
                0
            }
        );
        let error = classes(item, quote::quote!(wrt(z))).unwrap_err();
        assert!(error.contains("async"), "{error}");
        let cx = Ctxt::new();
        let item: ItemFn = parse_quote!(
            async fn f(&self, (a, b): (f64, f64)) -> i32 {
                0
            }
        );
        let args = crate::attr::parse(quote::quote!(wrt(z))).unwrap();
        assert!(check(&item, &args, &cx).is_none());
        let count = cx.check().unwrap_err().into_iter().count();
        assert_eq!(count, 5);
    }
}
