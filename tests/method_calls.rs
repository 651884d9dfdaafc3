//! Calls of `#[grad]` methods inside `#[grad]` code (issue 8 item 3):
//! `self.helper(x)` inside a method of a `Params` model, the model's shadow
//! `d_self` receiving the callee's partials, and `model.predict(x)` inside a
//! free function of `model: &Model`; in reverse, forward and second-order
//! mode, against central differences at random points (proptest).

mod common;

use autodiff::prelude::*;
use common::close;
use proptest::prelude::*;

/// A line through the plane, with a curvature term.
#[derive(Params, Clone, Debug)]
struct Curve {
    slope: f64,
    intercept: f64,
    bend: f64,
}

impl Curve {
    /// The curve at `x`.
    #[grad(forward, reverse, hessian)]
    fn predict(&self, x: f64) -> f64 {
        self.slope * x + self.intercept + self.bend * x.sin()
    }

    /// Squared error at one point, through `self.predict`.
    #[grad(forward, reverse, hessian)]
    fn loss(&self, x: f64, y: f64) -> f64 {
        let r = self.predict(x) - y;
        r * r
    }

    /// A penalty restricted by `wrt`: its callers get the partials of what
    /// it names (a parameter it left out would be a constant for them too).
    #[grad(forward, reverse, wrt(self, x))]
    fn damped(&self, x: f64) -> f64 {
        self.bend * (self.slope * x).tanh()
    }

    /// Calls of two methods, one of them restricted by `wrt`, in a loop.
    #[grad(forward, reverse)]
    fn objective(&self, xs: &[f64], scale: f64) -> f64 {
        let mut total = 0.0;
        for &x in xs {
            total += self.loss(x, scale * x) + self.damped(scale * x);
        }
        total
    }
}

/// The mean squared error of `model` over the points, through `model.predict`.
#[grad(forward, reverse, hessian)]
fn mse(model: &Curve, xs: &[f64], ys: &[f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..xs.len() {
        let r = model.predict(xs[i]) - ys[i];
        total += r * r;
    }
    total / xs.len() as f64
}

/// A method called on a model the caller does not differentiate (a
/// constant), with a differentiated argument.
#[grad(forward, reverse, wrt(x))]
fn through_constant_model(model: &Curve, x: f64) -> f64 {
    model.predict(x * x).exp()
}

const XS: [f64; 4] = [-1.0, 0.25, 0.8, 2.0];
const YS: [f64; 4] = [0.5, -0.3, 1.1, 2.4];

fn curve(w: &[f64]) -> Curve {
    Curve { slope: w[0], intercept: w[1], bend: w[2] }
}

fn assert_all_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (a, b) in got.iter().zip(want) {
        assert!(close(*a, *b, tol), "got {got:?}, want {want:?}");
    }
}

fn self_helper_gives_the_model_and_argument_partials(m: Curve, x: f64, y: f64) {
    let mut d_self = m.zeros_like();
    let (value, dx, dy) = m.loss_grad(&mut d_self, x, y);
    assert!(close(value, m.loss(x, y), 1e-15));
    let numeric = numeric_gradient(|w| curve(w).loss(w[3], w[4]), &[m.slope, m.intercept, m.bend, x, y]);
    let mut got = d_self.to_flat();
    got.extend([dx, dy]);
    assert_all_close(&got, &numeric, 1e-6);
    // Forward mode along a direction of every input.
    let v = Curve { slope: 0.3, intercept: -0.8, bend: 0.5 };
    let (vx, vy) = (0.6, -1.1);
    let (jvp_value, tangent) = m.loss_jvp(&v, x, vx, y, vy);
    assert!(close(jvp_value, value, 1e-15));
    let along: f64 = got.iter().zip([v.slope, v.intercept, v.bend, vx, vy]).map(|(g, v)| g * v).sum();
    assert!(close(tangent, along, 1e-12), "{tangent} {along}");
}

