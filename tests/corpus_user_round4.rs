//! Round 4 of user programs (issue 8): the forms a new user wrote first that
//! failed to compile in generated code, each now checked in the modes it
//! names against central differences over the model's flat parameters and
//! the input, `NAME_jvp` against the gradient, and `NAME_hvp` against
//! central differences of the gradient:
//!
//! - a loop over a model's sub-models lending each to a `#[grad]` call
//!   (`for layer in &net.layers { score(layer, x) }`): the element was
//!   taken for a float (E0308, E0061);
//! - `vec![0.0; self.w.len()]` in a `#[grad]` method: `self` inside a
//!   macro's arguments was left renamed (E0425 "cannot find `__self`");
//! - `self` lent to a `#[grad]` function (`predict(self, x)`), in the
//!   method's twin for a constant `self` a struct left out of `wrt`;
//! - a field of a `const` struct (`CFG.k`), and a `const` or `static`
//!   table iterated (`for it in ITEMS.iter()`): refused as "not a local";
//! - a model's array field, or a row of a vector of arrays, used by value
//!   (`let c: [f64; 3] = m.b;`, `norm2(m.pos[i])`): its adjoint was added
//!   as one float (E0368);
//! - `v.is_empty()` of a local vector, a slice, a sub-slice (bound, or cut
//!   in place: `x[k..].is_empty()`, `x[k..].len()`) or a model's field (clippy's suggestion for `len() == 0`): refused as a method.

// The programs keep the forms people write (an index loop over a buffer).
#![allow(clippy::needless_range_loop)]

use autodiff::prelude::*;

#[derive(Params, Clone)]
struct Layer {
    w: Vec<f64>,
    b: f64,
}

#[derive(Params, Clone)]
struct Deep {
    layers: Vec<Layer>,
    gains: Vec<f64>,
}

#[grad(forward, reverse, hessian)]
fn score(l: &Layer, x: f64) -> f64 {
    (l.w[0] * x + l.b).tanh() * l.w[1]
}

#[grad(forward, reverse, hessian)]
fn square(v: f64) -> f64 {
    v * v
}

#[grad(forward, reverse, hessian)]
fn total(net: &Deep, x: f64) -> f64 {
    let mut s = 0.0;
    for layer in &net.layers {
        s += score(layer, x);
    }
    for (i, layer) in net.layers.iter().enumerate() {
        s += score(layer, x * (i as f64 + 1.0)) * net.gains[i];
    }
    for g in &net.gains {
        s += g * x + square(*g);
    }
    s
}

#[derive(Params, Clone)]
struct Lin {
    w: Vec<f64>,
    b: f64,
}

#[grad(forward, reverse, hessian)]
fn predict(m: &Lin, x: f64) -> f64 {
    m.w[0] * x + m.w[1] * x * x + m.b
}

#[grad(forward, reverse, hessian)]
fn weighted(w0: f64, x: f64) -> f64 {
    (w0 * x).sin()
}

impl Lin {
    #[grad(forward, reverse, hessian)]
    fn energy(&self) -> f64 {
        let mut h = vec![0.0; self.w.len()];
        for i in 0..h.len() {
            h[i] = self.w[i] * self.w[i] * self.b;
        }
        h.iter().sum()
    }

    #[grad(forward, reverse, hessian)]
    fn loss(&self, x: f64) -> f64 {
        // (A float field of `self` passed by value takes a typed `let`: the
        // method's twin for a constant `self` cannot see the field's type.)
        let w0: f64 = self.w[0];
        predict(self, x).powi(2) + weighted(w0, x) * self.b
    }
}

/// A constant receiver: `loss`'s twin for a constant `self`.
#[grad(forward, reverse, hessian, wrt(x))]
fn loss_at(m: &Lin, x: f64) -> f64 {
    m.loss(x) + m.energy() * x
}

struct Cfg {
    k: f64,
    w: [f64; 2],
}

const CFG: Cfg = Cfg { k: 1.5, w: [0.5, -2.0] };
static TUNING: Cfg = Cfg { k: -0.25, w: [1.0, 3.0] };

#[grad(forward, reverse, hessian)]
fn configured(x: f64) -> f64 {
    // (A float field passed by value takes a typed `let`, as any constant
    // struct's does: #[grad] cannot see the field's type.)
    let k: f64 = TUNING.k;
    CFG.k * x * x + square(CFG.w[1] * x) + TUNING.w[0] * weighted(k, x)
}

