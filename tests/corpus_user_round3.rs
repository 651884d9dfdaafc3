//! Round 3 of user programs (issue 8): numeric programs written the way a
//! Rust user writes them, in domains earlier rounds did not cover (filters,
//! ODEs, physics, splines, convolutions, finance, images, attention), each
//! in the modes it wants, checked against central differences
//! (`numeric_gradient`), the dot-product test `⟨J·v, s⟩ = ⟨v, Jᵀ·s⟩`
//! between `NAME_jvp` and `NAME_vjp`, `NAME_hvp` against central
//! differences of the gradient, or closed forms. Where the first version of
//! a program did not compile, the version here is the user's second try,
//! and the first is a ui test (`tests/ui/`).

// The programs keep the forms people write (index loops, hand-written
// swaps and copies, `&Vec<f64>`, `s = s + ..` in generic code where `T:
// Float` has no `+=`).
#![allow(
    clippy::needless_range_loop,
    clippy::manual_memcpy,
    clippy::manual_swap,
    clippy::ptr_arg,
    clippy::assign_op_pattern,
    clippy::type_complexity
)]

use autodiff::prelude::*;
use std::f64::consts::PI;

// 1. Scalar Kalman filter: negative log-likelihood of the innovations.
#[grad(forward, reverse, hessian, graph)]
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
#[grad(forward, reverse, graph, wrt(kernel, x))]
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
#[grad(forward, reverse, hessian, graph, wrt(pred))]
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
    #[grad(forward, reverse, graph)]
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

#[grad(forward, reverse, hessian, graph)]
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

#[grad(forward, reverse, hessian, graph)]
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

// 21. Recursion: a power by repeated multiplication, in every mode.
#[grad(forward, reverse, hessian, graph)]
fn power_rec(x: f64, n: u32) -> f64 {
    if n == 0 {
        1.0
    } else {
        x * power_rec(x, n - 1)
    }
}