fn self_helper_second_order_matches_differences_of_the_gradient(m: Curve, x: f64, y: f64) {
    let v = Curve { slope: 0.3, intercept: -0.8, bend: 0.5 };
    let (vx, vy) = (0.6, -1.1);
    let gradient_at = |t: f64| {
        let shifted = curve(&[m.slope + t * v.slope, m.intercept + t * v.intercept, m.bend + t * v.bend]);
        let mut d = shifted.zeros_like();
        let (_, dx, dy) = shifted.loss_grad(&mut d, x + t * vx, y + t * vy);
        let mut flat = d.to_flat();
        flat.extend([dx, dy]);
        flat
    };
    let h = 1e-5;
    let (plus, minus) = (gradient_at(h), gradient_at(-h));
    let numeric: Vec<f64> = plus.iter().zip(&minus).map(|(p, q)| (p - q) / (2.0 * h)).collect();
    let mut hv = m.zeros_like();
    let (value, hx, hy) = m.loss_hvp(&v, &mut hv, x, vx, y, vy);
    assert!(close(value, m.loss(x, y), 1e-15));
    let mut got = hv.to_flat();
    got.extend([hx, hy]);
    assert_all_close(&got, &numeric, 1e-6);
}

fn calls_of_restricted_methods_in_a_loop_get_every_partial(m: Curve, scale: f64) {
    let mut d_self = m.zeros_like();
    let mut d_xs = [0.0; 4];
    let (value, d_scale) = m.objective_grad(&mut d_self, &XS, &mut d_xs, scale);
    assert!(close(value, m.objective(&XS, scale), 1e-14));
    let mut point = m.to_flat();
    point.extend(XS);
    point.push(scale);
    let numeric = numeric_gradient(|w| curve(w).objective(&w[3..7], w[7]), &point);
    let mut got = d_self.to_flat();
    got.extend(d_xs);
    got.push(d_scale);
    assert_all_close(&got, &numeric, 1e-6);
    let v = Curve { slope: 0.2, intercept: 0.7, bend: -0.4 };
    let v_xs = [0.1, -0.2, 0.3, 0.5];
    let v_scale = -0.6;
    let (_, tangent) = m.objective_jvp(&v, &XS, &v_xs, scale, v_scale);
    let mut direction = v.to_flat();
    direction.extend(v_xs);
    direction.push(v_scale);
    let along: f64 = got.iter().zip(&direction).map(|(g, v)| g * v).sum();
    assert!(close(tangent, along, 1e-12), "{tangent} {along}");
}

fn a_free_function_calls_a_method_of_its_model(m: Curve) {
    let mut d_m = m.zeros_like();
    let mut d_xs = [0.0; 4];
    let mut d_ys = [0.0; 4];
    let value = mse_grad(&m, &mut d_m, &XS, &mut d_xs, &YS, &mut d_ys);
    assert!(close(value, mse(&m, &XS, &YS), 1e-15));
    let mut point = m.to_flat();
    point.extend(XS);
    point.extend(YS);
    let numeric = numeric_gradient(|w| mse(&curve(w), &w[3..7], &w[7..11]), &point);
    let mut got = d_m.to_flat();
    got.extend(d_xs);
    got.extend(d_ys);
    assert_all_close(&got, &numeric, 1e-6);
    // Forward mode: the tangent along the model direction alone.
    let v = Curve { slope: 1.0, intercept: -0.5, bend: 0.25 };
    let (_, tangent) = mse_jvp(&m, &v, &XS, &[0.0; 4], &YS, &[0.0; 4]);
    let along = got[0] * v.slope + got[1] * v.intercept + got[2] * v.bend;
    assert!(close(tangent, along, 1e-12), "{tangent} {along}");
    // Second order along the model direction, against differences of the gradient.
    let gradient_at = |t: f64| {
        let shifted = curve(&[m.slope + t * v.slope, m.intercept + t * v.intercept, m.bend + t * v.bend]);
        let mut d = shifted.zeros_like();
        mse_grad(&shifted, &mut d, &XS, &mut [0.0; 4], &YS, &mut [0.0; 4]);
        d.to_flat()
    };
    let h = 1e-5;
    let (plus, minus) = (gradient_at(h), gradient_at(-h));
    let mut hv = m.zeros_like();
    let (mut hv_xs, mut hv_ys) = ([0.0; 4], [0.0; 4]);
    mse_hvp(&m, &v, &mut hv, &XS, &[0.0; 4], &mut hv_xs, &YS, &[0.0; 4], &mut hv_ys);
    let numeric: Vec<f64> = plus.iter().zip(&minus).map(|(p, q)| (p - q) / (2.0 * h)).collect();
    assert_all_close(&hv.to_flat(), &numeric, 1e-6);
}

