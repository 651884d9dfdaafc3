//! A corpus of `#[grad]` scalar functions covering every construct of the
//! supported subset, each checked against central differences at random
//! points of its domain (a proptest per function, driven by one table), plus
//! closed-form checks of the conventions at kinks.
//!
//! Adding a function to the check is one line of `cases()`:
//!
//! ```text
//! case!(name, name_grad, name_vjp; (x, 3, y); x in [lo, hi], y in [lo, hi]; where cond(x, y));
//! ```
//!
//! The parenthesised list is how the function is called (constant arguments
//! written in place); the `in` list names the differentiated parameters, in
//! the order their partials are returned, with the interval each is drawn
//! from; `where` (optional) rejects points too close to a kink or a branch
//! boundary; `tol(step, tol, vjp_tol)` (optional) overrides the default
//! tolerances for functions where finite differences are noisy.

mod common;

use std::f64::consts::PI;

use autodiff::{grad, numeric_gradient_with_step, sigmoid};
use common::{check_every_case, close, directions, dot_with_allowance, points_in, same, M};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------
// The corpus: `let`, assignment, shadowing, operators, literals, casts.
// ---------------------------------------------------------------------------

/// `f(x, y) = 2(xy + x)² − xy`: typed `let`, untyped `let`, `let mut` and a
/// reassignment. `∂x = 4(xy + x)(y + 1) − y`, `∂y = 4(xy + x)x − x`.
#[grad(forward, reverse, hessian)]
fn lets(x: f64, y: f64) -> f64 {
    let a: f64 = x * y;
    let b = a + x;
    let mut c = b * b;
    c = 2.0 * c - a;
    c
}

/// `f(x, y) = (x/2 + y)·y / (2 + x²)`: every compound assignment.
#[grad(forward, reverse, hessian)]
fn compound(x: f64, y: f64) -> f64 {
    let mut s = x;
    s += y;
    s -= 0.5 * x;
    s *= y;
    s /= 2.0 + x * x;
    s
}

/// `f(x, y) = sin(x²)·(y + 1)`: a variable overwritten several times with
/// values the reverse sweep needs. `∂x = 2x cos(x²)(y + 1)`, `∂y = sin(x²)`.
#[grad(forward, reverse, hessian)]
fn reassign(x: f64, y: f64) -> f64 {
    let mut t = x;
    t = t * t;
    t = t.sin();
    t = y * t + t;
    t
}

/// `f(x, y) = 4x² + 2xy − 2x − y`: shadowing with `let x = x * 2.0;`.
/// `∂x = 8x + 2y − 2`, `∂y = 2x − 1`.
#[grad(forward, reverse, hessian)]
fn shadowing(x: f64, y: f64) -> f64 {
    let x = x * 2.0;
    let y = x + y;
    let x = x * y;
    x - y
}

/// `f(x, y) = (x + y)(x − y)/(1 + y²) + x % y`; on the domain `trunc(x/y) = 2`,
/// so `x % y = x − 2y`: `∂x = 2x/(1 + y²) + 1`, `∂y = −2y(1 + x²)/(1 + y²)² − 2`.
#[grad(forward, reverse, hessian)]
fn arith(x: f64, y: f64) -> f64 {
    (x + y) * (x - y) / (1.0 + y * y) + x % y
}

/// `f(x, y) = −2x² + xy − 2y − sin x`: unary minus on variables,
/// parenthesised expressions, literals and calls.
#[grad(forward, reverse, hessian)]
fn unary_neg(x: f64, y: f64) -> f64 {
    let a = -x;
    let b = -(y - x);
    a * b + -2.0 * y + -(x * x) + -x.sin()
}

/// `f(x, y) = 2(x + y(x − 1))/(y + 3)`: nested parentheses.
/// `∂x = 2(1 + y)/(y + 3)`, `∂y = 2(2x − 3)/(y + 3)²`.
#[grad(forward, reverse, hessian)]
fn parens(x: f64, y: f64) -> f64 {
    ((x + (y * (x - 1.0))) * (2.0)) / ((y) + 3.0)
}

/// `f(x, y) = 2.1x + 5y + xy/2 + x²`: suffixed (`2.0_f64`, `3f64`),
/// unsuffixed, exponent and `2.` literals.
#[grad(forward, reverse, hessian)]
fn literals(x: f64, y: f64) -> f64 {
    2.0_f64 * x + 3f64 * y + 0.5 * x * y + 1e-1 * x + 2. * y + 1_000.0e-3 * x * x
}

/// `f(x, y) = n·x + m·y + (n + 1)·x·y` with `m = ⌊2x⌋` (a float cast to an
/// integer is a constant) and `n` a `usize`: `∂x = n + (n + 1)y`,
/// `∂y = m + (n + 1)x`.
#[grad(forward, reverse, hessian)]
fn casts_int(x: f64, n: usize, y: f64) -> f64 {
    let k = n as f64;
    let m = (x * 2.0) as i32;
    let n1 = (n as i32 + 1) as f64;
    k * x + (m as f64) * y + n1 * x * y
}

/// `f(x, y) = x̃²·y + x` with `x̃ = x as f32`: an `f64 → f32 → f64` round trip.
/// `∂x = 2x̃y + 1`, `∂y = x̃²` (rounded to `f32`).
#[grad(forward, reverse, hessian)]
fn casts_f32(x: f64, y: f64) -> f64 {
    let a = x as f32;
    let b = a * a;
    (b as f64) * y + x
}

/// `f(x, y) = (x + y)² + sin 2x + x`: block expressions, one of which
/// shadows `x` without touching the outer one.
#[grad(forward, reverse, hessian)]
fn block_expr(x: f64, y: f64) -> f64 {
    let s = {
        let t = x + y;
        t * t
    };
    let u = {
        let x = x * 2.0;
        x.sin()
    };
    s + u + x
}

/// `r = x²y` if `x > 1`, `xy + 1` if `x < −1`, `−x sin y` otherwise;
/// `f = 2r` if `y > 0.5`, else `r`: `if`/`else if`/`else` as statements.
#[grad(forward, reverse, hessian)]
fn if_stmt(x: f64, y: f64) -> f64 {
    let mut r = 0.0;
    if x > 1.0 {
        r = x * x * y;
    } else if x < -1.0 {
        r += x * y + 1.0;
    } else {
        r -= y.sin() * x;
    }
    if y > 0.5 {
        r *= 2.0;
    }
    r
}

/// `r = eˣ` if `x > ½`, `−xy` if `x < −½`, `x²y` otherwise;
/// `f = ln r + y` if `r > 1`, else `r + y`: `if` as an expression, and a
/// condition on a derived active value.
#[grad(forward, reverse, hessian)]
fn if_expr(x: f64, y: f64) -> f64 {
    let r = if x > 0.5 {
        x.exp()
    } else if x < -0.5 {
        -x * y
    } else {
        x * x * y
    };
    let q = if r > 1.0 { r.ln() } else { r };
    q + y
}

/// `f = xy` if `xy > 1`, else `y − x` if `x < y`, else `(x − y)²`:
/// conditions comparing active values with each other.
#[grad(forward, reverse, hessian)]
fn cond_active(x: f64, y: f64) -> f64 {
    if x * y > 1.0 {
        x * y
    } else if x < y {
        y - x
    } else {
        (x - y).powi(2)
    }
}

/// `f = xy` if `x > 0 ∧ y > 0`, else `x + y` if `x < −1 ∨ y < −1`, else
/// `x² − y`; plus `y` when `x ≥ 0 ∨ y ≥ 0` (a `bool` bound with `||`).
#[grad(forward, reverse, hessian)]
fn and_or(x: f64, y: f64) -> f64 {
    let either = x >= 0.0 || y >= 0.0;
    let r = if x > 0.0 && y > 0.0 {
        x * y
    } else if x < -1.0 || y < -1.0 {
        x + y
    } else {
        x * x - y
    };
    if either {
        r + y
    } else {
        r
    }
}

/// `f = −xy` if `x < 0`; else with `t = xy`: `√t` if `t > 2`, else `t²`:
/// early `return` at the top level.
#[grad(forward, reverse, hessian)]
fn early_return(x: f64, y: f64) -> f64 {
    if x < 0.0 {
        return -x * y;
    }
    let t = x * y;
    if t > 2.0 {
        return t.sqrt();
    }
    t * t
}

/// With `a = x + y`: `f = ax` if `x > 0, y > 0`; `ln 2a` if `x > 0, y ≤ 0,
/// 2a > 1`; `(2a + 1)y` if `x > 0, y ≤ 0, 2a ≤ 1`; `(x − y)²` if `x ≤ 0,
/// y > 1`; `ay` otherwise: `return` nested inside branches, one returning a
/// block.
#[grad(forward, reverse, hessian)]
fn nested_return(x: f64, y: f64) -> f64 {
    let mut acc = x + y;
    if x > 0.0 {
        if y > 0.0 {
            return acc * x;
        } else {
            acc *= 2.0;
            if acc > 1.0 {
                return acc.ln();
            }
        }
        acc += 1.0;
    } else if y > 1.0 {
        return {
            let t = x - y;
            t * t
        };
    }
    acc * y
}

/// `f = √x·y` if `x > y, x > 0`; `xy` if `x > y, x ≤ 0`; `y − x` otherwise:
/// an `if` in tail position with a `return` inside.
#[grad(forward, reverse, hessian)]
fn tail_if(x: f64, y: f64) -> f64 {
    if x > y {
        if x > 0.0 {
            return x.sqrt() * y;
        }
        x * y
    } else {
        y - x
    }
}

// ---------------------------------------------------------------------------
// `match` and `if let`.
// ---------------------------------------------------------------------------

/// An activation chosen by the caller.
#[derive(Clone, Copy, Debug)]
enum Activation {
    Relu,
    Tanh,
    Sigmoid,
    Identity,
}

/// `f = act(w·x + ½)`: `match` on an enum, one arm per unit variant.
/// With `z = wx + ½`: `∂x = act′(z)·w`, `∂w = act′(z)·x`.
#[grad(forward, reverse, hessian)]
fn neuron(x: f64, w: f64, act: Activation) -> f64 {
    let z = w * x + 0.5;
    match act {
        Activation::Relu => z.max(0.0),
        Activation::Tanh => z.tanh(),
        Activation::Sigmoid => 1.0 / (1.0 + (-z).exp()),
        Activation::Identity => z,
    }
}

