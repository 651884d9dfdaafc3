//! Rows for iterator forms people write for numeric code: `collect()`
//! into a vector (`let y: Vec<f64> = x.iter().map(..).collect();`, or
//! `Vec<_>`), `iter_mut()` to write elements in place (`for (o, v) in
//! y.iter_mut().zip(x) { *o = .. }`), and rows of an array of arrays
//! iterated by reference and passed on to calls (`for x in xs.iter() {
//! norm2(x) }`), buffers made in a loop body then changed in place, and
//! the forms together as a review wrote them (each also with `_hvp` and
//! `_graph`). Each row is checked against central
//! differences at random points, its `NAME_vjp` against `NAME_grad`, and its
//! `NAME_jvp` against `NAME_vjp` by the dot-product test (the harness of
//! `tests/common/rows.rs`); closed forms at chosen points follow.

// The rows keep the forms people write.
#![allow(clippy::iter_cloned_collect, clippy::assign_op_pattern, clippy::needless_borrow)]

#[macro_use]
mod common;

use autodiff::grad;
use common::close;
use common::rows::{rows_jvp_is_the_transpose_of_vjp, rows_match_numeric_gradient, Case};

// ---------------------------------------------------------------------------
// 1. `collect()`.
// ---------------------------------------------------------------------------

/// `Σ (xᵢ² − sin xᵢ)`, through two collected vectors.
/// `zip` with a chain (review, stop 17: refused with a message about
/// element access): neighbours by `x.iter().skip(1)`, and a lagged
/// window by `skip` then `take`, and a float's `clone`.
#[allow(clippy::clone_on_copy)]
#[grad(forward, reverse)]
fn zipped_with_chains(x: &[f64; 4]) -> f64 {
    let steps: f64 = x.iter().zip(x.iter().skip(1)).map(|(a, b)| (b - a) * (b - a)).sum();
    let mut lagged = 0.0;
    for (a, b) in x.iter().zip(x.iter().skip(2).take(1)) {
        lagged += a.clone() * b.sin();
    }
    steps + lagged
}

/// `windows` and `chunks` as the argument of `zip` (refused before stop
/// 17, asking for `enumerate`): outputs written per window, and weights
/// per chunk, the last one ragged.
#[grad(forward, reverse)]
fn zipped_with_windows(x: &[f64; 4]) -> f64 {
    let mut y = vec![0.0; x.len() - 1];
    for (o, w) in y.iter_mut().zip(x.windows(2)) {
        *o = w[0] * w[1].sin();
    }
    let mut s: f64 = y.iter().map(|v| v * v).sum();
    for (a, c) in y.iter().zip(x[1..].chunks(2)) {
        s += a * c[c.len() - 1] * c[0];
    }
    s
}

/// `any` and `all` in conditions (stop 17: refused), after a `map` too:
/// piecewise constant tests that choose the branch.
#[grad(forward, reverse)]
fn tested_items(x: &[f64; 4]) -> f64 {
    let spread = if x.iter().any(|v| *v < -1.0) { x[0] * x[1] } else { x[2].sin() };
    let all_small = x.iter().map(|v| v * v).all(|v| v < 2.0);
    if all_small {
        spread + x[3].exp()
    } else {
        spread * x[3]
    }
}

/// `any` and `all` whose closures write what they capture: Rust stops at
/// the first item that decides, and so do the writes (review, stop 17:
/// every item was tested, a wrong value and gradient).
#[grad(forward, reverse)]
fn tested_with_effects(x: &[f64; 4]) -> f64 {
    let mut s = 0.0;
    let found = x.iter().any(|v| {
        s += v * v;
        *v > 0.5
    });
    let mut p = 1.0;
    let all_small = x.iter().all(|&v| {
        p = p * v.cos() + 0.5;
        v < 1.0
    });
    let t = if found { s } else { -s };
    if all_small {
        t + p
    } else {
        t * p
    }
}

/// `skip` and `take` after `enumerate` (review, stop 17: refused): the
/// positions are the original ones, `(1, x[1])` first after `skip(1)`.
#[grad(forward, reverse)]
fn enumerated_then_cut(x: &[f64; 4]) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate().skip(1) {
        s += v * v * i as f64;
    }
    for (i, v) in x.iter().enumerate().take(2) {
        s += v.sin() * (i + 1) as f64;
    }
    for (i, (a, b)) in x.iter().zip(&x[1..]).enumerate().skip(1).skip(1) {
        s += a * b * i as f64;
    }
    // (The filter's pattern binds the position by reference, as in Rust:
    // `*i` failed to compile, review of stop 17.)
    for (i, v) in x.iter().enumerate().filter(|(i, _)| *i != 2) {
        s += v.cos() * i as f64;
    }
    s
}

