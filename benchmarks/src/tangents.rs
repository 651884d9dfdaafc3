//! Forward mode by hand: for each benchmark function `NAME`, the tangent
//! code an expert would write, `NAME_jvp_hand`, with the signature the
//! contract gives the generated `NAME_jvp` (each differentiated parameter
//! followed by its tangent: `dx: f64` for a scalar, `d_NAME: &[f64]` or
//! `&Model` for a reference) and its result, `(value, directional
//! derivative)`. They are the baselines `NAME_jvp` is to be timed against.
//!
//! Every one is a single forward pass that carries each intermediate's
//! tangent beside it: nothing is stored, nothing allocated, and no more is
//! computed than the chain rule needs. The tests at the bottom check each
//! against the hand-written adjoint next to its function, with the
//! dot-product test `⟨J·v, w⟩ = ⟨v, Jᵀ·w⟩`, which for a scalar function is
//! `∂f/∂v = ⟨v, ∇f⟩`.

#![allow(clippy::too_many_arguments)]

use autodiff::sigmoid;

use crate::loops::{Mlp, SeedNet, CLASSES, HIDDEN, INPUTS};

// ---------------------------------------------------------------------------
// The scalar benchmarks.
// ---------------------------------------------------------------------------

/// Tangent of [`j`](crate::j) `= 3(a + bc)`: `(J, 3(da + db·c + b·dc))`.
#[inline]
pub fn j_jvp_hand(a: f64, da: f64, b: f64, db: f64, c: f64, dc: f64) -> (f64, f64) {
    let v = b * c;
    let dv = db * c + b * dc;
    let u = a + v;
    let du = da + dv;
    (3.0 * u, 3.0 * du)
}

/// Tangent of [`sigmoid_chain`](crate::sigmoid_chain), link by link:
/// `dc = −dx`, `db = b·dc`, `da = db`, `dσ = −σ²·da`.
#[inline]
pub fn sigmoid_chain_jvp_hand(x: f64, dx: f64) -> (f64, f64) {
    let c = -x;
    let dc = -dx;
    let b = c.exp();
    let db = b * dc;
    let a = 1.0 + b;
    let y = 1.0 / a;
    (y, -(y * y) * db)
}

/// Tangent of [`sigmoid`](crate::sigmoid) in the textbook's closed form
/// `dσ = σ(1 − σ)·dx` (as [`sigmoid_hand`](crate::sigmoid_hand)).
#[inline]
pub fn sigmoid_jvp_hand(x: f64, dx: f64) -> (f64, f64) {
    let y = 1.0 / (1.0 + (-x).exp());
    (y, y * (1.0 - y) * dx)
}

/// One example `(x₀, x₁) ↦ t` of [`nn`](crate::nn): the error `e = o − t`
/// and its tangent, from the weights `w` and their tangents `dw` in
/// parameter order.
#[inline(always)]
fn nn_example_jvp(w: &[f64; 17], dw: &[f64; 17], x0: f64, x1: f64, t: f64) -> (f64, f64) {
    let mut o = w[16];
    let mut d_o = dw[16];
    for i in 0..4 {
        let z = w[2 * i] * x0 + w[2 * i + 1] * x1 + w[8 + i];
        let dz = dw[2 * i] * x0 + dw[2 * i + 1] * x1 + dw[8 + i];
        let h = z.tanh();
        let dh = (1.0 - h * h) * dz;
        o += w[12 + i] * h;
        d_o += dw[12 + i] * h + w[12 + i] * dh;
    }
    (o - t, d_o)
}

