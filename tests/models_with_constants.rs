//! Models whose structs hold constants beside their floats (`n_in: usize`,
//! `on: bool`, `sizes: Vec<usize>`, `name: String`, an enum that implements
//! `Params` with no parameter), as models are written: `#[derive(Params)]`
//! clones the constants into a zero model and visits the floats alone, and
//! `#[grad]` reads a field the body uses as an integer or a `bool` (a range
//! bound, an index, a condition, a `powi` exponent, a typed `let`,
//! arithmetic with integers) as a constant. Each function is checked
//! against its closed form in every mode it has, and the constants of the
//! shadows and tangents are left as they were.

#![deny(warnings)]
// Index loops bounded by a model's constant are among the forms under test.
#![allow(clippy::needless_range_loop)]

mod common;

use autodiff::prelude::*;
use autodiff::Params;
use common::close;

/// The activation a layer applies, an enum of settings: no parameter of
/// its own (an enum's payload is read by patterns, which give constants).
#[derive(Params, Clone, Copy, Debug, PartialEq)]
enum Act {
    Tanh,
    Relu,
    Leaky(f64),
}

#[derive(Params, Clone, Debug, PartialEq)]
struct Layer {
    w: Vec<f64>,
    b: f64,
    n_in: usize,
    power: i32,
    squared: bool,
    sizes: Vec<usize>,
    name: String,
    act: Act,
}

impl Layer {
    /// `act(b + Σ_{i < n_in} wᵢxᵢ)`: `self.n_in` a range bound, `self.act` matched.
    #[grad(forward, reverse, hessian, graph)]
    fn forward(&self, x: &[f64]) -> f64 {
        let mut s = self.b;
        for i in 0..self.n_in {
            s += self.w[i] * x[i];
        }
        match self.act {
            Act::Tanh => s.tanh(),
            Act::Relu => s.max(0.0),
            // The payload of a model's enum of settings is a constant.
            Act::Leaky(slope) => {
                if s > 0.0 {
                    s
                } else {
                    slope * s
                }
            }
        }
    }
}

/// The activation copied out of the model before it is matched (review 20:
/// the copy was typed as a float, E0308): a value matched by an enum's
/// variant holds no float, nor does the field it copies.
#[grad(forward, reverse, hessian)]
fn copied_activation(m: &Layer, x: &[f64]) -> f64 {
    let act = m.act;
    let s = m.w[0] * x[0] + m.b;
    match act {
        Act::Leaky(slope) => slope * s,
        _ => s,
    }
}

/// `sᵏ·n` with `s = b + Σ_{i < n} wᵢxᵢ`: the constants read through typed `let`s.
#[grad(forward, reverse, hessian, graph)]
fn typed(m: &Layer, x: &[f64]) -> f64 {
    let n: usize = m.n_in;
    let k: i32 = m.power;
    let mut s = m.b;
    for i in 0..n {
        s += m.w[i] * x[i];
    }
    s.powi(k) * (n as f64)
}

/// The constants read in place and through untyped copies: `s = b + Σ_{i <
/// n} wᵢxᵢ`, squared when `on`, then `s^power + s·Σ_{j < sizes[1]} j ·
/// sizes[0] + n·s` (`m.sizes[0] as f64` tells nothing by itself; `m.sizes[1]`
/// bounds a range, so the field holds integers).
#[grad(forward, reverse, hessian, graph)]
fn untyped(m: &Layer, x: &[f64]) -> f64 {
    let n = m.n_in;
    let last = n - 1;
    let mut s = m.b;
    for i in 0..=last {
        s += m.w[i] * x[i];
    }
    if m.squared {
        s = s * s;
    }
    let mut t = 0.0;
    for j in 0..m.sizes[1] {
        t += s * (j as f64);
    }
    s.powi(m.power) + t * (m.sizes[0] as f64) + (n as f64) * s
}

fn layer(act: Act, squared: bool) -> Layer {
    Layer {
        w: vec![0.3, -0.5, 0.8, 1.7],
        b: 0.2,
        n_in: 3,
        power: 3,
        squared,
        sizes: vec![2, 4],
        name: "hidden".to_string(),
        act,
    }
}

const X: [f64; 4] = [0.9, -0.4, 0.6, 2.0];

/// `b + Σ_{i < 3} wᵢxᵢ`.
fn pre(m: &Layer) -> f64 {
    m.b + (0..3).map(|i| m.w[i] * X[i]).sum::<f64>()
}