/// `skip` and `take` of `windows`, `chunks_exact` and `chunks` (round 20,
/// D5, and round 21, C4: refused, and the fix offered, `x[1..].windows(2)`,
/// numbered the windows from 0 where `enumerate().skip(1)` numbers them from
/// 1): a chunk's neighbour below (`zip` with `.skip(1)`), the short last
/// chunk of `chunks`, and cuts of reversed windows and chunks.
#[grad(forward, reverse, hessian)]
fn windows_and_chunks_cut(x: &[f64; 7]) -> f64 {
    let mut s = 0.0;
    for (i, w) in x.windows(2).enumerate().skip(1) {
        s += w[0] * w[1] * i as f64;
    }
    for (a, b) in x.chunks_exact(2).zip(x.chunks_exact(2).skip(1)) {
        s += a[0] * b[1] - a[1] * b[0];
    }
    for c in x.chunks(3).skip(1) {
        s += c.iter().map(|v| v.sin()).sum::<f64>() * c.len() as f64;
    }
    for c in x.chunks(3).take(2).skip(1) {
        s += c[0] * c[c.len() - 1];
    }
    for w in x.windows(3).rev().skip(1).take(2) {
        s += w[0] - w[2] * w[1];
    }
    for c in x.chunks(3).rev().take(2) {
        s += c[0] * c.len() as f64;
    }
    s
}

/// Consecutive `map`s (round 21, D7: refused, the message asking for one
/// `map` just before the reduction): before `sum`, `fold` and `collect`,
/// three in a row, over a `zip`, with a typed pattern.
#[grad(forward, reverse, hessian)]
fn maps_in_a_row(x: &[f64; 4]) -> f64 {
    let k = x[0];
    let a = x.iter().map(|v| v * k).map(|w| w.sin()).sum::<f64>();
    let b =
        x.iter().zip(&x[1..]).map(|(p, q)| p * q).map(|r| r.exp()).map(|e: f64| e - 1.0).fold(0.0, |acc, v| acc + v);
    let c: Vec<f64> = x.iter().map(|v| v * v).map(|s| s + 1.0).collect();
    // A later body that leads with a block (review 29: printed and parsed
    // again, `if .. {} else {} - 1.0` read as an `if` statement, then `-1.0`).
    let d = x.iter().map(|v| v * 2.0).map(|w| if w > 0.0 { w } else { 0.5 * w } - 1.0).sum::<f64>();
    let e = x.iter().map(|v| v * 2.0).map(|w| { w * w } * 3.0).sum::<f64>();
    a + b + c.iter().map(|v| v.ln()).sum::<f64>() + d + e
}

#[grad(forward, reverse)]
fn collected_maps(x: &[f64; 4]) -> f64 {
    let squares: Vec<f64> = x.iter().map(|v| v * v).collect();
    let shifted: Vec<f64> = squares.iter().zip(x).map(|(a, b)| a - b.sin()).collect();
    shifted.iter().sum()
}

/// A turbofish, a typed closure parameter, a copy without `map`, and a
/// range source: `Σ xᵢ·x_{i+1} + Σ xᵢ^i + Π xᵢ`.
#[grad(forward, reverse)]
fn collected_forms(x: &[f64; 4]) -> f64 {
    let pairs = x.windows(2).map(|w: &[f64]| w[0] * w[1]).collect::<Vec<f64>>();
    let powers: Vec<f64> = (0..4).map(|i| x[i].powi(i as i32)).collect();
    let copy: Vec<f64> = x.iter().copied().collect();
    pairs.iter().sum::<f64>() + powers.iter().sum::<f64>() + copy.iter().product::<f64>()
}

/// `filter` keeps the positive elements: `Σ_{xᵢ > 0} 3xᵢ²`; the indices
/// of the even positions, collected as integers, pick `Σ x₀, x₂`.
#[grad(forward, reverse)]
fn collected_filtered(x: &[f64; 4]) -> f64 {
    let kept: Vec<f64> = x.iter().copied().filter(|v| *v > 0.0).map(|v| 3.0 * v * v).collect();
    let even: Vec<usize> = (0..4).filter(|i| i % 2 == 0).collect();
    let mut s: f64 = kept.iter().sum();
    for &i in &even {
        s += x[i];
    }
    s
}

/// `Vec<_>`, as people write it: the items pushed decide that `scaled`
/// holds floats and `picked` integers: `Σ_{i odd} 2xᵢ·tanh xᵢ`.
#[grad(forward, reverse)]
fn collected_inferred(x: &[f64; 4]) -> f64 {
    let scaled: Vec<_> = x.iter().map(|&v| 2.0 * v * v.tanh()).collect();
    let picked = (0..4).filter(|i| i % 2 == 1).collect::<Vec<_>>();
    picked.iter().map(|&i| scaled[i]).sum()
}

/// Names people reuse: the closure's item named as the vector, and a
/// vector that shadows its source (the loop `collect` becomes once read
/// the new, empty `x`, so the value and the gradient were 0):
/// `Σ (2xᵢ)² + Σ 3·2xᵢ`.
#[grad(forward, reverse, hessian)]
fn collected_shadowing(x: &[f64; 4]) -> f64 {
    let v: Vec<f64> = x.iter().map(|v| v * v).collect();
    let x: Vec<f64> = x.iter().map(|t| 2.0 * t).collect();
    let y: Vec<_> = x.iter().map(|y| 3.0 * y).collect();
    v.iter().sum::<f64>() * 4.0 + y.iter().sum::<f64>()
}

// ---------------------------------------------------------------------------
// 2. `iter_mut()`.
// ---------------------------------------------------------------------------

