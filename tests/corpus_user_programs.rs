//! Short programs written the way a Rust user writes numeric code (issue
//! 8), not shaped for the macro: each gradient is checked against central
//! differences at a few points.

use autodiff::prelude::*;

fn assert_matches_numeric(name: &str, analytic: &[f64], f: impl Fn(&[f64]) -> f64, at: &[f64]) {
    let numeric = numeric_gradient(f, at);
    assert_eq!(analytic.len(), numeric.len(), "{name}");
    for (i, (a, n)) in analytic.iter().zip(&numeric).enumerate() {
        assert!((a - n).abs() <= 1e-6 * n.abs().max(1.0), "{name} at {at:?}: ∂{i} = {a}, numeric {n}");
    }
}

// 1. A damped oscillator fitted to observations with an Euler integrator helper.

#[grad]
fn euler_step(state: [f64; 2], k: f64, c: f64, dt: f64) -> [f64; 2] {
    let x = state[0];
    let v = state[1];
    let a = -k * x - c * v;
    [x + dt * v, v + dt * a]
}

#[grad(wrt(params))]
fn oscillator_fit(params: &[f64; 2], observed: &[f64], dt: f64) -> f64 {
    let (k, c) = (params[0], params[1]);
    let mut state = [1.0, 0.0];
    let mut loss = 0.0;
    for &obs in observed {
        state = euler_step(state, k, c, dt);
        let err = state[0] - obs;
        loss += err * err;
    }
    loss / observed.len() as f64
}

#[test]
fn oscillator_fit_matches_central_differences() {
    let observed: Vec<f64> = (1..=20).map(|t| (-0.05 * t as f64).exp() * (0.9 * t as f64 * 0.1).cos()).collect();
    for params in [[0.8, 0.1], [1.5, 0.4]] {
        let mut d = [0.0; 2];
        oscillator_fit_grad(&params, &mut d, &observed, 0.1);
        let f = |p: &[f64]| oscillator_fit(&[p[0], p[1]], &observed, 0.1);
        assert_matches_numeric("oscillator_fit", &d, f, &params);
    }
}

// 2. Softmax regression: a model struct with methods, one returning the logits.

#[derive(Params, Clone)]
struct Softmax {
    weights: [[f64; 2]; 3],
    bias: [f64; 3],
}

impl Softmax {
    #[grad]
    fn logits(&self, x: &[f64; 2]) -> [f64; 3] {
        let mut z = [0.0; 3];
        for (k, row) in self.weights.iter().enumerate() {
            z[k] = row[0] * x[0] + row[1] * x[1] + self.bias[k];
        }
        z
    }

    #[grad]
    fn nll(&self, x: &[f64; 2], label: usize) -> f64 {
        let z: [f64; 3] = self.logits(x);
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let log_norm = max + z.iter().map(|&v| (v - max).exp()).sum::<f64>().ln();
        log_norm - z[label]
    }

    #[grad(wrt(self))]
    fn loss(&self, xs: &[[f64; 2]], labels: &[usize]) -> f64 {
        let mut total = 0.0;
        for (x, &label) in xs.iter().zip(labels) {
            total += self.nll(x, label);
        }
        total / xs.len() as f64
    }
}

#[test]
fn softmax_regression_matches_central_differences() {
    let model = Softmax { weights: [[0.5, -0.2], [0.1, 0.3], [-0.4, 0.2]], bias: [0.1, 0.0, -0.1] };
    let xs = [[1.0, 2.0], [-0.5, 0.3], [0.2, -1.0], [1.5, 0.5]];
    let labels = [0, 2, 1, 0];
    let mut d_model = model.zeros_like();
    model.loss_grad(&mut d_model, &xs, &labels);
    let f = |w: &[f64]| {
        let mut m = model.clone();
        m.copy_from_flat(w);
        m.loss(&xs, &labels)
    };
    assert_matches_numeric("softmax loss", &d_model.to_flat(), f, &model.to_flat());
}

/// The loss as a function of one input, the model a constant: the methods'
/// twins for a constant `self` (iterating `self.weights`) are called.
#[grad(wrt(x))]
fn input_sensitivity(model: &Softmax, x: &[f64; 2]) -> f64 {
    model.nll(x, 1) + 0.5 * model.nll(x, 2)
}

#[test]
fn input_sensitivity_matches_central_differences() {
    let model = Softmax { weights: [[0.5, -0.2], [0.1, 0.3], [-0.4, 0.2]], bias: [0.1, 0.0, -0.1] };
    for x in [[1.0, 2.0], [-0.7, 0.4]] {
        let mut d_x = [0.0; 2];
        input_sensitivity_grad(&model, &x, &mut d_x);
        let f = |w: &[f64]| input_sensitivity(&model, &[w[0], w[1]]);
        assert_matches_numeric("input_sensitivity", &d_x, f, &x);
    }
}

