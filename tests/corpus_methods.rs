//! Methods restricted by `wrt(..)` (issue 8): a parameter a method leaves
//! out is a constant everywhere, as for a free function: in the method's
//! own derivatives and in the companion its callers go through, so it may
//! be passed to a plain function (`stiffness(k)`), and its callers get no
//! partial for it. Each row is checked against central differences at
//! random points, its `NAME_vjp` against `NAME_grad`, its `NAME_jvp`
//! against `NAME_vjp` by the dot-product test, and `NAME_hvp` against
//! central differences of the gradient.
//!
//! Also methods called on local structs that are constants: a literal of
//! constants, or a plain function's value with its type written.

#[macro_use]
mod common;

use autodiff::prelude::*;
use common::close;
use common::rows::{along, check_hvp, rows_jvp_is_the_transpose_of_vjp, rows_match_numeric_gradient, Case};

/// A plain function: no derivative, so only constants may reach it.
fn stiffness(k: f64) -> f64 {
    k * k + 1.0
}

/// A plain function of a slice.
fn total_weight(w: &[f64]) -> f64 {
    w.iter().sum()
}

/// A struct of constants that is no `Params` model.
struct Spring {
    rest: f64,
}

impl Spring {
    /// `½ s(2k) (x − r)²`: `k` left out of `wrt`, passed (scaled) to a
    /// plain function.
    #[grad(forward, reverse, hessian, wrt(x))]
    fn energy(&self, x: f64, k: f64) -> f64 {
        let doubled = 2.0 * k;
        0.5 * stiffness(doubled) * (x - self.rest).powi(2)
    }

    /// A slice left out of `wrt`, passed to a plain function.
    #[grad(forward, reverse, hessian, wrt(x))]
    fn weighted(&self, x: f64, w: &[f64]) -> f64 {
        total_weight(w) * (x * x - self.rest).sin()
    }

    /// Calls of both on the constant `self`, with constants where they
    /// leave parameters out.
    #[grad(forward, reverse, hessian, wrt(x, y))]
    fn pair(&self, x: f64, y: f64) -> f64 {
        let w = [0.5, 1.5];
        self.energy(x * y, 1.5) + self.weighted(y - x, &w) * self.rest
    }
}

/// A model whose method leaves `k` out: called on a differentiated model
/// (its companion differentiates `self` and `x`) and on a constant one.
#[derive(Params, Clone, Debug)]
struct Gain {
    w: f64,
    b: f64,
}

impl Gain {
    #[grad(forward, reverse, hessian, wrt(self, x))]
    fn apply(&self, x: f64, k: f64) -> f64 {
        (self.w * x + self.b).tanh() * stiffness(k)
    }

    /// Through `self.apply` with the model differentiated.
    #[grad(forward, reverse, hessian)]
    fn twice(&self, x: f64) -> f64 {
        let h = self.apply(x, 0.5);
        self.apply(h * x, 2.0)
    }
}

const SPRING: Spring = Spring { rest: 0.25 };
const GAIN: Gain = Gain { w: 0.8, b: -0.3 };

/// A free function calling the restricted method on a constant model.
#[grad(forward, reverse, hessian, wrt(x))]
fn through_constant_gain(g: &Gain, x: f64) -> f64 {
    g.apply(x * x, 3.0) + 0.25 * x
}

/// A free function calling `Spring::energy` on a parameter.
#[grad(forward, reverse, hessian, graph, wrt(x, y))]
fn springs(s: &Spring, x: f64, y: f64) -> f64 {
    s.energy(x, 0.5) * s.energy(y, 1.0) + s.pair(x, y)
}

/// Settings of a transform: a struct of constants with a `#[grad]` method.
#[derive(Clone)]
struct Settings {
    scale: f64,
    shift: [f64; 2],
}

impl Settings {
    #[grad(forward, reverse, hessian, wrt(x, y))]
    fn transform(&self, x: f64, y: f64) -> f64 {
        (self.scale * x + self.shift[0]).sin() * (y - self.shift[1])
    }
}

fn make_settings(k: f64) -> Settings {
    Settings { scale: k, shift: [1.0 - k, k] }
}

impl Settings {
    fn new(k: f64) -> Self {
        make_settings(k)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings { scale: 0.5, shift: [0.25, -0.75] }
    }
}

