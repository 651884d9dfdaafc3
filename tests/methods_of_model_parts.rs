//! A method called on a part of a model (issue 8 item 3, round 15): an
//! MLP written as `Vec<Layer>` calls each layer's `#[grad]` method. The
//! macro cannot see the part's type, so the part is bound by a reference
//! whose type is written (`let layer: &Layer = &self.layers[l];`), and
//! the call goes through `Layer`'s companion with the part's shadow
//! (`d_self.layers[l]`). Checked in every mode against central
//! differences of the value (reverse), the gradient (forward: `J·v`) and
//! differences of the gradient (second order). Without the type, the
//! call is refused with this fix (`tests/ui/method-of-a-model-part.rs`).

mod common;

use autodiff::prelude::*;
use common::close;

#[derive(Params, Clone, Debug)]
struct Layer {
    w: Vec<f64>,
    b: f64,
}

impl Layer {
    /// One neuron of one input: `tanh(w₀·x + b)`, plus a square of `w₁`.
    #[grad(forward, reverse, hessian)]
    fn forward(&self, x: f64) -> f64 {
        (self.w[0] * x + self.b).tanh() + 0.1 * self.w[1] * self.w[1] * x
    }
}

#[derive(Params, Clone, Debug)]
struct Net {
    layers: Vec<Layer>,
    head: Layer,
    blocks: Vec<Block>,
    scale: f64,
}

/// A model inside a model, whose layers are parts of parts.
#[derive(Params, Clone, Debug)]
struct Block {
    layers: Vec<Layer>,
    gain: f64,
}

impl Net {
    /// The layers in turn, then the head: each part's own method.
    #[grad(forward, reverse, hessian)]
    fn forward(&self, x: f64) -> f64 {
        let mut h = x;
        for l in 0..self.layers.len() {
            let layer: &Layer = &self.layers[l];
            h = layer.forward(h);
        }
        let head: &Layer = &self.head;
        self.scale * head.forward(h)
    }
}

/// `Net::forward` written with the loop over the layers, each typed once.
#[grad(forward, reverse, hessian)]
fn by_loop(net: &Net, x: f64) -> f64 {
    let mut h = x;
    for layer in &net.layers {
        let layer: &Layer = layer;
        h = layer.forward(h);
    }
    let head: &Layer = &net.head;
    net.scale * head.forward(h)
}

/// The same network through a free function of the model.
#[grad(forward, reverse, hessian)]
fn squared(net: &Net, x: f64) -> f64 {
    let first: &Layer = &net.layers[0];
    let y = net.forward(x) + first.forward(x);
    y * y
}

fn net() -> Net {
    let layer = |w0: f64, w1: f64, b: f64| Layer { w: vec![w0, w1], b };
    let block = Block { layers: vec![layer(0.4, 0.6, -0.1), layer(1.1, -0.2, 0.3)], gain: 0.9 };
    Net {
        layers: vec![layer(0.8, -0.3, 0.1), layer(-1.2, 0.5, 0.4)],
        head: layer(0.7, 0.2, -0.2),
        blocks: vec![block],
        scale: 1.3,
    }
}

/// Every parameter of `net`, in `Params` order.
fn flat(net: &Net) -> Vec<f64> {
    let mut all = Vec::new();
    net.for_each_slice(&mut |s| all.extend_from_slice(s));
    all
}

/// `net` with its parameters replaced by `values`, in `Params` order.
fn with(net: &Net, values: &[f64]) -> Net {
    let mut out = net.clone();
    let mut at = 0;
    out.for_each_slice_mut(&mut |s| {
        s.copy_from_slice(&values[at..at + s.len()]);
        at += s.len();
    });
    out
}

/// Central differences of `f` in every parameter of `net`.
fn differences(net: &Net, f: &dyn Fn(&Net) -> f64) -> Vec<f64> {
    let p = flat(net);
    let h = 1e-6;
    (0..p.len())
        .map(|k| {
            let (mut up, mut down) = (p.clone(), p.clone());
            up[k] += h;
            down[k] -= h;
            (f(&with(net, &up)) - f(&with(net, &down))) / (2.0 * h)
        })
        .collect()
}