// 3. A polynomial fit: Horner's rule in a fold, the data zipped, mapped, summed.

#[grad(wrt(coef))]
fn poly_loss(coef: &[f64], xs: &[f64], ys: &[f64]) -> f64 {
    let sse: f64 = xs
        .iter()
        .zip(ys)
        .map(|(&x, &y)| {
            let pred = coef.iter().rev().fold(0.0, |acc, &c| acc * x + c);
            (pred - y).powi(2)
        })
        .sum();
    sse / xs.len() as f64
}

#[test]
fn polynomial_fit_matches_central_differences() {
    let xs: Vec<f64> = (0..8).map(|i| i as f64 * 0.25 - 1.0).collect();
    let ys: Vec<f64> = xs.iter().map(|x| 1.0 - 2.0 * x + 0.5 * x * x * x).collect();
    let coef = [0.3, -1.0, 0.2, 0.7];
    let mut d = [0.0; 4];
    poly_loss_grad(&coef, &mut d, &xs, &ys);
    assert_matches_numeric("poly_loss", &d, |c: &[f64]| poly_loss(c, &xs, &ys), &coef);
}

// 4. A loss chosen by `match` on an enum, with a guard.

#[derive(Clone, Copy)]
enum Loss {
    Squared,
    Huber(f64),
    Absolute,
}

#[grad(wrt(pred))]
fn loss(pred: f64, target: f64, kind: Loss) -> f64 {
    let r = pred - target;
    match kind {
        Loss::Squared => 0.5 * r * r,
        Loss::Huber(delta) if r.abs() <= delta => 0.5 * r * r,
        Loss::Huber(delta) => delta * (r.abs() - 0.5 * delta),
        Loss::Absolute => r.abs(),
    }
}

#[grad(wrt(preds))]
fn total_loss(preds: &[f64], targets: &[f64], kind: Loss) -> f64 {
    preds.iter().zip(targets).map(|(&p, &t)| loss(p, t, kind)).sum()
}

#[test]
fn piecewise_loss_matches_central_differences() {
    let preds = [0.3, -1.2, 2.5, 0.05];
    let targets = [0.0, 0.4, 0.5, 0.0];
    for kind in [Loss::Squared, Loss::Huber(1.0), Loss::Absolute] {
        let mut d = [0.0; 4];
        total_loss_grad(&preds, &mut d, &targets, kind);
        assert_matches_numeric("total_loss", &d, |p: &[f64]| total_loss(p, &targets, kind), &preds);
    }
}

// 5. Logistic regression, generic over the float.

#[grad(wrt(w))]
fn logistic_nll<T: Float + std::iter::Sum>(w: &[T], x: &[T], y: T) -> T {
    let z: T = w.iter().zip(x).map(|(&wi, &xi)| wi * xi).sum();
    let p = T::one() / (T::one() + (-z).exp());
    -(y * p.ln() + (T::one() - y) * (T::one() - p).ln())
}

#[test]
fn generic_logistic_regression_matches_central_differences_in_f64_and_f32() {
    let (w, x) = ([0.5, -0.25, 0.1], [1.0, 2.0, -1.5]);
    let mut d = [0.0; 3];
    logistic_nll_grad(&w, &mut d, &x, 1.0);
    assert_matches_numeric("logistic_nll", &d, |w: &[f64]| logistic_nll(w, &x, 1.0), &w);
    let (w32, x32) = (w.map(|v| v as f32), x.map(|v| v as f32));
    let mut d32 = [0.0f32; 3];
    logistic_nll_grad(&w32, &mut d32, &x32, 1.0);
    for (a, b) in d32.iter().zip(&d) {
        assert!((f64::from(*a) - b).abs() < 1e-5, "{d32:?} vs {d:?}");
    }
}

// 6. A small RNN: a cell helper that returns the next hidden state.

#[grad(forward, reverse)]
fn rnn_cell(h: [f64; 3], x: f64, w: &[[f64; 3]; 3], u: &[f64; 3]) -> [f64; 3] {
    let mut next = [0.0; 3];
    for i in 0..3 {
        let mut s = u[i] * x;
        for j in 0..3 {
            s += w[i][j] * h[j];
        }
        next[i] = s.tanh();
    }
    next
}

#[grad(forward, reverse, wrt(w, u))]
fn rnn_loss(w: &[[f64; 3]; 3], u: &[f64; 3], xs: &[f64], target: f64) -> f64 {
    let mut h = [0.0; 3];
    for &x in xs {
        h = rnn_cell(h, x, w, u);
    }
    let out: f64 = h.iter().sum();
    (out - target).powi(2)
}

