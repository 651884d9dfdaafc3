//! Regression rows for the silent wrong gradients found by fuzzing (issue 6):
//! each function is a reproduction from the issue or a variant of the same
//! cause, checked against central differences at random points of its
//! domain (the harness of `tests/corpus.rs`), plus closed-form checks at the
//! points the issue names.
//!
//! A scalar row:
//!
//! ```text
//! case!(name, name_grad, name_vjp, name_jvp; (x, 3, y) [x, along(0), 3, y, along(1)]; x in [lo, hi], y in [lo, hi]; where cond(x, y));
//! ```
//!
//! A row whose single differentiated parameter is an array `&[f64; N]`
//! (its shadow is pre-filled with `PRIOR`, so the check also proves the
//! partials are *added* into it):
//!
//! ```text
//! array_case!(name, name_grad, name_vjp, name_jvp; N; in [lo, hi]; where |x| cond(x));
//! ```

// The rows keep the forms the fuzzer found, as written.
#![allow(clippy::unnecessary_cast, clippy::let_and_return, clippy::needless_range_loop)]

#[macro_use]
mod common;

use autodiff::{grad, sigmoid, squared_error};
use common::rows::{along, rows_jvp_is_the_transpose_of_vjp, rows_match_numeric_gradient, Case};
use common::{close, M};

// ---------------------------------------------------------------------------
// 1. A `#[grad]` call's result through `powi`, then used again.
//
// Cause: lowering typed `y = powi(call, 2)` by joining its operands' types,
// and the `i32` exponent made the result (and, through inference, the call's
// result) an integer: no adjoint. Lowering and inference now share one rule
// for a primitive's result type (`infer::prim_ty`).
// ---------------------------------------------------------------------------

/// `f = ½·se(p, t)²` with `se = (p − t)²`: `∂p = se·2(p − t)`, `∂t = −∂p`.
#[grad(forward, reverse)]
fn powi_of_call(p: f64, t: f64) -> f64 {
    0.5 * squared_error(p, t).powi(2)
}

/// `f = ½·σ(y)²`.
#[grad(forward, reverse)]
fn powi_of_sigmoid(y: f64) -> f64 {
    sigmoid(y).powi(2) * 0.5
}

/// `f = se(p, t)²` as a path call.
#[grad(forward, reverse)]
fn powi_path_of_call(p: f64, t: f64) -> f64 {
    f64::powi(squared_error(p, t), 2)
}

/// `f = σ(y)ᵏ + σ(y)ᵏ·y` with an integer parameter `k`, bound by `let`.
#[grad(forward, reverse)]
fn powi_of_call_let(y: f64, k: i32) -> f64 {
    let s = sigmoid(y).powi(k);
    s + s * y
}

// ---------------------------------------------------------------------------
// 2. Float types written as an alias or a full path.
// ---------------------------------------------------------------------------

type Real = f64;

/// `f = x² + x` with `y: Real`: `∂x = 2x + 1` (4 at x = 2 without the `+ x`).
#[grad(forward, reverse)]
fn alias_let(x: f64) -> f64 {
    let y: Real = x * x;
    y + x
}

/// `f = x² + x` with `y: core::primitive::f64`.
#[grad(forward, reverse)]
fn path_let(x: f64) -> f64 {
    let y: core::primitive::f64 = x * x;
    y + x
}

/// `f = x·x` through casts to full paths of `f64`.
#[grad(forward, reverse)]
fn path_casts(x: f64) -> f64 {
    let a = x as std::primitive::f64;
    let b = x as core::primitive::f64;
    let c = x as ::core::primitive::f64;
    a * b + c * x
}

/// Parameters and result typed by full paths: `f = x·y + y²`.
#[grad(forward, reverse)]
fn path_params(x: ::core::primitive::f64, y: std::primitive::f64) -> core::primitive::f64 {
    x * y + y * y
}

/// `f = n·x²`: an integer cast to the alias multiplies an active value.
#[grad(forward, reverse)]
fn alias_cast_of_integer(x: f64, n: usize) -> f64 {
    let k = n as Real;
    k * x * x
}

/// `f = k·x + k` with `k: Real` passed as an `f64` (a parameter typed by an
/// alias is refused: see the macro's `opaque` tests).
#[grad(forward, reverse, wrt(x))]
fn alias_param(x: f64, k: f64) -> f64 {
    let k: Real = k;
    k * x + k
}

// ---------------------------------------------------------------------------
// 3. A local named like a shadow (`d_x` beside a parameter `x`).
//
// Cause: user bindings kept their names in `NAME_vjp`, whose parameter `d_x`
// is the caller's shadow. The names of the shadows are now reserved: a
// user binding with one of them is renamed in the generated functions.
// ---------------------------------------------------------------------------

/// `f = 2x₀x₁ + 2x₂`, built in a local array called `d_x`.
#[grad(forward, reverse)]
fn local_named_like_shadow(x: &[f64; 3]) -> f64 {
    let mut d_x = [0.0; 3];
    for i in 0..3 {
        d_x[i] = 2.0 * x[i];
    }
    d_x[0] * x[1] + d_x[2]
}

/// `f = x₀x₁ + x₂ + 2x₂`: a scalar local and a loop index called `d_x`,
/// and the local shadowed again.
#[grad(forward, reverse)]
fn scalar_named_like_shadow(x: &[f64; 3]) -> f64 {
    let d_x = x[0] * x[1];
    let mut s = d_x;
    for d_x in 1..3 {
        s += x[2] * d_x as f64;
    }
    let d_x = s;
    d_x
}

// ---------------------------------------------------------------------------
// 4. `return` inside the closure of an iterator reduction.
//
// Cause: the closure's body is inlined into a loop, and its `return` was
// lowered as the function's. It now gives the closure's value for that
// element (a per-pass flag guards the rest of the closure's body).
// ---------------------------------------------------------------------------

/// `f = Σ g(vᵢ)`, `g(v) = sin v` for `v > 0`, `v²` otherwise.
#[grad(forward, reverse)]
fn closure_return_map(x: &[f64; 4]) -> f64 {
    x.iter()
        .map(|v| {
            if *v > 0.0 {
                return v.sin();
            }
            v * v
        })
        .sum::<f64>()
}

/// The issue's reproduction: `g(v) = 1` for `v > 0`, `v²` otherwise.
#[grad(forward, reverse)]
fn closure_return_issue(x: &[f64; 3]) -> f64 {
    x.iter()
        .map(|v| {
            if *v > 0.0 {
                return 1.0;
            }
            v * v
        })
        .sum::<f64>()
}

/// `a ← a/2` for `v < 0`, `a·v + v` otherwise, from `a = 1`.
#[grad(forward, reverse)]
fn closure_return_fold(x: &[f64; 4]) -> f64 {
    x.iter().fold(1.0, |acc, v| {
        if *v < 0.0 {
            return acc * 0.5;
        }
        acc * v + v
    })
}

