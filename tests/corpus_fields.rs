//! Fields of structs `#[grad]` does not differentiate (a parameter left out
//! of `wrt(..)`, a `self` that is no model, a local constant struct),
//! passed to `#[grad]` calls. The macro cannot see a field's type:
//!
//! - a field lent by reference (`&k.table`, `&self.weights`,
//!   `&k.inner.coef`, `&k.table[1..]`, `&k.rows[1]`, a model field
//!   `&k.lin`, a `Vec<T>` of a generic float type) is a constant, as a
//!   constant slice parameter is: the callee gets a throwaway zero shadow,
//!   or a zero tangent, of the field's shape (`guards::lent_zero`); these
//!   were refused (`pass this value by value`);
//! - a field passed by value is a value without a derivative: integers and
//!   enums work as before (a float field fails to compile with the fix,
//!   `tests/ui/unseen-float-field*.rs`), and the fix, a typed `let`, works.
//!
//! Each row is checked against central differences at random points, its
//! `NAME_vjp` against `NAME_grad`, its `NAME_jvp` against `NAME_vjp` by the
//! dot-product test, and `NAME_hvp` against central differences of the
//! gradient.

#[macro_use]
mod common;

use autodiff::prelude::*;
use common::close;
use common::rows::{along, check_hvp, rows_jvp_is_the_transpose_of_vjp, rows_match_numeric_gradient, Case};

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Square,
    Sine,
}

/// A model, held as a field of a struct of constants.
#[derive(Params, Clone)]
struct Lin {
    w: f64,
    b: [f64; 2],
}

struct Inner {
    coef: Vec<f64>,
}

/// Constants of a computation: no model, never differentiated.
struct Knobs {
    scale: f64,
    weights: [f64; 3],
    table: Vec<f64>,
    rows: [[f64; 2]; 2],
    count: usize,
    mode: Mode,
    inner: Inner,
    lin: Lin,
}

fn knobs() -> Knobs {
    Knobs {
        scale: 0.75,
        weights: [0.5, -1.25, 2.0],
        table: vec![0.25, -0.5, 1.5, 0.75],
        rows: [[1.5, -0.5], [0.25, 2.0]],
        count: 3,
        mode: Mode::Sine,
        inner: Inner { coef: vec![-0.75, 0.5, 1.25] },
        lin: Lin { w: 0.8, b: [-0.3, 1.5] },
    }
}

/// Horner's polynomial with the coefficients `w`.
#[grad(forward, reverse, hessian)]
fn poly(x: f64, w: &[f64]) -> f64 {
    let mut s = 0.0;
    for &c in w {
        s = s * x + c;
    }
    s
}

#[grad(forward, reverse, hessian)]
fn fixed3(x: f64, w: &[f64; 3]) -> f64 {
    (w[0] * x).sin() * w[1] + w[2] * x * x
}

#[grad(forward, reverse, hessian)]
fn rows2(x: f64, r: &[[f64; 2]; 2]) -> f64 {
    (r[0][0] * x + r[1][1]).cos() * r[0][1] + r[1][0] * x
}

/// A model parameter, differentiated by the callee.
#[grad(forward, reverse, hessian)]
fn lin_apply(m: &Lin, x: f64) -> f64 {
    (m.w * x + m.b[0]).tanh() * m.b[1]
}

#[grad(forward, reverse, hessian)]
fn times(x: f64, n: usize) -> f64 {
    x * x * n as f64
}

#[grad(forward, reverse, hessian)]
fn moded(x: f64, mode: Mode) -> f64 {
    if mode == Mode::Square {
        x * x
    } else {
        x.sin()
    }
}

#[grad(forward, reverse, hessian)]
fn scaled(x: f64, s: f64) -> f64 {
    (x * s).sin() * s
}

#[grad(forward, reverse, hessian)]
fn by_array(x: f64, w: [f64; 3]) -> f64 {
    w[0] * x * x + (w[1] * x).cos() + w[2]
}

/// A vector field, whole and as a range, lent to a slice parameter.
#[grad(forward, reverse, hessian, graph, wrt(x, y))]
fn lent_vector(k: &Knobs, x: f64, y: f64) -> f64 {
    poly(x, &k.table) * y + poly(y * x, &k.table[1..])
}