fn deep() -> Deep {
    Deep {
        layers: vec![Layer { w: vec![0.5, -1.0], b: 0.2 }, Layer { w: vec![1.5, 0.7], b: -0.4 }],
        gains: vec![0.3, -0.8],
    }
}

fn lin() -> Lin {
    Lin { w: vec![0.75, -0.5], b: 1.25 }
}

const H: f64 = 1e-6;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

/// Central differences of `f` in each of the model's flat parameters.
fn model_differences<M: Params + Clone>(model: &M, f: impl Fn(&M) -> f64) -> Vec<f64> {
    let flat = model.to_flat();
    (0..flat.len())
        .map(|i| {
            let moved = |t: f64| {
                let mut p = flat.clone();
                p[i] += t;
                let mut m = model.clone();
                m.copy_from_flat(&p);
                f(&m)
            };
            (moved(H) - moved(-H)) / (2.0 * H)
        })
        .collect()
}

fn assert_all_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        assert!(close(*g, *w, 1e-6), "{what}: {got:?} vs {want:?}");
    }
}

#[test]
fn sub_models_lent_in_a_loop_have_their_partials() {
    let net = deep();
    for x in [-1.2, 0.3, 0.9] {
        let mut d = net.zeros_like();
        let (value, dx) = total_grad(&net, &mut d, x);
        assert!(close(value, total(&net, x), 1e-15));
        assert!(close(dx, (total(&net, x + H) - total(&net, x - H)) / (2.0 * H), 1e-6));
        assert_all_close(&d.to_flat(), &model_differences(&net, |m| total(m, x)), "∂net");
        let (_, tangent) = total_jvp(&net, &net.zeros_like(), x, 1.0);
        assert!(close(tangent, dx, 1e-13));
        // Along the model: ⟨∇_net, v⟩.
        let mut v = net.zeros_like();
        v.copy_from_flat(&(0..d.num_params()).map(|i| 0.5 - 0.25 * i as f64).collect::<Vec<_>>());
        let (_, along) = total_jvp(&net, &v, x, 0.0);
        let expected: f64 = d.to_flat().iter().zip(v.to_flat()).map(|(g, v)| g * v).sum();
        assert!(close(along, expected, 1e-12), "{along} vs {expected}");
        let mut hv = net.zeros_like();
        let (_, hx) = total_hvp(&net, &net.zeros_like(), &mut hv, x, 1.0);
        let g = |x: f64| total_grad(&net, &mut net.zeros_like(), x).1;
        assert!(close(hx, (g(x + H) - g(x - H)) / (2.0 * H), 1e-6));
    }
}

#[test]
fn methods_with_macros_self_fields_and_self_lent_have_their_partials() {
    let m = lin();
    let mut d = m.zeros_like();
    let value = m.energy_grad(&mut d);
    assert!(close(value, m.energy(), 1e-15));
    // Σ wᵢ² b: ∂wᵢ = 2 wᵢ b, ∂b = Σ wᵢ².
    assert_all_close(&d.to_flat(), &[2.0 * 0.75 * 1.25, 2.0 * -0.5 * 1.25, 0.75 * 0.75 + 0.25], "energy");
    for x in [-0.8, 0.4, 1.1] {
        let mut d = m.zeros_like();
        let (value, dx) = m.loss_grad(&mut d, x);
        assert!(close(value, m.loss(x), 1e-15));
        assert!(close(dx, (m.loss(x + H) - m.loss(x - H)) / (2.0 * H), 1e-6));
        assert_all_close(&d.to_flat(), &model_differences(&m, |m| m.loss(x)), "∂self");
        let (_, tangent) = m.loss_jvp(&m.zeros_like(), x, 1.0);
        assert!(close(tangent, dx, 1e-13));
        let (_, hx) = m.loss_hvp(&m.zeros_like(), &mut m.zeros_like(), x, 1.0);
        let g = |x: f64| m.loss_grad(&mut m.zeros_like(), x).1;
        assert!(close(hx, (g(x + H) - g(x - H)) / (2.0 * H), 1e-6));
        // On a constant receiver.
        let f = |x: f64| loss_at(&m, x);
        let (value, dx) = loss_at_grad(&m, x);
        assert!(close(value, f(x), 1e-15));
        assert!(close(dx, (f(x + H) - f(x - H)) / (2.0 * H), 1e-6));
        assert!(close(loss_at_jvp(&m, x, 1.0).1, dx, 1e-13));
        let g = |x: f64| loss_at_grad(&m, x).1;
        assert!(close(loss_at_hvp(&m, x, 1.0).1, (g(x + H) - g(x - H)) / (2.0 * H), 1e-6));
    }
}