/// Tangent of [`nn`](crate::nn): each example's hidden units carry their
/// tangents `dh = (1 − h²)·dz`, and the loss `0.1 Σ e²` has tangent
/// `0.2 Σ e·de`. (The five examples go through one inlined function, which
/// is what the unrolled code of `nn` compiles to.)
#[inline]
pub fn nn_jvp_hand(
    w00: f64,
    dw00: f64,
    w01: f64,
    dw01: f64,
    w10: f64,
    dw10: f64,
    w11: f64,
    dw11: f64,
    w20: f64,
    dw20: f64,
    w21: f64,
    dw21: f64,
    w30: f64,
    dw30: f64,
    w31: f64,
    dw31: f64,
    b0: f64,
    db0: f64,
    b1: f64,
    db1: f64,
    b2: f64,
    db2: f64,
    b3: f64,
    db3: f64,
    v0: f64,
    dv0: f64,
    v1: f64,
    dv1: f64,
    v2: f64,
    dv2: f64,
    v3: f64,
    dv3: f64,
    c: f64,
    dc: f64,
) -> (f64, f64) {
    let w = [w00, w01, w10, w11, w20, w21, w30, w31, b0, b1, b2, b3, v0, v1, v2, v3, c];
    let dw = [dw00, dw01, dw10, dw11, dw20, dw21, dw30, dw31, db0, db1, db2, db3, dv0, dv1, dv2, dv3, dc];
    // The five examples (x₀, x₁, t) of `nn`.
    let (ea, dea) = nn_example_jvp(&w, &dw, 0.1, 0.9, 0.7);
    let (eb, deb) = nn_example_jvp(&w, &dw, 0.8, 0.2, 0.6);
    let (ec, dec) = nn_example_jvp(&w, &dw, -0.5, 0.4, -0.3);
    let (ed, ded) = nn_example_jvp(&w, &dw, 0.3, -0.7, 0.1);
    let (ee, dee) = nn_example_jvp(&w, &dw, -0.6, -0.2, -0.5);
    let sum = ea * ea + eb * eb + ec * ec + ed * ed + ee * ee;
    let d_sum = 2.0 * (ea * dea + eb * deb + ec * dec + ed * ded + ee * dee);
    (0.1 * sum, 0.1 * d_sum)
}

/// Calls a function with `nn_jvp`'s signature with the 17 weights and
/// their 17 tangents in two arrays, interleaved as the contract orders
/// them (`w00, dw00, w01, dw01, ..`).
#[macro_export]
macro_rules! call_nn_jvp {
    ($f:path, $w:expr, $dw:expr) => {{
        let w: [f64; 17] = $w;
        let d: [f64; 17] = $dw;
        $f(
            w[0], d[0], w[1], d[1], w[2], d[2], w[3], d[3], w[4], d[4], w[5], d[5], w[6], d[6], w[7], d[7], w[8], d[8],
            w[9], d[9], w[10], d[10], w[11], d[11], w[12], d[12], w[13], d[13], w[14], d[14], w[15], d[15], w[16],
            d[16],
        )
    }};
}

/// The state of the projectile of [`drag`](crate::drag) and its tangent.
#[derive(Clone, Copy)]
struct Flight {
    ux: f64,
    uy: f64,
    px: f64,
    py: f64,
}

/// One semi-implicit Euler step of `drag` for the state `u` and its tangent
/// `du`, with drag coefficient `k` and its tangent `dk`.
#[inline(always)]
fn drag_step_jvp(u: &mut Flight, du: &mut Flight, k: f64, dk: f64) {
    let (dt, g) = (0.05, 9.81);
    let s = (u.ux * u.ux + u.uy * u.uy).sqrt();
    let ds = (u.ux * du.ux + u.uy * du.uy) / s;
    // d(k·s) = dk·s + k·ds
    let ks = k * s;
    let dks = dk * s + k * ds;
    du.ux -= dt * (dks * u.ux + ks * du.ux);
    u.ux -= dt * ks * u.ux;
    du.uy -= dt * (dks * u.uy + ks * du.uy);
    u.uy -= dt * (g + ks * u.uy);
    u.px += dt * u.ux;
    du.px += dt * du.ux;
    u.py += dt * u.uy;
    du.py += dt * du.uy;
}

