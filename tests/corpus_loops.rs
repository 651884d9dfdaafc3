//! A corpus of `#[grad]` functions with loops, arrays, slices, model structs
//! and `&mut` outputs, covering every construct of the supported subset,
//! each checked against central differences (`autodiff::numeric_gradient`,
//! `h = 1e-6`) at random points of its domain (one proptest per function,
//! driven by one table), plus closed-form and accumulation checks.
//!
//! # The table
//!
//! Adding a function to the check is one line of `cases()`:
//!
//! ```text
//! case!(f64 name / name_grad / name_vjp / name_jvp (&x in [lo, hi] = [0.0; 4], s in [lo, hi], const k = 2, &mut y = [0.0; 3]));
//! case!(() name / name_vjp / name_jvp (&x in [lo, hi] = vec![0.0; 5], &mut y = vec![0.0; 5]); where cond; tol 1e-5);
//! ```
//!
//! `f64` or `()` is the function's return type. The parenthesised list is
//! the function's parameters, in order:
//!
//! - `&x in [lo, hi] = init`: a differentiated reference parameter (slice,
//!   array, matrix, `Vec`, model struct) whose shape is `init`'s, with every
//!   scalar drawn from `[lo, hi]`. It is passed as `&x` and its shadow
//!   `d_x` right after it; the shadow is pre-filled with [`PRIOR`], so the
//!   check also proves that partials are *added* into it.
//! - `s in [lo, hi]`: a differentiated float by value; its partial is
//!   returned.
//! - `const k = expr`: a constant argument (an integer, a flag, a reference
//!   the function does not differentiate).
//! - `&mut y = init`: an output. Its shadow is seeded with random adjoints
//!   `ȳ`, and the gradient checked is that of `seed·f(x) + Σ ȳ·y(x)`
//!   (`Σ ȳ·y(x)` for functions returning `()`); on exit the shadow must be
//!   zero, and `y` must hold what the function itself writes.
//!
//! `where cond` (optional) rejects points near a kink or a branch boundary;
//! in `cond` every parameter is bound to its value. `tol t` (optional)
//! loosens the relative tolerance, with the reason written beside it.
//!
//! For functions returning a float, `NAME_vjp(.., seed)` is checked (with a
//! random seed) and `NAME_grad(..)` is checked to equal
//! `NAME_vjp(.., 1.0)`.

// The `case!` table binds every parameter `mut` and counts adjoints in a
// `mut` counter, and splits the adjoints; rows without outputs or without
// adjoints leave them alone.
#![allow(unused_mut, unused_variables, clippy::vec_init_then_push)]
// The corpus is written the way the constructs under test are written:
// indexed loops, `&Vec` parameters, `p = p * x[i]` and `let r = ..; r`.
#![allow(clippy::needless_range_loop, clippy::ptr_arg, clippy::assign_op_pattern, clippy::let_and_return)]

mod common;

use std::ops::Range;

use autodiff::{grad, numeric_gradient, sigmoid, Params};
use common::{check_every_case, close, directions, dot_with_allowance, points_in, M};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------
// More iterator forms: `skip`, `take`, `filter`, `copied`, `cloned`, a float
// function as the closure, integer index slices.
// ---------------------------------------------------------------------------

/// `Σ (xᵢ₊₁ − xᵢ)²`: consecutive differences by zipping the slice with
/// itself one element on.
#[grad(forward, reverse, hessian)]
fn roughness(x: &[f64]) -> f64 {
    x.iter().skip(1).zip(x).map(|(next, prev)| (next - prev).powi(2)).sum()
}

/// `Σ_{i<3} xᵢ² + Σ_{1≤i<4} xᵢ`: `take`, and `skip` then `take` on a range.
#[grad(forward, reverse, hessian)]
fn head_terms(x: &[f64]) -> f64 {
    let head: f64 = x.iter().take(3).map(|v| v * v).sum();
    let mut middle = 0.0;
    for i in (0..x.len()).skip(1).take(3) {
        middle += x[i];
    }
    head + middle
}

/// `Σ_{xᵢ>0} xᵢ² − Σ_{xᵢ≤0, i even} xᵢ`: `filter`, with a `for` loop and
/// in a reduction, and after `enumerate`.
#[grad(forward, reverse, hessian)]
fn positive_energy(x: &[f64]) -> f64 {
    let positive: f64 = x.iter().filter(|&&v| v > 0.0).map(|v| v * v).sum();
    let mut negative = 0.0;
    for (i, v) in x.iter().enumerate().filter(|(i, v)| i % 2 == 0 && **v <= 0.0) {
        negative -= v * (i + 1) as f64;
    }
    positive + negative
}

/// The largest element plus the smallest, by `fold` with `f64::max` and
/// `f64::min` over `copied()` / `cloned()`.
#[grad(forward, reverse, hessian)]
fn spread(x: &[f64]) -> f64 {
    let top = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let bottom = x.iter().cloned().fold(f64::INFINITY, f64::min);
    top * top + bottom
}

/// `Σ_k x[idx[k]]²` and `Σ_k x[idx[k]]·k`: an integer slice as a loop
/// source (`for &i in idx`, the form clippy suggests) and in a reduction.
#[grad(forward, reverse, hessian)]
fn gather(x: &[f64], idx: &[usize]) -> f64 {
    let mut s = 0.0;
    for &i in idx {
        s += x[i] * x[i];
    }
    let weighted: f64 = idx.iter().enumerate().map(|(k, &i)| x[i] * k as f64).sum();
    s + weighted
}

// ---------------------------------------------------------------------------
// Sub-slice bindings.
// ---------------------------------------------------------------------------

/// `Σᵢ xᵢ²` over the first half, `⟨head, tail⟩` of the halves' first
/// elements, and `Σ tail` through a `#[grad]` call: `let head = &x[..n];`
/// and `let tail = &x[n..];` indexed, measured, iterated, zipped and passed on.
#[grad(forward, reverse, hessian)]
fn halves(x: &[f64]) -> f64 {
    let n = x.len() / 2;
    let head = &x[..n];
    let back = &x[n..];
    let tail = back;
    let mut s = head[0] * tail[tail.len() - 1];
    for v in head {
        s += v * v;
    }
    let cross: f64 = head.iter().zip(tail.iter()).map(|(a, b)| a * b).sum();
    s + cross + total(tail)
}

/// `Σ xᵢ`, a helper called with a sub-slice binding.
#[grad(forward, reverse, hessian)]
fn total(x: &[f64]) -> f64 {
    x.iter().sum()
}

/// A 1-D convolution with a 3-tap kernel, summed: `Σ_t Σ_j kⱼ·x_{t+j}`
/// squared per window, over `windows(3)`; plus the energy of pairs by
/// `chunks_exact(2)` (a trailing odd element is left out).
#[grad(forward, reverse, hessian)]
fn convolve(x: &[f64], k: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for w in x.windows(3) {
        let y: f64 = w.iter().zip(k).map(|(a, b)| a * b).sum();
        s += y * y;
    }
    let pairs: f64 = x.chunks_exact(2).map(|pair| pair[0] * pair[1]).sum();
    s + pairs
}

// ---------------------------------------------------------------------------
// Local closures over arrays.
// ---------------------------------------------------------------------------

/// `f = x₀² + (x·x)² + Σ_{i≥1} (x·x)·xᵢ`: a closure taking two slices, and
/// one that adds into a captured total (`FnMut`).
#[grad(forward, reverse, hessian)]
fn closure_over_arrays(x: &[f64]) -> f64 {
    let dot = |a: &[f64], b: &[f64]| -> f64 { a.iter().zip(b).map(|(p, q)| p * q).sum() };
    let mut total = 0.0;
    let mut add_square = |v: f64| total += v * v;
    add_square(x[0]);
    let norm2 = dot(x, x);
    add_square(norm2);
    for v in &x[1..] {
        total += norm2 * v;
    }
    total
}

// ---------------------------------------------------------------------------
// `match` in loops.
// ---------------------------------------------------------------------------

/// `Σ gᵢ(xᵢ)` with `g` chosen by `i mod 3`: identity, square, sine. A
/// `match` on a loop's integer, in value position, inside the loop.
#[grad(forward, reverse, hessian)]
fn striped(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, &v) in x.iter().enumerate() {
        s += match i % 3 {
            0 => v,
            1 => v * v,
            _ => v.sin(),
        };
    }
    s
}

/// A `match` on a range loop's index itself, the index read in the arms
/// (issue 8 review: it was refused as a value the arm could not copy).
#[grad(forward, reverse, hessian)]
fn index_match(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        match i {
            0 => s += x[i] * x[i],
            _ => s += 2.0 * x[i] * x[i - 1],
        }
    }
    s
}

/// An arm naming the whole index, in its guard and its value: the last
/// element is cubed, the others doubled.
#[grad(forward, reverse, hessian)]
fn index_named_in_arm(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += match i {
            j if j + 1 == x.len() => x[j] * x[j] * x[j],
            j => 2.0 * x[j] * (j as f64 + 1.0),
        };
    }
    s
}

/// A piecewise-linear interpolation table: for each `t`, `match` picks the
/// segment by a float range and scales it by the weight of the step it is in
/// (a guard on an active value). `f = Σ pw(xᵢ)`.
#[grad(forward, reverse, hessian)]
fn piecewise_table(x: &[f64], w: f64) -> f64 {
    let mut total = 0.0;
    for &t in x {
        total += match t {
            ..-1.0 => -w * (t + 1.0),
            v if v < 1.0 => v * v * w,
            v => w + 2.0 * (v - 1.0),
        };
    }
    total
}

// ---------------------------------------------------------------------------
// Reference parameters: slices, arrays, matrices, `Vec`s, `.len()`.
// ---------------------------------------------------------------------------

/// `f(x, y) = Σᵢ xᵢyᵢ` with `for i in 0..x.len()` and indexing.
/// `∂x = y`, `∂y = x`.
#[grad(forward, reverse, hessian)]
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * y[i];
    }
    s
}

/// `f(x, y) = Σᵢ xᵢyᵢ` over arrays, `for (a, b) in x.iter().zip(y)`.
/// `∂x = y`, `∂y = x`.
#[grad(forward, reverse, hessian)]
fn dot_zip(x: &[f64; 4], y: &[f64; 4]) -> f64 {
    let mut s = 0.0;
    for (a, b) in x.iter().zip(y) {
        s += a * b;
    }
    s
}

/// `f(x, y) = Σᵢ xᵢ sin yᵢ` over `&Vec<f64>`, `for (&a, &b) in x.iter().zip(y.iter())`.
/// `∂xᵢ = sin yᵢ`, `∂yᵢ = xᵢ cos yᵢ`.
#[grad(forward, reverse, hessian)]
fn dot_vec(x: &Vec<f64>, y: &Vec<f64>) -> f64 {
    let mut s = 0.0;
    for (&a, &b) in x.iter().zip(y.iter()) {
        s += a * b.sin();
    }
    s
}

/// Rosenbrock: `f(x) = Σ_{i<n−1} 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²`.
/// `∂xᵢ = −400xᵢ(xᵢ₊₁ − xᵢ²) − 2(1 − xᵢ) + 200(xᵢ − xᵢ₋₁²)` (terms that exist).
#[grad(forward, reverse, hessian)]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

/// Rosenbrock as an iterator chain over two sub-slices:
/// `x[..n−1].iter().zip(&x[1..]).map(|(a, b)| 100(b − a²)² + (1 − a)²).sum()`.
/// Same gradient as [`rosenbrock`].
#[grad(forward, reverse, hessian)]
fn rosenbrock_iter(x: &[f64]) -> f64 {
    let n = x.len();
    x[..n - 1].iter().zip(&x[1..]).map(|(a, b)| 100.0 * (b - a * a) * (b - a * a) + (1.0 - a) * (1.0 - a)).sum::<f64>()
}

/// `f(W, x) = Σᵢ tanh(Σⱼ Wᵢⱼxⱼ)` over a `&[[f64; 3]; 2]` with `.len()` of
/// both dimensions. With `tᵢ = tanh zᵢ`: `∂Wᵢⱼ = (1 − tᵢ²)xⱼ`,
/// `∂xⱼ = Σᵢ (1 − tᵢ²)Wᵢⱼ`.
#[grad(forward, reverse, hessian)]
fn matvec_tanh(w: &[[f64; 3]; 2], x: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        let mut z = 0.0;
        for j in 0..w[i].len() {
            z += w[i][j] * x[j];
        }
        s += z.tanh();
    }
    s
}

/// `f(R) = Σᵣ Rᵣ₀Rᵣ₁ + Rᵣ₂²` over a `&Vec<[f64; 3]>` (rows of a table).
/// `∂Rᵣ₀ = Rᵣ₁`, `∂Rᵣ₁ = Rᵣ₀`, `∂Rᵣ₂ = 2Rᵣ₂`.
#[grad(forward, reverse, hessian)]
fn vec_rows(r: &Vec<[f64; 3]>) -> f64 {
    let mut s = 0.0;
    for k in 0..r.len() {
        s += r[k][0] * r[k][1] + r[k][2] * r[k][2];
    }
    s
}

/// `f(W, x) = Σᵢ xᵢ·Wᵢ,₍ᵢ₊₁₎ mod 3`: an index computed from two loop
/// counters. `∂xᵢ = Wᵢ,₍ᵢ₊₁₎ mod 3`, `∂Wᵢ,₍ᵢ₊₁₎ mod 3 = xᵢ`, others 0.
#[grad(forward, reverse, hessian)]
fn computed_index(w: &[[f64; 3]; 3], x: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for i in 0..3 {
        s += x[i] * w[i][(i + 1) % 3];
    }
    s
}

/// `f(x) = Σᵢ xᵢ²` for any `N` (a const-generic array).
/// `∂x = 2x`.
#[grad(forward, reverse, hessian)]
fn sum_sq<const N: usize>(x: &[f64; N]) -> f64 {
    let mut s = 0.0;
    for v in x.iter() {
        s += v * v;
    }
    s
}

/// `f(x; y) = Σᵢ xᵢ exp yᵢ`, differentiated with respect to `x` only
/// (`wrt(x)`; `y` gets no shadow). `∂x = exp y`.
#[grad(forward, reverse, hessian, wrt(x))]
fn wrt_x(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * y[i].exp();
    }
    s
}

// ---------------------------------------------------------------------------
// Softmax and cross-entropy with loops.
// ---------------------------------------------------------------------------

/// Softmax cross-entropy of logits `z` against class `k`, with a stable
/// log-sum-exp: `m = maxⱼ zⱼ`, `f(z) = ln Σⱼ exp(zⱼ − m) + m − z_k`.
/// `∂zⱼ = softmax(z)ⱼ − [j = k]` (the path through `m` cancels).
#[grad(forward, reverse, hessian)]
fn softmax_xent(z: &[f64], k: usize) -> f64 {
    let mut m = z[0];
    for &v in z.iter() {
        if v > m {
            m = v;
        }
    }
    let mut s = 0.0;
    for &v in z {
        s += (v - m).exp();
    }
    s.ln() + m - z[k]
}

/// Softmax into an output `&mut Vec<f64>`: `yᵢ = exp(zᵢ − m)/Σⱼ exp(zⱼ − m)`,
/// `m` by `fold`. The output is written, then divided in place (`/=`).
/// `∂z = y ⊙ (ȳ − ȳ·y)`.
#[grad(forward, reverse)]
fn softmax_out(z: &[f64], y: &mut Vec<f64>) {
    let m = z.iter().fold(z[0], |acc, v| acc.max(*v));
    let mut s = 0.0;
    for i in 0..z.len() {
        y[i] = (z[i] - m).exp();
        s += y[i];
    }
    for i in 0..y.len() {
        y[i] /= s;
    }
}

/// Mean cross-entropy of a batch of logit rows against their labels, the
/// log-sum-exp by iterator chains: `f(Z) = (1/B) Σ_b [ln Σⱼ exp(Z_bj) − Z_b,lab_b]`.
/// `∂Z_bj = (softmax(Z_b)ⱼ − [j = lab_b])/B`.
#[grad(forward, reverse, hessian)]
fn batch_xent(z: &[[f64; 3]; 2], labels: &[usize; 2]) -> f64 {
    let mut total = 0.0;
    for b in 0..z.len() {
        let m = z[b].iter().fold(f64::NEG_INFINITY, |acc, v| acc.max(*v));
        let s = z[b].iter().map(|v| (v - m).exp()).sum::<f64>();
        total += s.ln() + m - z[b][labels[b]];
    }
    total / z.len() as f64
}

// ---------------------------------------------------------------------------
// Values the reverse sweep must save.
// ---------------------------------------------------------------------------

/// `f(x) = Πᵢ xᵢ` by `p = p * x[i]`: the running product is overwritten and
/// needed backwards. `∂xᵢ = Π_{j≠i} xⱼ`.
#[grad(forward, reverse, hessian)]
fn running_product(x: &[f64]) -> f64 {
    let mut p = 1.0;
    for i in 0..x.len() {
        p = p * x[i];
    }
    p
}

/// `pᵢ = sin(pᵢ₋₁xᵢ) + xᵢ`, `p₋₁ = 1`, `f = pₙ₋₁`: a nonlinear recurrence.
/// `∂pᵢ/∂pᵢ₋₁ = xᵢ cos(pᵢ₋₁xᵢ)`, `∂pᵢ/∂xᵢ = pᵢ₋₁ cos(pᵢ₋₁xᵢ) + 1`, chained.
#[grad(forward, reverse, hessian)]
fn running_sin(x: &[f64]) -> f64 {
    let mut p = 1.0;
    for i in 0..x.len() {
        p = (p * x[i]).sin() + x[i];
    }
    p
}

/// Logistic map `v ← r·v(1 − v)` iterated `n` times from `v₀`, with `r`
/// and `v₀` by value. `∂v/∂v₀ = Πₖ r(1 − 2vₖ)`, `∂v/∂r` by the chain rule.
#[grad(forward, reverse, hessian)]
fn logistic_map(r: f64, v0: f64, n: usize) -> f64 {
    let mut v = v0;
    for _ in 0..n {
        v = r * v * (1.0 - v);
    }
    v
}

// ---------------------------------------------------------------------------
// Branches, `while`, `loop`, `break`, `continue`, `return`.
// ---------------------------------------------------------------------------

/// `f(x) = Σᵢ g(xᵢ)` with `g(v) = v²` if `v > 0`, `sin v` otherwise (`if`
/// inside a loop). `∂xᵢ = 2xᵢ` or `cos xᵢ`; kink at 0.
#[grad(forward, reverse, hessian)]
fn branch_in_loop(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            s += x[i] * x[i];
        } else {
            s += x[i].sin();
        }
    }
    s
}

/// `f(x) = Σ_{i<k} exp xᵢ`, where `k` is the first count whose partial sum
/// reaches 3 (or `n`): a `while` with a data-dependent trip count.
/// `∂xᵢ = exp xᵢ` for `i < k`, else 0.
#[grad(forward, reverse, hessian)]
fn while_threshold(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let mut i = 0;
    while s < 3.0 && i < x.len() {
        s += x[i].exp();
        i += 1;
    }
    s
}

/// `f(a) = √a` by Newton's iteration `y ← (y + a/y)/2` until it stops
/// moving: a `while` whose trip count depends on `a`. The derivative of the
/// converged iterate is `1/(2√a)`.
#[grad(forward, reverse, hessian)]
fn newton_sqrt(a: f64) -> f64 {
    let mut y = a + 1.0;
    let mut n = 0;
    while n < 60 && (y * y - a).abs() > 1e-15 * a {
        y = 0.5 * (y + a / y);
        n += 1;
    }
    y
}

/// `f(x) = Σ_{i<k} xᵢ³`, `k` the first index with `xₖ < −0.5` (or `n`):
/// `loop` with `break`. `∂xᵢ = 3xᵢ²` for `i < k`, else 0.
#[grad(forward, reverse, hessian)]
fn loop_break(x: &[f64]) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    loop {
        if i == x.len() || x[i] < -0.5 {
            break;
        }
        s += x[i] * x[i] * x[i];
        i += 1;
    }
    s
}

/// `f(x) = xₖ exp(xₖ) + x₀` for the first `k` with `xₖ > 1`, else `3x₀`:
/// `loop` with `break value`. `∂xₖ = (1 + xₖ) exp xₖ`, `∂x₀ += 1` (or 3).
#[grad(forward, reverse, hessian)]
fn loop_break_value(x: &[f64]) -> f64 {
    let mut i = 0;
    let r = loop {
        if i == x.len() {
            break 2.0 * x[0];
        }
        if x[i] > 1.0 {
            break x[i] * x[i].exp();
        }
        i += 1;
    };
    r + x[0]
}

/// `f(x) = Σᵢ (i + 1) cos xᵢ` over the indices not skipped by `continue`
/// (odd `i` with `xᵢ < 0`). `∂xᵢ = −(i + 1) sin xᵢ` if kept, else 0.
#[grad(forward, reverse, hessian)]
fn continue_odd(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        if i % 2 == 1 && x[i] < 0.0 {
            continue;
        }
        s += (i as f64 + 1.0) * x[i].cos();
    }
    s
}

/// `sⱼ = Σ_{i≤j} exp xᵢ`; returns `2sⱼ` from inside the loop at the first
/// `j` with `sⱼ > 4`, else `s` after the loop. `∂xᵢ = 2 exp xᵢ` (`i ≤ j`) or
/// `exp xᵢ`.
#[grad(forward, reverse, hessian)]
fn early_return(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i].exp();
        if s > 4.0 {
            return 2.0 * s;
        }
    }
    s
}

