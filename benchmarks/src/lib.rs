//! The functions the benchmarks time, each as a `#[grad]` function next to
//! the adjoint an expert would write by hand for it.
//!
//! Every hand-written adjoint has the shape of reverse mode done by hand:
//! a forward pass that keeps the intermediates the reverse pass needs, then
//! the reverse pass, straight-line, with no allocation and no tape. They
//! return the same tuple as the generated `NAME_grad`: the value, then the
//! partial derivatives in parameter order. The tests at the bottom check
//! that each one agrees with the generated gradient to 1e-12 (relative),
//! which is what makes them a valid baseline.

// Everything at the root is scalar code: the neural network takes its 17
// weights as separate parameters, so its gradient is an 18-tuple (hence the
// alias). Arrays, loops and model structs are in `loops`.
#![allow(clippy::too_many_arguments, clippy::type_complexity)]

use autodiff::grad;

/// The functions of the `loops` benchmark: slices, loops and model structs.
pub mod loops;

/// Hand-written tangent (forward-mode) code for every benchmark function,
/// the baselines of the generated `NAME_jvp`.
pub mod tangents;

/// Hand-written Hessian-vector products (Rosenbrock, the lesson's network),
/// the baselines of the generated `NAME_hvp`.
pub mod hvp;

/// The ADBench objectives (GMM, bundle adjustment, LSTM) and a 1-D heat
/// equation, with a reader of ADBench's files and hand-written adjoints.
pub mod adbench;

// ---------------------------------------------------------------------------
// J(a, b, c) = 3(a + bc), the lesson's example.
// ---------------------------------------------------------------------------

/// `J(a, b, c) = 3(a + bc)`, split as `v = bc`, `u = a + v`, `J = 3u`.
#[grad(forward, reverse)]
#[inline]
pub fn j(a: f64, b: f64, c: f64) -> f64 {
    let v = b * c;
    let u = a + v;
    3.0 * u
}

/// Hand-written gradient of [`j`]: `(J, ∂J/∂a, ∂J/∂b, ∂J/∂c)`.
#[inline]
pub fn j_hand(a: f64, b: f64, c: f64) -> (f64, f64, f64, f64) {
    // forward
    let v = b * c;
    let u = a + v;
    let value = 3.0 * u;
    // reverse: ū = 3, ā = ū, v̄ = ū, b̄ = v̄·c, c̄ = v̄·b
    let bar_u = 3.0;
    let bar_a = bar_u;
    let bar_v = bar_u;
    let bar_b = bar_v * c;
    let bar_c = bar_v * b;
    (value, bar_a, bar_b, bar_c)
}

// ---------------------------------------------------------------------------
// The sigmoid σ(x) = 1 / (1 + e^−x).
// ---------------------------------------------------------------------------

/// The sigmoid as the lesson's chain: `σ = a⁻¹`, `a = 1 + b`, `b = eᶜ`,
/// `c = −x`.
#[grad(forward, reverse)]
#[inline]
pub fn sigmoid_chain(x: f64) -> f64 {
    let c = -x;
    let b = c.exp();
    let a = 1.0 + b;
    1.0 / a
}

/// Hand-written gradient of [`sigmoid_chain`], the chain rule applied link
/// by link: `ā = −1/a² = −σ²`, `b̄ = ā`, `c̄ = b̄·b`, `x̄ = −c̄`.
#[inline]
pub fn sigmoid_chain_hand(x: f64) -> (f64, f64) {
    // forward
    let c = -x;
    let b = c.exp();
    let a = 1.0 + b;
    let y = 1.0 / a;
    // reverse
    let bar_a = -(y * y);
    let bar_b = bar_a;
    let bar_c = bar_b * b;
    let bar_x = -bar_c;
    (y, bar_x)
}

/// The sigmoid in one expression.
#[grad(forward, reverse)]
#[inline]
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Hand-written gradient of [`sigmoid`] in the closed form every textbook
/// gives: `σ' = σ(1 − σ)`. (It loses digits to cancellation for large `x`,
/// where `σ → 1`; the chain's `σ²·e^−x` does not.)
#[inline]
pub fn sigmoid_hand(x: f64) -> (f64, f64) {
    let y = 1.0 / (1.0 + (-x).exp());
    (y, y * (1.0 - y))
}