// 22. RK4 with a local closure that returns the state's derivative.
#[grad(forward, reverse, hessian)]
fn rk4_oscillator(x0: f64, v0: f64, k: f64) -> f64 {
    let f = |s: [f64; 2]| [s[1], -k * s[0]];
    let mut s = [x0, v0];
    let h = 0.1;
    for _ in 0..10 {
        let k1 = f(s);
        let k2 = f([s[0] + 0.5 * h * k1[0], s[1] + 0.5 * h * k1[1]]);
        let k3 = f([s[0] + 0.5 * h * k2[0], s[1] + 0.5 * h * k2[1]]);
        let k4 = f([s[0] + h * k3[0], s[1] + h * k3[1]]);
        for i in 0..2 {
            s[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    s[0]
}

// 23. An optional parameter with a default.
#[grad(forward, reverse, wrt(x))]
fn scaled_energy(x: &[f64], k: Option<f64>) -> f64 {
    let k = k.unwrap_or(1.0);
    x.iter().map(|v| k * v * v).sum()
}

// 24. A const generic length.
#[grad(forward, reverse)]
fn mean_of<const N: usize>(x: &[f64; N]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>() / N as f64
}

// 25. Table interpolation with a float cast to an index.
#[grad(forward, reverse, hessian)]
fn table_lookup(table: &[f64], x: f64, h: f64) -> f64 {
    let n = table.len();
    let i = ((x / h).floor() as usize).min(n - 2);
    let t = x / h - i as f64;
    (1.0 - t) * table[i] + t * table[i + 1]
}

// 26. Heron's square root: `loop` with `break value`.
#[grad(forward, reverse)]
fn heron_sqrt(a: f64) -> f64 {
    let mut x: f64 = 1.0;
    let mut n = 0;
    loop {
        let next = 0.5 * (x + a / x);
        n += 1;
        if (next - x).abs() < 1e-14 || n > 100 {
            break next;
        }
        x = next;
    }
}

// 27. Total-variation denoising objective.
#[grad(forward, reverse, hessian)]
fn tv_objective(x: &[f64], lambda: f64) -> f64 {
    let mut tv = 0.0;
    for i in 1..x.len() {
        tv += (x[i] - x[i - 1]).abs();
    }
    let fit: f64 = x.iter().map(|v| (v - 1.0).powi(2)).sum();
    fit + lambda * tv
}

// 28. A triangle's area through a cross-product helper returning `[f64; 3]`.
#[grad(forward, reverse, hessian)]
fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}

#[grad(forward, reverse, hessian)]
fn triangle_area(u: [f64; 3], v: [f64; 3]) -> f64 {
    let n = cross(u, v);
    0.5 * (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt()
}

// 29. A closure adding into a captured total.
#[grad(forward, reverse)]
fn sum_of_squares_closure(x: &[f64]) -> f64 {
    let mut total = 0.0;
    let mut add = |v: f64| total += v * v;
    for &v in x {
        add(v);
    }
    total
}

// 30. f32: a radial wave, with an f32 constant.
#[grad(forward, reverse)]
fn radial_wave(x: f32, y: f32) -> f32 {
    let r = (x * x + y * y).sqrt();
    (std::f32::consts::PI * r).sin() / r + 0.5f32 * x
}

// 31. Shadowed parameters, powf with a parameter exponent, a NaN guard.
#[grad(forward, reverse, hessian)]
fn shadowed(x: f64, y: f64, n: i32) -> f64 {
    if x.is_nan() {
        return 0.0;
    }
    let x = x * 2.0;
    let x = x.sin() + x;
    x * x + x.powf(y) + x.powi(n) + std::f64::consts::E.powf(y) + f64::sqrt(2.0) * x.ln_1p() + y.exp_m1()
}

// 32. Sample standard deviation of a `&Vec<f64>`.
#[grad(forward, reverse, hessian)]
fn sample_std(x: &Vec<f64>) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    var.sqrt()
}

// 33. Accumulating into a local array with `iter_mut().zip().for_each()`, and
// positions weighted by `enumerate`.
#[grad(forward, reverse)]
fn bucket_energy(x: &[f64]) -> f64 {
    let mut acc = [0.0f64; 3];
    acc.iter_mut().zip(x).for_each(|(a, b)| *a += b * b);
    let weighted: f64 = x.iter().enumerate().map(|(i, v)| v * (i as f64 + 1.0)).sum();
    acc.iter().sum::<f64>() * weighted
}

// 34. A closure reads the `a` in scope where it was written, not the shadow.
#[grad(forward, reverse, hessian, graph)]
fn closure_before_shadow(x: f64, a: f64) -> f64 {
    let f = |t: f64| t * a;
    let a = 5.0 * x;
    f(x) * f(x) + a
}

// 35. Index walks: reversed strides, lags, reversed windows, partial chunks,
// a cyclic neighbour.
#[grad(forward, reverse)]
fn strided_walks(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in (0..x.len()).rev().step_by(2) {
        s += x[i] * x[i] * (i as f64 + 1.0);
    }
    let mut t = 0.0;
    for i in (0..x.len()).step_by(2).rev() {
        t = t * 0.5 + x[i] * (i as f64 + 1.0);
    }
    let lag: f64 = x.iter().skip(1).zip(x.iter()).map(|(a, b)| (a - b).powi(2) * a).sum();
    let mut w = 0.0;
    for pair in x.windows(2).rev() {
        w = w * 0.9 + pair[0] * pair[1];
    }
    let mut c = 0.0;
    for chunk in x.chunks(3) {
        let m: f64 = chunk.iter().sum::<f64>() / chunk.len() as f64;
        c += m * m;
    }
    let n = x.len();
    let mut cyc = 0.0;
    for i in 0..n {
        cyc += x[i] * x[(i + 1) % n] - x[(i * 2) % n];
    }
    s + t + lag + w + c + cyc
}

// 36. Gauss-Seidel sweeps on a local vector updated in place.
#[grad(forward, reverse, hessian)]
fn gauss_seidel(a: &[f64], b: &[f64]) -> f64 {
    let n = b.len();
    let mut x = vec![0.0; n];
    for _sweep in 0..20 {
        for i in 0..n {
            let mut s = b[i];
            for j in 0..n {
                if j != i {
                    s -= a[i * n + j] * x[j];
                }
            }
            x[i] = s / a[i * n + i];
        }
    }
    x.iter().enumerate().map(|(i, v)| v * (i as f64 + 1.0)).sum()
}

// 37. Prefix sums, an insertion sort (a trimmed, weighted mean) and an
// update that reads the element it writes.
#[grad(forward, reverse)]
fn prefix_energy(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    for i in 1..v.len() {
        v[i] += v[i - 1];
    }
    v.iter().map(|c| c * c).sum()
}

#[grad(forward, reverse)]
fn trimmed_mean(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    let n = v.len();
    for i in 1..n {
        let mut j = i;
        while j > 0 && v[j - 1] > v[j] {
            let t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
            j -= 1;
        }
    }
    let mut s = 0.0;
    for k in 1..n - 1 {
        s += v[k] * (k as f64);
    }
    s / (n - 2) as f64
}

#[grad(forward, reverse, hessian)]
fn self_coupled(x: &[f64], w: f64) -> f64 {
    let mut v = x.to_vec();
    let n = v.len();
    for i in 0..n {
        for j in 0..n {
            v[i] += v[j] * w;
        }
    }
    v.iter().sum()
}

// 38. `match` on a float with guards.
#[grad(forward, reverse, hessian)]
fn banded(x: f64, y: f64) -> f64 {
    match x {
        v if v < -1.0 => -v * y,
        v if v < 1.0 => v * v * y,
        _ => x.ln() * y + 1.0,
    }
}

// 39. Ranges that may be empty.
#[grad(forward, reverse)]
fn tail_product(x: &[f64], k: usize) -> f64 {
    let mut s = 0.0;
    for i in k..=x.len() - 1 {
        s += x[i].sin();
    }
    for i in (0..k).rev() {
        s *= x[i];
    }
    s
}

// 40. Normalized weights written back with `iter_mut`.
#[grad(forward, reverse)]
fn normalized_dot(x: &[f64]) -> f64 {
    let mut v = vec![0.0; x.len()];
    for (vi, xi) in v.iter_mut().zip(x) {
        *vi = xi * xi;
    }
    let total: f64 = v.iter().sum();
    for vi in v.iter_mut() {
        *vi /= total;
    }
    v.iter().zip(x).map(|(p, xi)| p * xi).sum()
}

// 41. A model of layers (`Vec<Dense>`), each of the same width.
#[derive(Params, Clone)]
struct Dense {
    w: Vec<Vec<f64>>,
    b: Vec<f64>,
}

#[derive(Params, Clone)]
struct Net {
    layers: Vec<Dense>,
}

impl Net {
    #[grad(forward, reverse)]
    fn forward(&self, x: &[f64]) -> f64 {
        let mut h = x.to_vec();
        for layer in self.layers.iter() {
            let mut next = vec![0.0; layer.b.len()];
            for (j, row) in layer.w.iter().enumerate() {
                next[j] = (row.iter().zip(&h).map(|(w, v)| w * v).sum::<f64>() + layer.b[j]).tanh();
            }
            h = next;
        }
        h.iter().sum()
    }
}

// 42. A model whose method returns its hidden layer.
#[derive(Params, Clone)]
struct TwoLayer {
    w1: [[f64; 2]; 3],
    w2: [f64; 3],
}

impl TwoLayer {
    #[grad(forward, reverse, hessian)]
    fn hidden(&self, x: &[f64; 2]) -> [f64; 3] {
        let mut h = [0.0; 3];
        for j in 0..3 {
            h[j] = (self.w1[j][0] * x[0] + self.w1[j][1] * x[1]).tanh();
        }
        h
    }

    #[grad(forward, reverse, hessian)]
    fn predict(&self, x: &[f64; 2]) -> f64 {
        let h: [f64; 3] = self.hidden(x);
        self.w2.iter().zip(h.iter()).map(|(a, b)| a * b).sum()
    }
}

// 43. Second order through a helper writing `&mut`, and through generics.
#[grad(forward, reverse, hessian)]
fn square_into(x: &[f64], y: &mut [f64]) {
    for i in 0..y.len() {
        y[i] = x[i] * x[i];
    }
}

#[grad(forward, reverse, hessian)]
fn squares_times_first(x: &[f64]) -> f64 {
    let mut y = [0.0; 3];
    square_into(x, &mut y);
    y.iter().sum::<f64>() * x[0]
}

#[grad(forward, reverse, hessian)]
fn x_sin_x<T: Float>(x: T) -> T {
    x.sin() * x
}

#[grad(forward, reverse, hessian)]
fn sum_x_sin_x<T: Float>(x: &[T]) -> T {
    let mut s = T::zero();
    for &v in x {
        s = s + x_sin_x(v);
    }
    s
}

// 44. The heat equation, explicit steps between two buffers copied back.
#[grad(forward, reverse, hessian, wrt(alpha, u0))]
fn heat_misfit(alpha: f64, u0: &[f64], target: &[f64], steps: usize) -> f64 {
    let n = u0.len();
    let mut u = u0.to_vec();
    let mut next = vec![0.0; n];
    for _ in 0..steps {
        for i in 1..n - 1 {
            next[i] = u[i] + alpha * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
        }
        next[0] = 0.0;
        next[n - 1] = 0.0;
        for i in 0..n {
            u[i] = next[i];
        }
    }
    u.iter().zip(target).map(|(a, b)| (a - b).powi(2)).sum()
}

// 45. Sobel edge energy of an image of rows (`&[Vec<f64>]`).
#[grad(forward, reverse, wrt(img))]
fn sobel_energy(img: &[Vec<f64>]) -> f64 {
    let h = img.len();
    let w = img[0].len();
    let mut total = 0.0;
    for i in 1..h - 1 {
        for j in 1..w - 1 {
            let gx = img[i - 1][j + 1] + 2.0 * img[i][j + 1] + img[i + 1][j + 1]
                - img[i - 1][j - 1]
                - 2.0 * img[i][j - 1]
                - img[i + 1][j - 1];
            let gy = img[i + 1][j - 1] + 2.0 * img[i + 1][j] + img[i + 1][j + 1]
                - img[i - 1][j - 1]
                - 2.0 * img[i - 1][j]
                - img[i - 1][j + 1];
            total += (gx * gx + gy * gy + 1e-8).sqrt();
        }
    }
    total
}

// 46. A portfolio's negative Sharpe ratio.
#[grad(forward, reverse, hessian)]
fn neg_sharpe(w: &[f64; 3], cov: &[[f64; 3]; 3], mu: &[f64; 3]) -> f64 {
    let mut var = 0.0;
    for i in 0..3 {
        for j in 0..3 {
            var += w[i] * cov[i][j] * w[j];
        }
    }
    let ret: f64 = w.iter().zip(mu.iter()).map(|(a, b)| a * b).sum();
    -ret / var.sqrt()
}

// 47. One attention head: scores collected, a stable softmax, a weighted sum.
#[grad(forward, reverse, wrt(q, keys, values))]
fn attention(q: &[f64], keys: &[Vec<f64>], values: &[f64]) -> f64 {
    let d = q.len() as f64;
    let scores: Vec<f64> = keys.iter().map(|k| k.iter().zip(q).map(|(a, b)| a * b).sum::<f64>() / d.sqrt()).collect();
    let m = scores.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let exps: Vec<f64> = scores.iter().map(|s| (s - m).exp()).collect();
    let z: f64 = exps.iter().sum();
    exps.iter().zip(values).map(|(e, v)| e / z * v).sum()
}

// 48. Distance from a point to a segment, the projection clamped.
#[grad(forward, reverse, hessian)]
fn point_segment_distance(px: f64, py: f64, ax: f64, ay: f64, bx: f64, by: f64) -> f64 {
    let (dx, dy) = (bx - ax, by - ay);
    let t = (((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
    let (cx, cy) = (ax + t * dx, ay + t * dy);
    ((px - cx).powi(2) + (py - cy).powi(2)).sqrt()
}

// 49. Kepler's equation by Newton, breaking on convergence.
#[grad(forward, reverse)]
fn kepler(mean_anomaly: f64, e: f64) -> f64 {
    let mut ecc = mean_anomaly;
    for _ in 0..50 {
        let f = ecc - e * ecc.sin() - mean_anomaly;
        if f.abs() < 1e-15 {
            break;
        }
        ecc -= f / (1.0 - e * ecc.cos());
    }
    ecc
}

// 50. A generic struct read by a generic free function; a product with
// zeros; mixed precision; `continue` in a `while`.
#[derive(Clone, Copy)]
struct Spring<T> {
    k: T,
    rest: T,
}

#[grad(forward, reverse, hessian, wrt(x))]
fn spring_energy<T: Float>(s: &Spring<T>, x: T) -> T {
    let stretch = x - s.rest;
    s.k * stretch * stretch / (T::one() + T::one())
}

#[grad(forward, reverse, hessian)]
fn product_of(x: &[f64]) -> f64 {
    x.iter().product::<f64>()
}

#[grad(forward, reverse)]
fn mixed_precision(x: f32, y: f64) -> f64 {
    let a = (x as f64).exp() * y;
    let b = (y as f32).sin();
    a + b as f64
}

#[grad(forward, reverse)]
fn sqrt_of_positives(x: &[f64]) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    while i < x.len() {
        i += 1;
        if x[i - 1] < 0.0 {
            continue;
        }
        s += x[i - 1].sqrt();
    }
    s
}

// 51. Second order through an early `return` from a `while`, through a
// loop that overwrites two coupled values, and through generic closures
// and folds; a `&mut` output updated in place.
#[grad(forward, reverse, hessian)]
fn capped_sum(x: &[f64], a: f64) -> f64 {
    let mut i = 0;
    let mut s = 0.0;
    while i < x.len() {
        s += (a * x[i]).sin() * x[i];
        if s > 3.0 {
            return s * s;
        }
        i += 1;
    }
    s * a
}

#[grad(forward, reverse, hessian)]
fn coupled_recurrence(x: &[f64]) -> f64 {
    let mut p = 1.0;
    let mut q = 0.0;
    for i in 0..x.len() {
        p = p * x[i].cos() + q;
        q = q * 0.5 + p * x[i];
    }
    p * q
}

#[grad(forward, reverse, hessian)]
fn soft_squares<T: Float>(x: &[T], k: T) -> T {
    let sq = |v: T| v * v * k;
    let mut s = T::zero();
    for &v in x {
        s = s + sq(v).tanh();
    }
    s
}

#[grad(forward, reverse, hessian)]
fn log_sum_exp_generic<T: Float + std::iter::Sum>(x: &[T]) -> T {
    let m = x.iter().fold(x[0], |a, &b| a.max(b));
    let z: T = x.iter().map(|&v| (v - m).exp()).sum();
    m + z.ln()
}

#[grad(forward, reverse)]
fn scale_in_place(a: f64, x: &[f64], y: &mut [f64]) {
    for i in 0..y.len() {
        y[i] += a * x[i] * y[i];
    }
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
        // The differences at h and 2h bound their own truncation error
        // (about a third of their gap), which is large where the curvature
        // changes fast (`ray_sphere` near a grazing ray).
        let h = 1e-5;
        let gradient_at = |h: f64| {
            let moved: Vec<f64> = w.iter().zip(v).map(|(a, b)| a + h * b).collect();
            (p.grad)(&moved).1
        };
        let differences = |h: f64| {
            let (gp, gm) = (gradient_at(h), gradient_at(-h));
            gp.iter().zip(&gm).map(|(p, m)| (p - m) / (2.0 * h)).collect::<Vec<f64>>()
        };
        let (near, far) = (differences(h), differences(2.0 * h));
        // Across a kink of the gradient (where a program's `valid` margin is
        // too narrow for h) the central difference is the mean of the two
        // sides whatever h is, and H·v one side's: the gap between the
        // one-sided differences bounds that, and is O(h) where the gradient
        // is smooth.
        let (at, ahead, behind) = (gradient_at(0.0), gradient_at(h), gradient_at(-h));
        let scale = hv.iter().fold(1.0f64, |m, x| m.max(x.abs()));
        for i in 0..w.len() {
            let fd = near[i];
            let kink = ((ahead[i] - at[i]) / h - (at[i] - behind[i]) / h).abs();
            prop_assert!(
                (hv[i] - fd).abs() <= 1e-5 * scale + (far[i] - near[i]).abs() + kink,
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
        jvp: Some(rosen_generic_jvp),
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
        // `norm_cdf` (Abramowitz–Stegun, in |x|) jumps by 1e-9 at 0 and its
        // second derivative has a kink there: away from d1 = 0 and d2 = 0.
        valid: |w| {
            let d1 = ((w[0] / w[1]).ln() + (w[2] + 0.5 * w[3] * w[3]) * w[4]) / (w[3] * w[4].sqrt());
            let d2 = d1 - w[3] * w[4].sqrt();
            d1.abs() > 1e-3 && d2.abs() > 1e-3
        },
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

// --- 21-43 -----------------------------------------------------------------------

/// A program of scalars `f(w₀, .., wₖ)`, every mode written out by a macro.
macro_rules! scalars {
    ($name:ident, $grad:ident, $vjp:ident, $jvp:ident, $hvp:tt; [$($lo:expr => $hi:expr),+]; |$w:ident| ($($arg:expr),+) $(, extra ($($extra:expr),*))?) => {
        Prog {
            name: stringify!($name),
            domain: vec![$(($lo, $hi)),+],
            f: |$w| $name($($arg),+ $($(, $extra)*)?),
            grad: |$w| {
                let r = $grad($($arg),+ $($(, $extra)*)?);
                scalars!(@unpack r; $($arg),+)
            },
            vjp: |$w, s| {
                let r = $vjp($($arg),+ $($(, $extra)*)?, s);
                scalars!(@unpack r; $($arg),+)
            },
            jvp: Some(|$w, v| scalars!(@jvp $jvp; $w, v; 0; []; $($arg),+; $($($extra),*)?)),
            hvp: scalars!(@hvp $hvp; $w; $($arg),+; $($($extra),*)?),
            valid: always,
            tol: 1e-6,
        }
    };
    (@unpack $r:ident; $a:expr) => {{ let (value, d0) = $r; (value, vec![d0]) }};
    (@unpack $r:ident; $a:expr, $b:expr) => {{ let (value, d0, d1) = $r; (value, vec![d0, d1]) }};
    (@unpack $r:ident; $a:expr, $b:expr, $c:expr) => {{ let (value, d0, d1, d2) = $r; (value, vec![d0, d1, d2]) }};
    (@jvp $jvp:ident; $w:ident, $v:ident; $i:expr; [$($done:expr),*]; $a:expr $(, $rest:expr)*; $($extra:expr),*) => {
        scalars!(@jvp $jvp; $w, $v; $i + 1; [$($done,)* $a, $v[$i]]; $($rest),*; $($extra),*)
    };
    (@jvp $jvp:ident; $w:ident, $v:ident; $i:expr; [$($done:expr),*]; ; $($extra:expr),*) => {
        $jvp($($done),* $(, $extra)*)
    };
    (@hvp none; $w:ident; $($arg:expr),+; $($extra:expr),*) => { None };
    (@hvp $hvp:ident; $w:ident; $($arg:expr),+; $($extra:expr),*) => {
        Some(|$w, v| {
            let r = scalars!(@jvp $hvp; $w, v; 0; []; $($arg),+; $($extra),*);
            scalars!(@unpack r; $($arg),+)
        })
    };
}

fn power_prog() -> Prog {
    scalars!(power_rec, power_rec_grad, power_rec_vjp, power_rec_jvp, power_rec_hvp; [-1.5 => 1.5]; |w| (w[0]), extra (5))
}

fn rk4_prog() -> Prog {
    scalars!(rk4_oscillator, rk4_oscillator_grad, rk4_oscillator_vjp, rk4_oscillator_jvp, rk4_oscillator_hvp;
        [-1.0 => 1.0, -1.0 => 1.0, 0.5 => 3.0]; |w| (w[0], w[1], w[2]))
}

fn heron_prog() -> Prog {
    scalars!(heron_sqrt, heron_sqrt_grad, heron_sqrt_vjp, heron_sqrt_jvp, none; [0.1 => 10.0]; |w| (w[0]))
}

fn radial_wave_f64(w: &[f64]) -> f64 {
    f64::from(radial_wave(w[0] as f32, w[1] as f32))
}

fn shadowed_prog() -> Prog {
    scalars!(shadowed, shadowed_grad, shadowed_vjp, shadowed_jvp, shadowed_hvp; [0.1 => 1.5, -1.0 => 2.0]; |w| (w[0], w[1]), extra (3))
}

fn closure_shadow_prog() -> Prog {
    scalars!(closure_before_shadow, closure_before_shadow_grad, closure_before_shadow_vjp, closure_before_shadow_jvp,
        closure_before_shadow_hvp; [-2.0 => 2.0, -2.0 => 2.0]; |w| (w[0], w[1]))
}

fn banded_prog() -> Prog {
    Prog {
        valid: |w| (w[0].abs() - 1.0).abs() > 1e-3,
        ..scalars!(banded, banded_grad, banded_vjp, banded_jvp, banded_hvp; [-3.0 => 3.0, -2.0 => 2.0]; |w| (w[0], w[1]))
    }
}

fn table_prog() -> Prog {
    Prog {
        name: "table_lookup",
        domain: vec![(-1.0, 1.0), (-1.0, 1.0), (-1.0, 1.0), (-1.0, 1.0), (0.0, 2.9), (0.9, 1.1)],
        f: |w| table_lookup(&w[..4], w[4], w[5]),
        grad: |w| {
            let mut d = [0.0; 4];
            let (v, dx, dh) = table_lookup_grad(&w[..4], &mut d, w[4], w[5]);
            (v, [&d[..], &[dx, dh]].concat())
        },
        vjp: |w, s| {
            let mut d = [0.0; 4];
            let (v, dx, dh) = table_lookup_vjp(&w[..4], &mut d, w[4], w[5], s);
            (v, [&d[..], &[dx, dh]].concat())
        },
        jvp: Some(|w, v| table_lookup_jvp(&w[..4], &v[..4], w[4], v[4], w[5], v[5])),
        hvp: Some(|w, v| {
            let mut hv = [0.0; 4];
            let (value, hx, hh) = table_lookup_hvp(&w[..4], &v[..4], &mut hv, w[4], v[4], w[5], v[5]);
            (value, [&hv[..], &[hx, hh]].concat())
        }),
        // Away from the knots, where the segment changes.
        valid: |w| {
            let u = w[4] / w[5];
            (u - u.round()).abs() > 1e-3 && u < 2.999
        },
        tol: 1e-6,
    }
}

fn tv_prog() -> Prog {
    Prog {
        name: "tv_objective",
        domain: vec![(-2.0, 2.0), (-2.0, 2.0), (-2.0, 2.0), (-2.0, 2.0), (0.0, 1.0)],
        f: |w| tv_objective(&w[..4], w[4]),
        grad: |w| {
            let mut d = [0.0; 4];
            let (v, dl) = tv_objective_grad(&w[..4], &mut d, w[4]);
            (v, [&d[..], &[dl]].concat())
        },
        vjp: |w, s| {
            let mut d = [0.0; 4];
            let (v, dl) = tv_objective_vjp(&w[..4], &mut d, w[4], s);
            (v, [&d[..], &[dl]].concat())
        },
        jvp: Some(|w, v| tv_objective_jvp(&w[..4], &v[..4], w[4], v[4])),
        hvp: Some(|w, v| {
            let mut hv = [0.0; 4];
            let (value, hl) = tv_objective_hvp(&w[..4], &v[..4], &mut hv, w[4], v[4]);
            (value, [&hv[..], &[hl]].concat())
        }),
        valid: |w| w[..4].windows(2).all(|p| (p[1] - p[0]).abs() > 1e-3),
        tol: 1e-6,
    }
}

fn triangle_prog() -> Prog {
    Prog {
        name: "triangle_area",
        domain: vec![(-2.0, 2.0); 6],
        f: |w| triangle_area(arr::<3>(&w[..3]), arr::<3>(&w[3..])),
        grad: |w| {
            let (v, du, dv) = triangle_area_grad(arr::<3>(&w[..3]), arr::<3>(&w[3..]));
            (v, [du, dv].concat())
        },
        vjp: |w, s| {
            let (v, du, dv) = triangle_area_vjp(arr::<3>(&w[..3]), arr::<3>(&w[3..]), s);
            (v, [du, dv].concat())
        },
        jvp: Some(|w, v| triangle_area_jvp(arr::<3>(&w[..3]), arr::<3>(&v[..3]), arr::<3>(&w[3..]), arr::<3>(&v[3..]))),
        hvp: Some(|w, v| {
            let (value, hu, hv) =
                triangle_area_hvp(arr::<3>(&w[..3]), arr::<3>(&v[..3]), arr::<3>(&w[3..]), arr::<3>(&v[3..]));
            (value, [hu, hv].concat())
        }),
        // Away from parallel sides, where the area's gradient has a kink.
        valid: |w| triangle_area(arr::<3>(&w[..3]), arr::<3>(&w[3..])) > 0.05,
        tol: 1e-6,
    }
}

/// A program of one slice `x: &[f64]` of length `$n`.
macro_rules! slice_prog {
    ($name:ident, $grad:ident, $vjp:ident, $jvp:ident, $hvp:tt; $n:literal in [$lo:expr, $hi:expr] $(; valid $valid:expr)?) => {
        Prog {
            name: stringify!($name),
            domain: vec![($lo, $hi); $n],
            f: |w| $name(w),
            grad: |w| {
                let mut d = [0.0; $n];
                let v = $grad(w, &mut d);
                (v, d.to_vec())
            },
            vjp: |w, s| {
                let mut d = [0.0; $n];
                let v = $vjp(w, &mut d, s);
                (v, d.to_vec())
            },
            jvp: Some(|w, v| $jvp(w, v)),
            hvp: slice_prog!(@hvp $hvp; $n),
            valid: slice_prog!(@valid $($valid)?),
            tol: 1e-6,
        }
    };
    (@hvp none; $n:literal) => { None };
    (@hvp $hvp:ident; $n:literal) => {
        Some(|w, v| {
            let mut hv = [0.0; $n];
            let value = $hvp(w, v, &mut hv);
            (value, hv.to_vec())
        })
    };
    (@valid) => { always };
    (@valid $valid:expr) => { $valid };
}

/// Whether the entries of `w` are pairwise apart (no ties in a sort).
fn distinct(w: &[f64]) -> bool {
    w.iter().enumerate().all(|(i, a)| w[i + 1..].iter().all(|b| (a - b).abs() > 1e-3))
}

fn slice_progs() -> Vec<Prog> {
    vec![
        slice_prog!(sum_of_squares_closure, sum_of_squares_closure_grad, sum_of_squares_closure_vjp,
            sum_of_squares_closure_jvp, none; 4 in [-2.0, 2.0]),
        slice_prog!(bucket_energy, bucket_energy_grad, bucket_energy_vjp, bucket_energy_jvp, none; 3 in [-2.0, 2.0]),
        slice_prog!(strided_walks, strided_walks_grad, strided_walks_vjp, strided_walks_jvp, none; 7 in [-2.0, 2.0]),
        slice_prog!(prefix_energy, prefix_energy_grad, prefix_energy_vjp, prefix_energy_jvp, none; 5 in [-2.0, 2.0]),
        slice_prog!(trimmed_mean, trimmed_mean_grad, trimmed_mean_vjp, trimmed_mean_jvp, none; 6 in [-2.0, 2.0];
            valid distinct),
        slice_prog!(normalized_dot, normalized_dot_grad, normalized_dot_vjp, normalized_dot_jvp, none; 4 in [0.2, 2.0]),
        slice_prog!(squares_times_first, squares_times_first_grad, squares_times_first_vjp, squares_times_first_jvp,
            squares_times_first_hvp; 3 in [-2.0, 2.0]),
        slice_prog!(sum_x_sin_x, sum_x_sin_x_grad, sum_x_sin_x_vjp, sum_x_sin_x_jvp, sum_x_sin_x_hvp; 4 in [-3.0, 3.0]),
        Prog {
            name: "mean_of",
            domain: vec![(-2.0, 2.0); 3],
            f: |w| mean_of(&arr::<3>(w)),
            grad: |w| {
                let mut d = [0.0; 3];
                let v = mean_of_grad(&arr::<3>(w), &mut d);
                (v, d.to_vec())
            },
            vjp: |w, s| {
                let mut d = [0.0; 3];
                let v = mean_of_vjp(&arr::<3>(w), &mut d, s);
                (v, d.to_vec())
            },
            jvp: Some(|w, v| mean_of_jvp(&arr::<3>(w), &arr::<3>(v))),
            hvp: None,
            valid: always,
            tol: 1e-6,
        },
        Prog {
            name: "sample_std",
            domain: vec![(-2.0, 2.0); 5],
            f: |w| sample_std(&w.to_vec()),
            grad: |w| {
                let mut d = vec![0.0; 5];
                let v = sample_std_grad(&w.to_vec(), &mut d);
                (v, d)
            },
            vjp: |w, s| {
                let mut d = vec![0.0; 5];
                let v = sample_std_vjp(&w.to_vec(), &mut d, s);
                (v, d)
            },
            jvp: Some(|w, v| sample_std_jvp(&w.to_vec(), &v.to_vec())),
            hvp: Some(|w, v| {
                let mut hv = vec![0.0; 5];
                let value = sample_std_hvp(&w.to_vec(), &v.to_vec(), &mut hv);
                (value, hv)
            }),
            valid: always,
            tol: 1e-6,
        },
        Prog {
            name: "scaled_energy",
            domain: vec![(-2.0, 2.0); 3],
            f: |w| scaled_energy(w, Some(2.5)),
            grad: |w| {
                let mut d = [0.0; 3];
                let v = scaled_energy_grad(w, &mut d, Some(2.5));
                (v, d.to_vec())
            },
            vjp: |w, s| {
                let mut d = [0.0; 3];
                let v = scaled_energy_vjp(w, &mut d, Some(2.5), s);
                (v, d.to_vec())
            },
            jvp: Some(|w, v| scaled_energy_jvp(w, v, Some(2.5))),
            hvp: None,
            valid: always,
            tol: 1e-6,
        },
        Prog {
            name: "tail_product",
            domain: vec![(-2.0, 2.0); 5],
            f: |w| tail_product(w, 2),
            grad: |w| {
                let mut d = [0.0; 5];
                let v = tail_product_grad(w, &mut d, 2);
                (v, d.to_vec())
            },
            vjp: |w, s| {
                let mut d = [0.0; 5];
                let v = tail_product_vjp(w, &mut d, 2, s);
                (v, d.to_vec())
            },
            jvp: Some(|w, v| tail_product_jvp(w, v, 2)),
            hvp: None,
            valid: always,
            tol: 1e-6,
        },
        Prog {
            name: "gauss_seidel",
            // A diagonally dominant 3×3 system, perturbed, and its right side.
            domain: [4.0, 1.0, 0.5, 1.0, 5.0, 1.0, 0.5, 1.0, 3.0]
                .iter()
                .map(|&a| (a - 0.3, a + 0.3))
                .chain([(-2.0, 2.0); 3])
                .collect(),
            f: |w| gauss_seidel(&w[..9], &w[9..]),
            grad: |w| {
                let (mut da, mut db) = ([0.0; 9], [0.0; 3]);
                let v = gauss_seidel_grad(&w[..9], &mut da, &w[9..], &mut db);
                (v, [&da[..], &db[..]].concat())
            },
            vjp: |w, s| {
                let (mut da, mut db) = ([0.0; 9], [0.0; 3]);
                let v = gauss_seidel_vjp(&w[..9], &mut da, &w[9..], &mut db, s);
                (v, [&da[..], &db[..]].concat())
            },
            jvp: Some(|w, v| gauss_seidel_jvp(&w[..9], &v[..9], &w[9..], &v[9..])),
            hvp: Some(|w, v| {
                let (mut ha, mut hb) = ([0.0; 9], [0.0; 3]);
                let value = gauss_seidel_hvp(&w[..9], &v[..9], &mut ha, &w[9..], &v[9..], &mut hb);
                (value, [&ha[..], &hb[..]].concat())
            }),
            valid: always,
            tol: 1e-6,
        },
        Prog {
            name: "self_coupled",
            domain: vec![(-2.0, 2.0), (-2.0, 2.0), (-2.0, 2.0), (-2.0, 2.0), (-0.5, 0.5)],
            f: |w| self_coupled(&w[..4], w[4]),
            grad: |w| {
                let mut d = [0.0; 4];
                let (v, dw) = self_coupled_grad(&w[..4], &mut d, w[4]);
                (v, [&d[..], &[dw]].concat())
            },
            vjp: |w, s| {
                let mut d = [0.0; 4];
                let (v, dw) = self_coupled_vjp(&w[..4], &mut d, w[4], s);
                (v, [&d[..], &[dw]].concat())
            },
            jvp: Some(|w, v| self_coupled_jvp(&w[..4], &v[..4], w[4], v[4])),
            hvp: Some(|w, v| {
                let mut hv = [0.0; 4];
                let (value, hw) = self_coupled_hvp(&w[..4], &v[..4], &mut hv, w[4], v[4]);
                (value, [&hv[..], &[hw]].concat())
            }),
            valid: always,
            tol: 1e-6,
        },
    ]
}

// --- 44-50 -----------------------------------------------------------------------

const HEAT_TARGET: [f64; 6] = [0.0, 0.4, 0.6, 0.5, 0.2, 0.0];

fn heat_prog() -> Prog {
    let mut domain = vec![(0.05, 0.45)];
    domain.extend([(-1.0, 1.0); 6]);
    Prog {
        name: "heat_misfit",
        domain,
        f: |w| heat_misfit(w[0], &w[1..], &HEAT_TARGET, 5),
        grad: |w| {
            let mut d = [0.0; 6];
            let (v, da) = heat_misfit_grad(w[0], &w[1..], &mut d, &HEAT_TARGET, 5);
            (v, [&[da], &d[..]].concat())
        },
        vjp: |w, s| {
            let mut d = [0.0; 6];
            let (v, da) = heat_misfit_vjp(w[0], &w[1..], &mut d, &HEAT_TARGET, 5, s);
            (v, [&[da], &d[..]].concat())
        },
        jvp: Some(|w, v| heat_misfit_jvp(w[0], v[0], &w[1..], &v[1..], &HEAT_TARGET, 5)),
        hvp: Some(|w, v| {
            let mut hv = [0.0; 6];
            let (value, ha) = heat_misfit_hvp(w[0], v[0], &w[1..], &v[1..], &mut hv, &HEAT_TARGET, 5);
            (value, [&[ha], &hv[..]].concat())
        }),
        valid: always,
        tol: 1e-6,
    }
}

fn image(w: &[f64]) -> Vec<Vec<f64>> {
    w.chunks(4).map(|row| row.to_vec()).collect()
}

fn sobel_prog() -> Prog {
    Prog {
        name: "sobel_energy",
        domain: vec![(-1.0, 1.0); 16],
        f: |w| sobel_energy(&image(w)),
        grad: |w| {
            let mut d = vec![vec![0.0; 4]; 4];
            let v = sobel_energy_grad(&image(w), &mut d);
            (v, d.concat())
        },
        vjp: |w, s| {
            let mut d = vec![vec![0.0; 4]; 4];
            let v = sobel_energy_vjp(&image(w), &mut d, s);
            (v, d.concat())
        },
        jvp: Some(|w, v| sobel_energy_jvp(&image(w), &image(v))),
        hvp: None,
        valid: always,
        tol: 1e-6,
    }
}

const COV: [[f64; 3]; 3] = [[0.1, 0.02, 0.01], [0.02, 0.2, 0.03], [0.01, 0.03, 0.15]];
const MU: [f64; 3] = [0.05, 0.08, 0.06];

fn sharpe_prog() -> Prog {
    Prog {
        name: "neg_sharpe",
        domain: vec![(0.1, 1.0); 3],
        f: |w| neg_sharpe(&arr::<3>(w), &COV, &MU),
        grad: |w| {
            let (mut dw, mut dc, mut dm) = ([0.0; 3], [[0.0; 3]; 3], [0.0; 3]);
            let v = neg_sharpe_grad(&arr::<3>(w), &mut dw, &COV, &mut dc, &MU, &mut dm);
            (v, dw.to_vec())
        },
        vjp: |w, s| {
            let (mut dw, mut dc, mut dm) = ([0.0; 3], [[0.0; 3]; 3], [0.0; 3]);
            let v = neg_sharpe_vjp(&arr::<3>(w), &mut dw, &COV, &mut dc, &MU, &mut dm, s);
            (v, dw.to_vec())
        },
        jvp: Some(|w, v| neg_sharpe_jvp(&arr::<3>(w), &arr::<3>(v), &COV, &[[0.0; 3]; 3], &MU, &[0.0; 3])),
        hvp: Some(|w, v| {
            let (mut hw, mut hc, mut hm) = ([0.0; 3], [[0.0; 3]; 3], [0.0; 3]);
            let value = neg_sharpe_hvp(
                &arr::<3>(w),
                &arr::<3>(v),
                &mut hw,
                &COV,
                &[[0.0; 3]; 3],
                &mut hc,
                &MU,
                &[0.0; 3],
                &mut hm,
            );
            (value, hw.to_vec())
        }),
        valid: always,
        tol: 1e-6,
    }
}

fn keys(w: &[f64]) -> Vec<Vec<f64>> {
    w.chunks(2).map(|k| k.to_vec()).collect()
}

fn attention_prog() -> Prog {
    Prog {
        name: "attention",
        domain: vec![(-1.5, 1.5); 11],
        f: |w| attention(&w[..2], &keys(&w[2..8]), &w[8..]),
        grad: |w| {
            let (mut dq, mut dk, mut dv) = ([0.0; 2], vec![vec![0.0; 2]; 3], [0.0; 3]);
            let v = attention_grad(&w[..2], &mut dq, &keys(&w[2..8]), &mut dk, &w[8..], &mut dv);
            (v, [&dq[..], &dk.concat(), &dv[..]].concat())
        },
        vjp: |w, s| {
            let (mut dq, mut dk, mut dv) = ([0.0; 2], vec![vec![0.0; 2]; 3], [0.0; 3]);
            let v = attention_vjp(&w[..2], &mut dq, &keys(&w[2..8]), &mut dk, &w[8..], &mut dv, s);
            (v, [&dq[..], &dk.concat(), &dv[..]].concat())
        },
        jvp: Some(|w, v| attention_jvp(&w[..2], &v[..2], &keys(&w[2..8]), &keys(&v[2..8]), &w[8..], &v[8..])),
        hvp: None,
        // Away from ties of the largest score (the max's kink, which the
        // softmax cancels, but central differences see).
        valid: always,
        tol: 1e-6,
    }
}

fn segment_prog() -> Prog {
    Prog {
        name: "point_segment_distance",
        domain: vec![(-2.0, 2.0), (0.5, 2.0), (-1.0, 0.0), (-0.5, 0.0), (1.0, 2.0), (0.0, 0.5)],
        f: |w| point_segment_distance(w[0], w[1], w[2], w[3], w[4], w[5]),
        grad: |w| {
            let (v, a, b, c, d, e, f) = point_segment_distance_grad(w[0], w[1], w[2], w[3], w[4], w[5]);
            (v, vec![a, b, c, d, e, f])
        },
        vjp: |w, s| {
            let (v, a, b, c, d, e, f) = point_segment_distance_vjp(w[0], w[1], w[2], w[3], w[4], w[5], s);
            (v, vec![a, b, c, d, e, f])
        },
        jvp: Some(|w, v| {
            point_segment_distance_jvp(w[0], v[0], w[1], v[1], w[2], v[2], w[3], v[3], w[4], v[4], w[5], v[5])
        }),
        hvp: Some(|w, v| {
            let (value, a, b, c, d, e, f) =
                point_segment_distance_hvp(w[0], v[0], w[1], v[1], w[2], v[2], w[3], v[3], w[4], v[4], w[5], v[5]);
            (value, vec![a, b, c, d, e, f])
        }),
        // Away from the segment's ends, where the clamp starts or stops.
        valid: |w| {
            let (dx, dy) = (w[4] - w[2], w[5] - w[3]);
            let t = ((w[0] - w[2]) * dx + (w[1] - w[3]) * dy) / (dx * dx + dy * dy);
            t.abs() > 1e-3 && (t - 1.0).abs() > 1e-3
        },
        tol: 1e-6,
    }
}

fn product_prog() -> Prog {
    slice_prog!(product_of, product_of_grad, product_of_vjp, product_of_jvp, product_of_hvp; 4 in [-2.0, 2.0])
}

fn sqrt_of_positives_prog() -> Prog {
    slice_prog!(sqrt_of_positives, sqrt_of_positives_grad, sqrt_of_positives_vjp, sqrt_of_positives_jvp, none;
        5 in [-2.0, 2.0]; valid |w: &[f64]| w.iter().all(|v| v.abs() > 1e-3))
}

/// Kepler: `E − e sin E = M`, so `∂E/∂M = 1/(1 − e cos E)` and
/// `∂E/∂e = sin E/(1 − e cos E)`.
#[test]
fn kepler_has_the_implicit_derivatives() {
    proptest!(|(m in 0.1..3.0f64, e in 0.0..0.8f64)| {
        let (ecc, dm, de) = kepler_grad(m, e);
        prop_assert!((ecc - e * ecc.sin() - m).abs() < 1e-12);
        let denominator = 1.0 - e * ecc.cos();
        prop_assert!((dm - 1.0 / denominator).abs() < 1e-9, "{dm}");
        prop_assert!((de - ecc.sin() / denominator).abs() < 1e-9, "{de}");
        let (_, tangent) = kepler_jvp(m, 0.5, e, -0.25);
        prop_assert!((tangent - 0.5 * dm + 0.25 * de).abs() < 1e-9);
    });
}

/// The generic spring at `f32` and `f64`, and `x ↦ e^x·y + sin y` mixing
/// `f32` and `f64`.
#[test]
fn generic_struct_and_mixed_precision_have_the_closed_forms() {
    let s = Spring { k: 2.0f64, rest: 0.5 };
    assert_eq!(spring_energy_grad(&s, 3.0), (6.25, 5.0));
    assert_eq!(spring_energy_hvp(&s, 3.0, 1.0), (6.25, 2.0));
    let s32 = Spring { k: 2.0f32, rest: 0.5 };
    assert_eq!(spring_energy_grad(&s32, 3.0), (6.25, 5.0));
    assert_eq!(spring_energy_jvp(&s32, 3.0, 1.0), (6.25, 5.0));
    let (x, y) = (0.3f32, 1.2f64);
    let (value, dx, dy) = mixed_precision_grad(x, y);
    assert_eq!(value, mixed_precision(x, y));
    let ex = f64::from(x).exp();
    assert!((f64::from(dx) - ex * y).abs() < 1e-6, "{dx}");
    assert!((dy - (ex + f64::from((y as f32).cos()))).abs() < 1e-6, "{dy}");
    let (_, tangent) = mixed_precision_jvp(x, 1.0, y, 0.0);
    assert!((tangent - f64::from(dx)).abs() < 1e-6);
}

// --- 51 ----------------------------------------------------------------------------

fn capped_sum_prog() -> Prog {
    Prog {
        name: "capped_sum",
        domain: vec![(-2.0, 2.0), (-2.0, 2.0), (-2.0, 2.0), (-2.0, 2.0), (0.5, 2.0)],
        f: |w| capped_sum(&w[..4], w[4]),
        grad: |w| {
            let mut d = [0.0; 4];
            let (v, da) = capped_sum_grad(&w[..4], &mut d, w[4]);
            (v, [&d[..], &[da]].concat())
        },
        vjp: |w, s| {
            let mut d = [0.0; 4];
            let (v, da) = capped_sum_vjp(&w[..4], &mut d, w[4], s);
            (v, [&d[..], &[da]].concat())
        },
        jvp: Some(|w, v| capped_sum_jvp(&w[..4], &v[..4], w[4], v[4])),
        hvp: Some(|w, v| {
            let mut hv = [0.0; 4];
            let (value, ha) = capped_sum_hvp(&w[..4], &v[..4], &mut hv, w[4], v[4]);
            (value, [&hv[..], &[ha]].concat())
        }),
        // Away from the cap: no running sum within 1e-3 of 3.
        valid: |w| {
            let mut s = 0.0;
            for v in &w[..4] {
                s += (w[4] * v).sin() * v;
                if (s - 3.0f64).abs() < 1e-3 {
                    return false;
                }
                if s > 3.0 {
                    break;
                }
            }
            true
        },
        tol: 1e-6,
    }
}

fn soft_squares_prog() -> Prog {
    Prog {
        name: "soft_squares",
        domain: vec![(-1.5, 1.5), (-1.5, 1.5), (-1.5, 1.5), (0.2, 1.5)],
        f: |w| soft_squares(&w[..3], w[3]),
        grad: |w| {
            let mut d = [0.0; 3];
            let (v, dk) = soft_squares_grad(&w[..3], &mut d, w[3]);
            (v, [&d[..], &[dk]].concat())
        },
        vjp: |w, s| {
            let mut d = [0.0; 3];
            let (v, dk) = soft_squares_vjp(&w[..3], &mut d, w[3], s);
            (v, [&d[..], &[dk]].concat())
        },
        jvp: Some(|w, v| soft_squares_jvp(&w[..3], &v[..3], w[3], v[3])),
        hvp: Some(|w, v| {
            let mut hv = [0.0; 3];
            let (value, hk) = soft_squares_hvp(&w[..3], &v[..3], &mut hv, w[3], v[3]);
            (value, [&hv[..], &[hk]].concat())
        }),
        valid: always,
        tol: 1e-6,
    }
}

fn round3_tail_progs() -> Vec<Prog> {
    vec![
        capped_sum_prog(),
        soft_squares_prog(),
        slice_prog!(coupled_recurrence, coupled_recurrence_grad, coupled_recurrence_vjp, coupled_recurrence_jvp,
            coupled_recurrence_hvp; 4 in [-1.5, 1.5]),
        slice_prog!(log_sum_exp_generic, log_sum_exp_generic_grad, log_sum_exp_generic_vjp, log_sum_exp_generic_jvp,
            log_sum_exp_generic_hvp; 4 in [-2.0, 2.0]; valid |w: &[f64]| distinct(w)),
    ]
}

/// `y ← y + a·x⊙y` in place: Enzyme's convention, the shadow of `y` goes
/// from the output's adjoint ȳ to the entry value's, `(1 + a·x)⊙ȳ`, and
/// `∂a = Σ x y ȳ`, `∂x = a y ȳ` at the entry `y`.
#[test]
fn an_output_updated_in_place_follows_enzymes_convention() {
    proptest!(|(a in -2.0..2.0f64, w in proptest::collection::vec(-2.0..2.0f64, 6))| {
        let (x, y0, seed) = ([w[0], w[1]], [w[2], w[3]], [w[4], w[5]]);
        let mut y = y0;
        let (mut d_x, mut d_y) = ([0.0; 2], seed);
        let (d_a,) = scale_in_place_vjp(a, &x, &mut d_x, &mut y, &mut d_y);
        let mut want_a = 0.0;
        for i in 0..2 {
            prop_assert!(close(y[i], y0[i] * (1.0 + a * x[i]), 1e-15));
            prop_assert!(close(d_y[i], (1.0 + a * x[i]) * seed[i], 1e-12), "{d_y:?}");
            prop_assert!(close(d_x[i], a * y0[i] * seed[i], 1e-12), "{d_x:?}");
            want_a += x[i] * y0[i] * seed[i];
        }
        prop_assert!(close(d_a, want_a, 1e-12), "{d_a} vs {want_a}");
        // Forward: the tangent of y along (ȧ, ẋ, ẏ) = (1, 0, 0) is x⊙y.
        let mut y = y0;
        let mut t = [0.0; 2];
        scale_in_place_jvp(a, 1.0, &x, &[0.0; 2], &mut y, &mut t);
        for i in 0..2 {
            prop_assert!(close(t[i], x[i] * y0[i], 1e-12), "{t:?}");
        }
    });
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
    progs.extend([
        power_prog(),
        rk4_prog(),
        heron_prog(),
        shadowed_prog(),
        closure_shadow_prog(),
        banded_prog(),
        table_prog(),
        tv_prog(),
        triangle_prog(),
    ]);
    progs.extend(slice_progs());
    progs.extend([
        heat_prog(),
        sobel_prog(),
        sharpe_prog(),
        attention_prog(),
        segment_prog(),
        product_prog(),
        sqrt_of_positives_prog(),
    ]);
    progs.extend(round3_tail_progs());
    progs.extend(length_changing_progs());
    check_all(progs);
}

// --- Several results: the dot-product test, and the Jacobian's closed form ----

/// `polar(r, θ) = (r cos θ, r sin θ)`: `NAME_vjp` with a tuple seed is
/// `Jᵀ·s`, `NAME_jvp` is `J·v`, and `⟨J·v, s⟩ = ⟨v, Jᵀ·s⟩`.
#[test]
fn polar_vjp_and_jvp_are_transposes_and_match_the_jacobian() {
    proptest!(|(r in 0.1..3.0f64, t in -3.0..3.0f64, v in proptest::array::uniform2(-1.0..1.0f64), s in proptest::array::uniform2(-1.0..1.0f64))| {
        let ((x, y), dr, dt) = polar_vjp(r, t, (s[0], s[1]));
        prop_assert_eq!((x, y), polar(r, t));
        // J = [[cos θ, −r sin θ], [sin θ, r cos θ]]
        let jt_s = [t.cos() * s[0] + t.sin() * s[1], -r * t.sin() * s[0] + r * t.cos() * s[1]];
        prop_assert!(close(dr, jt_s[0], 1e-12) && close(dt, jt_s[1], 1e-12), "{dr} {dt} vs {jt_s:?}");
        let ((x2, y2), (tx, ty)) = polar_jvp(r, v[0], t, v[1]);
        prop_assert_eq!((x2, y2), (x, y));
        let (reverse, allowed) = dot_with_allowance(&v, &[dr, dt], 1e-10);
        prop_assert!((tx * s[0] + ty * s[1] - reverse).abs() <= allowed);
    });
}

/// `C = A·B` for 2×2 matrices: `Ā = C̄·Bᵀ`, `B̄ = Aᵀ·C̄`, and the jvp is the
/// product rule.
#[test]
fn mat_mul_vjp_is_the_matrix_product_rule() {
    proptest!(|(w in proptest::collection::vec(-2.0..2.0f64, 12))| {
        let (a, b, c_bar) = (mat(&w[..4]), mat(&w[4..8]), mat(&w[8..12]));
        let (c, a_bar, b_bar) = mat_mul_vjp(a, b, c_bar);
        prop_assert_eq!(c, mat_mul(a, b));
        for i in 0..2 {
            for j in 0..2 {
                let want_a = c_bar[i][0] * b[j][0] + c_bar[i][1] * b[j][1];
                let want_b = a[0][i] * c_bar[0][j] + a[1][i] * c_bar[1][j];
                prop_assert!(close(a_bar[i][j], want_a, 1e-12), "Ā{i}{j} = {}, want {want_a}", a_bar[i][j]);
                prop_assert!(close(b_bar[i][j], want_b, 1e-12), "B̄{i}{j} = {}, want {want_b}", b_bar[i][j]);
            }
        }
    });
}

// --- Models ----------------------------------------------------------------------

fn mlp() -> Mlp {
    Mlp {
        w1: vec![vec![0.5, -0.3], vec![0.2, 0.1], vec![-0.4, 0.6]],
        b1: vec![0.0, 0.1, -0.2],
        w2: vec![0.3, -0.7, 0.5],
        b2: 0.05,
    }
}

/// `Mlp` (fields `Vec<Vec<f64>>`, `Vec<f64>`, `f64`): `mse`'s gradient in
/// the model, `predict`'s in the model and the input, and `predict_jvp`
/// along a model direction against `predict_grad`.
#[test]
fn mlp_methods_match_central_differences() {
    let model = mlp();
    let xs = vec![vec![1.0, 2.0], vec![-0.5, 0.3], vec![0.2, -1.0]];
    let ys = [0.5, -0.2, 0.1];
    let mut d = model.zeros_like();
    let value = model.mse_grad(&mut d, &xs, &ys);
    assert_eq!(value, model.mse(&xs, &ys));
    let f = |p: &[f64]| {
        let mut m = model.clone();
        m.copy_from_flat(p);
        m.mse(&xs, &ys)
    };
    let numeric = numeric_gradient(f, &model.to_flat());
    for (a, n) in d.to_flat().iter().zip(&numeric) {
        assert!(close(*a, *n, 1e-6), "mse: {:?} vs {numeric:?}", d.to_flat());
    }
    let x = [0.7, -0.4];
    let mut d_model = model.zeros_like();
    let mut d_x = [0.0; 2];
    model.predict_grad(&mut d_model, &x, &mut d_x);
    let numeric_x = numeric_gradient(|w| model.predict(w), &x);
    assert!(close(d_x[0], numeric_x[0], 1e-6) && close(d_x[1], numeric_x[1], 1e-6), "{d_x:?} vs {numeric_x:?}");
    // Along the model direction `dir` (every weight 0.1·(k+1), alternating sign).
    let mut dir = model.zeros_like();
    let flat: Vec<f64> =
        (0..model.to_flat().len()).map(|k| 0.1 * (k as f64 + 1.0) * if k % 2 == 0 { 1.0 } else { -1.0 }).collect();
    dir.copy_from_flat(&flat);
    let (_, tangent) = model.predict_jvp(&dir, &x, &[0.3, -0.2]);
    let (reverse, allowed) =
        dot_with_allowance(&[flat, vec![0.3, -0.2]].concat(), &[d_model.to_flat(), d_x.to_vec()].concat(), 1e-10);
    assert!((tangent - reverse).abs() <= allowed, "jvp {tangent} vs ⟨v, ∇⟩ {reverse}");
}

/// A model of layers of equal width: the gradient in the model and the input.
#[test]
fn layered_net_matches_central_differences() {
    let layer = |w: Vec<Vec<f64>>, b: Vec<f64>| Dense { w, b };
    let net = Net {
        layers: vec![
            layer(vec![vec![0.5, -0.3], vec![0.2, 0.1]], vec![0.0, 0.1]),
            layer(vec![vec![0.3, 0.2], vec![-0.4, 0.6]], vec![-0.1, 0.2]),
        ],
    };
    let x = [0.4, -0.7];
    let mut d_net = net.zeros_like();
    let mut d_x = [0.0; 2];
    let value = net.forward_grad(&mut d_net, &x, &mut d_x);
    assert_eq!(value, net.forward(&x));
    let f = |p: &[f64]| {
        let mut m = net.clone();
        m.copy_from_flat(p);
        m.forward(&x)
    };
    let numeric = numeric_gradient(f, &net.to_flat());
    for (a, n) in d_net.to_flat().iter().zip(&numeric) {
        assert!(close(*a, *n, 1e-6), "{:?} vs {numeric:?}", d_net.to_flat());
    }
    let numeric_x = numeric_gradient(|w| net.forward(w), &x);
    assert!(close(d_x[0], numeric_x[0], 1e-6) && close(d_x[1], numeric_x[1], 1e-6), "{d_x:?} vs {numeric_x:?}");
    let (_, tangent) = net.forward_jvp(&net.zeros_like(), &x, &[1.0, 0.0]);
    assert!(close(tangent, d_x[0], 1e-10), "{tangent} vs {}", d_x[0]);
}

/// A method returning the hidden layer, called by another: the gradient,
/// and `H·v` in the model against differences of the gradient.
#[test]
fn two_layer_model_matches_central_differences_and_its_hessian() {
    let model = TwoLayer { w1: [[0.5, -0.3], [0.2, 0.1], [0.7, -0.4]], w2: [0.3, -0.2, 0.5] };
    let x = [0.4, -0.7];
    let grad_at = |m: &TwoLayer| {
        let mut d = m.zeros_like();
        let mut d_x = [0.0; 2];
        m.predict_grad(&mut d, &x, &mut d_x);
        d.to_flat()
    };
    let flat = model.to_flat();
    let f = |p: &[f64]| {
        let mut m = model.clone();
        m.copy_from_flat(p);
        m.predict(&x)
    };
    let numeric = numeric_gradient(f, &flat);
    let g = grad_at(&model);
    for (a, n) in g.iter().zip(&numeric) {
        assert!(close(*a, *n, 1e-6), "{g:?} vs {numeric:?}");
    }
    let v: Vec<f64> = (0..flat.len()).map(|k| ((k * 7 % 5) as f64 - 2.0) * 0.3).collect();
    let mut v_model = model.zeros_like();
    v_model.copy_from_flat(&v);
    let mut hv = model.zeros_like();
    let mut hv_x = [0.0; 2];
    model.predict_hvp(&v_model, &mut hv, &x, &[0.0; 2], &mut hv_x);
    let h = 1e-5;
    let shifted = |sign: f64| {
        let mut m = model.clone();
        m.copy_from_flat(&flat.iter().zip(&v).map(|(a, b)| a + sign * h * b).collect::<Vec<_>>());
        grad_at(&m)
    };
    let (plus, minus) = (shifted(1.0), shifted(-1.0));
    for (k, got) in hv.to_flat().iter().enumerate() {
        let fd = (plus[k] - minus[k]) / (2.0 * h);
        assert!((got - fd).abs() < 1e-6, "(H·v){k} = {got}, differences {fd}");
    }
}

// --- f32 -------------------------------------------------------------------------

/// The logistic loss in `f32` against its closed-form gradient:
/// `∂/∂w = mean((p − y)·x)`, `∂/∂b = mean(p − y)`, `∂/∂x = (p − y)·w/n`,
/// `∂/∂y = −z/n`.
#[test]
fn logistic_f32_has_the_closed_form_gradient() {
    let (w, b) = ([0.5f32, -0.25], 0.1f32);
    let xs = [[1.0f32, 2.0], [-0.5, 0.3], [0.2, -1.0]];
    let ys = [1.0f32, 0.0, 1.0];
    let (mut d_w, mut d_xs, mut d_ys) = ([0.0f32; 2], [[0.0f32; 2]; 3], [0.0f32; 3]);
    let (value, d_b) = logistic_f32_grad(&w, &mut d_w, b, &xs, &mut d_xs, &ys, &mut d_ys);
    assert_eq!(value, logistic_f32(&w, b, &xs, &ys));
    let n = xs.len() as f64;
    let (mut want_w, mut want_b) = ([0.0f64; 2], 0.0f64);
    for (i, (x, &y)) in xs.iter().zip(&ys).enumerate() {
        let z = f64::from(w[0]) * f64::from(x[0]) + f64::from(w[1]) * f64::from(x[1]) + f64::from(b);
        let r = 1.0 / (1.0 + (-z).exp()) - f64::from(y);
        want_w[0] += r * f64::from(x[0]) / n;
        want_w[1] += r * f64::from(x[1]) / n;
        want_b += r / n;
        for k in 0..2 {
            assert!((f64::from(d_xs[i][k]) - r * f64::from(w[k]) / n).abs() < 1e-6, "∂x{i}{k} = {}", d_xs[i][k]);
        }
        assert!((f64::from(d_ys[i]) + z / n).abs() < 1e-6, "∂y{i} = {}", d_ys[i]);
    }
    assert!((f64::from(d_b) - want_b).abs() < 1e-6, "{d_b} vs {want_b}");
    for k in 0..2 {
        assert!((f64::from(d_w[k]) - want_w[k]).abs() < 1e-6, "{d_w:?} vs {want_w:?}");
    }
    let (_, tangent) = logistic_f32_jvp(&w, &[1.0, 0.0], b, 0.0, &xs, &[[0.0; 2]; 3], &ys, &[0.0; 3]);
    assert!((tangent - d_w[0]).abs() < 1e-6, "{tangent} vs {}", d_w[0]);
}

/// `sin(πr)/r + x/2` in `f32`, `r = |(x, y)|`: its gradient in closed form.
#[test]
fn radial_wave_in_f32_has_the_closed_form_gradient() {
    for (x, y) in [(0.3f32, 0.4f32), (-1.2, 0.5), (0.7, -0.9)] {
        let (value, dx, dy) = radial_wave_grad(x, y);
        assert_eq!(value, radial_wave(x, y));
        let (xf, yf) = (f64::from(x), f64::from(y));
        let r = xf.hypot(yf);
        let pi = std::f64::consts::PI;
        let dr = (pi * (pi * r).cos() * r - (pi * r).sin()) / (r * r);
        assert!((f64::from(dx) - (dr * xf / r + 0.5)).abs() < 1e-4, "{dx} vs {}", dr * xf / r + 0.5);
        assert!((f64::from(dy) - dr * yf / r).abs() < 1e-4, "{dy} vs {}", dr * yf / r);
        let (_, tangent) = radial_wave_jvp(x, 1.0, y, 0.0);
        assert!((tangent - dx).abs() < 1e-5, "{tangent} vs {dx}");
        assert!(radial_wave_f64(&[xf, yf]).is_finite());
    }
}

/// The generic Rosenbrock and `Σ x sin x` at `f32`: the same gradient and
/// `H·v` as at `f64`, to `f32` precision.
#[test]
fn generic_programs_agree_in_f32_and_f64() {
    let x = [0.5, -0.3, 1.2, 0.8];
    let v = [1.0, -0.5, 0.25, 0.0];
    let x32 = x.map(|a| a as f32);
    let v32 = v.map(|a| a as f32);
    let (mut d, mut d32) = ([0.0; 4], [0.0f32; 4]);
    rosen_generic_grad(&x, &mut d);
    rosen_generic_grad(&x32, &mut d32);
    let (mut hv, mut hv32) = ([0.0; 4], [0.0f32; 4]);
    rosen_generic_hvp(&x, &v, &mut hv);
    rosen_generic_hvp(&x32, &v32, &mut hv32);
    for k in 0..4 {
        assert!((f64::from(d32[k]) - d[k]).abs() < 1e-3 * d[k].abs().max(1.0), "{d32:?} vs {d:?}");
        assert!((f64::from(hv32[k]) - hv[k]).abs() < 1e-3 * hv[k].abs().max(1.0), "{hv32:?} vs {hv:?}");
    }
    let (mut hs, mut hs32) = ([0.0; 4], [0.0f32; 4]);
    sum_x_sin_x_hvp(&x, &v, &mut hs);
    sum_x_sin_x_hvp(&x32, &v32, &mut hs32);
    for k in 0..4 {
        // d²/dx² (x sin x) = 2 cos x − x sin x, on the diagonal.
        let want = (2.0 * x[k].cos() - x[k] * x[k].sin()) * v[k];
        assert!((hs[k] - want).abs() < 1e-12, "{hs:?}");
        assert!((f64::from(hs32[k]) - want).abs() < 1e-5, "{hs32:?}");
    }
}

// --- Closed forms of iterations -----------------------------------------------------

/// The fixed point of `x = a cos x`: `dx/da = cos x / (1 + a sin x)`
/// (implicit differentiation), through the `while` loop that converges.
#[test]
fn fixed_point_has_the_implicit_derivative() {
    for a in [0.3, 0.6, 0.9] {
        let (x, dx) = fixed_point_grad(a);
        assert!((x - a * x.cos()).abs() < 1e-12);
        let want = x.cos() / (1.0 + a * x.sin());
        assert!((dx - want).abs() < 1e-9, "a = {a}: {dx} vs {want}");
        let (_, tangent) = fixed_point_jvp(a, 1.0);
        assert!((tangent - want).abs() < 1e-9, "a = {a}: {tangent} vs {want}");
    }
}

/// Newton's root `r` of `p(x) = Σ cₖ xᵏ`: `∂r/∂cₖ = −rᵏ / p'(r)`, and the
/// start does not matter (`∂r/∂x₀ = 0`).
#[test]
fn newton_root_has_the_implicit_derivative() {
    let c = [-1.0, 1.0, -1.0, 1.0];
    for x0 in [0.8, 1.3, 2.0] {
        let mut d = [0.0; 4];
        let (r, dx0) = newton_root_grad(&c, &mut d, x0);
        assert!((r - 1.0).abs() < 1e-12);
        let dp = c[1] + 2.0 * c[2] * r + 3.0 * c[3] * r * r;
        for k in 0..4 {
            let want = -r.powi(k as i32) / dp;
            assert!((d[k] - want).abs() < 1e-9, "x0 = {x0}: ∂c{k} = {}, want {want}", d[k]);
        }
        assert!(dx0.abs() < 1e-9, "x0 = {x0}: ∂x0 = {dx0}");
    }
}

/// Heron's iteration converges to √a: its derivative is `1 / (2√a)`.
#[test]
fn heron_has_the_derivative_of_the_square_root() {
    for a in [0.25, 2.0, 9.0] {
        let (r, d) = heron_sqrt_grad(a);
        assert!((r - a.sqrt()).abs() < 1e-12);
        assert!((d - 0.5 / a.sqrt()).abs() < 1e-10, "{d}");
    }
}

// --- In place ------------------------------------------------------------------------

/// `normalize(v)` in place: `v ← v/|v|`, whose Jacobian `(I − u uᵀ)/|v|` is
/// symmetric. `NAME_vjp` takes the output's adjoint in the shadow and
/// leaves the input's there; `NAME_jvp` writes the tangent.
#[test]
fn normalize_in_place_has_the_projection_jacobian() {
    let v0 = [3.0, -1.0, 2.0];
    let norm = (14.0f64).sqrt();
    let u = v0.map(|a| a / norm);
    let seed = [0.5, 1.0, -2.0];
    let mut v = v0;
    let mut d_v = seed;
    normalize_vjp(&mut v, &mut d_v);
    let u_dot_s: f64 = u.iter().zip(&seed).map(|(a, b)| a * b).sum();
    for k in 0..3 {
        assert!((v[k] - u[k]).abs() < 1e-15);
        let want = (seed[k] - u[k] * u_dot_s) / norm;
        assert!((d_v[k] - want).abs() < 1e-12, "{d_v:?}");
    }
    let mut v = v0;
    let mut t = seed;
    normalize_jvp(&mut v, &mut t);
    for k in 0..3 {
        // Symmetric: the tangent along `seed` is the same vector.
        let want = (seed[k] - u[k] * u_dot_s) / norm;
        assert!((t[k] - want).abs() < 1e-12, "{t:?}");
    }
}

// --- Graphs ---------------------------------------------------------------------------

/// `NAME_graph`: its result is the function's value and its inputs'
/// adjoints are `NAME_grad`'s partials.
#[test]
fn graphs_hold_the_value_and_the_gradient() {
    let scalar_adjoint = |g: &Graph, name: &str| {
        let id = g.find(name).unwrap_or_else(|| panic!("no node `{name}`"));
        g.node(id).adjoint().and_then(|a| a.as_scalar()).unwrap_or_else(|| panic!("`{name}` has no adjoint"))
    };
    let result = |g: &Graph| g.node(g.result().expect("a result")).value().as_scalar().expect("a scalar");

    let g = power_rec_graph(1.3, 4);
    assert_eq!(result(&g), power_rec(1.3, 4));
    assert!(close(scalar_adjoint(&g, "x"), power_rec_grad(1.3, 4).1, 1e-12));

    let (t1, t2, tx, ty) = (0.4, 1.1, 0.9, 0.8);
    let g = arm_reach_error_graph(t1, t2, tx, ty);
    let (value, d1, d2, dx, dy) = arm_reach_error_grad(t1, t2, tx, ty);
    assert_eq!(result(&g), value);
    for (name, want) in [("t1", d1), ("t2", d2), ("target_x", dx), ("target_y", dy)] {
        assert!(close(scalar_adjoint(&g, name), want, 1e-12), "{name}");
    }

    let g = integrate_gaussian_graph(-1.0, 1.5, 0.2, 0.8);
    let (value, da, db, dm, ds) = integrate_gaussian_grad(-1.0, 1.5, 0.2, 0.8);
    assert!(close(result(&g), value, 1e-15));
    for (name, want) in [("a", da), ("b", db), ("mu", dm), ("s", ds)] {
        assert!(close(scalar_adjoint(&g, name), want, 1e-12), "{name}");
    }

    let array_adjoint = |g: &Graph, name: &str| {
        let id = g.find(name).unwrap_or_else(|| panic!("no node `{name}`"));
        g.node(id)
            .adjoint()
            .and_then(|a| a.as_array())
            .unwrap_or_else(|| panic!("`{name}` has no array adjoint"))
            .to_vec()
    };
    let same =
        |got: &[f64], want: &[f64]| got.len() == want.len() && got.iter().zip(want).all(|(a, b)| close(*a, *b, 1e-12));

    // A filter's loop over the data, the data differentiated too.
    let zs = [0.3, 0.1, 0.7, 1.2];
    let g = kalman_nll_graph(-0.5, 0.2, &zs);
    let mut d_zs = [0.0; 4];
    let (value, dq, dr) = kalman_nll_grad(-0.5, 0.2, &zs, &mut d_zs);
    assert!(close(result(&g), value, 1e-15));
    assert!(close(scalar_adjoint(&g, "log_q"), dq, 1e-12) && close(scalar_adjoint(&g, "log_r"), dr, 1e-12));
    assert!(same(&array_adjoint(&g, "zs"), &d_zs), "{:?} vs {d_zs:?}", array_adjoint(&g, "zs"));

    // Windows, ReLU, a collected max-pool.
    let (kernel, x) = ([0.5, -0.2, 0.8], [0.5, -1.0, 2.0, 0.3, 1.1, 0.7, -0.4, 0.9]);
    let g = conv_pool_graph(&kernel, 0.1, &x);
    let (mut d_k, mut d_x) = ([0.0; 3], [0.0; 8]);
    let value = conv_pool_grad(&kernel, &mut d_k, 0.1, &x, &mut d_x);
    assert!(close(result(&g), value, 1e-15));
    assert!(same(&array_adjoint(&g, "kernel"), &d_k) && same(&array_adjoint(&g, "x"), &d_x));

    // An inlined closure.
    let g = closure_before_shadow_graph(0.4, 1.1);
    let (value, dx, da) = closure_before_shadow_grad(0.4, 1.1);
    assert_eq!(result(&g), value);
    assert!(close(scalar_adjoint(&g, "x"), dx, 1e-12) && close(scalar_adjoint(&g, "a"), da, 1e-12));

    // A method of a model: `self` is one node of the model's weights.
    let model = mlp();
    let x = [0.7, -0.4];
    let g = model.predict_graph(&x);
    let mut d_model = model.zeros_like();
    let mut d_x = [0.0; 2];
    let value = model.predict_grad(&mut d_model, &x, &mut d_x);
    assert!(close(result(&g), value, 1e-15));
    assert!(same(&array_adjoint(&g, "self"), &d_model.to_flat()) && same(&array_adjoint(&g, "x"), &d_x));

    let pred = [0.3, -1.5, 2.0, 4.0];
    let g = robust_loss_graph(&pred, &TARGETS, 0.7);
    let mut d = [0.0; 4];
    let value = robust_loss_grad(&pred, &mut d, &TARGETS, 0.7);
    assert!(close(result(&g), value, 1e-15));
    let id = g.find("pred").expect("a node for `pred`");
    let adjoint = g.node(id).adjoint().and_then(|a| a.as_array()).expect("an array adjoint").to_vec();
    for k in 0..4 {
        assert!(close(adjoint[k], d[k], 1e-12), "{adjoint:?} vs {d:?}");
    }
}

// --- Vectors whose length changes from pass to pass --------------------------

/// Layers narrower than the one before (`h = next`): the reverse sweep
/// gives each pass's `next` the adjoint of the pass's length, and the old
/// `h` an adjoint of its own (longer) length. Each used to panic with an
/// index out of bounds.
#[grad(forward, reverse, hessian)]
fn narrowing(x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for _ in 0..2 {
        let mut next = vec![0.0; h.len() - 1];
        for i in 0..next.len() {
            next[i] = h[i] * h[i + 1];
        }
        h = next;
    }
    h.iter().sum()
}

/// The same with linear layers: nothing reads the old `h`'s values, but
/// its adjoint still needs its length.
#[grad(forward, reverse, hessian)]
fn narrowing_linear(x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for _ in 0..2 {
        let mut next = vec![0.0; h.len() - 1];
        for i in 0..next.len() {
            next[i] = h[i] + 2.0 * h[i + 1];
        }
        h = next;
    }
    h.iter().map(|v| v * v).sum()
}

/// Layers wider than the one before.
#[grad(forward, reverse, hessian)]
fn widening(x: &[f64]) -> f64 {
    let mut h = x.to_vec();
    for _ in 0..2 {
        let mut next = vec![0.0; h.len() + 1];
        for i in 0..h.len() {
            next[i] += h[i].sin();
            next[i + 1] += h[i] * h[i];
        }
        h = next;
    }
    h.iter().sum()
}

fn length_changing_progs() -> Vec<Prog> {
    vec![
        slice_prog!(narrowing, narrowing_grad, narrowing_vjp, narrowing_jvp, narrowing_hvp; 4 in [-2.0, 2.0]),
        slice_prog!(narrowing_linear, narrowing_linear_grad, narrowing_linear_vjp, narrowing_linear_jvp,
            narrowing_linear_hvp; 5 in [-2.0, 2.0]),
        slice_prog!(widening, widening_grad, widening_vjp, widening_jvp, widening_hvp; 3 in [-2.0, 2.0]),
    ]
}

#[test]
fn narrowing_layers_have_the_closed_form() {
    let x = [1.0, 2.0, 3.0, 4.0];
    // x₀x₁²x₂ + x₁x₂²x₃: (x₁²x₂, 2x₀x₁x₂ + x₂²x₃, x₀x₁² + 2x₁x₂x₃, x₁x₂²) = (12, 48, 52, 18).
    let mut d = [0.0; 4];
    narrowing_grad(&x, &mut d);
    for (a, want) in d.iter().zip([12.0, 48.0, 52.0, 18.0]) {
        assert!(close(*a, want, 1e-12), "{d:?}");
    }
}
