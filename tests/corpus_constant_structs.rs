//! Structs passed whole to `#[grad]` callees, whatever each side
//! differentiates. Between `#[grad]` functions every struct parameter
//! (`m: &Model`, `s: &Spring`) has the slots of a model, whether the callee
//! differentiates it or leaves it out of `wrt(..)`; a caller that does not
//! differentiate the struct fills them with `guards::slot`, a zero model or
//! `guards::NoShadow` as the callee's parameter says. Before, a model left
//! out of the caller's `wrt(..)` and passed to a callee that differentiates
//! it (the gradient of a fixed model's output with respect to its input)
//! failed to compile (E0061, a missing shadow).
//!
//! Every form a struct is lent in gets its slots: the parameter itself,
//! `&s`, a rename (`let t = s;`), a closure's parameter, a `const` or
//! `static` struct (`&SPRING`), and a callee with a custom `vjp` (a review
//! found each failing to compile, E0061, once callees had the slots).
//!
//! So does a part of a struct left out: a model field (`&n.lin`), an
//! element of a vector of models (`&n.layers[1]`), and each model of a
//! loop over one (`for layer in &n.layers`), whether the callee
//! differentiates it or not (a zero model or `NoShadow`, `guards::lent_zero`).
//!
//! Each row is checked against central differences at random points, its
//! `NAME_vjp` against `NAME_grad`, its `NAME_jvp` against `NAME_vjp` by the
//! dot-product test, and `NAME_hvp` against central differences of the
//! gradient; closed forms check the constants get nothing.

// `&s` of `s: &Spring` is one of the forms under test.
#![allow(clippy::needless_borrow)]

#[macro_use]
mod common;

use autodiff::prelude::*;
use common::close;
use common::rows::{along, check_hvp, rows_jvp_is_the_transpose_of_vjp, rows_match_numeric_gradient, Case};

/// A model: differentiated by `predict`, a constant for its callers here.
#[derive(Params, Clone)]
struct Lin {
    w: [f64; 2],
    b: f64,
}

/// Constants, no model.
struct Spring {
    k: f64,
    turns: usize,
}

fn lin() -> Lin {
    Lin { w: [0.75, -1.25], b: 0.5 }
}

fn spring() -> Spring {
    Spring { k: 1.5, turns: 3 }
}

/// Differentiates the model and the input.
#[grad(forward, reverse, hessian)]
fn predict(m: &Lin, x: f64, y: f64) -> f64 {
    (m.w[0] * x + m.w[1] * y + m.b).tanh()
}

/// Leaves the model out.
#[grad(forward, reverse, hessian, wrt(x))]
fn shifted(m: &Lin, x: f64) -> f64 {
    (x - m.b).powi(2) * m.w[0]
}

/// Leaves the struct of constants out (it is no model).
#[grad(forward, reverse, hessian, wrt(x))]
fn stretch(s: &Spring, x: f64) -> f64 {
    0.5 * s.k * (s.turns as f64) * x * x
}

/// The gradient of a fixed model's output with respect to its input.
#[grad(forward, reverse, hessian, graph, wrt(x, y))]
fn saliency(m: &Lin, x: f64, y: f64) -> f64 {
    predict(m, x, y) * x + shifted(m, y)
}

/// Two structs left out, passed to callees that differentiate them or not.
#[grad(forward, reverse, hessian, graph, wrt(x))]
fn spring_and_model(s: &Spring, m: &Lin, x: f64) -> f64 {
    stretch(s, x) + predict(m, x, 0.5 * x) * shifted(m, x)
}

/// A model made by a plain function, lent by `&`.
#[grad(forward, reverse, hessian, graph)]
fn local_model(x: f64, y: f64) -> f64 {
    let m: Lin = lin();
    let s: Spring = spring();
    predict(&m, x, y) + stretch(&s, y) * shifted(&m, x)
}