// ---------------------------------------------------------------------------
// A 2-4-1 neural network with tanh hidden units and a squared-error loss
// over a fixed batch of five examples: 17 weights, 57 statements of
// arithmetic (and 15 `let`s of data), all `let`, unrolled by hand.
// ---------------------------------------------------------------------------

/// Mean squared-error loss, `(1/5) Σₖ ½ (oₖ − tₖ)²`, of the network
/// `o = Σᵢ vᵢ tanh(wᵢ₀ x₀ + wᵢ₁ x₁ + bᵢ) + c` on five fixed examples.
#[grad(forward, reverse)]
#[inline]
pub fn nn(
    w00: f64,
    w01: f64,
    w10: f64,
    w11: f64,
    w20: f64,
    w21: f64,
    w30: f64,
    w31: f64,
    b0: f64,
    b1: f64,
    b2: f64,
    b3: f64,
    v0: f64,
    v1: f64,
    v2: f64,
    v3: f64,
    c: f64,
) -> f64 {
    let x0a = 0.1;
    let x1a = 0.9;
    let ta = 0.7;
    let x0b = 0.8;
    let x1b = 0.2;
    let tb = 0.6;
    let x0c = -0.5;
    let x1c = 0.4;
    let tc = -0.3;
    let x0d = 0.3;
    let x1d = -0.7;
    let td = 0.1;
    let x0e = -0.6;
    let x1e = -0.2;
    let te = -0.5;
    // example a
    let z0a = w00 * x0a + w01 * x1a + b0;
    let z1a = w10 * x0a + w11 * x1a + b1;
    let z2a = w20 * x0a + w21 * x1a + b2;
    let z3a = w30 * x0a + w31 * x1a + b3;
    let h0a = z0a.tanh();
    let h1a = z1a.tanh();
    let h2a = z2a.tanh();
    let h3a = z3a.tanh();
    let oa = v0 * h0a + v1 * h1a + v2 * h2a + v3 * h3a + c;
    let ea = oa - ta;
    let la = ea * ea;
    // example b
    let z0b = w00 * x0b + w01 * x1b + b0;
    let z1b = w10 * x0b + w11 * x1b + b1;
    let z2b = w20 * x0b + w21 * x1b + b2;
    let z3b = w30 * x0b + w31 * x1b + b3;
    let h0b = z0b.tanh();
    let h1b = z1b.tanh();
    let h2b = z2b.tanh();
    let h3b = z3b.tanh();
    let ob = v0 * h0b + v1 * h1b + v2 * h2b + v3 * h3b + c;
    let eb = ob - tb;
    let lb = eb * eb;
    // example c
    let z0c = w00 * x0c + w01 * x1c + b0;
    let z1c = w10 * x0c + w11 * x1c + b1;
    let z2c = w20 * x0c + w21 * x1c + b2;
    let z3c = w30 * x0c + w31 * x1c + b3;
    let h0c = z0c.tanh();
    let h1c = z1c.tanh();
    let h2c = z2c.tanh();
    let h3c = z3c.tanh();
    let oc = v0 * h0c + v1 * h1c + v2 * h2c + v3 * h3c + c;
    let ec = oc - tc;
    let lc = ec * ec;
    // example d
    let z0d = w00 * x0d + w01 * x1d + b0;
    let z1d = w10 * x0d + w11 * x1d + b1;
    let z2d = w20 * x0d + w21 * x1d + b2;
    let z3d = w30 * x0d + w31 * x1d + b3;
    let h0d = z0d.tanh();
    let h1d = z1d.tanh();
    let h2d = z2d.tanh();
    let h3d = z3d.tanh();
    let od = v0 * h0d + v1 * h1d + v2 * h2d + v3 * h3d + c;
    let ed = od - td;
    let ld = ed * ed;
    // example e
    let z0e = w00 * x0e + w01 * x1e + b0;
    let z1e = w10 * x0e + w11 * x1e + b1;
    let z2e = w20 * x0e + w21 * x1e + b2;
    let z3e = w30 * x0e + w31 * x1e + b3;
    let h0e = z0e.tanh();
    let h1e = z1e.tanh();
    let h2e = z2e.tanh();
    let h3e = z3e.tanh();
    let oe = v0 * h0e + v1 * h1e + v2 * h2e + v3 * h3e + c;
    let ee = oe - te;
    let le = ee * ee;
    let sum = la + lb + lc + ld + le;
    0.1 * sum
}

