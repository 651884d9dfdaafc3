//! An enum of settings as a model's field (round 15: an activation chosen
//! per layer): `#[derive(Params)]` on the enum makes it hold no parameter,
//! and a typed copy of the field (`let act: Act = self.act;`) is a
//! constant that may be passed on by value to a `#[grad]` helper; rustc
//! checks that the type is an enum of settings (`guards::Settings`), so a
//! copy of a sub-model is refused (`tests/ui/copy-of-a-sub-model.rs`).
//! Checked in every mode against central differences.

mod common;

use autodiff::prelude::*;
use common::close;

#[derive(Params, Clone, Copy, Debug, PartialEq)]
enum Act {
    Relu,
    Tanh,
    Leaky(f64),
    Clip(Option<f64>),
}

/// The activation, differentiated in `z` alone.
#[grad(forward, reverse, hessian, wrt(z))]
fn activate(z: f64, act: Act) -> f64 {
    match act {
        Act::Relu => z.max(0.0),
        Act::Tanh => z.tanh(),
        Act::Leaky(a) => {
            if z > 0.0 {
                z
            } else {
                a * z
            }
        }
        Act::Clip(Some(limit)) => z.min(limit) * z,
        Act::Clip(None) => z * z,
    }
}

#[derive(Params, Clone, Debug)]
struct Layer {
    w: f64,
    b: f64,
    act: Act,
}

impl Layer {
    /// The layer's own activation, passed on to the helper.
    #[grad(forward, reverse, hessian)]
    fn forward(&self, x: f64) -> f64 {
        let act: Act = self.act;
        activate(self.w * x + self.b, act)
    }
}

#[derive(Params, Clone, Debug)]
struct Net {
    layers: Vec<Layer>,
}

/// Each layer's activation copied in a loop, beside its weights.
#[grad(forward, reverse, hessian)]
fn through(net: &Net, x: f64) -> f64 {
    let mut h = x;
    for l in 0..net.layers.len() {
        let act: Act = net.layers[l].act;
        h = activate(net.layers[l].w * h + net.layers[l].b, act);
    }
    h
}

fn nets() -> Vec<Net> {
    let acts = [Act::Relu, Act::Tanh, Act::Leaky(0.1), Act::Clip(Some(0.3)), Act::Clip(None)];
    acts.iter()
        .map(|&act| Net { layers: vec![Layer { w: -0.8, b: 0.3, act }, Layer { w: 1.3, b: -0.1, act: Act::Tanh }] })
        .collect()
}

/// The network with the weights of `net` moved by `t` along `v` (two per layer).
fn moved(net: &Net, v: &[f64], t: f64) -> Net {
    let mut out = net.clone();
    for (l, layer) in out.layers.iter_mut().enumerate() {
        layer.w += t * v[2 * l];
        layer.b += t * v[2 * l + 1];
    }
    out
}

fn weights(d: &Net) -> Vec<f64> {
    d.layers.iter().flat_map(|layer| [layer.w, layer.b]).collect()
}

#[test]
fn a_copied_setting_passed_on_in_every_mode() {
    let h = 1e-6;
    for net in nets() {
        for x in [0.7, -0.4] {
            let mut d = net.zeros_like();
            let (value, dx) = through_grad(&net, &mut d, x);
            assert!(close(value, through(&net, x), 1e-15));
            assert!(close(dx, (through(&net, x + h) - through(&net, x - h)) / (2.0 * h), 1e-6));
            for k in 0..4 {
                let mut e = [0.0; 4];
                e[k] = 1.0;
                let fd = (through(&moved(&net, &e, h), x) - through(&moved(&net, &e, -h), x)) / (2.0 * h);
                assert!(close(weights(&d)[k], fd, 1e-6), "{:?} {k}", net.layers[0].act);
            }
            let v = [0.3, -0.2, 0.5, 0.1];
            let direction = moved(&net.zeros_like(), &v, 1.0);
            let (_, jv) = through_jvp(&net, &direction, x, 0.4);
            let want: f64 = weights(&d).iter().zip(v).map(|(g, v)| g * v).sum::<f64>() + 0.4 * dx;
            assert!(close(jv, want, 1e-12));
            let mut hv = net.zeros_like();
            through_hvp(&net, &direction, &mut hv, x, 0.0);
            let gradient = |t: f64| {
                let mut d = net.zeros_like();
                through_grad(&moved(&net, &v, t), &mut d, x);
                weights(&d)
            };
            let (up, down) = (gradient(1e-5), gradient(-1e-5));
            for k in 0..4 {
                assert!(close(weights(&hv)[k], (up[k] - down[k]) / 2e-5, 1e-5));
            }
        }
    }
}

#[test]
fn a_layers_method_copies_its_own_setting() {
    let h = 1e-6;
    for net in nets() {
        let layer = &net.layers[0];
        let x = 0.6;
        let mut d = layer.zeros_like();
        let (_, dx) = layer.forward_grad(&mut d, x);
        assert!(close(dx, (layer.forward(x + h) - layer.forward(x - h)) / (2.0 * h), 1e-6));
        let up = Layer { w: layer.w + h, ..layer.clone() };
        let down = Layer { w: layer.w - h, ..layer.clone() };
        assert!(close(d.w, (up.forward(x) - down.forward(x)) / (2.0 * h), 1e-6));
        assert_eq!(d.act, layer.act, "a setting is cloned into the shadow as it is");
        assert!(close(layer.forward_jvp(&layer.zeros_like(), x, 1.0).1, dx, 1e-12));
    }
}

/// The same activation without `wrt(..)` (round 22 C1: refused as a
/// parameter "holding floats", the enum being `Params`): an enum of
/// settings taken by value is a constant like any other by-value type.
#[grad(forward, reverse, hessian)]
fn activate_unnamed(z: f64, act: Act) -> f64 {
    activate(z, act) * 2.0
}

#[test]
fn a_setting_by_value_needs_no_wrt() {
    for act in [Act::Relu, Act::Tanh, Act::Leaky(0.1), Act::Clip(Some(0.5)), Act::Clip(None)] {
        for z in [-0.7, 0.3, 1.2] {
            let (value, dz) = activate_unnamed_grad(z, act);
            let (want, want_dz) = activate_grad(z, act);
            assert_eq!((value, dz), (2.0 * want, 2.0 * want_dz), "{act:?} {z}");
            assert_eq!(activate_unnamed_jvp(z, 1.0, act).1, 2.0 * want_dz, "{act:?} {z}");
            let step = 1e-6;
            let numeric =
                (activate_unnamed_grad(z + step, act).1 - activate_unnamed_grad(z - step, act).1) / (2.0 * step);
            assert!(close(activate_unnamed_hvp(z, 1.0, act).1, numeric, 1e-5), "{act:?} {z}");
        }
    }
}