/// `Σ (2xᵢ² + 1)·sin xᵢ`, written element by element through `iter_mut`.
#[grad(forward, reverse)]
fn written_in_place(x: &[f64; 4]) -> f64 {
    let mut y = [0.0; 4];
    for (o, v) in y.iter_mut().zip(x) {
        *o = v * v;
    }
    for o in y.iter_mut() {
        *o *= 2.0;
    }
    y.iter_mut().for_each(|o| *o += 1.0);
    for (i, o) in y.iter_mut().enumerate() {
        *o = *o * x[i].sin();
    }
    y.iter().sum()
}

/// A `&mut` output written through `iter_mut`: `yᵢ = k·xᵢ + yᵢ`.
#[grad(forward, reverse)]
fn axpy(k: f64, x: &[f64], y: &mut [f64]) {
    for (o, v) in y.iter_mut().zip(x) {
        *o += k * v;
    }
}

/// A caller of `axpy` on a local vector built by `collect`.
#[grad(forward, reverse)]
fn axpy_then_norm(x: &[f64; 3], k: f64) -> f64 {
    let mut y: Vec<f64> = x.iter().map(|v| v.exp()).collect();
    axpy(k, x, &mut y);
    y.iter().map(|v| v * v).sum()
}

fn axpy_then_norm_at(w: &[f64]) -> f64 {
    axpy_then_norm(&[w[0], w[1], w[2]], w[3])
}

fn axpy_then_norm_vjp_at(w: &[f64], seed: f64) -> (f64, Vec<f64>) {
    let mut d_x = [0.0; 3];
    let (value, dk) = axpy_then_norm_vjp(&[w[0], w[1], w[2]], &mut d_x, w[3], seed);
    (value, vec![d_x[0], d_x[1], d_x[2], dk])
}

fn axpy_then_norm_grad_at(w: &[f64]) -> (f64, Vec<f64>) {
    axpy_then_norm_vjp_at(w, 1.0)
}

fn axpy_then_norm_jvp_at(w: &[f64], v: &[f64]) -> (f64, f64) {
    axpy_then_norm_jvp(&[w[0], w[1], w[2]], &[v[0], v[1], v[2]], w[3], v[3])
}

// ---------------------------------------------------------------------------
// 3. Rows bound by reference (`for x in xs.iter()`, `x: &[f64; 2]`) passed
//    on to a `#[grad]` function, as written (`norm2(x)`), or borrowed again
//    (`norm2(&x)`).
// ---------------------------------------------------------------------------

#[grad(forward, reverse)]
fn norm2(x: &[f64; 2]) -> f64 {
    x[0] * x[0] + x[1] * x[1]
}

/// `Σ |xᵢ|²·xᵢ₀ + Σ i·|xᵢ|² + |x₀|²·y₀` over rows iterated, enumerated and zipped.
#[grad(forward, reverse)]
fn rows_passed_on(xs: &[[f64; 2]], ys: &[f64]) -> f64 {
    let mut t = 0.0;
    for x in xs.iter() {
        t += norm2(x) * x[0];
    }
    for (i, x) in xs.iter().enumerate() {
        t += norm2(&x) * i as f64;
    }
    for (x, &y) in xs.iter().zip(ys).take(1) {
        t += norm2(x) * y;
    }
    t
}

#[grad(forward, reverse, hessian)]
fn dot2(a: &[f64; 2], b: &[f64; 2]) -> f64 {
    a[0] * b[0] + a[1] * b[1]
}

/// Rows of a constant table and of a local array of arrays passed on:
/// the throwaway adjoint of a constant row was a `Vec` where the callee
/// takes `&mut [f64; 2]` (rustc rejected `_grad`), and `_hvp` lends one
/// for every row of the direction, itself a constant there.
#[grad(forward, reverse, hessian)]
fn rows_of_a_table(w: &[f64; 4]) -> f64 {
    let table = [[1.0, 2.0], [3.0, -1.0]];
    let ws = [[w[0], w[1]], [w[2], w[3]]];
    let mut s = 0.0;
    for i in 0..2 {
        s += dot2(&ws[i], &table[i]).powi(2);
    }
    for (r, t) in ws.iter().zip(table.iter()) {
        s += dot2(r, r) * dot2(r, t);
    }
    s
}

fn rows_at(w: &[f64]) -> ([[f64; 2]; 3], [f64; 1]) {
    ([[w[0], w[1]], [w[2], w[3]], [w[4], w[5]]], [w[6]])
}

fn rows_passed_on_at(w: &[f64]) -> f64 {
    let (xs, ys) = rows_at(w);
    rows_passed_on(&xs, &ys)
}

fn rows_passed_on_vjp_at(w: &[f64], seed: f64) -> (f64, Vec<f64>) {
    let (xs, ys) = rows_at(w);
    let (mut d_xs, mut d_ys) = ([[0.0; 2]; 3], [0.0]);
    let value = rows_passed_on_vjp(&xs, &mut d_xs, &ys, &mut d_ys, seed);
    (value, d_xs.iter().flatten().copied().chain(d_ys).collect())
}