/// Searches the pairs `i < j` in order and returns `xᵢxⱼ` from inside the
/// nested loop for the first pair with `xᵢ + xⱼ > 1.5`; `Σᵢ xᵢ²` if none.
#[grad(forward, reverse, hessian)]
fn nested_return(x: &[f64]) -> f64 {
    for i in 0..x.len() {
        for j in i + 1..x.len() {
            if x[i] + x[j] > 1.5 {
                return x[i] * x[j];
            }
        }
    }
    let mut s = 0.0;
    for &v in x {
        s += v * v;
    }
    s
}

/// `f(x) = Σᵢ [xᵢ > 0.3] xᵢ²` for the first three kept elements, combining
/// `continue` and `break` in one `for` over the slice.
#[grad(forward, reverse, hessian)]
fn continue_break(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let mut kept = 0;
    for &v in x.iter() {
        if v <= 0.3 {
            continue;
        }
        s += v * v;
        kept += 1;
        if kept == 3 {
            break;
        }
    }
    s
}

/// `if` on data deciding between a `for` and a `while`: `Σᵢ xᵢ³` if
/// `x₀ > 0`, else `Π_{i<n} (1 + xᵢ²)` by a `while`.
#[grad(forward, reverse, hessian)]
fn loops_in_if(x: &[f64]) -> f64 {
    if x[0] > 0.0 {
        let mut s = 0.0;
        for i in 0..x.len() {
            s += x[i] * x[i] * x[i];
        }
        s
    } else {
        let mut p = 1.0;
        let mut i = 0;
        while i < x.len() {
            p *= 1.0 + x[i] * x[i];
            i += 1;
        }
        p
    }
}

// ---------------------------------------------------------------------------
// Ranges and loop bounds.
// ---------------------------------------------------------------------------

/// `f(x) = Σ_{i<j} exp(−(xᵢ − xⱼ)²)`: nested loops, the inner bound from the
/// outer counter. `∂xᵢ = Σ_{j≠i} −2(xᵢ − xⱼ) exp(−(xᵢ − xⱼ)²)`.
#[grad(forward, reverse, hessian)]
fn pairwise(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        for j in i + 1..x.len() {
            let d = x[i] - x[j];
            s += (-d * d).exp();
        }
    }
    s
}

/// `f(x) = Σᵢ Σ_{j=0..=i} xⱼ xᵢ` (an inclusive inner range).
/// `∂xₖ = Σ_{i≥k} xᵢ + Σ_{j≤k} xⱼ`.
#[grad(forward, reverse, hessian)]
fn triangular(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        for j in 0..=i {
            s += x[j] * x[i];
        }
    }
    s
}

/// Horner's rule `p(t) = Σᵢ cᵢtⁱ` over `(0..n).rev()`, with `t` by value.
/// `∂cᵢ = tⁱ`, `∂t = Σᵢ i cᵢ tⁱ⁻¹`.
#[grad(forward, reverse, hessian)]
fn horner(c: &[f64], t: f64) -> f64 {
    let mut p = 0.0;
    for i in (0..c.len()).rev() {
        p = p * t + c[i];
    }
    p
}

/// `f(x) = Σ_{even i} xᵢ x_{i+1}` over `(0..n − 1).step_by(2)`.
/// `∂x_{2k} = x_{2k+1}`, `∂x_{2k+1} = x_{2k}`.
#[grad(forward, reverse, hessian)]
fn step_pairs(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in (0..x.len() - 1).step_by(2) {
        s += x[i] * x[i + 1];
    }
    s
}

/// `f(x) = Σ_{i=lo..=hi} sin xᵢ`, loop bounds from integer parameters.
/// `∂xᵢ = cos xᵢ` for `lo ≤ i ≤ hi`.
#[grad(forward, reverse, hessian)]
fn bounded_sum(x: &[f64], lo: usize, hi: usize) -> f64 {
    let mut s = 0.0;
    for i in lo..=hi {
        s += x[i].sin();
    }
    s
}

/// `f(x) = Σₖ (k + 1)·x_{n−1−k}` by `x.iter().rev()` plus `Σ_{even i} xᵢ²` by
/// `x.iter().step_by(2)`. `∂xᵢ = n − i + [i even]·2xᵢ`.
#[grad(forward, reverse, hessian)]
fn iter_rev_step(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let mut k = 1.0;
    for v in x.iter().rev() {
        s += k * v;
        k += 1.0;
    }
    for &v in x.iter().step_by(2) {
        s += v * v;
    }
    s
}

/// `f(x) = Σᵢ (i + 1) xᵢ²`, with an accumulator that depends on the order,
/// over `.iter().enumerate().rev()`: `aᵢ = sin(aᵢ₊₁) + (i + 1)xᵢ²` from the
/// last element down. Gradient by the chain rule.
#[grad(forward, reverse, hessian)]
fn enumerate_rev(x: &[f64]) -> f64 {
    let mut a: f64 = 0.0;
    for (i, v) in x.iter().enumerate().rev() {
        a = a.sin() + (i as f64 + 1.0) * v * v;
    }
    a
}

/// `f(x, y) = Σ_{even i} xᵢyᵢ` by `.iter().zip(y).step_by(2)`.
#[grad(forward, reverse, hessian)]
fn zip_step(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for (a, b) in x.iter().zip(y).step_by(2) {
        s += a * b;
    }
    s
}

// ---------------------------------------------------------------------------
// Iterator reductions.
// ---------------------------------------------------------------------------

/// `f(x) = (Σᵢ xᵢ)² + Πᵢ xᵢ` by `.sum::<f64>()` and `.product::<f64>()`.
/// `∂xᵢ = 2Σⱼxⱼ + Π_{j≠i} xⱼ`.
#[grad(forward, reverse, hessian)]
fn sum_product(x: &[f64]) -> f64 {
    let s = x.iter().sum::<f64>();
    let p = x.iter().product::<f64>();
    s * s + p
}

/// `f(x) = Σᵢ ln(1 + xᵢ²)` by `.map(|v| ..).sum()` into a typed `let`.
/// `∂xᵢ = 2xᵢ/(1 + xᵢ²)`.
#[grad(forward, reverse, hessian)]
fn map_sum(x: &[f64]) -> f64 {
    let s: f64 = x.iter().map(|v| (1.0 + v * v).ln()).sum();
    s
}

/// `f(x, y) = Σᵢ xᵢyᵢ + Σᵢ sin xᵢ` by `zip(..).map(|(a, b)| a * b).sum()`.
/// `∂xᵢ = yᵢ + cos xᵢ`, `∂yᵢ = xᵢ`.
#[grad(forward, reverse, hessian)]
fn zip_map_sum(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>() + x.iter().map(|v| v.sin()).sum::<f64>()
}

/// `f(x) = Σᵢ (i + 1) sin xᵢ` by `.enumerate().map(|(i, v)| ..).sum()`.
/// `∂xᵢ = (i + 1) cos xᵢ`.
#[grad(forward, reverse, hessian)]
fn enumerate_map(x: &[f64]) -> f64 {
    x.iter().enumerate().map(|(i, v)| (i as f64 + 1.0) * v.sin()).sum::<f64>()
}

/// `aₙ` with `a₀ = 1`, `aᵢ₊₁ = aᵢxᵢ + 1` by `.fold(1.0, |acc, v| acc * v + 1.0)`:
/// the accumulator is needed backwards. `∂aₙ/∂xᵢ = aᵢ Π_{j>i} xⱼ`.
#[grad(forward, reverse, hessian)]
fn fold_affine(x: &[f64]) -> f64 {
    let a = x.iter().fold(1.0, |acc, v| acc * v + 1.0);
    a
}

/// [`fold_affine`] with the `fold` as the tail expression.
#[grad(forward, reverse, hessian)]
fn fold_tail(x: &[f64]) -> f64 {
    x.iter().fold(1.0, |acc, v| acc * v + 1.0)
}

/// `f(x) = Σᵢ xᵢ² + (Σᵢ xᵢ)` by `.for_each(|v| ..)` updating two locals.
/// `∂xᵢ = 2xᵢ + 1`.
#[grad(forward, reverse, hessian)]
fn for_each_acc(x: &[f64]) -> f64 {
    let mut s = 0.0;
    let mut t = 0.0;
    x.iter().for_each(|v| {
        s += v * v;
        t += v;
    });
    s + t
}

/// `f(x, y) = Σ_{i<n} xᵢ y_{n−1−i}` by `(0..n).map(|i| ..).sum()` over a range.
/// `∂xᵢ = y_{n−1−i}`, `∂yⱼ = x_{n−1−j}`.
#[grad(forward, reverse, hessian)]
fn range_map_sum(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len();
    (0..n).map(|i| x[i] * y[n - 1 - i]).sum::<f64>()
}

/// `f(W, x) = Σᵢ (Σⱼ Wᵢⱼxⱼ)²`, the inner product as an iterator chain over
/// each row `w[i]`. `∂Wᵢⱼ = 2zᵢxⱼ`, `∂xⱼ = Σᵢ 2zᵢWᵢⱼ`.
#[grad(forward, reverse, hessian)]
fn row_chains(w: &[[f64; 3]; 2], x: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for i in 0..2 {
        let z = w[i].iter().zip(x).map(|(a, b)| a * b).sum::<f64>();
        s += z * z;
    }
    s
}

// ---------------------------------------------------------------------------
// Local buffers of active values.
// ---------------------------------------------------------------------------

/// A hidden layer in a local `[0.0; 2]`: `hᵢ = σ(Σⱼ Wᵢⱼxⱼ)`, `f = Σᵢ vᵢhᵢ`.
/// `∂vᵢ = hᵢ`, `∂Wᵢⱼ = vᵢhᵢ(1 − hᵢ)xⱼ`, `∂xⱼ = Σᵢ vᵢhᵢ(1 − hᵢ)Wᵢⱼ`.
#[grad(forward, reverse)]
fn hidden_layer(w: &[[f64; 3]; 2], v: &[f64; 2], x: &[f64; 3]) -> f64 {
    let mut h = [0.0; 2];
    for i in 0..2 {
        for j in 0..3 {
            h[i] += w[i][j] * x[j];
        }
        h[i] = sigmoid(h[i]);
    }
    let mut s = 0.0;
    for i in 0..2 {
        s += v[i] * h[i];
    }
    s
}

/// The outer product `Mᵢⱼ = xᵢyⱼ` in a local `[[0.0; 3]; 3]`, then
/// `f = Σᵢⱼ Mᵢⱼ Mⱼᵢ = (x·y)²`. `∂x = 2(x·y)y`, `∂y = 2(x·y)x`.
#[grad(forward, reverse, hessian)]
fn local_matrix(x: &[f64; 3], y: &[f64; 3]) -> f64 {
    let mut m = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            m[i][j] = x[i] * y[j];
        }
    }
    let mut s = 0.0;
    for i in 0..3 {
        for j in 0..3 {
            s += m[i][j] * m[j][i];
        }
    }
    s
}

/// Prefix sums in a local `[0.0; 8]` (`n ≤ 8`): `cᵢ = Σ_{j≤i} xⱼ`,
/// `f = Σᵢ cᵢ²`. `∂xⱼ = 2Σ_{i≥j} cᵢ`.
#[grad(forward, reverse, hessian)]
fn prefix_squares(x: &[f64]) -> f64 {
    let n = x.len();
    let mut c = [0.0; 8];
    c[0] = x[0];
    for i in 1..n {
        c[i] = c[i - 1] + x[i];
    }
    let mut s = 0.0;
    for i in 0..n {
        s += c[i] * c[i];
    }
    s
}

/// Array literals of active values, `[a, b, c]` and `[t; 3]`:
/// `u = [x₀x₁, sin x₁, t]`, `f = Σᵢ uᵢ·t`, i.e. `t(x₀x₁ + sin x₁ + t)`, summed
/// over a `[t; 3]` as `3t` more. `∂x₀ = tx₁`, `∂x₁ = t(x₀ + cos x₁)`,
/// `∂t = x₀x₁ + sin x₁ + 2t + 3`.
#[grad(forward, reverse, hessian)]
fn array_literals(x: &[f64; 2], t: f64) -> f64 {
    let u = [x[0] * x[1], x[1].sin(), t];
    let r = [t; 3];
    let mut s = 0.0;
    for i in 0..3 {
        s += u[i] * t + r[i];
    }
    s
}

/// A copy `let mut y = *x;`, modified in place (`y[i] *= ..`), then reduced:
/// `f = Σᵢ (xᵢ xᵢ₊₁ mod 3)² + x₀`, where `x` is unchanged. `∂` by the chain rule.
#[grad(forward, reverse, hessian)]
fn copy_param(x: &[f64; 3]) -> f64 {
    let mut y = *x;
    for i in 0..3 {
        y[i] *= x[(i + 1) % 3];
    }
    y[0] * y[0] + y[1] * y[1] + y[2] * y[2] + x[0]
}

/// Destructuring `let [a, b, c] = *x;`: `f = ab + bc² + sin a`.
/// `∂a = b + cos a`, `∂b = a + c²`, `∂c = 2bc`.
#[grad(forward, reverse, hessian)]
fn destructure(x: &[f64; 3]) -> f64 {
    let [a, b, c] = *x;
    a * b + b * c * c + a.sin()
}

/// A local table of rows `[[0.0; 2]; 6]` (`n ≤ 6`): `pᵢ = (xᵢ, xᵢ²)`,
/// `f = Σᵢ pᵢ₀pᵢ₁ = Σᵢ xᵢ³`. `∂xᵢ = 3xᵢ²`.
#[grad(forward, reverse, hessian)]
fn local_rows(x: &[f64]) -> f64 {
    let n = x.len();
    let mut p = [[0.0; 2]; 6];
    for i in 0..n {
        p[i][0] = x[i];
        p[i][1] = x[i] * x[i];
    }
    let mut s = 0.0;
    for i in 0..n {
        s += p[i][0] * p[i][1];
    }
    s
}

// ---------------------------------------------------------------------------
// Sub-slices and calls.
// ---------------------------------------------------------------------------

/// `f(x, y) = Σ_{i≥1} xᵢ yᵢ₋₁` by `dot(&x[1..], y)`: a sub-slice passed to
/// another `#[grad]` function (`y` one shorter than `x`).
/// `∂xᵢ = yᵢ₋₁` (`i ≥ 1`), `∂x₀ = 0`, `∂yⱼ = xⱼ₊₁`.
#[grad(forward, reverse, hessian)]
fn subslice_call(x: &[f64], y: &[f64]) -> f64 {
    dot(&x[1..], y)
}

/// `f(x) = Σ_{a≤i<b} xᵢ·x₀ + dot(x[a..b], x[0..b − a])`: a sub-slice with
/// bounds from parameters, iterated and passed on.
#[grad(forward, reverse, hessian)]
fn subslice_range(x: &[f64], a: usize, b: usize) -> f64 {
    let mut s = 0.0;
    for v in &x[a..b] {
        s += v * x[0];
    }
    s + dot(&x[a..b], &x[0..b - a])
}

/// `f(x) = Σ_{i≥2} xᵢ² + x[1..].iter().sum()`: a sub-slice as the receiver
/// of an iterator chain. `∂x₀ = 0`, `∂x₁ = 1`, `∂xᵢ = 2xᵢ + 1` (`i ≥ 2`).
#[grad(forward, reverse, hessian)]
fn subslice_iter(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x[2..].iter() {
        s += v * v;
    }
    s + x[1..].iter().sum::<f64>()
}

/// A call to a `#[grad]` function of scalars inside a loop:
/// `f(w, x) = Σᵢ σ(wᵢxᵢ)`. `∂wᵢ = σ'(wᵢxᵢ)xᵢ`, `∂xᵢ = σ'(wᵢxᵢ)wᵢ`.
#[grad(forward, reverse)]
fn call_in_loop(w: &[f64], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        s += sigmoid(w[i] * x[i]);
    }
    s
}

/// A local buffer of active values passed to another `#[grad]` function:
/// `hᵢ = xᵢ²`, `f = dot(h, y) + sum_sq(h)`. `∂xᵢ = 2xᵢyᵢ + 4xᵢ³`, `∂y = h`.
#[grad(forward, reverse, hessian)]
fn call_local_buffer(x: &[f64; 3], y: &[f64; 3]) -> f64 {
    let mut h = [0.0; 3];
    for i in 0..3 {
        h[i] = x[i] * x[i];
    }
    dot(&h, &y[..]) + sum_sq(&h)
}

/// A call whose result feeds a loop-carried value:
/// `p = Πᵣ (1 + dot(Rᵣ, x)²)` over rows `Rᵣ` of a `&[[f64; 3]; 3]`.
#[grad(forward, reverse, hessian)]
fn call_rows(r: &[[f64; 3]; 3], x: &[f64; 3]) -> f64 {
    let mut p = 1.0;
    for i in 0..3 {
        let z = dot(&r[i], &x[..]);
        p *= 1.0 + z * z;
    }
    p
}

// ---------------------------------------------------------------------------
// More loop shapes.
// ---------------------------------------------------------------------------

/// `f(W, x) = Σᵢ tanh(Wᵢ·x)` with `for row in w.iter()` and an iterator chain
/// on each row. `∂Wᵢⱼ = (1 − tᵢ²)xⱼ`, `∂xⱼ = Σᵢ (1 − tᵢ²)Wᵢⱼ`.
#[grad(forward, reverse, hessian)]
fn rows_iter(w: &[[f64; 3]; 2], x: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for row in w.iter() {
        s += row.iter().zip(x).map(|(a, b)| a * b).sum::<f64>().tanh();
    }
    s
}

/// `f(W, x) = Σᵢ Wᵢᵢxᵢ` with `for (i, row) in w.iter().enumerate()`.
/// `∂Wᵢᵢ = xᵢ`, `∂xᵢ = Wᵢᵢ` (`i < 2`), others 0.
#[grad(forward, reverse, hessian)]
fn rows_enumerate(w: &[[f64; 3]; 2], x: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for (i, row) in w.iter().enumerate() {
        s += row[i] * x[i];
    }
    s
}

/// `f(R) = Σᵣ Rᵣ₀Rᵣ₁` with `for row in r.iter()` over a `&Vec<[f64; 2]>`.
/// `∂Rᵣ₀ = Rᵣ₁`, `∂Rᵣ₁ = Rᵣ₀`.
#[grad(forward, reverse, hessian)]
fn vec_rows_iter(r: &Vec<[f64; 2]>) -> f64 {
    let mut s = 0.0;
    for row in r.iter() {
        s += row[0] * row[1];
    }
    s
}

/// `sᵢ = sᵢ₋₁/2 + xᵢ`; returns `sₖ²` from inside a `while` at the first `k`
/// with `sₖ > 2`, else `sₙ₋₁`. `∂xᵢ = 2sₖ·2^{i−k}` (`i ≤ k`) or `2^{i−n+1}`.
#[grad(forward, reverse, hessian)]
fn return_in_while(x: &[f64]) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    while i < x.len() {
        s = s * 0.5 + x[i];
        if s > 2.0 {
            return s * s;
        }
        i += 1;
    }
    s
}

/// `f(W) = Σᵢ Σ_{j<kᵢ} √Wᵢⱼ`, `kᵢ` the first column with `Wᵢⱼ < 0`: a `break`
/// that leaves the inner loop only. `∂Wᵢⱼ = 1/(2√Wᵢⱼ)` for `j < kᵢ`, else 0.
#[grad(forward, reverse, hessian)]
fn inner_break(w: &[[f64; 3]; 3]) -> f64 {
    let mut s = 0.0;
    for i in 0..3 {
        for j in 0..3 {
            if w[i][j] < 0.0 {
                break;
            }
            s += w[i][j].sqrt();
        }
    }
    s
}

/// `f(x) = Σ_{xᵢ ≥ 0} exp xᵢ` by a `while` with `continue` (the counter is
/// advanced first). `∂xᵢ = exp xᵢ` if `xᵢ ≥ 0`, else 0.
#[grad(forward, reverse, hessian)]
fn while_continue(x: &[f64]) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    while i < x.len() {
        i += 1;
        if x[i - 1] < 0.0 {
            continue;
        }
        s += x[i - 1].exp();
    }
    s
}

/// For each element, halve `v = xᵢ` while `v > 0.5`, stopping early (`break`)
/// once `v < 0.7`; `f = Σᵢ vᵢ`. A `while` with a `break` inside a `for`:
/// `vᵢ = xᵢ2^{−kᵢ}`, `∂xᵢ = 2^{−kᵢ}`.
#[grad(forward, reverse, hessian)]
fn while_in_for(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut v = x[i];
        while v > 0.5 {
            v = v * 0.5;
            if v < 0.7 {
                break;
            }
        }
        s += v;
    }
    s
}

/// The fixed point `v = a cos v` by `loop` until it stops moving, returned
/// by `break next`. Implicit differentiation: `∂a = cos v/(1 + a sin v)`.
#[grad(forward, reverse, hessian)]
fn fixed_point(a: f64) -> f64 {
    let mut v: f64 = 0.0;
    let mut n = 0;
    loop {
        let next = a * v.cos();
        n += 1;
        if (next - v).abs() < 1e-15 || n > 200 {
            break next;
        }
        v = next;
    }
}

/// `s ← sin s + aᵢbᵢ` from the last pair down, over `.iter().zip(y).rev()`.
/// Gradient by the chain rule.
#[grad(forward, reverse, hessian)]
fn zip_rev(x: &[f64], y: &[f64]) -> f64 {
    let mut s: f64 = 0.0;
    for (a, b) in x.iter().zip(y).rev() {
        s = s.sin() + a * b;
    }
    s
}

