//! Momentum, Nesterov, Adam and AdamW through the facade: single steps
//! against their closed forms, convergence on quadratics, per-scalar state
//! over model structs, and learning-rate schedules.

use autodiff::prelude::*;

/// A small model with a nested layer, a `Vec` and a `Vec` of layers.
#[derive(Params, Clone, Debug, PartialEq)]
struct Head {
    w: [[f64; 2]; 2],
    b: f64,
}

#[derive(Params, Clone, Debug, PartialEq)]
struct Net {
    head: Head,
    bias: Vec<f64>,
    blocks: Vec<Head>,
}

fn net(values: impl Fn(usize) -> f64) -> Net {
    let mut n = Net {
        head: Head { w: [[0.0; 2]; 2], b: 0.0 },
        bias: vec![0.0; 3],
        blocks: vec![Head { w: [[0.0; 2]; 2], b: 0.0 }; 2],
    };
    let flat: Vec<f64> = (0..n.num_params()).map(values).collect();
    n.copy_from_flat(&flat);
    n
}

/// The gradient of `f(w) = Σᵢ cᵢ·(wᵢ − tᵢ)²`, a quadratic with its minimum
/// at `t` and curvatures `2cᵢ`.
fn quadratic_grad(w: &[f64], c: &[f64], t: &[f64]) -> Vec<f64> {
    w.iter().zip(c).zip(t).map(|((w, c), t)| 2.0 * c * (w - t)).collect()
}

#[test]
fn adam_first_step_is_learning_rate_times_sign() {
    let mut w = [0.0, 0.0, 0.0, 0.0];
    let g = [1e3, -1e-2, 5.0, -7.0];
    Adam::new(0.05).step(&mut w, &g);
    for (w, g) in w.iter().zip(g) {
        assert!((w + 0.05 * g.signum()).abs() < 1e-7, "{w} for g = {g}");
    }
}

#[test]
fn adam_converges_on_an_ill_conditioned_quadratic() {
    // Curvatures 2 and 2000: Adam's per-scalar scaling copes with both.
    let (c, t) = ([1.0, 1000.0], [3.0, -2.0]);
    let mut w = [0.0, 0.0];
    let mut opt = Adam::new(0.05);
    for epoch in 0..3000 {
        CosineAnnealing { initial: 0.05, min: 1e-4, period: 3000 }.apply(&mut opt, epoch);
        let g = quadratic_grad(&w, &c, &t);
        opt.step(&mut w, &g);
    }
    assert!((w[0] - 3.0).abs() < 1e-3 && (w[1] + 2.0).abs() < 1e-3, "{w:?}");
}

#[test]
fn momentum_converges_on_a_quadratic() {
    let (c, t) = ([1.0, 4.0], [1.0, -1.0]);
    for mut opt in [Sgd::new(0.05).with_momentum(0.9), Sgd::new(0.05).with_momentum(0.9).nesterov()] {
        let mut w = [5.0, 5.0];
        for _ in 0..500 {
            let g = quadratic_grad(&w, &c, &t);
            opt.step(&mut w, &g);
        }
        assert!((w[0] - 1.0).abs() < 1e-9 && (w[1] + 1.0).abs() < 1e-9, "{opt:?}: {w:?}");
    }
}

#[test]
fn heavy_ball_matches_its_two_term_recurrence() {
    // With v ← μv + g and w ← w − αv on f(w) = w²/2 (g = w):
    // w_{k+1} = (1 − α + μ)·w_k − μ·w_{k−1}, from w₀ and w₁ = (1 − α)·w₀.
    let (alpha, mu) = (0.1, 0.8);
    let mut opt = Sgd::new(alpha).with_momentum(mu);
    let mut w = [1.0];
    let mut got = vec![w[0]];
    for _ in 0..20 {
        let g = [w[0]];
        opt.step(&mut w, &g);
        got.push(w[0]);
    }
    let mut want = vec![1.0, 1.0 - alpha];
    for k in 1..20 {
        want.push((1.0 - alpha + mu) * want[k] - mu * want[k - 1]);
    }
    for (k, (got, want)) in got.iter().zip(&want).enumerate() {
        assert!((got - want).abs() < 1e-12, "step {k}: {got} vs {want}");
    }
}

#[test]
fn nesterov_matches_its_two_term_recurrence() {
    // Nesterov on g = w: w_{k+1} = w_k − α(g_k + μv_k), v_k = μv_{k−1} + g_k,
    // which unrolls to w_{k+1} = (1 − α)(1 + μ)·w_k − μ(1 − α)·w_{k−1}
    // for k ≥ 1, with w₁ = (1 − α(1 + μ))·w₀.
    let (alpha, mu) = (0.1, 0.8);
    let mut opt = Sgd::new(alpha).with_momentum(mu).nesterov();
    let mut w = [1.0];
    let mut got = vec![w[0]];
    for _ in 0..20 {
        let g = [w[0]];
        opt.step(&mut w, &g);
        got.push(w[0]);
    }
    let mut want = vec![1.0, 1.0 - alpha * (1.0 + mu)];
    for k in 1..20 {
        want.push((1.0 - alpha) * (1.0 + mu) * want[k] - mu * (1.0 - alpha) * want[k - 1]);
    }
    for (k, (got, want)) in got.iter().zip(&want).enumerate() {
        assert!((got - want).abs() < 1e-12, "step {k}: {got} vs {want}");
    }
}

