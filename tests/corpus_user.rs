//! Programs written the way a Rust user writes them (issue 8): the array a
//! `#[grad]` helper returns bound without its type and passed on, returned
//! or copied; a local struct built by a literal, its fields lent to calls. Each row is checked against central differences at random
//! points (the harness of `tests/corpus_regressions.rs`), its `NAME_vjp`
//! against `NAME_grad`, and its `NAME_jvp` against `NAME_vjp` by the
//! dot-product test.

// The rows keep the forms people write.
#![allow(clippy::needless_range_loop, clippy::let_and_return)]

#[macro_use]
mod common;

use autodiff::grad;
use common::rows::{rows_jvp_is_the_transpose_of_vjp, rows_match_numeric_gradient, Case};

// ---------------------------------------------------------------------------
// 1. The array a helper returns, bound without its type.
// ---------------------------------------------------------------------------

/// A damped oscillator's derivative.
#[grad(forward, reverse)]
fn deriv(s: [f64; 2], k: f64) -> [f64; 2] {
    [s[1], -k * s[0] - 0.1 * s[1]]
}

/// The oscillator's energy.
#[grad(forward, reverse)]
fn energy(s: [f64; 2]) -> f64 {
    0.5 * s[0] * s[0] + 0.5 * s[1] * s[1]
}

/// The derivative of the derivative: the first result is passed on
/// without being indexed (the same callee's result is an array below).
#[grad(forward, reverse)]
fn passed_on(x: &[f64; 3]) -> f64 {
    let a = deriv([x[0], x[1]], x[2]);
    let b = deriv(a, x[2]);
    b[0] * b[1] + b[0]
}

/// Passed on to another function, which takes an array where another call
/// gives it one.
#[grad(forward, reverse)]
fn passed_to_another(x: &[f64; 3]) -> f64 {
    let a = deriv([x[0], x[1]], x[2]);
    energy([x[1], x[0]]) + energy(a)
}

/// Returned as the helper's own result.
#[grad(forward, reverse)]
fn second_derivative(s: [f64; 2], k: f64) -> [f64; 2] {
    let a = deriv(s, k);
    let b = deriv(a, k);
    b
}

/// The array a helper returns, bound without its type and iterated (stop
/// 17: refused, asking for the type): by `iter()`, zipped with itself cut,
/// and in a `for` loop.
#[grad(forward, reverse)]
fn iterated(x: &[f64; 3]) -> f64 {
    let s = deriv([x[0], x[1]], x[2]);
    let squares: f64 = s.iter().map(|v| v * v).sum();
    let mut cross = 0.0;
    for (a, b) in s.iter().zip(s.iter().skip(1)) {
        cross += a * b.sin();
    }
    squares + cross * x[2]
}

/// `second_derivative`'s result, indexed.
#[grad(forward, reverse)]
fn returned(x: &[f64; 3]) -> f64 {
    let r = second_derivative([x[0], x[1]], x[2]);
    r[0] * r[1]
}

/// Copied into another array, by `let` and by assignment.
#[grad(forward, reverse)]
fn copied(x: &[f64; 3]) -> f64 {
    let a = deriv([x[0], x[1]], x[2]);
    let k = a;
    let mut c = [x[1], x[0]];
    let before = c[0] * c[1];
    c = a;
    before + c[0] * k[1]
}

/// Used element by element in an Euler step.
#[grad(forward, reverse)]
fn euler_step(x: &[f64; 3]) -> f64 {
    let s = [x[0], x[1]];
    let d = deriv(s, x[2]);
    let mut next = [0.0; 2];
    for i in 0..2 {
        next[i] = s[i] + 0.1 * d[i];
    }
    let e = deriv(next, x[2]);
    next[0] * e[1] + d[0] * d[1]
}

/// Squares the first coordinate: a helper whose only arguments are arrays.
#[grad(forward, reverse)]
fn square_first(s: [f64; 2]) -> [f64; 2] {
    [s[0] * s[0], s[1]]
}