/// `s ← cos s + xᵢ` for `i = n−1, n−3, ..` over `(0..n).rev().step_by(2)`.
/// Gradient by the chain rule; the other elements get 0.
#[grad(forward, reverse, hessian)]
fn rev_step(x: &[f64]) -> f64 {
    let mut s: f64 = 0.0;
    for i in (0..x.len()).rev().step_by(2) {
        s = s.cos() + x[i];
    }
    s
}

/// `f(x) = Σ_{i=1,4,7,..} xᵢxᵢ₋₁` over `(1..n).step_by(3)`.
/// `∂xᵢ = xᵢ₋₁`, `∂xᵢ₋₁ = xᵢ` for those `i`.
#[grad(forward, reverse, hessian)]
fn step_offset(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in (1..x.len()).step_by(3) {
        s += x[i] * x[i - 1];
    }
    s
}

/// `f(x) = Σᵢ xᵢx_{n−1−i}` (an index counted from the end).
/// `∂xᵢ = 2x_{n−1−i}`.
#[grad(forward, reverse, hessian)]
fn mirror(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..n {
        s += x[i] * x[n - 1 - i];
    }
    s
}

/// `f(x) = (maxᵢ xᵢ)²` by `m = m.max(x[i])`. `∂x_argmax = 2 max`, others 0.
#[grad(forward, reverse, hessian)]
fn running_max(x: &[f64]) -> f64 {
    let mut m = x[0];
    for i in 1..x.len() {
        m = m.max(x[i]);
    }
    m * m
}

/// `f(x) = ‖x‖` by `.map(|v| v * v).sum::<f64>().sqrt()`, a method on the
/// reduction. `∂x = x/‖x‖`.
#[grad(forward, reverse, hessian)]
fn norm_chain(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// `f(x) = Πᵢ (1 + xᵢ²)` by `(0..n).map(|i| ..).product::<f64>()`.
/// `∂xᵢ = 2xᵢ f/(1 + xᵢ²)`.
#[grad(forward, reverse, hessian)]
fn range_product(x: &[f64]) -> f64 {
    let p = (0..x.len()).map(|i| 1.0 + x[i] * x[i]).product::<f64>();
    p
}

/// [`range_product`] with the `product` as the tail expression.
#[grad(forward, reverse, hessian)]
fn product_tail(x: &[f64]) -> f64 {
    (0..x.len()).map(|i| 1.0 + x[i] * x[i]).product::<f64>()
}

/// `f(x) = Σᵢ i·xᵢ₊₁²` over `x[1..].iter().enumerate()`.
/// `∂x₀ = 0`, `∂xᵢ = 2(i − 1)xᵢ`.
#[grad(forward, reverse, hessian)]
fn subslice_enumerate(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, v) in x[1..].iter().enumerate() {
        s += (i as f64) * v * v;
    }
    s
}

/// The population variance `(1/n) Σᵢ (xᵢ − m)²`, `m` the mean: a closure
/// capturing an active local. `∂xᵢ = 2(xᵢ − m)/n`.
#[grad(forward, reverse, hessian)]
fn variance(x: &[f64]) -> f64 {
    let m = x.iter().sum::<f64>() / x.len() as f64;
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / x.len() as f64
}

/// `f(x, y, z) = Σᵢ xᵢyᵢzᵢ` over a nested `zip`, `|((a, b), c)|`.
/// `∂xᵢ = yᵢzᵢ`, `∂yᵢ = xᵢzᵢ`, `∂zᵢ = xᵢyᵢ`.
#[grad(forward, reverse, hessian)]
fn zip3(x: &[f64], y: &[f64], z: &[f64]) -> f64 {
    x.iter().zip(y).zip(z).map(|((a, b), c)| a * b * c).sum::<f64>()
}

/// A copy of a matrix parameter, `let mut m = *w;`, modified in place:
/// `f = w₀₀w₁₁ − w₀₁w₁₀`. `∂w₀₀ = w₁₁`, `∂w₁₁ = w₀₀`, `∂w₀₁ = −w₁₀`,
/// `∂w₁₀ = −w₀₁`.
#[grad(forward, reverse, hessian)]
fn copy_matrix(w: &[[f64; 2]; 2]) -> f64 {
    let mut m = *w;
    m[0][1] = m[0][1] * m[1][0];
    m[0][0] * m[1][1] - m[0][1]
}

// ---------------------------------------------------------------------------
// Integers, flags and locals that the reverse sweep must see again.
// ---------------------------------------------------------------------------

/// `f(x) = Σᵢ xᵢ·x_{jᵢ}` with `jᵢ = 2i mod n` kept in an integer that the
/// loop overwrites: the reverse sweep needs each `jᵢ` again.
/// `∂xₖ = Σ_{i: jᵢ=k} xᵢ + x_{jₖ}`.
#[grad(forward, reverse, hessian)]
fn strided_index(x: &[f64]) -> f64 {
    let n = x.len();
    let mut j = 0;
    let mut s = 0.0;
    for i in 0..n {
        s += x[i] * x[j];
        j = (j + 2) % n;
    }
    s
}

/// A `bool` flag set inside a loop and read by later iterations:
/// `f = Σᵢ xᵢ²` until the first `xᵢ > 1`, then `Σ 3xᵢ` from there on.
#[grad(forward, reverse, hessian)]
fn flag_in_loop(x: &[f64]) -> f64 {
    let mut seen = false;
    let mut s = 0.0;
    for &v in x {
        if v > 1.0 {
            seen = true;
        }
        if seen {
            s += 3.0 * v;
        } else {
            s += v * v;
        }
    }
    s
}

/// Loop-local `let`s, a local overwritten inside the body and a shadowing
/// `let`: `f = Σᵢ sin(xᵢ²)·xᵢ`. `∂xᵢ = 2xᵢ² cos(xᵢ²) + sin(xᵢ²)`.
#[grad(forward, reverse, hessian)]
fn loop_locals(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let v = x[i];
        let mut t = v;
        t = t * t;
        let t = t.sin();
        s += t * v;
    }
    s
}

/// Two loops in sequence over one accumulator that the second overwrites
/// nonlinearly: `a = Σᵢ xᵢ`, then `a ← a·cos(xᵢ)` for each `i`.
#[grad(forward, reverse, hessian)]
fn two_loops(x: &[f64]) -> f64 {
    let mut a = 0.0;
    for &v in x {
        a += v;
    }
    for &v in x {
        a = a * v.cos();
    }
    a
}

/// A trip count computed from the data, `k = ⌊3|x₀|⌋` (constant for the
/// derivative): `f = Σ_{i<k} x_{i mod n}² + x₀`.
#[grad(forward, reverse, hessian)]
fn data_trip_count(x: &[f64]) -> f64 {
    let k = (x[0].abs() * 3.0) as usize;
    let mut s = x[0];
    for i in 0..k {
        s += x[i % x.len()] * x[i % x.len()];
    }
    s
}

/// A `loop` inside a `loop`: for each element, the inner `loop` squares
/// `v` twice and the outer one stops after the last element.
/// `f = Σᵢ xᵢ⁴`, `∂xᵢ = 4xᵢ³`.
#[grad(forward, reverse, hessian)]
fn loop_in_loop(x: &[f64]) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    loop {
        if i == x.len() {
            break;
        }
        let mut v = x[i];
        let mut k = 0;
        loop {
            v = v * v;
            k += 1;
            if k == 2 {
                break;
            }
        }
        s += v;
        i += 1;
    }
    s
}

/// `break value` out of a `loop` nested in a `for`: for each `i`, the
/// first power `xᵢᵏ` (k ≥ 1) below 0.5 in absolute value, capped at `k = 4`.
#[grad(forward, reverse, hessian)]
fn break_value_in_for(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        let mut p = x[i];
        let mut k = 1;
        let r = loop {
            if p.abs() < 0.5 || k == 4 {
                break p;
            }
            p = p * x[i];
            k += 1;
        };
        s += r;
    }
    s
}

/// `return` from inside a `for` over a slice (`for &v in x`):
/// `f = 2v·s` at the first `v < −1` (with `s` the sum before it), else `s`.
#[grad(forward, reverse, hessian)]
fn return_in_iter_loop(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x {
        if v < -1.0 {
            return 2.0 * v * s;
        }
        s += v.sin();
    }
    s
}

/// A loop inside an `else if`: `Σ xᵢ²` if `x₀ > 1`, `Π (1 + xᵢ/4)` if
/// `x₀ < −1`, else `x₀ + Σᵢ xᵢ³`.
#[grad(forward, reverse, hessian)]
fn loop_in_else_if(x: &[f64]) -> f64 {
    if x[0] > 1.0 {
        x.iter().map(|v| v * v).sum::<f64>()
    } else if x[0] < -1.0 {
        let mut p = 1.0;
        for &v in x {
            p *= 1.0 + 0.25 * v;
        }
        p
    } else {
        let mut s = x[0];
        for i in 0..x.len() {
            s += x[i] * x[i] * x[i];
        }
        s
    }
}

/// `&Vec<f64>` and `&[f64]` parameters passed on as they are:
/// `f = dot(x, y)·2 + sum_sq(a)` with `a` a `&[f64; 3]`.
#[grad(forward, reverse, hessian)]
fn pass_params(x: &Vec<f64>, y: &[f64], a: &[f64; 3]) -> f64 {
    dot(x, y) * 2.0 + sum_sq(a)
}

/// `yᵢⱼ = xᵢxⱼ` into a 2-D output `&mut [[f64; 2]; 2]`.
/// `∂xₖ = Σⱼ (ȳₖⱼ + ȳⱼₖ)xⱼ`.
#[grad(forward, reverse)]
fn outer_into(x: &[f64; 2], y: &mut [[f64; 2]; 2]) {
    for i in 0..2 {
        for j in 0..2 {
            y[i][j] = x[i] * x[j];
        }
    }
}

// ---------------------------------------------------------------------------
// `&mut` outputs, checked through `_vjp`.
// ---------------------------------------------------------------------------

/// `y = W·x + b` into `&mut [f64; 3]`, written by `y[i] = ..` then `y[i] += ..`.
/// `∂W = ȳxᵀ`, `∂x = Wᵀȳ`, `∂b = ȳ`.
#[grad(forward, reverse)]
fn affine(w: &[[f64; 2]; 3], x: &[f64; 2], b: &[f64; 3], y: &mut [f64; 3]) {
    for i in 0..3 {
        y[i] = b[i];
        for j in 0..2 {
            y[i] += w[i][j] * x[j];
        }
    }
}

/// Cumulative sums into `&mut [f64]`, each output reading the previous one:
/// `yᵢ = yᵢ₋₁ + xᵢ²`. `∂xⱼ = 2xⱼ Σ_{i≥j} ȳᵢ`.
#[grad(forward, reverse)]
fn cumsum_sq(x: &[f64], y: &mut [f64]) {
    y[0] = x[0] * x[0];
    for i in 1..x.len() {
        y[i] = y[i - 1] + x[i] * x[i];
    }
}

/// `y = a·x + 1` with `a` by value: the `()` function's `_vjp` returns
/// `(∂a,)`. `∂a = Σᵢ ȳᵢxᵢ`, `∂x = aȳ`.
#[grad(forward, reverse)]
fn scale_into(a: f64, x: &[f64; 3], y: &mut [f64; 3]) {
    for i in 0..3 {
        y[i] = a * x[i] + 1.0;
    }
}

/// The norm `‖x‖`, returned, and `y = x/‖x‖` written: a float result and an
/// output together. `∂x = seed·y + (ȳ − (ȳ·y)y)/‖x‖`.
#[grad(forward, reverse)]
fn normalize(x: &[f64], y: &mut [f64]) -> f64 {
    let mut s = 0.0;
    for &v in x {
        s += v * v;
    }
    let r = s.sqrt();
    for i in 0..x.len() {
        y[i] = x[i] / r;
    }
    r
}

/// A ReLU-like leaky activation applied element-wise into a `&mut Vec<f64>`,
/// with a branch per element: `yᵢ = zᵢ` if `zᵢ > 0`, else `0.1zᵢ`.
#[grad(forward, reverse)]
fn leaky_into(z: &Vec<f64>, y: &mut Vec<f64>) {
    for i in 0..z.len() {
        if z[i] > 0.0 {
            y[i] = z[i];
        } else {
            y[i] = 0.1 * z[i];
        }
    }
}

/// `y ← y + a·x`, an in-place update `y[i] += ..` of an output.
/// `∂a = Σᵢ ȳᵢxᵢ`, `∂x = aȳ`, and since `∂y_out/∂y_in = I` the output's
/// shadow ends holding ȳ: the adjoint of `y`'s entry value.
#[grad(forward, reverse)]
fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for i in 0..x.len() {
        y[i] += a * x[i];
    }
}

/// `yᵢ = xᵢ²` written inside `.enumerate().for_each(|(i, v)| { .. })`.
/// `∂xᵢ = 2xᵢȳᵢ`.
#[grad(forward, reverse)]
fn for_each_into(x: &[f64], y: &mut [f64]) {
    x.iter().enumerate().for_each(|(i, v)| {
        y[i] = v * v;
    });
}

/// `yᵢ = xᵢ³` by two stores to the same output element, `y[i] = xᵢ²` then
/// `y[i] = y[i]·xᵢ`. `∂xᵢ = 3xᵢ²ȳᵢ`.
#[grad(forward, reverse)]
fn cube_into(x: &[f64], y: &mut [f64]) {
    for i in 0..x.len() {
        y[i] = x[i] * x[i];
        y[i] = y[i] * x[i];
    }
}

/// `y = a·x` written, `Σᵢ yᵢ²` returned, with `a` by value: a float result,
/// an output and a returned partial. `∂a = Σᵢ xᵢ(ȳᵢ + 2·seed·yᵢ)`,
/// `∂xᵢ = a(ȳᵢ + 2·seed·yᵢ)`.
#[grad(forward, reverse)]
fn scaled_energy(a: f64, x: &[f64], y: &mut [f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        y[i] = a * x[i];
        s += y[i] * y[i];
    }
    s
}

// ---------------------------------------------------------------------------
// Model structs (`#[derive(Params)]`).
// ---------------------------------------------------------------------------

/// A dense layer `W·x + b`, 3 inputs, 2 outputs.
#[derive(Params, Clone, Debug, Default, PartialEq)]
struct Dense {
    w: [[f64; 3]; 2],
    b: [f64; 2],
}

/// A two-layer perceptron: a [`Dense`] hidden layer, then `v·h + c`.
#[derive(Params, Clone, Debug, Default, PartialEq)]
struct Mlp {
    hidden: Dense,
    v: [f64; 2],
    c: f64,
}

/// A polynomial with a `Vec` of coefficients and a gain.
#[derive(Params, Clone, Debug, Default, PartialEq)]
struct Poly {
    coef: Vec<f64>,
    gain: f64,
}

/// `f(m, x) = Σᵢ (Σⱼ m.wᵢⱼxⱼ + m.bᵢ)²`: field access `m.w[i][j]`, `m.b[i]`.
/// `∂wᵢⱼ = 2zᵢxⱼ`, `∂bᵢ = 2zᵢ`, `∂xⱼ = Σᵢ 2zᵢwᵢⱼ`.
#[grad(forward, reverse)]
fn dense_loss(m: &Dense, x: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for i in 0..2 {
        let mut z = m.b[i];
        for j in 0..3 {
            z += m.w[i][j] * x[j];
        }
        s += z * z;
    }
    s
}

/// The lesson's network on a nested model: `hᵢ = tanh(Σⱼ m.hidden.wᵢⱼxⱼ +
/// m.hidden.bᵢ)`, `out = Σᵢ m.vᵢhᵢ + m.c`, loss `(out − target)²/2`.
/// `∂out = out − target`, `∂vᵢ = ∂out·hᵢ`, `∂c = ∂out`,
/// `∂wᵢⱼ = ∂out·vᵢ(1 − hᵢ²)xⱼ`, `∂bᵢ = ∂out·vᵢ(1 − hᵢ²)`.
#[grad(forward, reverse)]
fn mlp_loss(m: &Mlp, x: &[f64; 3], target: f64) -> f64 {
    let mut h = [0.0; 2];
    for i in 0..2 {
        let mut z = m.hidden.b[i];
        for j in 0..3 {
            z += m.hidden.w[i][j] * x[j];
        }
        h[i] = z.tanh();
    }
    let mut out = m.c;
    for i in 0..2 {
        out += m.v[i] * h[i];
    }
    0.5 * (out - target) * (out - target)
}

/// `f(m, t) = m.gain · Σᵢ m.coefᵢ tⁱ`: a model with a `Vec` field, iterated
/// with `.iter().enumerate()`. `∂coefᵢ = gain·tⁱ`, `∂gain = p(t)`.
#[grad(forward, reverse)]
fn poly_model(m: &Poly, t: f64) -> f64 {
    let mut s = 0.0;
    for (i, c) in m.coef.iter().enumerate() {
        s += c * t.powi(i as i32);
    }
    m.gain * s
}

/// A square layer for a stack of them.
#[derive(Params, Clone, Debug, Default, PartialEq)]
struct Square {
    w: [[f64; 2]; 2],
    b: [f64; 2],
}

/// A deep network: a `Vec` of layers.
#[derive(Params, Clone, Debug, PartialEq)]
struct Deep {
    layers: Vec<Square>,
}

/// `h ← tanh(Wₗh + bₗ)` for each layer `m.layers[l]` from `h = x`, then
/// `f = h₀ + h₁`: field access through a `Vec` of structs, `m.layers[l].w[i][j]`,
/// and a local copy `let mut h = *x;`. Backpropagation: `∂hₗ = Wₗᵀ((1 − hₗ₊₁²) ⊙ ∂hₗ₊₁)`.
#[grad(forward, reverse)]
fn deep_net(m: &Deep, x: &[f64; 2]) -> f64 {
    let mut h = *x;
    for l in 0..2 {
        let mut z = [0.0; 2];
        for i in 0..2 {
            z[i] = m.layers[l].b[i];
            for j in 0..2 {
                z[i] += m.layers[l].w[i][j] * h[j];
            }
        }
        for i in 0..2 {
            h[i] = z[i].tanh();
        }
    }
    h[0] + h[1]
}

/// `f(m) = Σᵢ coefᵢ² + gain·Σᵢ coefᵢ` iterating the `Vec` field with
/// `for &c in m.coef.iter()` and reducing it with `.iter().sum()`.
/// `∂coefᵢ = 2coefᵢ + gain`, `∂gain = Σᵢ coefᵢ`.
#[grad(forward, reverse)]
fn poly_fields(m: &Poly) -> f64 {
    let mut s = 0.0;
    for &c in m.coef.iter() {
        s += c * c;
    }
    s + m.gain * m.coef.iter().sum::<f64>()
}

// ---------------------------------------------------------------------------
// The harness.
// ---------------------------------------------------------------------------

/// What an input shadow holds before each generated call: the partials must
/// be added to it, not stored over it.
const PRIOR: f64 = 0.75;

/// One corpus function, type-erased to flat vectors: `w` holds the
/// differentiated inputs (in parameter order, each flattened row-major),
/// `a` the adjoints (the outputs' `ȳ`, flattened, then the seed for
/// functions that return a float).
struct Case {
    name: &'static str,
    /// The interval of each scalar of `w`.
    domain: fn() -> Vec<(f64, f64)>,
    /// How many adjoints `a` holds.
    adjoints: fn() -> usize,
    /// `seed·f(w) + Σ ȳ·y(w)` by the primal function.
    objective: fn(&[f64], &[f64]) -> f64,
    /// The gradient of [`Case::objective`] by the generated `_vjp`, after
    /// checking its value, its outputs and its output shadows.
    reverse: Reverse,
    /// `(w, v, a) ↦ seed·ḟ + Σ ȳ·ẏ` by `_jvp` along the direction `v`:
    /// with [`Case::reverse`], the dot-product test.
    forward: fn(&[f64], &[f64], &[f64]) -> f64,
    /// `(w, v) ↦ (value, H·v)` by `_hvp`, for the rows of functions of
    /// floats, slices and arrays without outputs.
    hvp: Option<Hvp>,
    /// For functions returning a float: that `_grad(..)` is `_vjp(.., 1.0)`.
    grad_is_vjp_at_one: Option<Check>,
    /// Whether the point is far enough from kinks.
    valid: fn(&[f64]) -> bool,
    /// The relative tolerance `|a − n| ≤ tol·max(1, |n|)`.
    tol: f64,
}

/// `(w, v) ↦ (value, H·v)`.
type Hvp = fn(&[f64], &[f64]) -> (f64, Vec<f64>);

/// `(w, a) ↦` the flat gradient, or what went wrong.
type Reverse = fn(&[f64], &[f64]) -> Result<Vec<f64>, String>;

/// `(w, a) ↦` whether a property holds, or what went wrong.
type Check = fn(&[f64], &[f64]) -> Result<(), String>;

/// Overwrites `p` with the next `p.num_params()` scalars of `it`.
fn fill<P: Params>(p: &mut P, it: &mut impl Iterator<Item = f64>) {
    let flat: Vec<f64> = it.by_ref().take(p.num_params()).collect();
    p.copy_from_flat(&flat);
}

/// How many scalars `p` holds.
fn size<P: Params>(p: &P) -> usize {
    p.num_params()
}

/// A zero of `p`'s shape.
fn zeros<P: Params>(p: &P) -> P {
    p.zeros_like()
}