fn a_method_of_a_constant_model_is_differentiated_in_its_arguments(m: Curve, x: f64) {
    let (value, dx) = through_constant_model_grad(&m, x);
    assert!(close(value, through_constant_model(&m, x), 1e-15));
    let numeric = numeric_gradient(|w| through_constant_model(&m, w[0]), &[x]);
    assert!(close(dx, numeric[0], 1e-6), "{dx} {numeric:?}");
    let (_, tangent) = through_constant_model_jvp(&m, x, 0.3);
    assert!(close(tangent, 0.3 * dx, 1e-12));
}

/// Springs: a struct of constants that is no `Params` model.
struct Spring {
    stiffness: f64,
    rest: f64,
}

impl Spring {
    /// `½k(x − r)²`, differentiated in `x` only.
    #[grad(forward, reverse, wrt(x))]
    fn energy(&self, x: f64) -> f64 {
        0.5 * self.stiffness * (x - self.rest).powi(2)
    }

    /// A plain method: called with constants only, it needs no derivative.
    fn scaled_stiffness(&self, factor: f64) -> f64 {
        factor * self.stiffness
    }

    /// Two calls of `self.energy` on the constant `self`, and a plain
    /// method of constants.
    #[grad(forward, reverse, wrt(x, y))]
    fn pair(&self, x: f64, y: f64) -> f64 {
        self.energy(x) + self.energy(x * y) * self.scaled_stiffness(0.5)
    }
}

fn methods_of_a_constant_struct_are_differentiated_in_their_arguments(x: f64, y: f64) {
    let s = Spring { stiffness: 3.0, rest: 0.5 };
    let (value, dx, dy) = s.pair_grad(x, y);
    assert!(close(value, s.pair(x, y), 1e-15));
    let numeric = numeric_gradient(|w| s.pair(w[0], w[1]), &[x, y]);
    assert_all_close(&[dx, dy], &numeric, 1e-6);
    let (_, tangent) = s.pair_jvp(x, 0.4, y, -0.9);
    assert!(close(tangent, 0.4 * dx - 0.9 * dy, 1e-12));
    // Closed form: k(x − r) + 0.5k · k(xy − r)·y.
    let k = 3.0;
    assert!(close(dx, k * (x - 0.5) + 0.5 * k * k * (x * y - 0.5) * y, 1e-12));
}

fn curves() -> impl Strategy<Value = Curve> {
    (-2.0..2.0, -2.0..2.0, -2.0..2.0).prop_map(|(slope, intercept, bend)| Curve { slope, intercept, bend })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn self_helper(m in curves(), x in -2.0..2.0, y in -2.0..2.0) {
        self_helper_gives_the_model_and_argument_partials(m, x, y);
    }

    #[test]
    fn self_helper_second_order(m in curves(), x in -2.0..2.0, y in -2.0..2.0) {
        self_helper_second_order_matches_differences_of_the_gradient(m, x, y);
    }

    #[test]
    fn restricted_methods_in_a_loop(m in curves(), scale in -1.5..1.5) {
        calls_of_restricted_methods_in_a_loop_get_every_partial(m, scale);
    }

    #[test]
    fn free_function_calls_a_method(m in curves()) {
        a_free_function_calls_a_method_of_its_model(m);
    }

    #[test]
    fn method_of_a_constant_model(m in curves(), x in -1.5..1.5) {
        a_method_of_a_constant_model_is_differentiated_in_its_arguments(m, x);
    }

    #[test]
    fn methods_of_a_constant_struct(x in -2.0..2.0, y in -2.0..2.0) {
        methods_of_a_constant_struct_are_differentiated_in_their_arguments(x, y);
    }
}

/// A one-hidden-layer network over 2-d inputs, written as people write it:
/// the loss walks the samples with `xs.iter().zip(ys)` and hands each row
/// (a `&[f64; 2]`) to `self.forward(x)`.
#[derive(Params, Clone)]
struct Net {
    w1: Vec<[f64; 2]>,
    b1: Vec<f64>,
    w2: Vec<f64>,
    b2: f64,
}