/// A holder built from a constructor's local, and a tuple struct's
/// constructor read by position (review, stop 17: `Holder::new(c)` was
/// taken for `c.new()`, `p.0` for a field of a float).
struct Holder {
    inner: Settings,
}

impl Holder {
    fn new(inner: Settings) -> Self {
        Holder { inner }
    }

    #[grad(forward, reverse, hessian, wrt(x))]
    fn apply(&self, x: f64) -> f64 {
        (self.inner.scale * x).sin() * self.inner.shift[1]
    }
}

struct Twin(f64, f64);

impl Twin {
    fn new(a: f64) -> Self {
        Twin(a, 2.0 * a)
    }
}

/// A `Copy` struct passed by value to a `#[grad]` function, which its
/// derivative passes again.
#[derive(Clone, Copy)]
struct Gauge {
    k: f64,
}

impl Gauge {
    fn new(k: f64) -> Self {
        Gauge { k }
    }
}

#[grad(forward, reverse, hessian, wrt(y))]
fn gauged(g: Gauge, y: f64) -> f64 {
    g.k * y * y.sin()
}

/// A `Copy` struct parameter passed on by value, `*g` (review, stop 17:
/// taken for a float, which did not compile).
#[grad(forward, reverse, hessian, wrt(x))]
fn gauge_by_value(g: &Gauge, x: f64) -> f64 {
    gauged(*g, x) * x.cos()
}

const GAUGE: Gauge = Gauge { k: 0.6 };

#[grad(forward, reverse, hessian)]
fn constructors_composed(x: f64, y: f64) -> f64 {
    let h = Holder::new(Settings::new(0.5));
    let p = Twin::new(1.5);
    let g = Gauge::new(-0.75);
    h.apply(x) + p.0 * y + x * p.1 * y + gauged(g, x * y)
}

/// A differentiated call's value passed to a `#[grad]` method on a
/// constant, bound without its type or in place, on a struct and on a
/// model left out of `wrt` (stop 17: refused, asking for `let y: f64`).
#[grad(forward, reverse, hessian)]
fn wobble(x: f64) -> f64 {
    x.sin() * x
}

#[grad(forward, reverse, hessian, wrt(x))]
fn through_call_values(s: &Spring, g: &Gain, x: f64) -> f64 {
    let y = wobble(x);
    s.energy(y, 1.25) + s.energy(wobble(0.5 * x), 0.75) + g.twice(y)
}

/// Methods called on untyped locals that constructors made
/// (`Settings::new(k)`, `Settings::default()`): taken for the constructor's
/// type, as a `let` with the type written is; fields read too.
#[grad(forward, reverse, hessian)]
fn constructed_settings(x: f64, y: f64) -> f64 {
    let made = Settings::new(1.25);
    let plain = Settings::default();
    made.transform(x, y) + plain.transform(y * x, x) * plain.scale + made.shift[0] * y
}

const SHIFT: f64 = 0.5;

/// Methods called on local structs that are constants (issue 8): one built
/// by a literal of constants, whose fields are also read, in a loop, and
/// one a plain function made, its type written.
#[grad(forward, reverse, hessian, graph)]
fn local_settings(x: f64, y: f64) -> f64 {
    let lit = Settings { scale: -1.5, shift: [SHIFT, 0.25] };
    let made: Settings = make_settings(0.75);
    let mut total = 0.0;
    for i in 0..3 {
        total += lit.transform(x * i as f64, y) * lit.scale;
    }
    total + made.transform(y, x * x) + made.shift[1] * x
}

/// A tuple struct a plain function makes from constants.
struct Pair(f64, f64);

fn make_pair(k: f64) -> Pair {
    Pair(3.0 * k, k)
}

/// A constant tuple struct's fields read by position, its type written
/// (the local was declared an `f64`, which failed to compile).
#[grad(forward, reverse, hessian)]
fn pair_fields(x: f64, y: f64) -> f64 {
    let p: Pair = make_pair(2.0);
    p.1 * y * x + p.0 * x.sin()
}