/// A shadow of `p`'s shape holding [`PRIOR`] everywhere.
fn prior_like<P: Params>(p: &P) -> P {
    let mut d = p.zeros_like();
    d.for_each_slice_mut(&mut |s| s.fill(PRIOR));
    d
}

/// Flattens what a generated function returns into its floats.
trait Floats {
    fn floats(self) -> Vec<f64>;
}

impl Floats for () {
    fn floats(self) -> Vec<f64> {
        vec![]
    }
}

impl Floats for f64 {
    fn floats(self) -> Vec<f64> {
        vec![self]
    }
}

impl Floats for (f64,) {
    fn floats(self) -> Vec<f64> {
        vec![self.0]
    }
}

impl Floats for (f64, f64) {
    fn floats(self) -> Vec<f64> {
        vec![self.0, self.1]
    }
}

impl Floats for (f64, f64, f64) {
    fn floats(self) -> Vec<f64> {
        vec![self.0, self.1, self.2]
    }
}

/// `seed · value` for functions returning a float (the seed is the next
/// adjoint), `0` for functions returning `()`.
trait Weigh {
    fn weigh(self, adjoints: &mut impl Iterator<Item = f64>) -> f64;
}

impl Weigh for f64 {
    fn weigh(self, adjoints: &mut impl Iterator<Item = f64>) -> f64 {
        self * adjoints.next().expect("a seed")
    }
}

impl Weigh for () {
    fn weigh(self, _: &mut impl Iterator<Item = f64>) -> f64 {
        0.0
    }
}

/// Binds one parameter for a call: `(value, shadow)` pairs for references
/// and outputs, plain values for scalars and constants.
macro_rules! bind {
    ($w:ident $a:ident; r $x:ident ($init:expr) $($_d:tt)*) => {
        let mut $x = {
            let mut value = $init;
            fill(&mut value, &mut $w);
            let shadow = prior_like(&value);
            (value, shadow)
        };
    };
    ($w:ident $a:ident; v $x:ident $($_d:tt)*) => {
        let $x: f64 = $w.next().expect("an input");
    };
    ($w:ident $a:ident; o $x:ident ($init:expr)) => {
        let mut $x = {
            let value = $init;
            let mut shadow = zeros(&value);
            fill(&mut shadow, &mut $a);
            (value, shadow)
        };
    };
    ($w:ident $a:ident; c $x:ident ($e:expr)) => {
        let $x = $e;
    };
}

/// Binds one parameter to its plain value, for `where` conditions.
macro_rules! bind_value {
    ($w:ident; r $x:ident ($init:expr) $($_d:tt)*) => {
        let $x = {
            let mut value = $init;
            fill(&mut value, &mut $w);
            value
        };
    };
    ($w:ident; v $x:ident $($_d:tt)*) => {
        let $x: f64 = $w.next().expect("an input");
    };
    ($w:ident; o $x:ident ($init:expr)) => {
        let $x = $init;
    };
    ($w:ident; c $x:ident ($e:expr)) => {
        let $x = $e;
    };
}

/// Appends one parameter's intervals to `$d`.
macro_rules! domain {
    ($d:ident; r $x:ident ($init:expr) ($lo:expr) ($hi:expr)) => {
        $d.extend(std::iter::repeat(($lo, $hi)).take(size(&$init)));
    };
    ($d:ident; v $x:ident ($lo:expr) ($hi:expr)) => {
        $d.push(($lo, $hi));
    };
    ($d:ident; $k:ident $($_x:tt)*) => {};
}

/// Counts one output's adjoints into `$n`.
macro_rules! adjoints {
    ($n:ident; o $x:ident ($init:expr)) => {
        $n += size(&$init);
    };
    ($n:ident; $k:ident $($_x:tt)*) => {};
}

/// `Σ ȳ·y` for an output (its shadow holds `ȳ`), 0 for anything else.
macro_rules! weigh_output {
    (o $x:ident $($_x:tt)*) => {
        $x.0.to_flat().iter().zip($x.1.to_flat()).map(|(y, a)| y * a).sum::<f64>()
    };
    ($k:ident $($_x:tt)*) => {
        0.0
    };
}

/// After a generated call: appends one parameter's partials to `$g` (input
/// shadows minus [`PRIOR`], returned partials from `$p`), and checks that
/// an output's shadow was consumed and its value is the primal's (`$y`).
macro_rules! collect {
    ($g:ident $p:ident $y:ident; r $x:ident $($_d:tt)*) => {
        $g.extend($x.1.to_flat().iter().map(|d| d - PRIOR));
    };
    ($g:ident $p:ident $y:ident; v $x:ident $($_d:tt)*) => {
        $g.push($p.next().ok_or("fewer returned partials than by-value floats")?);
    };
    ($g:ident $p:ident $y:ident; o $x:ident ($init:expr)) => {
        let shadow = $x.1.to_flat();
        if shadow.iter().any(|&d| d != 0.0) {
            return Err(format!("output shadow `d_{}` not zeroed on exit: {shadow:?}", stringify!($x)));
        }
        let value = $x.0.to_flat();
        let expected: Vec<f64> = $y.by_ref().take(value.len()).collect();
        if value != expected {
            return Err(format!("output `{}` is {value:?}, the function writes {expected:?}", stringify!($x)));
        }
    };
    ($g:ident $p:ident $y:ident; c $x:ident ($e:expr)) => {};
}

/// Appends an output's value to `$y`.
macro_rules! output_values {
    ($y:ident; o $x:ident ($init:expr)) => {
        $y.extend($x.0.to_flat());
    };
    ($y:ident; $k:ident $($_x:tt)*) => {};
}

/// Binds one parameter for a `NAME_jvp` call as `(value, adjoint, tangent)`:
/// the tangent of an input from `$d` (the direction), an output's tangent
/// at zero (its initial contents are constants) beside its adjoint from `$a`.
macro_rules! bind_tangent {
    ($w:ident $d:ident $a:ident; r $x:ident ($init:expr) $($_s:tt)*) => {
        let mut $x = {
            let mut value = $init;
            fill(&mut value, &mut $w);
            let mut tangent = zeros(&value);
            fill(&mut tangent, &mut $d);
            (value, (), tangent)
        };
    };
    ($w:ident $d:ident $a:ident; v $x:ident $($_s:tt)*) => {
        let mut $x: (f64, (), f64) = ($w.next().expect("an input"), (), $d.next().expect("a direction"));
    };
    ($w:ident $d:ident $a:ident; o $x:ident ($init:expr)) => {
        let mut $x = {
            let value = $init;
            let mut adjoint = zeros(&value);
            fill(&mut adjoint, &mut $a);
            let tangent = zeros(&value);
            (value, adjoint, tangent)
        };
    };
    ($w:ident $d:ident $a:ident; c $x:ident ($e:expr)) => {
        let $x = $e;
    };
}

/// Binds one parameter for a `NAME_hvp` call as `(value, direction,
/// product)`, the product at zero.
macro_rules! bind_direction {
    ($w:ident $d:ident; r $x:ident ($init:expr) $($_s:tt)*) => {
        let mut $x = {
            let mut value = $init;
            fill(&mut value, &mut $w);
            let mut direction = zeros(&value);
            fill(&mut direction, &mut $d);
            let product = zeros(&value);
            (value, direction, product)
        };
    };
    ($w:ident $d:ident; v $x:ident $($_s:tt)*) => {
        let mut $x: (f64, f64, ()) = ($w.next().expect("an input"), $d.next().expect("a direction"), ());
    };
    ($w:ident $d:ident; c $x:ident ($e:expr)) => {
        let $x = $e;
    };
}

/// A `NAME_hvp` call: each differentiated parameter followed by its
/// direction, a reference also by its product.
macro_rules! direction_call {
    ($f:ident [$($acc:tt)*];) => {
        $f($($acc)*)
    };
    ($f:ident [$($acc:tt)*]; (r $x:ident) $($rest:tt)*) => {
        direction_call!($f [$($acc)* &$x.0, &$x.1, &mut $x.2,]; $($rest)*)
    };
    ($f:ident [$($acc:tt)*]; (v $x:ident) $($rest:tt)*) => {
        direction_call!($f [$($acc)* $x.0, $x.1,]; $($rest)*)
    };
    ($f:ident [$($acc:tt)*]; (c $x:ident) $($rest:tt)*) => {
        direction_call!($f [$($acc)* $x,]; $($rest)*)
    };
}

/// Appends one parameter's part of `H·v` (a reference's product, a
/// scalar's returned partial).
macro_rules! collect_product {
    ($h:ident $p:ident; r $x:ident) => {
        $h.extend($x.2.to_flat());
    };
    ($h:ident $p:ident; v $x:ident) => {
        $h.push($p.next().expect("a returned product"));
    };
    ($h:ident $p:ident; c $x:ident) => {};
}

/// `Σ ȳ·ẏ` for an output after a `NAME_jvp` call, 0 for anything else.
macro_rules! weigh_tangent {
    (o $x:ident $($_x:tt)*) => {
        $x.1.to_flat().iter().zip($x.2.to_flat()).map(|(a, t)| a * t).sum::<f64>()
    };
    ($k:ident $($_x:tt)*) => {
        0.0
    };
}

/// A `NAME_jvp` call: each differentiated parameter followed by its tangent.
macro_rules! tangent_call {
    ($f:ident [$($acc:tt)*];) => {
        $f($($acc)*)
    };
    ($f:ident [$($acc:tt)*]; (r $x:ident) $($rest:tt)*) => {
        tangent_call!($f [$($acc)* &$x.0, &$x.2,]; $($rest)*)
    };
    ($f:ident [$($acc:tt)*]; (v $x:ident) $($rest:tt)*) => {
        tangent_call!($f [$($acc)* $x.0, $x.2,]; $($rest)*)
    };
    ($f:ident [$($acc:tt)*]; (o $x:ident) $($rest:tt)*) => {
        tangent_call!($f [$($acc)* &mut $x.0, &mut $x.2,]; $($rest)*)
    };
    ($f:ident [$($acc:tt)*]; (c $x:ident) $($rest:tt)*) => {
        tangent_call!($f [$($acc)* $x,]; $($rest)*)
    };
}

/// What `NAME_jvp` returns, weighed: `seed·ḟ` for `(f, ḟ)`, 0 for `()`.
trait Tangent {
    fn weigh(self, seed: f64) -> f64;
}

impl Tangent for (f64, f64) {
    fn weigh(self, seed: f64) -> f64 {
        seed * self.1
    }
}

impl Tangent for () {
    fn weigh(self, _: f64) -> f64 {
        0.0
    }
}

/// Builds a call from the normalised parameters: `primal` passes values
/// only, `shadow` also each shadow right after its parameter; `f64 $seed`
/// appends the seed.
macro_rules! call {
    ($mode:ident $f:ident [$($acc:tt)*]; $seeded:tt $seed:expr;) => {
        call!(@emit $f [$($acc)*] $seeded $seed)
    };
    (@emit $f:ident [$($acc:tt)*] f64 $seed:expr) => {
        $f($($acc)* $seed)
    };
    (@emit $f:ident [$($acc:tt)*] () $seed:expr) => {
        $f($($acc)*)
    };
    (primal $f:ident [$($acc:tt)*]; $s:tt $seed:expr; (r $x:ident) $($rest:tt)*) => {
        call!(primal $f [$($acc)* &$x.0,]; $s $seed; $($rest)*)
    };
    (shadow $f:ident [$($acc:tt)*]; $s:tt $seed:expr; (r $x:ident) $($rest:tt)*) => {
        call!(shadow $f [$($acc)* &$x.0, &mut $x.1,]; $s $seed; $($rest)*)
    };
    (primal $f:ident [$($acc:tt)*]; $s:tt $seed:expr; (o $x:ident) $($rest:tt)*) => {
        call!(primal $f [$($acc)* &mut $x.0,]; $s $seed; $($rest)*)
    };
    (shadow $f:ident [$($acc:tt)*]; $s:tt $seed:expr; (o $x:ident) $($rest:tt)*) => {
        call!(shadow $f [$($acc)* &mut $x.0, &mut $x.1,]; $s $seed; $($rest)*)
    };
    ($mode:ident $f:ident [$($acc:tt)*]; $s:tt $seed:expr; ($k:ident $x:ident) $($rest:tt)*) => {
        call!($mode $f [$($acc)* $x,]; $s $seed; $($rest)*)
    };
}

/// One row of the table; see the module documentation.
macro_rules! case {
    (
        f64 $f:ident / $g:ident / $v:ident / $j:ident $(/ $h:ident)? ($($p:tt)*)
        $(; where $valid:expr)? $(; tol $tol:expr)?
    ) => {
        case!(@norm {f64 $f $g $v $j [$($h)?] [$($valid)?] [$($tol)?]} [] $($p)*)
    };
    (
        () $f:ident / $v:ident / $j:ident ($($p:tt)*)
        $(; where $valid:expr)? $(; tol $tol:expr)?
    ) => {
        case!(@norm {() $f $v $v $j [] [$($valid)?] [$($tol)?]} [] $($p)*)
    };
    // Normalises each parameter to `(kind name (spec)..)`.
    (@norm $ctx:tt [$($acc:tt)*] &mut $x:ident = $init:expr $(, $($rest:tt)*)?) => {
        case!(@norm $ctx [$($acc)* (o $x ($init))] $($($rest)*)?)
    };
    (@norm $ctx:tt [$($acc:tt)*] & $x:ident in [$lo:expr, $hi:expr] = $init:expr $(, $($rest:tt)*)?) => {
        case!(@norm $ctx [$($acc)* (r $x ($init) ($lo) ($hi))] $($($rest)*)?)
    };
    (@norm $ctx:tt [$($acc:tt)*] const $x:ident = $e:expr $(, $($rest:tt)*)?) => {
        case!(@norm $ctx [$($acc)* (c $x ($e))] $($($rest)*)?)
    };
    (@norm $ctx:tt [$($acc:tt)*] $x:ident in [$lo:expr, $hi:expr] $(, $($rest:tt)*)?) => {
        case!(@norm $ctx [$($acc)* (v $x ($lo) ($hi))] $($($rest)*)?)
    };
    (
        @norm {$ret:tt $f:ident $g:ident $v:ident $j:ident [$($h:ident)?] [$($valid:expr)?] [$($tol:expr)?]}
        [$(($k:ident $x:ident $($s:tt)*))*]
    ) => {
        Case {
            name: stringify!($f),
            domain: || {
                let mut d: Vec<(f64, f64)> = Vec::new();
                $(domain!(d; $k $x $($s)*);)*
                d
            },
            adjoints: || {
                let mut n = 0;
                $(adjoints!(n; $k $x $($s)*);)*
                n + case!(@seeds $ret)
            },
            objective: |w, a| {
                let (mut w, mut a) = (w.iter().copied(), a.iter().copied());
                $(bind!(w a; $k $x $($s)*);)*
                let mut total = Weigh::weigh(call!(primal $f []; () 0.0; $(($k $x))*), &mut a);
                $(total += weigh_output!($k $x $($s)*);)*
                total
            },
            reverse: |w, a| {
                let (value, outputs) = {
                    let (mut w, mut a) = (w.iter().copied(), a.iter().copied());
                    $(bind!(w a; $k $x $($s)*);)*
                    let value = call!(primal $f []; () 0.0; $(($k $x))*).floats();
                    let mut outputs: Vec<f64> = Vec::new();
                    $(output_values!(outputs; $k $x $($s)*);)*
                    (value, outputs)
                };
                let (mut w, mut a) = (w.iter().copied(), a.iter().copied());
                $(bind!(w a; $k $x $($s)*);)*
                let seed = a.next().unwrap_or(f64::NAN);
                let _ = seed;
                let returned = call!(shadow $v []; $ret seed; $(($k $x))*).floats();
                let mut partials = returned.iter().copied();
                let returned_value: Vec<f64> = partials.by_ref().take(value.len()).collect();
                if returned_value.iter().zip(&value).any(|(r, v)| r.to_bits() != v.to_bits()) {
                    return Err(format!("_vjp returns the value {returned_value:?}, the function {value:?}"));
                }
                let mut gradient: Vec<f64> = Vec::new();
                let mut outputs = outputs.into_iter();
                $(collect!(gradient partials outputs; $k $x $($s)*);)*
                if partials.next().is_some() {
                    return Err(format!("more returned partials than by-value floats: {returned:?}"));
                }
                Ok(gradient)
            },
            forward: |w, direction, a| {
                let (mut w, mut direction, mut a) = (w.iter().copied(), direction.iter().copied(), a.iter().copied());
                $(bind_tangent!(w direction a; $k $x $($s)*);)*
                let seed = a.next().unwrap_or(f64::NAN);
                let mut total = Tangent::weigh(tangent_call!($j []; $(($k $x))*), seed);
                $(total += weigh_tangent!($k $x $($s)*);)*
                total
            },
            hvp: case!(@hvp [$($h)?] $(($k $x $($s)*))*),
            grad_is_vjp_at_one: case!(@grad_check $ret $g $v; $(($k $x $($s)*))*),
            valid: |w| {
                let mut w = w.iter().copied();
                $(bind_value!(w; $k $x $($s)*);)*
                let _ = ($(&$x,)*);
                let conditions: &[bool] = &[$($valid)?];
                conditions.iter().all(|&holds| holds)
            },
            tol: case!(@tol $($tol)?),
        }
    };
    (@hvp [] $($_p:tt)*) => { None };
    (@hvp [$h:ident] $(($k:ident $x:ident $($s:tt)*))*) => {
        Some(|w, direction| {
            let (mut w, mut direction) = (w.iter().copied(), direction.iter().copied());
            $(bind_direction!(w direction; $k $x $($s)*);)*
            let returned = direction_call!($h []; $(($k $x))*).floats();
            let mut partials = returned.iter().copied().skip(1);
            let mut product: Vec<f64> = Vec::new();
            $(collect_product!(product partials; $k $x);)*
            (returned[0], product)
        })
    };
    (@seeds f64) => { 1 };
    (@seeds ()) => { 0 };
    (@tol) => { 1e-6 };
    (@tol $tol:expr) => { $tol };
    (@grad_check () $g:ident $v:ident; $($_p:tt)*) => { None };
    (@grad_check f64 $g:ident $v:ident; $(($k:ident $x:ident $($s:tt)*))*) => {
        Some(|w, a| {
            let by_grad = {
                let (mut w, mut a) = (w.iter().copied(), a.iter().copied());
                $(bind!(w a; $k $x $($s)*);)*
                let mut all = call!(shadow $g []; () 0.0; $(($k $x))*).floats();
                $(all.extend(case!(@shadow $k $x));)*
                all
            };
            let by_vjp = {
                let (mut w, mut a) = (w.iter().copied(), a.iter().copied());
                $(bind!(w a; $k $x $($s)*);)*
                let mut all = call!(shadow $v []; f64 1.0; $(($k $x))*).floats();
                $(all.extend(case!(@shadow $k $x));)*
                all
            };
            if by_grad.iter().zip(&by_vjp).all(|(g, v)| g.to_bits() == v.to_bits()) {
                Ok(())
            } else {
                Err(format!("_grad gives {by_grad:?}, _vjp(.., 1.0) gives {by_vjp:?}"))
            }
        })
    };
    (@shadow r $x:ident) => { $x.1.to_flat() };
    (@shadow o $x:ident) => { $x.1.to_flat() };
    (@shadow $k:ident $x:ident) => { Vec::<f64>::new() };
}

/// Whether every element of `x` is at least [`M`] away from `t`.
fn away(x: &[f64], t: f64) -> bool {
    x.iter().all(|v| (v - t).abs() > M)
}

/// Whether no partial sum of `exp xᵢ` is within [`M`] of `t`.
fn exp_partial_sums_away(x: &[f64], t: f64) -> bool {
    let mut s = 0.0;
    x.iter().all(|v| {
        s += v.exp();
        (s - t).abs() > M
    })
}

/// Whether no pair `i < j` has `xᵢ + xⱼ` within [`M`] of `t`.
fn pair_sums_away(x: &[f64], t: f64) -> bool {
    (0..x.len()).all(|i| (i + 1..x.len()).all(|j| (x[i] + x[j] - t).abs() > M))
}

/// Whether the largest element of `x` leads the others by more than [`M`].
fn max_unique(x: &[f64]) -> bool {
    let m = x.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    x.iter().filter(|&&v| v > m - M).count() == 1
}

/// Whether no partial state `sᵢ = sᵢ₋₁/2 + xᵢ` is within [`M`] of `t`.
fn halving_sums_away(x: &[f64], t: f64) -> bool {
    let mut s = 0.0;
    x.iter().all(|v| {
        s = s * 0.5 + v;
        (s - t).abs() > M
    })
}

/// Whether the halvings of [`while_in_for`] stay [`M`] away from its tests.
fn halvings_away(x: &[f64]) -> bool {
    x.iter().all(|&v| {
        let mut v = v;
        let mut ok = (v - 0.5).abs() > M;
        while v > 0.5 {
            v *= 0.5;
            ok &= (v - 0.5).abs() > M && (v - 0.7).abs() > M;
            if v < 0.7 {
                break;
            }
        }
        ok
    })
}

/// Whether `3|x|` is at least [`M`] away from every integer.
fn off_third(x: f64) -> bool {
    let t = 3.0 * x.abs();
    (t - t.round()).abs() > M
}

/// Whether the powers `|xᵢᵏ|` (`k ≤ 3`) that [`break_value_in_for`] tests
/// stay [`M`] away from 0.5.
fn powers_away(x: &[f64]) -> bool {
    x.iter().all(|&v| (1..=3).all(|k| (v.abs().powi(k) - 0.5).abs() > M))
}

