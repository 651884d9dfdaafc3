//! Second order through vector-valued helpers (issue 8, item 1): the
//! `NAME_hvp` of functions that call `#[grad(hessian)]` functions returning
//! several floats (`[F; N]`, a tuple; typed or untyped `let`) and functions
//! writing `&mut` outputs (into a local buffer, a range of one, the
//! caller's own output passed on, in a loop). Each row is a function of one
//! array `&[f64; N]`, checked at random points and directions: `NAME_hvp`
//! against central differences of `NAME_grad` along the direction (its
//! product buffer pre-filled, so `H·v` must be *added*), and its value
//! against the function's.

#![allow(clippy::needless_range_loop)]

mod common;

use autodiff::{grad, numeric_hvp, Float, Params};
use common::{check_every_case, close, directions, points_in, same};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------
// Callees that return several floats.
// ---------------------------------------------------------------------------

/// A nonlinear oscillator `s' = (s₁, −k·sin s₀ − 0.1·s₁·s₀²)`.
#[grad(reverse, hessian)]
fn pendulum(s: &[f64; 2], k: f64) -> [f64; 2] {
    [s[1], -k * s[0].sin() - 0.1 * s[1] * s[0] * s[0]]
}

/// Two results of two scalars, with an early `return`.
#[grad(reverse, hessian)]
fn polar(r: f64, theta: f64) -> (f64, f64) {
    if r < 0.0 {
        return (r * theta, theta.exp());
    }
    (r * theta.cos(), r * theta.sin())
}

// ---------------------------------------------------------------------------
// Callers of them.
// ---------------------------------------------------------------------------

/// One RK4 step of the pendulum: four typed calls, each on a local state.
#[grad(reverse, hessian)]
fn rk4_step(s: &[f64; 2], k: f64, h: f64) -> [f64; 2] {
    let k1: [f64; 2] = pendulum(s, k);
    let s2 = [s[0] + 0.5 * h * k1[0], s[1] + 0.5 * h * k1[1]];
    let k2: [f64; 2] = pendulum(&s2, k);
    let s3 = [s[0] + 0.5 * h * k2[0], s[1] + 0.5 * h * k2[1]];
    let k3: [f64; 2] = pendulum(&s3, k);
    let s4 = [s[0] + h * k3[0], s[1] + h * k3[1]];
    let k4: [f64; 2] = pendulum(&s4, k);
    [
        s[0] + h / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0]),
        s[1] + h / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1]),
    ]
}

/// The squared miss of three RK4 steps from `(w₀, w₁)` with stiffness `w₂`:
/// a call of an array function that itself calls one, in a loop.
#[grad(reverse, hessian)]
fn rk4_miss(w: &[f64; 3]) -> f64 {
    let mut s = [w[0], w[1]];
    for _ in 0..3 {
        s = rk4_step(&s, w[2], 0.2);
    }
    let (a, b) = (s[0] - 0.3, s[1] + 0.1);
    a * a + b * b
}

/// An untyped `let k = f(..)`, indexed.
#[grad(reverse, hessian)]
fn untyped_array(w: &[f64; 3]) -> f64 {
    let s = [w[0] * w[1], w[2]];
    let k = pendulum(&s, w[0]);
    k[0] * k[1] + k[1].exp()
}

/// `let (a, b) = polar(..)`: at the top, in a loop (one name ignored), and
/// of constants.
#[grad(reverse, hessian)]
fn tuple_row(w: &[f64; 2]) -> f64 {
    let (a, b) = polar(w[0], w[1]);
    let mut s = a * b;
    for i in 0..2 {
        let (c, _) = polar(w[1] + i as f64, s);
        s += c * c;
    }
    let (p, q) = polar(1.0, 2.0);
    s * p + q
}

// ---------------------------------------------------------------------------
// Callees that write `&mut` outputs.
// ---------------------------------------------------------------------------

/// Overwrites its output: `out = (a·x₀², x₀·x₁, sin x₁)`.
#[grad(reverse, hessian)]
fn features(a: f64, x: &[f64], out: &mut [f64]) {
    out[0] = a * x[0] * x[0];
    out[1] = x[0] * x[1];
    out[2] = x[1].sin();
}