#[test]
fn a_method_of_each_part_differentiates_into_its_shadow() {
    let net = net();
    let x = 0.6;
    let mut d_net = net.zeros_like();
    let (value, dx) = net.forward_grad(&mut d_net, x);
    assert!(close(value, net.forward(x), 1e-15));
    let want = differences(&net, &|n| n.forward(x));
    for (got, want) in flat(&d_net).iter().zip(&want) {
        assert!(close(*got, *want, 1e-7), "{got} vs {want}");
    }
    let h = 1e-6;
    assert!(close(dx, (net.forward(x + h) - net.forward(x - h)) / (2.0 * h), 1e-7));
}

#[test]
fn forward_mode_agrees_with_the_gradient() {
    let net = net();
    let x = -0.4;
    let mut d_net = net.zeros_like();
    let (_, dx) = squared_grad(&net, &mut d_net, x);
    let direction = with(&net, &(0..flat(&net).len()).map(|k| 0.3 - 0.1 * k as f64).collect::<Vec<_>>());
    let (_, jv) = squared_jvp(&net, &direction, x, 0.7);
    let want: f64 = flat(&d_net).iter().zip(flat(&direction)).map(|(g, v)| g * v).sum::<f64>() + dx * 0.7;
    assert!(close(jv, want, 1e-12), "{jv} vs {want}");
}

#[test]
fn second_order_agrees_with_differences_of_the_gradient() {
    let net = net();
    let x = 0.9;
    let v: Vec<f64> = (0..flat(&net).len()).map(|k| 0.2 + 0.05 * k as f64).collect();
    let direction = with(&net, &v);
    let mut hv = net.zeros_like();
    let (value, hvx) = net.forward_hvp(&direction, &mut hv, x, 0.0);
    assert!(close(value, net.forward(x), 1e-15));
    let h = 1e-5;
    let gradient = |t: f64| {
        let p: Vec<f64> = flat(&net).iter().zip(&v).map(|(p, v)| p + t * v).collect();
        let moved = with(&net, &p);
        let mut d = moved.zeros_like();
        let (_, dx) = moved.forward_grad(&mut d, x);
        (flat(&d), dx)
    };
    let ((up, up_x), (down, down_x)) = (gradient(h), gradient(-h));
    for ((got, up), down) in flat(&hv).iter().zip(&up).zip(&down) {
        let want = (up - down) / (2.0 * h);
        assert!(close(*got, want, 1e-6), "{got} vs {want}");
    }
    assert!(close(hvx, (up_x - down_x) / (2.0 * h), 1e-6));
}

/// The network's output scaled by `k`, the network left out of `wrt`: a
/// part's method goes through its twin for a constant `self`.
#[grad(forward, reverse, hessian, wrt(x))]
fn through_a_constant_net(net: &Net, x: f64) -> f64 {
    let head: &Layer = &net.head;
    head.forward(x) * net.forward(x)
}

#[test]
fn a_part_of_a_constant_model_differentiates_in_its_arguments() {
    let net = net();
    let x = 0.35;
    let f = |x: f64| net.head.forward(x) * net.forward(x);
    let h = 1e-6;
    let slope = (f(x + h) - f(x - h)) / (2.0 * h);
    assert!(close(through_a_constant_net_grad(&net, x).1, slope, 1e-7));
    assert!(close(through_a_constant_net_jvp(&net, x, 1.0).1, slope, 1e-7));
    let curvature = (f(x + h) - 2.0 * f(x) + f(x - h)) / (h * h);
    assert!(close(through_a_constant_net_hvp(&net, x, 1.0).1, curvature, 1e-3));
}

