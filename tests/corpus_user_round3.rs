//! Round 3 of user programs: written first, then checked.
#![allow(clippy::needless_range_loop)]

use autodiff::prelude::*;
use std::f64::consts::PI;

// 1. Scalar Kalman filter: negative log-likelihood of the innovations.
#[grad(forward, reverse, hessian)]
fn kalman_nll(log_q: f64, log_r: f64, zs: &[f64]) -> f64 {
    let q = log_q.exp();
    let r = log_r.exp();
    let mut mean = 0.0;
    let mut var = 1.0;
    let mut nll = 0.0;
    for &z in zs {
        // predict
        var += q;
        // update
        let s = var + r;
        let k = var / s;
        let innov = z - mean;
        nll += 0.5 * (innov * innov / s + s.ln() + (2.0 * PI).ln());
        mean += k * innov;
        var *= 1.0 - k;
    }
    nll
}

// 1b. 2-D constant-velocity Kalman step with matrix helpers.
#[grad]
fn mat_mul(a: [[f64; 2]; 2], b: [[f64; 2]; 2]) -> [[f64; 2]; 2] {
    let mut c = [[0.0; 2]; 2];
    for i in 0..2 {
        for j in 0..2 {
            for k in 0..2 {
                c[i][j] += a[i][k] * b[k][j];
            }
        }
    }
    c
}

/// The covariance predict step of a constant-velocity model, `F P Fᵀ`,
/// through the matrix helper; its trace plus the off-diagonal.
#[grad(forward, reverse)]
fn predicted_spread(p: [[f64; 2]; 2], dt: f64) -> f64 {
    let f = [[1.0, dt], [0.0, 1.0]];
    let ft = [[1.0, 0.0], [dt, 1.0]];
    let fp: [[f64; 2]; 2] = mat_mul(f, p);
    let fpf: [[f64; 2]; 2] = mat_mul(fp, ft);
    fpf[0][0] + fpf[1][1] + 0.5 * fpf[0][1]
}

// 2. Spring-mass with semi-implicit Euler and a struct state.
#[derive(Clone, Copy, Debug)]
struct SpringState {
    x: f64,
    v: f64,
}

#[grad(forward, reverse, hessian)]
fn spring_final_energy(k: f64, m: f64, c: f64) -> f64 {
    let mut s = SpringState { x: 1.0, v: 0.0 };
    let dt = 0.01;
    for _ in 0..200 {
        let a = (-k * s.x - c * s.v) / m;
        s.v += a * dt;
        s.x += s.v * dt;
    }
    0.5 * k * s.x * s.x + 0.5 * m * s.v * s.v
}

// 3. Softmax regression with iter().zip().map().sum(), weights as rows.
#[grad(wrt(w))]
fn softmax_regression(w: &[Vec<f64>], xs: &[Vec<f64>], labels: &[usize]) -> f64 {
    let mut loss = 0.0;
    for (x, &y) in xs.iter().zip(labels) {
        let logits: Vec<f64> = w.iter().map(|row| row.iter().zip(x).map(|(a, b)| a * b).sum()).collect();
        let max = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let lse = max + logits.iter().map(|l| (l - max).exp()).sum::<f64>().ln();
        loss += lse - logits[y];
    }
    loss / xs.len() as f64
}

// 4. Pairwise Lennard-Jones energy.
#[grad(forward, reverse, hessian)]
fn lj_energy(pos: &[[f64; 3]], epsilon: f64, sigma: f64) -> f64 {
    let n = pos.len();
    let mut e = 0.0;
    for i in 0..n {
        for j in i + 1..n {
            let dx = pos[i][0] - pos[j][0];
            let dy = pos[i][1] - pos[j][1];
            let dz = pos[i][2] - pos[j][2];
            let r2 = dx * dx + dy * dy + dz * dz;
            let sr6 = (sigma * sigma / r2).powi(3);
            e += 4.0 * epsilon * (sr6 * sr6 - sr6);
        }
    }
    e
}

// 5. Horner over coeffs.iter().rev(), then Newton's root with a while loop.
#[grad(forward, reverse, hessian)]
fn horner(coeffs: &[f64], x: f64) -> f64 {
    let mut y = 0.0;
    for &c in coeffs.iter().rev() {
        y = y * x + c;
    }
    y
}

#[grad(forward, reverse)]
fn newton_root(coeffs: &[f64], x0: f64) -> f64 {
    let mut x = x0;
    let mut iter = 0;
    while iter < 50 {
        let mut p = 0.0;
        let mut dp = 0.0;
        for &c in coeffs.iter().rev() {
            dp = dp * x + p;
            p = p * x + c;
        }
        let step = p / dp;
        x -= step;
        if step.abs() < 1e-14 {
            break;
        }
        iter += 1;
    }
    x
}

// 6. Activation enum with a method, used by a layer.
#[derive(Clone, Copy, Debug)]
enum Activation {
    Relu,
    LeakyRelu(f64),
    Tanh,
    Sigmoid,
}

impl Activation {
    #[grad(forward, reverse, wrt(x))]
    fn apply(&self, x: f64) -> f64 {
        match *self {
            Activation::Relu => x.max(0.0),
            Activation::LeakyRelu(a) => {
                if x > 0.0 {
                    x
                } else {
                    a * x
                }
            }
            Activation::Tanh => x.tanh(),
            Activation::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        }
    }
}

#[grad(forward, reverse, wrt(w, x))]
fn dense_act(w: &[f64], x: &[f64], act: &Activation) -> f64 {
    let z: f64 = w.iter().zip(x).map(|(a, b)| a * b).sum();
    act.apply(z)
}