#[test]
fn rnn_matches_central_differences() {
    let w = [[0.1, -0.3, 0.2], [0.4, 0.05, -0.1], [-0.2, 0.3, 0.15]];
    let u = [0.5, -0.4, 0.3];
    let xs = [0.2, -0.5, 1.0, 0.7];
    let (mut d_w, mut d_u) = ([[0.0; 3]; 3], [0.0; 3]);
    rnn_loss_grad(&w, &mut d_w, &u, &mut d_u, &xs, 0.5);
    let flat: Vec<f64> = w.iter().flatten().chain(&u).copied().collect();
    let f = |p: &[f64]| {
        let w = [[p[0], p[1], p[2]], [p[3], p[4], p[5]], [p[6], p[7], p[8]]];
        rnn_loss(&w, &[p[9], p[10], p[11]], &xs, 0.5)
    };
    let analytic: Vec<f64> = d_w.iter().flatten().chain(&d_u).copied().collect();
    assert_matches_numeric("rnn_loss", &analytic, f, &flat);
    // Forward mode along the first weight: the tangent is ∂f/∂w₀₀.
    let mut t_w = [[0.0; 3]; 3];
    t_w[0][0] = 1.0;
    let (_, tangent) = rnn_loss_jvp(&w, &t_w, &u, &[0.0; 3], &xs, 0.5);
    assert!((tangent - analytic[0]).abs() < 1e-12, "{tangent} vs {}", analytic[0]);
}

// 7. A projectile's range: a local struct for the body, its fields stepped.

struct Body {
    pos: [f64; 2],
    vel: [f64; 2],
}

#[grad(forward, reverse)]
fn projectile_range(angle: f64, speed: f64, drag: f64) -> f64 {
    let mut body = Body { pos: [0.0, 0.0], vel: [speed * angle.cos(), speed * angle.sin()] };
    let dt = 0.01;
    for _ in 0..100 {
        for i in 0..2 {
            body.pos[i] += dt * body.vel[i];
        }
        let v = (body.vel[0] * body.vel[0] + body.vel[1] * body.vel[1]).sqrt();
        body.vel[0] -= dt * drag * v * body.vel[0];
        body.vel[1] -= dt * (9.81 + drag * v * body.vel[1]);
    }
    body.pos[0]
}

#[test]
fn projectile_matches_central_differences() {
    for p in [[0.6, 12.0, 0.02], [1.0, 8.0, 0.1]] {
        let (_, da, ds, dd) = projectile_range_grad(p[0], p[1], p[2]);
        let f = |q: &[f64]| projectile_range(q[0], q[1], q[2]);
        assert_matches_numeric("projectile_range", &[da, ds, dd], f, &p);
        let (_, tangent) = projectile_range_jvp(p[0], 1.0, p[1], 0.0, p[2], 0.0);
        assert!((tangent - da).abs() < 1e-9 * da.abs().max(1.0), "{tangent} vs {da}");
    }
}

// 8. A Gaussian mixture's negative log-likelihood, with a local closure.

#[grad(wrt(means, log_sigmas))]
fn mixture_nll(means: &[f64; 2], log_sigmas: &[f64; 2], weights: &[f64; 2], data: &[f64]) -> f64 {
    let density = |x: f64, mu: f64, log_sigma: f64| {
        let sigma = log_sigma.exp();
        let z = (x - mu) / sigma;
        (-0.5 * z * z).exp() / (sigma * (2.0 * std::f64::consts::PI).sqrt())
    };
    let mut nll = 0.0;
    for &x in data {
        let mut p = 0.0;
        for k in 0..2 {
            p += weights[k] * density(x, means[k], log_sigmas[k]);
        }
        nll -= p.ln();
    }
    nll
}

#[test]
fn mixture_matches_central_differences() {
    let data = [-1.2, -0.8, 0.1, 1.1, 1.9, 2.4];
    let (means, log_sigmas, weights) = ([-1.0, 2.0], [0.1, -0.2], [0.4, 0.6]);
    let (mut d_m, mut d_s) = ([0.0; 2], [0.0; 2]);
    mixture_nll_grad(&means, &mut d_m, &log_sigmas, &mut d_s, &weights, &data);
    let f = |p: &[f64]| mixture_nll(&[p[0], p[1]], &[p[2], p[3]], &weights, &data);
    assert_matches_numeric("mixture_nll", &[d_m[0], d_m[1], d_s[0], d_s[1]], f, &[-1.0, 2.0, 0.1, -0.2]);
}