impl Net {
    #[grad(wrt(self))]
    fn forward(&self, x: &[f64; 2]) -> f64 {
        let mut out = self.b2;
        for j in 0..self.b1.len() {
            let h = (self.w1[j][0] * x[0] + self.w1[j][1] * x[1] + self.b1[j]).tanh();
            out += self.w2[j] * h;
        }
        out
    }

    #[grad(wrt(self))]
    fn loss(&self, xs: &[[f64; 2]], ys: &[f64]) -> f64 {
        let mut total = 0.0;
        for (x, &y) in xs.iter().zip(ys) {
            let p = self.forward(x);
            total += (p - y) * (p - y);
        }
        total / xs.len() as f64
    }
}

#[test]
fn a_row_borrowed_by_iteration_is_passed_to_a_method_and_differentiated_through() {
    let net = Net { w1: vec![[0.5, -0.3], [0.2, 0.8]], b1: vec![0.1, -0.2], w2: vec![1.0, -1.5], b2: 0.3 };
    let xs = [[1.0, 2.0], [-0.5, 0.25], [0.3, -1.0]];
    let ys = [0.5, -0.2, 0.1];
    let mut d_net = net.zeros_like();
    let value = net.loss_grad(&mut d_net, &xs, &ys);
    assert_eq!(value, net.loss(&xs, &ys));
    let at = |flat: &[f64]| {
        let mut moved = net.clone();
        moved.copy_from_flat(flat);
        moved.loss(&xs, &ys)
    };
    check_gradient(at, &net.to_flat(), &d_net.to_flat()).assert_close(1e-6);
}

/// A two-link arm whose tip a method returns as a tuple.
#[derive(Params, Clone)]
struct Arm {
    l1: f64,
    l2: f64,
}

impl Arm {
    #[grad(forward, reverse)]
    fn tip(&self, a: f64, b: f64) -> (f64, f64) {
        (self.l1 * a.cos() + self.l2 * (a + b).cos(), self.l1 * a.sin() + self.l2 * (a + b).sin())
    }

    /// The tip's distance from the shoulder, through `let (x, y) = self.tip(..)`.
    #[grad(forward, reverse)]
    fn reach(&self, a: f64, b: f64) -> f64 {
        let (x, y) = self.tip(a, b);
        (x * x + y * y).sqrt()
    }
}

/// The same destructuring of a method call, in a free function.
#[grad(forward, reverse)]
fn tip_product(arm: &Arm, a: f64, b: f64) -> f64 {
    let (x, y) = arm.tip(a, b);
    x * y
}

#[test]
fn a_tuple_let_destructures_a_method_call() {
    let arm = Arm { l1: 1.0, l2: 0.5 };
    let point = [arm.l1, arm.l2, 0.3, 0.7];
    let at = |p: &[f64]| (Arm { l1: p[0], l2: p[1] }, p[2], p[3]);

    let mut d_arm = arm.zeros_like();
    let (value, da, db) = arm.reach_grad(&mut d_arm, 0.3, 0.7);
    assert_eq!(value, arm.reach(0.3, 0.7));
    let reach = |p: &[f64]| {
        let (arm, a, b) = at(p);
        arm.reach(a, b)
    };
    check_gradient(reach, &point, &[d_arm.l1, d_arm.l2, da, db]).assert_close(1e-6);
    // The law of cosines: reach² = l1² + l2² + 2·l1·l2·cos b.
    let expected = (1.0f64 + 0.25 + 2.0 * 0.5 * 0.7f64.cos()).sqrt();
    assert!(close(value, expected, 1e-12));

    let mut d_arm = arm.zeros_like();
    let (_, da, db) = tip_product_grad(&arm, &mut d_arm, 0.3, 0.7);
    let product = |p: &[f64]| {
        let (arm, a, b) = at(p);
        tip_product(&arm, a, b)
    };
    check_gradient(product, &point, &[d_arm.l1, d_arm.l2, da, db]).assert_close(1e-6);
    // Forward mode along (0, 0, 1, −2): the gradient's dot product.
    let direction = Arm { l1: 0.0, l2: 0.0 };
    let (_, tangent) = tip_product_jvp(&arm, &direction, 0.3, 1.0, 0.7, -2.0);
    assert!(close(tangent, da - 2.0 * db, 1e-12));
}

