//! Which values may be infinite or NaN although the inputs are finite.
//!
//! The reverse sweep runs the rule of every statement of the forward sweep,
//! also of those whose result did not reach the output on the path taken
//! (`let r = x.sqrt(); if x <= 0.0 { return x * x; } r`): their adjoint is
//! then zero, and `0 · ∂` must stay 0. It does for a finite partial; it is
//! NaN for an infinite or NaN one: at a pole (`√x` at 0), outside a domain
//! (`ln x` at −1), or when the partial reads a value that is itself
//! infinite or NaN (`r · y` with that `r`). So the reverse sweep skips the
//! products of such partials when the adjoint is zero (`reverse.rs`), and
//! only of those: this analysis finds the values that may be non-finite,
//! `rules::can_blow_up` the operations whose partials may be.
//!
//! Overflow of plain arithmetic (`x·x·x` at 1e120) counts only where an
//! adjoint can vanish at all (`adjoints_may_vanish`): in a function where
//! every value is used on every path by operations that keep an infinity
//! infinite (`+ - * √ ln sin ..`), an infinity from overflow reaches the
//! result, which is then not finite either, and no guard is needed; so
//! `dot`, `rosenbrock` or a physics step get none.
//!
//! A value may be non-finite when an operation that can make one from
//! finite operands computed it (a pole: `/`, `%`, `recip`, the `ln` family,
//! `atanh`; a domain: `asin`, `acos`, `acosh`, `√` of a value that may be
//! negative; an overflow: `exp`, `sinh`, `cosh`, `powi`, `powf`), or a call,
//! or when it is computed from such a value, or is a constant not known to
//! be finite (`f64::INFINITY`, `NAN`, `MAX`, a `const` the macro cannot
//! see; literals, `consts::PI` and the like are), or an `as f32` cast; and,
//! where adjoints may vanish, the result of `+ - *` (but `tanh` and `atan`
//! of an infinity are finite). Parameters are taken as finite: a dot
//! product's partials are never guarded. The analysis is
//! flow-insensitive, like activity: a variable is marked if any of its
//! assignments is.

use crate::ir::{walk, Arg, Block, Body, Const, FloatTy, LoopId, Op, Operand, Rhs, Stmt, Ty};
use crate::rules::partials;

/// For every variable, whether it may hold an infinite or NaN value.
pub fn unbounded(body: &Body) -> Vec<bool> {
    let marked = beyond_domains(body);
    if adjoints_may_vanish(body) {
        overflowed(body, marked)
    } else {
        marked
    }
}

/// The values that may be non-finite without an overflow of plain
/// arithmetic: from poles, domains, `exp`-like overflow, calls, constants
/// and `as f32`.
fn beyond_domains(body: &Body) -> Vec<bool> {
    let nonnegative = nonnegative(body);
    mark_until_fixed(body, vec![false; body.vars.len()], |stmt, marked| match stmt {
        Stmt::Assign { dst, rhs, .. } => Some((*dst, makes_unbounded(rhs, marked, &nonnegative))),
        Stmt::Store { place, value, .. } => Some((place.var, may_be_non_finite(value, marked))),
        Stmt::If { .. } | Stmt::Loop(_) => None,
    })
}

/// `marked`, with every float variable marked that a statement sets to a
/// value `rule` says may be infinite or NaN (given the marks so far),
/// until no mark is added.
fn mark_until_fixed(
    body: &Body,
    mut marked: Vec<bool>,
    rule: impl Fn(&Stmt, &[bool]) -> Option<(crate::ir::Var, bool)>,
) -> Vec<bool> {
    loop {
        let mut changed = false;
        walk(&body.block, 0, &mut |stmt, _| {
            let Some((dst, unbounded)) = rule(stmt, &marked) else { return };
            if unbounded && !marked[dst.0] && may_hold_a_float(body, dst) {
                marked[dst.0] = true;
                changed = true;
            }
        });
        if !changed {
            return marked;
        }
    }
}