// 7. Cubic spline with a binary search for the interval.
#[grad(forward, reverse, wrt(ys, m, x))]
fn spline_eval(knots: &[f64], ys: &[f64], m: &[f64], x: f64) -> f64 {
    let n = knots.len();
    let mut lo = 0;
    let mut hi = n - 1;
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if knots[mid] > x {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let h = knots[hi] - knots[lo];
    let a = (knots[hi] - x) / h;
    let b = (x - knots[lo]) / h;
    a * ys[lo] + b * ys[hi] + ((a * a * a - a) * m[lo] + (b * b * b - b) * m[hi]) * h * h / 6.0
}

// 8. A 1-D CNN: convolution, ReLU, max-pool with chunks_exact.
#[grad(forward, reverse, wrt(kernel, x))]
fn conv_pool(kernel: &[f64; 3], bias: f64, x: &[f64]) -> f64 {
    let mut conv = vec![0.0; x.len() - 2];
    for (i, win) in x.windows(3).enumerate() {
        let z = win.iter().zip(kernel.iter()).map(|(a, b)| a * b).sum::<f64>() + bias;
        conv[i] = z.max(0.0);
    }
    let pooled: Vec<f64> = conv.chunks_exact(2).map(|c| c[0].max(c[1])).collect();
    pooled.iter().map(|p| p * p).sum()
}

// 9. Huber / smooth loss with if / else if.
#[grad(forward, reverse, hessian, wrt(pred))]
fn robust_loss(pred: &[f64], target: &[f64], delta: f64) -> f64 {
    let mut total = 0.0;
    for i in 0..pred.len() {
        let r = pred[i] - target[i];
        let a = r.abs();
        let l = if a <= delta {
            0.5 * r * r
        } else if a <= 3.0 * delta {
            delta * (a - 0.5 * delta)
        } else {
            delta * (3.0 * delta - 0.5 * delta) + 0.1 * (a - 3.0 * delta)
        };
        total += l;
    }
    total / pred.len() as f64
}

// 10. Generic Rosenbrock.
#[grad(forward, reverse, hessian)]
fn rosen_generic<T: Float>(x: &[T]) -> T {
    let mut s = T::zero();
    let hundred = T::from(100.0).unwrap();
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = T::one() - x[i];
        s = s + hundred * a * a + b * b;
    }
    s
}

// 11. A two-layer MLP struct with methods on &self.
#[derive(Params, Clone, Debug)]
struct Mlp {
    w1: Vec<Vec<f64>>,
    b1: Vec<f64>,
    w2: Vec<f64>,
    b2: f64,
}

impl Mlp {
    #[grad(forward, reverse)]
    fn predict(&self, x: &[f64]) -> f64 {
        let mut out = self.b2;
        for (j, row) in self.w1.iter().enumerate() {
            let z: f64 = row.iter().zip(x).map(|(w, xi)| w * xi).sum::<f64>() + self.b1[j];
            out += self.w2[j] * z.tanh();
        }
        out
    }

    #[grad(wrt(self))]
    fn mse(&self, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
        let mut loss = 0.0;
        for (x, y) in xs.iter().zip(ys) {
            let e = self.predict(x) - y;
            loss += e * e;
        }
        loss / xs.len() as f64
    }
}

// 12. Tuple results: polar to cartesian, and a two-link arm.
#[grad(forward, reverse, hessian)]
fn polar(r: f64, theta: f64) -> (f64, f64) {
    (r * theta.cos(), r * theta.sin())
}

#[grad(forward, reverse, hessian)]
fn arm_reach_error(t1: f64, t2: f64, target_x: f64, target_y: f64) -> f64 {
    let (x1, y1) = polar(1.0, t1);
    let (x2, y2) = polar(0.7, t1 + t2);
    let dx = x1 + x2 - target_x;
    let dy = y1 + y2 - target_y;
    dx * dx + dy * dy
}

// 13. Helpers writing &mut outputs.
#[grad(forward, reverse)]
fn matvec(a: &[f64], x: &[f64], y: &mut [f64]) {
    let n = x.len();
    for i in 0..y.len() {
        y[i] = 0.0;
        for j in 0..n {
            y[i] += a[i * n + j] * x[j];
        }
    }
}

#[grad(forward, reverse)]
fn normalize(v: &mut [f64]) {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    for x in v.iter_mut() {
        *x /= norm;
    }
}

#[grad(forward, reverse, wrt(a, x))]
fn projected_loss(a: &[f64], x: &[f64], target: &[f64]) -> f64 {
    let mut y = vec![0.0; target.len()];
    matvec(a, x, &mut y);
    normalize(&mut y);
    let mut loss = 0.0;
    for i in 0..y.len() {
        loss += (y[i] - target[i]).powi(2);
    }
    loss
}

// 14. f32: a tiny logistic model.
#[grad(forward, reverse)]
fn logistic_f32(w: &[f32], b: f32, xs: &[[f32; 2]], ys: &[f32]) -> f32 {
    let mut loss = 0.0f32;
    for (x, &y) in xs.iter().zip(ys) {
        let z = w[0] * x[0] + w[1] * x[1] + b;
        let p = 1.0 / (1.0 + (-z).exp());
        loss -= y * p.ln() + (1.0 - y) * (1.0 - p).ln();
    }
    loss / xs.len() as f32
}

// 15. Early return: ray-sphere hit distance.
#[grad(forward, reverse, hessian)]
fn ray_sphere(ox: f64, oy: f64, oz: f64, radius: f64) -> f64 {
    // Ray from (ox, oy, oz) along +z towards a sphere at the origin.
    let b = oz;
    let c = ox * ox + oy * oy + oz * oz - radius * radius;
    let disc = b * b - c;
    if disc < 0.0 {
        return 100.0;
    }
    let t = -b - disc.sqrt();
    if t < 0.0 {
        return 0.0;
    }
    t
}