/// A caller that differentiates the model, through one that does not.
#[grad(forward, reverse, hessian, wrt(m, x))]
fn through_a_fixed_model(m: &Lin, fixed: &Lin, x: f64) -> f64 {
    saliency(fixed, x, m.b) + predict(m, x, x)
}

const STIFF: Spring = Spring { k: 2.5, turns: 2 };
static SOFT: Spring = Spring { k: 0.5, turns: 4 };

/// Two structs, both left out.
#[grad(forward, reverse, hessian, wrt(x))]
fn two_springs(s: &Spring, t: &Spring, x: f64) -> f64 {
    s.k * x + t.k * (t.turns as f64) * x * x
}

fn custom_sine_vjp(s: &Spring, x: f64, seed: f64) -> (f64, f64) {
    (s.k * x.sin(), seed * s.k * x.cos())
}

/// A custom derivative, leaving its struct out.
#[grad(vjp = custom_sine_vjp, wrt(x))]
fn custom_sine(s: &Spring, x: f64) -> f64 {
    s.k * x.sin()
}

/// The forms a struct left out is lent in.
#[grad(forward, reverse, hessian, wrt(x))]
fn lent_every_way(s: &Spring, x: f64) -> f64 {
    let t = s;
    let f = |sp: &Spring, v: f64| stretch(sp, v);
    stretch(&s, x) + two_springs(&s, t, x) + f(s, 0.5 * x) + stretch(&STIFF, x) * two_springs(&SOFT, &STIFF, x)
}

#[grad(wrt(x))]
fn through_a_custom_derivative(s: &Spring, x: f64) -> f64 {
    custom_sine(s, x) * x
}

#[derive(Params, Clone)]
struct Layer {
    w: Vec<f64>,
    b: f64,
}

/// Constants holding models.
struct Net {
    lin: Lin,
    layers: Vec<Layer>,
    table: Vec<f64>,
}

fn net() -> Net {
    Net {
        lin: Lin { w: [0.5, 1.0], b: 0.25 },
        layers: vec![Layer { w: vec![1.5], b: -0.5 }, Layer { w: vec![-0.5], b: 0.75 }],
        table: vec![2.0, -1.0],
    }
}

#[grad(forward, reverse, hessian)]
fn layer_score(l: &Layer, x: f64) -> f64 {
    (l.w[0] * x + l.b).tanh()
}

#[grad(forward, reverse, hessian, wrt(x))]
fn layer_wave(l: &Layer, x: f64) -> f64 {
    (l.w[0] * x + l.b).sin()
}

#[grad(forward, reverse, hessian)]
fn quadratic(w: &[f64], x: f64) -> f64 {
    w[0] * x + w[1] * x * x
}

/// Parts of a struct left out, lent to callees that differentiate them or not.
#[grad(forward, reverse, hessian, graph, wrt(x))]
fn parts_lent(n: &Net, x: f64) -> f64 {
    shifted(&n.lin, x)
        + predict(&n.lin, x, 0.5)
        + layer_wave(&n.layers[1], x)
        + layer_score(&n.layers[0], x)
        + quadratic(&n.table, x)
}

/// Each model of a vector in a struct left out, lent by the loop.
#[grad(forward, reverse, hessian, graph, wrt(x))]
fn models_of_a_constant_lent_in_a_loop(n: &Net, x: f64) -> f64 {
    let mut s = 0.0;
    for layer in &n.layers {
        s += layer_score(layer, x) + layer_wave(layer, 0.5 * x);
    }
    for (i, layer) in n.layers.iter().enumerate() {
        s += layer_score(layer, x) * (i as f64 + 1.0);
    }
    s
}

