//! Integer steps the reverse sweep undoes instead of saving: `li += 1`
//! walking a packed triangle, `k -= step`. On a primitive integer, `x + c`
//! is undone exactly by `x - c` (the forward sweep did not overflow, or
//! wrapped, and the inverse wraps back), so the reverse sweep gets the old
//! value from the new one and the step, without a stack.

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;

use crate::emit;
use crate::ir::{walk, AssignKind, Body, Header, Op, Operand, Rhs, Stmt, Ty, Var, VarKind};

/// The variables that surely hold a primitive integer (`usize`, `i32`, ..):
/// declared so, or defined only by integer literals, loop indices over
/// integer ranges, lengths, integer casts and integer arithmetic of such
/// values. Anything else (a user type, a `Wrapping`, an unknown constant)
/// is not: its `+` may not be undone by `-`.
pub(super) fn primitive_integers(body: &Body) -> Vec<bool> {
    let mut integers: Vec<bool> = body
        .vars
        .iter()
        .map(|info| match &info.declared {
            Some(declared) => crate::lower::is_integer_type(declared),
            None => info.ty == Ty::Other && info.kind != VarKind::Param,
        })
        .collect();
    // The greatest set closed under the rules: a definition that is not
    // integer arithmetic of members removes its variable, until none does.
    loop {
        let mut changed = false;
        walk(&body.block, 0, &mut |stmt, _| {
            let (var, integer) = match stmt {
                Stmt::Assign { dst, rhs, .. } => (*dst, is_integer_rhs(body, &integers, rhs)),
                Stmt::Store { place, .. } => (place.var, false),
                Stmt::Loop(lp) => match &lp.header {
                    Header::Range { index, lo, hi, .. } => {
                        (*index, is_integer(body, &integers, lo) && is_integer(body, &integers, hi))
                    }
                    Header::Forever => return,
                },
                Stmt::If { .. } => return,
            };
            if integers[var.0] && !integer {
                integers[var.0] = false;
                changed = true;
            }
        });
        if !changed {
            return integers;
        }
    }
}

fn is_integer_rhs(body: &Body, integers: &[bool], rhs: &Rhs) -> bool {
    let all_integers = |operands: &[Operand]| operands.iter().all(|operand| is_integer(body, integers, operand));
    match rhs {
        Rhs::Use(operand) => is_integer(body, integers, operand),
        Rhs::Prim(
            Op::Add | Op::Sub | Op::Mul | Op::Div | Op::Rem | Op::BitAnd | Op::BitOr | Op::BitXor | Op::Shl | Op::Shr,
            operands,
        ) => all_integers(operands),
        Rhs::Method(receiver, method, args) if method == "len" && args.is_empty() => body.ty(receiver) == Ty::Aggregate,
        Rhs::Method(receiver, method, args) => {
            let same_type = ["min", "max", "saturating_sub", "saturating_add"];
            same_type.iter().any(|name| method == name) && is_integer(body, integers, receiver) && all_integers(args)
        }
        Rhs::Cast(_, ty) => crate::lower::is_integer_type(ty),
        _ => false,
    }
}

fn is_integer(body: &Body, integers: &[bool], operand: &Operand) -> bool {
    match operand {
        Operand::Var(var) => integers[var.0] && body.var(*var).ty == Ty::Other,
        Operand::Const(constant) => is_integer_literal(&constant.tokens.to_string()) || is_length(&constant.tokens),
        Operand::Place(_) => false,
    }
}

/// `x.len()`: the length of a parameter (a `usize`), read where needed.
fn is_length(tokens: &TokenStream) -> bool {
    use proc_macro2::{Delimiter, TokenTree};
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    match &trees[..] {
        [TokenTree::Ident(_), TokenTree::Punct(dot), TokenTree::Ident(len), TokenTree::Group(args)] => {
            dot.as_char() == '.'
                && len == "len"
                && args.delimiter() == Delimiter::Parenthesis
                && args.stream().is_empty()
        }
        _ => false,
    }
}

/// `3`, `0usize`, `1_000`: digits, then an integer suffix if any.
fn is_integer_literal(text: &str) -> bool {
    const SUFFIXES: [&str; 12] =
        ["usize", "isize", "u128", "i128", "u64", "i64", "u32", "i32", "u16", "i16", "u8", "i8"];
    let digits = SUFFIXES.iter().find_map(|suffix| text.strip_suffix(suffix)).unwrap_or(text);
    !digits.is_empty()
        && digits.starts_with(|c: char| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_')
}

/// The step of `x += c` / `x -= c` (`x := add(x, c)`, `add(c, x)`,
/// `sub(x, c)`) on a primitive integer `x`, with whether it adds.
pub(super) fn is_step(integers: &[bool], stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Assign { dst, rhs, kind: AssignKind::Overwrite, .. } => integers[dst.0] && step_of(*dst, rhs).is_some(),
        _ => false,
    }
}

/// The step `c` of `x := add(x, c)`, `add(c, x)` or `sub(x, c)`, with
/// whether it adds.
fn step_of(x: Var, rhs: &Rhs) -> Option<(bool, &Operand)> {
    let Rhs::Prim(op @ (Op::Add | Op::Sub), args) = rhs else { return None };
    let is_x = |operand: &Operand| matches!(operand, Operand::Var(var) if *var == x);
    let step = match (op, &args[..]) {
        (_, [first, step]) if is_x(first) => step,
        (Op::Add, [step, second]) if is_x(second) => step,
        _ => return None,
    };
    (!step.reads().contains(&x)).then_some((*op == Op::Add, step))
}

/// `x = x - c;` for the step `x := add(x, c)` (`x = x + c;` for a `sub`):
/// puts back the value the step overwrote.
pub(super) fn undo(body: &Body, x: Var, rhs: &Rhs, span: Span) -> Option<TokenStream> {
    let (adds, step) = step_of(x, rhs)?;
    let ident = &body.var(x).ident;
    let step = emit::operand(body, step);
    Some(if adds {
        quote_spanned!(span=> #ident = #ident - #step;)
    } else {
        quote_spanned!(span=> #ident = #ident + #step;)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_literals_are_told_from_floats_and_paths() {
        for text in ["0", "1", "0usize", "1_000", "7u8"] {
            assert!(is_integer_literal(text), "{text}");
        }
        for text in ["0.0", "1e3", "1f64", "N", "", "usize", "0x1F"] {
            assert!(!is_integer_literal(text), "{text}");
        }
        assert!(is_length(&quote::quote!(x.len())));
        assert!(!is_length(&quote::quote!(x.first())));
        assert!(!is_length(&quote::quote!(x.len(2))));
    }
}
