//! Collects every error of one expansion, so the user sees them all at once.

use std::cell::RefCell;
use std::fmt::Display;

use quote::ToTokens;

/// An accumulator of spanned errors (serde_derive's `Ctxt`). `check` is the
/// only way out: a `Ctxt` dropped unchecked would lose its errors, which a
/// debug build reports as a bug of the macro.
pub struct Ctxt {
    /// `None` once checked.
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub fn new() -> Self {
        Ctxt { errors: RefCell::new(Some(Vec::new())) }
    }

    /// Records an error pointing at the tokens of `tokens`.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&self, tokens: T, message: M) {
        self.push(syn::Error::new_spanned(tokens.into_token_stream(), message));
    }

    pub fn push(&self, error: syn::Error) {
        self.errors.borrow_mut().as_mut().expect("Ctxt used after check").push(error);
    }

    /// How many errors were recorded so far: a mark for `truncate`.
    pub fn error_count(&self) -> usize {
        self.errors.borrow().as_ref().map_or(0, Vec::len)
    }

    /// Drops the errors recorded since the mark `count`: those of the parts
    /// of a construct that is itself refused, which would only repeat it.
    pub fn truncate(&self, count: usize) {
        if let Some(errors) = self.errors.borrow_mut().as_mut() {
            errors.truncate(count);
        }
    }

    pub fn has_errors(&self) -> bool {
        self.errors.borrow().as_ref().is_some_and(|errors| !errors.is_empty())
    }

    /// All recorded errors combined into one, or `Ok` if there were none.
    pub fn check(self) -> syn::Result<()> {
        let mut errors = self.errors.borrow_mut().take().unwrap_or_default().into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}

#[cfg(debug_assertions)]
impl Drop for Ctxt {
    fn drop(&mut self) {
        if self.errors.get_mut().is_some() && !std::thread::panicking() {
            panic!("autodiff-macros bug: a Ctxt was dropped without `check`, losing its errors");
        }
    }
}

#[cfg(all(test, debug_assertions))]
mod tests {
    use super::Ctxt;

    #[test]
    #[should_panic(expected = "dropped without `check`")]
    fn an_unchecked_ctxt_is_a_bug() {
        let cx = Ctxt::new();
        cx.error_spanned_by(quote::quote!(x), "lost");
    }

    #[test]
    fn a_checked_ctxt_gives_its_errors() {
        let cx = Ctxt::new();
        cx.error_spanned_by(quote::quote!(x), "first");
        cx.error_spanned_by(quote::quote!(y), "second");
        assert_eq!(cx.check().unwrap_err().into_iter().count(), 2);
    }
}