/// The gradient with respect to `(w, b)` and to `x` of `g(s)`, whose
/// derivative at `s` is `dg`.
fn chain(m: &Layer, dg: f64) -> (Vec<f64>, f64, Vec<f64>) {
    let dw = (0..4).map(|i| if i < 3 { dg * X[i] } else { 0.0 }).collect();
    let dx = (0..4).map(|i| if i < 3 { dg * m.w[i] } else { 0.0 }).collect();
    (dw, dg, dx)
}

/// The adjoint of `x` in a graph, against the closed form.
fn assert_graph_adjoint(graph: &autodiff::Graph, m: &Layer, dg: f64) {
    let node = graph.node(common::graph::node(graph, "x"));
    let adjoint = node.adjoint().and_then(autodiff::Value::as_array).expect("an adjoint of `x`");
    let (_, _, dx) = chain(m, dg);
    for i in 0..4 {
        assert!(close(adjoint[i], dx[i], 1e-12), "x[{i}]: {} against {}", adjoint[i], dx[i]);
    }
}

fn assert_gradient(d_m: &Layer, d_x: &[f64], m: &Layer, dg: f64) {
    let (dw, db, dx) = chain(m, dg);
    for i in 0..4 {
        assert!(close(d_m.w[i], dw[i], 1e-12), "w[{i}]: {} against {}", d_m.w[i], dw[i]);
        assert!(close(d_x[i], dx[i], 1e-12), "x[{i}]: {} against {}", d_x[i], dx[i]);
    }
    assert!(close(d_m.b, db, 1e-12));
    // The constants of the shadow are the model's, untouched.
    assert_eq!(
        (d_m.n_in, d_m.power, d_m.squared, &d_m.sizes, &d_m.name, d_m.act),
        (3, 3, m.squared, &vec![2, 4], &m.name, m.act)
    );
}

/// `NAME_jvp` of a function of a layer and `x`: `(value, tangent)`.
type Jvp = fn(&Layer, &Layer, &[f64], &[f64]) -> (f64, f64);

/// `NAME_hvp` of the same: the layer's and `x`'s parts of H·v are added
/// into the `&mut` arguments.
type Hvp = fn(&Layer, &Layer, &mut Layer, &[f64], &[f64], &mut [f64]) -> f64;

/// A function of the layer's pre-activation `s = b + Σ_{i < 3} wᵢxᵢ`, in
/// every mode it has.
struct Modes {
    grad: fn(&Layer, &mut Layer, &[f64], &mut [f64]) -> f64,
    jvp: Jvp,
    hvp: Hvp,
    graph: fn(&Layer, &[f64]) -> autodiff::Graph,
}

/// Checks each mode of `g(s)` against `g'(s) = dg`, `g''(s) = d2g`. Along
/// the direction that moves `b` alone the tangent is `g'(s)`, and H·v is
/// `g''(s)·(∂s/∂w, ∂s/∂b, ∂s/∂x)`.
fn assert_every_mode(modes: &Modes, m: &Layer, dg: f64, d2g: f64) {
    let mut d_m = m.zeros_like();
    let mut d_x = [0.0; 4];
    (modes.grad)(m, &mut d_m, &X, &mut d_x);
    assert_gradient(&d_m, &d_x, m, dg);
    let mut v = m.zeros_like();
    v.b = 1.0;
    assert!(close((modes.jvp)(m, &v, &X, &[0.0; 4]).1, dg, 1e-12));
    let mut hv_m = m.zeros_like();
    let mut hv_x = [0.0; 4];
    (modes.hvp)(m, &v, &mut hv_m, &X, &[0.0; 4], &mut hv_x);
    assert_gradient(&hv_m, &hv_x, m, d2g);
    assert_graph_adjoint(&(modes.graph)(m, &X), m, dg);
}

#[test]
fn the_derive_clones_constants_and_visits_floats() {
    let m = layer(Act::Tanh, false);
    assert_eq!(m.num_params(), 5);
    assert_eq!(m.to_flat(), [0.3, -0.5, 0.8, 1.7, 0.2]);
    let zero = m.zeros_like();
    assert_eq!(zero, Layer { w: vec![0.0; 4], b: 0.0, ..m.clone() });
}