/// The gradient of [`nn`]: the loss, then one partial per weight in
/// parameter order.
pub type NnGrad = (f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64, f64);

/// Hand-written gradient of [`nn`]: the forward pass keeps the hidden
/// activations `h` and the errors `e`; the reverse pass is backpropagation,
/// with each weight's partial written as one sum over the examples.
#[inline]
pub fn nn_hand(
    w00: f64,
    w01: f64,
    w10: f64,
    w11: f64,
    w20: f64,
    w21: f64,
    w30: f64,
    w31: f64,
    b0: f64,
    b1: f64,
    b2: f64,
    b3: f64,
    v0: f64,
    v1: f64,
    v2: f64,
    v3: f64,
    c: f64,
) -> NnGrad {
    let x0a = 0.1;
    let x1a = 0.9;
    let ta = 0.7;
    let x0b = 0.8;
    let x1b = 0.2;
    let tb = 0.6;
    let x0c = -0.5;
    let x1c = 0.4;
    let tc = -0.3;
    let x0d = 0.3;
    let x1d = -0.7;
    let td = 0.1;
    let x0e = -0.6;
    let x1e = -0.2;
    let te = -0.5;
    // example a
    let z0a = w00 * x0a + w01 * x1a + b0;
    let z1a = w10 * x0a + w11 * x1a + b1;
    let z2a = w20 * x0a + w21 * x1a + b2;
    let z3a = w30 * x0a + w31 * x1a + b3;
    let h0a = z0a.tanh();
    let h1a = z1a.tanh();
    let h2a = z2a.tanh();
    let h3a = z3a.tanh();
    let oa = v0 * h0a + v1 * h1a + v2 * h2a + v3 * h3a + c;
    let ea = oa - ta;
    let la = ea * ea;
    // example b
    let z0b = w00 * x0b + w01 * x1b + b0;
    let z1b = w10 * x0b + w11 * x1b + b1;
    let z2b = w20 * x0b + w21 * x1b + b2;
    let z3b = w30 * x0b + w31 * x1b + b3;
    let h0b = z0b.tanh();
    let h1b = z1b.tanh();
    let h2b = z2b.tanh();
    let h3b = z3b.tanh();
    let ob = v0 * h0b + v1 * h1b + v2 * h2b + v3 * h3b + c;
    let eb = ob - tb;
    let lb = eb * eb;
    // example c
    let z0c = w00 * x0c + w01 * x1c + b0;
    let z1c = w10 * x0c + w11 * x1c + b1;
    let z2c = w20 * x0c + w21 * x1c + b2;
    let z3c = w30 * x0c + w31 * x1c + b3;
    let h0c = z0c.tanh();
    let h1c = z1c.tanh();
    let h2c = z2c.tanh();
    let h3c = z3c.tanh();
    let oc = v0 * h0c + v1 * h1c + v2 * h2c + v3 * h3c + c;
    let ec = oc - tc;
    let lc = ec * ec;
    // example d
    let z0d = w00 * x0d + w01 * x1d + b0;
    let z1d = w10 * x0d + w11 * x1d + b1;
    let z2d = w20 * x0d + w21 * x1d + b2;
    let z3d = w30 * x0d + w31 * x1d + b3;
    let h0d = z0d.tanh();
    let h1d = z1d.tanh();
    let h2d = z2d.tanh();
    let h3d = z3d.tanh();
    let od = v0 * h0d + v1 * h1d + v2 * h2d + v3 * h3d + c;
    let ed = od - td;
    let ld = ed * ed;
    // example e
    let z0e = w00 * x0e + w01 * x1e + b0;
    let z1e = w10 * x0e + w11 * x1e + b1;
    let z2e = w20 * x0e + w21 * x1e + b2;
    let z3e = w30 * x0e + w31 * x1e + b3;
    let h0e = z0e.tanh();
    let h1e = z1e.tanh();
    let h2e = z2e.tanh();
    let h3e = z3e.tanh();
    let oe = v0 * h0e + v1 * h1e + v2 * h2e + v3 * h3e + c;
    let ee = oe - te;
    let le = ee * ee;
    let sum = la + lb + lc + ld + le;
    let loss = 0.1 * sum;

    // reverse: ∂loss/∂e_k = 0.1 · 2 e_k
    let ga = 0.2 * ea;
    let gb = 0.2 * eb;
    let gc = 0.2 * ec;
    let gd = 0.2 * ed;
    let ge = 0.2 * ee;
    let dc = ga + gb + gc + gd + ge;
    let dv0 = ga * h0a + gb * h0b + gc * h0c + gd * h0d + ge * h0e;
    let dv1 = ga * h1a + gb * h1b + gc * h1c + gd * h1d + ge * h1e;
    let dv2 = ga * h2a + gb * h2b + gc * h2c + gd * h2d + ge * h2e;
    let dv3 = ga * h3a + gb * h3b + gc * h3c + gd * h3d + ge * h3e;
    // ∂loss/∂z_ik = g_k · v_i · (1 − h_ik²)
    let gz0a = ga * v0 * (1.0 - h0a * h0a);
    let gz1a = ga * v1 * (1.0 - h1a * h1a);
    let gz2a = ga * v2 * (1.0 - h2a * h2a);
    let gz3a = ga * v3 * (1.0 - h3a * h3a);
    let gz0b = gb * v0 * (1.0 - h0b * h0b);
    let gz1b = gb * v1 * (1.0 - h1b * h1b);
    let gz2b = gb * v2 * (1.0 - h2b * h2b);
    let gz3b = gb * v3 * (1.0 - h3b * h3b);
    let gz0c = gc * v0 * (1.0 - h0c * h0c);
    let gz1c = gc * v1 * (1.0 - h1c * h1c);
    let gz2c = gc * v2 * (1.0 - h2c * h2c);
    let gz3c = gc * v3 * (1.0 - h3c * h3c);
    let gz0d = gd * v0 * (1.0 - h0d * h0d);
    let gz1d = gd * v1 * (1.0 - h1d * h1d);
    let gz2d = gd * v2 * (1.0 - h2d * h2d);
    let gz3d = gd * v3 * (1.0 - h3d * h3d);
    let gz0e = ge * v0 * (1.0 - h0e * h0e);
    let gz1e = ge * v1 * (1.0 - h1e * h1e);
    let gz2e = ge * v2 * (1.0 - h2e * h2e);
    let gz3e = ge * v3 * (1.0 - h3e * h3e);
    let dw00 = gz0a * x0a + gz0b * x0b + gz0c * x0c + gz0d * x0d + gz0e * x0e;
    let dw01 = gz0a * x1a + gz0b * x1b + gz0c * x1c + gz0d * x1d + gz0e * x1e;
    let db0 = gz0a + gz0b + gz0c + gz0d + gz0e;
    let dw10 = gz1a * x0a + gz1b * x0b + gz1c * x0c + gz1d * x0d + gz1e * x0e;
    let dw11 = gz1a * x1a + gz1b * x1b + gz1c * x1c + gz1d * x1d + gz1e * x1e;
    let db1 = gz1a + gz1b + gz1c + gz1d + gz1e;
    let dw20 = gz2a * x0a + gz2b * x0b + gz2c * x0c + gz2d * x0d + gz2e * x0e;
    let dw21 = gz2a * x1a + gz2b * x1b + gz2c * x1c + gz2d * x1d + gz2e * x1e;
    let db2 = gz2a + gz2b + gz2c + gz2d + gz2e;
    let dw30 = gz3a * x0a + gz3b * x0b + gz3c * x0c + gz3d * x0d + gz3e * x0e;
    let dw31 = gz3a * x1a + gz3b * x1b + gz3c * x1c + gz3d * x1d + gz3e * x1e;
    let db3 = gz3a + gz3b + gz3c + gz3d + gz3e;

    (loss, dw00, dw01, dw10, dw11, dw20, dw21, dw30, dw31, db0, db1, db2, db3, dv0, dv1, dv2, dv3, dc)
}

