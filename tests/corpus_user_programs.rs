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