// 16. While loop with a convergence test: fixed point x = a cos(x).
#[grad(forward, reverse)]
fn fixed_point(a: f64) -> f64 {
    let mut x: f64 = 0.5;
    let mut delta = 1.0;
    while delta > 1e-13 {
        let next = a * x.cos();
        delta = (next - x).abs();
        x = next;
    }
    x
}

// 17. Gauss-Legendre quadrature with const tables.
const GL_NODES: [f64; 5] =
    [-0.906_179_845_938_664, -0.538_469_310_105_683, 0.0, 0.538_469_310_105_683, 0.906_179_845_938_664];
const GL_WEIGHTS: [f64; 5] =
    [0.236_926_885_056_189, 0.478_628_670_499_366, 0.568_888_888_888_889, 0.478_628_670_499_366, 0.236_926_885_056_189];

#[grad(forward, reverse, hessian)]
fn integrate_gaussian(a: f64, b: f64, mu: f64, s: f64) -> f64 {
    let half = 0.5 * (b - a);
    let mid = 0.5 * (a + b);
    let mut total = 0.0;
    for k in 0..5 {
        let t = mid + half * GL_NODES[k];
        let z = (t - mu) / s;
        total += GL_WEIGHTS[k] * (-0.5 * z * z).exp();
    }
    total * half
}

// 18. Closures: RBF interpolation.
#[grad(forward, reverse, wrt(weights, x))]
fn rbf_interp(centers: &[f64], weights: &[f64], x: f64, ell: f64) -> f64 {
    let kernel = |c: f64| (-(x - c).powi(2) / (2.0 * ell * ell)).exp();
    centers.iter().zip(weights).map(|(&c, &w)| w * kernel(c)).sum()
}

// 19. Black-Scholes with an erf approximation (Abramowitz-Stegun 7.1.26).
#[grad(forward, reverse, hessian)]
fn norm_cdf(x: f64) -> f64 {
    let z = x.abs() / 2f64.sqrt();
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-z * z).exp();
    if x >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

#[grad(forward, reverse, hessian)]
fn black_scholes_call(spot: f64, strike: f64, rate: f64, vol: f64, t: f64) -> f64 {
    let sqrt_t = t.sqrt();
    let d1 = ((spot / strike).ln() + (rate + 0.5 * vol * vol) * t) / (vol * sqrt_t);
    let d2 = d1 - vol * sqrt_t;
    spot * norm_cdf(d1) - strike * (-rate * t).exp() * norm_cdf(d2)
}

// 20. de Casteljau Bezier evaluation and arc length.
#[grad(forward, reverse)]
fn bezier_length(ctrl: &[[f64; 2]], samples: usize) -> f64 {
    let n = ctrl.len();
    let mut length = 0.0;
    let mut prev: [f64; 2] = ctrl[0];
    for s in 1..=samples {
        let t = s as f64 / samples as f64;
        let mut pts = vec![[0.0; 2]; n];
        for i in 0..n {
            pts[i] = ctrl[i];
        }
        for r in 1..n {
            for i in 0..n - r {
                pts[i][0] = (1.0 - t) * pts[i][0] + t * pts[i + 1][0];
                pts[i][1] = (1.0 - t) * pts[i][1] + t * pts[i + 1][1];
            }
        }
        let p: [f64; 2] = pts[0];
        length += ((p[0] - prev[0]).powi(2) + (p[1] - prev[1]).powi(2)).sqrt();
        prev = p;
    }
    length
}

// ===========================================================================
// The checks.
// ===========================================================================

#[macro_use]
mod common;

use common::{check_every_case, close, dot_with_allowance, points_in};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

/// One program seen as a function of its differentiated scalars, flattened.
struct Prog {
    name: &'static str,
    domain: Vec<(f64, f64)>,
    f: fn(&[f64]) -> f64,
    /// `NAME_grad`: the value and the partials.
    grad: fn(&[f64]) -> (f64, Vec<f64>),
    /// `NAME_vjp` with a seed.
    vjp: fn(&[f64], f64) -> (f64, Vec<f64>),
    /// `NAME_jvp` along a direction.
    jvp: Option<fn(&[f64], &[f64]) -> (f64, f64)>,
    /// `NAME_hvp` along a direction.
    hvp: Option<fn(&[f64], &[f64]) -> (f64, Vec<f64>)>,
    /// Points away from the kinks.
    valid: fn(&[f64]) -> bool,
    /// The relative tolerance against central differences.
    tol: f64,
}

fn always(_: &[f64]) -> bool {
    true
}