fn rows_passed_on_grad_at(w: &[f64]) -> (f64, Vec<f64>) {
    rows_passed_on_vjp_at(w, 1.0)
}

fn rows_passed_on_jvp_at(w: &[f64], v: &[f64]) -> (f64, f64) {
    let ((xs, ys), (vxs, vys)) = (rows_at(w), rows_at(v));
    rows_passed_on_jvp(&xs, &vxs, &ys, &vys)
}

// ---------------------------------------------------------------------------
// 4. Buffers made inside a loop body, then changed in place: the reverse
//    sweep must not rebuild them from their definition alone (it did for
//    a copy of a local array, `let mut v = w;`, and for the tangent buffers
//    of `_hvp`, so both gave wrong derivatives).
// ---------------------------------------------------------------------------

/// `Σₖ (k+1)²·xₖxₖ₊₁` through a vector pushed in each pass: `Σₖ vₖvₖ₊₁`.
#[grad(forward, reverse, hessian)]
fn pushed_per_pass(x: &[f64; 4]) -> f64 {
    let mut s = 0.0;
    for k in 0..3 {
        let mut v = Vec::new();
        for t in x {
            v.push(t * (k as f64 + 1.0));
        }
        s += v[k] * v[k + 1];
    }
    s
}

/// `2·((x₀x₁)² + x₂x₃/4)`: a copy of a local array, one element
/// replaced in each pass.
#[grad(forward, reverse, hessian)]
fn copied_per_pass(x: &[f64; 4]) -> f64 {
    let w = [0.5, 0.25];
    let mut s = 0.0;
    for _ in 0..2 {
        let mut v = w;
        v[0] = x[0] * x[1];
        s += v[0] * v[0] + v[1] * x[2] * x[3];
    }
    s
}

// ---------------------------------------------------------------------------
// 5. The forms together, as a review wrote them: pushes in branches and
//    loops, a vector read before its first push decides its type, collect
//    then iter_mut, nested iter_mut over rows, iter_mut adaptors, tuple
//    matches of three parts with guards, helpers writing in place or
//    returning several floats, `while`/`loop` with early exits. Each is
//    also drawn (`graph`) and has a `_hvp`.
// ---------------------------------------------------------------------------

/// The first push inside an `if`, later ones outside: `[x₀x₁]? ++ [x₂x₃, e^x₁]`, `Σ vᵢ²`.
#[grad(graph, forward, reverse, hessian)]
fn pushed_in_branches(x: &[f64; 4]) -> f64 {
    let mut v = Vec::new();
    if x[0] > 0.0 {
        v.push(x[0] * x[1]);
    }
    v.push(x[2] * x[3]);
    v.push(x[1].exp());
    let mut s = 0.0;
    for e in v.iter() {
        s += e * e;
    }
    s
}

/// A vector read (`v[i - 1]`) before the push that decides it holds floats.
#[grad(graph, forward, reverse, hessian)]
fn read_before_pushed(x: &[f64; 4]) -> f64 {
    let mut v = Vec::new();
    let mut w = Vec::new();
    for i in 0..4 {
        if i > 0 {
            w.push(v[i - 1] * x[i]);
        }
        v.push(x[i].sin());
    }
    w.iter().sum()
}

/// A softmax written through a collected vector normalized in place.
#[grad(graph, forward, reverse, hessian)]
fn softmax_in_place(x: &[f64; 4]) -> f64 {
    let mut p: Vec<f64> = x.iter().map(|v| v.exp()).collect();
    let total: f64 = p.iter().sum();
    for o in p.iter_mut() {
        *o /= total;
    }
    p.iter().zip(x).map(|(p, v)| p * v).sum()
}

/// Nested `iter_mut` over the rows of a local array of arrays, and the
/// adaptors of `iter_mut`: `skip`, `skip(..).rev()`, `step_by`, `for_each`.
#[grad(graph, forward, reverse, hessian)]
fn rows_and_adaptors_in_place(x: &[f64; 4]) -> f64 {
    let mut h = [[1.0; 2]; 2];
    for (i, row) in h.iter_mut().enumerate() {
        for (j, o) in row.iter_mut().enumerate() {
            *o = x[i] * x[2 + j] + *o;
        }
    }
    let mut y = [0.0; 4];
    y.iter_mut().enumerate().for_each(|(i, o)| *o = x[i] * x[i]);
    for o in y.iter_mut().skip(1) {
        *o -= 0.5;
    }
    for o in y.iter_mut().skip(2).rev() {
        *o /= 3.0;
    }
    for o in y.iter_mut().step_by(2) {
        *o = o.exp();
    }
    h[0][0] * h[1][1] - h[0][1] * h[1][0] + y[0] * y[1] + y[2] * y[3]
}

/// A `match` on three parts, with a guard and a name bound to a part.
#[grad(graph, forward, reverse, hessian)]
fn matched_on_three_parts(x: &[f64; 4]) -> f64 {
    let mut s = 0.0;
    for i in 0..4 {
        s += match (x[i] > 0.0, i % 3, x[(i + 1) % 4] > 0.5) {
            (true, 0, _) => x[i] * x[i],
            (true, n, true) if n > 1 => x[i] * 3.0,
            (false, 1 | 2, b) => {
                if b {
                    x[i].exp()
                } else {
                    x[i]
                }
            }
            (_, _, _) => x[i].sin(),
        };
    }
    s
}