/// Lent in a branch: the forward sweep's zero for it was declared at the
/// top of the function, reading the loop's index (E0425), in `_jvp` and
/// then in `_hvp`, whose reverse sweep makes its own.
#[grad(forward, reverse, hessian, wrt(x))]
fn models_of_a_constant_lent_in_a_branch(n: &Net, x: f64) -> f64 {
    let mut s = 0.0;
    for layer in n.layers.iter() {
        if x > 0.0 {
            s += layer_score(layer, x);
        }
    }
    for i in 0..2 {
        if x < 1.0 {
            s += layer_wave(&n.layers[i], x) + quadratic(&n.table, x);
        }
    }
    s
}

fn cases() -> Vec<Case> {
    vec![
        case!(saliency, saliency_grad, saliency_vjp, saliency_jvp;
              (&lin(), x, y) [&lin(), x, along(0), y, along(1)]; x in [-1.5, 1.5], y in [-1.5, 1.5]),
        case!(spring_and_model, spring_and_model_grad, spring_and_model_vjp, spring_and_model_jvp;
              (&spring(), &lin(), x) [&spring(), &lin(), x, along(0)]; x in [-1.5, 1.5]),
        case!(local_model, local_model_grad, local_model_vjp, local_model_jvp;
              (x, y) [x, along(0), y, along(1)]; x in [-1.5, 1.5], y in [-1.5, 1.5]),
        case!(lent_every_way, lent_every_way_grad, lent_every_way_vjp, lent_every_way_jvp;
              (&spring(), x) [&spring(), x, along(0)]; x in [-1.5, 1.5]),
        case!(parts_lent, parts_lent_grad, parts_lent_vjp, parts_lent_jvp;
              (&net(), x) [&net(), x, along(0)]; x in [-1.5, 1.5]),
        case!(models_of_a_constant_lent_in_a_branch, models_of_a_constant_lent_in_a_branch_grad,
              models_of_a_constant_lent_in_a_branch_vjp, models_of_a_constant_lent_in_a_branch_jvp;
              (&net(), x) [&net(), x, along(0)]; x in [-1.5, 1.5]),
        case!(models_of_a_constant_lent_in_a_loop, models_of_a_constant_lent_in_a_loop_grad,
              models_of_a_constant_lent_in_a_loop_vjp, models_of_a_constant_lent_in_a_loop_jvp;
              (&net(), x) [&net(), x, along(0)]; x in [-1.5, 1.5]),
    ]
}

#[test]
fn structs_passed_whole_match_numeric_gradient() {
    rows_match_numeric_gradient("struct row(s)", cases());
}

#[test]
fn structs_passed_whole_jvp_is_the_transpose_of_vjp() {
    rows_jvp_is_the_transpose_of_vjp("struct row(s)", cases());
}

#[test]
fn structs_passed_whole_second_order_matches_differences_of_the_gradient() {
    let (m, s) = (lin(), spring());
    for (x, y, vx, vy) in [(0.3, -0.7, 0.5, 1.0), (1.2, 0.4, -0.8, 0.3), (-1.4, 1.1, 1.0, -1.0)] {
        check_hvp(
            |p| {
                let (_, dx, dy) = saliency_grad(&m, p[0], p[1]);
                vec![dx, dy]
            },
            |p, v| {
                let (_, hx, hy) = saliency_hvp(&m, p[0], v[0], p[1], v[1]);
                vec![hx, hy]
            },
            &[x, y],
            &[vx, vy],
        );
        let n = net();
        check_hvp(|p| vec![parts_lent_grad(&n, p[0]).1], |p, v| vec![parts_lent_hvp(&n, p[0], v[0]).1], &[x], &[vx]);
        check_hvp(
            |p| vec![models_of_a_constant_lent_in_a_loop_grad(&n, p[0]).1],
            |p, v| vec![models_of_a_constant_lent_in_a_loop_hvp(&n, p[0], v[0]).1],
            &[x],
            &[vx],
        );
        check_hvp(
            |p| vec![models_of_a_constant_lent_in_a_branch_grad(&n, p[0]).1],
            |p, v| vec![models_of_a_constant_lent_in_a_branch_hvp(&n, p[0], v[0]).1],
            &[x],
            &[vx],
        );
        check_hvp(
            |p| vec![lent_every_way_grad(&s, p[0]).1],
            |p, v| vec![lent_every_way_hvp(&s, p[0], v[0]).1],
            &[x],
            &[vx],
        );
        check_hvp(
            |p| vec![spring_and_model_grad(&s, &m, p[0]).1],
            |p, v| vec![spring_and_model_hvp(&s, &m, p[0], v[0]).1],
            &[x],
            &[vx],
        );
        check_hvp(
            |p| {
                let (_, dx, dy) = local_model_grad(p[0], p[1]);
                vec![dx, dy]
            },
            |p, v| {
                let (_, hx, hy) = local_model_hvp(p[0], v[0], p[1], v[1]);
                vec![hx, hy]
            },
            &[x, y],
            &[vx, vy],
        );
    }
}