// ---------------------------------------------------------------------------
// A projectile with quadratic air drag, ten steps of semi-implicit Euler,
// and the squared distance of where it ends from a target: 59 statements,
// the state updated in place with `-=` and `+=`.
// ---------------------------------------------------------------------------

/// Squared distance from the target `(4, 1)` after ten steps of
/// `u ← u − dt·(k|u|u + g ĵ)`, `p ← p + dt·u`, from `p = 0`, `u = (vx, vy)`
/// with drag coefficient `k`.
#[grad(forward, reverse)]
#[inline]
pub fn drag(vx: f64, vy: f64, k: f64) -> f64 {
    let dt = 0.05;
    let g = 9.81;
    let mut ux = vx;
    let mut uy = vy;
    let mut px = 0.0;
    let mut py = 0.0;
    // step 1
    let s = (ux * ux + uy * uy).sqrt();
    ux -= dt * k * s * ux;
    uy -= dt * (g + k * s * uy);
    px += dt * ux;
    py += dt * uy;
    // step 2
    let s = (ux * ux + uy * uy).sqrt();
    ux -= dt * k * s * ux;
    uy -= dt * (g + k * s * uy);
    px += dt * ux;
    py += dt * uy;
    // step 3
    let s = (ux * ux + uy * uy).sqrt();
    ux -= dt * k * s * ux;
    uy -= dt * (g + k * s * uy);
    px += dt * ux;
    py += dt * uy;
    // step 4
    let s = (ux * ux + uy * uy).sqrt();
    ux -= dt * k * s * ux;
    uy -= dt * (g + k * s * uy);
    px += dt * ux;
    py += dt * uy;
    // step 5
    let s = (ux * ux + uy * uy).sqrt();
    ux -= dt * k * s * ux;
    uy -= dt * (g + k * s * uy);
    px += dt * ux;
    py += dt * uy;
    // step 6
    let s = (ux * ux + uy * uy).sqrt();
    ux -= dt * k * s * ux;
    uy -= dt * (g + k * s * uy);
    px += dt * ux;
    py += dt * uy;
    // step 7
    let s = (ux * ux + uy * uy).sqrt();
    ux -= dt * k * s * ux;
    uy -= dt * (g + k * s * uy);
    px += dt * ux;
    py += dt * uy;
    // step 8
    let s = (ux * ux + uy * uy).sqrt();
    ux -= dt * k * s * ux;
    uy -= dt * (g + k * s * uy);
    px += dt * ux;
    py += dt * uy;
    // step 9
    let s = (ux * ux + uy * uy).sqrt();
    ux -= dt * k * s * ux;
    uy -= dt * (g + k * s * uy);
    px += dt * ux;
    py += dt * uy;
    // step 10
    let s = (ux * ux + uy * uy).sqrt();
    ux -= dt * k * s * ux;
    uy -= dt * (g + k * s * uy);
    px += dt * ux;
    py += dt * uy;
    let dx = px - 4.0;
    let dy = py - 1.0;
    dx * dx + dy * dy
}