#[test]
fn fields_of_const_and_static_structs_are_constants() {
    for x in [-1.3, 0.2, 0.7] {
        let (value, dx) = configured_grad(x);
        // 1.5x² + 4x² + sin(-0.25x): ∂x = 3x + 8x - 0.25 cos(-0.25x).
        let expected = 1.5 * x * x + 4.0 * x * x + (-0.25 * x).sin();
        assert!(close(value, expected, 1e-15));
        assert!(close(dx, 11.0 * x - 0.25 * (-0.25 * x).cos(), 1e-14));
        assert!(close(configured_jvp(x, 1.0).1, dx, 1e-14));
        // ∂²x = 11 - 0.0625 sin(-0.25x).
        assert!(close(configured_hvp(x, 1.0).1, 11.0 - 0.0625 * (-0.25 * x).sin(), 1e-13));
    }
}

#[grad(forward, reverse, hessian)]
fn kept_or_nothing(x: &[f64], m: &Lin) -> f64 {
    let mut v = Vec::new();
    for i in 0..x.len() {
        if x[i] > 0.0 {
            v.push(x[i] * m.w[i]);
        }
    }
    let head = &x[1..];
    let mut s = if v.is_empty() { 0.0 } else { v[0] * v[0] };
    if !x.is_empty() && !m.w.is_empty() && !head.is_empty() {
        s += head[0] * x[0];
    }
    s
}

/// The length of a range cut in place (`x[k..].len()`, `.is_empty()`).
#[grad(forward, reverse, hessian)]
fn tail_weight(x: &[f64], k: usize) -> f64 {
    let mut s = x[0];
    if !x[k..].is_empty() {
        s += x[k] * (x[k..].len() as f64) * x[0];
    }
    s
}

#[test]
fn is_empty_is_a_length_of_zero() {
    // x₀ + x₁·2·x₀ past k = 1; x₀ alone past the end.
    let x = [0.5, 2.0, 3.0];
    let mut d = [0.0; 3];
    assert_eq!(tail_weight_grad(&x, &mut d, 1), 2.5);
    assert_eq!(d, [5.0, 1.0, 0.0]);
    let mut d = [0.0; 3];
    assert_eq!(tail_weight_grad(&x, &mut d, 3), 0.5);
    assert_eq!(d, [1.0, 0.0, 0.0]);
    let m = lin();
    // x = [0.5, -1.0]: v = [0.375]; s = 0.375² + (-1)(0.5).
    let (x, mut dx, mut dm) = ([0.5, -1.0], [0.0; 2], m.zeros_like());
    let value = kept_or_nothing_grad(&x, &mut dx, &m, &mut dm);
    assert!(close(value, 0.375 * 0.375 - 0.5, 1e-15));
    assert_all_close(&dx, &[2.0 * 0.375 * 0.75 - 1.0, 0.5], "∂x");
    assert_all_close(&dm.to_flat(), &[2.0 * 0.375 * 0.5, 0.0, 0.0], "∂m");
    // No positive entry: v stays empty.
    let (x, mut dx, mut dm) = ([-0.5, -2.0], [0.0; 2], m.zeros_like());
    let value = kept_or_nothing_grad(&x, &mut dx, &m, &mut dm);
    assert!(close(value, 1.0, 1e-15), "{value}");
    assert_all_close(&dx, &[-2.0, -0.5], "∂x");
    let (_, tangent) = kept_or_nothing_jvp(&x, &[1.0, 0.0], &m, &m.zeros_like());
    assert!(close(tangent, dx[0], 1e-14));
}

#[derive(Params, Clone)]
struct Particles {
    pos: Vec<[f64; 3]>,
    b: [f64; 3],
    w: f64,
}