/// Updates its output in place: it reads what it overwrites, nonlinearly.
#[grad(reverse, hessian)]
fn damp(a: f64, y: &mut [f64]) {
    for i in 0..y.len() {
        y[i] = y[i] * (a * y[i]).tanh() + 0.5 * a;
    }
}

/// Passes its own output on, to a callee and then to another on a range.
#[grad(reverse, hessian)]
fn features_damped(a: f64, x: &[f64], out: &mut [f64]) {
    features(a, x, out);
    damp(x[1], &mut out[1..3]);
}

/// Writes two entries and returns a value too (dropped by its callers).
#[grad(reverse, hessian)]
fn polar_into(r: f64, theta: f64, out: &mut [f64; 2]) -> f64 {
    out[0] = r * theta.cos();
    out[1] = r * theta.sin();
    r * r
}

// ---------------------------------------------------------------------------
// Callers of them.
// ---------------------------------------------------------------------------

/// A local buffer written by a callee, then reduced.
#[grad(reverse, hessian)]
fn local_buffer(w: &[f64; 3]) -> f64 {
    let mut f = vec![0.0; 3];
    features(w[2], &w[0..2], &mut f);
    f[0] * f[1] + f[2] * f[2] * w[0]
}

/// The callee passes its own output on, whole and as a range.
#[grad(reverse, hessian)]
fn output_passed_on(w: &[f64; 3]) -> f64 {
    let mut f = [0.0; 3];
    features_damped(w[0], &w[1..3], &mut f);
    f[0] * f[2] + f[1].exp()
}

/// A sub-slice of a local buffer, updated in place twice.
#[grad(reverse, hessian)]
fn sub_slice(w: &[f64; 4]) -> f64 {
    let mut y = [w[0], w[1] * w[2], w[3], 1.0];
    damp(w[3], &mut y[1..3]);
    damp(w[0] * w[1], &mut y[0..2]);
    y[0] * y[1] + y[2] * y[3]
}

/// Constants passed to a callee writing in place: a literal scalar, a
/// local constant array, and a range of a buffer the callee filled.
#[grad(reverse, hessian)]
fn constant_arguments(w: &[f64; 2]) -> f64 {
    let grid = [0.5, -1.5];
    let mut f = [0.0; 3];
    features(2.0, &grid, &mut f);
    let mut g = [0.0; 3];
    features(w[0], &f[1..3], &mut g);
    let mut h = [0.0; 3];
    features(w[1], w, &mut h);
    g[0] * h[1] + g[2] * h[2] + f[0] * w[1]
}

/// A call in a loop, into one buffer overwritten each pass, and one whose
/// value is dropped.
#[grad(reverse, hessian)]
fn call_in_a_loop(w: &[f64; 3]) -> f64 {
    let mut total = 0.0;
    let mut f = [0.0; 3];
    let mut p = [0.0; 2];
    for i in 0..3 {
        let a = w[i] + 0.1 * i as f64;
        features(a, &w[1..3], &mut f);
        polar_into(f[1], a, &mut p);
        total += f[0] * p[0] + f[2] * p[1];
    }
    total
}

/// A scalar `hessian` helper that writes a buffer inside, called twice:
/// through its own second-order companion.
#[grad(reverse, hessian)]
fn calls_a_buffer_user(w: &[f64; 3]) -> f64 {
    let shifted = [w[1], w[2], w[0]];
    local_buffer(w) * w[0] + local_buffer(&shifted)
}

/// Writes a vector output (the type is the form under test).
#[allow(clippy::ptr_arg)]
#[grad(reverse, hessian)]
fn squares_into_vec(x: &[f64], out: &mut Vec<f64>) {
    for i in 0..x.len() {
        out[i] = x[i] * x[i] + x[0];
    }
}