/// For every variable, whether its tangent may be infinite or NaN although
/// the directions are finite: one computed by an operation whose partial
/// can be infinite at finite operands (`rules::can_blow_up`: a pole where
/// the value is finite, `√x` at 0, or where it is not, `1/x` at 0, or an
/// overflow, `eˣ` at 710) or by a call, or from such a tangent. Forward
/// mode's dual of the reverse sweep's zero-adjoint guard: a zero partial
/// times such a tangent is 0, not NaN, as the reverse sweep, which skips a
/// zero adjoint's product with an infinite partial, has it
/// (`forward::Forward::zero_partial_guard`): `w·√x` at `w = 0`, `x = 0`,
/// and `1 / (1 + e⁻ˣ)` at `x = −800`, whose `e⁻ˣ` overflows to a value
/// the reciprocal brings back to 0, with the partial `−1/u² = 0`.
///
/// The root of a sum of squares (`(x * x + y * y).sqrt()`, a norm) is not
/// counted: where the sum is 0 every square's tangent `2x·ẋ` is 0 too, and
/// the root's rule makes no infinity of a zero tangent.
pub fn tangents_unbounded(body: &Body) -> Vec<bool> {
    let mut assignments = vec![0usize; body.vars.len()];
    let mut definition: Vec<Option<&Rhs>> = vec![None; body.vars.len()];
    walk(&body.block, 0, &mut |stmt, _| {
        if let Stmt::Assign { dst, rhs, .. } = stmt {
            assignments[dst.0] += 1;
            definition[dst.0] = Some(rhs);
        }
    });
    let single = |var: crate::ir::Var| definition[var.0].filter(|_| assignments[var.0] == 1);
    mark_until_fixed(body, vec![false; body.vars.len()], |stmt, marked| match stmt {
        Stmt::Assign { dst, rhs, .. } => {
            let made = match rhs {
                Rhs::Prim(Op::Sqrt, args) => !is_sum_of_squares(&args[0], &single, marked),
                Rhs::Prim(op, _) => crate::rules::can_blow_up(*op),
                Rhs::Call(..) => true,
                _ => false,
            };
            Some((*dst, made || rhs.reads().iter().any(|var| marked[var.0])))
        }
        Stmt::Store { place, value, .. } => Some((place.var, value.reads().iter().any(|var| marked[var.0]))),
        Stmt::If { .. } | Stmt::Loop(_) => None,
    })
}

/// The value of an integer literal operand (`2`, `-1i32`).
fn literal_integer(operand: &Operand) -> Option<i64> {
    let Operand::Const(constant) = operand else { return None };
    let text: String = constant.tokens.to_string().chars().filter(|c| !c.is_whitespace() && *c != '_').collect();
    let digits =
        ["i8", "i16", "i32", "i64", "isize"].iter().find_map(|suffix| text.strip_suffix(suffix)).unwrap_or(&text);
    digits.parse().ok()
}

/// Whether `operand` is a sum of squares of values whose tangents are
/// bounded (`x * x + y.powi(2)`), each computed once (`single`).
fn is_sum_of_squares<'a>(
    operand: &Operand,
    single: &dyn Fn(crate::ir::Var) -> Option<&'a Rhs>,
    marked: &[bool],
) -> bool {
    let Operand::Var(var) = operand else { return false };
    let bounded = |operand: &Operand| operand.reads().iter().all(|var| !marked[var.0]);
    match single(*var) {
        Some(Rhs::Prim(Op::Mul, args)) => same_operand(&args[0], &args[1]) && bounded(&args[0]),
        Some(Rhs::Prim(Op::Powi, args)) => {
            literal_integer(&args[1]).is_some_and(|n| n > 0 && n % 2 == 0) && bounded(&args[0])
        }
        Some(Rhs::Prim(Op::Add, args)) => args.iter().all(|arg| is_sum_of_squares(arg, single, marked)),
        _ => false,
    }
}

/// Whether `var` may hold a float: a flag is never infinite. (An integer
/// may be marked, `k = (3 * i) % 4`, but an index never makes an element
/// non-finite, `may_be_non_finite`; and a value the macro takes for no
/// float, a plain method's, `data[0].ratio()`, may be one.)
fn may_hold_a_float(body: &Body, var: crate::ir::Var) -> bool {
    body.var(var).ty != Ty::Bool
}

/// Whether `operand` may be infinite or NaN: a marked variable (or an
/// element of one), or a constant not known to be finite.
pub fn may_be_non_finite(operand: &Operand, marked: &[bool]) -> bool {
    match operand {
        Operand::Const(constant) => !is_finite_constant(constant),
        Operand::Var(var) => marked[var.0],
        // (An element is as finite as its aggregate: indices are integers.)
        Operand::Place(place) => marked[place.var.0],
    }
}