// Not every row has outputs, by-value floats or shadows to pass mutably.
#[allow(unused_mut, unused_variables, clippy::vec_init_then_push)]
// ---- once held back by macro bugs, now fixed ----
#[grad(forward, reverse, hessian)]
fn prefix_squares_vec(x: &[f64]) -> f64 {
    let n = x.len();
    let mut c = vec![0.0; n];
    c[0] = x[0];
    for i in 1..n {
        c[i] = c[i - 1] + x[i];
    }
    let mut s = 0.0;
    for i in 0..n {
        s += c[i] * c[i];
    }
    s
}

#[grad(forward, reverse, hessian)]
fn local_vec_rows(x: &[f64]) -> f64 {
    let n = x.len();
    let mut p = vec![[0.0; 2]; n];
    for i in 0..n {
        p[i][0] = x[i];
        p[i][1] = x[i] * x[i];
    }
    let mut s = 0.0;
    for i in 0..n {
        s += p[i][0] * p[i][1];
    }
    s
}

#[grad(forward, reverse, hessian)]
fn pass_array(x: &[f64; 3], y: &[f64; 3]) -> f64 {
    dot(y, &x[..]) + sum_sq(y)
}

#[grad(forward, reverse)]
fn field_len(m: &Poly) -> f64 {
    let mut s = 0.0;
    for i in 0..m.coef.len() {
        s += m.coef[i] * m.coef[i];
    }
    m.gain * s
}

#[grad(forward, reverse)]
fn call_with_model(m: &Dense, x: &[f64; 3]) -> f64 {
    let a = dense_loss(m, x);
    a * a
}

#[grad(forward, reverse)]
fn call_with_field(m: &Dense) -> f64 {
    dot(&m.b, &m.b)
}

// ---------------------------------------------------------------------------
// What the reverse sweep saves (issue 9): in-place increments after a saved
// fill, integer counters undone, and the cases where the old value must be
// kept all the same.
// ---------------------------------------------------------------------------

/// ADBench's `Qtimesx` over `k` packed lower triangles: `qx = exp(diag)·x`,
/// then `qx[row] += l·x[col]` walking the strictly lower entries with a
/// counter `li`; `Σₖ ln(1 + ‖qx‖²)`. Neither the increments nor the counter
/// save anything.
#[grad(forward, reverse, hessian)]
fn packed_triangle(icf: &[f64], x: &[f64], d: usize, k: usize) -> f64 {
    let tri = d * (d + 1) / 2;
    let mut qx = vec![0.0; d];
    let mut total = 0.0;
    for ik in 0..k {
        for id in 0..d {
            qx[id] = icf[ik * tri + id].exp() * x[id];
        }
        let mut li = ik * tri + d;
        for col in 0..d {
            for row in col + 1..d {
                qx[row] += icf[li] * x[col];
                li += 1;
            }
        }
        let sq: f64 = qx.iter().map(|v| v * v).sum();
        total += (1.0 + sq).ln();
    }
    total
}

/// An increment whose old value a nonlinear operation reads (`sin`) before
/// the next increment destroys it: that increment must keep it.
#[grad(forward, reverse, hessian)]
fn increment_read_by_sin(x: &[f64]) -> f64 {
    let n = x.len();
    let mut a = vec![0.0; n];
    let mut s = 0.0;
    for r in 0..3 {
        for i in 0..n {
            a[i] = x[i] * (r as f64 + 1.0);
        }
        for i in 0..n {
            a[i] += x[(i + 1) % n];
            s += a[i].sin();
            a[i] += 0.5 * x[i];
            s += a[i] * a[i];
        }
    }
    s
}

/// Increments into an array no store refills: each pass reads what the
/// previous ones left (`a[i]²`), so every increment keeps its old value.
#[grad(forward, reverse, hessian)]
fn increments_without_refill(x: &[f64]) -> f64 {
    let n = x.len();
    let mut a = vec![0.0; n];
    let mut s = 0.0;
    for r in 0..3 {
        for i in 0..n {
            a[i] += x[(i + r) % n] * x[i];
            s += a[i] * a[i];
        }
    }
    s
}

/// A counter stepped by different amounts in the branches of an `if` and
/// wrapped back by `-=` in another: undone step by step in the reverse sweep.
#[grad(forward, reverse, hessian)]
fn branch_counter(x: &[f64], w: &[f64]) -> f64 {
    let mut j = 0;
    let mut s = 0.0;
    for i in 0..x.len() {
        if x[i] > 0.0 {
            j += 1;
        } else {
            j += 2;
        }
        if j >= w.len() {
            j -= w.len();
        }
        s += w[j] * x[i] * x[i];
    }
    s
}

/// Two increments of the same element per pass of a triangular nest, after
/// a fill: nothing of `a` is read inside the nest, so nothing is kept.
#[grad(forward, reverse, hessian)]
fn triangle_twice(x: &[f64]) -> f64 {
    let n = x.len();
    let mut a = vec![0.0; n];
    let mut s = 0.0;
    for pass in 0..2 {
        for i in 0..n {
            a[i] = x[i] * x[i];
        }
        for c in 0..n {
            for r in c..n {
                a[r] += x[c] * x[r];
                a[r] += x[c];
            }
        }
        s += a.iter().map(|v| v * v).sum::<f64>() * (pass as f64 + 1.0);
    }
    s
}

/// The same nest reading `a[c]` in the product, which is `a[r]` itself on
/// the diagonal (`r == c`): the increments keep what they overwrite.
#[grad(forward, reverse, hessian)]
fn triangle_alias_read(x: &[f64]) -> f64 {
    let n = x.len();
    let mut a = vec![0.0; n];
    let mut s = 0.0;
    for pass in 0..2 {
        for i in 0..n {
            a[i] = x[i] * x[i];
        }
        for c in 0..n {
            for r in c..n {
                a[r] += x[c] * a[c];
                a[r] += x[r];
            }
        }
        s += a.iter().map(|v| v * v).sum::<f64>() * (pass as f64 + 1.0);
    }
    s
}

/// Increments through an index table with repeats (`a[idx[i]]`, the same
/// element twice), after a fill, the old value read by `tanh` in between.
#[grad(forward, reverse, hessian)]
fn scatter_twice(x: &[f64], idx: &[usize]) -> f64 {
    let n = x.len();
    let mut a = vec![0.0; n];
    let mut s = 0.0;
    for r in 0..2 {
        for i in 0..n {
            a[i] = x[i] * (r as f64 + 0.5);
        }
        for i in 0..idx.len() {
            a[idx[i]] += x[i % n];
            s += a[idx[i]].tanh();
        }
        s += a.iter().map(|v| v * v).sum::<f64>();
    }
    s
}

/// A counter stepped by a parameter (`k += stride`) walking `x` in a
/// `while` loop, and a scalar refilled each pass before its increments.
#[grad(forward, reverse, hessian)]
fn strided_counter(x: &[f64], stride: usize) -> f64 {
    let mut k = 0;
    let mut s = 0.0;
    let mut t = 0.0;
    while k < x.len() {
        t = x[k] * x[k];
        t += x[k];
        t -= 0.5 * x[(k + 1) % x.len()];
        s += t * t;
        k += stride;
    }
    s + t
}

/// A 1-D stencil with its edges in branches (`u[i - 1]` only where `i > 0`),
/// three explicit steps: the neighbour indices are computed again in the
/// reverse sweep's branches, not pushed per cell and step. (Copies are
/// loops: `#[grad]` refuses `copy_from_slice`.)
#[allow(clippy::manual_memcpy)]
#[grad(forward, reverse, hessian)]
fn stencil_edges(u0: &[f64], kappa: f64) -> f64 {
    let n = u0.len();
    let mut u = vec![0.0; n];
    for i in 0..n {
        u[i] = u0[i];
    }
    let mut next = vec![0.0; n];
    for _step in 0..3 {
        for i in 0..n {
            let left = if i > 0 { u[i - 1] } else { u[i] };
            let right = if i + 1 < n { u[i + 1] } else { u[i] };
            next[i] = u[i] + kappa * (left - 2.0 * u[i] + right) * u[i];
        }
        for i in 0..n {
            u[i] = next[i];
        }
    }
    let mut s = 0.0;
    for i in 0..n {
        s += u[i] * u[i] * (i as f64 + 1.0);
    }
    s
}

/// Indices computed in nested branches from the pass's own index (`base`,
/// computed again at the start of the reverse pass), each guarded by the
/// condition that keeps it from underflowing.
#[grad(forward, reverse, hessian)]
fn nested_branch_indices(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for r in 0..2 {
        for i in 0..n {
            let base = i * 2;
            if i > 0 {
                let j = i - 1;
                if base > 3 {
                    let k = base - 4;
                    s += x[k / 2] * x[j].sin();
                } else {
                    s += x[j] * x[i] * (r as f64 + 1.0);
                }
            }
        }
    }
    s
}

/// A running product over a triangle, in two rounds, the inner range from a
/// value of the middle pass (`start = c + 1`): its stack reserves the passes
/// counted before the nest.
#[grad(forward, reverse, hessian)]
fn triangle_rounds(x: &[f64]) -> f64 {
    let n = x.len();
    let mut p = 1.0;
    for round in 0..2 {
        for c in 0..n {
            let start = c + 1;
            for r in start..n {
                p = p * (0.5 + 0.25 * x[r].sin()) + x[c] * (round as f64 + 1.0);
            }
        }
    }
    p
}

/// A fill whose bound shrinks while the outer index keeps to the first
/// range: later increments lie outside the later fills and keep their old
/// values. (The outer range is
/// fixed when the loop starts, as the case needs.)
#[allow(clippy::mut_range_bound)]
#[grad(forward, reverse, hessian)]
fn shrinking_fill(x: &[f64]) -> f64 {
    let n = x.len();
    let mut h = n;
    let mut a = vec![0.0; n];
    let mut s = 0.0;
    for r in 0..h {
        for i in 0..h {
            a[i] = x[i] * x[r];
        }
        a[r] += x[0] * x[r];
        s += a[r] * a[n - 1] + a[0].sin();
        h = h / 2;
    }
    s
}

// ---------------------------------------------------------------------------
// Independent passes (`reverse/checkpoint.rs`): loops whose passes the
// reverse sweep runs again one at a time, and near misses that must not be
// (their verdicts are shown in the IR tests of `reverse/saves.rs`).
// ---------------------------------------------------------------------------

/// `out = Q·x` for a lower-triangular `Q` (diagonal `q`, strict lower part
/// `l` packed by columns), ADBench's `Qtimesx` as a callee writing in place.
#[grad(forward, reverse)]
fn packed_times(q: &[f64], l: &[f64], x: &[f64], out: &mut [f64]) {
    let d = x.len();
    for i in 0..d {
        out[i] = q[i] * x[i];
    }
    let mut li = 0;
    for col in 0..d {
        for row in col + 1..d {
            out[row] += l[li] * x[col];
            li += 1;
        }
    }
}

/// `ln Σ exp(vᵢ)`, the maximum shifted out.
#[grad(forward, reverse)]
fn shifted_lse(v: &[f64]) -> f64 {
    let mut max = v[0];
    for i in 1..v.len() {
        max = max.max(v[i]);
    }
    let mut sum = 0.0;
    for i in 0..v.len() {
        sum += (v[i] - max).exp();
    }
    max + sum.ln()
}

/// GMM's loop over points, its helpers called: checkpointed, the buffer
/// lent to `packed_times` kept at each pass's start, the total left final
/// when a pass runs again.
#[grad(forward, reverse)]
fn mixture_points(alphas: &[f64], means: &[f64], icf: &[f64], x: &[f64], d: usize, k: usize) -> f64 {
    let n = x.len() / d;
    let tri = d * (d + 1) / 2;
    let mut q = vec![0.0; k * d];
    for i in 0..k * d {
        q[i] = icf[(i / d) * tri + i % d].exp();
    }
    let mut xc = vec![0.0; d];
    let mut qx = vec![0.0; d];
    let mut main_term = vec![0.0; k];
    let mut slse = 0.0;
    for ix in 0..n {
        for ik in 0..k {
            for id in 0..d {
                xc[id] = x[ix * d + id] - means[ik * d + id];
            }
            let ltri = ik * tri + d;
            packed_times(&q[ik * d..(ik + 1) * d], &icf[ltri..(ik + 1) * tri], &xc, &mut qx);
            let sq: f64 = qx.iter().map(|v| v * v).sum();
            main_term[ik] = alphas[ik] - 0.5 * sq;
        }
        slse += shifted_lse(&main_term);
    }
    slse
}

/// Rows of an inner running product into a total: checkpointed without a
/// snapshot (`p` is each pass's own). The rows here keep a value two loops
/// deep, per `(j, _)`, so that their saves grow with a product of sizes
/// and the loop qualifies (`checkpoint.rs`).
#[grad(forward, reverse, hessian)]
fn row_products(x: &[f64], w: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..w.len() {
        let mut p = 1.0;
        for j in 0..n {
            for _ in 0..2 {
                p = p * (x[j] * w[i]).sin() + 0.5;
            }
        }
        s += p * w[i];
    }
    s
}

/// Near miss: the pass reads the total it adds to (`+ 0.1·s` inside), so
/// `s` is no accumulator: it is kept at the start of each pass.
#[grad(forward, reverse, hessian)]
fn total_read_by_pass(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..n {
        let mut p = 1.0;
        for j in 0..n {
            for _ in 0..2 {
                p = p * (x[j] * x[i]).cos() + 0.1 * s;
            }
        }
        s += p;
    }
    s
}

/// Near miss: the passes read `scale`, which is overwritten after the
/// loop and not put back (no partial reads it): not checkpointed.
#[grad(forward, reverse, hessian)]
fn rescaled_after(x: &[f64]) -> f64 {
    let n = x.len();
    let mut scale = x[0];
    let mut s = 0.0;
    for i in 0..n {
        let mut p = 1.0;
        for j in 0..n {
            for _ in 0..2 {
                p = p * (x[j] * x[i]).sin() + scale;
            }
        }
        s += p;
    }
    scale = x[1] * 2.0;
    s * scale
}

/// Near miss: each pass stores into `a` what the next reads: not
/// checkpointed (the passes carry `a`).
#[grad(forward, reverse, hessian)]
fn carried_row(x: &[f64]) -> f64 {
    let n = x.len();
    let mut a = vec![1.0; n];
    let mut s = 0.0;
    for r in 0..n {
        for i in 1..n {
            a[i] = (a[i - 1] * x[i]).sin() + a[i] * x[r];
        }
        s += a[n - 1];
    }
    s
}

/// A callee that reads the buffer it is lent (`y = y·a + i/2`), in a pass
/// whose other work keeps a stack: the buffer is carried from pass to pass,
/// kept at each pass's start.
#[grad(forward, reverse)]
fn scale_in_place(a: f64, y: &mut [f64]) {
    for i in 0..y.len() {
        y[i] = y[i] * a + (i as f64) * 0.5;
    }
}

#[grad(forward, reverse)]
fn carried_through_callee(x: &[f64]) -> f64 {
    let n = x.len();
    let mut buf = vec![0.0; n];
    let mut s = 0.0;
    for r in 0..n {
        scale_in_place(x[r], &mut buf);
        let mut p = 1.0;
        for j in 0..n {
            for _ in 0..2 {
                p = p * (buf[j] * x[j]).sin() + 0.5;
            }
        }
        s += p;
    }
    s
}

/// A callee that writes all of its output before reading it (a first loop
/// over `out.len()`): its companion says so (`FILLED_FIRST`), and a
/// checkpointed caller's passes keep no copy of the buffer they lend it.
#[grad(forward, reverse)]
fn fill_then_smooth(a: f64, x: &[f64], out: &mut [f64]) {
    let n = out.len();
    for i in 0..n {
        out[i] = a * x[i] + 0.25 * x[i] * x[i];
    }
    for i in 1..n {
        out[i] += 0.5 * out[i - 1].sin();
    }
}

#[grad(forward, reverse)]
fn filled_through_callee(x: &[f64]) -> f64 {
    let n = x.len();
    let mut buf = vec![0.0; n];
    let mut s = 0.0;
    for r in 0..n {
        fill_then_smooth(x[r], x, &mut buf);
        let mut p = 1.0;
        for j in 0..n {
            for _ in 0..2 {
                p = p * (buf[j] * x[j]).sin() + 0.5;
            }
        }
        s += p;
    }
    s
}

/// Near miss: the call lending `buf` to a callee that fills it first also
/// passes `buf[r]`, the previous pass's value, by value: the pass reads
/// `buf` before the call, so it keeps it at its start all the same.
#[grad(forward, reverse)]
fn filled_and_read_by_the_call(x: &[f64]) -> f64 {
    let n = x.len();
    let mut buf = vec![0.5; n];
    let mut s = 0.0;
    for r in 0..n {
        fill_then_smooth(buf[r], x, &mut buf);
        let mut p = 1.0;
        for j in 0..n {
            for _ in 0..2 {
                p = p * (buf[j] * x[j]).sin() + 0.5;
            }
        }
        s += p;
    }
    s
}

/// Near miss: a callee that writes only as many elements as another slice
/// has (`x.len()`), so the rest of the buffer, written by a second callee
/// that reads it, is carried from pass to pass: kept at each pass's start.
#[grad(forward, reverse)]
fn fill_prefix(x: &[f64], out: &mut [f64]) {
    for i in 0..x.len() {
        out[i] = x[i].cos();
    }
}

#[grad(forward, reverse)]
fn prefix_filled_through_callee(x: &[f64]) -> f64 {
    let n = x.len();
    let mut buf = vec![0.5; n + 2];
    let mut s = 0.0;
    for r in 0..n {
        fill_prefix(x, &mut buf);
        scale_in_place(x[r], &mut buf);
        let mut p = 1.0;
        for j in 0..n + 2 {
            for _ in 0..2 {
                p = p * (buf[j] * x[r]).sin() + 0.5;
            }
        }
        s += p;
    }
    s
}

/// Rows walked backwards, some skipped by `continue`: checkpointed (its
/// reverse sweep walks the rows forwards, each run again).
#[grad(forward, reverse, hessian)]
fn skipped_rows_reversed(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in (0..n).rev() {
        if x[i] < 0.0 {
            continue;
        }
        let mut p = 1.0;
        for j in 0..n {
            for _ in 0..2 {
                p = p * (x[j] * x[i]).sin() + 0.5;
            }
        }
        s += p * x[i];
    }
    s
}

/// A float each pass writes before reading it (`last`), whose value the
/// reverse sweep also reads before the loop (`pre * last`, with `last` from
/// before the loop): kept at each pass's start, so that the reverse sweep
/// finds it as the loop found it.
#[grad(forward, reverse, hessian)]
fn last_row_kept(x: &[f64]) -> f64 {
    let n = x.len();
    let mut last = x[0] * x[1];
    let pre = (last * x[2]).sin();
    let mut s = 0.0;
    for i in 0..n {
        last = x[i] * 0.5;
        let mut p = 1.0;
        for j in 0..n {
            for _ in 0..2 {
                p = p * (x[j] * last).sin() + 0.5;
            }
        }
        s += p;
    }
    s + pre * last
}

/// A checkpointed loop inside a loop that is not (a `while`): each of its
/// passes runs again inside the outer pass's reverse, `s` (which the passes
/// read) kept at each pass's start.
#[grad(forward, reverse, hessian)]
fn checkpoint_in_while(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    let mut rounds = 0;
    while rounds < 2 {
        for i in 0..n {
            let mut p = 1.0;
            for j in 0..n {
                for _ in 0..2 {
                    p = p * (x[j] + x[i] * s).sin() + 0.5;
                }
            }
            s += 0.1 * p;
        }
        rounds += 1;
    }
    s
}

// ---------------------------------------------------------------------------
// Passes reversed at once (`reverse/immediate.rs`): checkpointed loops whose
// passes hand on one total, reversed right after each pass runs, and near
// misses that keep today's checkpoint (their verdicts are shown in the IR
// tests of `reverse/saves.rs`).
// ---------------------------------------------------------------------------

/// A helper with a second order, for passes that call it.
#[grad(forward, reverse, hessian)]
fn soft_pair(a: f64, b: f64) -> f64 {
    (a * b).tanh() + 0.5 * a
}

/// Each pass calls a helper two loops deep and takes its total away
/// (`s -= ..`): reversed at once.
#[grad(forward, reverse, hessian)]
fn helper_rows(x: &[f64], w: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..w.len() {
        let mut p = 1.0;
        for j in 0..n {
            for _ in 0..2 {
                p = soft_pair(p * x[j], w[i]);
            }
        }
        s -= p * w[i];
    }
    s
}

/// The passes read a local vector (`q`), a local float (`b`) and the
/// input: their adjoints get scratch of their own, scaled by the total's
/// adjoint `a` after the loop.
#[grad(forward, reverse, hessian)]
fn scaled_rows(x: &[f64], a: f64) -> f64 {
    let n = x.len();
    let mut q = vec![0.0; n];
    for i in 0..n {
        q[i] = (0.5 * x[i]).exp();
    }
    let b = a * a;
    let mut s = 0.0;
    for i in 0..n {
        let mut p = 1.0;
        for j in 0..n {
            for _ in 0..2 {
                p = p * (q[j] * b + x[i]).sin() + 0.5;
            }
        }
        s += p;
    }
    s * a
}