/// A neuron whose method passes its fields by value (`affine(self.w[0],
/// self.b, x)`) and lends one (`&self.w`) to `#[grad]` helpers. The
/// method's twin for a constant `self` took those fields for values of a
/// type it cannot see and asked for a typed `let` (issue 8): it now reads
/// them as the method does, a model's floats.
#[derive(Params, Clone)]
struct Neuron {
    w: [f64; 2],
    b: f64,
}

#[grad(forward, reverse, hessian)]
fn affine(w: f64, b: f64, x: f64) -> f64 {
    w * x + b
}

#[grad(forward, reverse, hessian)]
fn poly2(w: &[f64; 2], x: f64) -> f64 {
    w[0] * x + w[1] * x * x
}

#[grad(forward, reverse, hessian)]
fn poly2_by_value(w: [f64; 2], x: f64) -> f64 {
    w[0] * x + w[1] * x * x
}

impl Neuron {
    #[grad(forward, reverse, hessian)]
    fn fire(&self, x: f64) -> f64 {
        affine(self.w[0], self.b, x).tanh() + poly2(&self.w, x) * self.b
    }

    /// An array field passed by value (review 9: E0308 in the twin).
    #[grad(forward, reverse, hessian)]
    fn fire_by_value(&self, x: f64) -> f64 {
        poly2_by_value(self.w, x) * self.b
    }
}

/// The neuron as a constant: through the twin.
#[grad(forward, reverse, hessian, wrt(x))]
fn fire_twice(n: &Neuron, x: f64) -> f64 {
    n.fire(x * x) * x + n.fire_by_value(x)
}

#[test]
fn fields_of_self_passed_by_value_and_lent_in_the_twin_for_a_constant_self() {
    let n = Neuron { w: [0.5, -1.25], b: 0.3 };
    let fire = |w0: f64, w1: f64, b: f64, x: f64| (w0 * x + b).tanh() + (w0 * x + w1 * x * x) * b;
    // The method itself: the model's partials and x's, against the closed form.
    let x = 0.7;
    let mut d = n.zeros_like();
    let (value, dx) = n.fire_grad(&mut d, x);
    let sech2 = 1.0 - (n.w[0] * x + n.b).tanh().powi(2);
    assert!(close(value, fire(n.w[0], n.w[1], n.b, x), 1e-14));
    assert!(close(d.w[0], x * sech2 + x * n.b, 1e-12));
    assert!(close(d.w[1], x * x * n.b, 1e-12));
    assert!(close(d.b, sech2 + n.w[0] * x + n.w[1] * x * x, 1e-12));
    assert!(close(dx, n.w[0] * sech2 + (n.w[0] + 2.0 * n.w[1] * x) * n.b, 1e-12));
    // The twin, in every mode, against central differences.
    let g = |x: f64| fire(n.w[0], n.w[1], n.b, x * x) * x + (n.w[0] * x + n.w[1] * x * x) * n.b;
    let h = 1e-6;
    for x in [-0.9, 0.2, 1.1] {
        let numeric = (g(x + h) - g(x - h)) / (2.0 * h);
        let (value, dx) = fire_twice_grad(&n, x);
        assert!(close(value, g(x), 1e-14) && close(dx, numeric, 1e-6), "{dx} against {numeric}");
        let (_, tangent) = fire_twice_jvp(&n, x, 2.0);
        assert!(close(tangent, 2.0 * dx, 1e-12));
        let second = (fire_twice_grad(&n, x + h).1 - fire_twice_grad(&n, x - h).1) / (2.0 * h);
        let (_, hv) = fire_twice_hvp(&n, x, 1.0);
        assert!(close(hv, second, 1e-5), "{hv} against {second}");
    }
}

/// A layer whose method writes an output through another method's untyped
/// value (round 18, C1): `let z = self.pre(x);` given a slice `x`. Its twin
/// for a constant `self` took `z` for a value of unknown type and was
/// silently left out, so a caller on a constant layer failed with "`apply`
/// has no derivative".
#[derive(Params, Clone)]
struct Layer1 {
    w: Vec<f64>,
}