/// The result of a call whose arguments are all arrays, indexed: it was
/// taken for a constant once (no float argument), and its derivative lost.
#[grad(forward, reverse)]
fn array_arguments_only(x: &[f64; 2]) -> f64 {
    let a = square_first([x[0], 1.0]);
    let b = square_first([1.0, x[1]]);
    a[0] * a[1] + b[1] * b[0]
}

// ---------------------------------------------------------------------------
// 2. A local struct built by a literal, its fields read, assigned and lent.
// ---------------------------------------------------------------------------

/// An LSTM-like state: arrays and a vector.
struct State {
    h: [f64; 2],
    c: Vec<f64>,
    scale: f64,
}

/// A pair of states, nested.
struct Pair {
    a: State,
    weight: f64,
}

/// A cell that writes the hidden state.
#[grad(forward, reverse)]
fn cell(x: &[f64], h: &mut [f64; 2]) {
    h[0] = (x[0] * x[1]).tanh();
    h[1] = x[0].sin() + x[1];
}

/// A cell that writes a vector.
#[grad(forward, reverse)]
fn accumulate(h: &[f64; 2], c: &mut [f64]) {
    for i in 0..c.len() {
        c[i] = c[i] * 0.5 + h[i % 2] * h[i % 2];
    }
}

/// The state built once, its fields lent to the cells, read and assigned.
#[grad(forward, reverse)]
fn struct_state(x: &[f64; 3]) -> f64 {
    let mut st = State { h: [0.0; 2], c: vec![x[2]; 3], scale: x[0] * 2.0 };
    cell(&x[..2], &mut st.h);
    accumulate(&st.h, &mut st.c);
    st.scale = st.scale * x[1] + st.h[1];
    let total: f64 = st.c.iter().sum();
    total * st.scale + st.h[0]
}

/// A struct inside a struct, its fields reached through both.
#[grad(forward, reverse)]
fn nested_struct(x: &[f64; 3]) -> f64 {
    let mut pair = Pair { a: State { h: [x[0], x[1]], c: vec![0.0; 2], scale: x[2] }, weight: x[0] * x[1] };
    accumulate(&pair.a.h, &mut pair.a.c);
    pair.weight += pair.a.c[1] * pair.a.scale;
    pair.weight * pair.a.h[0] + pair.a.c[0]
}

/// A tuple struct (issue 8 review: `Point(a, b)` was taken for a call of a
/// function named `Point`).
struct Point(f64, f64);

/// A tuple struct holding a buffer that is lent to a call.
struct Hidden([f64; 2], f64);

/// A tuple struct's literal bound by `let`, its fields read and assigned.
#[grad(forward, reverse, hessian, graph)]
fn tuple_struct(x: &[f64; 3]) -> f64 {
    let mut p = Point(x[0] * x[1], x[2]);
    p.1 += p.0.sin();
    p.0 * p.1 + p.1 * x[0]
}

/// A field of a tuple struct lent to a call that writes it.
#[grad(forward, reverse)]
fn tuple_struct_lent(x: &[f64; 3]) -> f64 {
    let mut hs = Hidden([0.0; 2], x[2] * 2.0);
    cell(&x[..2], &mut hs.0);
    hs.1 += hs.0[0];
    hs.0[1] * hs.1
}

/// A model's settings, made by a plain function.
struct Settings {
    rate: f64,
    offset: [f64; 2],
}

fn settings(k: f64) -> Settings {
    Settings { rate: k, offset: [k, 1.0 - k] }
}

/// Reads its settings, a constant (`wrt` leaves them out).
#[grad(forward, reverse, hessian, wrt(x))]
fn settled(s: &Settings, x: &[f64]) -> f64 {
    s.rate * (x[0] - s.offset[0]).powi(2) + (x[1] * x[2] - s.offset[1]).sin()
}

