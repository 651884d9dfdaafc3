//! The derivative rules: one table, written as math.
//!
//! For `y = op(x0, x1, ..)`, `partials(op)` gives ∂y/∂xi for every operand,
//! as an expression of the operands (`x(i)`) and the result (`y()`); `None`
//! where no derivative flows (comparisons, integer exponents,
//! piecewise-constant functions). Reverse mode accumulates `x̄i += ȳ · ∂y/∂xi`;
//! forward mode computes `ẏ = Σ ∂y/∂xi · ẋi` from the same table. The match
//! is exhaustive, so a primitive without a rule does not compile.
//!
//! Conventions at kinks and edges: `abs'(0) = 0`; `max` and `min` give the
//! derivative to the operand they return, split evenly on ties (as JAX's
//! `maximum` and PyTorch's); `clamp` gives it to `x` at its bounds (as
//! PyTorch); `∂(0^b)/∂b = 0` and `∂(0^0)/∂x = 0`; `hypot` and
//! `atan2` have derivative 0 at the origin; `signum`, `floor`, `ceil`,
//! `round` and `trunc` have derivative 0, `fract` has derivative 1.

use std::ops;

use crate::ir::{Op, Operand, Rhs};

/// A local partial derivative.
#[derive(Clone, Debug, PartialEq)]
pub enum D {
    /// The i-th operand.
    Arg(usize),
    /// The result of the operation.
    Out,
    Lit(f64),
    Const(MathConst),
    Neg(Box<D>),
    Bin(Bin, Box<D>, Box<D>),
    /// A float-library function of sub-expressions, such as `cos(x)`.
    Call(Op, Vec<D>),
    /// `n * x^(n - 1)`'s `x^(n - 1)`, with the integer exponent operand `n`.
    PowiLess(Box<D>, usize),
    /// The integer operand `n` as a float.
    IntArg(usize),
    Select(Box<Cond>, Box<D>, Box<D>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bin {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MathConst {
    Pi,
    Ln2,
    Ln10,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    /// A comparison of two expressions.
    Cmp(Cmp, D, D),
}

/// The comparisons a rule can branch on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    /// The primitive that computes it.
    pub fn op(self) -> Op {
        match self {
            Cmp::Eq => Op::Eq,
            Cmp::Ne => Op::Ne,
            Cmp::Lt => Op::Lt,
            Cmp::Le => Op::Le,
            Cmp::Gt => Op::Gt,
            Cmp::Ge => Op::Ge,
        }
    }
}

fn x(i: usize) -> D {
    D::Arg(i)
}
fn y() -> D {
    D::Out
}
fn n(value: f64) -> D {
    D::Lit(value)
}
fn call(op: Op, arg: D) -> D {
    D::Call(op, vec![arg])
}
fn call2(op: Op, a: D, b: D) -> D {
    D::Call(op, vec![a, b])
}
fn sel(cond: Cond, then: D, els: D) -> D {
    D::Select(Box::new(cond), Box::new(then), Box::new(els))
}
fn cmp(op: Cmp, a: D, b: D) -> Cond {
    Cond::Cmp(op, a, b)
}

impl ops::Add for D {
    type Output = D;
    fn add(self, rhs: D) -> D {
        D::Bin(Bin::Add, Box::new(self), Box::new(rhs))
    }
}
impl ops::Sub for D {
    type Output = D;
    fn sub(self, rhs: D) -> D {
        D::Bin(Bin::Sub, Box::new(self), Box::new(rhs))
    }
}
impl ops::Mul for D {
    type Output = D;
    fn mul(self, rhs: D) -> D {
        D::Bin(Bin::Mul, Box::new(self), Box::new(rhs))
    }
}
impl ops::Div for D {
    type Output = D;
    fn div(self, rhs: D) -> D {
        D::Bin(Bin::Div, Box::new(self), Box::new(rhs))
    }
}
impl ops::Neg for D {
    type Output = D;
    fn neg(self) -> D {
        D::Neg(Box::new(self))
    }
}

/// ∂y/∂xi for each operand of `op`, `None` where no derivative flows.
pub fn partials(op: Op) -> Vec<Option<D>> {
    use Op::*;
    let none = || vec![None; op.arity()];
    let all = |ds: Vec<D>| ds.into_iter().map(Some).collect();
    match op {
        Add => all(vec![n(1.0), n(1.0)]),
        Sub => all(vec![n(1.0), -n(1.0)]),
        Mul => all(vec![x(1), x(0)]),
        Div => all(vec![n(1.0) / x(1), -y() / x(1)]),
        // The quotient `%` took, from its result: `trunc(x₀ / x₁)` rounds the
        // division first, and is one off where it lands on an integer
        // (`1.0 % 0.1` takes 9 tenths, `1.0 / 0.1` is exactly 10).
        Rem => all(vec![n(1.0), -call(Round, (x(0) - y()) / x(1))]),
        // `x − y·q` with `q = x.div_euclid(y)`, a whole number: from the result.
        RemEuclid => all(vec![n(1.0), -call(Round, (x(0) - y()) / x(1))]),
        DivEuclid => none(),
        Neg => all(vec![-n(1.0)]),
        ToFloat(_) => all(vec![n(1.0)]),
        Eq | Ne | Lt | Le | Gt | Ge | Not | BitAnd | BitOr | BitXor | Shl | Shr => none(),

        Exp => all(vec![y()]),
        Exp2 => all(vec![y() * D::Const(MathConst::Ln2)]),
        ExpM1 => all(vec![y() + n(1.0)]),
        Ln => all(vec![n(1.0) / x(0)]),
        Ln1p => all(vec![n(1.0) / (n(1.0) + x(0))]),
        Log => all(vec![n(1.0) / (x(0) * call(Ln, x(1))), -y() / (x(1) * call(Ln, x(1)))]),
        Log2 => all(vec![n(1.0) / (x(0) * D::Const(MathConst::Ln2))]),
        Log10 => all(vec![n(1.0) / (x(0) * D::Const(MathConst::Ln10))]),
        Sqrt => all(vec![n(0.5) / y()]),
        Cbrt => all(vec![n(1.0) / (n(3.0) * y() * y())]),
        // `n·xⁿ⁻¹` is `0·0⁻¹` = NaN at `n = 0`, `x = 0`: the `n = 0` case is 0.
        Powi => {
            vec![
                Some(sel(cmp(Cmp::Eq, D::IntArg(1), n(0.0)), n(0.0), D::IntArg(1) * D::PowiLess(Box::new(x(0)), 1))),
                None,
            ]
        }
        // `y·xʸ⁻¹` is `0·0⁻¹` = NaN at `y = 0`, `x = 0` only: the case is 0
        // there. Elsewhere at `y = 0` the product itself is taken (its value
        // is 0 too), so that its derivative in `y`, which `NAME_hvp` reads,
        // is `xʸ⁻¹` and not that of the constant 0.
        Powf => {
            let power = || x(1) * call2(Powf, x(0), x(1) - n(1.0));
            all(vec![
                sel(cmp(Cmp::Eq, x(1), n(0.0)), sel(cmp(Cmp::Eq, x(0), n(0.0)), n(0.0), power()), power()),
                sel(cmp(Cmp::Eq, x(0), n(0.0)), n(0.0), y() * call(Ln, x(0))),
            ])
        }

        Sin => all(vec![call(Cos, x(0))]),
        Cos => all(vec![-call(Sin, x(0))]),
        Tan => all(vec![n(1.0) + y() * y()]),
        Asin => all(vec![n(1.0) / call(Sqrt, n(1.0) - x(0) * x(0))]),
        Acos => all(vec![-(n(1.0) / call(Sqrt, n(1.0) - x(0) * x(0)))]),
        Atan => all(vec![n(1.0) / (n(1.0) + x(0) * x(0))]),
        // `x₁ / r²` as `(x₁ / r) / r` with `r = hypot(x₀, x₁)`: `r²` underflows
        // to 0 below about 1e-162 (1e-22 in f32), away from the origin, where
        // `r` is 0 only at the origin itself (the convention: 0 there).
        Atan2 => {
            let r = || call2(Hypot, x(0), x(1));
            all(vec![
                sel(cmp(Cmp::Eq, r(), n(0.0)), n(0.0), x(1) / r() / r()),
                sel(cmp(Cmp::Eq, r(), n(0.0)), n(0.0), -(x(0) / r() / r())),
            ])
        }
        Sinh => all(vec![call(Cosh, x(0))]),
        Cosh => all(vec![call(Sinh, x(0))]),
        Tanh => all(vec![n(1.0) - y() * y()]),
        Asinh => all(vec![n(1.0) / call(Sqrt, x(0) * x(0) + n(1.0))]),
        Acosh => all(vec![n(1.0) / call(Sqrt, x(0) * x(0) - n(1.0))]),
        Atanh => all(vec![n(1.0) / (n(1.0) - x(0) * x(0))]),

        Abs => all(vec![sel(cmp(Cmp::Gt, x(0), n(0.0)), n(1.0), sel(cmp(Cmp::Lt, x(0), n(0.0)), -n(1.0), n(0.0)))]),
        // Comparing the operands, not the result, so the result need not be
        // kept. Rust's `max`/`min` return the operand that is not NaN: the
        // first gets the derivative when it wins or ties, or when the second
        // is NaN (`x₁ ≠ x₁`, tested only when the comparison fails).
        Max => select_first(Cmp::Ge),
        Min => select_first(Cmp::Le),
        Clamp => all(vec![
            sel(cmp(Cmp::Lt, x(0), x(1)), n(0.0), sel(cmp(Cmp::Gt, x(0), x(2)), n(0.0), n(1.0))),
            sel(cmp(Cmp::Lt, x(0), x(1)), n(1.0), n(0.0)),
            sel(cmp(Cmp::Gt, x(0), x(2)), n(1.0), n(0.0)),
        ]),
        Hypot => all(vec![
            sel(cmp(Cmp::Eq, y(), n(0.0)), n(0.0), x(0) / y()),
            sel(cmp(Cmp::Eq, y(), n(0.0)), n(0.0), x(1) / y()),
        ]),
        Recip => all(vec![-(y() * y())]),
        MulAdd => all(vec![x(1), x(0), n(1.0)]),
        ToDegrees => all(vec![n(180.0) / D::Const(MathConst::Pi)]),
        ToRadians => all(vec![D::Const(MathConst::Pi) / n(180.0)]),
        Signum | Floor | Ceil | Round | Trunc => none(),
        Fract => all(vec![n(1.0)]),
        // `|x₀|` with the sign of `x₁`: `±1` in `x₀` (0 at 0, as `abs`), none in `x₁`.
        Copysign => vec![
            Some(sel(
                cmp(Cmp::Gt, x(0), n(0.0)),
                call(Signum, x(1)),
                sel(cmp(Cmp::Lt, x(0), n(0.0)), -call(Signum, x(1)), n(0.0)),
            )),
            None,
        ],
    }
}

/// The tangent of a structural right-hand side, each linear in its
/// operands: the same form of the operands' tangents (`[ẋ, 0]` for `[x,
/// 0.5]`, `*ẋ` for `*x`, `vec![ẋ; n]` for `vec![x; n]`); `None` when no
/// operand has a tangent (the result's tangent is then zero). `zero_like`
/// stands in for an operand without one. Primitives have `partials`, calls
/// their callee's `jvp`; methods and casts to non-floats carry nothing.
/// Their transposes, for reverse mode, are `transpose_form`.
pub fn tangent_form(
    rhs: &Rhs,
    tangent: &dyn Fn(&Operand) -> Option<Operand>,
    zero_like: &dyn Fn(&Operand) -> Operand,
) -> Option<Rhs> {
    let or_zero = |operand: &Operand| tangent(operand).unwrap_or_else(|| zero_like(operand));
    match rhs {
        Rhs::Use(value) => tangent(value).map(Rhs::Use),
        Rhs::ArrayLit(items) => {
            items.iter().any(|item| tangent(item).is_some()).then(|| Rhs::ArrayLit(items.iter().map(or_zero).collect()))
        }
        Rhs::Repeat(value, len) => tangent(value).map(|value| Rhs::Repeat(value, len.clone())),
        Rhs::VecRepeat(value, len) => tangent(value).map(|value| Rhs::VecRepeat(value, len.clone())),
        Rhs::Deref(var) => match tangent(&Operand::Var(*var)) {
            Some(Operand::Var(dot)) => Some(Rhs::Deref(dot)),
            _ => None,
        },
        Rhs::Prim(..) | Rhs::Call(..) | Rhs::Method(..) | Rhs::Cast(..) | Rhs::Matches(..) => None,
    }
}

/// How the adjoint ȳ of a structural `y = rhs` flows back into one operand
/// `x`: the transpose of one term of `tangent_form`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transpose {
    /// `x̄ += ȳ`, element by element for an aggregate: `y = x`, `y = *x`.
    Whole,
    /// `x̄ += ȳ[k]`: `y = [.., x, ..]` with `x` the k-th item.
    Item(usize),
    /// `x̄ += e` for every element `e` of ȳ: `y = [x; n]`, `y = vec![x; n]`.
    EachElement,
}

/// The transpose of `tangent_form`, for reverse mode: each operand the
/// adjoint of a structural right-hand side flows into, and how. Empty for
/// the other forms: primitives have `partials`, calls their callee's
/// `vjp`; methods and casts to non-floats carry nothing.
pub fn transpose_form(rhs: &Rhs) -> Vec<(Operand, Transpose)> {
    match rhs {
        Rhs::Use(value) => vec![(value.clone(), Transpose::Whole)],
        Rhs::Deref(var) => vec![(Operand::Var(*var), Transpose::Whole)],
        Rhs::ArrayLit(items) => items.iter().enumerate().map(|(k, item)| (item.clone(), Transpose::Item(k))).collect(),
        Rhs::Repeat(value, _) | Rhs::VecRepeat(value, _) => vec![(value.clone(), Transpose::EachElement)],
        Rhs::Prim(..) | Rhs::Call(..) | Rhs::Method(..) | Rhs::Cast(..) | Rhs::Matches(..) => Vec::new(),
    }
}

/// The partials of `max` (`order = Ge`) or `min` (`Le`): 1 for the operand
/// returned, 0 for the other.
fn select_first(order: Cmp) -> Vec<Option<D>> {
    // A tie splits the derivative evenly, as JAX's `maximum` and PyTorch's
    // do: `m.max(0.0) + (-m.abs()).exp().ln_1p()` (softplus, written the
    // stable way) then has its derivative ½ at 0.
    let tie = |then: D| sel(cmp(Cmp::Eq, x(0), x(1)), n(0.5), then);
    let first = sel(cmp(order, x(0), x(1)), n(1.0), sel(cmp(Cmp::Ne, x(1), x(1)), n(1.0), n(0.0)));
    let second = sel(cmp(order, x(0), x(1)), n(0.0), sel(cmp(Cmp::Ne, x(1), x(1)), n(0.0), n(1.0)));
    vec![Some(tie(first)), Some(tie(second))]
}

/// Whether `op` can give an infinite or NaN partial (and result) from
/// finite operands: at a pole (`1/x`, `ln x`, `√x` and `∛x` at 0, `xⁿ`
/// with `n < 1` at 0, `asin`/`acos`/`atanh` at ±1, `acosh` at 1), outside
/// its domain, or because its result overflows (`exp`, `sinh`, `cosh`,
/// `powi`, `powf`). The other rules' partials are finite at finite
/// operands (see `finite.rs` for why this matters; `finite.rs` has the
/// values such operations can make).
pub fn can_blow_up(op: Op) -> bool {
    use Op::*;
    match op {
        Div | Rem | RemEuclid | Exp | Exp2 | ExpM1 | Ln | Ln1p | Log | Log2 | Log10 | Sqrt | Cbrt | Powi | Powf
        | Asin | Acos | Acosh | Atanh | Sinh | Cosh | Recip => true,
        Add | Sub | Mul | Neg | Eq | Ne | Lt | Le | Gt | Ge | Not | BitAnd | BitOr | BitXor | Shl | Shr
        | ToFloat(_) | Sin | Cos | Tan | Atan | Atan2 | Tanh | Asinh | Abs | Max | Min | Hypot | MulAdd | Clamp
        | ToDegrees | ToRadians | Signum | Floor | Ceil | Round | Trunc | Fract | DivEuclid | Copysign => false,
    }
}

impl D {
    /// Whether this partial may be exactly 0 at some point, as a product
    /// to write: a literal's term needs no product (`∂(x + y)/∂x = 1`; a 0
    /// drops the term), nor does a select between literals (`max`'s losing
    /// side is a literal 0).
    pub fn may_vanish(&self) -> bool {
        match self {
            D::Lit(_) => false,
            D::Neg(inner) => inner.may_vanish(),
            D::Select(_, then, els) => then.may_vanish() || els.may_vanish(),
            _ => true,
        }
    }