/// A polynomial term chosen by an integer: literals, `|`, a range with a
/// guard on an active value, the same range without it, and a binding of
/// the rest. `f = 1`, `nx`, `xⁿ` (x > 0), `−x²`, or `k·sin x`.
#[grad(forward, reverse, hessian)]
fn by_degree(x: f64, n: u32) -> f64 {
    match n {
        0 => 1.0,
        1 | 2 => x * n as f64,
        3..=5 if x > 0.0 => x.powi(n as i32),
        3..=5 => -x * x,
        k => x.sin() * k as f64,
    }
}

/// `match` on a `bool` in statement position, arms that are assignments.
/// `f = xy + eˣ` when `flip`, `xy − y²` otherwise.
#[grad(forward, reverse, hessian)]
fn toggled(x: f64, y: f64, flip: bool) -> f64 {
    let mut s = x * y;
    match flip {
        true => s += x.exp(),
        false => {
            s -= y * y;
        }
    }
    s
}

/// The Huber loss, as a `match` on an active float with guards and a
/// binding: `½r²` for `|r| ≤ δ`, `δ(|r| − ½δ)` beyond.
#[grad(forward, reverse, hessian)]
fn huber_match(r: f64, delta: f64) -> f64 {
    match r.abs() {
        a if a <= delta => 0.5 * r * r,
        a => delta * (a - 0.5 * delta),
    }
}

/// An arm that returns from the function, and ranges over a float.
/// `f = x` for `x < −1`, else `g + 1` with `g = x²` on `[−1, 1)`, `√x` above.
#[grad(forward, reverse, hessian)]
fn match_return(x: f64) -> f64 {
    let g = match x {
        ..-1.0 => return x,
        -1.0..1.0 => x * x,
        _ => x.sqrt(),
    };
    g + 1.0
}

/// `if let` on a range and on an enum variant:
/// `f = 2xy` when `0 ≤ n ≤ 2` (else `xy`), plus `y²` unless `act` is `Relu`.
#[grad(forward, reverse, hessian)]
fn if_let_forms(x: f64, y: f64, n: i32, act: Activation) -> f64 {
    let mut s = if let 0..=2 = n { 2.0 * x * y } else { x * y };
    if let Activation::Relu = act {
    } else {
        s += y * y;
    }
    s
}

/// `f = wx + b` with an optional bias, then scaled by the bias when it is
/// over 1, kept without it, negated with none: `if let Some(b)` and a `match`
/// that binds inside a variant, with a guard.
#[grad(forward, reverse, hessian)]
fn biased(x: f64, w: f64, bias: Option<f64>) -> f64 {
    let z = w * x;
    let z = if let Some(b) = bias { z + b } else { z };
    match bias {
        Some(b) if b > 1.0 => z * b,
        Some(_) => z,
        None => -z,
    }
}

/// A regularizer carrying its weights.
#[derive(Clone, Copy, Debug)]
enum Penalty {
    Zero,
    L2(f64),
    Elastic { l1: f64, l2: f64 },
}

/// `f = (2w − y)² + penalty(w)`: variants carrying floats, in a tuple and
/// in a struct variant, bound by name.
#[grad(forward, reverse, hessian)]
fn penalized(w: f64, y: f64, penalty: Penalty) -> f64 {
    let fit = (w * 2.0 - y).powi(2);
    fit + match penalty {
        Penalty::Zero => 0.0,
        Penalty::L2(lambda) => lambda * w * w,
        Penalty::Elastic { l1, l2 } => l1 * w.abs() + l2 * w * w,
    }
}

/// A `match` on a tuple of conditions, as people sort cases by quadrant:
/// `xy` in the first, `x − y` in the fourth, `(x + y)·k` for `k > 2` in
/// the rest, else `x + y`.
#[grad(forward, reverse, hessian)]
fn quadrant(x: f64, y: f64, k: i32) -> f64 {
    match (x > 0.0, y > 0.0) {
        (true, true) => x * y,
        (true, false) => x - y,
        _ if k > 2 => (x + y) * k as f64,
        _ => x + y,
    }
}

/// A `match` on a float and an enum together, with names bound in both
/// parts and a guard reading them: `f = r²·l2` for `L2(l2)` when `|r| < 1`,
/// `|r|·l2` for `L2` beyond, `r` otherwise.
#[grad(forward, reverse, hessian)]
fn tuple_bindings(r: f64, penalty: Penalty) -> f64 {
    match (r.abs(), penalty) {
        (a, Penalty::L2(l2)) if a < 1.0 => r * r * l2,
        (a, Penalty::L2(l2)) => a * l2,
        (_, _) => r,
    }
}

/// `let .. else` with an early `return`: `f = x·s` for a scale `s`, `x`
/// without one; and with an integer, `f = x²·k` for `k ≥ 1`, else `−x`.
#[grad(forward, reverse, hessian)]
fn let_else(x: f64, scale: Option<f64>, k: i32) -> f64 {
    let Some(s) = scale else {
        return x;
    };
    let y = x * s;
    let 1.. = k else { return -y };
    y * y * k as f64
}

// ---------------------------------------------------------------------------
// Local closures, inlined at each call.
// ---------------------------------------------------------------------------

/// `f = 1.5x² + 1.5(xy)²·2 + softplus(y)`: a closure called twice that
/// reads a name later shadowed (it keeps the value it was written with),
/// and one with a block body and an early `return`.
#[grad(forward, reverse, hessian)]
fn local_closures(x: f64, y: f64) -> f64 {
    let scale = 1.5;
    let weighted_square = |v: f64| v * v * scale;
    let softplus = |v: f64| {
        if v > 20.0 {
            return v;
        }
        (1.0 + v.exp()).ln()
    };
    let scale = 2.0;
    weighted_square(x) + weighted_square(x * y) * scale + softplus(y)
}

/// Tuple `let`: `(u, v) = (x + y, xy)`, then swapped, with a typed name
/// and `_`. `f = (xy)²·(x + y) − (x + y)`.
#[grad(forward, reverse, hessian)]
fn tuple_let(x: f64, y: f64) -> f64 {
    let (u, v) = (x + y, x * y);
    let (u, v): (f64, f64) = (v, u);
    let (mut w, _) = (u * u, 0.0);
    w *= v;
    w - v
}

// ---------------------------------------------------------------------------
// The float library, as methods and as paths.
// ---------------------------------------------------------------------------

/// `f = eˣ + 2ʸ + (eˣ − 1)·y`.
#[grad(forward, reverse, hessian)]
fn exp_methods(x: f64, y: f64) -> f64 {
    x.exp() + y.exp2() + x.exp_m1() * y
}

/// `f = eˣ·2ʸ − (e^{xy} − 1)`.
#[grad(forward, reverse, hessian)]
fn exp_paths(x: f64, y: f64) -> f64 {
    f64::exp(x) * f64::exp2(y) - f64::exp_m1(x * y)
}

/// `f = ln x + ln(1 + y) + ln x / ln(y + 2) + y·log₂ x + log₁₀ y`.
#[grad(forward, reverse, hessian)]
fn log_methods(x: f64, y: f64) -> f64 {
    x.ln() + y.ln_1p() + x.log(y + 2.0) + x.log2() * y + y.log10()
}

/// `f = ln(xy) + ln(1 + x) − ln y / ln(x + 1.5) + log₂ y + y·log₁₀ x`.
#[grad(forward, reverse, hessian)]
fn log_paths(x: f64, y: f64) -> f64 {
    f64::ln(x * y) + f64::ln_1p(x) - f64::log(y, x + 1.5) + f64::log2(y) + f64::log10(x) * y
}

/// `f = √x + ∛y + x³·y⁻² + xʸ`.
#[grad(forward, reverse, hessian)]
fn roots_methods(x: f64, y: f64) -> f64 {
    x.sqrt() + y.cbrt() + x.powi(3) * y.powi(-2) + x.powf(y)
}

/// `f = √(xy) + ∛(y − 3) + x⁴ − y^2.5 + 2ˣ` (`∛` of a negative number).
#[grad(forward, reverse, hessian)]
fn roots_paths(x: f64, y: f64) -> f64 {
    f64::sqrt(x * y) + f64::cbrt(y - 3.0) + f64::powi(x, 4) - f64::powf(y, 2.5) + f64::powf(2.0, x)
}

/// `f = sin x·cos y + tan(xy)`.
#[grad(forward, reverse, hessian)]
fn trig_methods(x: f64, y: f64) -> f64 {
    x.sin() * y.cos() + (x * y).tan()
}

/// `f = sin(x + y) − cos x·tan y`.
#[grad(forward, reverse, hessian)]
fn trig_paths(x: f64, y: f64) -> f64 {
    f64::sin(x + y) - f64::cos(x) * f64::tan(y)
}

/// `f = asin x + acos y + y·atan x + atan2(y, x)`.
#[grad(forward, reverse, hessian)]
fn inv_trig_methods(x: f64, y: f64) -> f64 {
    x.asin() + y.acos() + x.atan() * y + y.atan2(x)
}

/// `f = asin(xy) − acos x + atan(x + y) + atan2(x, y + 2)`.
#[grad(forward, reverse, hessian)]
fn inv_trig_paths(x: f64, y: f64) -> f64 {
    f64::asin(x * y) - f64::acos(x) + f64::atan(x + y) + f64::atan2(x, y + 2.0)
}

/// `f = sinh x + x·cosh y + tanh(x − y)`.
#[grad(forward, reverse, hessian)]
fn hyperbolic_methods(x: f64, y: f64) -> f64 {
    x.sinh() + y.cosh() * x + (x - y).tanh()
}

/// `f = sinh(xy) + cosh x − x·tanh y`.
#[grad(forward, reverse, hessian)]
fn hyperbolic_paths(x: f64, y: f64) -> f64 {
    f64::sinh(x * y) + f64::cosh(x) - f64::tanh(y) * x
}

/// `f = asinh x + acosh y + atanh(x/3)`.
#[grad(forward, reverse, hessian)]
fn inv_hyperbolic_methods(x: f64, y: f64) -> f64 {
    x.asinh() + y.acosh() + (x / 3.0).atanh()
}

/// `f = asinh(xy)·acosh(y + 1.5) − atanh(x/2.5)`.
#[grad(forward, reverse, hessian)]
fn inv_hyperbolic_paths(x: f64, y: f64) -> f64 {
    f64::asinh(x * y) * f64::acosh(y + 1.5) - f64::atanh(x / 2.5)
}