/// Whether the right-hand side reads a value that may be infinite or NaN.
pub fn reads_non_finite(rhs: &Rhs, marked: &[bool]) -> bool {
    let whole = match rhs {
        Rhs::Call(_, args) => args.iter().any(|arg| matches!(arg, Arg::Ref { place, .. } if marked[place.var.0])),
        Rhs::Deref(var) => marked[var.0],
        _ => false,
    };
    whole || rhs.operands().into_iter().any(|op| may_be_non_finite(op, marked))
}

/// A constant known to be finite: an integer or boolean, a finite float
/// literal, a constant of `core::f64::consts`, `EPSILON`, `MIN_POSITIVE`.
/// `INFINITY`, `NAN`, `MAX` and `MIN` (whose arithmetic overflows), and
/// constants the macro cannot see (the user's `const`s) may not be.
fn is_finite_constant(constant: &Const) -> bool {
    if matches!(constant.ty, Ty::Bool | Ty::Other) {
        return true;
    }
    let text: String = constant.tokens.to_string().chars().filter(|c| !c.is_whitespace() && *c != '_').collect();
    let text = text.trim_start_matches('-');
    if text.starts_with(|c: char| c.is_ascii_digit()) {
        let number = text.trim_end_matches("f64").trim_end_matches("f32");
        return number.parse::<f64>().is_ok_and(f64::is_finite);
    }
    let segments: Vec<&str> = text.split("::").collect();
    matches!(segments[..], [.., "consts", _] | [.., "f64" | "f32", "EPSILON" | "MIN_POSITIVE"])
}

fn makes_unbounded(rhs: &Rhs, marked: &[bool], nonnegative: &[bool]) -> bool {
    let from_operand = reads_non_finite(rhs, marked);
    match rhs {
        Rhs::Prim(Op::Sqrt, args) => from_operand || !is_nonnegative(&args[0], nonnegative),
        // An `f64` beyond `f32::MAX` is infinite as an `f32`.
        Rhs::Prim(Op::ToFloat(FloatTy::F32), _) => true,
        Rhs::Prim(op, _) => from_operand || makes_non_finite(*op),
        // (A plain method's value, `data[0].ratio()`, may be anything.)
        Rhs::Call(..) | Rhs::Method(..) => true,
        _ => from_operand,
    }
}

/// Adds the values that plain arithmetic (`+ - *`, `mul_add`) may make
/// infinite by overflow (`x·x·x` at 1e120), and what is computed from them;
/// `tanh` and `atan` of an infinity are finite and stop it.
fn overflowed(body: &Body, marked: Vec<bool>) -> Vec<bool> {
    mark_until_fixed(body, marked, |stmt, marked| match stmt {
        Stmt::Assign { dst, rhs: Rhs::Prim(Op::Tanh | Op::Atan, _), .. } => Some((*dst, false)),
        Stmt::Assign { dst, rhs: rhs @ Rhs::Prim(op, _), .. } => {
            Some((*dst, body.var(*dst).ty.is_float() && (overflows(*op) || reads_non_finite(rhs, marked))))
        }
        Stmt::Assign { dst, rhs, .. } => Some((*dst, reads_non_finite(rhs, marked))),
        Stmt::Store { place, value, .. } => Some((place.var, may_be_non_finite(value, marked))),
        Stmt::If { .. } | Stmt::Loop(_) => None,
    })
}

fn overflows(op: Op) -> bool {
    matches!(op, Op::Add | Op::Sub | Op::Mul | Op::MulAdd | Op::ToDegrees)
}

/// Whether some adjoint may be zero although the result is finite: a value
/// whose every use may be skipped (a branch, an early `return`, `break` or
/// `continue`, which all lower to `if`s; a loop that may run no pass; a
/// later assignment that overwrites it unread), or whose uses may all have
/// a zero partial (`max`, `tanh` of a large value, a call, anything but
/// `+ - *`). Without any of these every adjoint is a nonzero seed times
/// partials that are nonzero or make the result NaN, so an overflow to
/// infinity in plain arithmetic is never multiplied by a zero adjoint.
fn adjoints_may_vanish(body: &Body) -> bool {
    let mut vanish = false;
    let mut killed: Vec<Vec<Vec<LoopId>>> = vec![Vec::new(); body.vars.len()];
    let mut reads: Vec<Vec<Vec<LoopId>>> = vec![Vec::new(); body.vars.len()];
    scan(&body.block, &mut Vec::new(), &mut |stmt, loops| match stmt {
        Stmt::If { .. } | Stmt::Store { .. } => vanish = true,
        Stmt::Assign { rhs: Rhs::Call(..), .. } => vanish = true,
        Stmt::Assign { rhs: Rhs::Prim(op, _), .. }
            if !keeps_adjoints(*op) && partials(*op).iter().any(Option::is_some) =>
        {
            vanish = true
        }
        Stmt::Assign { dst, rhs, .. } => {
            let own = rhs.reads().contains(dst);
            if !own {
                killed[dst.0].push(loops.to_vec());
            }
            for var in rhs.reads().into_iter().filter(|var| var != dst) {
                reads[var.0].push(loops.to_vec());
            }
        }
        Stmt::Loop(_) => {}
    });
    if vanish {
        return true;
    }
    (0..body.vars.len()).any(|v| {
        if !body.vars[v].ty.is_differentiable() || killed[v].is_empty() {
            return false;
        }
        // Overwritten twice, or read outside the loops it is set in (after
        // them, only the last pass's value is read; in a loop it is
        // outside of, the loop may run no pass).
        killed[v].len() > 1 || reads[v].iter().any(|read| *read != killed[v][0])
    })
}