#[grad(forward, reverse, hessian)]
fn squared_into(x: &[f64], out: &mut [f64]) {
    for (o, v) in out.iter_mut().zip(x) {
        *o = v * v * *o;
    }
}

#[grad(forward, reverse, hessian)]
fn square_and_sine(x: f64) -> (f64, f64) {
    (x * x, x.sin())
}

/// Helpers writing a buffer made in each pass, and returning two floats.
#[grad(graph, forward, reverse, hessian)]
fn helpers_in_each_pass(x: &[f64; 4]) -> f64 {
    let mut s = 0.0;
    for i in 0..3 {
        let mut buf = [1.0; 2];
        squared_into(&x[i..i + 2], &mut buf);
        let (a, b) = square_and_sine(buf[0] + buf[1]);
        s += a + b;
    }
    s
}

/// Pushes in a `while` with `continue` and `break`, then a vector
/// collected and an array written in place in each pass of a `loop`.
#[grad(graph, forward, reverse, hessian)]
fn early_exits(x: &[f64; 4]) -> f64 {
    let mut v = Vec::new();
    let mut i = 0;
    while i < 4 {
        if x[i] < -1.0 {
            i += 1;
            continue;
        }
        v.push(x[i] * x[(i + 1) % 4]);
        if v.len() == 3 {
            break;
        }
        i += 1;
    }
    let mut s = 0.0;
    let mut k = 0;
    loop {
        if k >= v.len() {
            break;
        }
        let y: Vec<f64> = v.iter().map(|t| t * (k as f64 + 1.0)).collect();
        let mut z = [0.0; 2];
        for (o, t) in z.iter_mut().zip(y.iter()) {
            *o = t.sin();
        }
        s += z[0] * z[1] + y[k];
        k += 1;
    }
    s
}

/// Empty vectors as people spell them (`vec![]`, `Vec::<f64>::new()`, a
/// path, `Vec<_>`), then pushed; `vec![]` of indices stays a constant.
#[grad(graph, forward, reverse, hessian)]
fn spelled_empty(x: &[f64; 4]) -> f64 {
    let mut a = vec![];
    let mut b: Vec<_> = Vec::new();
    let mut c = Vec::<f64>::new();
    let mut d = std::vec::Vec::new();
    let mut e: Vec<f64> = vec![];
    let mut picked = vec![];
    for (i, &t) in x.iter().enumerate() {
        a.push(t * t);
        b.push(t.sin());
        c.push(t.exp());
        d.push(t * 2.0);
        e.push(t);
        if i % 2 == 0 {
            picked.push(i);
        }
    }
    let mut s = a[0] * b[1] + c[2] * d[3] + e[1] * e[2];
    for &i in picked.iter() {
        s += x[i] * e[i];
    }
    s
}

type Hvp = fn(&[f64; 4], &[f64; 4], &mut [f64; 4]) -> f64;
type Grad = fn(&[f64; 4], &mut [f64; 4]) -> f64;
type Drawn = fn(&[f64; 4]) -> autodiff::Graph;

/// The rows of section 5 with their `_hvp`, `_grad` and `_graph`.
fn second_order_rows() -> Vec<(&'static str, Hvp, Grad, Drawn)> {
    vec![
        ("pushed_in_branches", pushed_in_branches_hvp, pushed_in_branches_grad, pushed_in_branches_graph),
        ("read_before_pushed", read_before_pushed_hvp, read_before_pushed_grad, read_before_pushed_graph),
        ("softmax_in_place", softmax_in_place_hvp, softmax_in_place_grad, softmax_in_place_graph),
        (
            "rows_and_adaptors_in_place",
            rows_and_adaptors_in_place_hvp,
            rows_and_adaptors_in_place_grad,
            rows_and_adaptors_in_place_graph,
        ),
        (
            "matched_on_three_parts",
            matched_on_three_parts_hvp,
            matched_on_three_parts_grad,
            matched_on_three_parts_graph,
        ),
        ("helpers_in_each_pass", helpers_in_each_pass_hvp, helpers_in_each_pass_grad, helpers_in_each_pass_graph),
        ("early_exits", early_exits_hvp, early_exits_grad, early_exits_graph),
        ("spelled_empty", spelled_empty_hvp, spelled_empty_grad, spelled_empty_graph),
    ]
}

/// Points away from every row's branch boundaries (0, 0.5, -1).
const REVIEW_POINTS: [[f64; 4]; 3] = [[0.7, -1.3, 0.4, 1.9], [-0.45, 0.8, -1.7, 0.35], [1.2, 0.3, -0.4, 0.9]];