/// `f = x₀ + Σ_{vᵢ ≥ 0} vᵢ²`: `return;` in `for_each` skips one element.
#[grad(forward, reverse)]
fn closure_return_for_each(x: &[f64; 4]) -> f64 {
    let mut s = 0.0;
    x.iter().for_each(|v| {
        if *v < 0.0 {
            return;
        }
        s += v * v;
    });
    s + x[0]
}

/// A `return` of the function and one of a closure (with `enumerate`):
/// `f = x₀x₁` if `x₀ > 1.5`, else `x₂·Σ gᵢ` with `g₀ = 3x₀`, `gᵢ = −xᵢ` for
/// `xᵢ < −1`, `xᵢ²` otherwise.
#[grad(forward, reverse)]
fn closure_and_function_return(x: &[f64; 3]) -> f64 {
    if x[0] > 1.5 {
        return x[0] * x[1];
    }
    let s = x
        .iter()
        .enumerate()
        .map(|(i, v)| {
            if i == 0 {
                return v * 3.0;
            } else if *v < -1.0 {
                return -v;
            }
            v * v
        })
        .sum::<f64>();
    s * x[2]
}

// ---------------------------------------------------------------------------
// 5. Items declared in a branch or a block.
//
// Cause: every item of the body is declared at the top of `NAME_vjp`. That
// keeps the meaning of an item whose name nothing outside its block
// mentions (these rows); one whose name is also mentioned outside its block
// (the issue's `const K` shadowing an outer `K`, or two blocks declaring
// one name) is now refused with a spanned error (the macro's
// `lower::items` tests).
// ---------------------------------------------------------------------------

const K: f64 = 2.0;

/// `f = 2(x² + 3x)` for `x > 0`, `2x²` otherwise: a `const` in a branch,
/// the outer `K` outside it.
#[grad(forward, reverse)]
fn item_in_branch(x: f64) -> f64 {
    let mut r = x * x;
    if x > 0.0 {
        const THREE: f64 = 3.0;
        r += THREE * x;
    }
    r * K
}

/// `f = cube(x) + 5x` with `cube` a `#[grad]` function declared in a block
/// expression, and a `const` in another block.
#[grad(forward, reverse)]
fn items_in_blocks(x: f64) -> f64 {
    let a = {
        #[grad(forward, reverse)]
        fn cube(v: f64) -> f64 {
            v * v * v
        }
        cube(x)
    };
    let b = {
        const FIVE: f64 = 5.0;
        FIVE * x
    };
    a + b
}

// ---------------------------------------------------------------------------
// 6. A zero adjoint times an infinite or NaN partial.
//
// Cause: the reverse sweep runs the rule of every forward statement, also
// of one whose value did not reach the output on the path taken; its
// adjoint is then 0, and 0 · ∞ (√ at 0) or 0 · NaN (ln of a negative, or a
// product with such a value) is NaN. The rules that can give a non-finite
// partial at finite operands, and the products that read a value that may
// be non-finite, are now skipped when the adjoint is zero.
// ---------------------------------------------------------------------------

/// The issue's reproduction: `f = x²` for `x ≤ 0`, `√x` otherwise.
#[grad(forward, reverse)]
fn zero_adjoint_sqrt(x: f64) -> f64 {
    let r = x.sqrt();
    if x <= 0.0 {
        return x * x;
    }
    r
}

/// `f = xy` for `x ≤ 0`, `y·ln x` otherwise: `ln` of a negative is NaN, and
/// so is the product that reads it.
#[grad(forward, reverse)]
fn zero_adjoint_nan_value(x: f64, y: f64) -> f64 {
    let l = x.ln();
    let s = l * y;
    if x <= 0.0 {
        return y * x;
    }
    s
}

/// `f = y` for `x = 0`, `y/x` otherwise; `x` for `|x| < ½`, `x⁻²` otherwise;
/// `−x` for `x < −1`, `1/x` otherwise: poles of `/`, `powi` and `recip`.
#[grad(forward, reverse)]
fn zero_adjoint_poles(x: f64, y: f64) -> f64 {
    let q = y / x;
    let p = x.powi(-2);
    let r = x.recip();
    let a = if x == 0.0 { y } else { q };
    let b = if x.abs() < 0.5 { x } else { p };
    let c = if x < -1.0 { -x } else { r };
    a + b + c
}

/// `f = x` for `|x| ≥ 1`, `asin x + atanh x` otherwise; plus `2x` for
/// `x < 1`, `acosh x` otherwise: outside the domains the values are NaN.
#[grad(forward, reverse)]
fn zero_adjoint_domains(x: f64) -> f64 {
    let a = x.asin() + x.atanh();
    let h = x.acosh();
    let f = if x.abs() >= 1.0 { x } else { a };
    let g = if x < 1.0 { 2.0 * x } else { h };
    f + g
}

/// `f = x` for `x > 700`, `eˣ` otherwise: `eˣ` overflows to ∞ past 709.78.
#[grad(forward, reverse)]
fn zero_adjoint_overflow(x: f64) -> f64 {
    let e = x.exp();
    if x > 700.0 {
        return x;
    }
    e
}

/// `f = y·‖(x, y)‖`: at the origin `√`'s partial is infinite but its adjoint
/// `y` is 0, and the gradient is 0.
#[grad(forward, reverse)]
fn zero_adjoint_norm(x: f64, y: f64) -> f64 {
    let s = (x * x + y * y).sqrt();
    s * y
}

/// `g(a, b) = a·b`.
#[grad(forward, reverse)]
fn product(a: f64, b: f64) -> f64 {
    a * b
}

/// `f = y` for `x ≤ 0`, `g(√x, y) = √x·y` otherwise: a call whose argument
/// is NaN on the path not taken.
#[grad(forward, reverse)]
fn zero_adjoint_call(x: f64, y: f64) -> f64 {
    let r = x.sqrt();
    let h = product(r, y);
    if x <= 0.0 {
        return y;
    }
    h
}

/// `g(x) = eˣ`, ∞ past 709.78.
#[grad(forward, reverse)]
fn exp_of(x: f64) -> f64 {
    x.exp()
}

/// `f = y + √(xy)` for `x > 700`, `eˣ·y + sigmoid(√(xy))` otherwise: past
/// 709.78 the call's value `eˣ` is ∞, and the product `eˣ·y` that reads it
/// has a zero adjoint; at `xy = 0` the √'s partial is ∞ and so is the
/// argument of `sigmoid`'s derivative (σ'(√(xy))·∂√/∂x), which has a
/// nonzero adjoint: that one is real. Away from 0 everything is finite.
#[grad(forward, reverse)]
fn zero_adjoint_after_call(x: f64, y: f64) -> f64 {
    let e = exp_of(x);
    let p = e * y;
    let s = product(x, y).abs().sqrt();
    let t = sigmoid(s);
    if x > 700.0 {
        return y + s;
    }
    p + t
}

/// `f = Σ_{xᵢ > 0} √xᵢ`: the same in a loop.
#[grad(forward, reverse)]
fn zero_adjoint_loop(x: &[f64; 4]) -> f64 {
    let mut s = 0.0;
    for i in 0..4 {
        let r = x[i].sqrt();
        if x[i] > 0.0 {
            s += r;
        }
    }
    s
}