/// The model a caller differentiates gets its own partials, and nothing of
/// the fixed model's: `through_a_fixed_model`'s `∂/∂m` is `predict`'s.
#[test]
fn a_differentiated_model_gets_its_partials_alone() {
    let (m, x) = (Lin { w: [0.5, 0.25], b: -0.75 }, 0.6);
    let mut d_m = Lin { w: [0.0; 2], b: 0.0 };
    let fixed = lin();
    let (value, dx) = through_a_fixed_model_grad(&m, &mut d_m, &fixed, x);
    // saliency(lin, x, b) = tanh(0.75x - 1.25b + 0.5)·x + (b - 0.5)²·0.75.
    let u = fixed.w[0] * x + fixed.w[1] * m.b + fixed.b;
    let z = m.w[0] * x + m.w[1] * x + m.b;
    let expected = u.tanh() * x + (m.b - fixed.b).powi(2) * fixed.w[0] + z.tanh();
    assert!(close(value, expected, 1e-14), "{value} vs {expected}");
    let sech2 = |t: f64| 1.0 - t.tanh().powi(2);
    let dx_expected = sech2(u) * fixed.w[0] * x + u.tanh() + sech2(z) * (m.w[0] + m.w[1]);
    assert!(close(dx, dx_expected, 1e-13), "{dx} vs {dx_expected}");
    // ∂/∂w₀ = sech²(z)·x, ∂/∂w₁ = sech²(z)·x, and b reaches both terms.
    assert!(close(d_m.w[0], sech2(z) * x, 1e-14));
    assert!(close(d_m.w[1], sech2(z) * x, 1e-14));
    let db = sech2(u) * fixed.w[1] * x + 2.0 * (m.b - fixed.b) * fixed.w[0] + sech2(z);
    assert!(close(d_m.b, db, 1e-13), "{} vs {db}", d_m.b);
    let (_, tangent) = through_a_fixed_model_jvp(&m, &Lin { w: [0.0; 2], b: 0.0 }, &fixed, x, 1.0);
    assert!(close(tangent, dx, 1e-13));
}

/// The graph of a function passing a fixed model on: each call is a node.
#[test]
fn the_graph_draws_the_calls() {
    let dot = spring_and_model_graph(&spring(), &lin(), 0.4).to_dot();
    assert!(dot.contains("predict") && dot.contains("stretch"), "{dot}");
    let dot = models_of_a_constant_lent_in_a_loop_graph(&net(), 0.4).to_dot();
    assert!(dot.contains("layer_score") && dot.contains("layer_wave"), "{dot}");
}

/// `k·sin(x)·x` through the custom derivative: `∂x = k(cos(x)·x + sin(x))`.
#[test]
fn a_custom_derivative_leaving_a_struct_out_is_called_with_its_slots() {
    let s = spring();
    for x in [-1.2, 0.4, 0.9] {
        let (value, dx) = through_a_custom_derivative_grad(&s, x);
        assert!(close(value, s.k * x.sin() * x, 1e-15));
        assert!(close(dx, s.k * (x.cos() * x + x.sin()), 1e-14));
    }
}