fn check_prog(p: &Prog, w: &[f64], v: &[f64], seed: f64) -> Result<(), TestCaseError> {
    prop_assume!((p.valid)(w));
    let value = (p.f)(w);
    prop_assume!(value.is_finite());
    let (gv, g) = (p.grad)(w);
    prop_assert!(gv == value, "{}: grad's value {gv} != {value}", p.name);
    prop_assert_eq!(g.len(), w.len());
    let numeric = numeric_gradient(p.f, w);
    for (i, (&a, &n)) in g.iter().zip(&numeric).enumerate() {
        prop_assert!(close(a, n, p.tol), "{} at {w:?}: ∂{i} = {a}, numeric {n}", p.name);
    }
    let (vv, gs) = (p.vjp)(w, seed);
    prop_assert!(vv == value, "{}: vjp's value {vv} != {value}", p.name);
    for (i, (&a, &b)) in gs.iter().zip(&g).enumerate() {
        prop_assert!(
            close(a, seed * b, 1e-12),
            "{} at {w:?}: vjp(s = {seed}) ∂{i} = {a}, s·grad = {}",
            p.name,
            seed * b
        );
    }
    if let Some(jvp) = p.jvp {
        // The dot-product test: s·(J·v) = v·(Jᵀ·s).
        let (jv, tangent) = jvp(w, v);
        prop_assert!(jv == value, "{}: jvp's value {jv} != {value}", p.name);
        let (reverse, allowed) = dot_with_allowance(v, &gs, 1e-10);
        prop_assert!(
            (seed * tangent - reverse).abs() <= allowed,
            "{} at {w:?} along {v:?}: s·(J·v) = {}, v·(Jᵀ·s) = {reverse}",
            p.name,
            seed * tangent
        );
    }
    if let Some(hvp) = p.hvp {
        // H·v against central differences of the gradient along v.
        let (hv_value, hv) = hvp(w, v);
        prop_assert!(hv_value == value, "{}: hvp's value {hv_value} != {value}", p.name);
        let h = 1e-5;
        let plus: Vec<f64> = w.iter().zip(v).map(|(a, b)| a + h * b).collect();
        let minus: Vec<f64> = w.iter().zip(v).map(|(a, b)| a - h * b).collect();
        let (gp, gm) = ((p.grad)(&plus).1, (p.grad)(&minus).1);
        let scale = hv.iter().fold(1.0f64, |m, x| m.max(x.abs()));
        for i in 0..w.len() {
            let fd = (gp[i] - gm[i]) / (2.0 * h);
            prop_assert!(
                (hv[i] - fd).abs() <= 1e-5 * scale,
                "{} at {w:?} along {v:?}: (H·v){i} = {}, differences of the gradient {fd}",
                p.name,
                hv[i]
            );
        }
    }
    Ok(())
}

fn check_all(progs: Vec<Prog>) {
    check_every_case(
        "program(s)",
        progs,
        |p| p.name,
        |p| (points_in(&p.domain), common::directions(p.domain.len()), -3.0..3.0f64),
        |p, (w, v, seed)| check_prog(p, &w, &v, seed),
    );
}

fn arr<const N: usize>(w: &[f64]) -> [f64; N] {
    <[f64; N]>::try_from(w).unwrap()
}

// --- 1. Kalman -------------------------------------------------------------

const ZS: [f64; 5] = [0.3, 0.1, 0.7, 1.2, 0.9];

fn kalman_prog() -> Prog {
    Prog {
        name: "kalman_nll",
        domain: [(-2.0, 1.0), (-2.0, 1.0)].into_iter().chain(ZS.iter().map(|&z| (z - 0.5, z + 0.5))).collect(),
        f: |w| kalman_nll(w[0], w[1], &w[2..]),
        grad: |w| {
            let mut d = vec![0.0; 5];
            let (v, dq, dr) = kalman_nll_grad(w[0], w[1], &w[2..], &mut d);
            (v, [vec![dq, dr], d].concat())
        },
        vjp: |w, s| {
            let mut d = vec![0.0; 5];
            let (v, dq, dr) = kalman_nll_vjp(w[0], w[1], &w[2..], &mut d, s);
            (v, [vec![dq, dr], d].concat())
        },
        jvp: Some(|w, v| kalman_nll_jvp(w[0], v[0], w[1], v[1], &w[2..], &v[2..])),
        hvp: Some(|w, v| {
            let mut hv = vec![0.0; 5];
            let (value, hq, hr) = kalman_nll_hvp(w[0], v[0], w[1], v[1], &w[2..], &v[2..], &mut hv);
            (value, [vec![hq, hr], hv].concat())
        }),
        valid: always,
        tol: 1e-6,
    }
}

fn mat(w: &[f64]) -> [[f64; 2]; 2] {
    [[w[0], w[1]], [w[2], w[3]]]
}

fn predicted_spread_prog() -> Prog {
    Prog {
        name: "predicted_spread",
        domain: vec![(0.5, 2.0), (-0.3, 0.3), (-0.3, 0.3), (0.5, 2.0), (0.01, 0.5)],
        f: |w| predicted_spread(mat(w), w[4]),
        grad: |w| {
            let (v, dp, dt) = predicted_spread_grad(mat(w), w[4]);
            (v, vec![dp[0][0], dp[0][1], dp[1][0], dp[1][1], dt])
        },
        vjp: |w, s| {
            let (v, dp, dt) = predicted_spread_vjp(mat(w), w[4], s);
            (v, vec![dp[0][0], dp[0][1], dp[1][0], dp[1][1], dt])
        },
        jvp: Some(|w, v| predicted_spread_jvp(mat(w), mat(v), w[4], v[4])),
        hvp: None,
        valid: always,
        tol: 1e-6,
    }
}

// --- 2. Spring ------------------------------------------------------------

fn spring_prog() -> Prog {
    Prog {
        name: "spring_final_energy",
        domain: vec![(0.5, 3.0), (0.5, 2.0), (0.0, 0.5)],
        f: |w| spring_final_energy(w[0], w[1], w[2]),
        grad: |w| {
            let (v, a, b, c) = spring_final_energy_grad(w[0], w[1], w[2]);
            (v, vec![a, b, c])
        },
        vjp: |w, s| {
            let (v, a, b, c) = spring_final_energy_vjp(w[0], w[1], w[2], s);
            (v, vec![a, b, c])
        },
        jvp: Some(|w, v| spring_final_energy_jvp(w[0], v[0], w[1], v[1], w[2], v[2])),
        hvp: Some(|w, v| {
            let (value, a, b, c) = spring_final_energy_hvp(w[0], v[0], w[1], v[1], w[2], v[2]);
            (value, vec![a, b, c])
        }),
        valid: always,
        tol: 1e-6,
    }
}