/// A `Vec` output, and an array callee whose constant argument is a literal.
#[grad(reverse, hessian)]
fn vec_output(w: &[f64; 3]) -> f64 {
    let mut v = vec![0.0; 3];
    squares_into_vec(w, &mut v);
    let k: [f64; 2] = pendulum(&[0.5, 0.25], v[1]);
    v[0] * v[2] + k[1]
}

/// The pendulum with its state taken by value, as RK4 code writes it.
#[grad(reverse, hessian)]
fn deriv(s: [f64; 2], k: f64) -> [f64; 2] {
    [s[1], -k * s[0].sin()]
}

/// An RK4 step on states passed by value (untyped `let k1 = ..`).
#[grad(reverse, hessian)]
fn rk4_by_value(w: &[f64; 3]) -> f64 {
    let (s, k, h) = ([w[0], w[1]], w[2], 0.3);
    let k1 = deriv(s, k);
    let k2 = deriv([s[0] + 0.5 * h * k1[0], s[1] + 0.5 * h * k1[1]], k);
    let k3 = deriv([s[0] + 0.5 * h * k2[0], s[1] + 0.5 * h * k2[1]], k);
    let k4 = deriv([s[0] + h * k3[0], s[1] + h * k3[1]], k);
    let next = [
        s[0] + h / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0]),
        s[1] + h / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1]),
    ];
    energy(next, k)
}

/// `s + a·k`, the stage point of RK4.
#[grad(reverse, hessian)]
fn axpy2(s: [f64; 2], k: [f64; 2], a: f64) -> [f64; 2] {
    [s[0] + a * k[0], s[1] + a * k[1]]
}

/// `rk4_by_value` with each stage's point made by a call in place
/// (`deriv(axpy2(s, k1, h / 2), k)`, round 17 D1): `deriv`'s other call
/// says it takes an array, so the nested value is one.
#[grad(reverse, hessian)]
fn rk4_nested(w: &[f64; 3]) -> f64 {
    let (s, k, h) = ([w[0], w[1]], w[2], 0.3);
    let k1 = deriv(s, k);
    let k2 = deriv(axpy2(s, k1, 0.5 * h), k);
    let k3 = deriv(axpy2(s, k2, 0.5 * h), k);
    let k4 = deriv(axpy2(s, k3, h), k);
    let next = [
        s[0] + h / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0]),
        s[1] + h / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1]),
    ];
    energy(next, k)
}

/// A scalar function of an array taken by value: its own `energy_hvp`
/// takes the array's direction by value and returns its part of `H·v`.
#[grad(reverse, hessian)]
fn energy(s: [f64; 2], k: f64) -> f64 {
    0.5 * s[1] * s[1] + k * (1.0 - s[0].cos())
}

/// Rows of a local matrix passed by value, in a loop.
#[grad(reverse, hessian)]
fn rows_by_value(w: &[f64; 4]) -> f64 {
    let m = [[w[0], w[1]], [w[2], w[3] * w[0]]];
    let mut total = 0.0;
    for i in 0..2 {
        total += energy(m[i], w[3 - i]) * m[1 - i][0];
    }
    total
}

/// Generic callees of both kinds, and a generic caller (rows at `f64`).
#[grad(reverse, hessian)]
fn turn<T: Float>(s: &[T; 2], k: T) -> [T; 2] {
    [s[1] * k, -s[0] * s[0]]
}

#[grad(reverse, hessian)]
fn cube_into<T: Float>(x: &[T], out: &mut [T]) {
    for i in 0..x.len() {
        out[i] = x[i] * x[i] * x[i];
    }
}

#[grad(reverse, hessian)]
fn generic_calls<T: Float>(w: &[T; 2]) -> T {
    let r: [T; 2] = turn(w, w[0]);
    let mut o = [T::zero(); 2];
    cube_into(&r, &mut o);
    o[0] * o[1] + o[1]
}

// ---------------------------------------------------------------------------
// The harness.
// ---------------------------------------------------------------------------

struct Case {
    name: &'static str,
    domain: Vec<(f64, f64)>,
    f: fn(&[f64]) -> f64,
    grad: fn(&[f64], &mut [f64]) -> f64,
    /// `NAME_hvp(w, v, hv)`, adding `H·v` into `hv`.
    hvp: fn(&[f64], &[f64], &mut [f64]) -> f64,
}