/// Tangent of [`drag`](crate::drag): the ten steps carry the velocity's and
/// position's tangents beside them (`ds = (u·du)/s`), and the squared
/// distance has tangent `2(dx·dpx + dy·dpy)`.
#[inline]
pub fn drag_jvp_hand(vx: f64, dvx: f64, vy: f64, dvy: f64, k: f64, dk: f64) -> (f64, f64) {
    let mut u = Flight { ux: vx, uy: vy, px: 0.0, py: 0.0 };
    let mut du = Flight { ux: dvx, uy: dvy, px: 0.0, py: 0.0 };
    drag_step_jvp(&mut u, &mut du, k, dk);
    drag_step_jvp(&mut u, &mut du, k, dk);
    drag_step_jvp(&mut u, &mut du, k, dk);
    drag_step_jvp(&mut u, &mut du, k, dk);
    drag_step_jvp(&mut u, &mut du, k, dk);
    drag_step_jvp(&mut u, &mut du, k, dk);
    drag_step_jvp(&mut u, &mut du, k, dk);
    drag_step_jvp(&mut u, &mut du, k, dk);
    drag_step_jvp(&mut u, &mut du, k, dk);
    drag_step_jvp(&mut u, &mut du, k, dk);
    let dx = u.px - 4.0;
    let dy = u.py - 1.0;
    (dx * dx + dy * dy, 2.0 * (dx * du.px + dy * du.py))
}

// ---------------------------------------------------------------------------
// The loop benchmarks.
// ---------------------------------------------------------------------------

/// Tangent of [`dot`](crate::loops::dot): `(x·y, d_x·y + x·d_y)`.
pub fn dot_jvp_hand(x: &[f64], d_x: &[f64], y: &[f64], d_y: &[f64]) -> (f64, f64) {
    assert!(d_x.len() == x.len() && d_y.len() == y.len(), "dot_jvp_hand: tangent lengths");
    let mut value = 0.0;
    let mut tangent = 0.0;
    for ((a, b), (da, db)) in x.iter().zip(y).zip(d_x.iter().zip(d_y)) {
        value += a * b;
        tangent += da * b + a * db;
    }
    (value, tangent)
}

/// Tangent of [`rosenbrock`](crate::loops::rosenbrock): term `i` has
/// tangent `200a·da + 2b·db` with `da = d_xᵢ₊₁ − 2xᵢ·d_xᵢ`, `db = −d_xᵢ`.
pub fn rosenbrock_jvp_hand(x: &[f64], d_x: &[f64]) -> (f64, f64) {
    assert_eq!(d_x.len(), x.len(), "rosenbrock_jvp_hand: tangent length");
    let mut s = 0.0;
    let mut ds = 0.0;
    for (w, dw) in x.windows(2).zip(d_x.windows(2)) {
        let a = w[1] - w[0] * w[0];
        let da = dw[1] - 2.0 * w[0] * dw[0];
        let b = 1.0 - w[0];
        s += 100.0 * a * a + b * b;
        ds += 200.0 * a * da - 2.0 * b * dw[0];
    }
    (s, ds)
}

/// One sample of [`mlp`](crate::loops::mlp) and its tangent along the
/// model `d_m`: `dz = db1 + dW1·x`, `dh = (1 − h²)·dz`,
/// `dlogits = db2 + dW2·h + W2·dh`, `dloss = softmax·dlogits − dlogits[y]`.
fn mlp_sample_jvp(m: &Mlp, d_m: &Mlp, x: &[f64; INPUTS], y: usize) -> (f64, f64) {
    let mut h = [0.0; HIDDEN];
    let mut dh = [0.0; HIDDEN];
    for i in 0..HIDDEN {
        let (w, dw) = (&m.w1[i], &d_m.w1[i]);
        let mut z = m.b1[i];
        let mut dz = d_m.b1[i];
        for ((w, dw), v) in w.iter().zip(dw).zip(x) {
            z += w * v;
            dz += dw * v;
        }
        h[i] = z.tanh();
        dh[i] = (1.0 - h[i] * h[i]) * dz;
    }
    let mut logits = [0.0; CLASSES];
    let mut d_logits = [0.0; CLASSES];
    for k in 0..CLASSES {
        let (w, dw) = (&m.w2[k], &d_m.w2[k]);
        let mut l = m.b2[k];
        let mut dl = d_m.b2[k];
        for (((w, dw), h), dh) in w.iter().zip(dw).zip(&h).zip(&dh) {
            l += w * h;
            dl += dw * h + w * dh;
        }
        logits[k] = l;
        d_logits[k] = dl;
    }
    let max = logits.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    let lse = max + logits.iter().map(|l| (l - max).exp()).sum::<f64>().ln();
    let d_lse: f64 = logits.iter().zip(&d_logits).map(|(l, dl)| (l - lse).exp() * dl).sum();
    (lse - logits[y], d_lse - d_logits[y])
}