// --- 3. Softmax regression -------------------------------------------------

fn rows3x2(w: &[f64]) -> Vec<Vec<f64>> {
    w.chunks(2).map(|c| c.to_vec()).collect()
}

fn softmax_data() -> (Vec<Vec<f64>>, Vec<usize>) {
    (vec![vec![1.0, 2.0], vec![-0.5, 0.3], vec![0.2, -1.0], vec![1.5, 0.5]], vec![0, 2, 1, 0])
}

fn softmax_prog() -> Prog {
    Prog {
        name: "softmax_regression",
        domain: vec![(-1.0, 1.0); 6],
        f: |w| {
            let (xs, ys) = softmax_data();
            softmax_regression(&rows3x2(w), &xs, &ys)
        },
        grad: |w| {
            let (xs, ys) = softmax_data();
            let mut d = vec![vec![0.0; 2]; 3];
            let v = softmax_regression_grad(&rows3x2(w), &mut d, &xs, &ys);
            (v, d.concat())
        },
        vjp: |w, s| {
            let (xs, ys) = softmax_data();
            let mut d = vec![vec![0.0; 2]; 3];
            let v = softmax_regression_vjp(&rows3x2(w), &mut d, &xs, &ys, s);
            (v, d.concat())
        },
        jvp: None,
        hvp: None,
        valid: always,
        tol: 1e-6,
    }
}

// --- 4. Lennard-Jones ------------------------------------------------------

const BASE: [[f64; 3]; 3] = [[0.0, 0.0, 0.0], [1.1, 0.0, 0.0], [0.5, 1.0, 0.2]];

fn particles(w: &[f64]) -> Vec<[f64; 3]> {
    (0..3).map(|i| [BASE[i][0] + w[3 * i], BASE[i][1] + w[3 * i + 1], BASE[i][2] + w[3 * i + 2]]).collect()
}

fn lj_prog() -> Prog {
    let mut domain = vec![(-0.1, 0.1); 9];
    domain.extend([(0.5, 1.5), (0.8, 1.1)]);
    Prog {
        name: "lj_energy",
        domain,
        f: |w| lj_energy(&particles(w), w[9], w[10]),
        grad: |w| {
            let mut d = vec![[0.0; 3]; 3];
            let (v, de, ds) = lj_energy_grad(&particles(w), &mut d, w[9], w[10]);
            (v, [d.concat(), vec![de, ds]].concat())
        },
        vjp: |w, s| {
            let mut d = vec![[0.0; 3]; 3];
            let (v, de, ds) = lj_energy_vjp(&particles(w), &mut d, w[9], w[10], s);
            (v, [d.concat(), vec![de, ds]].concat())
        },
        jvp: Some(|w, v| {
            let dp: Vec<[f64; 3]> = v[..9].chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
            lj_energy_jvp(&particles(w), &dp, w[9], v[9], w[10], v[10])
        }),
        hvp: Some(|w, v| {
            let vp: Vec<[f64; 3]> = v[..9].chunks(3).map(|c| [c[0], c[1], c[2]]).collect();
            let mut hv = vec![[0.0; 3]; 3];
            let (value, he, hs) = lj_energy_hvp(&particles(w), &vp, &mut hv, w[9], v[9], w[10], v[10]);
            (value, [hv.concat(), vec![he, hs]].concat())
        }),
        valid: always,
        tol: 1e-6,
    }
}

// --- 5. Horner and Newton ---------------------------------------------------

fn horner_prog() -> Prog {
    Prog {
        name: "horner",
        domain: vec![(-1.0, 1.0), (-1.0, 1.0), (-1.0, 1.0), (-1.0, 1.0), (-2.0, 2.0)],
        f: |w| horner(&w[..4], w[4]),
        grad: |w| {
            let mut d = vec![0.0; 4];
            let (v, dx) = horner_grad(&w[..4], &mut d, w[4]);
            (v, [d, vec![dx]].concat())
        },
        vjp: |w, s| {
            let mut d = vec![0.0; 4];
            let (v, dx) = horner_vjp(&w[..4], &mut d, w[4], s);
            (v, [d, vec![dx]].concat())
        },
        jvp: Some(|w, v| horner_jvp(&w[..4], &v[..4], w[4], v[4])),
        hvp: Some(|w, v| {
            let mut hv = vec![0.0; 4];
            let (value, hx) = horner_hvp(&w[..4], &v[..4], &mut hv, w[4], v[4]);
            (value, [hv, vec![hx]].concat())
        }),
        valid: always,
        tol: 1e-6,
    }
}

/// A cubic `c₀ + c₁x + c₂x² + c₃x³` near `(x − 1)(x² + 1)`: one real root near 1.
fn cubic(w: &[f64]) -> [f64; 4] {
    [-1.0 + w[0], 1.0 + w[1], -1.0 + w[2], 1.0 + w[3]]
}

fn newton_prog() -> Prog {
    Prog {
        name: "newton_root",
        domain: vec![(-0.1, 0.1), (-0.1, 0.1), (-0.1, 0.1), (-0.1, 0.1), (0.9, 1.3)],
        f: |w| newton_root(&cubic(w), w[4]),
        grad: |w| {
            let mut d = [0.0; 4];
            let (v, dx) = newton_root_grad(&cubic(w), &mut d, w[4]);
            (v, [d.to_vec(), vec![dx]].concat())
        },
        vjp: |w, s| {
            let mut d = [0.0; 4];
            let (v, dx) = newton_root_vjp(&cubic(w), &mut d, w[4], s);
            (v, [d.to_vec(), vec![dx]].concat())
        },
        jvp: Some(|w, v| newton_root_jvp(&cubic(w), &arr::<4>(&v[..4]), w[4], v[4])),
        hvp: None,
        valid: always,
        tol: 1e-6,
    }
}