impl Layer1 {
    #[grad(forward, reverse, hessian)]
    fn pre(&self, x: &[f64]) -> f64 {
        self.w[0] * x[0] + self.w[1] * x[1]
    }

    #[grad(forward, reverse, hessian)]
    fn act(&self, z: f64) -> f64 {
        z.tanh()
    }

    #[grad(forward, reverse, hessian)]
    fn apply(&self, x: &[f64], out: &mut [f64]) {
        let z = self.pre(x);
        out[0] = self.act(z);
        out[1] = z * z;
    }
}

/// Through the twin: the layer is a constant here.
#[grad(forward, reverse, hessian, wrt(x))]
fn through_constant_layer(layer: &Layer1, x: &[f64]) -> f64 {
    let mut out = [0.0; 2];
    layer.apply(x, &mut out);
    out[0] + out[1] * x[0]
}

#[test]
fn an_untyped_value_of_a_method_given_a_slice_reaches_the_twin_for_a_constant_self() {
    let layer = Layer1 { w: vec![0.6, -0.4] };
    let f = |x: &[f64]| {
        let z = 0.6 * x[0] - 0.4 * x[1];
        z.tanh() + z * z * x[0]
    };
    let h = 1e-6;
    for x in [[0.3, -0.7], [-1.1, 0.4]] {
        let mut dx = [0.0; 2];
        let value = through_constant_layer_grad(&layer, &x, &mut dx);
        assert!(close(value, f(&x), 1e-14));
        // Closed form: z = w·x, f = tanh z + z² x₀.
        let z = 0.6 * x[0] - 0.4 * x[1];
        let dz = 1.0 - z.tanh().powi(2) + 2.0 * z * x[0];
        assert_all_close(&dx, &[dz * 0.6 + z * z, dz * -0.4], 1e-12);
        let v = [0.8, -0.5];
        let (_, tangent) = through_constant_layer_jvp(&layer, &x, &v);
        assert!(close(tangent, dx[0] * v[0] + dx[1] * v[1], 1e-12));
        let mut hv = [0.0; 2];
        through_constant_layer_hvp(&layer, &x, &v, &mut hv);
        for i in 0..2 {
            let shifted = |s: f64| {
                let xs = [x[0] + s * v[0], x[1] + s * v[1]];
                let mut d = [0.0; 2];
                through_constant_layer_grad(&layer, &xs, &mut d);
                d[i]
            };
            assert!(close(hv[i], (shifted(h) - shifted(-h)) / (2.0 * h), 1e-5), "{hv:?}");
        }
    }
}

/// Settings that are not a model: a constant receiver.
struct Gain {
    scale: f64,
}

impl Gain {
    #[grad(forward, reverse, wrt(x))]
    fn apply(&self, x: f64) -> f64 {
        self.scale * x.sin()
    }
}

#[grad(forward, reverse)]
fn total(v: &[f64]) -> f64 {
    v.iter().sum()
}

/// `y`, the value of a call given a slice, passed to a method of a
/// constant: taken for a float (refused before as of a type unseen).
#[grad(forward, reverse, wrt(x))]
fn through_a_call_given_a_slice(g: &Gain, x: &[f64]) -> f64 {
    let y = total(x);
    autodiff::sigmoid(g.apply(y))
}

#[test]
fn a_call_given_a_slice_gives_a_float_to_a_method_of_a_constant() {
    let g = Gain { scale: 1.7 };
    let x = [0.4, -0.9, 0.25];
    let mut dx = [0.0; 3];
    let value = through_a_call_given_a_slice_grad(&g, &x, &mut dx);
    let s: f64 = x.iter().sum();
    let u = g.scale * s.sin();
    let sigma = 1.0 / (1.0 + (-u).exp());
    assert!(close(value, sigma, 1e-14));
    let partial = sigma * (1.0 - sigma) * g.scale * s.cos();
    assert_all_close(&dx, &[partial; 3], 1e-12);
    let (_, tangent) = through_a_call_given_a_slice_jvp(&g, &x, &[1.0, 2.0, -0.5]);
    assert!(close(tangent, 2.5 * partial, 1e-12));
}