/// Array fields lent to array and slice parameters, a row of an array of
/// arrays, a field of a field, and a model field lent to a model parameter.
#[grad(forward, reverse, hessian, wrt(x))]
fn lent_arrays(k: &Knobs, x: f64) -> f64 {
    fixed3(x, &k.weights)
        + poly(x, &k.weights) * rows2(x, &k.rows)
        + poly(x, &k.rows[1])
        + poly(x * x, &k.inner.coef)
        + lin_apply(&k.lin, x)
}

/// Fields lent in a loop, a row by the loop's index, the call's value
/// carried across passes.
#[grad(forward, reverse, hessian, wrt(x))]
fn lent_in_a_loop(k: &Knobs, x: f64) -> f64 {
    let mut total = 0.0;
    for i in 0..k.count {
        total = total * 0.5 + poly(x + i as f64 * 0.25, &k.table) * poly(x, &k.rows[i % 2]);
    }
    total
}

/// Integer and enum fields by value: no derivative, as before.
#[grad(forward, reverse, hessian, wrt(x))]
fn by_value_integers_and_enums(k: &Knobs, x: f64) -> f64 {
    times(x, k.count) * moded(x, k.mode) + times(x, k.count + 1)
}

/// The fix a float field passed by value asks for: a typed `let`.
#[grad(forward, reverse, hessian, wrt(x))]
fn typed_float_fields(k: &Knobs, x: f64) -> f64 {
    let s: f64 = k.scale;
    let w: [f64; 3] = k.weights;
    scaled(x, s) + by_array(x, w)
}

/// Constants that borrow their numbers.
struct View<'a> {
    coef: &'a [f64],
}

const COEF: [f64; 4] = [0.5, -1.0, 0.25, 2.0];

/// A field that is itself a reference to floats, bound with its type
/// written (the fix its refusal asks for; the local was passed as a float,
/// which did not compile), passed on and lent cut.
#[grad(forward, reverse, hessian, wrt(x))]
fn typed_reference_field(v: &View, x: f64) -> f64 {
    let c: &[f64] = v.coef;
    poly(x, c) + poly(x.sin(), &c[1..])
}

/// A local constant struct a plain function made, its field lent.
#[grad(forward, reverse, hessian)]
fn lent_from_a_local(x: f64) -> f64 {
    let made: Knobs = knobs();
    poly(x, &made.table) * made.scale
}

/// Constants of a generic float type.
struct Generic<T> {
    table: Vec<T>,
    weights: [T; 2],
    scale: T,
    count: usize,
}

fn generic() -> Generic<f64> {
    Generic { table: vec![0.5, -1.5, 0.75], weights: [1.25, -0.5], scale: 0.8, count: 2 }
}

#[grad(forward, reverse, hessian)]
fn poly_of<T: Float>(x: T, w: &[T]) -> T {
    let mut s = T::from_f64(0.0);
    for &c in w {
        s = s * x + c;
    }
    s
}

#[grad(forward, reverse, hessian)]
fn scaled_of<T: Float>(x: T, s: T, n: usize) -> T {
    (x * s).sin() * T::from_f64(n as f64)
}

/// Fields of a generic float type (no `Params`) lent, an integer field by
/// value, and a float field through the typed `let` the probe asks for.
#[grad(forward, reverse, hessian, wrt(x))]
fn generic_fields<T: Float>(k: &Generic<T>, x: T) -> T {
    let s: T = k.scale;
    poly_of(x, &k.table) * poly_of(x, &k.weights) + scaled_of(x, s, k.count)
}

impl Knobs {
    #[grad(forward, reverse, hessian, wrt(x))]
    fn apply(&self, x: f64, b: f64) -> f64 {
        (x * b).sin() + self.scale * x * b
    }

    #[grad(forward, reverse, hessian, wrt(x))]
    fn power(&self, x: f64, n: usize, w: &[f64]) -> f64 {
        x.powi(n as i32) * w[0] + self.scale
    }

    /// Fields of `self` lent, an integer field by value, to functions and
    /// to a method of `self`.
    #[grad(forward, reverse, hessian, wrt(x))]
    fn lent_fields_of_self(&self, x: f64) -> f64 {
        poly(x, &self.table)
            + fixed3(x, &self.weights) * self.scale
            + times(x, self.count)
            + self.power(x, self.count, &self.inner.coef)
    }