    /// Whether this partial can be non-finite when the operands and the
    /// result it reads are finite except those `unbounded` says may not be
    /// (`None` for the result). A select's condition does not count: only
    /// the values it chooses between do.
    pub fn reads_unbounded(&self, unbounded: &dyn Fn(Option<usize>) -> bool) -> bool {
        match self {
            D::Arg(i) => unbounded(Some(*i)),
            D::Out => unbounded(None),
            D::Lit(_) | D::Const(_) | D::IntArg(_) => false,
            D::Neg(a) | D::PowiLess(a, _) => a.reads_unbounded(unbounded),
            D::Bin(_, a, b) => a.reads_unbounded(unbounded) || b.reads_unbounded(unbounded),
            D::Call(_, args) => args.iter().any(|a| a.reads_unbounded(unbounded)),
            D::Select(_, a, b) => a.reads_unbounded(unbounded) || b.reads_unbounded(unbounded),
        }
    }

    /// Calls `visit` on every operand index and on `None` for the result,
    /// for each place this expression reads them.
    pub fn reads(&self, visit: &mut dyn FnMut(Option<usize>)) {
        match self {
            D::Arg(i) | D::IntArg(i) => visit(Some(*i)),
            D::Out => visit(None),
            D::Lit(_) | D::Const(_) => {}
            D::Neg(a) => a.reads(visit),
            D::Bin(_, a, b) => {
                a.reads(visit);
                b.reads(visit);
            }
            D::Call(_, args) => args.iter().for_each(|a| a.reads(visit)),
            D::PowiLess(a, i) => {
                a.reads(visit);
                visit(Some(*i));
            }
            D::Select(cond, a, b) => {
                let Cond::Cmp(_, l, r) = &**cond;
                for d in [l, r, a, b] {
                    d.reads(visit);
                }
            }
        }
    }