#[test]
fn a_method_reads_its_constants_in_every_mode() {
    // (A bias of −3 puts the pre-activation below 0, where `Leaky` reads its slope.)
    for (act, b) in [(Act::Tanh, 0.2), (Act::Relu, 0.2), (Act::Leaky(0.1), 0.2), (Act::Leaky(0.1), -3.0)] {
        let m = Layer { b, ..layer(act, false) };
        let s = pre(&m);
        let (dg, d2g) = match act {
            Act::Tanh => (1.0 - s.tanh().powi(2), -2.0 * s.tanh() * (1.0 - s.tanh().powi(2))),
            Act::Relu => (if s > 0.0 { 1.0 } else { 0.0 }, 0.0),
            Act::Leaky(slope) => (if s > 0.0 { 1.0 } else { slope }, 0.0),
        };
        let modes = Modes {
            grad: Layer::forward_grad,
            jvp: Layer::forward_jvp,
            hvp: Layer::forward_hvp,
            graph: Layer::forward_graph,
        };
        assert_every_mode(&modes, &m, dg, d2g);
    }
}

#[test]
fn an_activation_copied_before_its_match() {
    let m = layer(Act::Leaky(0.5), false);
    let mut d = m.zeros_like();
    let mut d_x = [0.0; 4];
    copied_activation_grad(&m, &mut d, &X, &mut d_x);
    assert!(close(d.w[0], 0.5 * X[0], 1e-12) && close(d.b, 0.5, 1e-12) && close(d_x[0], 0.5 * m.w[0], 1e-12));
    let mut v = m.zeros_like();
    v.b = 1.0;
    assert!(close(copied_activation_jvp(&m, &v, &X, &[0.0; 4]).1, 0.5, 1e-12));
    assert_eq!(d.act, m.act);
}

#[test]
fn typed_lets_of_constants_in_every_mode() {
    let m = layer(Act::Tanh, false);
    let s = pre(&m);
    // d/ds (3 s³) and d²/ds².
    let (dg, d2g) = (9.0 * s * s, 18.0 * s);
    let modes = Modes { grad: typed_grad, jvp: typed_jvp, hvp: typed_hvp, graph: typed_graph };
    assert_every_mode(&modes, &m, dg, d2g);
}

#[test]
fn constants_read_in_place_and_through_copies_in_every_mode() {
    for squared in [false, true] {
        let m = layer(Act::Tanh, squared);
        let s = pre(&m);
        // u = s or s²; g(u) = u³ + u·(0+1+2+3)·2 + 3u.
        let (u, du, d2u) = if squared { (s * s, 2.0 * s, 2.0) } else { (s, 1.0, 0.0) };
        let (dg_du, d2g_du2) = (3.0 * u * u + 12.0 + 3.0, 6.0 * u);
        let dg = dg_du * du;
        let d2g = d2g_du2 * du * du + dg_du * d2u;
        let modes = Modes { grad: untyped_grad, jvp: untyped_jvp, hvp: untyped_hvp, graph: untyped_graph };
        assert_every_mode(&modes, &m, dg, d2g);
    }
}

/// A layer of a network, with its width beside its weights.
#[derive(Params, Clone)]
struct Unit {
    w: Vec<f64>,
    n: usize,
}

#[derive(Params, Clone)]
struct Net {
    units: Vec<Unit>,
}

/// `s²` with `s = Σ_l Σ_{j < n_l} w_lj·x_j`: `m.units[l].n` bounds a range,
/// which makes every unit's `n` a constant and leaves their `w` floats
/// (review 18: the evidence once took all of `m.units` for constants, and
/// the gradient in the weights was 0).
#[grad(forward, reverse, hessian, graph)]
fn net(m: &Net, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for l in 0..m.units.len() {
        for j in 0..m.units[l].n {
            s += m.units[l].w[j] * x[j];
        }
    }
    s * s
}