// --- 6. Activation enum -----------------------------------------------------

const ACTS: [Activation; 4] = [Activation::Relu, Activation::LeakyRelu(0.1), Activation::Tanh, Activation::Sigmoid];

fn dense_act_progs() -> Vec<Prog> {
    macro_rules! prog {
        ($k:literal, $name:literal) => {
            Prog {
                name: $name,
                domain: vec![(-1.0, 1.0); 6],
                f: |w| dense_act(&w[..3], &w[3..], &ACTS[$k]),
                grad: |w| {
                    let (mut dw, mut dx) = ([0.0; 3], [0.0; 3]);
                    let v = dense_act_grad(&w[..3], &mut dw, &w[3..], &mut dx, &ACTS[$k]);
                    (v, [dw, dx].concat())
                },
                vjp: |w, s| {
                    let (mut dw, mut dx) = ([0.0; 3], [0.0; 3]);
                    let v = dense_act_vjp(&w[..3], &mut dw, &w[3..], &mut dx, &ACTS[$k], s);
                    (v, [dw, dx].concat())
                },
                jvp: Some(|w, v| dense_act_jvp(&w[..3], &v[..3], &w[3..], &v[3..], &ACTS[$k])),
                hvp: None,
                valid: |w| (w[0] * w[3] + w[1] * w[4] + w[2] * w[5]).abs() > 1e-3,
                tol: 1e-6,
            }
        };
    }
    vec![
        prog!(0, "dense_act relu"),
        prog!(1, "dense_act leaky"),
        prog!(2, "dense_act tanh"),
        prog!(3, "dense_act sigmoid"),
    ]
}

// --- 7. Spline --------------------------------------------------------------

const KNOTS: [f64; 5] = [0.0, 1.0, 2.5, 3.0, 4.5];

fn spline_prog() -> Prog {
    let mut domain = vec![(-1.0, 1.0); 10];
    domain.push((0.0, 4.5));
    Prog {
        name: "spline_eval",
        domain,
        f: |w| spline_eval(&KNOTS, &w[..5], &w[5..10], w[10]),
        grad: |w| {
            let (mut dy, mut dm) = ([0.0; 5], [0.0; 5]);
            let (v, dx) = spline_eval_grad(&KNOTS, &w[..5], &mut dy, &w[5..10], &mut dm, w[10]);
            (v, [&dy[..], &dm[..], &[dx]].concat())
        },
        vjp: |w, s| {
            let (mut dy, mut dm) = ([0.0; 5], [0.0; 5]);
            let (v, dx) = spline_eval_vjp(&KNOTS, &w[..5], &mut dy, &w[5..10], &mut dm, w[10], s);
            (v, [&dy[..], &dm[..], &[dx]].concat())
        },
        jvp: Some(|w, v| spline_eval_jvp(&KNOTS, &w[..5], &v[..5], &w[5..10], &v[5..10], w[10], v[10])),
        hvp: None,
        valid: |w| KNOTS.iter().all(|k| (w[10] - k).abs() > 1e-3),
        tol: 1e-6,
    }
}

// --- 8. CNN -----------------------------------------------------------------

/// The pre-activations of `conv_pool`, and whether every ReLU and every
/// max is away from its kink.
fn conv_margins(w: &[f64]) -> bool {
    let (k, x) = (&w[..3], &w[3..]);
    let conv: Vec<f64> = x.windows(3).map(|win| win.iter().zip(k).map(|(a, b)| a * b).sum::<f64>() + 0.1).collect();
    let relu: Vec<f64> = conv.iter().map(|c| c.max(0.0)).collect();
    conv.iter().all(|c| c.abs() > 1e-3) && relu.chunks(2).all(|c| c[0] == c[1] || (c[0] - c[1]).abs() > 1e-3)
}

fn conv_prog() -> Prog {
    Prog {
        name: "conv_pool",
        domain: vec![(-1.0, 1.0); 11],
        f: |w| conv_pool(&arr::<3>(&w[..3]), 0.1, &w[3..]),
        grad: |w| {
            let (mut dk, mut dx) = ([0.0; 3], [0.0; 8]);
            let v = conv_pool_grad(&arr::<3>(&w[..3]), &mut dk, 0.1, &w[3..], &mut dx);
            (v, [&dk[..], &dx[..]].concat())
        },
        vjp: |w, s| {
            let (mut dk, mut dx) = ([0.0; 3], [0.0; 8]);
            let v = conv_pool_vjp(&arr::<3>(&w[..3]), &mut dk, 0.1, &w[3..], &mut dx, s);
            (v, [&dk[..], &dx[..]].concat())
        },
        jvp: Some(|w, v| conv_pool_jvp(&arr::<3>(&w[..3]), &arr::<3>(&v[..3]), 0.1, &w[3..], &v[3..])),
        hvp: None,
        valid: conv_margins,
        tol: 1e-6,
    }
}

// --- 9. Robust loss ---------------------------------------------------------

const TARGETS: [f64; 4] = [0.0, 0.5, -1.0, 2.0];