/// Hand-written gradient of [`drag`]: `(L, ∂L/∂vx, ∂L/∂vy, ∂L/∂k)`.
///
/// The forward pass keeps every step's velocity `u` and speed `s`. The
/// reverse pass carries the velocity's adjoint `(bx, by)` back through the
/// steps: with `q = b·u` and `m = 1 − dt·k·s`, one step maps `b` to
/// `m·b − (dt·k·q/s)·u`, adds `dt·s·q` to the (negated) drag partial, and
/// the position update adds `dt·∂L/∂p`.
#[inline]
pub fn drag_hand(vx: f64, vy: f64, k: f64) -> (f64, f64, f64, f64) {
    let dt = 0.05;
    let g = 9.81;
    let dtk = dt * k;
    // forward
    let ux0 = vx;
    let uy0 = vy;
    let s1 = (ux0 * ux0 + uy0 * uy0).sqrt();
    let f1 = dtk * s1;
    let ux1 = ux0 - f1 * ux0;
    let uy1 = uy0 - dt * (g + k * s1 * uy0);
    let px1 = dt * ux1;
    let py1 = dt * uy1;
    let s2 = (ux1 * ux1 + uy1 * uy1).sqrt();
    let f2 = dtk * s2;
    let ux2 = ux1 - f2 * ux1;
    let uy2 = uy1 - dt * (g + k * s2 * uy1);
    let px2 = px1 + dt * ux2;
    let py2 = py1 + dt * uy2;
    let s3 = (ux2 * ux2 + uy2 * uy2).sqrt();
    let f3 = dtk * s3;
    let ux3 = ux2 - f3 * ux2;
    let uy3 = uy2 - dt * (g + k * s3 * uy2);
    let px3 = px2 + dt * ux3;
    let py3 = py2 + dt * uy3;
    let s4 = (ux3 * ux3 + uy3 * uy3).sqrt();
    let f4 = dtk * s4;
    let ux4 = ux3 - f4 * ux3;
    let uy4 = uy3 - dt * (g + k * s4 * uy3);
    let px4 = px3 + dt * ux4;
    let py4 = py3 + dt * uy4;
    let s5 = (ux4 * ux4 + uy4 * uy4).sqrt();
    let f5 = dtk * s5;
    let ux5 = ux4 - f5 * ux4;
    let uy5 = uy4 - dt * (g + k * s5 * uy4);
    let px5 = px4 + dt * ux5;
    let py5 = py4 + dt * uy5;
    let s6 = (ux5 * ux5 + uy5 * uy5).sqrt();
    let f6 = dtk * s6;
    let ux6 = ux5 - f6 * ux5;
    let uy6 = uy5 - dt * (g + k * s6 * uy5);
    let px6 = px5 + dt * ux6;
    let py6 = py5 + dt * uy6;
    let s7 = (ux6 * ux6 + uy6 * uy6).sqrt();
    let f7 = dtk * s7;
    let ux7 = ux6 - f7 * ux6;
    let uy7 = uy6 - dt * (g + k * s7 * uy6);
    let px7 = px6 + dt * ux7;
    let py7 = py6 + dt * uy7;
    let s8 = (ux7 * ux7 + uy7 * uy7).sqrt();
    let f8 = dtk * s8;
    let ux8 = ux7 - f8 * ux7;
    let uy8 = uy7 - dt * (g + k * s8 * uy7);
    let px8 = px7 + dt * ux8;
    let py8 = py7 + dt * uy8;
    let s9 = (ux8 * ux8 + uy8 * uy8).sqrt();
    let f9 = dtk * s9;
    let ux9 = ux8 - f9 * ux8;
    let uy9 = uy8 - dt * (g + k * s9 * uy8);
    let px9 = px8 + dt * ux9;
    let py9 = py8 + dt * uy9;
    let s10 = (ux9 * ux9 + uy9 * uy9).sqrt();
    let f10 = dtk * s10;
    let ux10 = ux9 - f10 * ux9;
    let uy10 = uy9 - dt * (g + k * s10 * uy9);
    let px10 = px9 + dt * ux10;
    let py10 = py9 + dt * uy10;
    let dx = px10 - 4.0;
    let dy = py10 - 1.0;
    let loss = dx * dx + dy * dy;
    // reverse: ∂L/∂p is the same at every step, so is what it adds to ū
    let ax = dt * (2.0 * dx);
    let ay = dt * (2.0 * dy);
    let mut bx = ax;
    let mut by = ay;
    // step 10: adjoint of u9
    let q = bx * ux9 + by * uy9;
    let mut sq = s10 * q;
    let r = dtk * q / s10;
    let m = 1.0 - f10;
    bx = bx * m - r * ux9 + ax;
    by = by * m - r * uy9 + ay;
    // step 9: adjoint of u8
    let q = bx * ux8 + by * uy8;
    sq += s9 * q;
    let r = dtk * q / s9;
    let m = 1.0 - f9;
    bx = bx * m - r * ux8 + ax;
    by = by * m - r * uy8 + ay;
    // step 8: adjoint of u7
    let q = bx * ux7 + by * uy7;
    sq += s8 * q;
    let r = dtk * q / s8;
    let m = 1.0 - f8;
    bx = bx * m - r * ux7 + ax;
    by = by * m - r * uy7 + ay;
    // step 7: adjoint of u6
    let q = bx * ux6 + by * uy6;
    sq += s7 * q;
    let r = dtk * q / s7;
    let m = 1.0 - f7;
    bx = bx * m - r * ux6 + ax;
    by = by * m - r * uy6 + ay;
    // step 6: adjoint of u5
    let q = bx * ux5 + by * uy5;
    sq += s6 * q;
    let r = dtk * q / s6;
    let m = 1.0 - f6;
    bx = bx * m - r * ux5 + ax;
    by = by * m - r * uy5 + ay;
    // step 5: adjoint of u4
    let q = bx * ux4 + by * uy4;
    sq += s5 * q;
    let r = dtk * q / s5;
    let m = 1.0 - f5;
    bx = bx * m - r * ux4 + ax;
    by = by * m - r * uy4 + ay;
    // step 4: adjoint of u3
    let q = bx * ux3 + by * uy3;
    sq += s4 * q;
    let r = dtk * q / s4;
    let m = 1.0 - f4;
    bx = bx * m - r * ux3 + ax;
    by = by * m - r * uy3 + ay;
    // step 3: adjoint of u2
    let q = bx * ux2 + by * uy2;
    sq += s3 * q;
    let r = dtk * q / s3;
    let m = 1.0 - f3;
    bx = bx * m - r * ux2 + ax;
    by = by * m - r * uy2 + ay;
    // step 2: adjoint of u1
    let q = bx * ux1 + by * uy1;
    sq += s2 * q;
    let r = dtk * q / s2;
    let m = 1.0 - f2;
    bx = bx * m - r * ux1 + ax;
    by = by * m - r * uy1 + ay;
    // step 1: adjoint of u0
    let q = bx * ux0 + by * uy0;
    sq += s1 * q;
    let r = dtk * q / s1;
    let m = 1.0 - f1;
    bx = bx * m - r * ux0;
    by = by * m - r * uy0;
    (loss, bx, by, -dt * sq)
}