#[test]
fn a_constant_of_each_element_leaves_the_elements_floats() {
    let m = Net { units: vec![Unit { w: vec![0.5, -1.0, 2.0], n: 2 }, Unit { w: vec![1.5, 0.25, -0.5], n: 3 }] };
    let x = [0.8, 0.6, -0.4];
    let s: f64 = m.units.iter().map(|u| (0..u.n).map(|j| u.w[j] * x[j]).sum::<f64>()).sum();
    let mut d_m = m.zeros_like();
    let mut d_x = [0.0; 3];
    net_grad(&m, &mut d_m, &x, &mut d_x);
    for (unit, d_unit) in m.units.iter().zip(&d_m.units) {
        assert_eq!(d_unit.n, unit.n);
        for j in 0..3 {
            let want = if j < unit.n { 2.0 * s * x[j] } else { 0.0 };
            assert!(close(d_unit.w[j], want, 1e-12), "{} against {want}", d_unit.w[j]);
        }
    }
    // Along the weights of the first unit: 2s·(x₀ + x₁), and H·v = 2(x₀ + x₁)·∂s.
    let mut v = m.zeros_like();
    v.units[0].w = vec![1.0; 3];
    let along = x[0] + x[1];
    assert!(close(net_jvp(&m, &v, &x, &[0.0; 3]).1, 2.0 * s * along, 1e-12));
    let mut hv_m = m.zeros_like();
    let mut hv_x = [0.0; 3];
    net_hvp(&m, &v, &mut hv_m, &x, &[0.0; 3], &mut hv_x);
    assert!(close(hv_m.units[1].w[2], 2.0 * along * x[2], 1e-12));
    let g = net_graph(&m, &x);
    let node = g.node(common::graph::node(&g, "m"));
    let flat = node.adjoint().and_then(autodiff::Value::as_array).expect("the model's adjoint");
    assert!(close(flat[0], 2.0 * s * x[0], 1e-12));
}

/// A dense layer whose weights are stored row by row, `w[o·n_in + i]`
/// (user round 14: the index was refused as a float, `n_in` being a float
/// by default until its use as an integer is seen).
#[derive(Params, Clone)]
struct Dense {
    w: Vec<f64>,
    n_in: usize,
    n_out: usize,
}

/// `s²` with `s = Σ_o (o + 1) Σ_i w[o·n_in + i]·x_i`.
#[grad(forward, reverse, hessian, graph)]
fn dense(layer: &Dense, x: &[f64]) -> f64 {
    let mut s = 0.0;
    for o in 0..layer.n_out {
        for i in 0..layer.n_in {
            s += layer.w[o * layer.n_in + i] * x[i] * (o + 1) as f64;
        }
    }
    s * s
}

/// `w[n_in − 1]·x₀ + w[n_in]·x₁`, the index computed in a `let` and read in place.
#[grad(forward, reverse, hessian)]
fn edge_weights(layer: &Dense, x: &[f64]) -> f64 {
    let n = layer.n_in;
    let k = n - 1;
    layer.w[k] * x[0] + layer.w[layer.n_in] * x[1]
}

#[test]
fn row_major_weights_indexed_by_a_constant_width() {
    let layer = Dense { w: vec![0.5, -1.0, 2.0, 0.25, 1.5, -0.75], n_in: 3, n_out: 2 };
    let x = [0.8, -0.6, 0.4];
    let s: f64 = (0..2).map(|o| (0..3).map(|i| layer.w[o * 3 + i] * x[i] * (o + 1) as f64).sum::<f64>()).sum();
    let mut d = layer.zeros_like();
    let mut d_x = [0.0; 3];
    dense_grad(&layer, &mut d, &x, &mut d_x);
    for o in 0..2 {
        for i in 0..3 {
            assert!(close(d.w[o * 3 + i], 2.0 * s * x[i] * (o + 1) as f64, 1e-12));
        }
    }
    assert_eq!((d.n_in, d.n_out), (3, 2));
    let mut v = layer.zeros_like();
    v.w[4] = 1.0;
    assert!(close(dense_jvp(&layer, &v, &x, &[0.0; 3]).1, 2.0 * s * x[1] * 2.0, 1e-12));
    let mut hv = layer.zeros_like();
    let mut hv_x = [0.0; 3];
    dense_hvp(&layer, &v, &mut hv, &x, &[0.0; 3], &mut hv_x);
    // ∂²f/∂w₄∂w₀ = 2·(x₁·2)·(x₀·1).
    assert!(close(hv.w[0], 2.0 * (x[1] * 2.0) * x[0], 1e-12));
    let graph = dense_graph(&layer, &x);
    let node = graph.node(common::graph::node(&graph, "layer"));
    let adjoint = node.adjoint().and_then(autodiff::Value::as_array).expect("the layer's adjoint");
    assert!(close(adjoint[4], d.w[4], 1e-12));

    let mut d = layer.zeros_like();
    let mut d_x = [0.0; 3];
    edge_weights_grad(&layer, &mut d, &x, &mut d_x);
    assert_eq!(d.w, [0.0, 0.0, x[0], x[1], 0.0, 0.0]);
    assert_eq!(d_x, [layer.w[2], layer.w[3], 0.0]);
    let mut v = layer.zeros_like();
    v.w[3] = 1.0;
    assert!(close(edge_weights_jvp(&layer, &v, &x, &[0.0; 3]).1, x[1], 1e-12));
}