/// As [`scaled_rows`], the total added to the result: the passes start
/// from the seed and add into the adjoints of `q` and `b` themselves,
/// declared before the loop.
#[grad(forward, reverse, hessian)]
fn seeded_local_rows(x: &[f64], a: f64) -> f64 {
    let n = x.len();
    let mut q = vec![0.0; n];
    for i in 0..n {
        q[i] = (0.5 * x[i]).exp();
    }
    let b = a * a;
    let mut s = 0.0;
    for i in 0..n {
        let mut p = 1.0;
        for j in 0..n {
            for _ in 0..2 {
                p = p * (q[j] * b + x[i]).sin() + 0.5;
            }
        }
        s += p;
    }
    s + a
}

/// Two loops reversed at once from the seed, both reading the local `b`:
/// its adjoint is declared before the first, and the second adds to it.
#[grad(forward, reverse, hessian)]
fn two_seeded_loops(x: &[f64], a: f64) -> f64 {
    let n = x.len();
    let b = a * a;
    let mut s = 0.0;
    for i in 0..n {
        let mut p = 1.0;
        for j in 0..n {
            for _ in 0..2 {
                p = p * (x[j] * b + x[i]).sin() + 0.5;
            }
        }
        s += p;
    }
    let mut t = 0.0;
    for i in 0..n {
        let mut p = 1.0;
        for j in 0..n {
            for _ in 0..2 {
                p = p * (x[j] + b * x[i]).cos() + 0.5;
            }
        }
        t += p;
    }
    s - t
}

/// Each pass fills `buf` before reading it: its adjoint starts each pass
/// at zero and leaves none.
#[grad(forward, reverse, hessian)]
fn filled_rows(x: &[f64], m: usize) -> f64 {
    let n = x.len();
    let mut buf = vec![0.0; m];
    let mut s = 0.0;
    for i in 0..n {
        for j in 0..m {
            buf[j] = x[j % n] * x[i];
        }
        let mut p = 1.0;
        for j in 0..m {
            for l in 0..2 {
                p = p * buf[j].sin() + 0.5 * buf[(j + l) % m];
            }
        }
        s += p;
    }
    s
}

/// Each pass makes `row` anew, longer than before the loop: its adjoint
/// starts each pass at zero with the length the pass gave it. The result
/// subtracts the total: the passes start from the negated seed.
#[grad(forward, reverse, hessian)]
fn remade_rows(x: &[f64]) -> f64 {
    let n = x.len();
    let mut row = vec![0.0; 1];
    let mut s = 0.0;
    for i in 0..n {
        let made = x.to_vec();
        row = made;
        row[i] = row[i] * 2.0;
        let mut p = 1.0;
        for j in 0..n {
            for _ in 0..2 {
                p = p * (row[j] * x[i]).sin() + 0.5;
            }
        }
        s += p;
    }
    1.5 - s
}

/// Near miss: the buffer a callee fills in each pass is read after the
/// loop: today's checkpoint, the buffer kept at each pass's start.
#[grad(forward, reverse)]
fn filled_and_read_after(x: &[f64]) -> f64 {
    let n = x.len();
    let mut buf = vec![0.0; n];
    let mut s = 0.0;
    for r in 0..n {
        fill_then_smooth(x[r], x, &mut buf);
        let mut p = 1.0;
        for j in 0..n {
            for _ in 0..2 {
                p = p * (buf[j] * x[j]).sin() + 0.5;
            }
        }
        s += p;
    }
    s + buf[1] * buf[0]
}

/// Near miss: a loop around (carrying `k`): every outer pass runs the
/// inner loop forward before its first reverse visit. Today's checkpoint.
#[grad(forward, reverse, hessian)]
fn rows_in_rounds(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    let mut k = 0;
    for r in 0..2 {
        for i in 0..n {
            let mut p = 1.0;
            for j in 0..n {
                for _ in 0..2 {
                    p = p * (x[j] * x[i]).sin() + 0.5;
                }
            }
            s += p * x[r];
        }
        s += x[k] * x[k];
        k = (k + r + 1) % n;
    }
    s
}

/// Near miss: two totals with adjoints (`s` and `t`): today's checkpoint.
#[grad(forward, reverse, hessian)]
fn two_totals(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    let mut t = 0.0;
    for i in 0..n {
        let mut p = 1.0;
        for j in 0..n {
            for _ in 0..2 {
                p = p * (x[j] * x[i]).sin() + 0.5;
            }
        }
        s += p;
        t += p * p;
    }
    s * t
}

/// `Σᵢ pᵢ` of [`sqrt_rows`]: the total is the result, its adjoint the seed.
#[grad(forward, reverse)]
fn sqrt_total(x: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..n {
        let mut p = 0.0;
        for j in 0..n {
            for _ in 0..2 {
                p = (0.5 * p + x[j] * x[j] * x[i] * x[i]).sqrt();
            }
        }
        s += p;
    }
    s
}

/// `w · Σᵢ pᵢ` where `pᵢ` nests square roots of `xⱼ²xᵢ²`: at `x = 0` the
/// roots' partials are infinite. At `w = 0` the total's adjoint is zero and
/// the gradient must stay finite (`sqrt_rows_with_a_zero_weight_...`).
#[grad(forward, reverse, hessian)]
fn sqrt_rows(x: &[f64], w: f64) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for i in 0..n {
        let mut p = 0.0;
        for j in 0..n {
            for _ in 0..2 {
                p = (0.5 * p + x[j] * x[j] * x[i] * x[i]).sqrt();
            }
        }
        s += p;
    }
    w * s
}

// ---------------------------------------------------------------------------
// Loop-invariant adjoints kept in a local across a loop's reverse
// (`reverse/invariant.rs`), and the near misses that must not be.
// ---------------------------------------------------------------------------

/// `Σ_col Σ_{row>col} sin(x_col·w_row)`: `x[col]` is invariant in the inner
/// loop only; its adjoint is summed across the inner reverse.
#[grad(forward, reverse, hessian)]
fn invariant_in_inner(x: &[f64], w: &[f64]) -> f64 {
    let mut s = 0.0;
    for col in 0..x.len() {
        for row in col + 1..w.len() {
            s += (x[col] * w[row]).sin();
        }
    }
    s
}

/// `x[k]` is invariant in both loops (held across the outer one) and read
/// again after them.
#[grad(forward, reverse, hessian)]
fn invariant_in_both(x: &[f64], w: &[f64], k: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        for j in i..w.len() {
            s += x[k] * w[i] * w[j] + (x[k] * w[j]).cos();
        }
    }
    s * x[k]
}

/// Near miss: `x[col]` and `x[row]` in one loop may be the same element.
#[grad(forward, reverse, hessian)]
fn invariant_aliasing(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for col in 0..x.len() {
        for row in 0..x.len() {
            s += (x[col] * x[row] + 0.5 * x[col]).sin();
        }
    }
    s
}

/// Near miss: the loop writes the vector whose invariant element it reads.
#[grad(forward, reverse, hessian)]
fn invariant_written(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    let n = v.len();
    let mut s = 0.0;
    for col in 0..n {
        for row in col + 1..n {
            s += v[col] * v[row];
            v[row] += 0.3 * v[col].sin();
        }
    }
    s + v.iter().map(|e| e * e).sum::<f64>()
}

/// `x[col]` at `col = n` is out of bounds, and read only by an inner loop
/// that then runs no pass: its local sum must not be added back.
#[grad(forward, reverse, hessian)]
fn invariant_past_the_end(x: &[f64], w: &[f64]) -> f64 {
    let n = x.len();
    let mut s = 0.0;
    for col in 0..=n {
        for row in col + 1..=n {
            s += x[col] * w[row - 1] * w[row - 1];
        }
    }
    s
}