/// `f = |x| + 2·max(x, y) + x·min(y, ½) + clamp(x, −1, y + 1)`.
#[grad(forward, reverse, hessian)]
fn nonsmooth_methods(x: f64, y: f64) -> f64 {
    x.abs() + x.max(y) * 2.0 + y.min(0.5) * x + x.clamp(-1.0, y + 1.0)
}

/// `f = |x − y| + max(xy, ½) − min(x, −y) + clamp(y, x − 1, x + 1)`.
#[grad(forward, reverse, hessian)]
fn nonsmooth_paths(x: f64, y: f64) -> f64 {
    f64::abs(x - y) + f64::max(x * y, 0.5) - f64::min(x, -y) + f64::clamp(y, x - 1.0, x + 1.0)
}

/// `f = √(x² + y²) + 1/x + (xy + x²) + y·180/(100π) + x·π/180`.
#[grad(forward, reverse, hessian)]
fn misc_methods(x: f64, y: f64) -> f64 {
    x.hypot(y) + x.recip() + x.mul_add(y, x * x) + y.to_degrees() * 0.01 + x.to_radians()
}

/// `f = √((x + 1)² + y²)/y + (x² + y) + (xy·180/π)/90 + y·π/180`.
#[grad(forward, reverse, hessian)]
fn misc_paths(x: f64, y: f64) -> f64 {
    f64::hypot(x + 1.0, y) * f64::recip(y) + f64::mul_add(x, x, y) + f64::to_degrees(x * y) / 90.0 + f64::to_radians(y)
}

/// `f = x·sgn x + ⌊x⌋y + ⌈y⌉x + round(xy) + trunc(y)·x + fract(x)·y`;
/// `∂x = sgn x + ⌈y⌉ + trunc y + y`, `∂y = ⌊x⌋ + fract x`.
#[grad(forward, reverse, hessian)]
fn piecewise_methods(x: f64, y: f64) -> f64 {
    x * x.signum() + x.floor() * y + y.ceil() * x + (x * y).round() + y.trunc() * x + x.fract() * y
}

/// `f = sgn(y)·x + ⌊2x⌋y + ⌈x⌉ + round(y)·x − trunc(x)·y + fract(xy)`;
/// `∂x = sgn y + round y + y`, `∂y = ⌊2x⌋ − trunc x + x`.
#[grad(forward, reverse, hessian)]
fn piecewise_paths(x: f64, y: f64) -> f64 {
    f64::signum(y) * x + f64::floor(x * 2.0) * y + f64::ceil(x) + f64::round(y) * x - f64::trunc(x) * y
        + f64::fract(x * y)
}

/// `f = τx + 10¹⁵ε·y + πy² + e·xy − ln 2`: constants by full path,
/// `f64::EPSILON`, and a bare imported `PI`.
#[grad(forward, reverse, hessian)]
fn constants(x: f64, y: f64) -> f64 {
    let tau = std::f64::consts::TAU;
    tau * x + f64::EPSILON * 1e15 * y + PI * y * y + std::f64::consts::E * x * y - core::f64::consts::LN_2
}

// ---------------------------------------------------------------------------
// Calls to other `#[grad]` functions.
// ---------------------------------------------------------------------------

/// `h(x, y) = x² + sin y`.
#[grad(forward, reverse, hessian)]
fn helper_sq(x: f64, y: f64) -> f64 {
    x * x + y.sin()
}

/// `f = h(x, y)·h(y, x) + h(2, x)` with `h = helper_sq`: calls by plain
/// name, one with a constant argument.
#[grad(forward, reverse, hessian)]
fn call_plain(x: f64, y: f64) -> f64 {
    helper_sq(x, y) * helper_sq(y, x) + helper_sq(2.0, x)
}

mod inner {
    use autodiff::grad;

    /// `g(x, y) = eˣ/(1 + y²)`.
    #[grad(forward, reverse, hessian)]
    pub fn helper(x: f64, y: f64) -> f64 {
        x.exp() / (1.0 + y * y)
    }

    pub mod deeper {
        use autodiff::grad;

        /// `c(x) = x³ − x`.
        #[grad(forward, reverse, hessian)]
        pub fn cube(x: f64) -> f64 {
            x.powi(3) - x
        }
    }
}

/// `f = g(x, y) + c(x − y) + g(y, ½) + c(xy)` with `g = inner::helper`,
/// `c = inner::deeper::cube`: calls by path (`inner::`, `self::`, `crate::`).
#[grad(forward, reverse, hessian)]
fn call_path(x: f64, y: f64) -> f64 {
    inner::helper(x, y) + inner::deeper::cube(x - y) + self::inner::helper(y, 0.5) + crate::inner::deeper::cube(x * y)
}

/// `f = l(xy) + l(y)` with `l(a) = a cos a` a `#[grad]` function defined
/// inside this function's body.
#[grad(forward, reverse, hessian)]
fn nested_def(x: f64, y: f64) -> f64 {
    #[grad(forward, reverse, hessian)]
    fn local(a: f64) -> f64 {
        a * a.cos()
    }
    local(x * y) + local(y)
}

/// Defines `#[grad] fn $name(x) = k x² + sin x`.
macro_rules! scaled_square {
    ($name:ident, $k:expr) => {
        /// `s(x) = k·x² + sin x`, defined by `macro_rules!`.
        #[grad(forward, reverse, hessian)]
        fn $name(x: f64) -> f64 {
            $k * x * x + x.sin()
        }
    };
}

scaled_square!(sq3, 3.0);

/// `f = s(x)·y + s(y)` with `s = sq3` (`3x² + sin x`), produced by a
/// `macro_rules!` macro.
#[grad(forward, reverse, hessian)]
fn call_macro(x: f64, y: f64) -> f64 {
    sq3(x) * y + sq3(y)
}

/// `f = σ(xy) + softplus(y)·tanh(x) + σ(y) + leaky_relu(x, 0.1)`: the
/// runtime's activations, by path and by plain (imported) name.
// The runtime's activations have no `tangent_vjp` (they are not `hessian`).
#[grad(forward, reverse)]
fn call_runtime(x: f64, y: f64) -> f64 {
    autodiff::sigmoid(x * y) + autodiff::softplus(y) * autodiff::tanh(x) + sigmoid(y) + autodiff::leaky_relu(x, 0.1)
}

/// `p(x, k, y) = xᵏ·y`, with a constant integer parameter.
#[grad(forward, reverse, hessian)]
fn powk(x: f64, k: i32, y: f64) -> f64 {
    x.powi(k) * y
}

/// With `a = call_plain(x, y)`: `f = p(ln a, 3, y)` if `a > 2`, else
/// `call_path(a, x)`: calls of calls, inside branches, one passing an
/// integer argument.
#[grad(forward, reverse, hessian)]
fn call_chain(x: f64, y: f64) -> f64 {
    let a = call_plain(x, y);
    if a > 2.0 {
        powk(a.ln(), 3, y)
    } else {
        call_path(a, x)
    }
}

// ---------------------------------------------------------------------------
// Integers, `wrt`, `f32`, `mut` and constant parameters.
// ---------------------------------------------------------------------------

/// With `m = 2n`, `p = n²`, `q = max(3, k)`, `r = (1 + m) mod 3`:
/// `f = x^m·y + p·x + q·y + r`: integer-only computation mixed in.
#[grad(forward, reverse, hessian)]
fn int_mix(x: f64, n: usize, k: i32, y: f64) -> f64 {
    let mut count = 0;
    count += 1;
    let m = n * 2;
    let p = n.pow(2);
    let q = i32::max(3, k);
    let r = (count + m) % 3;
    x.powi(m as i32) * y + p as f64 * x + q as f64 * y + r as f64
}

/// With `c = [x > 0] + 2[y > x]`: `f = cx + c²y`: an integer counter
/// updated inside branches on active conditions.
#[grad(forward, reverse, hessian)]
fn counter(x: f64, y: f64) -> f64 {
    let mut c: i32 = 0;
    if x > 0.0 {
        c += 1;
    }
    if y > x {
        c += 2;
    }
    let w = c as f64;
    x * w + y * (c * c) as f64
}

/// `f = kx + yᵏ` with a constant `i32` parameter `k`.
#[grad(forward, reverse, hessian)]
fn scaled(x: f64, k: i32, y: f64) -> f64 {
    x * k as f64 + y.powi(k)
}

/// `f = xⁿ·tanh y + x`, differentiated with respect to `y` only:
/// `∂y = xⁿ(1 − tanh² y)`.
#[grad(forward, reverse, hessian, wrt(y))]
fn wrt_y(x: f64, n: i32, y: f64) -> f64 {
    x.powi(n) * y.tanh() + x
}

/// `f = xy + yz + z sin x`, differentiated with respect to `x` and `z`:
/// `∂x = y + z cos x`, `∂z = y + sin x`.
#[grad(forward, reverse, hessian, wrt(x, z))]
fn wrt_xz(x: f64, y: f64, z: f64) -> f64 {
    x * y + y * z + z * x.sin()
}

/// `f = sin(xy + 2)·e^x + y²/2` in `f32`, with the exponential computed in
/// `f64` (`f32 → f64 → f32` casts).
#[grad(forward, reverse, hessian)]
fn f32_fn(x: f32, y: f32) -> f32 {
    let a = x * y + 2.0_f32;
    let b = (x as f64).exp() as f32;
    a.sin() * b + y.powi(2) * 0.5
}

/// `f = (xy + 1)·sin(xy + 1)`: a `mut` parameter that is reassigned.
#[grad(forward, reverse, hessian)]
fn mut_param(mut x: f64, y: f64) -> f64 {
    x = y * x + 1.0;
    x = x.sin() * x;
    x
}

/// `f = −xy` if `neg` and `x > 0`, else `x/y`: a constant `bool` parameter.
#[grad(forward, reverse, hessian)]
fn flagged(x: f64, neg: bool, y: f64) -> f64 {
    if neg && x > 0.0 {
        -x * y
    } else {
        x / y
    }
}

// ---------------------------------------------------------------------------
// More statement and expression forms.
// ---------------------------------------------------------------------------

/// `r = xy` if `x > y`, else `x + y`; `f = r²`: a `let` without an
/// initializer, assigned in both branches (the construct under test, so
/// clippy's preference for `let r = if ..` is silenced).
#[allow(clippy::needless_late_init)]
#[grad(forward, reverse, hessian)]
fn deferred_init(x: f64, y: f64) -> f64 {
    let r;
    if x > y {
        r = x * y;
    } else {
        r = x + y;
    }
    r * r
}