fn cases() -> Vec<Case> {
    vec![
        array_case!(collected_maps, collected_maps_grad, collected_maps_vjp, collected_maps_jvp; 4; in [-2.0, 2.0]),
        array_case!(maps_in_a_row, maps_in_a_row_grad, maps_in_a_row_vjp, maps_in_a_row_jvp; 4; in [-1.0, 1.0]),
        array_case!(windows_and_chunks_cut, windows_and_chunks_cut_grad, windows_and_chunks_cut_vjp,
            windows_and_chunks_cut_jvp; 7; in [-2.0, 2.0]),
        array_case!(zipped_with_chains, zipped_with_chains_grad, zipped_with_chains_vjp, zipped_with_chains_jvp; 4;
                    in [-2.0, 2.0]),
        array_case!(zipped_with_windows, zipped_with_windows_grad, zipped_with_windows_vjp, zipped_with_windows_jvp; 4;
                    in [-2.0, 2.0]),
        array_case!(tested_items, tested_items_grad, tested_items_vjp, tested_items_jvp; 4; in [-2.0, 2.0]),
        array_case!(tested_with_effects, tested_with_effects_grad, tested_with_effects_vjp, tested_with_effects_jvp; 4;
                    in [-2.0, 2.0]),
        array_case!(enumerated_then_cut, enumerated_then_cut_grad, enumerated_then_cut_vjp, enumerated_then_cut_jvp; 4;
                    in [-2.0, 2.0]),
        array_case!(collected_forms, collected_forms_grad, collected_forms_vjp, collected_forms_jvp; 4; in [-2.0, 2.0]),
        array_case!(collected_filtered, collected_filtered_grad, collected_filtered_vjp, collected_filtered_jvp; 4;
            in [-2.0, 2.0]; where |x| x.iter().all(|v| v.abs() > 1e-3)),
        array_case!(collected_inferred, collected_inferred_grad, collected_inferred_vjp, collected_inferred_jvp; 4;
            in [-2.0, 2.0]),
        array_case!(collected_shadowing, collected_shadowing_grad, collected_shadowing_vjp, collected_shadowing_jvp; 4;
            in [-2.0, 2.0]),
        array_case!(rows_of_a_table, rows_of_a_table_grad, rows_of_a_table_vjp, rows_of_a_table_jvp; 4;
            in [-2.0, 2.0]),
        array_case!(written_in_place, written_in_place_grad, written_in_place_vjp, written_in_place_jvp; 4;
            in [-2.0, 2.0]),
        array_case!(pushed_per_pass, pushed_per_pass_grad, pushed_per_pass_vjp, pushed_per_pass_jvp; 4;
            in [-2.0, 2.0]),
        array_case!(copied_per_pass, copied_per_pass_grad, copied_per_pass_vjp, copied_per_pass_jvp; 4;
            in [-2.0, 2.0]),
        array_case!(pushed_in_branches, pushed_in_branches_grad, pushed_in_branches_vjp, pushed_in_branches_jvp; 4;
            in [-2.0, 2.0]; where |x| x[0].abs() > 1e-3),
        array_case!(read_before_pushed, read_before_pushed_grad, read_before_pushed_vjp, read_before_pushed_jvp; 4;
            in [-2.0, 2.0]),
        array_case!(softmax_in_place, softmax_in_place_grad, softmax_in_place_vjp, softmax_in_place_jvp; 4;
            in [-2.0, 2.0]),
        array_case!(rows_and_adaptors_in_place, rows_and_adaptors_in_place_grad, rows_and_adaptors_in_place_vjp,
            rows_and_adaptors_in_place_jvp; 4; in [-2.0, 2.0]),
        array_case!(matched_on_three_parts, matched_on_three_parts_grad, matched_on_three_parts_vjp,
            matched_on_three_parts_jvp; 4; in [-2.0, 2.0]; where |x| x.iter().all(|v| v.abs() > 1e-3 && (v - 0.5).abs() > 1e-3)),
        array_case!(helpers_in_each_pass, helpers_in_each_pass_grad, helpers_in_each_pass_vjp, helpers_in_each_pass_jvp; 4;
            in [-2.0, 2.0]),
        array_case!(early_exits, early_exits_grad, early_exits_vjp, early_exits_jvp; 4;
            in [-2.0, 2.0]; where |x| x.iter().all(|v| (v + 1.0).abs() > 1e-3)),
        array_case!(spelled_empty, spelled_empty_grad, spelled_empty_vjp, spelled_empty_jvp; 4; in [-2.0, 2.0]),
        Case {
            name: "axpy_then_norm",
            domain: vec![(-1.0, 1.0); 4],
            f: axpy_then_norm_at,
            grad: axpy_then_norm_grad_at,
            vjp: axpy_then_norm_vjp_at,
            jvp: axpy_then_norm_jvp_at,
            valid: |_| true,
        },
        Case {
            name: "rows_passed_on",
            domain: vec![(-1.5, 1.5); 7],
            f: rows_passed_on_at,
            grad: rows_passed_on_grad_at,
            vjp: rows_passed_on_vjp_at,
            jvp: rows_passed_on_jvp_at,
            valid: |_| true,
        },
    ]
}

#[test]
fn iterator_rows_match_central_differences() {
    rows_match_numeric_gradient("corpus_iterators", cases());
}

#[test]
fn iterator_rows_jvp_is_the_transpose_of_vjp() {
    rows_jvp_is_the_transpose_of_vjp("corpus_iterators", cases());
}