#[test]
fn adamw_decay_is_decoupled_from_the_gradient_scale() {
    // Two parameters at the same value, one with a 10⁶ times larger
    // gradient: Adam's step is the same size for both (α on the first step),
    // and so is the decay α·λ·w, which an L2 term would not give.
    let mut w = [1.0, 1.0];
    AdamW::new(0.1).with_weight_decay(0.5).step(&mut w, &[1e-3, 1e3]);
    let want = 1.0 * (1.0 - 0.1 * 0.5) - 0.1;
    assert!((w[0] - want).abs() < 1e-5 && (w[1] - want).abs() < 1e-9, "{w:?}");
}

#[test]
fn adamw_settles_between_the_minimum_and_zero() {
    // f(w) = (w − 4)² pulls toward 4, the decay toward 0: the fixed point
    // lies strictly between, and decaying harder settles lower.
    let settle = |lambda: f64| {
        let mut opt = AdamW::new(0.01).with_weight_decay(lambda);
        let mut w = [0.0];
        for _ in 0..5000 {
            let g = [2.0 * (w[0] - 4.0)];
            opt.step(&mut w, &g);
        }
        w[0]
    };
    let (none, some, more) = (settle(0.0), settle(0.1), settle(1.0));
    assert!((none - 4.0).abs() < 1e-2, "{none}");
    assert!(0.0 < more && more < some && some < none, "{more} < {some} < {none}");
}

/// Steps `opt` on a model and a copy of it on flat vectors with the same
/// gradients: the per-scalar state must make both walks identical.
fn same_on_models_and_slices(mut on_model: impl Optimizer, mut on_flat: impl Optimizer) {
    let mut model = net(|k| 0.1 * k as f64 - 0.5);
    let mut flat = model.to_flat();
    for step in 0..5 {
        let grad = net(|k| ((k * 7 + step * 3) % 11) as f64 - 5.0);
        on_model.step_params(&mut model, &grad);
        on_flat.step(&mut flat, &grad.to_flat());
    }
    assert_eq!(model.to_flat(), flat);
}

#[test]
fn every_optimizer_keeps_per_scalar_state_over_a_model() {
    same_on_models_and_slices(Sgd::new(0.1), Sgd::new(0.1));
    same_on_models_and_slices(Sgd::new(0.1).with_momentum(0.9), Sgd::new(0.1).with_momentum(0.9));
    same_on_models_and_slices(Sgd::new(0.1).with_momentum(0.9).nesterov(), Sgd::new(0.1).with_momentum(0.9).nesterov());
    same_on_models_and_slices(Adam::new(0.01), Adam::new(0.01));
    same_on_models_and_slices(AdamW::new(0.01), AdamW::new(0.01));
}

#[test]
fn boxed_optimizers_step_models() {
    let mut opts: Vec<Box<dyn Optimizer>> =
        vec![Box::new(Sgd::new(0.5)), Box::new(Adam::new(0.5)), Box::new(AdamW::new(0.5).with_weight_decay(0.0))];
    for opt in &mut opts {
        // One step on Σ w²/2 (gradient w) from w = 1: SGD lands on 0.5,
        // Adam's first step moves by α = 0.5 (up to ε) as well.
        let mut model = net(|_| 1.0);
        let grad = model.clone();
        opt.step_params(&mut model, &grad);
        assert!(model.to_flat().iter().all(|w| (w - 0.5).abs() < 1e-7), "{model:?}");
    }
}

#[test]
fn adam_counts_one_step_per_model_step() {
    let mut opt = Adam::new(0.1);
    let mut model = net(|_| 1.0);
    let grad = model.clone();
    opt.step_params(&mut model, &grad);
    opt.step_params(&mut model, &grad);
    assert_eq!(opt.steps(), 2);
}

#[test]
fn step_decay_schedule_drives_sgd() {
    // Plain SGD on f(w) = w²/2 multiplies w by (1 − αₖ) each epoch.
    let schedule = StepDecay { initial: 0.5, factor: 0.5, every: 2 };
    let mut opt = Sgd::new(schedule.initial);
    let mut w = [1.0];
    let mut want = 1.0;
    for epoch in 0..6 {
        opt.set_learning_rate(schedule.rate(epoch));
        let g = [w[0]];
        opt.step(&mut w, &g);
        want *= 1.0 - 0.5 * 0.5f64.powi((epoch / 2) as i32);
    }
    assert!((w[0] - want).abs() < 1e-15);
    assert_eq!(opt.learning_rate(), 0.125);
}

#[test]
#[should_panic(expected = "a Vec<f64> has length 3 but the other value has length 4")]
fn mismatched_model_shapes_panic() {
    let mut model = net(|_| 0.0);
    let mut grad = model.clone();
    grad.bias.push(1.0);
    Adam::new(0.1).step_params(&mut model, &grad);
}