    pub fn reads_out(&self) -> bool {
        let mut found = false;
        self.reads(&mut |read| found |= read.is_none());
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Evaluates a partial at numbers, to check each rule against a finite
    /// difference of the function it belongs to.
    fn eval(d: &D, args: &[f64], out: f64) -> f64 {
        let e = |d: &D| eval(d, args, out);
        match d {
            D::Arg(i) | D::IntArg(i) => args[*i],
            D::Out => out,
            D::Lit(v) => *v,
            D::Const(MathConst::Pi) => std::f64::consts::PI,
            D::Const(MathConst::Ln2) => std::f64::consts::LN_2,
            D::Const(MathConst::Ln10) => std::f64::consts::LN_10,
            D::Neg(a) => -e(a),
            D::Bin(Bin::Add, a, b) => e(a) + e(b),
            D::Bin(Bin::Sub, a, b) => e(a) - e(b),
            D::Bin(Bin::Mul, a, b) => e(a) * e(b),
            D::Bin(Bin::Div, a, b) => e(a) / e(b),
            D::Call(op, a) => apply(*op, &a.iter().map(e).collect::<Vec<_>>()),
            D::PowiLess(a, i) => e(a).powi(args[*i] as i32 - 1),
            D::Select(cond, a, b) => {
                let Cond::Cmp(op, l, r) = &**cond;
                let (l, r) = (e(l), e(r));
                let holds = match op {
                    Cmp::Eq => l == r,
                    Cmp::Lt => l < r,
                    Cmp::Gt => l > r,
                    Cmp::Ge => l >= r,
                    Cmp::Le => l <= r,
                    Cmp::Ne => l != r,
                };
                if holds {
                    e(a)
                } else {
                    e(b)
                }
            }
        }
    }

    fn apply(op: Op, a: &[f64]) -> f64 {
        use Op::*;
        match op {
            Add => a[0] + a[1],
            Sub => a[0] - a[1],
            Mul => a[0] * a[1],
            Div => a[0] / a[1],
            Rem => a[0] % a[1],
            RemEuclid => a[0].rem_euclid(a[1]),
            DivEuclid => a[0].div_euclid(a[1]),
            Copysign => a[0].copysign(a[1]),
            Neg => -a[0],
            Exp => a[0].exp(),
            Exp2 => a[0].exp2(),
            ExpM1 => a[0].exp_m1(),
            Ln => a[0].ln(),
            Ln1p => a[0].ln_1p(),
            Log => a[0].log(a[1]),
            Log2 => a[0].log2(),
            Log10 => a[0].log10(),
            Sqrt => a[0].sqrt(),
            Cbrt => a[0].cbrt(),
            Powi => a[0].powi(a[1] as i32),
            Powf => a[0].powf(a[1]),
            Sin => a[0].sin(),
            Cos => a[0].cos(),
            Tan => a[0].tan(),
            Asin => a[0].asin(),
            Acos => a[0].acos(),
            Atan => a[0].atan(),
            Atan2 => a[0].atan2(a[1]),
            Sinh => a[0].sinh(),
            Cosh => a[0].cosh(),
            Tanh => a[0].tanh(),
            Asinh => a[0].asinh(),
            Acosh => a[0].acosh(),
            Atanh => a[0].atanh(),
            Abs => a[0].abs(),
            Max => a[0].max(a[1]),
            Min => a[0].min(a[1]),
            Hypot => a[0].hypot(a[1]),
            Recip => a[0].recip(),
            MulAdd => a[0].mul_add(a[1], a[2]),
            Clamp => a[0].clamp(a[1], a[2]),
            ToDegrees => a[0].to_degrees(),
            ToRadians => a[0].to_radians(),
            Trunc => a[0].trunc(),
            Round => a[0].round(),
            Fract => a[0].fract(),
            Signum => a[0].signum(),
            other => panic!("no evaluator for {other:?}"),
        }
    }

    /// Every differentiable rule matches a central difference at a point
    /// inside its domain.
    #[test]
    fn rules_match_finite_differences() {
        use Op::*;
        let cases: &[(Op, &[f64])] = &[
            (Add, &[0.3, -1.2]),
            (Sub, &[0.3, -1.2]),
            (Mul, &[0.3, -1.2]),
            (Div, &[0.3, -1.2]),
            (Rem, &[5.3, 1.2]),
            (RemEuclid, &[-5.3, 1.2]),
            (Neg, &[0.7]),
            (Exp, &[0.7]),
            (Exp2, &[0.7]),
            (ExpM1, &[0.7]),
            (Ln, &[0.7]),
            (Ln1p, &[0.7]),
            (Log, &[0.7, 3.0]),
            (Log2, &[0.7]),
            (Log10, &[0.7]),
            (Sqrt, &[0.7]),
            (Cbrt, &[-0.7]),
            (Powf, &[0.7, 2.3]),
            (Sin, &[0.7]),
            (Cos, &[0.7]),
            (Tan, &[0.7]),
            (Asin, &[0.3]),
            (Acos, &[0.3]),
            (Atan, &[0.7]),
            (Atan2, &[0.7, -1.1]),
            (Sinh, &[0.7]),
            (Cosh, &[0.7]),
            (Tanh, &[0.7]),
            (Asinh, &[0.7]),
            (Acosh, &[1.7]),
            (Atanh, &[0.3]),
            (Abs, &[-0.7]),
            (Max, &[0.7, -1.1]),
            (Min, &[0.7, -1.1]),
            (Hypot, &[0.7, -1.1]),
            (Recip, &[0.7]),
            (MulAdd, &[0.7, -1.1, 0.4]),
            (Clamp, &[0.7, -1.0, 1.0]),
            (Clamp, &[1.7, -1.0, 1.0]),
            (ToDegrees, &[0.7]),
            (ToRadians, &[0.7]),
            (Fract, &[2.3]),
            (Copysign, &[0.7, -1.1]),
            (Copysign, &[-0.7, -1.1]),
            (Copysign, &[-0.7, 1.1]),
        ];
        for &(op, point) in cases {
            let out = apply(op, point);
            for (i, partial) in partials(op).iter().enumerate() {
                let Some(partial) = partial else { continue };
                let h = 1e-6;
                let shifted = |delta: f64| {
                    let mut p = point.to_vec();
                    p[i] += delta;
                    apply(op, &p)
                };
                let numeric = (shifted(h) - shifted(-h)) / (2.0 * h);
                let analytic = eval(partial, point, out);
                assert!(
                    (numeric - analytic).abs() <= 1e-6 * (1.0 + numeric.abs()),
                    "{op:?} ∂{i}: {analytic} vs {numeric}"
                );
            }
        }
    }

    /// Two rules that were wrong at points where their formula rounds:
    /// `%`'s quotient where the division lands on an integer (1.0 % 0.1
    /// takes 9 tenths: locally `x₀ − 9x₁`), and `atan2` near the origin,
    /// where `x₀² + x₁²` underflows to 0 (the exact partials, from
    /// `∂/∂x₀ = x₁ / (x₀² + x₁²)` at `x₀ = x₁ = a`: `1 / 2a`).
    #[test]
    fn partials_hold_where_their_formulas_round() {
        let at = |op: Op, i: usize, args: &[f64]| eval(&partials(op)[i].clone().unwrap(), args, apply(op, args));
        assert_eq!(at(Op::Rem, 1, &[1.0, 0.1]), -9.0);
        assert_eq!(at(Op::Rem, 1, &[-7.5, 2.0]), 3.0);
        for a in [1e-170, 1e-200, 1e150] {
            let (dy, dx) = (at(Op::Atan2, 0, &[a, a]), at(Op::Atan2, 1, &[a, a]));
            let want = 1.0 / (2.0 * a);
            assert!((dy - want).abs() <= 1e-12 * want && (dx + want).abs() <= 1e-12 * want, "{a}: {dy}, {dx}");
        }
        assert_eq!((at(Op::Atan2, 0, &[0.0, 0.0]), at(Op::Atan2, 1, &[0.0, 0.0])), (0.0, 0.0));
    }

    #[test]
    fn powi_rule_uses_the_integer_exponent() {
        let partial = partials(Op::Powi)[0].clone().unwrap();
        let value = eval(&partial, &[1.5, 3.0], 1.5f64.powi(3));
        assert!((value - 3.0 * 1.5 * 1.5).abs() < 1e-12);
        assert!(partials(Op::Powi)[1].is_none());
    }

    #[test]
    fn conventions_at_kinks() {
        let at = |op: Op, i: usize, args: &[f64]| eval(&partials(op)[i].clone().unwrap(), args, apply(op, args));
        assert_eq!(at(Op::Abs, 0, &[0.0]), 0.0);
        assert_eq!(at(Op::Max, 0, &[1.0, 1.0]), 0.5);
        assert_eq!(at(Op::Max, 1, &[1.0, 1.0]), 0.5);
        assert_eq!(at(Op::Min, 0, &[1.0, 1.0]), 0.5);
        assert_eq!((at(Op::Max, 0, &[2.0, 1.0]), at(Op::Max, 1, &[2.0, 1.0])), (1.0, 0.0));
        assert_eq!((at(Op::Min, 0, &[2.0, 1.0]), at(Op::Min, 1, &[2.0, 1.0])), (0.0, 1.0));
        // The operand Rust returns gets the derivative: the one not NaN.
        for op in [Op::Max, Op::Min] {
            assert_eq!((at(op, 0, &[1.0, f64::NAN]), at(op, 1, &[1.0, f64::NAN])), (1.0, 0.0));
            assert_eq!((at(op, 0, &[f64::NAN, 1.0]), at(op, 1, &[f64::NAN, 1.0])), (0.0, 1.0));
        }
        assert_eq!(at(Op::Powf, 1, &[0.0, 2.0]), 0.0);
        assert_eq!(at(Op::Powf, 0, &[0.0, 0.0]), 0.0);
        assert_eq!(at(Op::Powi, 0, &[0.0, 0.0]), 0.0);
        assert_eq!(at(Op::Powi, 0, &[0.0, 1.0]), 1.0);
        assert_eq!(at(Op::Hypot, 0, &[0.0, 0.0]), 0.0);
        assert_eq!(at(Op::Atan2, 1, &[0.0, 0.0]), 0.0);
        assert_eq!(at(Op::Clamp, 0, &[-1.0, -1.0, 1.0]), 1.0);
        assert_eq!(at(Op::Clamp, 1, &[-1.0, -1.0, 1.0]), 0.0);
        assert!(partials(Op::Floor).iter().all(Option::is_none));
    }

    /// Each structural form's transpose pairs every operand its tangent
    /// reads with the part of ȳ it came from: `[a, b]` reads `ȧ` into item
    /// 0 and `ḃ` into item 1, so `ā += ȳ[0]`, `b̄ += ȳ[1]`.
    #[test]
    fn structural_transposes_mirror_the_tangent_forms() {
        use crate::ir::Var;
        let var = |i| Operand::Var(Var(i));
        let read = |form: Vec<(Operand, Transpose)>| -> Vec<(Option<Var>, Transpose)> {
            form.into_iter().map(|(operand, transpose)| (operand.var(), transpose)).collect()
        };
        let pair = read(transpose_form(&Rhs::ArrayLit(vec![var(1), var(2)])));
        assert_eq!(pair, vec![(Some(Var(1)), Transpose::Item(0)), (Some(Var(2)), Transpose::Item(1))]);
        assert_eq!(read(transpose_form(&Rhs::Deref(Var(3)))), vec![(Some(Var(3)), Transpose::Whole)]);
        assert_eq!(read(transpose_form(&Rhs::Use(var(4)))), vec![(Some(Var(4)), Transpose::Whole)]);
        let repeat = Rhs::VecRepeat(var(5), var(6));
        // The length is not differentiated: only the repeated value gets ȳ.
        assert_eq!(read(transpose_form(&repeat)), vec![(Some(Var(5)), Transpose::EachElement)]);
        assert!(transpose_form(&Rhs::Prim(Op::Sin, vec![var(1)])).is_empty());
    }
}