/// `t = sin x` if `x > 0`, else `eˣ`; `f = t²·y + t`: a variable overwritten
/// inside branches with values the reverse sweep needs.
#[grad(forward, reverse, hessian)]
fn overwrite_in_branches(x: f64, y: f64) -> f64 {
    let mut t = x;
    if x > 0.0 {
        t = t.sin();
    } else {
        let x = t * 2.0;
        t = (x * 0.5).exp();
    }
    t = t * t * y + t;
    t
}

/// `s₁ = x²`, `s₂ = s₁ − s₁/2 = x²/2`, `s₃ = s₂/(s₂ + 1)`, `f = s₃·y + s₃²`:
/// compound assignments whose right-hand side reads the variable itself.
#[grad(forward, reverse, hessian)]
fn self_compound(x: f64, y: f64) -> f64 {
    let mut s = x;
    s *= s;
    s -= s * 0.5;
    s /= s + 1.0;
    s += s * s;
    s -= s * 0.0;
    s * y + s
}

/// `f = (x mod y)·y` with `%=`; on the domain `trunc(x/y) = 2`.
#[grad(forward, reverse, hessian)]
fn rem_assign(x: f64, y: f64) -> f64 {
    let mut s = x;
    s %= y;
    s * y
}

/// `f = xy` if `¬(x > y) ∨ x = ½ ∨ y ≠ ¼`, else `x − y`: `!`, `==`, `!=`,
/// `<=` and `>=` in conditions (`!` on a float comparison is the construct
/// under test, so clippy's `neg_cmp_op_on_partial_ord` is silenced).
#[allow(clippy::neg_cmp_op_on_partial_ord)]
#[grad(forward, reverse, hessian)]
fn not_eq(x: f64, y: f64) -> f64 {
    if !(x > y) || x == 0.5 || y != 0.25 {
        if x <= 0.0 {
            x * y
        } else if y >= 0.0 {
            x * y * 2.0
        } else {
            x * y * 3.0
        }
    } else {
        x - y
    }
}

/// `f = xy` if `x > 0`, else `2xy`: a `return` inside a block that
/// initialises a `let`.
#[grad(forward, reverse, hessian)]
fn return_in_let(x: f64, y: f64) -> f64 {
    let t = {
        if x > 0.0 {
            return x * y;
        }
        x * 2.0
    };
    t * y
}

/// `f = 2ˣ + x ln 3 + 10ˣ`: methods called on literals.
#[grad(forward, reverse, hessian)]
fn literal_receiver(x: f64) -> f64 {
    2.0_f64.powf(x) + (3.0f64).ln() * x + 10f64.powf(x)
}

/// The constant of `const_item`.
const K: f64 = 2.5;

/// `f = Kx + min(MAX, x) + min(∞, 2x) = 5.5x` (`K = 2.5`): a `const` item,
/// and `f64::MAX`/`f64::INFINITY` as receivers.
#[grad(forward, reverse, hessian)]
fn const_item(x: f64) -> f64 {
    K * x + f64::MAX.min(x) + f64::INFINITY.min(x * 2.0)
}

/// `f = 2x + 2x + max(0, x) + √(9 + x²)`: float-library paths with literal
/// operands.
#[grad(forward, reverse, hessian)]
fn path_literal_operands(x: f64) -> f64 {
    f64::mul_add(2.0, x, 1.0) + f64::max(0.0, x) + f64::hypot(3.0, x) + f64::mul_add(x, 2.0, 0.0)
}

/// `f = x³ + 2x + x²`: integer literals with suffixes (`3_i32`, `2u32`).
#[grad(forward, reverse, hessian)]
fn int_suffixes(x: f64) -> f64 {
    let k = 3_i32;
    let u = 2u32;
    x.powi(k) + u as f64 * x + x.powi(2i32)
}

/// `f = −|x| − cos(sin x)`: unary minus on method calls.
#[grad(forward, reverse, hessian)]
fn neg_method(x: f64) -> f64 {
    -x.abs() + -(x.sin()).cos()
}

/// `f = (x̃·n)²` with `x̃ = x as f32`: parameters shadowed by bindings of
/// other types.
#[grad(forward, reverse, hessian)]
fn shadow_param_type(x: f64, n: usize) -> f64 {
    let n = n as f64;
    let x = x as f32;
    let x = x as f64 * n;
    x * x
}

/// With `big = x > 1`: `r = xy` if `big ∧ y > 0`, else `x`; plus `y` if
/// `¬big`: a `bool` bound with `let`, used in `&&` and `!`.
#[grad(forward, reverse, hessian)]
fn bool_let(x: f64, y: f64) -> f64 {
    let big = x > 1.0;
    let mut r = x;
    if big && y > 0.0 {
        r = x * y;
    }
    if !big {
        r += y;
    }
    r
}

/// `f = 3x`, the results of a discarded call and of an unused binding
/// dropped; `_y` is never read (its partial is 0).
#[grad(forward, reverse, hessian)]
fn discarded(x: f64, _y: f64) -> f64 {
    let _ = helper_sq(x, x);
    let _unused = x * 2.0;
    x * 3.0
}

/// `f = x` if `h(x, y) > 1`, else `y`, with `h = helper_sq`: a call in a
/// condition.
#[grad(forward, reverse, hessian)]
fn call_in_cond(x: f64, y: f64) -> f64 {
    if helper_sq(x, y) > 1.0 {
        x
    } else {
        y
    }
}

/// `f = h(h(x, y), x).sin()` if `x > 0`; else `h(x, 1)` returned early,
/// or `h(y, x)` when `y > 0`: nested calls as arguments, a method on a
/// call, a call returned early, an `if` as an argument.
#[grad(forward, reverse, hessian)]
fn call_nested(x: f64, y: f64) -> f64 {
    if x < 0.0 {
        return helper_sq(if y > 0.0 { y } else { x }, 1.0);
    }
    helper_sq(helper_sq(x, y), x).sin()
}

/// `f = h(x, 1) + x² + xᵏ⁺¹·x` via `probe_mod::outer` (which calls
/// `super::helper_sq`) and `powk` with an integer parameter passed through.
#[grad(forward, reverse, hessian)]
fn call_super(x: f64, k: i32) -> f64 {
    outer::callee_super(x) + powk(x, k + 1, x)
}

mod outer {
    use autodiff::grad;

    /// `c(x) = x²`.
    #[grad(forward, reverse, hessian)]
    pub fn callee(x: f64) -> f64 {
        x * x
    }

    /// `c(x) = h(x, 1) + x²`, calling up with `super::`.
    #[grad(forward, reverse, hessian)]
    pub fn callee_super(x: f64) -> f64 {
        super::helper_sq(x, 1.0) + callee(x)
    }
}

/// `g(x) = x²` in `f32`.
#[grad(forward, reverse, hessian)]
fn square_f32(x: f32) -> f32 {
    x * x
}

/// `f = g(xy)·x + g(y)` in `f32`: an `f32` function calling another.
#[grad(forward, reverse, hessian)]
fn call_f32(x: f32, y: f32) -> f32 {
    square_f32(x * y) * x + square_f32(y)
}

/// `f = x²`: generic over an unused type parameter.
#[grad(forward, reverse, hessian)]
fn generic<T: Copy>(x: f64, _tag: T) -> f64 {
    x * x
}

/// `f = 2n`: no differentiated parameter, so `no_float_grad(n)` is just the
/// value.
#[grad(forward, reverse, hessian)]
fn no_float(n: usize) -> f64 {
    n as f64 * 2.0
}

// ---------------------------------------------------------------------------
// Kinks (also checked in closed form below).
// ---------------------------------------------------------------------------

/// `f = |x|`.
#[grad(forward, reverse, hessian)]
fn k_abs(x: f64) -> f64 {
    x.abs()
}

/// `f = |x|` as a path.
#[grad(forward, reverse, hessian)]
fn k_abs_path(x: f64) -> f64 {
    f64::abs(x)
}

/// `f = max(a, b)`.
#[grad(forward, reverse, hessian)]
fn k_max(a: f64, b: f64) -> f64 {
    a.max(b)
}

/// `f = min(a, b)`.
#[grad(forward, reverse, hessian)]
fn k_min(a: f64, b: f64) -> f64 {
    f64::min(a, b)
}

/// Softplus `ln(1 + eᵐ)` written the stable way, through two kinks at 0.
#[grad(forward, reverse, hessian)]
fn k_stable_softplus(m: f64) -> f64 {
    m.max(0.0) + (-m.abs()).exp().ln_1p()
}

/// `f = xʸ`.
#[grad(forward, reverse, hessian)]
fn k_powf(x: f64, y: f64) -> f64 {
    x.powf(y)
}

/// `f = clamp(x, lo, hi)`.
#[grad(forward, reverse, hessian)]
fn k_clamp(x: f64, lo: f64, hi: f64) -> f64 {
    x.clamp(lo, hi)
}

/// `f = sgn x + ⌊x⌋ + ⌈x⌉ + round x + trunc x + fract x`: derivative
/// `0 + 0 + 0 + 0 + 0 + 1` everywhere, jumps included.
#[grad(forward, reverse, hessian)]
fn k_piecewise(x: f64) -> f64 {
    x.signum() + x.floor() + x.ceil() + x.round() + x.trunc() + x.fract()
}

/// `f = hypot(x, y) + atan2(y, x)`.
#[grad(forward, reverse, hessian)]
fn k_origin(x: f64, y: f64) -> f64 {
    x.hypot(y) + y.atan2(x)
}

// ---------------------------------------------------------------------------
// The table and the property.
// ---------------------------------------------------------------------------

/// Conversions between the float type of a corpus function and `f64`.
trait Real: Copy {
    fn from_f64(x: f64) -> Self;
    fn to_f64(self) -> f64;
}

impl Real for f64 {
    fn from_f64(x: f64) -> Self {
        x
    }
    fn to_f64(self) -> f64 {
        self
    }
}

