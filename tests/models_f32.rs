//! `Params` models with `f32` weights (issue 8 item 4): `#[derive(Params)]`
//! on `f32` fields, `#[grad]` functions and methods of such models in
//! reverse and forward mode against central differences (of the same
//! formula in `f64`), the optimizers training them, and the runtime's
//! activations and losses at `f32` (`autodiff::generic`) inside `#[grad]`
//! code.

// The model reads the way its math does.
#![allow(clippy::needless_range_loop)]

use autodiff::generic::{binary_cross_entropy_with_logits, sigmoid, softplus};
use autodiff::prelude::*;
use proptest::prelude::*;

/// A one-hidden-layer network in `f32`.
#[derive(Params, Clone, Debug)]
struct Net32 {
    w: [[f32; 3]; 2],
    b: [f32; 2],
    v: Vec<f32>,
    scale: f32,
}

impl Net32 {
    /// The network's output at `x`.
    #[grad(forward, reverse)]
    fn predict(&self, x: &[f32; 3]) -> f32 {
        let mut s = 0.0;
        for k in 0..2 {
            let mut z = self.b[k];
            for j in 0..3 {
                z += self.w[k][j] * x[j];
            }
            s += self.v[k] * z.tanh();
        }
        s * self.scale
    }
}

/// Squared error of the network at one point.
#[grad(forward, reverse)]
fn loss(m: &Net32, x: &[f32; 3], target: f32) -> f32 {
    (m.predict(x) - target).powi(2)
}

/// The same formula in `f64`, over the flat parameters `[w, b, v, scale]`.
fn loss64(p: &[f64], x: &[f64; 3], target: f64) -> f64 {
    let mut s = 0.0;
    for k in 0..2 {
        let mut z = p[6 + k];
        for j in 0..3 {
            z += p[3 * k + j] * x[j];
        }
        s += p[8 + k] * z.tanh();
    }
    (s * p[10] - target).powi(2)
}

fn net(p: &[f64]) -> Net32 {
    let mut m = Net32 { w: [[0.0; 3]; 2], b: [0.0; 2], v: vec![0.0; 2], scale: 0.0 };
    m.copy_from_flat(p);
    m
}

/// Within `f32` rounding of a value of size `scale`.
fn close32(got: f64, want: f64, scale: f64) -> bool {
    (got - want).abs() <= 2e-4 * scale.max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn f32_model_gradient_matches_central_differences(
        p in proptest::collection::vec(-1.0f64..1.0, 11),
        x in proptest::array::uniform3(-1.0f32..1.0),
        target in -1.0f32..1.0,
    ) {
        let m = net(&p);
        let p: Vec<f64> = m.to_flat(); // the f32 values, exactly
        let x64 = x.map(f64::from);
        let mut d_m = m.zeros_like();
        let mut d_x = [0.0f32; 3];
        let (value, d_target) = loss_grad(&m, &mut d_m, &x, &mut d_x, target);
        let want = loss64(&p, &x64, f64::from(target));
        prop_assert!(close32(f64::from(value), want, want.abs()), "{value} {want}");
        let numeric = numeric_gradient(|w| loss64(w, &x64, f64::from(target)), &p);
        let scale = numeric.iter().fold(0.0f64, |a, n| a.max(n.abs()));
        for (got, want) in d_m.to_flat().iter().zip(&numeric) {
            prop_assert!(close32(*got, *want, scale), "{:?} {numeric:?}", d_m.to_flat());
        }
        let numeric_x = numeric_gradient(|w| loss64(&p, &[w[0], w[1], w[2]], f64::from(target)), &x64);
        for (got, want) in d_x.iter().zip(&numeric_x) {
            prop_assert!(close32(f64::from(*got), *want, scale), "{d_x:?} {numeric_x:?}");
        }
        // ∂/∂target = −2·(prediction − target).
        let residual = f64::from(m.predict(&x)) - f64::from(target);
        prop_assert!(close32(f64::from(d_target), -2.0 * residual, scale), "{d_target} {residual}");
        // Forward mode along the model's own direction.
        let direction = m.clone();
        let (_, tangent) = loss_jvp(&m, &direction, &x, &[0.0; 3], target, 0.0);
        let along: f64 = d_m.to_flat().iter().zip(&p).map(|(g, v)| g * v).sum();
        prop_assert!(close32(f64::from(tangent), along, scale * 4.0), "{tangent} {along}");
    }
}