/// The operations that give an infinite or NaN result for an infinite or
/// NaN operand: where one of their partials is zero (`√'(∞)`, `cosh'(0)`,
/// `0·∞`), either that operand is finite, so whatever computed it with
/// these operations read only finite values, or the result is not finite
/// and carries on to the function's. `tanh`, `atan`, `exp`, `/`, `max`
/// and the like can turn an infinity into a finite result and are not.
fn keeps_adjoints(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        Add | Sub
            | Neg
            | Mul
            | MulAdd
            | ToFloat(_)
            | Sqrt
            | Cbrt
            | Ln
            | Ln1p
            | Log2
            | Log10
            | Sin
            | Cos
            | Tan
            | Asin
            | Acos
            | Atanh
            | Sinh
            | Cosh
            | Asinh
            | Acosh
            | Abs
            | Fract
            | ToDegrees
            | ToRadians
    )
}

/// Visits every statement with the loops around it, innermost last.
fn scan(block: &Block, loops: &mut Vec<LoopId>, visit: &mut dyn FnMut(&Stmt, &[LoopId])) {
    for stmt in &block.stmts {
        visit(stmt, loops);
        match stmt {
            Stmt::If { then, els, .. } => {
                scan(then, loops, visit);
                scan(els, loops, visit);
            }
            Stmt::Loop(lp) => {
                loops.push(lp.id);
                scan(&lp.body, loops, visit);
                loops.pop();
            }
            Stmt::Assign { .. } | Stmt::Store { .. } => {}
        }
    }
}

/// Whether `op` can give an infinite or NaN value from finite operands
/// (`√` aside: only of a negative value).
fn makes_non_finite(op: Op) -> bool {
    use Op::*;
    matches!(
        op,
        Div | Rem
            | RemEuclid
            | DivEuclid
            | Recip
            | Exp
            | Exp2
            | ExpM1
            | Sinh
            | Cosh
            | Powi
            | Powf
            | Ln
            | Ln1p
            | Log
            | Log2
            | Log10
            | Asin
            | Acos
            | Acosh
            | Atanh
    )
}

/// For every variable, whether all its assignments are provably `≥ 0` (or
/// NaN): squares, sums and products of such values, `abs`, `√`, `hypot`.
fn nonnegative(body: &Body) -> Vec<bool> {
    let mut known: Vec<bool> = body.vars.iter().map(|info| info.ty.is_float() || info.ty == Ty::Unknown).collect();
    for &param in &body.params {
        known[param.0] = false;
    }
    loop {
        let mut changed = false;
        walk(&body.block, 0, &mut |stmt, _| {
            let (var, holds) = match stmt {
                Stmt::Assign { dst, rhs, .. } => (*dst, rhs_nonnegative(rhs, &known)),
                Stmt::Store { place, .. } => (place.var, false),
                Stmt::If { .. } | Stmt::Loop(_) => return,
            };
            if !holds && known[var.0] {
                known[var.0] = false;
                changed = true;
            }
        });
        if !changed {
            return known;
        }
    }
}

fn rhs_nonnegative(rhs: &Rhs, known: &[bool]) -> bool {
    let nonnegative = |operand: &Operand| is_nonnegative(operand, known);
    match rhs {
        Rhs::Use(operand) => nonnegative(operand),
        Rhs::Prim(Op::Mul, args) if args[0].var().is_some() && same_operand(&args[0], &args[1]) => true,
        Rhs::Prim(Op::Add | Op::Mul | Op::Max | Op::Sqrt, args) => args.iter().all(nonnegative),
        Rhs::Prim(Op::Abs | Op::Hypot, _) => true,
        _ => false,
    }
}