impl Real for f32 {
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

/// One corpus function, seen as a function of its differentiated parameters.
struct Case {
    name: &'static str,
    /// The interval each differentiated parameter is drawn from.
    domain: Vec<(f64, f64)>,
    f: fn(&[f64]) -> f64,
    grad: fn(&[f64]) -> (f64, Vec<f64>),
    vjp: fn(&[f64], f64) -> (f64, Vec<f64>),
    /// `NAME_jvp` at a point along a direction: the value and `∇f · direction`.
    jvp: fn(&[f64], &[f64]) -> (f64, f64),
    /// `NAME_hvp` along a direction: the value and `H · direction`, for the
    /// functions of `f64`s that call no other `#[grad]` function.
    hvp: Option<HvpFn>,
    /// Points too close to a kink or a branch boundary are rejected.
    valid: fn(&[f64]) -> bool,
    tol: Tolerance,
}

#[derive(Clone, Copy)]
struct Tolerance {
    /// The finite-difference step.
    step: f64,
    /// `|analytic − numeric| ≤ tol · max(1, |numeric|)`.
    gradient: f64,
    /// `|vjp(s) − s·grad| ≤ vjp · max(1, |s·grad|)`.
    vjp: f64,
}

/// The default tolerance, for `f64` functions evaluated on domains where
/// `|f| ≲ 100` and its third derivative is moderate.
///
/// A central difference with step `h = 1e-6` has a truncation error of
/// about `|f'''|·h²/6 ≈ 1e-13·|f'''|` and a rounding error of about
/// `ε·|f|/h ≈ 2.2e-10·|f|`, *whatever the size of the derivative*. So the
/// error is relative (`1e-6·|n|`) for large derivatives, but needs an
/// absolute floor (`1e-6`) for derivatives near zero, where the numeric
/// estimate is pure rounding noise of order `1e-10..1e-8`: hence
/// `|a − n| ≤ 1e-6·max(1, |n|)`.
///
/// `vjp(.., s)` and `s·grad(..)` compute the same products in a different
/// order, so they agree to a few ulps: `1e-12` relative, same floor.
const DEFAULT: Tolerance = Tolerance { step: 1e-6, gradient: 1e-6, vjp: 1e-12 };

/// `[step, gradient, vjp]`, or [`DEFAULT`] when empty.
fn tolerance(overrides: &[f64]) -> Tolerance {
    match *overrides {
        [step, gradient, vjp] => Tolerance { step, gradient, vjp },
        _ => DEFAULT,
    }
}

thread_local! {
    /// The direction of the `NAME_jvp` call being checked.
    static DIRECTION: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The tangent of the `i`-th differentiated parameter: its coordinate of
/// the direction (`case!`'s jvp arguments write `along(i)` after that parameter).
fn along<R: Real>(i: usize) -> R {
    DIRECTION.with(|direction| R::from_f64(direction.borrow()[i]))
}

/// Whether `x` is at least `M` away from every integer.
fn off_int(x: f64) -> bool {
    (x - x.round()).abs() > M
}

/// Whether `x` is at least `M` away from every half-integer `k + ½`.
fn off_half(x: f64) -> bool {
    off_int(x - 0.5)
}

macro_rules! case {
    (
        $f:path, $g:path, $v:path, $j:path, [$($h:path)?]; ($($arg:expr),*) [$($jarg:expr),*];
        $($p:ident in [$lo:expr, $hi:expr]),+
        $(; where $valid:expr)?
        $(; tol($step:expr, $tol:expr, $vjp_tol:expr))?
    ) => {
        Case {
            name: stringify!($f),
            domain: vec![$(($lo, $hi)),+],
            f: |w: &[f64]| {
                let mut it = w.iter().copied();
                $(let $p = Real::from_f64(it.next().unwrap());)+
                $f($($arg),*).to_f64()
            },
            grad: |w: &[f64]| {
                let mut it = w.iter().copied();
                $(let $p = Real::from_f64(it.next().unwrap());)+
                let (value, $($p),+) = $g($($arg),*);
                (value.to_f64(), vec![$($p.to_f64()),+])
            },
            vjp: |w: &[f64], seed: f64| {
                let mut it = w.iter().copied();
                $(let $p = Real::from_f64(it.next().unwrap());)+
                let (value, $($p),+) = $v($($arg,)* Real::from_f64(seed));
                (value.to_f64(), vec![$($p.to_f64()),+])
            },
            jvp: |w: &[f64], direction: &[f64]| {
                let mut it = w.iter().copied();
                $(let $p = Real::from_f64(it.next().unwrap());)+
                DIRECTION.with(|d| *d.borrow_mut() = direction.to_vec());
                let (value, tangent) = $j($($jarg),*);
                (value.to_f64(), tangent.to_f64())
            },
            hvp: hvp!([$($h)?] ($($p),+) [$($jarg),*]),
            valid: |w: &[f64]| {
                let mut it = w.iter().copied();
                $(let $p: f64 = it.next().unwrap();)+
                let _ = ($($p,)+);
                let conditions: &[bool] = &[$($valid)?];
                conditions.iter().all(|&holds| holds)
            },
            tol: tolerance(&[$($step, $tol, $vjp_tol)?]),
        }
    };
}

/// `NAME_hvp` as a [`Case::hvp`], when the row names one.
macro_rules! hvp {
    ([] $($_rest:tt)*) => {
        None
    };
    ([$h:path] ($($p:ident),+) [$($jarg:expr),*]) => {
        Some(|w: &[f64], direction: &[f64]| {
            let mut it = w.iter().copied();
            $(let $p = Real::from_f64(it.next().unwrap());)+
            DIRECTION.with(|d| *d.borrow_mut() = direction.to_vec());
            let (value, $($p),+) = $h($($jarg),*);
            (value.to_f64(), vec![$($p.to_f64()),+])
        })
    };
}

fn cases() -> Vec<Case> {
    vec![
        case!(lets, lets_grad, lets_vjp, lets_jvp, [lets_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(compound, compound_grad, compound_vjp, compound_jvp, [compound_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(reassign, reassign_grad, reassign_vjp, reassign_jvp, [reassign_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(shadowing, shadowing_grad, shadowing_vjp, shadowing_jvp, [shadowing_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(arith, arith_grad, arith_vjp, arith_jvp, [arith_hvp]; (x, y) [x, along(0), y, along(1)]; x in [3.2, 3.8], y in [1.35, 1.55]),
        case!(unary_neg, unary_neg_grad, unary_neg_vjp, unary_neg_jvp, [unary_neg_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(parens, parens_grad, parens_vjp, parens_jvp, [parens_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(literals, literals_grad, literals_vjp, literals_jvp, [literals_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(casts_int, casts_int_grad, casts_int_vjp, casts_int_jvp, [casts_int_hvp]; (x, 4, y) [x, along(0), 4, y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where off_int(2.0 * x)),
        // The `f32` rounding of `x` and of `x̃²` makes `f` a staircase:
        // `x̃²` (≤ 4) is off by up to half an `f32` ulp (2.4e-7), times
        // `|y| ≤ 2`, over `2h`. With `h = 1e-3` that is ≤ 2.4e-4: tolerance
        // `1e-3`. The adjoint of the `f32` intermediate is an `f32` too, so
        // `vjp(s)` rounds `s·ȳ` to 24 bits: `1e-6` relative.
        case!(casts_f32, casts_f32_grad, casts_f32_vjp, casts_f32_jvp, []; (x, y) [x, along(0), y, along(1)]; x in [0.5, 2.0], y in [-2.0, 2.0];
            tol(1e-3, 1e-3, 1e-6)),
        case!(block_expr, block_expr_grad, block_expr_vjp, block_expr_jvp, [block_expr_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(if_stmt, if_stmt_grad, if_stmt_vjp, if_stmt_jvp, [if_stmt_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-3.0, 3.0], y in [-2.0, 2.0];
            where (x.abs() - 1.0).abs() > M && (y - 0.5).abs() > M),
        case!(if_expr, if_expr_grad, if_expr_vjp, if_expr_jvp, [if_expr_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where (x.abs() - 0.5).abs() > M && (-x * y - 1.0).abs() > M && (x * x * y - 1.0).abs() > M),
        case!(cond_active, cond_active_grad, cond_active_vjp, cond_active_jvp, [cond_active_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where (x * y - 1.0).abs() > M && (x - y).abs() > M),
        case!(and_or, and_or_grad, and_or_vjp, and_or_jvp, [and_or_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where x.abs() > M && y.abs() > M && (x + 1.0).abs() > M && (y + 1.0).abs() > M),
        case!(early_return, early_return_grad, early_return_vjp, early_return_jvp, [early_return_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where x.abs() > M && (x * y - 2.0).abs() > M),
        case!(nested_return, nested_return_grad, nested_return_vjp, nested_return_jvp, [nested_return_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where x.abs() > M && y.abs() > M && (y - 1.0).abs() > M && (2.0 * (x + y) - 1.0).abs() > M),
        case!(tail_if, tail_if_grad, tail_if_vjp, tail_if_jvp, [tail_if_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where (x - y).abs() > M && x.abs() > M && (x < y || x > 0.05)),
        // `match` and `if let`.
        case!(neuron, neuron_grad, neuron_vjp, neuron_jvp, [neuron_hvp]; (x, w, Activation::Relu) [x, along(0), w, along(1), Activation::Relu]; x in [-2.0, 2.0], w in [-2.0, 2.0];
            where (w * x + 0.5).abs() > M),
        case!(neuron, neuron_grad, neuron_vjp, neuron_jvp, [neuron_hvp]; (x, w, Activation::Tanh) [x, along(0), w, along(1), Activation::Tanh]; x in [-2.0, 2.0], w in [-2.0, 2.0]),
        case!(neuron, neuron_grad, neuron_vjp, neuron_jvp, [neuron_hvp]; (x, w, Activation::Sigmoid) [x, along(0), w, along(1), Activation::Sigmoid]; x in [-2.0, 2.0], w in [-2.0, 2.0]),
        case!(neuron, neuron_grad, neuron_vjp, neuron_jvp, [neuron_hvp]; (x, w, Activation::Identity) [x, along(0), w, along(1), Activation::Identity]; x in [-2.0, 2.0], w in [-2.0, 2.0]),
        case!(by_degree, by_degree_grad, by_degree_vjp, by_degree_jvp, [by_degree_hvp]; (x, 0) [x, along(0), 0]; x in [-2.0, 2.0]),
        case!(by_degree, by_degree_grad, by_degree_vjp, by_degree_jvp, [by_degree_hvp]; (x, 2) [x, along(0), 2]; x in [-2.0, 2.0]),
        case!(by_degree, by_degree_grad, by_degree_vjp, by_degree_jvp, [by_degree_hvp]; (x, 4) [x, along(0), 4]; x in [-2.0, 2.0]; where x.abs() > M),
        case!(by_degree, by_degree_grad, by_degree_vjp, by_degree_jvp, [by_degree_hvp]; (x, 7) [x, along(0), 7]; x in [-2.0, 2.0]),
        case!(toggled, toggled_grad, toggled_vjp, toggled_jvp, [toggled_hvp]; (x, y, true) [x, along(0), y, along(1), true]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(toggled, toggled_grad, toggled_vjp, toggled_jvp, [toggled_hvp]; (x, y, false) [x, along(0), y, along(1), false]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(huber_match, huber_match_grad, huber_match_vjp, huber_match_jvp, [huber_match_hvp]; (r, delta) [r, along(0), delta, along(1)]; r in [-3.0, 3.0], delta in [0.5, 2.0];
            where (r.abs() - delta).abs() > M && r.abs() > M),
        case!(match_return, match_return_grad, match_return_vjp, match_return_jvp, [match_return_hvp]; (x) [x, along(0)]; x in [-3.0, 3.0];
            where (x.abs() - 1.0).abs() > M),
        case!(if_let_forms, if_let_forms_grad, if_let_forms_vjp, if_let_forms_jvp, [if_let_forms_hvp]; (x, y, 1, Activation::Relu) [x, along(0), y, along(1), 1, Activation::Relu]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(if_let_forms, if_let_forms_grad, if_let_forms_vjp, if_let_forms_jvp, [if_let_forms_hvp]; (x, y, 5, Activation::Tanh) [x, along(0), y, along(1), 5, Activation::Tanh]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(biased, biased_grad, biased_vjp, biased_jvp, [biased_hvp]; (x, w, Some(1.5)) [x, along(0), w, along(1), Some(1.5)]; x in [-2.0, 2.0], w in [-2.0, 2.0]),
        case!(biased, biased_grad, biased_vjp, biased_jvp, [biased_hvp]; (x, w, Some(0.5)) [x, along(0), w, along(1), Some(0.5)]; x in [-2.0, 2.0], w in [-2.0, 2.0]),
        case!(biased, biased_grad, biased_vjp, biased_jvp, [biased_hvp]; (x, w, None) [x, along(0), w, along(1), None]; x in [-2.0, 2.0], w in [-2.0, 2.0]),
        case!(penalized, penalized_grad, penalized_vjp, penalized_jvp, [penalized_hvp]; (w, y, Penalty::Zero) [w, along(0), y, along(1), Penalty::Zero]; w in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(penalized, penalized_grad, penalized_vjp, penalized_jvp, [penalized_hvp]; (w, y, Penalty::L2(0.3)) [w, along(0), y, along(1), Penalty::L2(0.3)]; w in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(penalized, penalized_grad, penalized_vjp, penalized_jvp, [penalized_hvp]; (w, y, Penalty::Elastic { l1: 0.2, l2: 0.7 }) [w, along(0), y, along(1), Penalty::Elastic { l1: 0.2, l2: 0.7 }]; w in [-2.0, 2.0], y in [-2.0, 2.0];
            where w.abs() > M),
        case!(quadrant, quadrant_grad, quadrant_vjp, quadrant_jvp, [quadrant_hvp]; (x, y, 1) [x, along(0), y, along(1), 1]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where x.abs() > M && y.abs() > M),
        case!(quadrant, quadrant_grad, quadrant_vjp, quadrant_jvp, [quadrant_hvp]; (x, y, 3) [x, along(0), y, along(1), 3]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where x.abs() > M && y.abs() > M),
        case!(tuple_bindings, tuple_bindings_grad, tuple_bindings_vjp, tuple_bindings_jvp, [tuple_bindings_hvp]; (r, Penalty::L2(0.7)) [r, along(0), Penalty::L2(0.7)]; r in [-2.0, 2.0];
            where (r.abs() - 1.0).abs() > M && r.abs() > M),
        case!(tuple_bindings, tuple_bindings_grad, tuple_bindings_vjp, tuple_bindings_jvp, [tuple_bindings_hvp]; (r, Penalty::Zero) [r, along(0), Penalty::Zero]; r in [-2.0, 2.0]),
        case!(let_else, let_else_grad, let_else_vjp, let_else_jvp, [let_else_hvp]; (x, Some(1.5), 2) [x, along(0), Some(1.5), 2]; x in [-2.0, 2.0]),
        case!(let_else, let_else_grad, let_else_vjp, let_else_jvp, [let_else_hvp]; (x, Some(1.5), 0) [x, along(0), Some(1.5), 0]; x in [-2.0, 2.0]),
        case!(let_else, let_else_grad, let_else_vjp, let_else_jvp, [let_else_hvp]; (x, None, 2) [x, along(0), None, 2]; x in [-2.0, 2.0]),
        case!(local_closures, local_closures_grad, local_closures_vjp, local_closures_jvp, [local_closures_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(tuple_let, tuple_let_grad, tuple_let_vjp, tuple_let_jvp, [tuple_let_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        // The float library.
        case!(exp_methods, exp_methods_grad, exp_methods_vjp, exp_methods_jvp, [exp_methods_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(exp_paths, exp_paths_grad, exp_paths_vjp, exp_paths_jvp, [exp_paths_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(log_methods, log_methods_grad, log_methods_vjp, log_methods_jvp, [log_methods_hvp]; (x, y) [x, along(0), y, along(1)]; x in [0.2, 3.0], y in [0.5, 3.0]),
        case!(log_paths, log_paths_grad, log_paths_vjp, log_paths_jvp, [log_paths_hvp]; (x, y) [x, along(0), y, along(1)]; x in [0.2, 3.0], y in [0.2, 3.0]),
        case!(roots_methods, roots_methods_grad, roots_methods_vjp, roots_methods_jvp, [roots_methods_hvp]; (x, y) [x, along(0), y, along(1)]; x in [0.2, 3.0], y in [0.5, 2.0]),
        case!(roots_paths, roots_paths_grad, roots_paths_vjp, roots_paths_jvp, [roots_paths_hvp]; (x, y) [x, along(0), y, along(1)]; x in [0.2, 3.0], y in [0.2, 2.0]),
        case!(trig_methods, trig_methods_grad, trig_methods_vjp, trig_methods_jvp, [trig_methods_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-1.0, 1.0], y in [-1.0, 1.0]),
        case!(trig_paths, trig_paths_grad, trig_paths_vjp, trig_paths_jvp, [trig_paths_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-1.2, 1.2]),
        // `atan2(y, x)` jumps by 2π across the negative `x` axis and has a
        // pole at the origin.
        case!(inv_trig_methods, inv_trig_methods_grad, inv_trig_methods_vjp, inv_trig_methods_jvp, [inv_trig_methods_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-0.9, 0.9], y in [-0.9, 0.9];
            where x.hypot(y) > 0.1 && (x > 0.0 || y.abs() > M)),
        case!(inv_trig_paths, inv_trig_paths_grad, inv_trig_paths_vjp, inv_trig_paths_jvp, [inv_trig_paths_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-0.9, 0.9], y in [-0.9, 0.9]),
        case!(hyperbolic_methods, hyperbolic_methods_grad, hyperbolic_methods_vjp, hyperbolic_methods_jvp, [hyperbolic_methods_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(hyperbolic_paths, hyperbolic_paths_grad, hyperbolic_paths_vjp, hyperbolic_paths_jvp, [hyperbolic_paths_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(inv_hyperbolic_methods, inv_hyperbolic_methods_grad, inv_hyperbolic_methods_vjp, inv_hyperbolic_methods_jvp, [inv_hyperbolic_methods_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [1.2, 4.0]),
        case!(inv_hyperbolic_paths, inv_hyperbolic_paths_grad, inv_hyperbolic_paths_vjp, inv_hyperbolic_paths_jvp, [inv_hyperbolic_paths_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-0.3, 3.0]),
        case!(nonsmooth_methods, nonsmooth_methods_grad, nonsmooth_methods_vjp, nonsmooth_methods_jvp, [nonsmooth_methods_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where x.abs().min((x - y).abs()).min((y - 0.5).abs()).min((x + 1.0).abs()).min((x - y - 1.0).abs()) > M),
        case!(nonsmooth_paths, nonsmooth_paths_grad, nonsmooth_paths_vjp, nonsmooth_paths_jvp, [nonsmooth_paths_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where (x - y).abs() > M && (x * y - 0.5).abs() > M && (x + y).abs() > M && ((y - x).abs() - 1.0).abs() > M),
        case!(misc_methods, misc_methods_grad, misc_methods_vjp, misc_methods_jvp, [misc_methods_hvp]; (x, y) [x, along(0), y, along(1)]; x in [0.3, 2.0], y in [-2.0, 2.0]),
        case!(misc_paths, misc_paths_grad, misc_paths_vjp, misc_paths_jvp, [misc_paths_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [0.3, 2.0]),
        case!(piecewise_methods, piecewise_methods_grad, piecewise_methods_vjp, piecewise_methods_jvp, [piecewise_methods_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-3.0, 3.0], y in [-3.0, 3.0];
            where off_int(x) && off_int(y) && off_half(x * y)),
        case!(piecewise_paths, piecewise_paths_grad, piecewise_paths_vjp, piecewise_paths_jvp, [piecewise_paths_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-3.0, 3.0], y in [-3.0, 3.0];
            where off_int(2.0 * x) && off_half(y) && y.abs() > M && off_int(x * y)),
        case!(constants, constants_grad, constants_vjp, constants_jvp, [constants_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        // Calls.
        case!(helper_sq, helper_sq_grad, helper_sq_vjp, helper_sq_jvp, [helper_sq_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(call_plain, call_plain_grad, call_plain_vjp, call_plain_jvp, [call_plain_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-1.5, 1.5], y in [-1.5, 1.5]),
        case!(inner::helper, inner::helper_grad, inner::helper_vjp, inner::helper_jvp, [inner::helper_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(inner::deeper::cube, inner::deeper::cube_grad, inner::deeper::cube_vjp, inner::deeper::cube_jvp, [inner::deeper::cube_hvp]; (x) [x, along(0)]; x in [-2.0, 2.0]),
        case!(call_path, call_path_grad, call_path_vjp, call_path_jvp, [call_path_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-1.5, 1.5], y in [-1.5, 1.5]),
        case!(nested_def, nested_def_grad, nested_def_vjp, nested_def_jvp, [nested_def_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(sq3, sq3_grad, sq3_vjp, sq3_jvp, [sq3_hvp]; (x) [x, along(0)]; x in [-2.0, 2.0]),
        case!(call_macro, call_macro_grad, call_macro_vjp, call_macro_jvp, [call_macro_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(call_runtime, call_runtime_grad, call_runtime_vjp, call_runtime_jvp, []; (x, y) [x, along(0), y, along(1)]; x in [-3.0, 3.0], y in [-3.0, 3.0];
            where x.abs() > M),
        case!(powk, powk_grad, powk_vjp, powk_jvp, [powk_hvp]; (x, 3, y) [x, along(0), 3, y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(call_chain, call_chain_grad, call_chain_vjp, call_chain_jvp, [call_chain_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-1.0, 1.0], y in [-1.0, 1.0];
            where (call_plain(x, y) - 2.0).abs() > M),
        // Integers, `wrt`, `f32`, `mut` and constant parameters.
        case!(int_mix, int_mix_grad, int_mix_vjp, int_mix_jvp, [int_mix_hvp]; (x, 2, 5, y) [x, along(0), 2, 5, y, along(1)]; x in [-1.5, 1.5], y in [-2.0, 2.0]),
        case!(counter, counter_grad, counter_vjp, counter_jvp, [counter_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where x.abs() > M && (y - x).abs() > M),
        case!(scaled, scaled_grad, scaled_vjp, scaled_jvp, [scaled_hvp]; (x, 3, y) [x, along(0), 3, y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(wrt_y, wrt_y_grad, wrt_y_vjp, wrt_y_jvp, [wrt_y_hvp]; (1.3, 3, y) [1.3, 3, y, along(0)]; y in [-2.0, 2.0]),
        case!(wrt_xz, wrt_xz_grad, wrt_xz_vjp, wrt_xz_jvp, [wrt_xz_hvp]; (x, 0.7, z) [x, along(0), 0.7, z, along(1)]; x in [-2.0, 2.0], z in [-2.0, 2.0]),
        // `f32` has 24 bits: with a step of `1e-3` the rounding error of
        // `f` (`|f| ≲ 10`, ulp ≈ 1e-6) is ~1e-3 of the derivative, the
        // truncation error `|f'''|h²/6` ~1e-6; and `vjp` agrees with
        // `s·grad` to a few `f32` ulps (1e-7 each).
        case!(f32_fn, f32_fn_grad, f32_fn_vjp, f32_fn_jvp, []; (x, y) [x, along(0), y, along(1)]; x in [-1.0, 1.0], y in [-1.0, 1.0];
            tol(1e-3, 5e-3, 1e-5)),
        case!(mut_param, mut_param_grad, mut_param_vjp, mut_param_jvp, [mut_param_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(flagged, flagged_grad, flagged_vjp, flagged_jvp, [flagged_hvp]; (x, true, y) [x, along(0), true, y, along(1)]; x in [-2.0, 2.0], y in [0.5, 2.0];
            where x.abs() > M),
        case!(flagged, flagged_grad, flagged_vjp, flagged_jvp, [flagged_hvp]; (x, false, y) [x, along(0), false, y, along(1)]; x in [-2.0, 2.0], y in [0.5, 2.0]),
        // More statement and expression forms.
        case!(deferred_init, deferred_init_grad, deferred_init_vjp, deferred_init_jvp, [deferred_init_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where (x - y).abs() > M),
        case!(overwrite_in_branches, overwrite_in_branches_grad, overwrite_in_branches_vjp, overwrite_in_branches_jvp, [overwrite_in_branches_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]; where x.abs() > M),
        case!(self_compound, self_compound_grad, self_compound_vjp, self_compound_jvp, [self_compound_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(rem_assign, rem_assign_grad, rem_assign_vjp, rem_assign_jvp, [rem_assign_hvp]; (x, y) [x, along(0), y, along(1)]; x in [3.2, 3.8], y in [1.35, 1.55]),
        case!(not_eq, not_eq_grad, not_eq_vjp, not_eq_jvp, [not_eq_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where (x - y).abs() > M && x.abs() > M && y.abs() > M),
        case!(return_in_let, return_in_let_grad, return_in_let_vjp, return_in_let_jvp, [return_in_let_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where x.abs() > M),
        case!(literal_receiver, literal_receiver_grad, literal_receiver_vjp, literal_receiver_jvp, [literal_receiver_hvp]; (x) [x, along(0)]; x in [-1.5, 1.5]),
        case!(const_item, const_item_grad, const_item_vjp, const_item_jvp, [const_item_hvp]; (x) [x, along(0)]; x in [-2.0, 2.0]),
        case!(path_literal_operands, path_literal_operands_grad, path_literal_operands_vjp, path_literal_operands_jvp, [path_literal_operands_hvp]; (x) [x, along(0)]; x in [-2.0, 2.0];
            where x.abs() > M),
        case!(int_suffixes, int_suffixes_grad, int_suffixes_vjp, int_suffixes_jvp, [int_suffixes_hvp]; (x) [x, along(0)]; x in [-2.0, 2.0]),
        case!(neg_method, neg_method_grad, neg_method_vjp, neg_method_jvp, [neg_method_hvp]; (x) [x, along(0)]; x in [-2.0, 2.0]; where x.abs() > M),
        // `x` goes through `f32`: the same staircase and `f32` adjoint as
        // `casts_f32`.
        case!(shadow_param_type, shadow_param_type_grad, shadow_param_type_vjp, shadow_param_type_jvp, []; (x, 3) [x, along(0), 3]; x in [-2.0, 2.0];
            tol(1e-3, 1e-3, 1e-6)),
        case!(bool_let, bool_let_grad, bool_let_vjp, bool_let_jvp, [bool_let_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 3.0], y in [-2.0, 2.0];
            where (x - 1.0).abs() > M && y.abs() > M),
        case!(discarded, discarded_grad, discarded_vjp, discarded_jvp, [discarded_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(call_in_cond, call_in_cond_grad, call_in_cond_vjp, call_in_cond_jvp, [call_in_cond_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where (helper_sq(x, y) - 1.0).abs() > M),
        case!(call_nested, call_nested_grad, call_nested_vjp, call_nested_jvp, [call_nested_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-1.5, 1.5], y in [-1.5, 1.5];
            where x.abs() > M && y.abs() > M),
        case!(call_super, call_super_grad, call_super_vjp, call_super_jvp, [call_super_hvp]; (x, 2) [x, along(0), 2]; x in [-2.0, 2.0]),
        case!(square_f32, square_f32_grad, square_f32_vjp, square_f32_jvp, []; (x) [x, along(0)]; x in [-2.0, 2.0]; tol(1e-3, 5e-3, 1e-5)),
        case!(call_f32, call_f32_grad, call_f32_vjp, call_f32_jvp, []; (x, y) [x, along(0), y, along(1)]; x in [-1.5, 1.5], y in [-1.5, 1.5]; tol(1e-3, 5e-3, 1e-5)),
        case!(generic, generic_grad, generic_vjp, generic_jvp, [generic_hvp]; (x, 'g') [x, along(0), 'g']; x in [-2.0, 2.0]),
        // Kinks, away from them.
        case!(k_abs, k_abs_grad, k_abs_vjp, k_abs_jvp, [k_abs_hvp]; (x) [x, along(0)]; x in [-2.0, 2.0]; where x.abs() > M),
        case!(k_abs_path, k_abs_path_grad, k_abs_path_vjp, k_abs_path_jvp, [k_abs_path_hvp]; (x) [x, along(0)]; x in [-2.0, 2.0]; where x.abs() > M),
        case!(k_max, k_max_grad, k_max_vjp, k_max_jvp, [k_max_hvp]; (a, b) [a, along(0), b, along(1)]; a in [-2.0, 2.0], b in [-2.0, 2.0]; where (a - b).abs() > M),
        case!(k_min, k_min_grad, k_min_vjp, k_min_jvp, [k_min_hvp]; (a, b) [a, along(0), b, along(1)]; a in [-2.0, 2.0], b in [-2.0, 2.0]; where (a - b).abs() > M),
        case!(k_powf, k_powf_grad, k_powf_vjp, k_powf_jvp, [k_powf_hvp]; (x, y) [x, along(0), y, along(1)]; x in [0.1, 3.0], y in [-2.0, 2.0]),
        case!(k_clamp, k_clamp_grad, k_clamp_vjp, k_clamp_jvp, [k_clamp_hvp]; (x, lo, hi) [x, along(0), lo, along(1), hi, along(2)]; x in [-3.0, 3.0], lo in [-2.0, -0.5], hi in [0.5, 2.0];
            where (x - lo).abs() > M && (x - hi).abs() > M),
        case!(k_piecewise, k_piecewise_grad, k_piecewise_vjp, k_piecewise_jvp, [k_piecewise_hvp]; (x) [x, along(0)]; x in [-3.0, 3.0]; where off_int(x) && off_half(x)),
        case!(k_origin, k_origin_grad, k_origin_vjp, k_origin_jvp, [k_origin_hvp]; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where x.hypot(y) > 0.1 && (x > 0.0 || y.abs() > M)),
    ]
}

fn check(case: &Case, w: &[f64], seed: f64) -> Result<(), TestCaseError> {
    prop_assume!((case.valid)(w));
    let value = (case.f)(w);
    prop_assume!(value.is_finite());
    let (v, g) = (case.grad)(w);
    prop_assert!(same(v, value), "{} at {w:?}: grad's value {v} != f = {value}", case.name);
    prop_assert_eq!(g.len(), w.len(), "{}: one partial per differentiated parameter", case.name);
    let numeric = numeric_gradient_with_step(case.f, w, case.tol.step);
    for (i, (&a, &n)) in g.iter().zip(&numeric).enumerate() {
        prop_assert!(
            close(a, n, case.tol.gradient),
            "{} at {w:?}: ∂{i} = {a}, numeric {n} (error {:e})",
            case.name,
            (a - n).abs()
        );
    }
    let (vv, gv) = (case.vjp)(w, seed);
    prop_assert_eq!(gv.len(), w.len());
    prop_assert!(same(vv, value), "{} at {w:?}: vjp's value {vv} != f = {value}", case.name);
    for (i, (&a, &b)) in gv.iter().zip(&g).enumerate() {
        prop_assert!(
            close(a, seed * b, case.tol.vjp),
            "{} at {w:?}: vjp(s = {seed}) ∂{i} = {a}, s·grad = {}",
            case.name,
            seed * b
        );
    }
    Ok(())
}

/// The dot-product test: `⟨J·v, s⟩ = ⟨v, Jᵀ·s⟩`, `NAME_jvp` along `v`
/// against `NAME_vjp` with seed `s`, and `NAME_jvp`'s value is `f`'s.
fn check_transpose(case: &Case, w: &[f64], direction: &[f64], seed: f64) -> Result<(), TestCaseError> {
    prop_assume!((case.valid)(w));
    let value = (case.f)(w);
    prop_assume!(value.is_finite());
    let (jvp_value, tangent) = (case.jvp)(w, direction);
    prop_assert!(same(jvp_value, value), "{} at {w:?}: jvp's value {jvp_value} != f = {value}", case.name);
    let (_, adjoint) = (case.vjp)(w, seed);
    let forward = seed * tangent;
    let (reverse, allowed) = dot_with_allowance(direction, &adjoint, (100.0 * case.tol.vjp).max(1e-10));
    prop_assert!(
        (forward - reverse).abs() <= allowed,
        "{} at {w:?} along {direction:?}: s·(J·v) = {forward}, v·(Jᵀ·s) = {reverse}",
        case.name
    );
    Ok(())
}

/// Every corpus function: `NAME_jvp` is the transpose of `NAME_vjp` at 96
/// random points along random directions.
#[test]
fn jvp_is_the_transpose_of_vjp() {
    check_every_case(
        "corpus function(s)",
        cases(),
        |case| case.name,
        |case| (points_in(&case.domain), directions(case.domain.len()), -4.0..4.0f64),
        |case, (w, v, seed)| check_transpose(case, &w, &v, seed),
    );
}

/// `NAME_hvp` against central differences of `NAME_grad` along the
/// direction, `(∇f(w + hv) − ∇f(w − hv)) / 2h`, and its value is `f`'s.
fn check_hvp(case: &Case, hvp: HvpFn, w: &[f64], direction: &[f64]) -> Result<(), TestCaseError> {
    prop_assume!((case.valid)(w));
    let value = (case.f)(w);
    prop_assume!(value.is_finite());
    let (hvp_value, product) = hvp(w, direction);
    prop_assert!(same(hvp_value, value), "{} at {w:?}: hvp's value {hvp_value} != f = {value}", case.name);
    // `M` keeps points 1e-3 from kinks: the steps stay on one side of them.
    let h = 1e-5;
    let shifted = |sign: f64| -> Vec<f64> { w.iter().zip(direction).map(|(w, v)| w + sign * h * v).collect() };
    let (up, down) = ((case.grad)(&shifted(1.0)).1, (case.grad)(&shifted(-1.0)).1);
    for (i, (&a, (u, d))) in product.iter().zip(up.iter().zip(&down)).enumerate() {
        let numeric = (u - d) / (2.0 * h);
        prop_assert!(
            close(a, numeric, 1e-5),
            "{} at {w:?} along {direction:?}: (H·v){i} = {a}, numeric {numeric}",
            case.name
        );
    }
    Ok(())
}

type HvpFn = fn(&[f64], &[f64]) -> (f64, Vec<f64>);

/// Every corpus function of `f64`s without calls: `NAME_hvp` is the
/// derivative of `NAME_grad` along the direction, at 96 random points.
#[test]
fn hvp_is_the_derivative_of_the_gradient() {
    let with_hvp: Vec<(Case, HvpFn)> = cases().into_iter().filter_map(|case| case.hvp.map(|hvp| (case, hvp))).collect();
    assert!(with_hvp.len() >= 40, "{} functions with a hessian", with_hvp.len());
    check_every_case(
        "corpus function(s)",
        with_hvp,
        |(case, _)| case.name,
        |(case, _)| (points_in(&case.domain), directions(case.domain.len())),
        |(case, hvp), (w, v)| check_hvp(case, *hvp, &w, &v),
    );
}

#[test]
fn corpus_size() {
    let cases = cases();
    assert!(cases.len() >= 45, "{} cases", cases.len());
}

/// Every corpus function: `NAME_grad` matches central differences at 96
/// random points, its value is the function's, and `NAME_vjp(.., s)` is
/// `s × NAME_grad`. All failures are collected, so one bug does not hide
/// another.
#[test]
fn corpus_matches_numeric_gradient() {
    check_every_case(
        "corpus function(s)",
        cases(),
        |case| case.name,
        |case| (points_in(&case.domain), -4.0..4.0f64),
        |case, (w, seed)| check(case, &w, seed),
    );
}

// ---------------------------------------------------------------------------
// Closed forms.
// ---------------------------------------------------------------------------

#[test]
fn closed_forms() {
    let (x, y) = (0.7, -1.3);
    let (_, dx, dy) = lets_grad(x, y);
    assert!(close(dx, 4.0 * (x * y + x) * (y + 1.0) - y, 1e-12));
    assert!(close(dy, 4.0 * (x * y + x) * x - x, 1e-12));
    let (_, dx, dy) = shadowing_grad(x, y);
    assert!(close(dx, 8.0 * x + 2.0 * y - 2.0, 1e-12) && close(dy, 2.0 * x - 1.0, 1e-12));
    let (_, dx, dy) = reassign_grad(x, y);
    assert!(close(dx, 2.0 * x * (x * x).cos() * (y + 1.0), 1e-12) && close(dy, (x * x).sin(), 1e-12));
    let (_, dx, dy) = piecewise_methods_grad(1.3, -2.4);
    assert!(close(dx, 1.0 + (-2.0) + (-2.0) + (-2.4), 1e-12) && close(dy, 1.0 + 0.3, 1e-12));
    let (_, dy) = wrt_y_grad(1.3, 3, 0.4);
    assert!(close(dy, 1.3f64.powi(3) * (1.0 - 0.4f64.tanh().powi(2)), 1e-12));
    let (_, dx, dz) = wrt_xz_grad(0.3, 0.7, 1.5);
    assert!(close(dx, 0.7 + 1.5 * 0.3f64.cos(), 1e-12) && close(dz, 0.7 + 0.3f64.sin(), 1e-12));
    let (_, dx, dy) = casts_int_grad(0.3, 4, 1.1);
    assert!(close(dx, 4.0 + 5.0 * 1.1, 1e-12) && close(dy, 0.0 + 5.0 * 0.3, 1e-12));
    // The f32 function against its closed form, at f32 precision.
    let (x, y) = (0.6f32, -0.4f32);
    let (_, dx, dy) = f32_fn_grad(x, y);
    let a = f64::from(x * y + 2.0);
    let b = f64::from(x).exp();
    let (ex, ey) = (a.cos() * f64::from(y) * b + a.sin() * b, a.cos() * f64::from(x) * b + f64::from(y));
    assert!(close(f64::from(dx), ex, 1e-5) && close(f64::from(dy), ey, 1e-5), "{dx} {ex} {dy} {ey}");
}

// ---------------------------------------------------------------------------
// Conventions at kinks.
// ---------------------------------------------------------------------------

#[test]
fn abs_at_zero_has_derivative_zero() {
    assert_eq!(k_abs_grad(0.0), (0.0, 0.0));
    assert_eq!(k_abs_grad(-0.0).1, 0.0);
    assert_eq!(k_abs_path_grad(0.0), (0.0, 0.0));
    assert_eq!(k_abs_grad(-2.0), (2.0, -1.0));
}

#[test]
fn max_and_min_split_ties_evenly() {
    // As JAX's `maximum` and PyTorch's: each equal operand gets half.
    assert_eq!(k_max_grad(1.5, 1.5), (1.5, 0.5, 0.5));
    assert_eq!(k_min_grad(1.5, 1.5), (1.5, 0.5, 0.5));
    assert_eq!(k_max_grad(-0.25, -0.25), (-0.25, 0.5, 0.5));
    // The stable softplus at 0, where a training loop starts from zero
    // weights: σ(0) = ½ (user round 7: 1, the tie all to `m`).
    assert_eq!(k_stable_softplus_grad(0.0).1, 0.5);
    assert_eq!(k_stable_softplus_jvp(0.0, 2.0).1, 1.0);
    assert_eq!(k_max_grad(1.0, 2.0), (2.0, 0.0, 1.0));
    assert_eq!(k_min_grad(1.0, 2.0), (1.0, 1.0, 0.0));
}

#[test]
fn powf_with_zero_base_has_zero_exponent_derivative() {
    assert_eq!(k_powf_grad(0.0, 2.0), (0.0, 0.0, 0.0));
    assert_eq!(k_powf_grad(0.0, 0.5).2, 0.0);
    // x⁰ = 1 everywhere, so ∂x = 0, even at x = 0.
    assert_eq!(k_powf_grad(0.0, 0.0), (1.0, 0.0, 0.0));
}

#[test]
fn piecewise_constant_functions_have_derivative_zero_and_fract_one() {
    for x in [-2.5, -2.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 1.5, 2.7] {
        let (_, d) = k_piecewise_grad(x);
        assert_eq!(d, 1.0, "at {x}");
    }
}

#[test]
fn clamp_at_its_bounds_gives_the_derivative_to_x() {
    assert_eq!(k_clamp_grad(-1.0, -1.0, 1.0), (-1.0, 1.0, 0.0, 0.0));
    assert_eq!(k_clamp_grad(1.0, -1.0, 1.0), (1.0, 1.0, 0.0, 0.0));
    assert_eq!(k_clamp_grad(0.5, -1.0, 1.0), (0.5, 1.0, 0.0, 0.0));
    assert_eq!(k_clamp_grad(-3.0, -1.0, 1.0), (-1.0, 0.0, 1.0, 0.0));
    assert_eq!(k_clamp_grad(3.0, -1.0, 1.0), (1.0, 0.0, 0.0, 1.0));
}

#[test]
fn no_differentiated_parameter_gives_just_the_value() {
    assert_eq!(no_float(3), 6.0);
    assert_eq!(no_float_grad(3), 6.0);
    assert_eq!(no_float_vjp(3, 0.5), 6.0);
    assert_eq!(generic_grad(1.5, "tag"), (2.25, 3.0));
}

#[test]
fn hypot_and_atan2_at_the_origin_have_derivative_zero() {
    assert_eq!(k_origin_grad(0.0, 0.0), (0.0, 0.0, 0.0));
}