// ---------------------------------------------------------------------------
// Second review, A1: `powi(0)` at 0.
//
// Cause: the rule `n·xⁿ⁻¹` is `0·0⁻¹` = NaN at `n = 0`, `x = 0`; the rule
// now has the `n = 0` case (as `powf` has).
// ---------------------------------------------------------------------------

/// `f = x⁰ + x`: `∂x = 1` everywhere, also at 0.
#[grad(forward, reverse)]
fn powi_zero_exponent(x: f64) -> f64 {
    x.powi(0) + x
}

/// `f = Σₖ cₖ·xᵏ` with `c = (1, 2, 3)`: `∂x = 2 + 6x`, 2 at 0.
#[grad(forward, reverse, wrt(x))]
fn polynomial_powi(x: f64, c: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for k in 0..3 {
        s += c[k] * x.powi(k as i32);
    }
    s
}

/// `f = xⁿ` for an integer parameter `n`.
#[grad(forward, reverse, wrt(x))]
fn powi_of_parameter(x: f64, n: i32) -> f64 {
    x.powi(n)
}

// ---------------------------------------------------------------------------
// Second review, A2: `max`/`min` with a NaN operand.
//
// Cause: the rules compared the operands (`x₀ ≥ x₁`), which is false when
// `x₁` is NaN, so the derivative went to the NaN operand that Rust's
// `max`/`min` ignore. The first operand now also gets it when the second
// is NaN.
// ---------------------------------------------------------------------------

/// `f = max(x, ln y) + min(x, √y)`: for `y < 0` both are `x`.
#[grad(forward, reverse)]
fn max_min_of_nan(x: f64, y: f64) -> f64 {
    x.max(y.ln()) + x.min(y.sqrt())
}

/// `f = max(xᵢ)`, from a NaN start: the start never wins.
#[grad(forward, reverse)]
fn running_max_from_nan(x: &[f64; 3]) -> f64 {
    let mut m = f64::NAN;
    for &v in x {
        m = v.max(m);
    }
    m
}

/// `f = min(xᵢ)` with the NaN first, from a NaN start.
#[grad(forward, reverse)]
fn running_min_from_nan(x: &[f64; 3]) -> f64 {
    let mut m = f64::NAN;
    for &v in x {
        m = m.min(v);
    }
    m
}

// ---------------------------------------------------------------------------
// Second review, A3: infinite and NaN constants.
//
// Cause: `finite.rs` took every constant as finite, so a product reading a
// variable that held `f64::INFINITY` or `NAN` was not skipped at a zero
// adjoint. Constants not known to be finite now make values that may not
// be.
// ---------------------------------------------------------------------------

/// `f = y` for `x ≤ 0`, `xy` otherwise; `d` is ∞ where it is not used.
#[grad(forward, reverse)]
fn zero_adjoint_infinite_constant(x: f64, y: f64) -> f64 {
    let mut d = f64::INFINITY;
    if x > 0.0 {
        d = x;
    }
    let p = d * y;
    if x <= 0.0 {
        return y;
    }
    p
}

/// `f = xy` for `x > 0`, `y` otherwise; `c` is NaN where it is not used.
#[grad(forward, reverse)]
fn zero_adjoint_nan_constant(x: f64, y: f64) -> f64 {
    let c = if x > 0.0 { x } else { f64::NAN };
    let p = c * y;
    if x > 0.0 {
        return p;
    }
    y
}

/// A constant the macro cannot see, infinite here.
const FAR: f64 = f64::INFINITY;

/// `f = y` for `x ≤ 0`, `y·x` for `0 < x ≤ 10`: `a` and `b` (∞·y, through
/// a user constant and a division by zero) are used only beyond 10.
#[grad(forward, reverse)]
fn zero_adjoint_user_constant(x: f64, y: f64) -> f64 {
    let a = FAR * y;
    let b = 1.0 / 0.0 * y;
    if x <= 0.0 {
        return y;
    }
    if x > 10.0 {
        return a + b;
    }
    y * x
}

// ---------------------------------------------------------------------------
// Second review, A4: overflow from finite operands.
//
// Cause: `finite.rs` took `as f32` and plain arithmetic of finite values as
// finite, but `1e300 as f32` and `x·x·x` at 1e120 are infinite, and a
// product reading them at a zero adjoint was NaN. `as f32` may now make an
// infinity; so may `+ - *` in a function where an adjoint can vanish (see
// `finite::adjoints_may_vanish`).
// ---------------------------------------------------------------------------

/// `f = y` for `x > 1`, `(x as f32)·y` otherwise.
#[grad(forward, reverse)]
fn zero_adjoint_f32_cast(x: f64, y: f32) -> f32 {
    let a = x as f32;
    let p = a * y;
    if x > 1.0 {
        return y;
    }
    p
}

/// `f = y` for `x > 10¹⁰`, `x³y` otherwise.
#[grad(forward, reverse)]
fn zero_adjoint_product_overflow(x: f64, y: f64) -> f64 {
    let b = x * x * x;
    let p = b * y;
    if x > 1e10 {
        return y;
    }
    p
}

/// `f = tanh(x³y) + y`: at 10¹²⁰ the product is ∞ and `tanh' = 0`.
#[grad(forward, reverse)]
fn zero_adjoint_saturation(x: f64, y: f64) -> f64 {
    let z = x * x * x * y;
    z.tanh() + y
}

/// `f = y + n·x³y`: with `n = 0` the loop runs no pass.
#[grad(forward, reverse, wrt(x, y))]
fn zero_adjoint_empty_loop(x: f64, y: f64, n: usize) -> f64 {
    let p = x * x * x * y;
    let mut s = y;
    for _ in 0..n {
        s += p;
    }
    s
}

/// `f = y`: the first value of `t` is overwritten unread.
#[grad(forward, reverse)]
#[allow(unused_assignments)]
fn zero_adjoint_overwritten(x: f64, y: f64) -> f64 {
    let mut t = x * x * x * y;
    t = y;
    t
}

// ---------------------------------------------------------------------------
// Issue 8, item 8: a whole row stored into an array of arrays.
//
// Cause: `h[t] = [x; 3]` was lowered as a store of a number into an
// element, and the generated code did not compile (E0308). Lowering now
// copies the row element by element.
// ---------------------------------------------------------------------------

/// `Σₜ (xₜ·sin xₜ + xₜ·xₜ₊₁)`, through rows written as a repeat, a literal,
/// a local array and another row.
#[grad(forward, reverse)]
fn rows_stored_whole(x: &[f64; 4]) -> f64 {
    let mut h = vec![[0.0; 3]; x.len() - 1];
    let mut g = [[0.0; 3]; 3];
    let mut local = [0.0; 3];
    for t in 0..3 {
        g[t] = [x[t]; 3];
        h[t] = [x[t], x[t].sin(), x[t + 1]];
        local[2] = h[t][0] * g[t][1];
        g[t] = local;
        h[t][2] = g[t][2] - h[t][0] * h[t][0] + h[t][0] * x[t + 1];
        g[t] = h[t];
    }
    let mut s = 0.0;
    for t in 0..3 {
        s += g[t][0] * g[t][1] + g[t][2];
    }
    s
}