/// Tangent of [`mlp`](crate::loops::mlp) along the model `d_m` (the
/// tangent of a model is a model of the same type).
pub fn mlp_jvp_hand(m: &Mlp, d_m: &Mlp, x: &[f64; INPUTS], y: usize) -> (f64, f64) {
    assert_mlp_shapes(m, d_m);
    mlp_sample_jvp(m, d_m, x, y)
}

/// Tangent of [`mlp_batch`](crate::loops::mlp_batch): the sum of the
/// samples' values and tangents.
pub fn mlp_batch_jvp_hand(m: &Mlp, d_m: &Mlp, x: &[[f64; INPUTS]], y: &[usize]) -> (f64, f64) {
    assert_mlp_shapes(m, d_m);
    x.iter().zip(y).fold((0.0, 0.0), |(value, tangent), (x, &y)| {
        let (v, t) = mlp_sample_jvp(m, d_m, x, y);
        (value + v, tangent + t)
    })
}

fn assert_mlp_shapes(m: &Mlp, d_m: &Mlp) {
    let shape = |m: &Mlp| (m.w1.len(), m.b1.len(), m.w2.len(), m.b2.len());
    assert!(
        shape(m) == (HIDDEN, HIDDEN, CLASSES, CLASSES) && shape(d_m) == shape(m),
        "the MLP and its tangent must be {INPUTS}-{HIDDEN}-{CLASSES}"
    );
}