macro_rules! row {
    ($f:ident, $g:ident, $h:ident; $n:literal; in [$lo:expr, $hi:expr]) => {
        Case {
            name: stringify!($f),
            domain: vec![($lo, $hi); $n],
            f: |w: &[f64]| $f(&<[f64; $n]>::try_from(w).unwrap()),
            grad: |w: &[f64], g: &mut [f64]| {
                let mut shadow = [0.0; $n];
                let value = $g(&<[f64; $n]>::try_from(w).unwrap(), &mut shadow);
                for (g, d) in g.iter_mut().zip(shadow) {
                    *g += d;
                }
                value
            },
            hvp: |w: &[f64], v: &[f64], hv: &mut [f64]| {
                let mut product = <[f64; $n]>::try_from(&*hv).unwrap();
                let value = $h(&<[f64; $n]>::try_from(w).unwrap(), &<[f64; $n]>::try_from(v).unwrap(), &mut product);
                hv.copy_from_slice(&product);
                value
            },
        }
    };
}

fn cases() -> Vec<Case> {
    vec![
        row!(rk4_miss, rk4_miss_grad, rk4_miss_hvp; 3; in [0.1, 1.0]),
        row!(untyped_array, untyped_array_grad, untyped_array_hvp; 3; in [-1.0, 1.0]),
        row!(tuple_row, tuple_row_grad, tuple_row_hvp; 2; in [-1.5, 1.5]),
        row!(local_buffer, local_buffer_grad, local_buffer_hvp; 3; in [-1.5, 1.5]),
        row!(output_passed_on, output_passed_on_grad, output_passed_on_hvp; 3; in [-1.5, 1.5]),
        row!(sub_slice, sub_slice_grad, sub_slice_hvp; 4; in [-1.5, 1.5]),
        row!(call_in_a_loop, call_in_a_loop_grad, call_in_a_loop_hvp; 3; in [-1.5, 1.5]),
        row!(constant_arguments, constant_arguments_grad, constant_arguments_hvp; 2; in [-1.5, 1.5]),
        row!(generic_calls, generic_calls_grad, generic_calls_hvp; 2; in [-1.5, 1.5]),
        row!(calls_a_buffer_user, calls_a_buffer_user_grad, calls_a_buffer_user_hvp; 3; in [-1.5, 1.5]),
        row!(vec_output, vec_output_grad, vec_output_hvp; 3; in [-1.5, 1.5]),
        row!(rk4_by_value, rk4_by_value_grad, rk4_by_value_hvp; 3; in [-1.5, 1.5]),
        row!(rk4_nested, rk4_nested_grad, rk4_nested_hvp; 3; in [-1.5, 1.5]),
        row!(rows_by_value, rows_by_value_grad, rows_by_value_hvp; 4; in [-1.5, 1.5]),
    ]
}

/// What the product buffer holds before the call: `H·v` must be added.
const PRIOR: f64 = 0.25;
const HVP_TOL: f64 = 1e-6;

fn check(case: &Case, (w, v): (Vec<f64>, Vec<f64>)) -> Result<(), TestCaseError> {
    let value = (case.f)(&w);
    prop_assume!(value.is_finite());
    let mut hv = vec![PRIOR; w.len()];
    let hvp_value = (case.hvp)(&w, &v, &mut hv);
    prop_assert!(same(hvp_value, value), "{} at {w:?}: hvp's value {hvp_value} != f = {value}", case.name);
    let numeric = numeric_hvp(case.grad, &w, &v);
    for (i, (&a, &n)) in hv.iter().zip(&numeric).enumerate() {
        prop_assert!(
            close(a - PRIOR, n, HVP_TOL),
            "{} at {w:?} along {v:?}: (H·v){i} = {}, numeric {n}",
            case.name,
            a - PRIOR
        );
    }
    Ok(())
}