// ---------------------------------------------------------------------------
// A float of a type lowering cannot tell, passed to a method of a constant
// struct.
//
// Cause: `let y = id(x); s.energy(y)` kept the call as written (a plain
// method call: `y` was not known to be a float) and dropped the derivative
// in `y`. Such a call is now refused, asking for `let y: f64 = ..`
// (tests/ui/method-argument-untyped.rs); with the type written the call goes
// through the method's derivative, as these rows check. And a function
// restricted by `wrt` built its companion for callers differentiating every
// struct parameter, which needed `Spring: Params`: a struct (or `&Vec<usize>`)
// left out of `wrt` is now a constant there too.
// ---------------------------------------------------------------------------

/// A spring whose constants are no parameters (not `Params`).
pub struct Spring {
    k: f64,
    rest: f64,
}

impl Spring {
    /// `½k(x − r)²`.
    #[grad(forward, reverse, wrt(x))]
    fn energy(&self, x: f64) -> f64 {
        let d = x - self.rest;
        0.5 * self.k * d * d
    }
}

impl Spring {
    /// `E(x) + k'(x − r')²` with a second spring: a struct parameter of a
    /// method, left out of `wrt`, is a constant for its callers too.
    #[grad(forward, reverse, wrt(x))]
    fn coupled(&self, other: &Spring, x: f64) -> f64 {
        self.energy(x) + other.k * (x - other.rest).powi(2)
    }
}

/// `coupled` of two constant springs at `sin x`.
#[grad(forward, reverse, wrt(x))]
fn spring_pair(s: &Spring, other: &Spring, x: f64) -> f64 {
    let y: f64 = x.sin();
    s.coupled(other, y)
}

const SPRING: Spring = Spring { k: 3.0, rest: 0.5 };
const OTHER_SPRING: Spring = Spring { k: 0.5, rest: -1.0 };

/// `sin(x)·x`, a `#[grad]` helper whose result type lowering cannot tell.
#[grad(forward, reverse)]
fn wobble(x: f64) -> f64 {
    x.sin() * x
}

/// `E(wobble(x)) + k·wobble(x)`, the helper's result typed before the call.
#[grad(forward, reverse, wrt(x))]
fn spring_of_typed_call(s: &Spring, x: f64) -> f64 {
    let y: f64 = wobble(x);
    s.energy(y) + s.k * y
}

/// `k·x·n` with a struct and an index vector left out of `wrt`.
// `&Vec<usize>` is the form the report used.
#[allow(clippy::ptr_arg)]
#[grad(forward, reverse, wrt(x))]
fn constant_struct_and_indices(s: &Spring, x: f64, idx: &Vec<usize>) -> f64 {
    s.k * x * x * idx.len() as f64 + s.energy(x)
}

/// Calls `constant_struct_and_indices` through its companion.
// `&Vec<usize>` is the form the report used.
#[allow(clippy::ptr_arg)]
#[grad(forward, reverse, wrt(x))]
fn calls_with_constant_struct(s: &Spring, x: f64, idx: &Vec<usize>) -> f64 {
    constant_struct_and_indices(s, x.cos(), idx) * x
}

// ---------------------------------------------------------------------------
// Nested array literals of active rows.
//
// Cause: the reverse sweep added the adjoint of the k-th item of an array
// literal as a float (`x̄ += ȳ[k]`), which does not compile when the item is
// a row (`[[x[0], x[1]], [x[1], 2.0]]`): it now adds a row element by element.
// ---------------------------------------------------------------------------

/// `h₀₁·h₁₀ + h₀₀·x₀ = x₁² + x₀²`.
#[grad(forward, reverse)]
fn nested_array_literal(x: &[f64; 2]) -> f64 {
    let h = [[x[0], x[1]], [x[1], 2.0]];
    h[0][1] * h[1][0] + h[0][0] * x[0]
}

/// `x₀·x₁x₂ + 1·2 + x₂·x₀`: rows that are locals, a constant row and a
/// literal row, read in a loop.
#[grad(forward, reverse)]
fn array_literal_of_rows(x: &[f64; 3]) -> f64 {
    let r = [x[0], x[1] * x[2]];
    let c = [1.0, 2.0];
    let h = [r, c, [x[2], x[0]]];
    let mut s = 0.0;
    for i in 0..3 {
        s += h[i][0] * h[i][1];
    }
    s
}

// ---------------------------------------------------------------------------
// The harness (as in tests/corpus.rs).
// ---------------------------------------------------------------------------

