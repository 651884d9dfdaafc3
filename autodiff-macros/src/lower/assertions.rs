//! `assert!`, `assert_eq!`, `assert_ne!` and their `debug_` forms, kept in
//! the primal with no derivative: the condition is lowered as an `if`'s is,
//! then checked by `guards::assertion`, which panics with the macro as
//! written when it does not hold. A `debug_` form runs, condition and
//! check, only where `debug_assertions` is on.
//!
//! ```text
//! debug_assert_eq!(pred.len(), target.len());
//! ```
//! becomes
//! ```text
//! if ::core::cfg!(debug_assertions) {
//!     __t1 = pred.len(); __t2 = target.len(); __t3 = eq(__t1, __t2)
//!     __t4 = call ::autodiff::guards::assertion(__t3, "debug_assert_eq!(..)")
//! }
//! ```
//! A message's own arguments (`assert!(x > 0.0, "x = {}", x)`) are not
//! formatted: the panic shows the macro as written.

use quote::{quote_spanned, ToTokens};
use syn::punctuated::Punctuated;
use syn::{Expr, Token};

use super::Lowerer;
use crate::ir::{Arg, AssignKind, Block, Const, Operand, Rhs, Stmt, Ty};

/// An assertion macro, parsed.
pub(super) struct Assertion {
    /// What must hold: `a`, or `(a) == (b)` of `assert_eq!(a, b)`.
    condition: Expr,
    /// Only where `debug_assertions` is on.
    debug: bool,
    /// The macro as written, for the panic.
    written: String,
}

/// The assertion `stmt` is (`assert!(..);`, or a block's last statement
/// `assert!(..)`), if its arguments parse, with its span.
pub(super) fn of_statement(stmt: &syn::Stmt) -> Option<(Assertion, proc_macro2::Span)> {
    let mac = match stmt {
        syn::Stmt::Macro(mac) => &mac.mac,
        syn::Stmt::Expr(Expr::Macro(mac), _) => &mac.mac,
        _ => return None,
    };
    Some((assertion(mac)?, syn::spanned::Spanned::span(mac)))
}

/// `mac` if it is an assertion whose arguments parse.
fn assertion(mac: &syn::Macro) -> Option<Assertion> {
    let name = mac.path.segments.last()?.ident.to_string();
    let debug = name.starts_with("debug_");
    let parser = Punctuated::<Expr, Token![,]>::parse_terminated;
    let mut args = syn::parse::Parser::parse2(parser, mac.tokens.clone()).ok()?.into_iter();
    let condition: Expr = match name.strip_prefix("debug_").unwrap_or(&name) {
        "assert" => args.next()?,
        "assert_eq" => {
            let (left, right) = (args.next()?, args.next()?);
            syn::parse_quote!((#left) == (#right))
        }
        "assert_ne" => {
            let (left, right) = (args.next()?, args.next()?);
            syn::parse_quote!((#left) != (#right))
        }
        _ => return None,
    };
    let written = format!("{name}!({})", mac.tokens).replace(" (", "(").replace(" ,", ",");
    Some(Assertion { condition, debug, written })
}

impl Lowerer<'_> {
    pub(super) fn lower_assertion(&mut self, assertion: &Assertion, span: proc_macro2::Span, out: &mut Block) {
        let mut checked = Block::default();
        let holds = self.condition(&assertion.condition, &mut checked);
        let message = Operand::Const(Const { tokens: assertion.written.to_token_stream(), ty: Ty::Other });
        let check: syn::ExprPath = syn::parse_quote_spanned!(span=> ::autodiff::guards::assertion);
        let done = self.temp(Ty::Other);
        let rhs = Rhs::Call(check, vec![Arg::Value(holds), Arg::Value(message)]);
        self.assign(&mut checked, done, rhs, AssignKind::Init, span);
        if assertion.debug {
            let on =
                Operand::Const(Const { tokens: quote_spanned!(span=> ::core::cfg!(debug_assertions)), ty: Ty::Bool });
            out.stmts.push(Stmt::If { cond: on, then: checked, els: Block::default(), span });
        } else {
            out.stmts.extend(checked.stmts);
        }
    }
}