/// Structs a plain function made from constants, lent to a #[grad] callee,
/// their type written or not (issue 8 review: `&cfg` was refused, and a
/// field of an untyped one was read as a field of a float).
#[grad(forward, reverse, hessian, graph)]
fn constant_settings(x: &[f64; 3]) -> f64 {
    let s: Settings = settings(0.75);
    let untyped = settings(0.25);
    let bias = untyped.rate;
    settled(&s, x) + settled(&untyped, x) * bias + s.offset[1] * x[0]
}

/// Destructuring assignments (review, stop 17: refused), as a state
/// update is written: every value is read before any target is written.
#[grad(forward, reverse)]
fn destructuring_assignments(x: &[f64; 3]) -> f64 {
    let (mut a, mut b) = (x[0], x[1]);
    let mut p = [x[2], x[0] * x[1]];
    for _ in 0..3 {
        (a, b) = (b, a + b * x[2]);
        [p[0], p[1]] = [p[1], p[0] * 0.5 + a];
    }
    let mut c = 0.0;
    (c, _) = split(a * p[1] + c);
    c += b;
    (a, _, p[0]) = (c, 1.0, a * c);
    a * p[0] + p[1]
}

#[grad(forward, reverse)]
fn split(v: f64) -> (f64, f64) {
    (v.sin(), v.cos())
}

fn cases() -> Vec<Case> {
    vec![
        array_case!(destructuring_assignments, destructuring_assignments_grad, destructuring_assignments_vjp,
                    destructuring_assignments_jvp; 3; in [-1.5, 1.5]),
        array_case!(passed_on, passed_on_grad, passed_on_vjp, passed_on_jvp; 3; in [-1.5, 1.5]),
        array_case!(iterated, iterated_grad, iterated_vjp, iterated_jvp; 3; in [-1.5, 1.5]),
        array_case!(passed_to_another, passed_to_another_grad, passed_to_another_vjp, passed_to_another_jvp; 3; in [-1.5, 1.5]),
        array_case!(returned, returned_grad, returned_vjp, returned_jvp; 3; in [-1.5, 1.5]),
        array_case!(copied, copied_grad, copied_vjp, copied_jvp; 3; in [-1.5, 1.5]),
        array_case!(array_arguments_only, array_arguments_only_grad, array_arguments_only_vjp, array_arguments_only_jvp; 2; in [-1.5, 1.5]),
        array_case!(struct_state, struct_state_grad, struct_state_vjp, struct_state_jvp; 3; in [-1.5, 1.5]),
        array_case!(nested_struct, nested_struct_grad, nested_struct_vjp, nested_struct_jvp; 3; in [-1.5, 1.5]),
        array_case!(euler_step, euler_step_grad, euler_step_vjp, euler_step_jvp; 3; in [-1.5, 1.5]),
        array_case!(tuple_struct, tuple_struct_grad, tuple_struct_vjp, tuple_struct_jvp; 3; in [-1.5, 1.5]),
        array_case!(tuple_struct_lent, tuple_struct_lent_grad, tuple_struct_lent_vjp, tuple_struct_lent_jvp; 3; in [-1.5, 1.5]),
        array_case!(constant_settings, constant_settings_grad, constant_settings_vjp, constant_settings_jvp; 3; in [-1.5, 1.5]),
    ]
}

/// Every row: `NAME_grad` matches central differences at 96 random points,
/// its value is the function's, and `NAME_vjp(.., s)` is `s × NAME_grad`.
#[test]
fn user_rows_match_numeric_gradient() {
    rows_match_numeric_gradient("user row(s)", cases());
}

/// Every row: `NAME_jvp` is the transpose of `NAME_vjp`.
#[test]
fn jvp_is_the_transpose_of_vjp() {
    rows_jvp_is_the_transpose_of_vjp("user row(s)", cases());
}

/// `second_derivative`'s own `vjp` takes one seed per output: with seed
/// `e₀`, the partials of `b₀ = -k·s₀ - 0.1·s₁` (b = f(f(s)), f(s) = (s₁, -k s₀ - 0.1 s₁)).
#[test]
fn a_returned_untyped_result_has_the_closed_form_partials() {
    let (s, k) = ([0.5, -1.0], 2.0);
    let (value, d_s, d_k) = second_derivative_vjp(s, k, [1.0, 0.0]);
    assert_eq!(value, deriv(deriv(s, k), k));
    assert_eq!(d_s, [-k, -0.1]);
    assert_eq!(d_k, -s[0]);
}