fn cases() -> Vec<Case> {
    vec![
        // Loop-invariant adjoints summed in locals, and near misses.
        case!(f64 invariant_in_inner / invariant_in_inner_grad / invariant_in_inner_vjp / invariant_in_inner_jvp / invariant_in_inner_hvp (&x in [-1.5, 1.5] = vec![0.0; 4], &w in [-1.5, 1.5] = vec![0.0; 5])),
        case!(f64 invariant_in_both / invariant_in_both_grad / invariant_in_both_vjp / invariant_in_both_jvp / invariant_in_both_hvp (&x in [-1.5, 1.5] = vec![0.0; 3], &w in [-1.5, 1.5] = vec![0.0; 4], const k = 1)),
        case!(f64 invariant_aliasing / invariant_aliasing_grad / invariant_aliasing_vjp / invariant_aliasing_jvp / invariant_aliasing_hvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 invariant_written / invariant_written_grad / invariant_written_vjp / invariant_written_jvp / invariant_written_hvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 invariant_past_the_end / invariant_past_the_end_grad / invariant_past_the_end_vjp / invariant_past_the_end_jvp / invariant_past_the_end_hvp (&x in [-1.5, 1.5] = vec![0.0; 3], &w in [-1.5, 1.5] = vec![0.0; 3])),
        // Independent passes, and near misses.
        case!(f64 mixture_points / mixture_points_grad / mixture_points_vjp / mixture_points_jvp (&alphas in [-1.0, 1.0] = vec![0.0; 3],
            &means in [-1.0, 1.0] = vec![0.0; 9], &icf in [-0.5, 0.5] = vec![0.0; 18], &x in [-1.5, 1.5] = vec![0.0; 12], const d = 3, const k = 3)),
        case!(f64 row_products / row_products_grad / row_products_vjp / row_products_jvp / row_products_hvp (&x in [-1.5, 1.5] = vec![0.0; 4],
            &w in [-1.5, 1.5] = vec![0.0; 3])),
        case!(f64 total_read_by_pass / total_read_by_pass_grad / total_read_by_pass_vjp / total_read_by_pass_jvp / total_read_by_pass_hvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 rescaled_after / rescaled_after_grad / rescaled_after_vjp / rescaled_after_jvp / rescaled_after_hvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 carried_row / carried_row_grad / carried_row_vjp / carried_row_jvp / carried_row_hvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 carried_through_callee / carried_through_callee_grad / carried_through_callee_vjp / carried_through_callee_jvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 filled_through_callee / filled_through_callee_grad / filled_through_callee_vjp / filled_through_callee_jvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 prefix_filled_through_callee / prefix_filled_through_callee_grad / prefix_filled_through_callee_vjp / prefix_filled_through_callee_jvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 filled_and_read_by_the_call / filled_and_read_by_the_call_grad / filled_and_read_by_the_call_vjp / filled_and_read_by_the_call_jvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 skipped_rows_reversed / skipped_rows_reversed_grad / skipped_rows_reversed_vjp / skipped_rows_reversed_jvp / skipped_rows_reversed_hvp (&x in [-1.5, 1.5] = vec![0.0; 5]);
            where x.iter().all(|v: &f64| v.abs() > 1e-3)),
        case!(f64 last_row_kept / last_row_kept_grad / last_row_kept_vjp / last_row_kept_jvp / last_row_kept_hvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        // Passes reversed at once, and near misses.
        case!(f64 helper_rows / helper_rows_grad / helper_rows_vjp / helper_rows_jvp / helper_rows_hvp (&x in [-1.5, 1.5] = vec![0.0; 4],
            &w in [-1.5, 1.5] = vec![0.0; 3])),
        case!(f64 scaled_rows / scaled_rows_grad / scaled_rows_vjp / scaled_rows_jvp / scaled_rows_hvp (&x in [-1.5, 1.5] = vec![0.0; 4], a in [-1.5, 1.5])),
        case!(f64 seeded_local_rows / seeded_local_rows_grad / seeded_local_rows_vjp / seeded_local_rows_jvp / seeded_local_rows_hvp (&x in [-1.5, 1.5] = vec![0.0; 4], a in [-1.5, 1.5])),
        case!(f64 two_seeded_loops / two_seeded_loops_grad / two_seeded_loops_vjp / two_seeded_loops_jvp / two_seeded_loops_hvp (&x in [-1.5, 1.5] = vec![0.0; 4], a in [-1.5, 1.5])),
        case!(f64 filled_rows / filled_rows_grad / filled_rows_vjp / filled_rows_jvp / filled_rows_hvp (&x in [-1.5, 1.5] = vec![0.0; 4], const m = 5)),
        case!(f64 remade_rows / remade_rows_grad / remade_rows_vjp / remade_rows_jvp / remade_rows_hvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 sqrt_total / sqrt_total_grad / sqrt_total_vjp / sqrt_total_jvp (&x in [0.5, 1.5] = vec![0.0; 3])),
        case!(f64 filled_and_read_after / filled_and_read_after_grad / filled_and_read_after_vjp / filled_and_read_after_jvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 rows_in_rounds / rows_in_rounds_grad / rows_in_rounds_vjp / rows_in_rounds_jvp / rows_in_rounds_hvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 two_totals / two_totals_grad / two_totals_vjp / two_totals_jvp / two_totals_hvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 sqrt_rows / sqrt_rows_grad / sqrt_rows_vjp / sqrt_rows_jvp / sqrt_rows_hvp (&x in [0.5, 1.5] = vec![0.0; 3], w in [-1.5, 1.5])),
        case!(f64 checkpoint_in_while / checkpoint_in_while_grad / checkpoint_in_while_vjp / checkpoint_in_while_jvp / checkpoint_in_while_hvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        // What the reverse sweep saves: increments after a fill, integer counters undone.
        case!(f64 packed_triangle / packed_triangle_grad / packed_triangle_vjp / packed_triangle_jvp / packed_triangle_hvp (&icf in [-1.0, 1.0] = vec![0.0; 12], &x in [-2.0, 2.0] = vec![0.0; 3], const d = 3, const k = 2)),
        case!(f64 packed_triangle / packed_triangle_grad / packed_triangle_vjp / packed_triangle_jvp / packed_triangle_hvp (&icf in [-1.0, 1.0] = vec![0.0; 30], &x in [-2.0, 2.0] = vec![0.0; 4], const d = 4, const k = 3)),
        case!(f64 increment_read_by_sin / increment_read_by_sin_grad / increment_read_by_sin_vjp / increment_read_by_sin_jvp / increment_read_by_sin_hvp (&x in [-2.0, 2.0] = vec![0.0; 4])),
        case!(f64 increments_without_refill / increments_without_refill_grad / increments_without_refill_vjp / increments_without_refill_jvp / increments_without_refill_hvp (&x in [-2.0, 2.0] = vec![0.0; 4])),
        case!(f64 branch_counter / branch_counter_grad / branch_counter_vjp / branch_counter_jvp / branch_counter_hvp (&x in [-2.0, 2.0] = vec![0.0; 7], &w in [-2.0, 2.0] = vec![0.0; 4]);
            where x.iter().all(|v: &f64| v.abs() > 1e-3)),
        case!(f64 stencil_edges / stencil_edges_grad / stencil_edges_vjp / stencil_edges_jvp / stencil_edges_hvp (&u0 in [-1.0, 1.0] = vec![0.0; 5], kappa in [0.05, 0.3])),
        case!(f64 nested_branch_indices / nested_branch_indices_grad / nested_branch_indices_vjp / nested_branch_indices_jvp / nested_branch_indices_hvp (&x in [-2.0, 2.0] = vec![0.0; 5])),
        case!(f64 triangle_rounds / triangle_rounds_grad / triangle_rounds_vjp / triangle_rounds_jvp / triangle_rounds_hvp (&x in [-2.0, 2.0] = vec![0.0; 5])),
        case!(f64 shrinking_fill / shrinking_fill_grad / shrinking_fill_vjp / shrinking_fill_jvp / shrinking_fill_hvp (&x in [-2.0, 2.0] = vec![0.0; 6])),
        case!(f64 triangle_twice / triangle_twice_grad / triangle_twice_vjp / triangle_twice_jvp / triangle_twice_hvp (&x in [-2.0, 2.0] = vec![0.0; 4])),
        case!(f64 triangle_alias_read / triangle_alias_read_grad / triangle_alias_read_vjp / triangle_alias_read_jvp / triangle_alias_read_hvp (&x in [-1.0, 1.0] = vec![0.0; 4])),
        case!(f64 scatter_twice / scatter_twice_grad / scatter_twice_vjp / scatter_twice_jvp / scatter_twice_hvp (&x in [-2.0, 2.0] = vec![0.0; 4], const idx = &[2usize, 0, 2, 3, 2])),
        case!(f64 strided_counter / strided_counter_grad / strided_counter_vjp / strided_counter_jvp / strided_counter_hvp (&x in [-2.0, 2.0] = vec![0.0; 7], const stride = 2)),
        case!(f64 strided_counter / strided_counter_grad / strided_counter_vjp / strided_counter_jvp / strided_counter_hvp (&x in [-2.0, 2.0] = vec![0.0; 6], const stride = 3)),
        case!(f64 convolve / convolve_grad / convolve_vjp / convolve_jvp / convolve_hvp (&x in [-2.0, 2.0] = vec![0.0; 7], &k in [-1.0, 1.0] = [0.0; 3])),
        case!(f64 convolve / convolve_grad / convolve_vjp / convolve_jvp / convolve_hvp (&x in [-2.0, 2.0] = vec![0.0; 2], &k in [-1.0, 1.0] = [0.0; 3])),
        case!(f64 halves / halves_grad / halves_vjp / halves_jvp / halves_hvp (&x in [-2.0, 2.0] = vec![0.0; 6])),
        case!(f64 halves / halves_grad / halves_vjp / halves_jvp / halves_hvp (&x in [-2.0, 2.0] = vec![0.0; 7])),
        case!(f64 closure_over_arrays / closure_over_arrays_grad / closure_over_arrays_vjp / closure_over_arrays_jvp / closure_over_arrays_hvp (&x in [-2.0, 2.0] = vec![0.0; 4])),
        // More iterator forms.
        case!(f64 roughness / roughness_grad / roughness_vjp / roughness_jvp / roughness_hvp (&x in [-2.0, 2.0] = vec![0.0; 6])),
        case!(f64 head_terms / head_terms_grad / head_terms_vjp / head_terms_jvp / head_terms_hvp (&x in [-2.0, 2.0] = vec![0.0; 6])),
        case!(f64 head_terms / head_terms_grad / head_terms_vjp / head_terms_jvp / head_terms_hvp (&x in [-2.0, 2.0] = vec![0.0; 2])),
        case!(f64 positive_energy / positive_energy_grad / positive_energy_vjp / positive_energy_jvp / positive_energy_hvp (&x in [-2.0, 2.0] = vec![0.0; 7]);
            where x.iter().all(|v: &f64| v.abs() > 1e-3)),
        case!(f64 spread / spread_grad / spread_vjp / spread_jvp / spread_hvp (&x in [-2.0, 2.0] = vec![0.0; 5]);
            where { let mut s = x.to_vec(); s.sort_by(f64::total_cmp); s.windows(2).all(|w| w[1] - w[0] > 1e-3) }),
        case!(f64 gather / gather_grad / gather_vjp / gather_jvp / gather_hvp (&x in [-2.0, 2.0] = vec![0.0; 5], const idx = &[3usize, 0, 3, 4])),
        // `match` in loops.
        case!(f64 striped / striped_grad / striped_vjp / striped_jvp / striped_hvp (&x in [-2.0, 2.0] = vec![0.0; 7])),
        case!(f64 index_match / index_match_grad / index_match_vjp / index_match_jvp / index_match_hvp (&x in [-2.0, 2.0] = vec![0.0; 5])),
        case!(f64 index_named_in_arm / index_named_in_arm_grad / index_named_in_arm_vjp / index_named_in_arm_jvp / index_named_in_arm_hvp (&x in [-2.0, 2.0] = vec![0.0; 4])),
        case!(f64 piecewise_table / piecewise_table_grad / piecewise_table_vjp / piecewise_table_jvp / piecewise_table_hvp (&x in [-2.0, 2.0] = vec![0.0; 6], w in [0.5, 2.0]);
            where x.iter().all(|t: &f64| (t.abs() - 1.0).abs() > 1e-3)),
        // Once held back by macro bugs: `vec!` locals, arrays passed on, model fields and calls.
        case!(f64 prefix_squares_vec / prefix_squares_vec_grad / prefix_squares_vec_vjp / prefix_squares_vec_jvp / prefix_squares_vec_hvp (&x in [-2.0, 2.0] = vec![0.0; 5])),
        case!(f64 local_vec_rows / local_vec_rows_grad / local_vec_rows_vjp / local_vec_rows_jvp / local_vec_rows_hvp (&x in [-2.0, 2.0] = vec![0.0; 4])),
        case!(f64 pass_array / pass_array_grad / pass_array_vjp / pass_array_jvp / pass_array_hvp (&x in [-2.0, 2.0] = [0.0; 3], &y in [-2.0, 2.0] = [0.0; 3])),
        case!(f64 field_len / field_len_grad / field_len_vjp / field_len_jvp (&m in [-2.0, 2.0] = Poly { coef: vec![0.0; 3], gain: 0.0 })),
        case!(f64 call_with_model / call_with_model_grad / call_with_model_vjp / call_with_model_jvp (&m in [-1.0, 1.0] = Dense::default(), &x in [-1.0, 1.0] = [0.0; 3])),
        case!(f64 call_with_field / call_with_field_grad / call_with_field_vjp / call_with_field_jvp (&m in [-1.0, 1.0] = Dense::default())),
        // Reference parameters.
        case!(f64 dot / dot_grad / dot_vjp / dot_jvp / dot_hvp (&x in [-2.0, 2.0] = vec![0.0; 5], &y in [-2.0, 2.0] = vec![0.0; 5])),
        case!(f64 dot_zip / dot_zip_grad / dot_zip_vjp / dot_zip_jvp / dot_zip_hvp (&x in [-2.0, 2.0] = [0.0; 4], &y in [-2.0, 2.0] = [0.0; 4])),
        case!(f64 dot_vec / dot_vec_grad / dot_vec_vjp / dot_vec_jvp / dot_vec_hvp (&x in [-2.0, 2.0] = vec![0.0; 4],
            &y in [-2.0, 2.0] = vec![0.0; 4])),
        case!(f64 rosenbrock / rosenbrock_grad / rosenbrock_vjp / rosenbrock_jvp / rosenbrock_hvp (&x in [-1.0, 1.0] = vec![0.0; 5])),
        case!(f64 rosenbrock_iter / rosenbrock_iter_grad / rosenbrock_iter_vjp / rosenbrock_iter_jvp / rosenbrock_iter_hvp (&x in [-1.0, 1.0] = vec![0.0; 5])),
        case!(f64 matvec_tanh / matvec_tanh_grad / matvec_tanh_vjp / matvec_tanh_jvp / matvec_tanh_hvp (&w in [-1.0, 1.0] = [[0.0; 3]; 2],
            &x in [-1.0, 1.0] = [0.0; 3])),
        case!(f64 vec_rows / vec_rows_grad / vec_rows_vjp / vec_rows_jvp / vec_rows_hvp (&r in [-2.0, 2.0] = vec![[0.0; 3]; 3])),
        case!(f64 computed_index / computed_index_grad / computed_index_vjp / computed_index_jvp / computed_index_hvp (&w in [-2.0, 2.0] = [[0.0; 3]; 3],
            &x in [-2.0, 2.0] = [0.0; 3])),
        case!(f64 sum_sq / sum_sq_grad / sum_sq_vjp / sum_sq_jvp / sum_sq_hvp (&x in [-2.0, 2.0] = [0.0; 5])),
        case!(f64 wrt_x / wrt_x_grad / wrt_x_vjp / wrt_x_jvp / wrt_x_hvp (&x in [-2.0, 2.0] = vec![0.0; 3], const y = &[0.5, -1.0, 0.25])),
        // Softmax.
        case!(f64 softmax_xent / softmax_xent_grad / softmax_xent_vjp / softmax_xent_jvp / softmax_xent_hvp (&z in [-3.0, 3.0] = vec![0.0; 4], const k = 2)),
        case!(() softmax_out / softmax_out_vjp / softmax_out_jvp (&z in [-3.0, 3.0] = vec![0.0; 4], &mut y = vec![0.0; 4])),
        case!(f64 batch_xent / batch_xent_grad / batch_xent_vjp / batch_xent_jvp / batch_xent_hvp (&z in [-3.0, 3.0] = [[0.0; 3]; 2],
            const labels = &[2, 0])),
        // Saved values.
        case!(f64 running_product / running_product_grad / running_product_vjp / running_product_jvp / running_product_hvp (&x in [0.5, 1.5] = vec![0.0; 6])),
        case!(f64 running_sin / running_sin_grad / running_sin_vjp / running_sin_jvp / running_sin_hvp (&x in [-1.5, 1.5] = vec![0.0; 5])),
        case!(f64 logistic_map / logistic_map_grad / logistic_map_vjp / logistic_map_jvp / logistic_map_hvp (r in [2.5, 3.2], v0 in [0.2, 0.8], const n = 6)),
        // Control flow.
        case!(f64 branch_in_loop / branch_in_loop_grad / branch_in_loop_vjp / branch_in_loop_jvp / branch_in_loop_hvp (&x in [-2.0, 2.0] = vec![0.0; 6]);
            where away(&x, 0.0)),
        case!(f64 while_threshold / while_threshold_grad / while_threshold_vjp / while_threshold_jvp / while_threshold_hvp (&x in [-1.0, 1.0] = vec![0.0; 6]);
            where exp_partial_sums_away(&x, 3.0)),
        case!(f64 newton_sqrt / newton_sqrt_grad / newton_sqrt_vjp / newton_sqrt_jvp / newton_sqrt_hvp (a in [0.1, 10.0])),
        case!(f64 loop_break / loop_break_grad / loop_break_vjp / loop_break_jvp / loop_break_hvp (&x in [-1.0, 1.5] = vec![0.0; 5]);
            where away(&x, -0.5)),
        case!(f64 loop_break_value / loop_break_value_grad / loop_break_value_vjp / loop_break_value_jvp / loop_break_value_hvp (&x in [-1.0, 1.5] = vec![0.0; 4]);
            where away(&x, 1.0)),
        case!(f64 continue_odd / continue_odd_grad / continue_odd_vjp / continue_odd_jvp / continue_odd_hvp (&x in [-2.0, 2.0] = vec![0.0; 6]);
            where away(&x, 0.0)),
        case!(f64 early_return / early_return_grad / early_return_vjp / early_return_jvp / early_return_hvp (&x in [-1.0, 1.0] = vec![0.0; 6]);
            where exp_partial_sums_away(&x, 4.0)),
        case!(f64 nested_return / nested_return_grad / nested_return_vjp / nested_return_jvp / nested_return_hvp (&x in [-1.0, 1.5] = vec![0.0; 4]);
            where pair_sums_away(&x, 1.5)),
        case!(f64 continue_break / continue_break_grad / continue_break_vjp / continue_break_jvp / continue_break_hvp (&x in [-1.0, 1.5] = vec![0.0; 6]);
            where away(&x, 0.3)),
        case!(f64 loops_in_if / loops_in_if_grad / loops_in_if_vjp / loops_in_if_jvp / loops_in_if_hvp (&x in [-1.5, 1.5] = vec![0.0; 4]);
            where away(&x[..1], 0.0)),
        // Ranges and bounds.
        case!(f64 pairwise / pairwise_grad / pairwise_vjp / pairwise_jvp / pairwise_hvp (&x in [-2.0, 2.0] = vec![0.0; 5])),
        case!(f64 triangular / triangular_grad / triangular_vjp / triangular_jvp / triangular_hvp (&x in [-2.0, 2.0] = vec![0.0; 4])),
        case!(f64 horner / horner_grad / horner_vjp / horner_jvp / horner_hvp (&c in [-2.0, 2.0] = vec![0.0; 5], t in [-1.5, 1.5])),
        case!(f64 step_pairs / step_pairs_grad / step_pairs_vjp / step_pairs_jvp / step_pairs_hvp (&x in [-2.0, 2.0] = vec![0.0; 7])),
        case!(f64 bounded_sum / bounded_sum_grad / bounded_sum_vjp / bounded_sum_jvp / bounded_sum_hvp (&x in [-2.0, 2.0] = vec![0.0; 6], const lo = 1,
            const hi = 4)),
        case!(f64 iter_rev_step / iter_rev_step_grad / iter_rev_step_vjp / iter_rev_step_jvp / iter_rev_step_hvp (&x in [-2.0, 2.0] = vec![0.0; 5])),
        case!(f64 enumerate_rev / enumerate_rev_grad / enumerate_rev_vjp / enumerate_rev_jvp / enumerate_rev_hvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 zip_step / zip_step_grad / zip_step_vjp / zip_step_jvp / zip_step_hvp (&x in [-2.0, 2.0] = vec![0.0; 5],
            &y in [-2.0, 2.0] = vec![0.0; 5])),
        // Iterator reductions.
        case!(f64 sum_product / sum_product_grad / sum_product_vjp / sum_product_jvp / sum_product_hvp (&x in [-1.5, 1.5] = vec![0.0; 5])),
        case!(f64 map_sum / map_sum_grad / map_sum_vjp / map_sum_jvp / map_sum_hvp (&x in [-2.0, 2.0] = vec![0.0; 5])),
        case!(f64 zip_map_sum / zip_map_sum_grad / zip_map_sum_vjp / zip_map_sum_jvp / zip_map_sum_hvp (&x in [-2.0, 2.0] = vec![0.0; 4],
            &y in [-2.0, 2.0] = vec![0.0; 4])),
        case!(f64 enumerate_map / enumerate_map_grad / enumerate_map_vjp / enumerate_map_jvp / enumerate_map_hvp (&x in [-2.0, 2.0] = vec![0.0; 5])),
        case!(f64 fold_affine / fold_affine_grad / fold_affine_vjp / fold_affine_jvp / fold_affine_hvp (&x in [-1.5, 1.5] = vec![0.0; 5])),
        case!(f64 fold_tail / fold_tail_grad / fold_tail_vjp / fold_tail_jvp / fold_tail_hvp (&x in [-1.5, 1.5] = vec![0.0; 5])),
        case!(f64 for_each_acc / for_each_acc_grad / for_each_acc_vjp / for_each_acc_jvp / for_each_acc_hvp (&x in [-2.0, 2.0] = vec![0.0; 5])),
        case!(f64 range_map_sum / range_map_sum_grad / range_map_sum_vjp / range_map_sum_jvp / range_map_sum_hvp (&x in [-2.0, 2.0] = vec![0.0; 4],
            &y in [-2.0, 2.0] = vec![0.0; 4])),
        case!(f64 row_chains / row_chains_grad / row_chains_vjp / row_chains_jvp / row_chains_hvp (&w in [-1.0, 1.0] = [[0.0; 3]; 2],
            &x in [-1.0, 1.0] = [0.0; 3])),
        // Local buffers.
        case!(f64 hidden_layer / hidden_layer_grad / hidden_layer_vjp / hidden_layer_jvp (&w in [-1.0, 1.0] = [[0.0; 3]; 2],
            &v in [-1.0, 1.0] = [0.0; 2], &x in [-1.0, 1.0] = [0.0; 3])),
        case!(f64 local_matrix / local_matrix_grad / local_matrix_vjp / local_matrix_jvp / local_matrix_hvp (&x in [-1.5, 1.5] = [0.0; 3],
            &y in [-1.5, 1.5] = [0.0; 3])),
        case!(f64 prefix_squares / prefix_squares_grad / prefix_squares_vjp / prefix_squares_jvp / prefix_squares_hvp (&x in [-2.0, 2.0] = vec![0.0; 5])),
        case!(f64 array_literals / array_literals_grad / array_literals_vjp / array_literals_jvp / array_literals_hvp (&x in [-2.0, 2.0] = [0.0; 2],
            t in [-2.0, 2.0])),
        case!(f64 copy_param / copy_param_grad / copy_param_vjp / copy_param_jvp / copy_param_hvp (&x in [-1.5, 1.5] = [0.0; 3])),
        case!(f64 destructure / destructure_grad / destructure_vjp / destructure_jvp / destructure_hvp (&x in [-2.0, 2.0] = [0.0; 3])),
        case!(f64 local_rows / local_rows_grad / local_rows_vjp / local_rows_jvp / local_rows_hvp (&x in [-2.0, 2.0] = vec![0.0; 4])),
        // Sub-slices and calls.
        case!(f64 subslice_call / subslice_call_grad / subslice_call_vjp / subslice_call_jvp / subslice_call_hvp (&x in [-2.0, 2.0] = vec![0.0; 5],
            &y in [-2.0, 2.0] = vec![0.0; 4])),
        case!(f64 subslice_range / subslice_range_grad / subslice_range_vjp / subslice_range_jvp / subslice_range_hvp (&x in [-2.0, 2.0] = vec![0.0; 6],
            const a = 2, const b = 5)),
        case!(f64 subslice_iter / subslice_iter_grad / subslice_iter_vjp / subslice_iter_jvp / subslice_iter_hvp (&x in [-2.0, 2.0] = vec![0.0; 5])),
        case!(f64 call_in_loop / call_in_loop_grad / call_in_loop_vjp / call_in_loop_jvp (&w in [-2.0, 2.0] = vec![0.0; 4],
            &x in [-2.0, 2.0] = vec![0.0; 4])),
        case!(f64 call_local_buffer / call_local_buffer_grad / call_local_buffer_vjp / call_local_buffer_jvp / call_local_buffer_hvp (&x in [-1.5, 1.5] = [0.0; 3],
            &y in [-1.5, 1.5] = [0.0; 3])),
        case!(f64 call_rows / call_rows_grad / call_rows_vjp / call_rows_jvp / call_rows_hvp (&r in [-1.0, 1.0] = [[0.0; 3]; 3],
            &x in [-1.0, 1.0] = [0.0; 3])),
        // More loop shapes.
        case!(f64 rows_iter / rows_iter_grad / rows_iter_vjp / rows_iter_jvp / rows_iter_hvp (&w in [-1.0, 1.0] = [[0.0; 3]; 2],
            &x in [-1.0, 1.0] = [0.0; 3])),
        case!(f64 rows_enumerate / rows_enumerate_grad / rows_enumerate_vjp / rows_enumerate_jvp / rows_enumerate_hvp (&w in [-2.0, 2.0] = [[0.0; 3]; 2],
            &x in [-2.0, 2.0] = [0.0; 3])),
        case!(f64 vec_rows_iter / vec_rows_iter_grad / vec_rows_iter_vjp / vec_rows_iter_jvp / vec_rows_iter_hvp (&r in [-2.0, 2.0] = vec![[0.0; 2]; 4])),
        case!(f64 return_in_while / return_in_while_grad / return_in_while_vjp / return_in_while_jvp / return_in_while_hvp (&x in [-1.0, 2.0] = vec![0.0; 5]);
            where halving_sums_away(&x, 2.0)),
        // `√w` has `|f‴| = 3/(8w^{5/2})`, ≤ 700 for `w ≥ 0.05`: the truncation
        // error `h²|f‴|/6` stays below 1e-10.
        case!(f64 inner_break / inner_break_grad / inner_break_vjp / inner_break_jvp / inner_break_hvp (&w in [-0.5, 2.0] = [[0.0; 3]; 3]);
            where w.iter().flatten().all(|v: &f64| v.abs() > 0.05)),
        case!(f64 while_continue / while_continue_grad / while_continue_vjp / while_continue_jvp / while_continue_hvp (&x in [-2.0, 2.0] = vec![0.0; 6]);
            where away(&x, 0.0)),
        case!(f64 while_in_for / while_in_for_grad / while_in_for_vjp / while_in_for_jvp / while_in_for_hvp (&x in [0.0, 6.0] = vec![0.0; 5]);
            where halvings_away(&x)),
        case!(f64 fixed_point / fixed_point_grad / fixed_point_vjp / fixed_point_jvp / fixed_point_hvp (a in [0.1, 0.9])),
        case!(f64 zip_rev / zip_rev_grad / zip_rev_vjp / zip_rev_jvp / zip_rev_hvp (&x in [-1.5, 1.5] = vec![0.0; 4],
            &y in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 rev_step / rev_step_grad / rev_step_vjp / rev_step_jvp / rev_step_hvp (&x in [-2.0, 2.0] = vec![0.0; 6])),
        case!(f64 step_offset / step_offset_grad / step_offset_vjp / step_offset_jvp / step_offset_hvp (&x in [-2.0, 2.0] = vec![0.0; 8])),
        case!(f64 mirror / mirror_grad / mirror_vjp / mirror_jvp / mirror_hvp (&x in [-2.0, 2.0] = vec![0.0; 5])),
        case!(f64 running_max / running_max_grad / running_max_vjp / running_max_jvp / running_max_hvp (&x in [-2.0, 2.0] = vec![0.0; 5]);
            where max_unique(&x)),
        case!(f64 norm_chain / norm_chain_grad / norm_chain_vjp / norm_chain_jvp / norm_chain_hvp (&x in [-2.0, 2.0] = vec![0.0; 4]);
            where x.iter().map(|v| v * v).sum::<f64>() > 0.01),
        case!(f64 range_product / range_product_grad / range_product_vjp / range_product_jvp / range_product_hvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 product_tail / product_tail_grad / product_tail_vjp / product_tail_jvp / product_tail_hvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 subslice_enumerate / subslice_enumerate_grad / subslice_enumerate_vjp / subslice_enumerate_jvp / subslice_enumerate_hvp
            (&x in [-2.0, 2.0] = vec![0.0; 5])),
        case!(f64 variance / variance_grad / variance_vjp / variance_jvp / variance_hvp (&x in [-2.0, 2.0] = vec![0.0; 5])),
        case!(f64 zip3 / zip3_grad / zip3_vjp / zip3_jvp / zip3_hvp (&x in [-2.0, 2.0] = vec![0.0; 3], &y in [-2.0, 2.0] = vec![0.0; 3],
            &z in [-2.0, 2.0] = vec![0.0; 3])),
        case!(f64 copy_matrix / copy_matrix_grad / copy_matrix_vjp / copy_matrix_jvp / copy_matrix_hvp (&w in [-2.0, 2.0] = [[0.0; 2]; 2])),
        // Integers, flags and locals.
        case!(f64 strided_index / strided_index_grad / strided_index_vjp / strided_index_jvp / strided_index_hvp (&x in [-2.0, 2.0] = vec![0.0; 5])),
        case!(f64 flag_in_loop / flag_in_loop_grad / flag_in_loop_vjp / flag_in_loop_jvp / flag_in_loop_hvp (&x in [-1.0, 1.5] = vec![0.0; 5]);
            where away(&x, 1.0)),
        case!(f64 loop_locals / loop_locals_grad / loop_locals_vjp / loop_locals_jvp / loop_locals_hvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 two_loops / two_loops_grad / two_loops_vjp / two_loops_jvp / two_loops_hvp (&x in [-2.0, 2.0] = vec![0.0; 4])),
        case!(f64 data_trip_count / data_trip_count_grad / data_trip_count_vjp / data_trip_count_jvp / data_trip_count_hvp (&x in [-2.0, 2.0] = vec![0.0; 3]);
            where off_third(x[0])),
        case!(f64 loop_in_loop / loop_in_loop_grad / loop_in_loop_vjp / loop_in_loop_jvp / loop_in_loop_hvp (&x in [-1.5, 1.5] = vec![0.0; 4])),
        case!(f64 break_value_in_for / break_value_in_for_grad / break_value_in_for_vjp / break_value_in_for_jvp / break_value_in_for_hvp
            (&x in [-1.5, 1.5] = vec![0.0; 4]);
            where powers_away(&x)),
        case!(f64 return_in_iter_loop / return_in_iter_loop_grad / return_in_iter_loop_vjp / return_in_iter_loop_jvp / return_in_iter_loop_hvp
            (&x in [-1.5, 1.5] = vec![0.0; 5]);
            where away(&x, -1.0)),
        case!(f64 loop_in_else_if / loop_in_else_if_grad / loop_in_else_if_vjp / loop_in_else_if_jvp / loop_in_else_if_hvp (&x in [-2.0, 2.0] = vec![0.0; 4]);
            where away(&x[..1], 1.0) && away(&x[..1], -1.0)),
        case!(f64 pass_params / pass_params_grad / pass_params_vjp / pass_params_jvp / pass_params_hvp (&x in [-2.0, 2.0] = vec![0.0; 3],
            &y in [-2.0, 2.0] = vec![0.0; 3], &a in [-2.0, 2.0] = [0.0; 3])),
        case!(() outer_into / outer_into_vjp / outer_into_jvp (&x in [-2.0, 2.0] = [0.0; 2], &mut y = [[0.0; 2]; 2])),
        // `&mut` outputs.
        case!(() affine / affine_vjp / affine_jvp (&w in [-2.0, 2.0] = [[0.0; 2]; 3], &x in [-2.0, 2.0] = [0.0; 2],
            &b in [-2.0, 2.0] = [0.0; 3], &mut y = [0.0; 3])),
        case!(() cumsum_sq / cumsum_sq_vjp / cumsum_sq_jvp (&x in [-2.0, 2.0] = vec![0.0; 5], &mut y = vec![0.0; 5])),
        case!(() scale_into / scale_into_vjp / scale_into_jvp (a in [-2.0, 2.0], &x in [-2.0, 2.0] = [0.0; 3], &mut y = [0.0; 3])),
        case!(f64 normalize / normalize_grad / normalize_vjp / normalize_jvp (&x in [0.3, 2.0] = vec![0.0; 4], &mut y = vec![0.0; 4])),
        case!(() leaky_into / leaky_into_vjp / leaky_into_jvp (&z in [-2.0, 2.0] = vec![0.0; 5], &mut y = vec![0.0; 5]);
            where away(&z, 0.0)),
        case!(() for_each_into / for_each_into_vjp / for_each_into_jvp (&x in [-2.0, 2.0] = vec![0.0; 4], &mut y = vec![0.0; 4])),
        case!(() cube_into / cube_into_vjp / cube_into_jvp (&x in [-2.0, 2.0] = vec![0.0; 4], &mut y = vec![0.0; 4])),
        case!(f64 scaled_energy / scaled_energy_grad / scaled_energy_vjp / scaled_energy_jvp (a in [-2.0, 2.0],
            &x in [-2.0, 2.0] = vec![0.0; 3], &mut y = vec![0.0; 3])),
        // Model structs.
        case!(f64 dense_loss / dense_loss_grad / dense_loss_vjp / dense_loss_jvp (&m in [-1.0, 1.0] = Dense::default(),
            &x in [-1.0, 1.0] = [0.0; 3])),
        case!(f64 mlp_loss / mlp_loss_grad / mlp_loss_vjp / mlp_loss_jvp (&m in [-1.0, 1.0] = Mlp::default(),
            &x in [-1.0, 1.0] = [0.0; 3], target in [-1.0, 1.0])),
        case!(f64 poly_model / poly_model_grad / poly_model_vjp / poly_model_jvp
            (&m in [-1.5, 1.5] = Poly { coef: vec![0.0; 4], gain: 0.0 }, t in [-1.5, 1.5])),
        case!(f64 deep_net / deep_net_grad / deep_net_vjp / deep_net_jvp
            (&m in [-1.0, 1.0] = Deep { layers: vec![Square::default(); 2] }, &x in [-1.0, 1.0] = [0.0; 2])),
        case!(f64 poly_fields / poly_fields_grad / poly_fields_vjp / poly_fields_jvp
            (&m in [-2.0, 2.0] = Poly { coef: vec![0.0; 3], gain: 0.0 })),
    ]
}

fn check(case: &Case, w: &[f64], a: &[f64]) -> Result<(), TestCaseError> {
    prop_assume!((case.valid)(w));
    let objective = |w: &[f64]| (case.objective)(w, a);
    prop_assume!(objective(w).is_finite());
    let gradient =
        (case.reverse)(w, a).map_err(|e| TestCaseError::fail(format!("{} at {w:?}, {a:?}: {e}", case.name)))?;
    prop_assert_eq!(gradient.len(), w.len(), "{}: one partial per differentiated scalar", case.name);
    let numeric = numeric_gradient(objective, w);
    for (i, (&g, &n)) in gradient.iter().zip(&numeric).enumerate() {
        prop_assert!(
            close(g, n, case.tol),
            "{} at {w:?}, adjoints {a:?}: ∂{i} = {g}, numeric {n} (error {:e})",
            case.name,
            (g - n).abs()
        );
    }
    if let Some(same) = case.grad_is_vjp_at_one {
        same(w, a).map_err(|e| TestCaseError::fail(format!("{} at {w:?}: {e}", case.name)))?;
    }
    Ok(())
}

/// Runs every row for which `select` holds: `NAME_vjp` against central
/// differences of `seed·f + Σ ȳ·y` at 96 random points (also checking that
/// it adds into input shadows, zeroes output shadows, returns the
/// function's value and writes its outputs) and `NAME_grad` against
/// `NAME_vjp(.., 1.0)`. All failures are collected, so one bug does not
/// hide another.
fn run() {
    check_every_case(
        "corpus function(s)",
        cases(),
        |case| case.name,
        |case| (points_in(&(case.domain)()), adjoints(case)),
        |case, (w, a)| check(case, &w, &a),
    );
}

/// Random adjoints, each in `[-2, 2)`.
fn adjoints(case: &Case) -> Vec<Range<f64>> {
    vec![-2.0..2.0; (case.adjoints)()]
}

/// The dot-product test: `⟨J·v, ā⟩ = ⟨v, Jᵀ·ā⟩` for `J` the Jacobian of
/// the result and the outputs, `NAME_jvp` along `v` against `NAME_vjp`
/// with the adjoints `ā` (the seed and the outputs' adjoints).
fn check_transpose(case: &Case, w: &[f64], v: &[f64], a: &[f64]) -> Result<(), TestCaseError> {
    prop_assume!((case.valid)(w));
    prop_assume!((case.objective)(w, a).is_finite());
    let gradient =
        (case.reverse)(w, a).map_err(|e| TestCaseError::fail(format!("{} at {w:?}, {a:?}: {e}", case.name)))?;
    let (reverse, allowed) = dot_with_allowance(v, &gradient, 1e-10);
    let forward = (case.forward)(w, v, a);
    prop_assert!(
        (forward - reverse).abs() <= allowed,
        "{} at {w:?} along {v:?}, adjoints {a:?}: ā·(J·v) = {forward}, v·(Jᵀ·ā) = {reverse}",
        case.name
    );
    Ok(())
}

/// Every corpus function: `NAME_jvp` is the transpose of `NAME_vjp` at 96
/// random points along random directions, with random adjoints.
#[test]
fn jvp_is_the_transpose_of_vjp() {
    check_every_case(
        "corpus function(s)",
        cases(),
        |case| case.name,
        |case| {
            let domain = (case.domain)();
            (points_in(&domain), directions(domain.len()), adjoints(case))
        },
        |case, (w, v, a)| check_transpose(case, &w, &v, &a),
    );
}

/// `NAME_hvp` against central differences of the gradient (by
/// `NAME_vjp` with seed 1) along the direction; its value is `f`'s.
fn check_hvp(case: &Case, w: &[f64], v: &[f64]) -> Result<(), TestCaseError> {
    let Some(hvp) = case.hvp else { return Ok(()) };
    prop_assume!((case.valid)(w));
    let seed = [1.0];
    let value = (case.objective)(w, &seed);
    prop_assume!(value.is_finite());
    let (hvp_value, product) = hvp(w, v);
    // `objective` adds the outputs' weights (none here) to the value: -0.0 becomes 0.0.
    prop_assert!(hvp_value == value, "{} at {w:?}: hvp's value {hvp_value} != f = {value}", case.name);
    let h = 1e-5;
    let gradient = |sign: f64| {
        let shifted: Vec<f64> = w.iter().zip(v).map(|(w, v)| w + sign * h * v).collect();
        (case.reverse)(&shifted, &seed).map_err(|e| TestCaseError::fail(format!("{}: {e}", case.name)))
    };
    let (up, down) = (gradient(1.0)?, gradient(-1.0)?);
    prop_assert_eq!(product.len(), w.len());
    for (i, (&a, (u, d))) in product.iter().zip(up.iter().zip(&down)).enumerate() {
        let numeric = (u - d) / (2.0 * h);
        prop_assert!(close(a, numeric, 1e-5), "{} at {w:?} along {v:?}: (H·v){i} = {a}, numeric {numeric}", case.name);
    }
    Ok(())
}

/// Every row of a function of floats, slices and arrays without outputs:
/// `NAME_hvp` is the derivative of the gradient along the direction, at 96
/// random points.
#[test]
fn hvp_is_the_derivative_of_the_gradient() {
    let with_hvp: Vec<Case> = cases().into_iter().filter(|case| case.hvp.is_some()).collect();
    assert!(with_hvp.len() >= 40, "{} rows with a hessian", with_hvp.len());
    check_every_case(
        "corpus function(s)",
        with_hvp,
        |case| case.name,
        |case| {
            let domain = (case.domain)();
            (points_in(&domain), directions(domain.len()))
        },
        |case, (w, v)| check_hvp(case, &w, &v),
    );
}

#[test]
fn corpus_size() {
    let checked = cases().len();
    assert!(checked >= 45, "{checked} cases");
}

/// Every corpus function against central differences.
#[test]
fn corpus_matches_numeric_gradient() {
    run();
}

// ---------------------------------------------------------------------------
// Closed forms, accumulation and the generated signatures.
// ---------------------------------------------------------------------------

/// `|a − b| ≤ 1e-12·max(1, |b|)` for every pair.
fn assert_all_close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
    for (x, y) in a.iter().zip(b) {
        assert!(close(*x, *y, 1e-12), "{a:?} vs {b:?}");
    }
}

/// A zero adjoint of the total meets the infinite partials of `√` at 0:
/// the passes reversed at once hold them in their scratch, which the
/// reverse sweep must not scale by zero (`finite.rs`).
#[test]
fn sqrt_rows_with_a_zero_weight_keeps_a_finite_gradient_where_roots_are_zero() {
    let x = [0.0, 0.75, 0.0];
    let mut dx = [0.0; 3];
    let (value, dw) = sqrt_rows_grad(&x, &mut dx, 0.0);
    assert_eq!(value, 0.0);
    // ∂f/∂w = Σ pᵢ, ∂f/∂x = w · ∂s/∂x = 0.
    assert!(close(dw, sqrt_rows(&x, 1.0), 1e-12), "{dw}");
    assert_eq!(dx, [0.0; 3]);
    // The same with a seed through `_vjp`.
    let mut dx = [0.0; 3];
    let (_, dw) = sqrt_rows_vjp(&x, &mut dx, 0.0, -2.0);
    assert!(close(dw, -2.0 * sqrt_rows(&x, 1.0), 1e-12), "{dw}");
    assert_eq!(dx, [0.0; 3]);
    // A total that is the result, reversed from the seed itself: a zero
    // seed skips the infinite partials inside each pass.
    let mut dx = [0.0; 3];
    assert_eq!(sqrt_total_vjp(&x, &mut dx, 0.0), sqrt_total(&x));
    assert_eq!(dx, [0.0; 3]);
}

/// The rows `filled_through_callee` and `prefix_filled_through_callee`
/// take the two paths of a checkpointed pass lending a buffer.
#[test]
fn callees_say_which_outputs_they_fill_first() {
    assert_eq!(fill_then_smooth::FILLED_FIRST, [false, false, true]);
    assert_eq!(fill_prefix::FILLED_FIRST, [false, false]);
    assert_eq!(scale_in_place::FILLED_FIRST, [false, false]);
}

#[test]
fn dot_gradients_are_the_other_vector() {
    let x = [0.5, -1.25, 2.0, 3.5];
    let y = [1.5, 0.25, -0.75, 2.0];
    let (mut dx, mut dy) = ([0.0; 4], [0.0; 4]);
    let value = dot_grad(&x, &mut dx, &y, &mut dy);
    assert_eq!(value, dot(&x, &y));
    assert_eq!((dx, dy), (y, x));
    let (mut dx, mut dy) = ([0.0; 4], [0.0; 4]);
    assert_eq!(dot_vjp(&x, &mut dx, &y, &mut dy, -2.0), dot(&x, &y));
    assert_eq!(dx, y.map(|v| -2.0 * v));
    assert_eq!(dy, x.map(|v| -2.0 * v));
}

#[test]
fn calling_grad_twice_doubles_every_shadow() {
    let x = [0.3, -0.8, 1.1];
    let w = [[0.2, -0.4, 0.9], [1.3, 0.1, -0.6]];
    let (mut dw1, mut dx1) = ([[0.0; 3]; 2], [0.0; 3]);
    matvec_tanh_grad(&w, &mut dw1, &x, &mut dx1);
    let (mut dw2, mut dx2) = ([[0.0; 3]; 2], [0.0; 3]);
    matvec_tanh_grad(&w, &mut dw2, &x, &mut dx2);
    matvec_tanh_grad(&w, &mut dw2, &x, &mut dx2);
    assert_eq!(dx2, dx1.map(|v| 2.0 * v));
    assert_eq!(dw2, dw1.map(|row| row.map(|v| 2.0 * v)));

    let rows = vec![[0.5, 1.5, -2.0], [1.0, -1.0, 0.25]];
    let mut d = vec![[0.0; 3]; 2];
    vec_rows_grad(&rows, &mut d);
    vec_rows_grad(&rows, &mut d);
    assert_eq!(d, vec![[3.0, 1.0, -8.0], [-2.0, 2.0, 1.0]]);

    let m = Dense { w: [[0.1, 0.2, 0.3], [-0.4, 0.5, -0.6]], b: [0.7, -0.8] };
    let mut once = m.zeros_like();
    let mut dx = [0.0; 3];
    dense_loss_grad(&m, &mut once, &x, &mut dx);
    let mut twice = m.zeros_like();
    let mut dx2 = [0.0; 3];
    dense_loss_grad(&m, &mut twice, &x, &mut dx2);
    dense_loss_grad(&m, &mut twice, &x, &mut dx2);
    let doubled: Vec<f64> = once.to_flat().iter().map(|v| 2.0 * v).collect();
    assert_eq!(twice.to_flat(), doubled);
}

/// Mini-batch accumulation: the shadow after one call per sample is the sum
/// of the per-sample gradients.
#[test]
fn shadows_accumulate_over_a_batch() {
    let m = Mlp { hidden: Dense { w: [[0.3, -0.2, 0.5], [0.1, 0.4, -0.3]], b: [0.05, -0.1] }, v: [0.7, -1.2], c: 0.2 };
    let batch = [([0.5, -1.0, 0.25], 1.0), ([1.5, 0.5, -0.5], -0.5), ([-0.3, 0.8, 1.0], 0.25)];
    let mut total = m.zeros_like();
    let mut sum = vec![0.0; m.num_params()];
    for (x, target) in batch {
        let mut dx = [0.0; 3];
        mlp_loss_grad(&m, &mut total, &x, &mut dx, target);
        let mut single = m.zeros_like();
        mlp_loss_grad(&m, &mut single, &x, &mut dx, target);
        for (s, g) in sum.iter_mut().zip(single.to_flat()) {
            *s += g;
        }
    }
    assert_all_close(&total.to_flat(), &sum);
}

#[test]
fn output_shadows_are_consumed() {
    let w = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
    let x = [0.5, -1.0];
    let b = [0.25, 0.5, 0.75];
    let (mut dw, mut dx, mut db) = ([[0.0; 2]; 3], [0.0; 2], [0.0; 3]);
    let mut y = [0.0; 3];
    let mut dy = [1.0, -2.0, 0.5];
    let () = affine_vjp(&w, &mut dw, &x, &mut dx, &b, &mut db, &mut y, &mut dy);
    assert_eq!(y, [-1.25, -2.0, -2.75]);
    assert_eq!(dy, [0.0; 3]);
    // ∂W = ȳxᵀ, ∂x = Wᵀȳ, ∂b = ȳ.
    assert_eq!(dw, [[0.5, -1.0], [-1.0, 2.0], [0.25, -0.5]]);
    assert_eq!(dx, [1.0 - 6.0 + 2.5, 2.0 - 8.0 + 3.0]);
    assert_eq!(db, [1.0, -2.0, 0.5]);
}

#[test]
fn unit_functions_return_the_tuple_of_scalar_partials() {
    let x = [1.0, 2.0, -3.0];
    let (mut dx, mut y, mut dy) = ([0.0; 3], [0.0; 3], [0.5, 1.0, 2.0]);
    let (da,): (f64,) = scale_into_vjp(2.0, &x, &mut dx, &mut y, &mut dy);
    // ∂a = Σ ȳᵢxᵢ, ∂x = aȳ.
    assert_eq!(da, 0.5 + 2.0 - 6.0);
    assert_eq!(dx, [1.0, 2.0, 4.0]);
    assert_eq!(y, [3.0, 5.0, -5.0]);
    assert_eq!(dy, [0.0; 3]);
}

#[test]
fn closed_forms() {
    // Softmax cross-entropy: ∂z = softmax(z) − e_k.
    let z = [1.0, -0.5, 2.5, 0.3];
    let mut dz = [0.0; 4];
    softmax_xent_grad(&z, &mut dz, 2);
    let e: Vec<f64> = z.iter().map(|v| v.exp()).collect();
    let total: f64 = e.iter().sum();
    let expected: Vec<f64> = e.iter().enumerate().map(|(j, v)| v / total - if j == 2 { 1.0 } else { 0.0 }).collect();
    assert_all_close(&dz, &expected);

    // Rosenbrock.
    let x = [0.3, -0.7, 1.2, 0.5];
    let mut dx = [0.0; 4];
    rosenbrock_grad(&x, &mut dx);
    let expected: Vec<f64> = (0..4)
        .map(|i| {
            let mut g = 0.0;
            if i + 1 < 4 {
                g += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
            }
            if i > 0 {
                g += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
            }
            g
        })
        .collect();
    assert_all_close(&dx, &expected);
    let mut dx_iter = [0.0; 4];
    rosenbrock_iter_grad(&x, &mut dx_iter);
    assert_all_close(&dx_iter, &expected);

    // Running product: ∂xᵢ = Π_{j≠i} xⱼ.
    let x = [1.5, -2.0, 0.5, 3.0];
    let mut dx = [0.0; 4];
    assert_eq!(running_product_grad(&x, &mut dx), -4.5);
    assert_eq!(dx, [-3.0, 2.25, -9.0, -1.5]);

    // Horner: ∂cᵢ = tⁱ, ∂t = p'(t).
    let c = [1.0, -2.0, 0.5, 3.0];
    let mut dc = [0.0; 4];
    let (p, dt) = horner_grad(&c, &mut dc, 2.0);
    assert_eq!((p, dt), (1.0 - 4.0 + 2.0 + 24.0, -2.0 + 2.0 + 36.0));
    assert_eq!(dc, [1.0, 2.0, 4.0, 8.0]);

    // Newton's square root and the fixed point of v = a cos v.
    let (r, dr) = newton_sqrt_grad(2.0);
    assert!(close(r, 2f64.sqrt(), 1e-15) && close(dr, 0.5 / 2f64.sqrt(), 1e-12), "{r} {dr}");
    let (v, dv) = fixed_point_grad(0.5);
    assert!(close(dv, v.cos() / (1.0 + 0.5 * v.sin()), 1e-12), "{v} {dv}");

    // The lesson's network: ∂c = out − target, ∂vᵢ = (out − target)hᵢ.
    let m = Mlp { hidden: Dense { w: [[0.3, -0.2, 0.5], [0.1, 0.4, -0.3]], b: [0.05, -0.1] }, v: [0.7, -1.2], c: 0.2 };
    let x = [0.5, -1.0, 0.25];
    let h: Vec<f64> =
        (0..2).map(|i| (m.hidden.b[i] + (0..3).map(|j| m.hidden.w[i][j] * x[j]).sum::<f64>()).tanh()).collect();
    let out = m.c + m.v[0] * h[0] + m.v[1] * h[1];
    let mut dm = m.zeros_like();
    let mut dx = [0.0; 3];
    let (loss, dtarget) = mlp_loss_grad(&m, &mut dm, &x, &mut dx, 1.0);
    assert!(close(loss, 0.5 * (out - 1.0) * (out - 1.0), 1e-15));
    assert!(close(dtarget, 1.0 - out, 1e-12));
    assert!(close(dm.c, out - 1.0, 1e-12));
    assert_all_close(&dm.v, &[(out - 1.0) * h[0], (out - 1.0) * h[1]]);
    for i in 0..2 {
        let dz = (out - 1.0) * m.v[i] * (1.0 - h[i] * h[i]);
        assert!(close(dm.hidden.b[i], dz, 1e-12));
        assert_all_close(&dm.hidden.w[i], &x.map(|xj| dz * xj));
    }
}

#[test]
fn empty_slices_and_zero_trip_loops() {
    let (mut dx, mut dy) = ([0.0; 0], [0.0; 0]);
    assert_eq!(dot_grad(&[], &mut dx, &[], &mut dy), 0.0);
    let mut dx = [PRIOR; 3];
    assert_eq!(bounded_sum_grad(&[1.0, 2.0, 3.0], &mut dx, 2, 1), 0.0);
    assert_eq!(dx, [PRIOR; 3]);
    assert_eq!(logistic_map_grad(3.0, 0.25, 0), (0.25, 0.0, 1.0));
}

#[test]
fn const_generic_arrays_of_any_length() {
    let mut d2 = [0.0; 2];
    assert_eq!(sum_sq_grad(&[1.0, 2.0], &mut d2), 5.0);
    assert_eq!(d2, [2.0, 4.0]);
    let mut d5 = [0.0; 5];
    assert_eq!(sum_sq_grad(&[1.0, -1.0, 0.5, 2.0, 3.0], &mut d5), 15.25);
    assert_eq!(d5, [2.0, -2.0, 1.0, 4.0, 6.0]);
}

/// `f(x, y) = Σᵢ xᵢyᵢ + Σᵢ xᵢ²` in `f32`, a slice and an array.
/// `∂x = y + 2x`, `∂y = x`.
#[grad(forward, reverse)]
fn dot_f32(x: &[f32], y: &[f32; 3]) -> f32 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i] * y[i];
    }
    s + x.iter().map(|v| v * v).sum::<f32>()
}