/// A local struct built from a parameter left out of `wrt` (a constant),
/// its method called with a differentiated argument.
#[grad(forward, reverse, hessian, wrt(x))]
fn settings_of_a_constant(x: f64, k: f64) -> f64 {
    let s = Settings { scale: k, shift: [0.5, -k] };
    s.transform(x, x * x) * k
}

/// Two types with a `#[grad]` method of one name and different argument
/// counts, both called in one function: the items that name a missing
/// derivative are declared once, for the larger count (they were declared
/// twice, which failed to compile).
struct Quadratic {
    a: f64,
}

impl Quadratic {
    #[grad(forward, reverse, hessian, wrt(x))]
    fn run(&self, x: f64) -> f64 {
        self.a * x * x
    }
}

struct Bilinear {
    b: f64,
}

impl Bilinear {
    #[grad(forward, reverse, hessian, wrt(x))]
    fn run(&self, x: f64, k: f64) -> f64 {
        self.b * x.sin() * k
    }
}

const QUADRATIC: Quadratic = Quadratic { a: 0.5 };
const BILINEAR: Bilinear = Bilinear { b: 1.5 };

#[grad(forward, reverse, hessian, wrt(x))]
fn same_name_two_arities(a: &Quadratic, b: &Bilinear, x: f64) -> f64 {
    a.run(x) + b.run(x, 2.0) * b.run(x * x, -0.5)
}

/// Methods called on results of methods, each result bound with its type
/// (a method's result type is not visible to the macro, and an untyped one
/// given to another call is refused: it may be an array): on a parameter,
/// on a local literal, and with the result reaching the output only through
/// `#[grad]` calls (it was kept as a plain call, its derivative dropped).
#[grad(forward, reverse, hessian, wrt(x))]
fn nested_method_calls(s: &Spring, x: f64) -> f64 {
    let lit = Settings { scale: 0.5, shift: [0.25, -0.5] };
    let first: f64 = s.energy(x, 0.5);
    let inner = autodiff::sigmoid(s.energy(first, 1.5));
    let moved: f64 = lit.transform(x, 1.0);
    inner + lit.transform(moved, s.energy(x, 2.0))
}

/// `Spring` by another name: a call by this path is checked by rustc to
/// name the receiver's type (review, stop 17: it became a plain call).
type Coil = Spring;

/// Methods called by their paths (`Spring::energy(s, x, k)`, on a
/// parameter, a local literal, a local a plain function made, through a
/// type alias, and `Self::apply(self, ..)` in a model's method): the same
/// as method calls.
#[grad(forward, reverse, hessian, wrt(x, y))]
fn methods_by_path(s: &Spring, g: &Gain, x: f64, y: f64) -> f64 {
    let lit = Settings { scale: 0.5, shift: [0.25, -0.5] };
    let made: Settings = make_settings(1.25);
    Spring::energy(s, x, 0.5) * Settings::transform(&lit, y, x)
        + Settings::transform(&made, x * y, 1.0)
        + Gain::apply_by_path(g, y)
        + Coil::energy(s, y, 1.5)
}

/// A method called by its path with an empty turbofish (rustfmt would
/// drop it).
#[rustfmt::skip]
#[grad(forward, reverse, hessian, wrt(x))]
fn method_by_path_turbofish(s: &Spring, x: f64) -> f64 {
    Spring::energy::<>(s, x, 0.5)
}

impl Gain {
    #[grad(forward, reverse, hessian)]
    fn apply_by_path(&self, x: f64) -> f64 {
        Self::apply(self, Gain::apply(self, x, 0.5) * x, 2.0)
    }
}

fn settings_weight(s: Settings) -> f64 {
    s.scale + s.shift[0]
}

/// A local struct a plain function made, its method called, then given to
/// a plain function by a copy: the ways out of moving it (which the
/// reverse sweep, lending it after the move, refuses).
#[grad(forward, reverse, hessian)]
fn settings_copied_after_a_method(x: f64) -> f64 {
    let made: Settings = make_settings(0.75);
    let y = made.transform(x, x * x);
    y * settings_weight(made.clone())
}

