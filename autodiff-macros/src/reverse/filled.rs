//! Outputs written whole before they are read: the fact a function's
//! companion exports (`FILLED_FIRST`, one flag per parameter) and a
//! caller's checkpoints read (`checkpoint.rs`). A checkpointed pass keeps
//! a buffer it lends to a callee at its start (a snapshot), because the
//! callee might read what it is lent; when every read of the buffer in the
//! pass follows a call whose callee writes all of it first, the pass needs
//! no snapshot. That is GMM's `qtimesx(.., &mut qx)`: n·d floats, most of
//! the gradient's memory at d = 64.
//!
//! The caller's expansion cannot see the callee's body (another expansion,
//! perhaps another crate), so its generated code reads the callee's flag in
//! a `const { .. }` block: the snapshot code is compiled out, or kept.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::ir::{walk, Arg, Body, Loop, Operand, Rhs, Stmt, Var, VarKind};

/// The companion's constant: for each parameter, whether the function
/// writes every element of it before reading any (an output only).
pub const FILLED_FIRST: &str = "FILLED_FIRST";

/// `FILLED_FIRST` of a function: a `&mut [F]` or `&mut [F; N]` output (no
/// length to change) whose first mention other than its length, in the
/// function's top-level statements, is a loop that fills it
/// (`checkpoint::fills`). An early `return` before it would put that loop
/// under a guard, so it would not be top-level.
pub fn filled_first(body: &Body) -> Vec<bool> {
    body.params
        .iter()
        .map(|&param| {
            let first = body
                .block
                .stmts
                .iter()
                .find(|stmt| !is_length(stmt, param) && super::checkpoint::mentions(stmt, param));
            matches!(first, Some(Stmt::Loop(lp)) if fixed_slice(body, param) && super::checkpoint::fills(body, lp, param))
        })
        .collect()
}

/// Whether `stmt` is `n = var.len()`.
fn is_length(stmt: &Stmt, var: Var) -> bool {
    matches!(stmt, Stmt::Assign { rhs: Rhs::Method(Operand::Var(of), method, args), .. }
        if *of == var && method == "len" && args.is_empty())
}

/// Whether `var` is a parameter `&mut [F]` or `&mut [F; N]`.
fn fixed_slice(body: &Body, var: Var) -> bool {
    let info = body.var(var);
    info.kind == VarKind::Param
        && matches!(&info.declared, Some(syn::Type::Reference(r))
            if r.mutability.is_some() && matches!(&*r.elem, syn::Type::Slice(_) | syn::Type::Array(_)))
}

/// Whether `lp` runs over the whole of the parameter `var`: its bound is
/// `var.len()`, directly or through locals each set once (`let d =
/// out.len(); for i in 0..d`).
pub(super) fn spans_param(body: &Body, lp: &Loop, var: Var) -> bool {
    let crate::ir::Header::Range { hi, .. } = &lp.header else { return false };
    fixed_slice(body, var) && length_of(body, hi) == Some(var)
}