#[grad(forward, reverse, hessian)]
fn norm2(v: [f64; 3]) -> f64 {
    v[0] * v[0] + v[1] * v[1] + v[2] * v[2]
}

#[grad(forward, reverse, hessian)]
fn scaled(w: f64, x: f64) -> f64 {
    w * x * x
}

/// Parts of a model used by value: bound with their type, passed to calls,
/// copied from a row in a loop.
#[grad(forward, reverse, hessian)]
fn parts_by_value(m: &Particles, i: usize) -> f64 {
    let c: [f64; 3] = m.b;
    let p: [f64; 3] = m.pos[i];
    let mut s = c[0] * c[1] + p[0] * p[2] + norm2(m.pos[i]) + norm2(m.b) + scaled(m.w, c[2]);
    for row in m.pos.iter() {
        let q: [f64; 3] = *row;
        s += q[0] * q[2];
    }
    // Parts in an array literal: rows, and floats.
    let r: [[f64; 3]; 2] = [m.b, m.pos[0]];
    let t: [f64; 2] = [m.w, m.b[1] * 2.0];
    s + r[0][1] * r[1][2] + t[0] * t[1]
}

#[test]
fn parts_of_a_model_by_value_have_their_partials() {
    let m = Particles { pos: vec![[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], b: [0.3, 0.7, -1.1], w: 0.8 };
    for i in 0..2 {
        let mut d = m.zeros_like();
        let value = parts_by_value_grad(&m, &mut d, i);
        assert!(close(value, parts_by_value(&m, i), 1e-15));
        assert_all_close(&d.to_flat(), &model_differences(&m, |m| parts_by_value(m, i)), "∂m");
        let mut v = m.zeros_like();
        v.copy_from_flat(&(0..d.num_params()).map(|k| 0.25 * k as f64 - 0.5).collect::<Vec<_>>());
        let (_, along) = parts_by_value_jvp(&m, &v, i);
        let expected: f64 = d.to_flat().iter().zip(v.to_flat()).map(|(g, v)| g * v).sum();
        assert!(close(along, expected, 1e-12), "{along} vs {expected}");
        // H·v against differences of the gradient along v.
        let mut hv = m.zeros_like();
        parts_by_value_hvp(&m, &v, &mut hv, i);
        let gradient_at = |t: f64| {
            let mut moved = m.clone();
            let flat: Vec<f64> = m.to_flat().iter().zip(v.to_flat()).map(|(p, v)| p + t * v).collect();
            moved.copy_from_flat(&flat);
            let mut g = m.zeros_like();
            parts_by_value_grad(&moved, &mut g, i);
            g.to_flat()
        };
        let (plus, minus) = (gradient_at(H), gradient_at(-H));
        let differences: Vec<f64> = plus.iter().zip(&minus).map(|(p, m)| (p - m) / (2.0 * H)).collect();
        assert_all_close(&hv.to_flat(), &differences, "H·v");
    }
}

struct Item {
    k: f64,
    n: usize,
}

const ITEMS: [Item; 2] = [Item { k: 1.5, n: 2 }, Item { k: -0.5, n: 3 }];
static GAINS: [f64; 3] = [0.5, 1.0, 2.0];

/// `const` and `static` tables iterated, of structs and of floats.
#[grad(forward, reverse, hessian)]
fn tables_iterated(x: f64) -> f64 {
    let mut s = 0.0;
    for it in ITEMS.iter() {
        s += it.k * x * x * (it.n as f64);
    }
    for (i, g) in GAINS.iter().enumerate() {
        s += g * x + *g * (i as f64) * x.sin();
    }
    s
}

#[test]
fn tables_iterated_have_their_closed_forms() {
    for x in [-0.9, 0.3, 1.2] {
        // (3 - 1.5)x² + 3.5x + (1 + 4) sin x.
        let (value, dx) = tables_iterated_grad(x);
        assert!(close(value, 1.5 * x * x + 3.5 * x + 5.0 * x.sin(), 1e-14));
        assert!(close(dx, 3.0 * x + 3.5 + 5.0 * x.cos(), 1e-14));
        assert!(close(tables_iterated_jvp(x, 1.0).1, dx, 1e-14));
        assert!(close(tables_iterated_hvp(x, 1.0).1, 3.0 - 5.0 * x.sin(), 1e-13));
    }
}
