//! Zero-adjoint guards: a product `ȳ · ∂` whose partial may be infinite or
//! NaN (`finite.rs`) must contribute nothing when `ȳ = 0`, where it would
//! make a NaN.
//!
//! The test reads the forward values first: `if f64::is_finite(0.5 / s) ||
//! ȳ != 0.0 { x̄ += ȳ * (0.5 / s); }`. The partial depends on the forward
//! sweep only, so it is computed, and the branch decided, off the adjoint's
//! critical path; testing `ȳ != 0.0` alone put the division behind the
//! adjoint (`drag`'s gradient: 1.17× slower in a paired harness). It is
//! exact: the product is skipped only when `ȳ = 0` and the partial is not
//! finite, and otherwise adds `ȳ · ∂`, which is `±0` when `ȳ = 0`.
//!
//! Before: `if __bar_s != 0.0 { __bar_t += __bar_s * (0.5 / s); }`
//! After:  `if f64::is_finite(0.5 / s) || __bar_s != 0.0 { __bar_t += __bar_s * (0.5 / s); }`

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;

use crate::emit::{self, Holes};
use crate::rules::D;

/// What makes a guarded group of additions safe to run with a zero adjoint.
pub enum Finite {
    /// These tests of forward values, all true (none: always safe).
    When(Vec<TokenStream>),
    /// Nothing the forward sweep can test cheaply: only a nonzero adjoint.
    Never,
}

impl Finite {
    /// Adds the test that `d` is finite; a partial that reads no value is a
    /// finite constant of the rule table and needs none.
    pub fn partial(&mut self, d: &D, holes: &Holes) {
        let mut reads = false;
        d.reads(&mut |_| reads = true);
        if let (Finite::When(tests), true) = (self, reads) {
            let ty = emit::float_type(holes.float);
            let value = emit::partial(d, holes);
            tests.push(quote_spanned!(holes.span=> #ty::is_finite(#value)));
        }
    }
}

/// `additions`, run unless the adjoint `seed` is zero where `finite` fails.
pub fn unless_zero(seed: &TokenStream, finite: Finite, additions: TokenStream, span: Span) -> TokenStream {
    match finite {
        Finite::When(tests) if tests.is_empty() => additions,
        Finite::When(tests) => quote_spanned!(span=> if #(#tests)&&* || #seed != 0.0 { #additions }),
        Finite::Never => quote_spanned!(span=> if #seed != 0.0 { #additions }),
    }
}