// 9. Everyday idioms: array destructuring, a tuple helper, a model of
// vectors, `map` then `fold`, an early `return`, `if let`.

#[grad]
fn destructure(state: [f64; 2]) -> f64 {
    let [x, v] = state;
    x * v + state.iter().map(|s| s * s).sum::<f64>()
}

#[grad]
fn stats(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var)
}

#[grad]
fn standardized(x: &[f64], y: &[f64]) -> f64 {
    let (mean, var) = stats(x);
    let sd = var.sqrt();
    x.iter().zip(y.iter()).map(|(a, b)| ((a - mean) / sd - b).abs()).sum()
}

#[derive(Params, Clone)]
struct Linear {
    w: Vec<f64>,
    b: f64,
}

impl Linear {
    #[grad]
    fn forward(&self, x: &[f64]) -> f64 {
        self.w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + self.b
    }

    #[grad(wrt(self))]
    fn mse(&self, xs: &[Vec<f64>], ys: &[f64]) -> f64 {
        let mut total = 0.0;
        for (x, &y) in xs.iter().zip(ys) {
            let err = self.forward(x) - y;
            total += err * err;
        }
        total / ys.len() as f64
    }
}

#[grad]
fn max_abs(x: &[f64]) -> f64 {
    x.iter().map(|v| v.abs()).fold(f64::MIN, f64::max)
}

#[grad]
fn first_above(x: &[f64], threshold: f64) -> f64 {
    for (i, &xi) in x.iter().enumerate() {
        if xi > threshold {
            return xi * i as f64;
        }
    }
    0.0
}

#[grad(wrt(x))]
fn maybe_scale(x: f64, factor: Option<f64>) -> f64 {
    if let Some(f) = factor {
        x * f
    } else {
        x.sin()
    }
}

#[grad]
fn mapped_for_each(x: &[f64]) -> f64 {
    let mut total = 0.0;
    x.iter().map(|v| v * v).for_each(|sq| total += sq.sin());
    total
}

#[test]
fn everyday_idioms_match_central_differences() {
    // `let [x, v] = state;` and a sum over a by-value array.
    let (value, d) = destructure_grad([2.0, 3.0]);
    assert_eq!((value, d), (19.0, [7.0, 8.0]));
    // A helper returning a tuple, destructured, then a zipped reduction.
    let (x, y) = ([1.0, 2.0, 4.0], [0.1, -0.2, 0.3]);
    let (mut dx, mut dy) = ([0.0; 3], [0.0; 3]);
    standardized_grad(&x, &mut dx, &y, &mut dy);
    assert_matches_numeric("standardized in x", &dx, |w: &[f64]| standardized(w, &y), &x);
    assert_matches_numeric("standardized in y", &dy, |w: &[f64]| standardized(&x, w), &y);
    // A model of vectors, its method called per sample.
    let model = Linear { w: vec![0.5, -0.5], b: 0.1 };
    let xs = vec![vec![1.0, 2.0], vec![0.5, -1.0]];
    let mut d_model = model.zeros_like();
    model.mse_grad(&mut d_model, &xs, &[1.0, 0.0]);
    let f = |p: &[f64]| {
        let mut m = model.clone();
        m.copy_from_flat(p);
        m.mse(&xs, &[1.0, 0.0])
    };
    assert_matches_numeric("mse", &d_model.to_flat(), f, &model.to_flat());
    // `map` then `fold` with `f64::max`: the largest |x| takes the derivative.
    let mut dx = [0.0; 3];
    assert_eq!(max_abs_grad(&[1.0, -3.0, 2.0], &mut dx), 3.0);
    assert_eq!(dx, [0.0, -1.0, 0.0]);
    // An early `return` from a loop over `enumerate`.
    let mut dx = [0.0; 3];
    let (value, _) = first_above_grad(&[1.0, 3.0, 5.0], &mut dx, 2.0);
    assert_eq!((value, dx), (3.0, [0.0, 1.0, 0.0]));
    // `if let Some(f)` on a constant option.
    assert_eq!(maybe_scale_grad(2.0, Some(3.0)), (6.0, 3.0));
    assert_eq!(maybe_scale_grad(2.0, None), (2.0f64.sin(), 2.0f64.cos()));
    // `map` then `for_each` into a captured total: Σ sin(xᵢ²).
    let x = [0.5, -1.0];
    let mut dx = [0.0; 2];
    let value = mapped_for_each_grad(&x, &mut dx);
    assert_eq!(value, 0.25f64.sin() + 1.0f64.sin());
    assert_matches_numeric("mapped_for_each", &dx, mapped_for_each, &x);
}