/// `x₀² + x₁`: the derivative through a call of array arguments only.
#[test]
fn a_call_of_array_arguments_only_is_differentiated() {
    let mut d_x = [0.0; 2];
    let value = array_arguments_only_grad(&[3.0, 2.0], &mut d_x);
    assert_eq!(value, 11.0);
    assert_eq!(d_x, [6.0, 1.0]);
}

/// `nested_struct` at a point, by hand: c = (x₀², x₁²), w = x₀x₁ + x₁²x₂,
/// f = w·x₀ + x₀², so ∂f/∂x = (2x₀x₁ + x₁²x₂ + 2x₀, x₀² + 2x₀x₁x₂, x₀x₁²).
#[test]
fn a_nested_struct_has_the_closed_form_gradient() {
    let x = [1.5, -0.5, 2.0];
    let mut d_x = [0.0; 3];
    let value = nested_struct_grad(&x, &mut d_x);
    let (a, b, c) = (x[0], x[1], x[2]);
    assert_eq!(value, nested_struct(&x));
    let expected = [2.0 * a * b + b * b * c + 2.0 * a, a * a + 2.0 * a * b * c, a * b * b];
    for (got, want) in d_x.iter().zip(expected) {
        assert!((got - want).abs() < 1e-12, "{d_x:?} vs {expected:?}");
    }
}

/// A function of one array with `NAME_grad`, `NAME_hvp` and `NAME_graph`.
struct SecondOrderRow {
    f: fn(&[f64; 3]) -> f64,
    grad: fn(&[f64; 3], &mut [f64; 3]) -> f64,
    hvp: fn(&[f64; 3], &[f64; 3], &mut [f64; 3]) -> f64,
    graph: fn(&[f64; 3]) -> autodiff::Graph,
}

/// `hvp` against central differences of `grad` along `v`, and the graph's
/// value and the adjoint of its input against `f` and `grad`.
fn check_second_order_and_graph(row: &SecondOrderRow) {
    let (x, v) = ([0.3, -0.7, 1.1], [0.5, 1.0, -0.25]);
    let mut hv = [0.0; 3];
    let value = (row.hvp)(&x, &v, &mut hv);
    assert_eq!(value, (row.f)(&x));
    let gradient = |t: f64| {
        let moved = [x[0] + t * v[0], x[1] + t * v[1], x[2] + t * v[2]];
        let mut d = [0.0; 3];
        (row.grad)(&moved, &mut d);
        d
    };
    let h = 1e-5;
    let (plus, minus) = (gradient(h), gradient(-h));
    for i in 0..3 {
        let numeric = (plus[i] - minus[i]) / (2.0 * h);
        assert!((hv[i] - numeric).abs() < 1e-6 * (1.0 + numeric.abs()), "(H·v){i} = {}, numeric {numeric}", hv[i]);
    }
    let mut d = [0.0; 3];
    (row.grad)(&x, &mut d);
    let graph = (row.graph)(&x);
    let input = graph.node(common::graph::node(&graph, "x"));
    assert_eq!(input.adjoint().and_then(autodiff::Value::as_array), Some(&d[..]));
    assert_eq!(graph.node(graph.result().expect("a result")).value().as_scalar(), Some((row.f)(&x)));
}

#[test]
fn tuple_struct_second_order_and_graph() {
    check_second_order_and_graph(&SecondOrderRow {
        f: tuple_struct,
        grad: tuple_struct_grad,
        hvp: tuple_struct_hvp,
        graph: tuple_struct_graph,
    });
}

#[test]
fn constant_struct_second_order_and_graph() {
    check_second_order_and_graph(&SecondOrderRow {
        f: constant_settings,
        grad: constant_settings_grad,
        hvp: constant_settings_hvp,
        graph: constant_settings_graph,
    });
}