/// Every row's `H·v` against central differences of its gradient.
#[test]
fn hvp_through_vector_valued_calls_matches_differences_of_the_gradient() {
    check_every_case(
        "row(s) of second order through vector-valued calls",
        cases(),
        |case| case.name,
        |case| (points_in(&case.domain), directions(case.domain.len())),
        check,
    );
}

/// The squared miss of a shot: the pendulum's angle after ten RK4 steps
/// from rest at 0.5, against `target`.
#[grad(reverse, hessian, wrt(k))]
fn shot_miss(k: f64, target: f64) -> f64 {
    let mut s = [0.5, 0.0];
    for _ in 0..10 {
        s = rk4_step(&s, k, 0.1);
    }
    (s[0] - target) * (s[0] - target)
}

/// Newton's method on the stiffness with the second derivative from
/// `shot_miss_hvp` (along the direction 1): from 0.9 it recovers the
/// stiffness 1.3 that produced the target, the error at least squaring
/// each step near the end (quadratic convergence).
#[test]
fn newton_recovers_the_stiffness_of_an_rk4_shot() {
    let truth = 1.3;
    let mut s = [0.5, 0.0];
    for _ in 0..10 {
        s = rk4_step(&s, truth, 0.1);
    }
    let target = s[0];
    let mut k = 0.9;
    let mut errors: Vec<f64> = vec![(k - truth).abs()];
    for _ in 0..8 {
        let (value, slope) = shot_miss_grad(k, target);
        let (hvp_value, curvature) = shot_miss_hvp(k, 1.0, target);
        assert_eq!(value, hvp_value);
        assert!(curvature > 0.0, "curvature {curvature} at k = {k}");
        k -= slope / curvature;
        errors.push((k - truth).abs());
        if errors[errors.len() - 1] < 1e-12 {
            break;
        }
    }
    assert!(errors.len() <= 8 && errors[errors.len() - 1] < 1e-12, "errors {errors:?}");
    // Quadratic: e_{n+1} ≤ C·e_n² once the error is small.
    let close_pairs: Vec<&[f64]> = errors.windows(2).filter(|pair| pair[0] < 1e-2 && pair[1] > 1e-13).collect();
    assert!(!close_pairs.is_empty(), "errors {errors:?}");
    for pair in close_pairs {
        assert!(pair[1] <= 10.0 * pair[0] * pair[0], "errors {errors:?}");
    }
}

/// A model whose methods write an output and return an array.
#[derive(Params, Clone)]
struct Layer {
    w: [f64; 2],
}

impl Layer {
    #[grad(reverse, hessian)]
    fn apply(&self, x: &[f64], out: &mut [f64]) {
        out[0] = self.w[0] * x[0] * x[1];
        out[1] = (self.w[1] * x[1]).sin();
    }

    #[grad(reverse, hessian)]
    fn pair(&self, x: f64) -> [f64; 2] {
        [self.w[0] * x * x, self.w[1] * x]
    }

    /// Calls both on `self`.
    #[grad(reverse, hessian)]
    fn loss(&self, x: &[f64]) -> f64 {
        let mut o = [0.0; 2];
        self.apply(x, &mut o);
        let p: [f64; 2] = self.pair(x[0]);
        o[0] * o[1] + p[0] * p[1]
    }
}