    /// The typed `let` for a float field given to a method of `self`.
    #[grad(forward, reverse, hessian, wrt(x))]
    fn typed_element_of_self(&self, x: f64) -> f64 {
        let b: f64 = self.weights[1];
        self.apply(x, b) + poly(x, &self.inner.coef)
    }
}

/// A method called on a constant struct parameter, a field of it lent too.
#[grad(forward, reverse, hessian, wrt(x))]
fn through_a_method(k: &Knobs, x: f64) -> f64 {
    k.lent_fields_of_self(x) * poly(x, &k.rows[0])
}

fn lent_fields_of_self(x: f64) -> f64 {
    knobs().lent_fields_of_self(x)
}
fn lent_fields_of_self_grad(x: f64) -> (f64, f64) {
    knobs().lent_fields_of_self_grad(x)
}
fn lent_fields_of_self_vjp(x: f64, seed: f64) -> (f64, f64) {
    knobs().lent_fields_of_self_vjp(x, seed)
}
fn lent_fields_of_self_jvp(x: f64, dx: f64) -> (f64, f64) {
    knobs().lent_fields_of_self_jvp(x, dx)
}
fn typed_element_of_self(x: f64) -> f64 {
    knobs().typed_element_of_self(x)
}
fn typed_element_of_self_grad(x: f64) -> (f64, f64) {
    knobs().typed_element_of_self_grad(x)
}
fn typed_element_of_self_vjp(x: f64, seed: f64) -> (f64, f64) {
    knobs().typed_element_of_self_vjp(x, seed)
}
fn typed_element_of_self_jvp(x: f64, dx: f64) -> (f64, f64) {
    knobs().typed_element_of_self_jvp(x, dx)
}

fn cases() -> Vec<Case> {
    vec![
        case!(lent_vector, lent_vector_grad, lent_vector_vjp, lent_vector_jvp;
              (&knobs(), x, y) [&knobs(), x, along(0), y, along(1)]; x in [-1.5, 1.5], y in [-1.5, 1.5]),
        case!(lent_arrays, lent_arrays_grad, lent_arrays_vjp, lent_arrays_jvp;
              (&knobs(), x) [&knobs(), x, along(0)]; x in [-1.5, 1.5]),
        case!(lent_in_a_loop, lent_in_a_loop_grad, lent_in_a_loop_vjp, lent_in_a_loop_jvp;
              (&knobs(), x) [&knobs(), x, along(0)]; x in [-1.5, 1.5]),
        case!(by_value_integers_and_enums, by_value_integers_and_enums_grad, by_value_integers_and_enums_vjp,
              by_value_integers_and_enums_jvp; (&knobs(), x) [&knobs(), x, along(0)]; x in [-1.5, 1.5]),
        case!(typed_float_fields, typed_float_fields_grad, typed_float_fields_vjp, typed_float_fields_jvp;
              (&knobs(), x) [&knobs(), x, along(0)]; x in [-1.5, 1.5]),
        case!(typed_reference_field, typed_reference_field_grad, typed_reference_field_vjp,
              typed_reference_field_jvp; (&View { coef: &COEF }, x) [&View { coef: &COEF }, x, along(0)];
              x in [-1.5, 1.5]),
        case!(lent_from_a_local, lent_from_a_local_grad, lent_from_a_local_vjp, lent_from_a_local_jvp;
              (x) [x, along(0)]; x in [-1.5, 1.5]),
        case!(lent_fields_of_self, lent_fields_of_self_grad, lent_fields_of_self_vjp, lent_fields_of_self_jvp;
              (x) [x, along(0)]; x in [-1.5, 1.5]),
        case!(typed_element_of_self, typed_element_of_self_grad, typed_element_of_self_vjp,
              typed_element_of_self_jvp; (x) [x, along(0)]; x in [-1.5, 1.5]),
        case!(through_a_method, through_a_method_grad, through_a_method_vjp, through_a_method_jvp;
              (&knobs(), x) [&knobs(), x, along(0)]; x in [-1.5, 1.5]),
        case!(generic_fields::<f64>, generic_fields_grad::<f64>, generic_fields_vjp::<f64>,
              generic_fields_jvp::<f64>; (&generic(), x) [&generic(), x, along(0)]; x in [-1.5, 1.5]),
    ]
}