fn robust_prog() -> Prog {
    Prog {
        name: "robust_loss",
        domain: vec![(-4.0, 4.0); 4],
        f: |w| robust_loss(w, &TARGETS, 0.7),
        grad: |w| {
            let mut d = [0.0; 4];
            let v = robust_loss_grad(w, &mut d, &TARGETS, 0.7);
            (v, d.to_vec())
        },
        vjp: |w, s| {
            let mut d = [0.0; 4];
            let v = robust_loss_vjp(w, &mut d, &TARGETS, 0.7, s);
            (v, d.to_vec())
        },
        jvp: Some(|w, v| robust_loss_jvp(w, v, &TARGETS, 0.7)),
        hvp: Some(|w, v| {
            let mut hv = [0.0; 4];
            let value = robust_loss_hvp(w, v, &mut hv, &TARGETS, 0.7);
            (value, hv.to_vec())
        }),
        valid: |w| {
            w.iter().zip(&TARGETS).all(|(p, t)| {
                let a = (p - t).abs();
                (a - 0.7).abs() > 1e-3 && (a - 2.1).abs() > 1e-3
            })
        },
        tol: 1e-6,
    }
}

// --- 10. Generic Rosenbrock --------------------------------------------------

fn rosen_prog() -> Prog {
    Prog {
        name: "rosen_generic",
        domain: vec![(-1.5, 1.5); 4],
        f: |w| rosen_generic(w),
        grad: |w| {
            let mut d = [0.0; 4];
            let v = rosen_generic_grad(w, &mut d);
            (v, d.to_vec())
        },
        vjp: |w, s| {
            let mut d = [0.0; 4];
            let v = rosen_generic_vjp(w, &mut d, s);
            (v, d.to_vec())
        },
        jvp: Some(|w, v| rosen_generic_jvp(w, v)),
        hvp: Some(|w, v| {
            let mut hv = [0.0; 4];
            let value = rosen_generic_hvp(w, v, &mut hv);
            (value, hv.to_vec())
        }),
        valid: always,
        tol: 1e-6,
    }
}

// --- 12. Tuple results -------------------------------------------------------

fn arm_prog() -> Prog {
    Prog {
        name: "arm_reach_error",
        domain: vec![(-3.0, 3.0), (-3.0, 3.0), (-1.5, 1.5), (-1.5, 1.5)],
        f: |w| arm_reach_error(w[0], w[1], w[2], w[3]),
        grad: |w| {
            let (v, a, b, c, d) = arm_reach_error_grad(w[0], w[1], w[2], w[3]);
            (v, vec![a, b, c, d])
        },
        vjp: |w, s| {
            let (v, a, b, c, d) = arm_reach_error_vjp(w[0], w[1], w[2], w[3], s);
            (v, vec![a, b, c, d])
        },
        jvp: Some(|w, v| arm_reach_error_jvp(w[0], v[0], w[1], v[1], w[2], v[2], w[3], v[3])),
        hvp: Some(|w, v| {
            let (value, a, b, c, d) = arm_reach_error_hvp(w[0], v[0], w[1], v[1], w[2], v[2], w[3], v[3]);
            (value, vec![a, b, c, d])
        }),
        valid: always,
        tol: 1e-6,
    }
}

// --- 13. &mut helpers ---------------------------------------------------------

const PROJ_TARGET: [f64; 3] = [0.6, -0.3, 0.74];

fn projected_prog() -> Prog {
    Prog {
        name: "projected_loss",
        domain: vec![(-1.0, 1.0); 8],
        f: |w| projected_loss(&w[..6], &w[6..], &PROJ_TARGET),
        grad: |w| {
            let (mut da, mut dx) = ([0.0; 6], [0.0; 2]);
            let v = projected_loss_grad(&w[..6], &mut da, &w[6..], &mut dx, &PROJ_TARGET);
            (v, [&da[..], &dx[..]].concat())
        },
        vjp: |w, s| {
            let (mut da, mut dx) = ([0.0; 6], [0.0; 2]);
            let v = projected_loss_vjp(&w[..6], &mut da, &w[6..], &mut dx, &PROJ_TARGET, s);
            (v, [&da[..], &dx[..]].concat())
        },
        jvp: Some(|w, v| projected_loss_jvp(&w[..6], &v[..6], &w[6..], &v[6..], &PROJ_TARGET)),
        hvp: None,
        valid: |w| {
            // |A·x| away from 0, where the normalization blows up.
            (0..3).map(|i| (w[2 * i] * w[6] + w[2 * i + 1] * w[7]).powi(2)).sum::<f64>() > 0.05
        },
        tol: 1e-6,
    }
}

// --- 15. Early return ---------------------------------------------------------

fn ray_prog() -> Prog {
    Prog {
        name: "ray_sphere",
        domain: vec![(-2.0, 2.0), (-2.0, 2.0), (-5.0, 3.0), (0.5, 2.0)],
        f: |w| ray_sphere(w[0], w[1], w[2], w[3]),
        grad: |w| {
            let (v, a, b, c, d) = ray_sphere_grad(w[0], w[1], w[2], w[3]);
            (v, vec![a, b, c, d])
        },
        vjp: |w, s| {
            let (v, a, b, c, d) = ray_sphere_vjp(w[0], w[1], w[2], w[3], s);
            (v, vec![a, b, c, d])
        },
        jvp: Some(|w, v| ray_sphere_jvp(w[0], v[0], w[1], v[1], w[2], v[2], w[3], v[3])),
        hvp: Some(|w, v| {
            let (value, a, b, c, d) = ray_sphere_hvp(w[0], v[0], w[1], v[1], w[2], v[2], w[3], v[3]);
            (value, vec![a, b, c, d])
        }),
        valid: |w| {
            let disc = w[2] * w[2] - (w[0] * w[0] + w[1] * w[1] + w[2] * w[2] - w[3] * w[3]);
            disc.abs() > 1e-2 && (disc < 0.0 || (-w[2] - disc.sqrt()).abs() > 1e-2)
        },
        tol: 1e-6,
    }
}