/// Inputs the benchmarks and tests use: a point for each function where no
/// partial derivative is zero.
pub mod inputs {
    /// `(a, b, c)` for [`super::j`].
    pub const J: (f64, f64, f64) = (1.0, 2.0, 3.0);
    /// `x` for the sigmoids.
    pub const SIGMOID: f64 = 0.7;
    /// The 17 weights of [`super::nn`], in parameter order.
    pub const NN: [f64; 17] =
        [0.5, -0.3, -0.4, 0.8, 0.9, 0.1, -0.2, -0.6, 0.05, -0.1, 0.2, 0.0, 0.7, -0.5, 0.3, 0.6, 0.1];
    /// `(vx, vy, k)` for [`super::drag`].
    pub const DRAG: (f64, f64, f64) = (8.0, 5.0, 0.1);
}

/// Calls a function of the 17 network weights with the weights in an array.
#[macro_export]
macro_rules! call_nn {
    ($f:path, $w:expr) => {{
        let w: [f64; 17] = $w;
        $f(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13], w[14], w[15], w[16])
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `a` and `b` agree to `1e-12` relative to the larger of the two.
    fn assert_close(what: &str, generated: &[f64], hand: &[f64]) {
        assert_eq!(generated.len(), hand.len());
        for (i, (&g, &h)) in generated.iter().zip(hand).enumerate() {
            let scale = g.abs().max(h.abs());
            assert!((g - h).abs() <= 1e-12 * scale, "{what}[{i}]: generated {g}, hand-written {h}");
        }
    }

    /// Central differences of `f` at `w`, to check the gradients against
    /// something that is neither of them.
    fn numeric(f: impl Fn(&[f64]) -> f64, w: &[f64]) -> Vec<f64> {
        (0..w.len())
            .map(|i| {
                let h = 1e-6 * w[i].abs().max(1.0);
                let (mut up, mut down) = (w.to_vec(), w.to_vec());
                up[i] += h;
                down[i] -= h;
                (f(&up) - f(&down)) / (2.0 * h)
            })
            .collect()
    }

    fn assert_near(what: &str, analytic: &[f64], numeric: &[f64]) {
        for (i, (&a, &n)) in analytic.iter().zip(numeric).enumerate() {
            assert!((a - n).abs() <= 1e-6 * a.abs().max(1.0), "{what}[{i}]: analytic {a}, numeric {n}");
        }
    }

    fn nn_to_array(g: NnGrad) -> [f64; 18] {
        let (l, a, b, c, d, e, f, h, i, j, k, m, n, o, p, q, r, s) = g;
        [l, a, b, c, d, e, f, h, i, j, k, m, n, o, p, q, r, s]
    }

    #[test]
    fn j_hand_matches_generated() {
        for (a, b, c) in [inputs::J, (-0.5, 4.0, -2.5), (0.0, 1e-3, 7.0)] {
            let (v, da, db, dc) = j_grad(a, b, c);
            let (hv, ha, hb, hc) = j_hand(a, b, c);
            assert_close("j", &[v, da, db, dc], &[hv, ha, hb, hc]);
        }
        assert_eq!(j_hand(1.0, 2.0, 3.0), (21.0, 3.0, 9.0, 6.0));
    }

    #[test]
    fn sigmoid_hand_matches_generated() {
        for x in [inputs::SIGMOID, -3.0, 0.0, 2.5, -20.0, 15.0] {
            let (v, d) = sigmoid_chain_grad(x);
            let (hv, hd) = sigmoid_chain_hand(x);
            assert_close("sigmoid_chain", &[v, d], &[hv, hd]);
            let (v, d) = sigmoid_grad(x);
            assert_eq!(v, sigmoid(x));
            assert_near("sigmoid", &[d], &numeric(|w| sigmoid(w[0]), &[x]));
        }
        // `σ(1 − σ)` cancels when σ is near 1 (at x = 15 it is only good to
        // 4e-10), so the closed form is compared where it is exact to 1e-12.
        for x in [inputs::SIGMOID, -3.0, 0.0, 2.5, -20.0] {
            let (v, d) = sigmoid_grad(x);
            let (hv, hd) = sigmoid_hand(x);
            assert_close("sigmoid", &[v, d], &[hv, hd]);
        }
    }

    #[test]
    fn nn_hand_matches_generated() {
        let mut weights = inputs::NN;
        for round in 0..3 {
            let generated = nn_to_array(call_nn!(nn_grad, weights));
            let hand = nn_to_array(call_nn!(nn_hand, weights));
            assert_close("nn", &generated, &hand);
            assert_eq!(generated[0], call_nn!(nn, weights));
            let num = numeric(|w| call_nn!(nn, w.try_into().unwrap()), &weights);
            assert_near("nn", &hand[1..], &num);
            // another point: every weight moved differently
            for (i, w) in weights.iter_mut().enumerate() {
                *w = -0.7 * *w + 0.05 * (i as f64 - 8.0) + 0.1 * round as f64;
            }
        }
    }

    #[test]
    fn drag_hand_matches_generated() {
        for (vx, vy, k) in [inputs::DRAG, (3.0, 9.0, 0.02), (12.0, -1.0, 0.3)] {
            let (v, dvx, dvy, dk) = drag_grad(vx, vy, k);
            let (hv, hvx, hvy, hk) = drag_hand(vx, vy, k);
            assert_close("drag", &[v, dvx, dvy, dk], &[hv, hvx, hvy, hk]);
            assert_eq!(v, drag(vx, vy, k));
            assert_near("drag", &[hvx, hvy, hk], &numeric(|w| drag(w[0], w[1], w[2]), &[vx, vy, k]));
        }
    }
}