#[test]
fn fields_of_constant_structs_match_numeric_gradient() {
    rows_match_numeric_gradient("field row(s)", cases());
}

#[test]
fn fields_of_constant_structs_jvp_is_the_transpose_of_vjp() {
    rows_jvp_is_the_transpose_of_vjp("field row(s)", cases());
}

#[test]
fn fields_of_constant_structs_second_order_matches_differences_of_the_gradient() {
    let k = knobs();
    type Scalar = (fn(&Knobs, f64) -> (f64, f64), fn(&Knobs, f64, f64) -> (f64, f64));
    let scalar: [(&str, Scalar); 7] = [
        ("lent_arrays", (lent_arrays_grad, lent_arrays_hvp)),
        ("lent_in_a_loop", (lent_in_a_loop_grad, lent_in_a_loop_hvp)),
        ("by_value_integers_and_enums", (by_value_integers_and_enums_grad, by_value_integers_and_enums_hvp)),
        ("typed_float_fields", (typed_float_fields_grad, typed_float_fields_hvp)),
        ("through_a_method", (through_a_method_grad, through_a_method_hvp)),
        ("lent_fields_of_self", (|k, x| k.lent_fields_of_self_grad(x), |k, x, v| k.lent_fields_of_self_hvp(x, v))),
        (
            "typed_element_of_self",
            (|k, x| k.typed_element_of_self_grad(x), |k, x, v| k.typed_element_of_self_hvp(x, v)),
        ),
    ];
    for (x, y, vx, vy) in [(0.3, -0.7, 0.5, 1.0), (1.2, 0.4, -0.8, 0.3), (-1.4, 1.1, 1.0, -1.0)] {
        for (name, (grad, hvp)) in scalar {
            eprintln!("{name}");
            check_hvp(|p| vec![grad(&k, p[0]).1], |p, v| vec![hvp(&k, p[0], v[0]).1], &[x], &[vx]);
        }
        let g = generic();
        check_hvp(
            |p| vec![generic_fields_grad(&g, p[0]).1],
            |p, v| vec![generic_fields_hvp(&g, p[0], v[0]).1],
            &[x],
            &[vx],
        );
        check_hvp(
            |p| vec![lent_from_a_local_grad(p[0]).1],
            |p, v| vec![lent_from_a_local_hvp(p[0], v[0]).1],
            &[x],
            &[vx],
        );
        check_hvp(
            |p| {
                let (_, dx, dy) = lent_vector_grad(&k, p[0], p[1]);
                vec![dx, dy]
            },
            |p, v| {
                let (_, hx, hy) = lent_vector_hvp(&k, p[0], v[0], p[1], v[1]);
                vec![hx, hy]
            },
            &[x, y],
            &[vx, vy],
        );
    }
}

/// Closed forms: the constants get nothing (their shadows are thrown
/// away), and the integer and enum fields reach their callees.
#[test]
fn closed_forms_hold() {
    let k = knobs();
    let x = 0.6;
    // 3x²·sin x + 4x²: ∂x = 6x sin x + 3x² cos x + 8x.
    let (value, dx) = by_value_integers_and_enums_grad(&k, x);
    assert!(close(value, 3.0 * x * x * x.sin() + 4.0 * x * x, 1e-15));
    assert!(close(dx, 6.0 * x * x.sin() + 3.0 * x * x * x.cos() + 8.0 * x, 1e-14));
    let (_, tangent) = by_value_integers_and_enums_jvp(&k, x, 0.5);
    assert!(close(tangent, 0.5 * dx, 1e-14));
    // poly(x, [-0.75, 0.5, 1.25]) of x² = -0.75x⁴ + 0.5x² + 1.25.
    let (value, dx) = lent_arrays_grad(&k, x);
    let (_, tangent) = lent_arrays_jvp(&k, x, 1.0);
    assert!(close(dx, tangent, 1e-14));
    assert!(value.is_finite());
    // The graph of a function lending a field: the call is one node.
    let graph = lent_vector_graph(&k, x, 0.4);
    assert!(graph.to_dot().contains("poly"), "{}", graph.to_dot());
}