#[test]
fn collected_rows_match_their_closed_forms() {
    let x = [0.5, -1.0, 1.5, 2.0];
    let mut d_x = [0.0; 4];
    let value = collected_maps_grad(&x, &mut d_x);
    let expected: f64 = x.iter().map(|v| v * v - v.sin()).sum();
    assert!(close(value, expected, 1e-12));
    for (d, v) in d_x.iter().zip(&x) {
        assert!(close(*d, 2.0 * v - v.cos(), 1e-12));
    }

    let mut d_x = [0.0; 4];
    let value = collected_shadowing_grad(&x, &mut d_x);
    assert!(close(value, x.iter().map(|v| 4.0 * v * v + 6.0 * v).sum(), 1e-12));
    for (d, v) in d_x.iter().zip(&x) {
        assert!(close(*d, 8.0 * v + 6.0, 1e-12));
    }
    let (direction, mut hv) = ([1.0, -2.0, 0.5, 3.0], [0.0; 4]);
    collected_shadowing_hvp(&x, &direction, &mut hv);
    assert_eq!(hv, direction.map(|d| 8.0 * d));

    let mut d_x = [0.0; 4];
    let value = collected_filtered_grad(&x, &mut d_x);
    // Kept: 0.5, 1.5, 2.0; the even positions 0 and 2.
    assert!(close(value, 3.0 * (0.25 + 2.25 + 4.0) + 0.5 + 1.5, 1e-12));
    assert_eq!(d_x, [6.0 * 0.5 + 1.0, 0.0, 6.0 * 1.5 + 1.0, 6.0 * 2.0]);
}

#[test]
fn an_output_written_through_iter_mut_follows_the_output_convention() {
    // y ← y + k·x: the adjoint of y's entry value is the adjoint of y (an
    // update in place), ∂k = Σ ȳᵢxᵢ, x̄ = k·ȳ.
    let (x, mut y) = ([1.0, 2.0, 3.0], [0.5, 0.5, 0.5]);
    let (mut d_x, mut d_y) = ([0.0; 3], [1.0, -1.0, 2.0]);
    let (dk,) = axpy_vjp(2.0, &x, &mut d_x, &mut y, &mut d_y);
    assert_eq!(y, [2.5, 4.5, 6.5]);
    assert_eq!(dk, 1.0 - 2.0 + 6.0);
    assert_eq!(d_x, [2.0, -2.0, 4.0]);
    assert_eq!(d_y, [1.0, -1.0, 2.0]);

    let mut y = [0.5, 0.5, 0.5];
    let mut dy = [0.0; 3];
    axpy_jvp(2.0, 1.0, &x, &[0.0, 1.0, 0.0], &mut y, &mut dy);
    assert_eq!(dy, [1.0, 2.0 + 2.0, 3.0]); // ẏ = k̇·x + k·ẋ
}

/// `Σ (xᵢ² − sin xᵢ)·yᵢ` over collected vectors and an `iter_mut` write:
/// second order goes through the same loops.
#[grad(reverse, hessian)]
fn collected_second_order(x: &[f64; 3]) -> f64 {
    let mut y: Vec<f64> = x.iter().map(|v| v * v - v.sin()).collect();
    for (o, v) in y.iter_mut().zip(x) {
        *o *= v;
    }
    y.iter().sum()
}

#[test]
fn second_order_through_collect_and_iter_mut_matches_the_closed_form() {
    // f = Σ xᵢ³ − xᵢ sin xᵢ, so H is diagonal: 6xᵢ − 2cos xᵢ + xᵢ sin xᵢ.
    let x = [0.5, -1.0, 1.5];
    let v = [1.0, -2.0, 0.5];
    let mut hv = [0.0; 3];
    let value = collected_second_order_hvp(&x, &v, &mut hv);
    assert!(close(value, x.iter().map(|t| t * t * t - t * t.sin()).sum(), 1e-12));
    for i in 0..3 {
        let h = 6.0 * x[i] - 2.0 * x[i].cos() + x[i] * x[i].sin();
        assert!(close(hv[i], h * v[i], 1e-12), "{i}: {} vs {}", hv[i], h * v[i]);
    }
}

#[test]
fn buffers_made_in_a_loop_body_have_the_hessian_of_their_closed_form() {
    // pushed_per_pass = x₀x₁ + 4x₁x₂ + 9x₂x₃: H is constant.
    let h = [[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 4.0, 0.0], [0.0, 4.0, 0.0, 9.0], [0.0, 0.0, 9.0, 0.0]];
    let (x, v) = ([0.7, -1.3, 0.4, 1.9], [0.3, -0.5, 0.8, 0.1]);
    let mut hv = [0.0; 4];
    let value = pushed_per_pass_hvp(&x, &v, &mut hv);
    assert!(close(value, x[0] * x[1] + 4.0 * x[1] * x[2] + 9.0 * x[2] * x[3], 1e-12));
    for i in 0..4 {
        let expected: f64 = (0..4).map(|j| h[i][j] * v[j]).sum();
        assert!(close(hv[i], expected, 1e-12), "pushed_per_pass {i}: {} vs {expected}", hv[i]);
    }
    // copied_per_pass = 2(x₀x₁)² + x₂x₃/2: H·v from p = x₀x₁.
    let mut hv = [0.0; 4];
    copied_per_pass_hvp(&x, &v, &mut hv);
    let p = x[0] * x[1];
    let expected = [
        4.0 * (x[1] * x[1] * v[0] + 2.0 * p * v[1]),
        4.0 * (2.0 * p * v[0] + x[0] * x[0] * v[1]),
        0.5 * v[3],
        0.5 * v[2],
    ];
    for i in 0..4 {
        assert!(close(hv[i], expected[i], 1e-12), "copied_per_pass {i}: {} vs {}", hv[i], expected[i]);
    }
}