fn cases() -> Vec<Case> {
    vec![
        case!(Spring::energy, Spring::energy_grad, Spring::energy_vjp, Spring::energy_jvp;
              (&SPRING, x, 1.25) [&SPRING, x, along(0), 1.25]; x in [-2.0, 2.0]),
        case!(Spring::weighted, Spring::weighted_grad, Spring::weighted_vjp, Spring::weighted_jvp;
              (&SPRING, x, &[0.5, -2.0, 1.0]) [&SPRING, x, along(0), &[0.5, -2.0, 1.0]]; x in [-2.0, 2.0]),
        case!(Spring::pair, Spring::pair_grad, Spring::pair_vjp, Spring::pair_jvp;
              (&SPRING, x, y) [&SPRING, x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(through_constant_gain, through_constant_gain_grad, through_constant_gain_vjp, through_constant_gain_jvp;
              (&GAIN, x) [&GAIN, x, along(0)]; x in [-2.0, 2.0]),
        case!(local_settings, local_settings_grad, local_settings_vjp, local_settings_jvp;
              (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(pair_fields, pair_fields_grad, pair_fields_vjp, pair_fields_jvp;
              (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(settings_of_a_constant, settings_of_a_constant_grad, settings_of_a_constant_vjp,
              settings_of_a_constant_jvp; (x, 0.75) [x, along(0), 0.75]; x in [-2.0, 2.0]),
        case!(same_name_two_arities, same_name_two_arities_grad, same_name_two_arities_vjp,
              same_name_two_arities_jvp; (&QUADRATIC, &BILINEAR, x) [&QUADRATIC, &BILINEAR, x, along(0)];
              x in [-2.0, 2.0]),
        case!(nested_method_calls, nested_method_calls_grad, nested_method_calls_vjp, nested_method_calls_jvp;
              (&SPRING, x) [&SPRING, x, along(0)]; x in [-2.0, 2.0]),
        case!(settings_copied_after_a_method, settings_copied_after_a_method_grad,
              settings_copied_after_a_method_vjp, settings_copied_after_a_method_jvp; (x) [x, along(0)];
              x in [-2.0, 2.0]),
        case!(method_by_path_turbofish, method_by_path_turbofish_grad, method_by_path_turbofish_vjp,
              method_by_path_turbofish_jvp; (&SPRING, x) [&SPRING, x, along(0)]; x in [-2.0, 2.0]),
        case!(methods_by_path, methods_by_path_grad, methods_by_path_vjp, methods_by_path_jvp;
              (&SPRING, &GAIN, x, y) [&SPRING, &GAIN, x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(through_call_values, through_call_values_grad, through_call_values_vjp, through_call_values_jvp;
              (&SPRING, &GAIN, x) [&SPRING, &GAIN, x, along(0)]; x in [-2.0, 2.0]),
        case!(gauge_by_value, gauge_by_value_grad, gauge_by_value_vjp, gauge_by_value_jvp;
              (&GAUGE, x) [&GAUGE, x, along(0)]; x in [-2.0, 2.0]),
        case!(constructors_composed, constructors_composed_grad, constructors_composed_vjp,
              constructors_composed_jvp; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(constructed_settings, constructed_settings_grad, constructed_settings_vjp, constructed_settings_jvp;
              (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(springs, springs_grad, springs_vjp, springs_jvp;
              (&SPRING, x, y) [&SPRING, x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
    ]
}

#[test]
fn restricted_methods_match_numeric_gradient() {
    rows_match_numeric_gradient("method row(s)", cases());
}

#[test]
fn restricted_methods_jvp_is_the_transpose_of_vjp() {
    rows_jvp_is_the_transpose_of_vjp("method row(s)", cases());
}

#[test]
fn restricted_methods_second_order_matches_differences_of_the_gradient() {
    for (x, y, vx, vy) in [(0.3, -0.7, 0.5, 1.0), (1.2, 0.4, -0.8, 0.3), (-1.5, 1.1, 1.0, -1.0)] {
        check_hvp(
            |p| vec![SPRING.energy_grad(p[0], 1.25).1],
            |p, v| vec![SPRING.energy_hvp(p[0], v[0], 1.25).1],
            &[x],
            &[vx],
        );
        check_hvp(
            |p| {
                let (_, dx, dy) = SPRING.pair_grad(p[0], p[1]);
                vec![dx, dy]
            },
            |p, v| {
                let (_, hx, hy) = SPRING.pair_hvp(p[0], v[0], p[1], v[1]);
                vec![hx, hy]
            },
            &[x, y],
            &[vx, vy],
        );
        check_hvp(
            |p| vec![through_call_values_grad(&SPRING, &GAIN, p[0]).1],
            |p, v| vec![through_call_values_hvp(&SPRING, &GAIN, p[0], v[0]).1],
            &[x],
            &[vx],
        );
        check_hvp(
            |p| vec![through_constant_gain_grad(&GAIN, p[0]).1],
            |p, v| vec![through_constant_gain_hvp(&GAIN, p[0], v[0]).1],
            &[x],
            &[vx],
        );
        check_hvp(
            |p| vec![same_name_two_arities_grad(&QUADRATIC, &BILINEAR, p[0]).1],
            |p, v| vec![same_name_two_arities_hvp(&QUADRATIC, &BILINEAR, p[0], v[0]).1],
            &[x],
            &[vx],
        );
        check_hvp(
            |p| vec![nested_method_calls_grad(&SPRING, p[0]).1],
            |p, v| vec![nested_method_calls_hvp(&SPRING, p[0], v[0]).1],
            &[x],
            &[vx],
        );
        check_hvp(
            |p| {
                let (_, dx, dy) = methods_by_path_grad(&SPRING, &GAIN, p[0], p[1]);
                vec![dx, dy]
            },
            |p, v| {
                let (_, hx, hy) = methods_by_path_hvp(&SPRING, &GAIN, p[0], v[0], p[1], v[1]);
                vec![hx, hy]
            },
            &[x, y],
            &[vx, vy],
        );
        check_hvp(
            |p| vec![settings_of_a_constant_grad(p[0], 1.25).1],
            |p, v| vec![settings_of_a_constant_hvp(p[0], v[0], 1.25).1],
            &[x],
            &[vx],
        );
        check_hvp(
            |p| {
                let (_, dx, dy) = local_settings_grad(p[0], p[1]);
                vec![dx, dy]
            },
            |p, v| {
                let (_, hx, hy) = local_settings_hvp(p[0], v[0], p[1], v[1]);
                vec![hx, hy]
            },
            &[x, y],
            &[vx, vy],
        );
        check_hvp(
            |p| {
                let (_, dx, dy) = constructors_composed_grad(p[0], p[1]);
                vec![dx, dy]
            },
            |p, v| {
                let (_, hx, hy) = constructors_composed_hvp(p[0], v[0], p[1], v[1]);
                vec![hx, hy]
            },
            &[x, y],
            &[vx, vy],
        );
        check_hvp(
            |p| {
                let (_, dx, dy) = constructed_settings_grad(p[0], p[1]);
                vec![dx, dy]
            },
            |p, v| {
                let (_, hx, hy) = constructed_settings_hvp(p[0], v[0], p[1], v[1]);
                vec![hx, hy]
            },
            &[x, y],
            &[vx, vy],
        );
        check_hvp(
            |p| {
                let (_, dx, dy) = springs_grad(&SPRING, p[0], p[1]);
                vec![dx, dy]
            },
            |p, v| {
                let (_, hx, hy) = springs_hvp(&SPRING, p[0], v[0], p[1], v[1]);
                vec![hx, hy]
            },
            &[x, y],
            &[vx, vy],
        );
    }
}

/// `Spring::energy` in closed form: ∂/∂x = s(2k)(x − r), no partial in `k`.
/// `pair_fields` = 2xy + 6 sin x: ∂x = 2y + 6 cos x, ∂y = 2x.
#[test]
fn a_tuple_struct_made_by_a_plain_function_is_read_by_position() {
    let (x, y) = (0.5, 0.7);
    let (value, dx, dy) = pair_fields_grad(x, y);
    assert!(close(value, 2.0 * x * y + 6.0 * x.sin(), 1e-15));
    assert!(close(dx, 2.0 * y + 6.0 * x.cos(), 1e-14));
    assert!(close(dy, 2.0 * x, 1e-15));
}

#[test]
fn a_left_out_parameter_has_no_partial_and_the_closed_form_holds() {
    let (x, k) = (1.5, 0.75);
    let (value, dx) = SPRING.energy_grad(x, k);
    let s = stiffness(2.0 * k);
    assert!(close(value, 0.5 * s * (x - 0.25) * (x - 0.25), 1e-15));
    assert!(close(dx, s * (x - 0.25), 1e-14));
    let (_, tangent) = SPRING.energy_jvp(x, 0.5, k);
    assert!(close(tangent, 0.5 * dx, 1e-14));
    let (_, hx) = SPRING.energy_hvp(x, 0.5, k);
    assert!(close(hx, 0.5 * s, 1e-14));
}

/// `Gain::twice` differentiates the model through `self.apply`, whose
/// companion leaves `k` out: the model's and `x`'s partials against
/// central differences, the jvp against them, and the hvp against
/// differences of the gradient.
#[test]
fn a_model_method_leaving_a_float_out_is_differentiated_in_the_model() {
    let flat_value = |p: &[f64]| Gain { w: p[0], b: p[1] }.twice(p[2]);
    for (w, b, x) in [(0.8, -0.3, 0.6), (-1.1, 0.4, -1.3), (0.2, 0.9, 1.7)] {
        let m = Gain { w, b };
        let mut d = m.zeros_like();
        let (value, dx) = m.twice_grad(&mut d, x);
        assert_eq!(value, m.twice(x));
        let numeric = numeric_gradient(flat_value, &[w, b, x]);
        let got = [d.w, d.b, dx];
        for i in 0..3 {
            assert!(close(got[i], numeric[i], 1e-6), "{got:?} vs {numeric:?}");
        }
        // `Self::apply(self, ..)`, by path, differentiates the model too.
        let by_path = |p: &[f64]| Gain { w: p[0], b: p[1] }.apply_by_path(p[2]);
        let mut d = m.zeros_like();
        let (_, dx) = m.apply_by_path_grad(&mut d, x);
        let numeric = numeric_gradient(by_path, &[w, b, x]);
        let by_path_got = [d.w, d.b, dx];
        for i in 0..3 {
            assert!(close(by_path_got[i], numeric[i], 1e-6), "{by_path_got:?} vs {numeric:?}");
        }
        let v = Gain { w: 0.3, b: -0.7 };
        let (_, tangent) = m.twice_jvp(&v, x, 0.4);
        assert!(close(tangent, 0.3 * got[0] - 0.7 * got[1] + 0.4 * got[2], 1e-12));
        let grad_at = |t: f64| {
            let moved = Gain { w: w + t * 0.3, b: b - t * 0.7 };
            let mut d = moved.zeros_like();
            let (_, dx) = moved.twice_grad(&mut d, x + t * 0.4);
            [d.w, d.b, dx]
        };
        let h = 1e-5;
        let (plus, minus) = (grad_at(h), grad_at(-h));
        let mut hv = m.zeros_like();
        let (_, hx) = m.twice_hvp(&v, &mut hv, x, 0.4);
        let got = [hv.w, hv.b, hx];
        for i in 0..3 {
            let numeric = (plus[i] - minus[i]) / (2.0 * h);
            assert!(close(got[i], numeric, 1e-6), "(H·v){i} = {}, numeric {numeric}", got[i]);
        }
    }
}

/// The graphs of callers of restricted methods and of methods on local
/// constant structs: their value is the function's, and the adjoints of
/// their inputs are `NAME_grad`'s partials.
#[test]
fn graphs_of_method_calls_have_the_gradients_adjoints() {
    use common::graph::adjoint;
    for (x, y) in [(0.3, -0.7), (1.2, 0.4), (-1.5, 1.1)] {
        let graph = springs_graph(&SPRING, x, y);
        let (value, dx, dy) = springs_grad(&SPRING, x, y);
        assert_eq!(graph.node(graph.result().expect("a result")).value().as_scalar(), Some(value));
        assert!(close(adjoint(&graph, "x"), dx, 1e-12) && close(adjoint(&graph, "y"), dy, 1e-12));
        let graph = local_settings_graph(x, y);
        let (value, dx, dy) = local_settings_grad(x, y);
        assert_eq!(graph.node(graph.result().expect("a result")).value().as_scalar(), Some(value));
        assert!(close(adjoint(&graph, "x"), dx, 1e-12) && close(adjoint(&graph, "y"), dy, 1e-12));
    }
}