fn cases() -> Vec<Case> {
    vec![
        // 1. powi of a call's result.
        case!(powi_of_call, powi_of_call_grad, powi_of_call_vjp, powi_of_call_jvp; (p, t) [p, along(0), t, along(1)]; p in [-2.0, 2.0], t in [-2.0, 2.0]),
        case!(powi_of_sigmoid, powi_of_sigmoid_grad, powi_of_sigmoid_vjp, powi_of_sigmoid_jvp; (y) [y, along(0)]; y in [-3.0, 3.0]),
        case!(powi_path_of_call, powi_path_of_call_grad, powi_path_of_call_vjp, powi_path_of_call_jvp; (p, t) [p, along(0), t, along(1)]; p in [-2.0, 2.0], t in [-2.0, 2.0]),
        case!(powi_of_call_let, powi_of_call_let_grad, powi_of_call_let_vjp, powi_of_call_let_jvp; (y, 3) [y, along(0), 3]; y in [-3.0, 3.0]),
        // 2. Aliases and full paths.
        case!(alias_let, alias_let_grad, alias_let_vjp, alias_let_jvp; (x) [x, along(0)]; x in [-3.0, 3.0]),
        case!(path_let, path_let_grad, path_let_vjp, path_let_jvp; (x) [x, along(0)]; x in [-3.0, 3.0]),
        case!(path_casts, path_casts_grad, path_casts_vjp, path_casts_jvp; (x) [x, along(0)]; x in [-3.0, 3.0]),
        case!(path_params, path_params_grad, path_params_vjp, path_params_jvp; (x, y) [x, along(0), y, along(1)]; x in [-3.0, 3.0], y in [-3.0, 3.0]),
        case!(alias_cast_of_integer, alias_cast_of_integer_grad, alias_cast_of_integer_vjp, alias_cast_of_integer_jvp; (x, 3) [x, along(0), 3]; x in [-3.0, 3.0]),
        case!(alias_param, alias_param_grad, alias_param_vjp, alias_param_jvp; (x, 1.5) [x, along(0), 1.5]; x in [-3.0, 3.0]),
        // 5. Items in blocks.
        case!(item_in_branch, item_in_branch_grad, item_in_branch_vjp, item_in_branch_jvp; (x) [x, along(0)]; x in [-2.0, 2.0]; where x.abs() > M),
        case!(items_in_blocks, items_in_blocks_grad, items_in_blocks_vjp, items_in_blocks_jvp; (x) [x, along(0)]; x in [-2.0, 2.0]),
        // 6. Zero adjoints.
        case!(zero_adjoint_sqrt, zero_adjoint_sqrt_grad, zero_adjoint_sqrt_vjp, zero_adjoint_sqrt_jvp; (x) [x, along(0)]; x in [-2.0, 2.0]; where x.abs() > 0.01),
        case!(zero_adjoint_nan_value, zero_adjoint_nan_value_grad, zero_adjoint_nan_value_vjp, zero_adjoint_nan_value_jvp; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]; where x.abs() > 0.01),
        case!(zero_adjoint_poles, zero_adjoint_poles_grad, zero_adjoint_poles_vjp, zero_adjoint_poles_jvp; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where x.abs() > 0.05 && (x.abs() - 0.5).abs() > M && (x + 1.0).abs() > M),
        case!(zero_adjoint_domains, zero_adjoint_domains_grad, zero_adjoint_domains_vjp, zero_adjoint_domains_jvp; (x) [x, along(0)]; x in [-3.0, 3.0];
            where (x.abs() - 1.0).abs() > 0.05),
        case!(zero_adjoint_overflow, zero_adjoint_overflow_grad, zero_adjoint_overflow_vjp, zero_adjoint_overflow_jvp; (x) [x, along(0)]; x in [690.0, 720.0];
            where (x - 700.0).abs() > M),
        case!(zero_adjoint_norm, zero_adjoint_norm_grad, zero_adjoint_norm_vjp, zero_adjoint_norm_jvp; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where x.hypot(y) > 0.01),
        case!(zero_adjoint_call, zero_adjoint_call_grad, zero_adjoint_call_vjp, zero_adjoint_call_jvp; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where x.abs() > 0.01),
        case!(zero_adjoint_after_call, zero_adjoint_after_call_grad, zero_adjoint_after_call_vjp, zero_adjoint_after_call_jvp; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where (x * y).abs() > 0.01),
        array_case!(zero_adjoint_loop, zero_adjoint_loop_grad, zero_adjoint_loop_vjp, zero_adjoint_loop_jvp; 4; in [-2.0, 2.0];
            where |x| x.iter().all(|v| v.abs() > 0.01)),
        // Second review, A1: powi(0).
        case!(powi_zero_exponent, powi_zero_exponent_grad, powi_zero_exponent_vjp, powi_zero_exponent_jvp; (x) [x, along(0)]; x in [-2.0, 2.0]),
        case!(polynomial_powi, polynomial_powi_grad, polynomial_powi_vjp, polynomial_powi_jvp; (x, &[1.0, 2.0, 3.0]) [x, along(0), &[1.0, 2.0, 3.0]]; x in [-2.0, 2.0]),
        case!(powi_of_parameter, powi_of_parameter_grad, powi_of_parameter_vjp, powi_of_parameter_jvp; (x, 0) [x, along(0), 0]; x in [-2.0, 2.0]),
        case!(powi_of_parameter, powi_of_parameter_grad, powi_of_parameter_vjp, powi_of_parameter_jvp; (x, 3) [x, along(0), 3]; x in [-2.0, 2.0]),
        // Second review, A2: max/min with a NaN operand.
        case!(max_min_of_nan, max_min_of_nan_grad, max_min_of_nan_vjp, max_min_of_nan_jvp; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0];
            where y.abs() > 0.01 && (x - y.abs().ln()).abs() > M && (x - y.abs().sqrt()).abs() > M),
        array_case!(running_max_from_nan, running_max_from_nan_grad, running_max_from_nan_vjp, running_max_from_nan_jvp; 3; in [-2.0, 2.0]),
        array_case!(running_min_from_nan, running_min_from_nan_grad, running_min_from_nan_vjp, running_min_from_nan_jvp; 3; in [-2.0, 2.0]),
        // Second review, A3: infinite and NaN constants.
        case!(zero_adjoint_infinite_constant, zero_adjoint_infinite_constant_grad, zero_adjoint_infinite_constant_vjp, zero_adjoint_infinite_constant_jvp;
            (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]; where x.abs() > M),
        case!(zero_adjoint_nan_constant, zero_adjoint_nan_constant_grad, zero_adjoint_nan_constant_vjp, zero_adjoint_nan_constant_jvp;
            (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]; where x.abs() > M),
        case!(zero_adjoint_user_constant, zero_adjoint_user_constant_grad, zero_adjoint_user_constant_vjp, zero_adjoint_user_constant_jvp;
            (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]; where x.abs() > M),
        // Second review, A4: overflow.
        case!(zero_adjoint_product_overflow, zero_adjoint_product_overflow_grad, zero_adjoint_product_overflow_vjp, zero_adjoint_product_overflow_jvp;
            (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(zero_adjoint_saturation, zero_adjoint_saturation_grad, zero_adjoint_saturation_vjp, zero_adjoint_saturation_jvp;
            (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(zero_adjoint_empty_loop, zero_adjoint_empty_loop_grad, zero_adjoint_empty_loop_vjp, zero_adjoint_empty_loop_jvp;
            (x, y, 2) [x, along(0), y, along(1), 2]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(zero_adjoint_overwritten, zero_adjoint_overwritten_grad, zero_adjoint_overwritten_vjp, zero_adjoint_overwritten_jvp;
            (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        // 3. Locals named like shadows.
        array_case!(local_named_like_shadow, local_named_like_shadow_grad, local_named_like_shadow_vjp, local_named_like_shadow_jvp; 3; in [-2.0, 2.0]),
        // 4. `return` in a reduction's closure.
        array_case!(closure_return_map, closure_return_map_grad, closure_return_map_vjp, closure_return_map_jvp; 4; in [-2.0, 2.0];
            where |x| x.iter().all(|v| v.abs() > M)),
        array_case!(closure_return_issue, closure_return_issue_grad, closure_return_issue_vjp, closure_return_issue_jvp; 3; in [-2.0, 2.0];
            where |x| x.iter().all(|v| v.abs() > M)),
        array_case!(closure_return_fold, closure_return_fold_grad, closure_return_fold_vjp, closure_return_fold_jvp; 4; in [-2.0, 2.0];
            where |x| x.iter().all(|v| v.abs() > M)),
        array_case!(closure_return_for_each, closure_return_for_each_grad, closure_return_for_each_vjp, closure_return_for_each_jvp; 4;
            in [-2.0, 2.0]; where |x| x.iter().all(|v| v.abs() > M)),
        array_case!(closure_and_function_return, closure_and_function_return_grad, closure_and_function_return_vjp, closure_and_function_return_jvp; 3;
            in [-2.0, 2.0]; where |x| (x[0] - 1.5).abs() > M && x.iter().all(|v| (v + 1.0).abs() > M)),
        array_case!(scalar_named_like_shadow, scalar_named_like_shadow_grad, scalar_named_like_shadow_vjp, scalar_named_like_shadow_jvp; 3; in [-2.0, 2.0]),
        // A float passed to a method of a constant struct; a struct left out of `wrt`.
        case!(spring_of_typed_call, spring_of_typed_call_grad, spring_of_typed_call_vjp, spring_of_typed_call_jvp;
            (&SPRING, x) [&SPRING, x, along(0)]; x in [-2.0, 2.0]),
        case!(constant_struct_and_indices, constant_struct_and_indices_grad, constant_struct_and_indices_vjp, constant_struct_and_indices_jvp;
            (&SPRING, x, &vec![1, 2]) [&SPRING, x, along(0), &vec![1, 2]]; x in [-2.0, 2.0]),
        case!(spring_pair, spring_pair_grad, spring_pair_vjp, spring_pair_jvp;
            (&SPRING, &OTHER_SPRING, x) [&SPRING, &OTHER_SPRING, x, along(0)]; x in [-2.0, 2.0]),
        case!(calls_with_constant_struct, calls_with_constant_struct_grad, calls_with_constant_struct_vjp, calls_with_constant_struct_jvp;
            (&SPRING, x, &vec![1, 2, 3]) [&SPRING, x, along(0), &vec![1, 2, 3]]; x in [-2.0, 2.0]),
        // Nested array literals of active rows.
        array_case!(nested_array_literal, nested_array_literal_grad, nested_array_literal_vjp, nested_array_literal_jvp; 2; in [-2.0, 2.0]),
        array_case!(array_literal_of_rows, array_literal_of_rows_grad, array_literal_of_rows_vjp, array_literal_of_rows_jvp; 3; in [-2.0, 2.0]),
        // Issue 8, item 8: whole rows stored into an array of arrays.
        array_case!(rows_stored_whole, rows_stored_whole_grad, rows_stored_whole_vjp, rows_stored_whole_jvp; 4; in [-2.0, 2.0]),
    ]
}

/// Every row: `NAME_grad` matches central differences at 96 random points,
/// its value is the function's, and `NAME_vjp(.., s)` is `s × NAME_grad`.
#[test]
fn regressions_match_numeric_gradient() {
    rows_match_numeric_gradient("regression row(s)", cases());
}

/// Every row: `NAME_jvp` is the transpose of `NAME_vjp` at 96 random points
/// along random directions.
#[test]
fn jvp_is_the_transpose_of_vjp() {
    rows_jvp_is_the_transpose_of_vjp("regression row(s)", cases());
}

// ---------------------------------------------------------------------------
// Closed forms at the issue's points.
// ---------------------------------------------------------------------------

#[test]
fn powi_of_a_call_at_the_issue_point() {
    // se(2, ½) = 2.25, ∂se/∂p = 3: ∂p = se·3 = 6.75.
    let (value, dp, dt) = powi_of_call_grad(2.0, 0.5);
    assert_eq!(value, 0.5 * 2.25f64.powi(2));
    assert!(close(dp, 6.75, 1e-12) && close(dt, -6.75, 1e-12), "{dp} {dt}");
    let (_, dp, dt) = powi_path_of_call_grad(2.0, 0.5);
    assert!(close(dp, 13.5, 1e-12) && close(dt, -13.5, 1e-12), "{dp} {dt}");
    let s = sigmoid(0.3);
    let (_, dy) = powi_of_sigmoid_grad(0.3);
    assert!(close(dy, s * s * (1.0 - s), 1e-12), "{dy}");
}

#[test]
fn aliases_and_paths_at_the_issue_point() {
    assert_eq!(alias_let_grad(2.0), (6.0, 5.0));
    assert_eq!(path_let_grad(2.0), (6.0, 5.0));
    assert_eq!(path_casts_grad(2.0), (8.0, 8.0));
    assert_eq!(alias_cast_of_integer_grad(2.0, 3), (12.0, 12.0));
    assert_eq!(alias_param_grad(2.0, 1.5), (4.5, 1.5));
}

#[test]
fn a_local_named_like_a_shadow_leaves_the_shadow_alone() {
    let x = [0.5, -1.5, 2.0];
    let mut d_x = [0.0; 3];
    let value = local_named_like_shadow_grad(&x, &mut d_x);
    assert_eq!(value, 2.0 * 0.5 * -1.5 + 4.0);
    assert_eq!(d_x, [2.0 * -1.5, 2.0 * 0.5, 2.0]);
    let mut d_x = [0.0; 3];
    assert_eq!(scalar_named_like_shadow_grad(&x, &mut d_x), 0.5 * -1.5 + 3.0 * 2.0);
    assert_eq!(d_x, [-1.5, 0.5, 3.0]);
}

#[test]
fn return_in_a_closure_at_the_issue_point() {
    // g(0.5) = 1 (returned), g(−2) = 4, g(1) = 1: f = 6, ∂ = (0, −4, 0).
    let x = [0.5, -2.0, 1.0];
    let mut d_x = [0.0; 3];
    assert_eq!(closure_return_issue_grad(&x, &mut d_x), 6.0);
    assert_eq!(d_x, [0.0, -4.0, 0.0]);
    // fold: a = 1·½ + ½ = 1, then halved to ½, then ½·2 + 2 = 3, then
    // 3·0 + 0 = 0; only the last step's ∂/∂v = a + 1 = 4 survives.
    let x = [0.5, -1.0, 2.0, 0.0];
    let mut d_x = [0.0; 4];
    assert_eq!(closure_return_fold_grad(&x, &mut d_x), 0.0);
    assert_eq!(d_x, [0.0, 0.0, 0.0, 4.0]);
}

#[test]
fn items_in_blocks_keep_their_meaning() {
    assert_eq!(item_in_branch_grad(1.0), (8.0, 2.0 * (2.0 + 3.0)));
    assert_eq!(item_in_branch_grad(-1.0), (2.0, -4.0));
    assert_eq!(items_in_blocks_grad(2.0), (18.0, 17.0));
}

/// `v²m/2`: no branch, so its own adjoints never vanish and the overflow of
/// `v * v` is not guarded inside it.
#[grad(reverse, hessian)]
fn kinetic_energy(v: f64, m: f64) -> f64 {
    v * v * m * 0.5
}

/// The energy of momentum `p`, or `p` itself for a vanishing mass: there
/// the call's adjoint is zero and its value infinite (`v = 10²⁰⁰`, `v²`
/// overflows). Third review: a call whose arguments were finite was run
/// with the zero adjoint, and `0 · ∞` inside the callee made a NaN.
#[grad(reverse, hessian)]
fn momentum_energy(p: f64, m: f64) -> f64 {
    let v = p / m;
    let e = kinetic_energy(v, m);
    if m < 1e-100 {
        return p;
    }
    e
}

/// The same with arguments the caller takes as finite (parameters): the
/// callee's overflow is met by the zero adjoint all the same.
#[grad(reverse, hessian)]
fn energy_or_momentum(v: f64, m: f64) -> f64 {
    let e = kinetic_energy(v, m);
    if m < 1e-100 {
        return v;
    }
    e
}

fn half_sqrt_vjp(x: f64, seed: f64) -> (f64, f64) {
    let y = x.sqrt();
    (y, seed * (0.5 / y))
}

/// `√x` with a hand-written derivative, infinite at 0.
#[grad(vjp = half_sqrt_vjp)]
fn half_sqrt(x: f64) -> f64 {
    x.sqrt()
}

/// `3x` below 1, `√(x/2)` above: at 0 the custom derivative's pole meets
/// the zero adjoint of the call.
#[grad]
fn pole_off_the_path(x: f64) -> f64 {
    let z = x / 2.0;
    let r = half_sqrt(z);
    if x < 1.0 {
        return x * 3.0;
    }
    r
}

#[test]
fn a_call_off_the_path_gives_no_nan() {
    // p = 1, m = 1e-200: f = p, ∂f/∂p = 1, ∂f/∂m = 0.
    assert_eq!(momentum_energy_grad(1.0, 1e-200), (1.0, 1.0, 0.0));
    // Away from it f = p²/(2m): at (1, 2), ∂p = p/m = ½, ∂m = −p²/(2m²) = −⅛.
    assert_eq!(momentum_energy_grad(1.0, 2.0), (0.25, 0.5, -0.125));
    // v = 1e200, m = 1e-200: f = v, ∂f/∂v = 1, ∂f/∂m = 0.
    assert_eq!(energy_or_momentum_grad(1e200, 1e-200), (1e200, 1.0, 0.0));
    // H·(0, 1) of f = v there: the Hessian is zero.
    assert_eq!(energy_or_momentum_hvp(1e200, 0.0, 1e-200, 1.0), (1e200, 0.0, 0.0));
    // f = 3x below 1: ∂f/∂x = 3 at 0, where √'s derivative is infinite.
    assert_eq!(pole_off_the_path_grad(0.0), (0.0, 3.0));
}

#[test]
fn zero_adjoints_give_no_nan_at_the_issue_points() {
    assert_eq!(zero_adjoint_sqrt_grad(-1.0), (1.0, -2.0));
    assert_eq!(zero_adjoint_sqrt_grad(0.0), (0.0, 0.0));
    assert_eq!(zero_adjoint_sqrt_grad(4.0), (2.0, 0.25));
    assert_eq!(zero_adjoint_nan_value_grad(-2.0, 3.0), (-6.0, 3.0, -2.0));
    assert_eq!(zero_adjoint_nan_value_grad(0.0, 3.0), (0.0, 3.0, 0.0));
    // At 0: a = y, b = x, c = 1/0 = ∞ (its partial −1/x² = −∞ is real).
    let (value, dx, dy) = zero_adjoint_poles_grad(0.0, 2.0);
    assert_eq!((value, dy), (f64::INFINITY, 1.0));
    assert_eq!(dx, f64::NEG_INFINITY);
    let (value, dx, dy) = zero_adjoint_poles_grad(-2.0, 2.0);
    assert_eq!((value, dx, dy), (-1.0 + 0.25 + 2.0, -2.0 / 4.0 + 2.0 / 8.0 - 1.0, -0.5));
    assert_eq!(zero_adjoint_domains_grad(2.0).1, 1.0 + 1.0 / 3f64.sqrt());
    assert_eq!(zero_adjoint_domains_grad(-2.0), (-6.0, 3.0));
    assert_eq!(zero_adjoint_domains_grad(1.0), (1.0 + 0.0, 1.0 + f64::INFINITY));
    assert_eq!(zero_adjoint_overflow_grad(800.0), (800.0, 1.0));
    assert_eq!(zero_adjoint_call_grad(-1.0, 3.0), (3.0, 0.0, 1.0));
    assert_eq!(zero_adjoint_norm_grad(0.0, 0.0), (0.0, 0.0, 0.0));
    // x = 800, y = 2: f = y + √(xy) = 42, ∂f/∂x = y/(2√(xy)) = 1/40,
    // ∂f/∂y = 1 + x/(2√(xy)) = 11; the ∞ of e^800 and its product skipped.
    assert_eq!(zero_adjoint_after_call_grad(800.0, 2.0), (42.0, 1.0 / 40.0, 11.0));
    // x = 1, y = 0: f = e·0 + σ(0) = ½; ∂f/∂x = y·eˣ = 0, ∂f/∂y = eˣ = e:
    // the path through √|xy| (∞ partial, adjoint σ'(0) = ¼) ends at
    // `abs`, whose derivative at 0 is 0 by convention.
    assert_eq!(zero_adjoint_after_call_grad(1.0, 0.0), (0.5, 0.0, 1f64.exp()));
    let mut d_x = [0.0; 4];
    assert_eq!(zero_adjoint_loop_grad(&[4.0, -1.0, 0.0, 1.0], &mut d_x), 3.0);
    assert_eq!(d_x, [0.25, 0.0, 0.0, 0.5]);
}

#[test]
fn powi_with_exponent_zero_at_zero_is_not_nan() {
    assert_eq!(powi_zero_exponent_grad(0.0), (1.0, 1.0));
    assert_eq!(polynomial_powi_grad(0.0, &[1.0, 2.0, 3.0]), (1.0, 2.0));
    assert_eq!(powi_of_parameter_grad(0.0, 0), (1.0, 0.0));
    assert_eq!(powi_of_parameter_grad(0.0, 1), (0.0, 1.0));
    assert_eq!(powi_of_parameter_grad(2.0, 3), (8.0, 12.0));
    // `n − 1` would overflow: `∂(xⁿ)/∂x = n·xⁿ / x`, and (−1)ⁿ⁻¹ = −1.
    let (value, dx) = powi_of_parameter_grad(-1.0, i32::MIN);
    assert_eq!((value, dx), (1.0, -(i32::MIN as f64)));
    // Forward mode too (its `n − 1` overflowed in debug builds), along 0.5.
    assert_eq!(powi_of_parameter_jvp(-1.0, 0.5, i32::MIN), (1.0, -(i32::MIN as f64) * 0.5));
    assert_eq!(powi_of_parameter_jvp(2.0, 0.5, i32::MIN), (0.0, 0.0));
    assert_eq!(powi_of_parameter_jvp(2.0, 0.5, 3), (8.0, 6.0));
    assert_eq!(powi_of_parameter_jvp(0.0, 0.5, 0), (1.0, 0.0));
}

#[test]
fn max_and_min_differentiate_the_operand_they_return() {
    assert_eq!(max_min_of_nan_grad(1.0, -1.0), (2.0, 2.0, 0.0));
    let mut d_x = [0.0; 3];
    assert_eq!(running_max_from_nan_grad(&[2.0, 0.5, 1.0], &mut d_x), 2.0);
    assert_eq!(d_x, [1.0, 0.0, 0.0]);
    let mut d_x = [0.0; 3];
    assert_eq!(running_min_from_nan_grad(&[2.0, 0.5, 1.0], &mut d_x), 0.5);
    assert_eq!(d_x, [0.0, 1.0, 0.0]);
    // Ties split evenly, pass by pass: max(x₂, max(x₁, x₀)) gives x₂ half,
    // and half of the other half to each of x₁ and x₀.
    let mut d_x = [0.0; 3];
    assert_eq!(running_max_from_nan_grad(&[1.0, 1.0, 1.0], &mut d_x), 1.0);
    assert_eq!(d_x, [0.25, 0.25, 0.5]);
}

#[test]
fn infinite_and_nan_constants_give_no_nan_at_zero_adjoints() {
    assert_eq!(zero_adjoint_infinite_constant_grad(-1.0, 2.0), (2.0, 0.0, 1.0));
    assert_eq!(zero_adjoint_infinite_constant_grad(3.0, 2.0), (6.0, 2.0, 3.0));
    assert_eq!(zero_adjoint_nan_constant_grad(-1.0, 2.0), (2.0, 0.0, 1.0));
    assert_eq!(zero_adjoint_user_constant_grad(-1.0, 2.0), (2.0, 0.0, 1.0));
}

#[test]
fn overflow_to_infinity_gives_no_nan_at_zero_adjoints() {
    assert_eq!(zero_adjoint_f32_cast_grad(1e300, 2.0), (2.0, 0.0, 1.0));
    assert_eq!(zero_adjoint_f32_cast_grad(0.5, 2.0), (1.0, 2.0, 0.5));
    assert_eq!(zero_adjoint_product_overflow_grad(1e120, 2.0), (2.0, 0.0, 1.0));
    assert_eq!(zero_adjoint_saturation_grad(1e120, 2.0), (3.0, 0.0, 1.0));
    assert_eq!(zero_adjoint_empty_loop_grad(1e120, 2.0, 0), (2.0, 0.0, 1.0));
    assert_eq!(zero_adjoint_overwritten_grad(1e120, 2.0), (2.0, 0.0, 1.0));
    assert_eq!(zero_adjoint_empty_loop_grad(2.0, 3.0, 1), (3.0 + 24.0, 36.0, 9.0));
}

// ---------------------------------------------------------------------------
// An element operand's index overwritten after the read.
//
// Cause: the reverse sweep addresses the adjoint of `x[j]` in an array
// literal (`[x[j], ..]`), a repeat or a stored value (`y[0] = x[j]`) with
// `j` again, but the save analysis did not count that read: `j = 1` after
// it went unsaved and the adjoint went to `x[1]`. Those indices are now
// needed reads (`reverse/saves.rs`), saved like any other.
// ---------------------------------------------------------------------------

/// `f = x₀·x₂ + x₁`.
#[grad]
fn index_overwritten_after_array_literal(x: &[f64]) -> f64 {
    let mut j = 0;
    let a = [x[j], x[2]];
    j = 1;
    a[0] * a[1] + x[j]
}

/// `y₀ = x₀`, `y₁ = 2·x₁`.
#[grad]
fn index_overwritten_after_store(x: &[f64], y: &mut [f64]) {
    let mut j = 0;
    y[0] = x[j];
    j = 1;
    y[1] = x[j] * 2.0;
}

#[test]
fn an_element_adjoint_goes_to_the_element_read() {
    let x = [1.5, 2.0, 3.0];
    let mut d_x = [0.0; 3];
    let value = index_overwritten_after_array_literal_grad(&x, &mut d_x);
    assert_eq!(value, 1.5 * 3.0 + 2.0);
    assert_eq!(d_x, [3.0, 1.0, 1.5]);

    let mut y = [0.0; 2];
    // Seeds ȳ = (1, 10): x̄ = (1, 20, 0).
    let mut d_y = [1.0, 10.0];
    let mut d_x = [0.0; 3];
    index_overwritten_after_store_vjp(&x, &mut d_x, &mut y, &mut d_y);
    assert_eq!(y, [1.5, 4.0]);
    assert_eq!(d_x, [1.0, 20.0, 0.0]);
}

/// `t % p` (review, stop 17): the partial in `p` is minus the quotient `%`
/// took, which `trunc(t / p)` got one too high where the rounded division
/// lands on an integer: `1.0 % 0.1` is `1.0 − 9·0.1`.
#[grad(forward, reverse, hessian)]
fn wrap(t: f64, period: f64) -> f64 {
    t % period
}

/// `atan2` near the origin (review, stop 17): `y² + x²` underflowed to 0
/// below about 1e-162, and the partials with it.
#[grad(forward, reverse, hessian)]
fn angle(y: f64, x: f64) -> f64 {
    y.atan2(x)
}

#[test]
fn remainder_and_atan2_partials_hold_where_their_formulas_round() {
    let (value, dt, dp) = wrap_grad(1.0, 0.1);
    assert_eq!(((1.0 - value) / 0.1).round(), 9.0);
    assert_eq!((dt, dp), (1.0, -9.0));
    assert_eq!(wrap_jvp(1.0, 0.0, 0.1, 1.0).1, -9.0);
    // ∂/∂y atan2(y, x) = x / (x² + y²), ∂/∂x = −y / (x² + y²): ±1/2a at y = x = a.
    for a in [1e-170, 1e-300, 1.0, 1e200] {
        let (_, dy, dx) = angle_grad(a, a);
        let want = 0.5 / a;
        assert!(close(dy, want, 1e-12) && close(dx, -want, 1e-12), "at {a}: ({dy}, {dx}), want ±{want}");
        assert!(close(angle_jvp(a, 1.0, a, 0.0).1, want, 1e-12));
    }
    assert_eq!(angle_grad(0.0, 0.0), (0.0, 0.0, 0.0));
}

/// Results no differentiated input reaches (review, stop 17): their
/// tangent is a zero of their shape, not `0.0`, which did not compile.
#[allow(unused_variables)]
#[grad(forward, reverse, wrt(x))]
fn constant_pair(x: f64, k: f64) -> [f64; 2] {
    [k, k * 2.0]
}

#[allow(unused_variables)]
#[grad(forward, reverse)]
fn counted_pair(x: f64, n: usize) -> (f64, f64) {
    let a = n as f64;
    (a, 2.0 * a)
}

#[allow(unused_variables)]
#[grad(forward, reverse)]
fn constant_matrix(x: f64) -> [[f64; 2]; 2] {
    [[1.0, 2.0], [3.0, 4.0]]
}

#[grad(forward, reverse)]
fn through_constant_results(x: f64) -> f64 {
    let a: [f64; 2] = constant_pair(x, 2.0);
    let (p, q) = counted_pair(x, 3);
    let m: [[f64; 2]; 2] = constant_matrix(x);
    a[0] * x + p * q * x * m[1][0]
}

#[test]
fn results_no_input_reaches_have_zero_tangents_of_their_shape() {
    let _ = (constant_pair(0.0, 1.0), counted_pair(0.0, 1), constant_matrix(0.0));
    assert_eq!(constant_pair_jvp(1.0, 1.0, 2.0), ([2.0, 4.0], [0.0, 0.0]));
    assert_eq!(counted_pair_jvp(1.0, 1.0, 3), ((3.0, 6.0), (0.0, 0.0)));
    assert_eq!(constant_matrix_jvp(0.5, 1.0), ([[1.0, 2.0], [3.0, 4.0]], [[0.0; 2]; 2]));
    // 2x + 18·3x: 56 at every x.
    assert_eq!(through_constant_results_grad(0.7).1, 56.0);
    assert_eq!(through_constant_results_jvp(0.7, 1.0).1, 56.0);
}