#[test]
fn rows_passed_on_have_the_hessian_of_their_gradient() {
    for (x, v) in [([0.7, -1.3, 0.4, 1.9], [0.3, -0.5, 0.8, 0.1]), ([-1.1, 0.2, 1.5, -0.6], [1.0, 0.0, -1.0, 0.5])] {
        let mut hv = [0.0; 4];
        let value = rows_of_a_table_hvp(&x, &v, &mut hv);
        assert_eq!(value, rows_of_a_table(&x));
        let grad = |w: &[f64], g: &mut [f64]| {
            let mut d = [0.0; 4];
            let value = rows_of_a_table_grad(&<[f64; 4]>::try_from(w).unwrap(), &mut d);
            g.iter_mut().zip(d).for_each(|(g, d)| *g += d);
            value
        };
        let numeric = autodiff::numeric_hvp(grad, &x, &v);
        for i in 0..4 {
            assert!(close(hv[i], numeric[i], 1e-6), "{i}: {} vs {}", hv[i], numeric[i]);
        }
    }
}

#[test]
fn the_review_rows_have_the_hessian_of_their_gradient() {
    let direction = [0.3, -0.5, 0.7, 0.2];
    for (name, hvp, grad, _) in second_order_rows() {
        for x in REVIEW_POINTS {
            let mut hv = [0.0; 4];
            let value = hvp(&x, &direction, &mut hv);
            let mut d_x = [0.0; 4];
            assert_eq!(value, grad(&x, &mut d_x), "{name}: _hvp's value is _grad's");
            let differences = |w: &[f64], g: &mut [f64]| {
                let mut d = [0.0; 4];
                let value = grad(&<[f64; 4]>::try_from(w).unwrap(), &mut d);
                g.iter_mut().zip(d).for_each(|(g, d)| *g += d);
                value
            };
            let numeric = autodiff::numeric_hvp(differences, &x, &direction);
            for i in 0..4 {
                assert!(close(hv[i], numeric[i], 1e-6), "{name} at {x:?}, {i}: {} vs {}", hv[i], numeric[i]);
            }
        }
    }
}

#[test]
fn the_review_rows_draw_graphs_whose_adjoints_are_the_gradient() {
    for (name, _, grad, drawn) in second_order_rows() {
        for x in REVIEW_POINTS {
            let graph = drawn(&x);
            let mut d_x = [0.0; 4];
            let value = grad(&x, &mut d_x);
            assert_eq!(graph.node(graph.result().expect("a result")).value().as_scalar(), Some(value), "{name}");
            let x_node = graph.find("x").expect("a node for x");
            assert_eq!(graph.node(x_node).adjoint(), Some(&autodiff::Value::Array(d_x.to_vec())), "{name} at {x:?}");
            assert!(graph.to_dot().starts_with("digraph"), "{name}");
        }
    }
}

#[test]
fn cut_windows_and_chunks_have_their_second_derivative() {
    let grad = |x: &[f64]| {
        let mut d = [0.0; 7];
        windows_and_chunks_cut_grad(&x.try_into().unwrap(), &mut d);
        d.to_vec()
    };
    let hvp = |x: &[f64], v: &[f64]| {
        let mut hv = [0.0; 7];
        windows_and_chunks_cut_hvp(&x.try_into().unwrap(), &v.try_into().unwrap(), &mut hv);
        hv.to_vec()
    };
    let (x, v) = ([0.5, -1.0, 1.5, 2.0, -0.25, 0.75, 1.25], [1.0, -2.0, 0.5, 3.0, 0.0, -1.0, 2.0]);
    common::rows::check_hvp(grad, hvp, &x, &v);
    // The value is the function's.
    let mut d = [0.0; 7];
    let value = windows_and_chunks_cut_grad(&x, &mut d);
    assert!(close(value, windows_and_chunks_cut(&x), 1e-15));
}

#[test]
fn maps_in_a_row_have_their_second_derivative() {
    let grad = |x: &[f64]| {
        let mut d = [0.0; 4];
        maps_in_a_row_grad(&x.try_into().unwrap(), &mut d);
        d.to_vec()
    };
    let hvp = |x: &[f64], v: &[f64]| {
        let mut hv = [0.0; 4];
        maps_in_a_row_hvp(&x.try_into().unwrap(), &v.try_into().unwrap(), &mut hv);
        hv.to_vec()
    };
    common::rows::check_hvp(grad, hvp, &[0.5, -0.25, 0.75, 0.1], &[1.0, -2.0, 0.5, 3.0]);
}