/// The slice whose length `operand` is, through copies set once.
fn length_of(body: &Body, operand: &Operand) -> Option<Var> {
    let mut operand = operand.clone();
    // (A chain of copies is short; the bound keeps a cycle finite.)
    for _ in 0..16 {
        // Lowering reads a reference parameter's length where it is used:
        // the constant `out.len()`.
        if let Operand::Const(constant) = &operand {
            let tokens = constant.tokens.to_string();
            return body.params.iter().copied().find(|&param| {
                let ident = &body.var(param).ident;
                quote!(#ident.len()).to_string() == tokens
            });
        }
        let Operand::Var(var) = operand else { return None };
        let mut definitions = Vec::new();
        walk(&body.block, 0, &mut |stmt, _| {
            if let Stmt::Assign { dst, rhs, .. } = stmt {
                if *dst == var {
                    definitions.push(rhs);
                }
            }
        });
        match definitions[..] {
            [Rhs::Use(source)] => operand = source.clone(),
            [Rhs::Method(Operand::Var(slice), method, args)] if method == "len" && args.is_empty() => {
                return Some(*slice)
            }
            _ => return None,
        }
    }
    None
}

/// The compile-time condition under which the call `rhs`, which writes
/// `var` whole in place (`helper(x, &mut var)`), fills it before reading it:
/// its callee's `FILLED_FIRST` flag for that argument. `None` for a call
/// that writes a part of `var`, or several outputs, or whose callee has no
/// such constant (a method, a tangent of `NAME_hvp`).
pub fn by_call(rhs: &Rhs, var: Var) -> Option<TokenStream> {
    let Rhs::Call(path, args) = rhs else { return None };
    if rhs.is_output_marker() || rhs.outputs() != [var] || path.qself.is_some() || crate::companion::is_tangent(path) {
        return None;
    }
    let position = args.iter().position(|arg| {
        matches!(arg, Arg::Ref { place, range: None, mutable: true, .. } if place.var == var && place.proj.is_empty())
    })?;
    // The flag speaks of what the callee reads of its output; an argument
    // that reads `var` too (`fill(buf[r], x, &mut buf)`) reads the value
    // from before the call, which the pass must then have kept.
    let reads_elsewhere = args.iter().enumerate().any(|(i, arg)| i != position && arg_reads(arg, var));
    if reads_elsewhere {
        return None;
    }
    // The constant is the companion type's, which takes no generic arguments.
    let mut companion = path.clone();
    if let Some(last) = companion.path.segments.last_mut() {
        last.arguments = syn::PathArguments::None;
    }
    let flags = crate::companion::method(&companion, FILLED_FIRST, Span::mixed_site());
    let position = proc_macro2::Literal::usize_unsuffixed(position);
    Some(quote!(#flags.len() > #position && #flags[#position]))
}

/// Whether a call argument reads any of `var`: its value, an element, a
/// loan of it, or an index or bound.
fn arg_reads(arg: &Arg, var: Var) -> bool {
    match arg {
        Arg::Value(operand) => operand.reads().contains(&var),
        Arg::Ref { place, range, .. } => {
            let bounds = range.iter().flat_map(|range| range.lo.iter().chain(&range.hi));
            place.var == var
                || place.index_vars().any(|index| index == var)
                || bounds.into_iter().any(|bound| bound.reads().contains(&var))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::filled_first;
    use crate::lower::tests::lowered;

    fn flags(item: syn::ItemFn) -> Vec<bool> {
        let (body, _) = lowered(item).expect("lowers");
        filled_first(&body)
    }

    #[test]
    fn a_first_loop_over_the_whole_output_fills_it() {
        let got = flags(syn::parse_quote! {
            fn qtimesx(q_diag: &[f64], ltri: &[f64], x: &[f64], out: &mut [f64]) {
                let d = out.len();
                for i in 0..d {
                    out[i] = q_diag[i] * x[i];
                }
                let mut li = 0;
                for col in 0..d {
                    for row in col + 1..d {
                        out[row] += ltri[li] * x[col];
                        li += 1;
                    }
                }
            }
        });
        assert_eq!(got, [false, false, false, true]);
        let direct = flags(syn::parse_quote! {
            fn scale(x: &[f64], out: &mut [f64; 3]) {
                for i in 0..out.len() {
                    out[i] = 2.0 * x[i];
                }
            }
        });
        assert_eq!(direct, [false, true]);
    }

    #[test]
    fn what_may_leave_an_element_unwritten_or_read_first_fills_nothing() {
        // The loop runs over `x`'s length, which `out`'s need not be.
        let other_length = flags(syn::parse_quote! {
            fn f(x: &[f64], out: &mut [f64]) {
                for i in 0..x.len() {
                    out[i] = x[i];
                }
            }
        });
        assert_eq!(other_length, [false, false]);
        let read_first = flags(syn::parse_quote! {
            fn f(x: &[f64], out: &mut [f64]) {
                let first = out[0];
                for i in 0..out.len() {
                    out[i] = x[i] * first;
                }
            }
        });
        assert_eq!(read_first, [false, false]);
        let early_return = flags(syn::parse_quote! {
            fn f(x: &[f64], out: &mut [f64]) {
                if x[0] > 0.0 {
                    return;
                }
                for i in 0..out.len() {
                    out[i] = x[i];
                }
            }
        });
        assert_eq!(early_return, [false, false]);
        let skips_one = flags(syn::parse_quote! {
            fn f(x: &[f64], out: &mut [f64]) {
                for i in 1..out.len() {
                    out[i] = x[i];
                }
            }
        });
        assert_eq!(skips_one, [false, false]);
        // A vector may change length after its fill.
        let vector = flags(syn::parse_quote! {
            fn f(x: &[f64], out: &mut Vec<f64>) {
                for i in 0..out.len() {
                    out[i] = x[i];
                }
            }
        });
        assert_eq!(vector, [false, false]);
    }
}