/// Tangent of [`seed_net`](crate::loops::seed_net) along the weights
/// `d_net`, layer by layer: `d(f(a)) = f(a)(1 − f(a))·da` with
/// `da = Σᵢ (dxᵢ·W + xᵢ·dW)`, and `d(out − y)² = 2(out − y)·dout`.
pub fn seed_net_jvp_hand(net: &SeedNet, d_net: &SeedNet, x: &[f64; 2], y: f64) -> (f64, f64) {
    let (w1, w2, w3) = (&net.w1, &net.w2, &net.w3);
    let (v1, v2, v3) = (&d_net.w1, &d_net.w2, &d_net.w3);
    let mut fa = [0.0; 2];
    let mut dfa = [0.0; 2];
    for j in 0..2 {
        let a = x[0] * w1[0][j] + x[1] * w1[1][j];
        let da = x[0] * v1[0][j] + x[1] * v1[1][j];
        fa[j] = sigmoid(a);
        dfa[j] = fa[j] * (1.0 - fa[j]) * da;
    }
    let mut fb = [0.0; 2];
    let mut dfb = [0.0; 2];
    for j in 0..2 {
        let b = fa[0] * w2[0][j] + fa[1] * w2[1][j];
        let db = dfa[0] * w2[0][j] + fa[0] * v2[0][j] + dfa[1] * w2[1][j] + fa[1] * v2[1][j];
        fb[j] = sigmoid(b);
        dfb[j] = fb[j] * (1.0 - fb[j]) * db;
    }
    let out = fb[0] * w3[0][0] + fb[1] * w3[1][0];
    let d_out = dfb[0] * w3[0][0] + fb[0] * v3[0][0] + dfb[1] * w3[1][0] + fb[1] * v3[1][0];
    let e = out - y;
    (e * e, 2.0 * e * d_out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loops::*;
    use crate::{call_nn, drag_hand, inputs, j_hand, nn_hand, sigmoid_chain_hand, sigmoid_hand};
    use autodiff::Params;

    /// `a` and `b` agree to `1e-12` relative to the larger of the two, or
    /// to `1e-12 · scale` where both are small against `scale`.
    fn assert_close(what: &str, a: f64, b: f64, scale: f64) {
        assert!((a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(scale), "{what}: {a} vs {b}");
    }

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(a, b)| a * b).sum()
    }

    /// Directions for `n` inputs: every unit vector, then dense ones.
    fn directions(n: usize) -> Vec<Vec<f64>> {
        let mut all: Vec<Vec<f64>> = (0..n)
            .map(|j| {
                let mut e = vec![0.0; n];
                e[j] = 1.0;
                e
            })
            .collect();
        all.push(uniform(n, -1.0, 1.0, 40));
        all.push(uniform(n, -3.0, 0.5, 41));
        all
    }

    #[test]
    fn scalar_tangents_pass_the_dot_product_test() {
        let (a, b, c) = inputs::J;
        let (value, ga, gb, gc) = j_hand(a, b, c);
        for v in directions(3) {
            let (tv, t) = j_jvp_hand(a, v[0], b, v[1], c, v[2]);
            assert_eq!(tv, value);
            assert_close("j", t, dot(&v, &[ga, gb, gc]), 1.0);
        }
        for x in [inputs::SIGMOID, -3.0, 0.0, 2.5] {
            for dx in [1.0, -0.25] {
                let (value, g) = sigmoid_chain_hand(x);
                assert_eq!(sigmoid_chain_jvp_hand(x, dx), (value, g * dx));
                let (value, g) = sigmoid_hand(x);
                assert_eq!(sigmoid_jvp_hand(x, dx), (value, g * dx));
            }
        }
        let (vx, vy, k) = inputs::DRAG;
        let (value, gx, gy, gk) = drag_hand(vx, vy, k);
        for v in directions(3) {
            let (tv, t) = drag_jvp_hand(vx, v[0], vy, v[1], k, v[2]);
            assert_close("drag value", tv, value, 1.0);
            assert_close("drag", t, dot(&v, &[gx, gy, gk]), 1.0);
        }
    }

    #[test]
    fn nn_tangent_passes_the_dot_product_test() {
        let w = inputs::NN;
        let (l, a, b, c, d, e, f, h, i, j, k, m, n, o, p, q, r, s) = call_nn!(nn_hand, w);
        let gradient = [a, b, c, d, e, f, h, i, j, k, m, n, o, p, q, r, s];
        for v in directions(17) {
            let (value, t) = call_nn_jvp!(nn_jvp_hand, w, v.clone().try_into().unwrap());
            assert_close("nn value", value, l, 1.0);
            assert_close("nn", t, dot(&v, &gradient), 1.0);
        }
    }

    #[test]
    fn loop_tangents_pass_the_dot_product_test() {
        for n in [0, 1, 7, 1000] {
            let (x, y) = (uniform(n, -1.0, 1.0, 1), uniform(n, -1.0, 1.0, 2));
            let (dx, dy) = (uniform(n, -1.0, 1.0, 3), uniform(n, -1.0, 1.0, 4));
            let (mut gx, mut gy) = (vec![0.0; n], vec![0.0; n]);
            let value = dot_hand(&x, &mut gx, &y, &mut gy);
            let (tv, t) = dot_jvp_hand(&x, &dx, &y, &dy);
            assert_close("dot value", tv, value, 1.0);
            assert_close("dot", t, dot(&dx, &gx) + dot(&dy, &gy), 1.0);
        }
        for n in [2, 3, 10, 1000] {
            let x = uniform(n, -1.5, 2.0, 5);
            let mut g = vec![0.0; n];
            let value = rosenbrock_hand(&x, &mut g);
            for v in [uniform(n, -1.0, 1.0, 6), uniform(n, 0.0, 2.0, 7)] {
                let (tv, t) = rosenbrock_jvp_hand(&x, &v);
                assert_close("rosenbrock value", tv, value, 1.0);
                // the sum of many terms: compare relative to its size
                assert_close("rosenbrock", t, dot(&v, &g), g.iter().map(|g| g.abs()).sum());
            }
        }
    }

    /// The generated `NAME_jvp` and the hand-written tangent agree (value
    /// and tangent, to 1e-12 relative), which makes the hand-written code
    /// its baseline.
    #[test]
    fn generated_jvps_match_the_hand_written_tangents() {
        let same = |what: &str, generated: (f64, f64), hand: (f64, f64), scale: f64| {
            assert_close(what, generated.0, hand.0, 1.0);
            assert_close(what, generated.1, hand.1, scale);
        };
        let (a, b, c) = inputs::J;
        let (vx, vy, k) = inputs::DRAG;
        for v in directions(3) {
            same("j", crate::j_jvp(a, v[0], b, v[1], c, v[2]), j_jvp_hand(a, v[0], b, v[1], c, v[2]), 1.0);
            let hand = drag_jvp_hand(vx, v[0], vy, v[1], k, v[2]);
            same("drag", crate::drag_jvp(vx, v[0], vy, v[1], k, v[2]), hand, 1.0);
        }
        for x in [inputs::SIGMOID, -3.0, 0.0, 2.5] {
            same("sigmoid_chain", crate::sigmoid_chain_jvp(x, 0.5), sigmoid_chain_jvp_hand(x, 0.5), 1.0);
            same("sigmoid", crate::sigmoid_jvp(x, 0.5), sigmoid_jvp_hand(x, 0.5), 1.0);
        }
        for v in directions(17) {
            let v: [f64; 17] = v.try_into().unwrap();
            same("nn", call_nn_jvp!(crate::nn_jvp, inputs::NN, v), call_nn_jvp!(nn_jvp_hand, inputs::NN, v), 1.0);
        }
        let (x, y) = (uniform(1000, -1.0, 1.0, 1), uniform(1000, -1.0, 1.0, 2));
        let (dx, dy) = (uniform(1000, -1.0, 1.0, 3), uniform(1000, -1.0, 1.0, 4));
        same("dot", dot_jvp(&x, &dx, &y, &dy), dot_jvp_hand(&x, &dx, &y, &dy), 1.0);
        let (x, v) = (uniform(1000, -1.5, 2.0, 5), uniform(1000, -1.0, 1.0, 6));
        let hand = rosenbrock_jvp_hand(&x, &v);
        same("rosenbrock", rosenbrock_jvp(&x, &v), hand, 1e3 * hand.1.abs());
        let m = Mlp::new(7);
        let d_m = Mlp::new(20);
        let (x, y) = samples(4, 8);
        same("mlp", mlp_jvp(&m, &d_m, &x[0], y[0]), mlp_jvp_hand(&m, &d_m, &x[0], y[0]), 1.0);
        same("mlp_batch", mlp_batch_jvp(&m, &d_m, &x, &y), mlp_batch_jvp_hand(&m, &d_m, &x, &y), 1.0);
        let net = seed_net_weights();
        let (x, y) = SEED_NET_INPUT;
        let mut d_net = net.zeros_like();
        for v in directions(net.to_flat().len()) {
            d_net.copy_from_flat(&v);
            same("seed_net", seed_net_jvp(&net, &d_net, &x, y), seed_net_jvp_hand(&net, &d_net, &x, y), 1.0);
        }
    }

    #[test]
    fn model_tangents_pass_the_dot_product_test() {
        let m = Mlp::new(7);
        let (x, y) = samples(4, 8);
        let mut g = m.zeros_like();
        let value = mlp_hand(&m, &mut g, &x[0], y[0]);
        for seed in [20, 21] {
            let d_m = Mlp::new(seed);
            let (tv, t) = mlp_jvp_hand(&m, &d_m, &x[0], y[0]);
            assert_close("mlp value", tv, value, 1.0);
            assert_close("mlp", t, dot(&d_m.to_flat(), &g.to_flat()), 1.0);
        }
        let mut g = m.zeros_like();
        let value = mlp_batch_hand(&m, &mut g, &x, &y);
        let d_m = Mlp::new(22);
        let (tv, t) = mlp_batch_jvp_hand(&m, &d_m, &x, &y);
        assert_close("mlp_batch value", tv, value, 1.0);
        assert_close("mlp_batch", t, dot(&d_m.to_flat(), &g.to_flat()), 1.0);

        let net = seed_net_weights();
        let (x, y) = SEED_NET_INPUT;
        let mut g = net.zeros_like();
        let value = seed_net_hand(&net, &mut g, &x, y);
        let mut d_net = net.zeros_like();
        for v in directions(net.to_flat().len()) {
            d_net.copy_from_flat(&v);
            let (tv, t) = seed_net_jvp_hand(&net, &d_net, &x, y);
            assert_close("seed_net value", tv, value, 1.0);
            assert_close("seed_net", t, dot(&v, &g.to_flat()), 1.0);
        }
    }
}