/// `loss_hvp` of a method calling `&mut`-output and array methods on
/// `self`: each column of the Hessian in `(w, x)` against central
/// differences of `loss_grad`.
#[test]
fn methods_writing_outputs_and_returning_arrays_have_an_hvp() {
    let (model, x) = (Layer { w: [0.3, 0.8] }, [0.4, -0.6]);
    // The gradient in (w₀, w₁, x₀, x₁).
    let gradient = |point: &[f64]| {
        let model = Layer { w: [point[0], point[1]] };
        let (mut d_model, mut d_x) = (Layer { w: [0.0; 2] }, [0.0; 2]);
        model.loss_grad(&mut d_model, &point[2..], &mut d_x);
        [d_model.w[0], d_model.w[1], d_x[0], d_x[1]]
    };
    let point = [model.w[0], model.w[1], x[0], x[1]];
    let h = 1e-5;
    for j in 0..4 {
        let mut direction = [0.0; 4];
        direction[j] = 1.0;
        let v_model = Layer { w: [direction[0], direction[1]] };
        let (mut hv_model, mut hv_x) = (Layer { w: [0.0; 2] }, [0.0; 2]);
        let value = model.loss_hvp(&v_model, &mut hv_model, &x, &direction[2..], &mut hv_x);
        assert_eq!(value, model.loss(&x));
        let product = [hv_model.w[0], hv_model.w[1], hv_x[0], hv_x[1]];
        let (mut ahead, mut behind) = (point, point);
        ahead[j] += h;
        behind[j] -= h;
        let (ahead, behind) = (gradient(&ahead), gradient(&behind));
        for i in 0..4 {
            let numeric = (ahead[i] - behind[i]) / (2.0 * h);
            assert!(close(product[i], numeric, 1e-6), "H[{i}][{j}] = {} vs {numeric}", product[i]);
        }
    }
}

/// `energy_hvp` against its closed form: `H = [[k cos s₀, 0, sin s₀],
/// [0, 1, 0], [sin s₀, 0, 0]]` in `(s₀, s₁, k)`.
#[test]
fn the_hvp_of_an_array_taken_by_value_is_its_closed_form() {
    let (s, k) = ([0.7, -0.4], 1.3);
    let (vs, vk) = ([0.2, -0.5], 0.9);
    let (value, hv_s, hv_k) = energy_hvp(s, vs, k, vk);
    assert_eq!(value, energy(s, k));
    let expected_s = [k * s[0].cos() * vs[0] + s[0].sin() * vk, vs[1]];
    let expected_k = s[0].sin() * vs[0];
    for i in 0..2 {
        assert!(close(hv_s[i], expected_s[i], 1e-12), "(H·v)s{i} = {} vs {}", hv_s[i], expected_s[i]);
    }
    assert!(close(hv_k, expected_k, 1e-12), "(H·v)k = {hv_k} vs {expected_k}");
}

/// A parameter left out of `wrt`, passed to a callee writing in place.
#[grad(reverse, hessian, wrt(w))]
fn restricted(w: &[f64], c: &[f64]) -> f64 {
    let mut f = vec![0.0; 3];
    features(w[0], c, &mut f);
    let mut g = vec![0.0; 3];
    features(f[1], w, &mut g);
    g[0] * g[2] + f[0] * w[1]
}

/// `restricted_hvp` against central differences of `restricted_grad`,
/// the constant fixed.
#[test]
fn a_constant_parameter_passed_to_a_callee_writing_in_place() {
    let (w, c, v) = ([0.7, -0.4], [1.1, 0.3], [0.6, -0.8]);
    let mut hv = [PRIOR; 2];
    let value = restricted_hvp(&w, &v, &mut hv, &c);
    assert_eq!(value, restricted(&w, &c));
    let numeric = numeric_hvp(|w, g| restricted_grad(w, g, &c), &w, &v);
    for i in 0..2 {
        assert!(close(hv[i] - PRIOR, numeric[i], HVP_TOL), "(H·v){i} = {} vs {}", hv[i] - PRIOR, numeric[i]);
    }
}

/// The nested calls give the gradient and `H·v` of the calls bound first.
#[test]
fn rk4_with_nested_calls_is_rk4() {
    let (w, v) = ([0.4, -0.7, 1.3], [0.5, 0.2, -0.9]);
    let (mut g_nested, mut g_bound) = ([0.0; 3], [0.0; 3]);
    let value = rk4_nested_grad(&w, &mut g_nested);
    assert_eq!(value, rk4_by_value_grad(&w, &mut g_bound));
    let (mut h_nested, mut h_bound) = ([0.0; 3], [0.0; 3]);
    rk4_nested_hvp(&w, &v, &mut h_nested);
    rk4_by_value_hvp(&w, &v, &mut h_bound);
    for i in 0..3 {
        assert!(close(g_nested[i], g_bound[i], 1e-14) && close(h_nested[i], h_bound[i], 1e-13));
    }
}