#[test]
fn the_loop_over_the_layers_gives_the_same_derivatives() {
    let net = net();
    let x = -0.7;
    let (mut by_method, mut looped) = (net.zeros_like(), net.zeros_like());
    let (value, dx) = net.forward_grad(&mut by_method, x);
    let (loop_value, loop_dx) = by_loop_grad(&net, &mut looped, x);
    assert!(close(value, loop_value, 1e-15) && close(dx, loop_dx, 1e-15));
    for (a, b) in flat(&by_method).iter().zip(flat(&looped)) {
        assert!(close(*a, b, 1e-15));
    }
    let direction = with(&net, &(0..flat(&net).len()).map(|k| 0.1 * k as f64 - 0.4).collect::<Vec<_>>());
    let want: f64 = flat(&looped).iter().zip(flat(&direction)).map(|(g, v)| g * v).sum::<f64>() + 0.5 * loop_dx;
    assert!(close(by_loop_jvp(&net, &direction, x, 0.5).1, want, 1e-12));
    let mut hv = net.zeros_like();
    let mut hv_loop = net.zeros_like();
    net.forward_hvp(&direction, &mut hv, x, 0.5);
    by_loop_hvp(&net, &direction, &mut hv_loop, x, 0.5);
    for (a, b) in flat(&hv).iter().zip(flat(&hv_loop)) {
        assert!(close(*a, b, 1e-12));
    }
}

/// A part of a typed part: `block` typed, then one of its layers (review
/// 22: the second binding was refused); a typed name in a closed block
/// types nothing outside it.
#[grad(forward, reverse, hessian)]
fn through_a_block(net: &Net, x: f64) -> f64 {
    {
        let unused: &Layer = &net.head;
        let _ = unused.b;
    }
    let block: &Block = &net.blocks[0];
    let inner: &Layer = &block.layers[1];
    block.gain * inner.forward(x) + block.layers[0].b * x
}

#[test]
fn a_part_of_a_part_in_every_mode() {
    let net = net();
    let x = 0.45;
    let f = |n: &Net| n.blocks[0].gain * n.blocks[0].layers[1].forward(x) + n.blocks[0].layers[0].b * x;
    let mut d_net = net.zeros_like();
    let (value, _) = through_a_block_grad(&net, &mut d_net, x);
    assert!(close(value, f(&net), 1e-15));
    for (got, want) in flat(&d_net).iter().zip(differences(&net, &f)) {
        assert!(close(*got, want, 1e-7), "{got} vs {want}");
    }
    let direction = with(&net, &(0..flat(&net).len()).map(|k| 0.05 * k as f64 - 0.3).collect::<Vec<_>>());
    let (_, dx) = through_a_block_grad(&net, &mut net.zeros_like(), x);
    let want: f64 = flat(&d_net).iter().zip(flat(&direction)).map(|(g, v)| g * v).sum::<f64>() + 0.2 * dx;
    assert!(close(through_a_block_jvp(&net, &direction, x, 0.2).1, want, 1e-12));
    let mut hv = net.zeros_like();
    through_a_block_hvp(&net, &direction, &mut hv, x, 0.0);
    let h = 1e-5;
    let gradient = |t: f64| {
        let p: Vec<f64> = flat(&net).iter().zip(flat(&direction)).map(|(p, v)| p + t * v).collect();
        let mut d = net.zeros_like();
        through_a_block_grad(&with(&net, &p), &mut d, x);
        flat(&d)
    };
    let (up, down) = (gradient(h), gradient(-h));
    for ((got, up), down) in flat(&hv).iter().zip(&up).zip(&down) {
        assert!(close(*got, (up - down) / (2.0 * h), 1e-6));
    }
}

/// The layers' method called by the type's path (review 22: refused with
/// an outdated fix), on a part and on a typed name.
#[grad(forward, reverse, hessian)]
fn by_path(net: &Net, x: f64) -> f64 {
    let mut h = x;
    for l in 0..net.layers.len() {
        h = Layer::forward(&net.layers[l], h);
    }
    let head: &Layer = &net.head;
    net.scale * Layer::forward(head, h)
}