// --- 17. Quadrature -----------------------------------------------------------

fn quadrature_prog() -> Prog {
    Prog {
        name: "integrate_gaussian",
        domain: vec![(-2.0, 0.0), (0.5, 2.5), (-0.5, 0.5), (0.5, 1.5)],
        f: |w| integrate_gaussian(w[0], w[1], w[2], w[3]),
        grad: |w| {
            let (v, a, b, c, d) = integrate_gaussian_grad(w[0], w[1], w[2], w[3]);
            (v, vec![a, b, c, d])
        },
        vjp: |w, s| {
            let (v, a, b, c, d) = integrate_gaussian_vjp(w[0], w[1], w[2], w[3], s);
            (v, vec![a, b, c, d])
        },
        jvp: Some(|w, v| integrate_gaussian_jvp(w[0], v[0], w[1], v[1], w[2], v[2], w[3], v[3])),
        hvp: Some(|w, v| {
            let (value, a, b, c, d) = integrate_gaussian_hvp(w[0], v[0], w[1], v[1], w[2], v[2], w[3], v[3]);
            (value, vec![a, b, c, d])
        }),
        valid: always,
        tol: 1e-6,
    }
}

// --- 18. RBF ------------------------------------------------------------------

const CENTERS: [f64; 4] = [-1.0, 0.0, 0.5, 2.0];

fn rbf_prog() -> Prog {
    Prog {
        name: "rbf_interp",
        domain: vec![(-1.0, 1.0), (-1.0, 1.0), (-1.0, 1.0), (-1.0, 1.0), (-2.0, 3.0)],
        f: |w| rbf_interp(&CENTERS, &w[..4], w[4], 0.8),
        grad: |w| {
            let mut d = [0.0; 4];
            let (v, dx) = rbf_interp_grad(&CENTERS, &w[..4], &mut d, w[4], 0.8);
            (v, [&d[..], &[dx]].concat())
        },
        vjp: |w, s| {
            let mut d = [0.0; 4];
            let (v, dx) = rbf_interp_vjp(&CENTERS, &w[..4], &mut d, w[4], 0.8, s);
            (v, [&d[..], &[dx]].concat())
        },
        jvp: Some(|w, v| rbf_interp_jvp(&CENTERS, &w[..4], &v[..4], w[4], v[4], 0.8)),
        hvp: None,
        valid: always,
        tol: 1e-6,
    }
}

// --- 19. Black-Scholes ----------------------------------------------------------

fn black_scholes_prog() -> Prog {
    Prog {
        name: "black_scholes_call",
        domain: vec![(80.0, 120.0), (90.0, 110.0), (0.0, 0.08), (0.1, 0.5), (0.2, 2.0)],
        f: |w| black_scholes_call(w[0], w[1], w[2], w[3], w[4]),
        grad: |w| {
            let (v, a, b, c, d, e) = black_scholes_call_grad(w[0], w[1], w[2], w[3], w[4]);
            (v, vec![a, b, c, d, e])
        },
        vjp: |w, s| {
            let (v, a, b, c, d, e) = black_scholes_call_vjp(w[0], w[1], w[2], w[3], w[4], s);
            (v, vec![a, b, c, d, e])
        },
        jvp: Some(|w, v| black_scholes_call_jvp(w[0], v[0], w[1], v[1], w[2], v[2], w[3], v[3], w[4], v[4])),
        hvp: Some(|w, v| {
            let (value, a, b, c, d, e) =
                black_scholes_call_hvp(w[0], v[0], w[1], v[1], w[2], v[2], w[3], v[3], w[4], v[4]);
            (value, vec![a, b, c, d, e])
        }),
        valid: always,
        tol: 1e-6,
    }
}

// --- 20. Bezier ------------------------------------------------------------------

fn ctrl(w: &[f64]) -> Vec<[f64; 2]> {
    [[0.0, 0.0], [1.0, 2.0], [3.0, 2.0], [4.0, 0.0]]
        .iter()
        .zip(w.chunks(2))
        .map(|(b, d)| [b[0] + d[0], b[1] + d[1]])
        .collect()
}

fn bezier_prog() -> Prog {
    Prog {
        name: "bezier_length",
        domain: vec![(-0.5, 0.5); 8],
        f: |w| bezier_length(&ctrl(w), 12),
        grad: |w| {
            let mut d = vec![[0.0; 2]; 4];
            let v = bezier_length_grad(&ctrl(w), &mut d, 12);
            (v, d.concat())
        },
        vjp: |w, s| {
            let mut d = vec![[0.0; 2]; 4];
            let v = bezier_length_vjp(&ctrl(w), &mut d, 12, s);
            (v, d.concat())
        },
        jvp: Some(|w, v| {
            let dv: Vec<[f64; 2]> = v.chunks(2).map(|c| [c[0], c[1]]).collect();
            bezier_length_jvp(&ctrl(w), &dv, 12)
        }),
        hvp: None,
        valid: always,
        tol: 1e-6,
    }
}

#[test]
fn programs_match_central_differences_and_their_other_modes() {
    let mut progs = vec![
        kalman_prog(),
        predicted_spread_prog(),
        spring_prog(),
        softmax_prog(),
        lj_prog(),
        horner_prog(),
        newton_prog(),
        spline_prog(),
        conv_prog(),
        robust_prog(),
        rosen_prog(),
        arm_prog(),
        projected_prog(),
        ray_prog(),
        quadrature_prog(),
        rbf_prog(),
        black_scholes_prog(),
        bezier_prog(),
    ];
    progs.extend(dense_act_progs());
    check_all(progs);
}