fn same_operand(a: &Operand, b: &Operand) -> bool {
    match (a, b) {
        (Operand::Var(a), Operand::Var(b)) => a == b,
        _ => false,
    }
}

fn is_nonnegative(operand: &Operand, known: &[bool]) -> bool {
    match operand {
        Operand::Var(var) => known[var.0],
        Operand::Const(constant) => {
            let text = constant.tokens.to_string();
            !text.starts_with('-') && text.chars().next().is_some_and(|c| c.is_ascii_digit())
        }
        Operand::Place(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::lower::tests::lowered;

    fn unbounded_names(item: syn::ItemFn) -> String {
        let (body, _) = lowered(item).unwrap();
        let marked = super::unbounded(&body);
        let names: Vec<String> =
            (0..body.vars.len()).filter(|&i| marked[i]).map(|i| body.vars[i].ident.to_string()).collect();
        names.join(" ")
    }

    #[test]
    fn the_root_of_a_sum_of_squares_is_finite() {
        let names = unbounded_names(syn::parse_quote! {
            fn f(x: f64, y: f64) -> f64 {
                let s = (x * x + y * y).sqrt();
                let n = (s * 2.0 + x.abs()).sqrt();
                let m = (x * y).sqrt();
                s * x + n + m
            }
        });
        assert_eq!(names, "__ret m");
    }

    fn may_vanish(item: syn::ItemFn) -> bool {
        let (body, _) = lowered(item).unwrap();
        super::adjoints_may_vanish(&body)
    }

    #[test]
    fn adjoints_vanish_only_where_a_use_can_be_skipped_or_saturate() {
        // Every value is used on every path, by `+ - * √`: overflow needs no guard.
        assert!(!may_vanish(syn::parse_quote! {
            fn rosenbrock(x: &[f64]) -> f64 {
                let mut s = 0.0;
                for i in 0..x.len() - 1 {
                    let a = x[i + 1] - x[i] * x[i];
                    let b = 1.0 - x[i];
                    s += 100.0 * a * a + b * b;
                }
                s.sqrt() * s
            }
        }));
        for item in [
            syn::parse_quote! { fn f(x: f64) -> f64 { let p = x * x; if x > 0.0 { return x; } p } },
            syn::parse_quote! { fn f(x: f64) -> f64 { (x * x).tanh() } },
            syn::parse_quote! { fn f(x: f64, n: usize) -> f64 { let p = x * x; let mut s = x; for _ in 0..n { s += p; } s } },
            syn::parse_quote! { fn f(x: f64) -> f64 { let mut t = x * x; t = x; t } },
            syn::parse_quote! { fn f(x: &[f64]) -> f64 { let mut t = 0.0; for i in 0..2 { t = x[i] * x[i]; } t } },
        ] {
            assert!(may_vanish(item));
        }
    }

    #[test]
    fn constants_not_known_to_be_finite_are_unbounded() {
        let names = unbounded_names(syn::parse_quote! {
            fn f(x: f64, y: f64) -> f64 {
                let a = f64::INFINITY;
                let b = x * f64::MAX;
                let c = K * x;
                let d = x * std::f64::consts::PI + f64::EPSILON + 1.5e3 - 2.0_f64;
                let e = x * 1e400;
                a + b + c + d + e
            }
        });
        assert_eq!(names, "__ret a b c e __t4 __t5 __t6");
    }

    #[test]
    fn values_computed_from_a_pole_are_unbounded_and_products_of_inputs_are_not() {
        let names = unbounded_names(syn::parse_quote! {
            fn f(x: f64, y: f64, w: &[f64]) -> f64 {
                let p = x * y + w[0] * w[1];
                let r = x.sqrt();
                let s = r * y;
                let t = s.sin() + p;
                t + p
            }
        });
        assert_eq!(names, "__ret r s t __t3");
    }

    #[test]
    fn where_adjoints_may_vanish_products_may_overflow() {
        let names = unbounded_names(syn::parse_quote! {
            fn f(x: f64, y: f64) -> f64 {
                let p = x * y;
                let h = p.tanh();
                let a = x as f32;
                h * y + a as f64
            }
        });
        assert_eq!(names, "__ret p a __t1 __t2");
    }
}