#[test]
fn a_method_called_by_its_types_path_is_the_method() {
    let net = net();
    let x = 0.25;
    let (mut by_method, mut by_path_) = (net.zeros_like(), net.zeros_like());
    let (value, dx) = net.forward_grad(&mut by_method, x);
    let (path_value, path_dx) = by_path_grad(&net, &mut by_path_, x);
    assert!(close(value, path_value, 1e-15) && close(dx, path_dx, 1e-15));
    for (a, b) in flat(&by_method).iter().zip(flat(&by_path_)) {
        assert!(close(*a, b, 1e-15));
    }
    let direction = with(&net, &(0..flat(&net).len()).map(|k| 0.2 - 0.03 * k as f64).collect::<Vec<_>>());
    assert!(close(by_path_jvp(&net, &direction, x, 1.0).1, net.forward_jvp(&direction, x, 1.0).1, 1e-14));
    let (mut hv, mut hv_path) = (net.zeros_like(), net.zeros_like());
    net.forward_hvp(&direction, &mut hv, x, 1.0);
    by_path_hvp(&net, &direction, &mut hv_path, x, 1.0);
    for (a, b) in flat(&hv).iter().zip(flat(&hv_path)) {
        assert!(close(*a, b, 1e-12));
    }
}

/// A model inside a plain struct left out of `wrt`, its method called by
/// the type's path (refused before typed parts, `ui` kept the refusal):
/// differentiated in its other arguments through the method's twin for a
/// constant `self`.
struct Pipeline {
    first: Layer,
    offset: f64,
}

#[grad(forward, reverse, hessian, wrt(x))]
fn through_a_pipeline(p: &Pipeline, x: f64) -> f64 {
    Layer::forward(&p.first, x * x) + p.offset
}

#[test]
fn a_models_method_inside_a_constant_struct() {
    let p = Pipeline { first: net().head, offset: 0.5 };
    let x = 0.8;
    let f = |x: f64| p.first.forward(x * x) + p.offset;
    let h = 1e-6;
    let slope = (f(x + h) - f(x - h)) / (2.0 * h);
    assert!(close(through_a_pipeline_grad(&p, x).1, slope, 1e-7));
    assert!(close(through_a_pipeline_jvp(&p, x, 1.0).1, slope, 1e-7));
    let h = 1e-4;
    let curvature = (f(x + h) - 2.0 * f(x) + f(x - h)) / (h * h);
    assert!(close(through_a_pipeline_hvp(&p, x, 1.0).1, curvature, 1e-5));
}

/// A part type named as a standard type is (an RNN's `Cell`): written
/// without type arguments, it is the user's own (round 18: refused).
#[derive(Params, Clone, Debug)]
struct Cell {
    w: f64,
}

impl Cell {
    #[grad(forward, reverse, hessian)]
    fn apply(&self, x: f64) -> f64 {
        self.w * x * x
    }
}

#[derive(Params, Clone, Debug)]
struct Recurrent {
    cells: Vec<Cell>,
}

impl Recurrent {
    /// `w₁·(w₀·x²)²`.
    #[grad(forward, reverse, hessian)]
    fn run(&self, x: f64) -> f64 {
        let mut h = x;
        for cell in &self.cells {
            let cell: &Cell = cell;
            h = cell.apply(h);
        }
        h
    }
}

#[test]
fn a_part_named_as_a_standard_type() {
    let (w0, w1, x) = (2.0, 0.5, 0.7);
    let net = Recurrent { cells: vec![Cell { w: w0 }, Cell { w: w1 }] };
    let mut d = net.zeros_like();
    let (value, dx) = net.run_grad(&mut d, x);
    assert!(close(value, w1 * w0 * w0 * x.powi(4), 1e-12));
    assert!(close(dx, 4.0 * w1 * w0 * w0 * x.powi(3), 1e-12));
    assert!(close(d.cells[0].w, 2.0 * w1 * w0 * x.powi(4), 1e-12));
    assert!(close(d.cells[1].w, w0 * w0 * x.powi(4), 1e-12));
}