/// `yᵢ = sin xᵢ` into a `&mut Vec<f32>`. `∂xᵢ = ȳᵢ cos xᵢ`.
#[grad(forward, reverse)]
fn sin_into_f32(x: &[f32], y: &mut Vec<f32>) {
    for i in 0..x.len() {
        y[i] = x[i].sin();
    }
}

#[test]
fn f32_slices_arrays_and_outputs() {
    let x = [1.0f32, 2.0, 3.0];
    let y = [0.5f32, 1.0, -1.0];
    let (mut dx, mut dy) = ([0.0f32; 3], [0.0f32; 3]);
    assert_eq!(dot_f32_grad(&x, &mut dx, &y, &mut dy), 13.5);
    assert_eq!((dx, dy), ([2.5, 5.0, 5.0], x));

    let mut out = vec![0.0f32; 3];
    let mut dout = vec![1.0f32, -1.0, 0.5];
    let mut dx = [0.0f32; 3];
    sin_into_f32_vjp(&x, &mut dx, &mut out, &mut dout);
    assert_eq!(out, x.map(f32::sin));
    assert_eq!(dout, [0.0; 3]);
    assert_eq!(dx, [x[0].cos(), -x[1].cos(), 0.5 * x[2].cos()]);
}

/// An in-place update reads the output's entry value, so its shadow is not
/// zeroed but ends holding the adjoint with respect to that entry value
/// (here the identity of ȳ), as the README documents.
#[test]
fn an_in_place_output_keeps_the_adjoint_of_its_entry_value() {
    let (a, x) = (1.5, [0.5, -1.0, 2.0, 0.25]);
    let mut y = [1.0, 2.0, 3.0, 4.0];
    let ybar = [0.3, -0.7, 1.1, 0.2];
    let mut dx = [0.0; 4];
    let mut dy = ybar;
    let (da,) = axpy_vjp(a, &x, &mut dx, &mut y, &mut dy);
    let expected_da: f64 = ybar.iter().zip(&x).map(|(b, v)| b * v).sum();
    assert!((da - expected_da).abs() < 1e-12);
    for i in 0..4 {
        assert!((dx[i] - a * ybar[i]).abs() < 1e-12);
        assert_eq!(dy[i], ybar[i]);
        assert!((y[i] - ([1.0, 2.0, 3.0, 4.0][i] + a * x[i])).abs() < 1e-12);
    }
}