#[test]
fn optimizers_train_an_f32_model() {
    let data: Vec<([f32; 3], f32)> = (0..32)
        .map(|i| {
            let t = i as f32 / 32.0;
            ([t, 1.0 - t, (3.0 * t).sin()], 0.5 * t - 0.25)
        })
        .collect();
    let total = |m: &Net32| data.iter().map(|(x, y)| loss(m, x, *y)).sum::<f32>();
    let start = Net32 { w: [[0.3, -0.2, 0.1], [0.05, 0.4, -0.3]], b: [0.0, 0.1], v: vec![0.5, -0.5], scale: 1.0 };
    let optimizers: Vec<Box<dyn Optimizer>> =
        vec![Box::new(Adam::new(0.02)), Box::new(Sgd::new(0.05)), Box::new(AdamW::new(0.02))];
    for mut optimizer in optimizers {
        let mut m = start.clone();
        let before = total(&m);
        for _ in 0..200 {
            let mut grads = m.zeros_like();
            for (x, y) in &data {
                loss_grad(&m, &mut grads, x, &mut [0.0; 3], *y);
            }
            grads.scale(1.0 / data.len() as f64);
            optimizer.step_params(&mut m, &grads);
        }
        let after = total(&m);
        assert!(after < 0.5 * before, "{before} → {after}");
    }
}

/// Logistic regression in `f32` through the runtime's generic activations
/// and loss.
#[derive(Params, Clone, Debug)]
struct Logistic32 {
    w: [f32; 2],
    b: f32,
}

#[grad(forward, reverse)]
fn logistic_loss(m: &Logistic32, x: &[f32; 2], label: f32) -> f32 {
    let z = m.w[0] * x[0] + m.w[1] * x[1] + m.b;
    binary_cross_entropy_with_logits(z, label) + 0.1 * softplus(m.b) * sigmoid(z)
}

fn logistic_loss64(p: &[f64], x: &[f64; 2], label: f64) -> f64 {
    let z = p[0] * x[0] + p[1] * x[1] + p[2];
    let bce = z.max(0.0) - z * label + (-z.abs()).exp().ln_1p();
    bce + 0.1 * p[2].exp().ln_1p() / (1.0 + (-z).exp())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn f32_activations_and_losses_inside_grad_code(
        p in proptest::array::uniform3(-2.0f32..2.0),
        x in proptest::array::uniform2(-2.0f32..2.0),
        label in 0.0f32..1.0,
    ) {
        let m = Logistic32 { w: [p[0], p[1]], b: p[2] };
        let flat = m.to_flat();
        let x64 = x.map(f64::from);
        let mut d_m = m.zeros_like();
        let (value, d_label) = logistic_loss_grad(&m, &mut d_m, &x, &mut [0.0; 2], label);
        let want = logistic_loss64(&flat, &x64, f64::from(label));
        prop_assert!(close32(f64::from(value), want, want.abs()), "{value} {want}");
        let numeric = numeric_gradient(|w| logistic_loss64(w, &x64, f64::from(label)), &flat);
        for (got, want) in d_m.to_flat().iter().zip(&numeric) {
            prop_assert!(close32(*got, *want, 1.0), "{:?} {numeric:?}", d_m.to_flat());
        }
        let numeric_label = numeric_gradient(|w| logistic_loss64(&flat, &x64, w[0]), &[f64::from(label)]);
        prop_assert!(close32(f64::from(d_label), numeric_label[0], 1.0), "{d_label} {numeric_label:?}");
        let (_, tangent) = logistic_loss_jvp(&m, &m, &x, &[0.0; 2], label, 0.0);
        let along: f64 = d_m.to_flat().iter().zip(&flat).map(|(g, v)| g * v).sum();
        prop_assert!(close32(f64::from(tangent), along, 4.0), "{tangent} {along}");
    }
}
