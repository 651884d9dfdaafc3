//! Optimizers given hostile input: non-finite gradients are refused (an
//! error or a panic naming the parameter's index) before anything changes,
//! state is bound to the size of the parameters it was first used with, and
//! an offset past `usize` is an error, not an arithmetic overflow.

use autodiff::prelude::*;
use autodiff::OptimizerError;

#[derive(Params, Clone, Debug, PartialEq)]
struct Layer {
    w: [[f64; 2]; 2],
    b: Vec<f64>,
}

fn layer(b_len: usize) -> Layer {
    Layer { w: [[1.0, 2.0], [3.0, 4.0]], b: vec![0.5; b_len] }
}

/// Every stateful configuration, after one good step on 3 parameters.
fn warmed_up() -> Vec<Box<dyn Optimizer>> {
    let mut opts: Vec<Box<dyn Optimizer>> = vec![
        Box::new(Sgd::new(0.1).with_momentum(0.9)),
        Box::new(Sgd::new(0.1).with_momentum(0.9).nesterov()),
        Box::new(Adam::new(0.1)),
        Box::new(AdamW::new(0.1)),
    ];
    for opt in &mut opts {
        opt.step(&mut [1.0, 2.0, 3.0], &[0.5, -0.5, 1.0]);
    }
    opts
}

#[test]
fn a_non_finite_gradient_is_refused_and_nothing_changes() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let (mut opt, mut w) = (Adam::new(0.1), [1.0, 2.0, 3.0]);
        opt.step(&mut w, &[0.1, 0.2, 0.3]);
        let (opt_before, w_before) = (opt.clone(), w);
        match opt.try_step(&mut w, &[0.1, bad, 0.3]) {
            Err(OptimizerError::NonFiniteGradient { index: 1, value }) => {
                assert!(value.to_bits() == bad.to_bits(), "{value} for {bad}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!((opt, w), (opt_before, w_before), "gradient {bad}");
    }
}

#[test]
fn every_optimizer_refuses_and_then_steps_as_if_never_asked() {
    // A refused step must leave the state as it was: the next good step
    // equals that of a twin that never saw the bad gradient.
    for (mut opt, mut twin) in warmed_up().into_iter().zip(warmed_up()) {
        let mut w = [1.0, 2.0, 3.0];
        let mut w_twin = w;
        assert!(opt.try_step(&mut w, &[0.1, 0.2, f64::NAN]).is_err());
        assert_eq!(w, [1.0, 2.0, 3.0]);
        opt.step(&mut w, &[0.1, 0.2, 0.3]);
        twin.step(&mut w_twin, &[0.1, 0.2, 0.3]);
        assert_eq!(w, w_twin);
    }
    // Plain SGD refuses too.
    let mut w = [1.0];
    assert!(Sgd::new(0.1).try_step(&mut w, &[f64::INFINITY]).is_err());
    assert_eq!(w, [1.0]);
}

#[test]
#[should_panic(expected = "optimizer step: the gradient of parameter 2 is NaN; the step was refused")]
fn step_panics_naming_the_parameter() {
    Sgd::new(0.1).step(&mut [0.0; 3], &[0.0, 1.0, f64::NAN]);
}

#[test]
#[should_panic(expected = "the gradient of parameter 5 is inf")]
fn step_params_panics_naming_the_index_in_flat_order() {
    let mut model = layer(3);
    let mut grads = model.zeros_like();
    grads.b[1] = f64::INFINITY; // after the 4 weights: flat index 5
    Adam::new(0.1).step_params(&mut model, &grads);
}

#[test]
fn try_step_params_leaves_the_model_unchanged() {
    let mut model = layer(2);
    let mut grads = model.zeros_like();
    grads.w[0][1] = 1.0;
    grads.b[1] = f64::NAN;
    let mut opt = AdamW::new(0.1);
    let err = opt.try_step_params(&mut model, &grads).unwrap_err();
    assert!(matches!(err, OptimizerError::NonFiniteGradient { index: 5, .. }), "{err:?}");
    assert_eq!((model, opt.steps()), (layer(2), 0));
}

#[test]
fn state_is_bound_to_the_first_model() {
    for mut opt in warmed_up() {
        for other in [2, 4] {
            let err = opt.try_step(&mut vec![0.0; other], &vec![1.0; other]);
            assert_eq!(err, Err(OptimizerError::StateMismatch { state: 3, needed: other }));
        }
        opt.step(&mut [0.0; 3], &[1.0; 3]); // its own size still works
    }
    // Models: the first one's size, 4 weights + 2 biases.
    let mut adam = Adam::new(0.1);
    adam.step_params(&mut layer(2), &layer(2).zeros_like());
    let mut bigger = layer(3);
    let grads = bigger.zeros_like();
    let err = adam.try_step_params(&mut bigger, &grads);
    assert_eq!(err, Err(OptimizerError::StateMismatch { state: 6, needed: 7 }));
    assert_eq!(bigger, layer(3));
}

#[test]
#[should_panic(expected = "this optimizer's state is for 6 scalar parameters (the parameters it was first used with) \
                           but this step uses 7")]
fn reusing_adam_on_a_bigger_model_panics() {
    let mut adam = Adam::new(0.1);
    adam.step_params(&mut layer(2), &layer(2).zeros_like());
    let mut bigger = layer(3);
    let grads = bigger.zeros_like();
    adam.step_params(&mut bigger, &grads);
}

#[test]
fn reset_unbinds_and_plain_sgd_has_nothing_to_bind() {
    let mut adam = Adam::new(0.1);
    adam.step(&mut [0.0; 3], &[1.0; 3]);
    adam.reset();
    adam.step(&mut [0.0; 5], &[1.0; 5]);
    assert_eq!(adam.try_step(&mut [0.0; 3], &[1.0; 3]), Err(OptimizerError::StateMismatch { state: 5, needed: 3 }));

    let mut sgd = Sgd::new(0.5);
    let (mut a, mut b) = ([1.0; 2], [1.0; 7]);
    sgd.step(&mut a, &[1.0; 2]);
    sgd.step(&mut b, &[1.0; 7]);
    assert_eq!((a, b), ([0.5; 2], [0.5; 7]));
}

#[test]
fn updates_by_offset_bind_the_state_at_the_next_step() {
    // First step in two chunks covers scalars 0..4; the state is bound to 4.
    let mut opt = Sgd::new(1.0).with_momentum(0.5);
    let (mut w, mut b) = ([0.0; 2], [0.0; 2]);
    opt.begin_step();
    opt.update(0, &mut w, &[1.0, 1.0]);
    opt.update(2, &mut b, &[1.0, 1.0]);
    opt.begin_step();
    opt.update(2, &mut b, &[1.0, 1.0]); // within the state: fine
    let mut extra = [0.0];
    assert_eq!(opt.try_update(4, &mut extra, &[1.0]), Err(OptimizerError::StateMismatch { state: 4, needed: 5 }));
    assert_eq!(extra, [0.0]);
    // v = 1 then 1.5 on b: b = −1 − 1.5.
    assert_eq!(b, [-2.5, -2.5]);
}

#[test]
fn an_offset_past_usize_is_an_error_not_an_overflow() {
    for mut opt in warmed_up().into_iter().chain([Box::new(Sgd::new(0.1)) as Box<dyn Optimizer>]) {
        let mut w = [1.0];
        let err = opt.try_update(usize::MAX, &mut w, &[1.0]);
        assert_eq!(err, Err(OptimizerError::OffsetOverflow { offset: usize::MAX, len: 1 }));
        assert_eq!(w, [1.0]);
    }
    // An unbound state cannot grow that far either: an error, not an abort.
    let err = Adam::new(0.1).try_update(usize::MAX / 2, &mut [1.0], &[1.0]);
    assert_eq!(err, Err(OptimizerError::StateAllocation { scalars: usize::MAX / 2 + 1 }));
}

#[test]
#[should_panic(expected = "+ params.len() 1 overflows usize")]
fn update_at_usize_max_panics_with_a_clear_message() {
    let mut adam = Adam::new(0.1);
    adam.begin_step();
    adam.update(usize::MAX, &mut [1.0], &[1.0]);
}

#[test]
fn errors_are_std_errors_with_the_panic_message() {
    let err: Box<dyn std::error::Error> = Box::new(OptimizerError::LengthMismatch { params: 2, grads: 3 });
    assert_eq!(
        err.to_string(),
        "optimizer step: params.len() = 2 but grads.len() = 3; each parameter needs exactly one gradient"
    );
}

// --- Invalid hyperparameters ------------------------------------------------

/// The message `f` panics with (it must panic).
fn panic_message<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> String {
    let payload = std::panic::catch_unwind(f).err().expect("expected a panic");
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload.downcast::<&str>().map(|m| m.to_string()).unwrap_or_default(),
    }
}

#[test]
fn invalid_hyperparameters_panic_naming_the_parameter_and_its_range() {
    let cases: Vec<(String, &str)> = vec![
        (panic_message(|| Sgd::new(f64::NAN)), "learning_rate = NaN is invalid; it must be finite and >= 0"),
        (panic_message(|| Sgd::new(f64::INFINITY)), "learning_rate = inf is invalid"),
        (panic_message(|| Adam::new(-0.1)), "learning_rate = -0.1 is invalid; it must be finite and >= 0"),
        (panic_message(|| AdamW::new(f64::NEG_INFINITY)), "learning_rate = -inf is invalid"),
        (panic_message(|| Sgd::new(0.1).with_momentum(1.0)), "momentum = 1 is invalid; it must be in [0, 1)"),
        (panic_message(|| Sgd::new(0.1).with_momentum(-0.5)), "momentum = -0.5 is invalid"),
        (panic_message(|| Sgd::new(0.1).with_momentum(f64::NAN)), "momentum = NaN is invalid"),
        (panic_message(|| Adam::new(0.1).with_betas(1.0, 0.999)), "beta1 = 1 is invalid; it must be in [0, 1)"),
        (panic_message(|| Adam::new(0.1).with_betas(0.9, f64::NAN)), "beta2 = NaN is invalid"),
        (panic_message(|| AdamW::new(0.1).with_betas(0.9, 1.5)), "beta2 = 1.5 is invalid"),
        (panic_message(|| Adam::new(0.1).with_epsilon(0.0)), "epsilon = 0 is invalid; it must be finite and > 0"),
        (panic_message(|| AdamW::new(0.1).with_epsilon(-1e-8)), "epsilon = -0.00000001 is invalid"),
        (panic_message(|| Adam::new(0.1).with_epsilon(f64::INFINITY)), "epsilon = inf is invalid"),
        (panic_message(|| AdamW::new(0.1).with_weight_decay(f64::NAN)), "weight_decay = NaN is invalid"),
        (panic_message(|| AdamW::new(0.1).with_weight_decay(-0.01)), "weight_decay = -0.01 is invalid"),
    ];
    for (message, expected) in cases {
        assert!(message.contains(expected), "{message:?} should contain {expected:?}");
    }
}

#[test]
fn a_schedule_cannot_set_an_invalid_learning_rate() {
    let optimizers: Vec<Box<dyn Optimizer>> =
        vec![Box::new(Sgd::new(0.1)), Box::new(Adam::new(0.1)), Box::new(AdamW::new(0.1))];
    for mut opt in optimizers {
        let message = panic_message(std::panic::AssertUnwindSafe(|| opt.set_learning_rate(f64::NAN)));
        assert!(message.contains("learning_rate = NaN is invalid"), "{message}");
    }
}

#[test]
fn the_edges_of_the_valid_ranges_are_accepted() {
    // α = 0 and λ = 0 are no-ops; μ = 0 and β = 0 forget at once.
    let mut w = [1.0];
    Sgd::new(0.0).with_momentum(0.0).step(&mut w, &[5.0]);
    AdamW::new(0.0).with_weight_decay(0.0).with_betas(0.0, 0.0).with_epsilon(f64::MIN_POSITIVE).step(&mut w, &[5.0]);
    assert_eq!(w, [1.0]);
}

#[test]
fn an_invalid_value_written_to_a_public_field_is_refused_at_the_step() {
    let mut sgd = Sgd::new(0.1).with_momentum(0.9);
    sgd.momentum = 1.0;
    let mut adam = Adam::new(0.1);
    adam.epsilon = 0.0;
    let mut adamw = AdamW::new(0.1);
    adamw.weight_decay = f64::INFINITY;
    let expected: [(&str, f64); 3] = [("momentum", 1.0), ("epsilon", 0.0), ("weight_decay", f64::INFINITY)];
    let optimizers: Vec<Box<dyn Optimizer>> = vec![Box::new(sgd), Box::new(adam), Box::new(adamw)];
    for (mut opt, (name, value)) in optimizers.into_iter().zip(expected) {
        let mut w = [1.0, 2.0];
        match opt.try_step(&mut w, &[0.5, 0.0]) {
            Err(OptimizerError::InvalidHyperparameter { name: got, value: v, .. }) => {
                assert_eq!((got, v), (name, value));
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(w, [1.0, 2.0]);
    }
}

// --- Finite but huge gradients ---------------------------------------------

const HUGE: [f64; 8] = [1.0, 1e150, 1e155, 1e200, 1e300, 1e308, f64::MAX, -f64::MAX];

#[test]
fn adams_first_step_is_the_learning_rate_against_the_sign_for_any_finite_partial() {
    // m̂ = g and √v̂ = |g| after one step: the move is α·g / (|g| + ε),
    // ±α up to ε / |g| ≤ 1e-8.
    for g in HUGE.into_iter().chain(HUGE.map(|g| -g)) {
        for mut opt in
            [Box::new(Adam::new(0.01)) as Box<dyn Optimizer>, Box::new(AdamW::new(0.01).with_weight_decay(0.0))]
        {
            let mut w = [3.0];
            opt.step(&mut w, &[g]);
            let want = 3.0 - 0.01 * g.signum();
            assert!((w[0] - want).abs() <= 1e-10, "g = {g}: {} vs {want}", w[0]);
        }
    }
}

#[test]
fn adam_under_a_constant_huge_gradient_steps_by_the_learning_rate_every_step() {
    // g constant: m̂ = g and v̂ = g² at every step (bias correction exact).
    for g in [1e200, -1e300, f64::MAX] {
        let mut opt = Adam::new(0.5);
        let mut w = [0.0];
        for step in 1..=20 {
            opt.step(&mut w, &[g]);
            let want = -0.5 * f64::from(step) * g.signum();
            assert!((w[0] - want).abs() <= 1e-9, "g = {g}, step {step}: {} vs {want}", w[0]);
        }
    }
}

#[test]
fn adam_is_invariant_under_scaling_the_gradient_and_epsilon_together() {
    // Adam's update is homogeneous of degree 0 in (g, ε): the steps for
    // s·g with s·ε equal those for g with ε, for any scale s, even where
    // g² or m̂ = m / (1 − β₁ᵗ) of the scaled gradients would overflow.
    let gradients = [[1.0, -2.0], [3.0, 0.5], [-0.25, 1.5], [2.0, -3.0]];
    let mut reference = Adam::new(0.1).with_epsilon(1e-3);
    let mut w_ref = [1.0, -1.0];
    let trajectory: Vec<[f64; 2]> = gradients
        .iter()
        .map(|g| {
            reference.step(&mut w_ref, g);
            w_ref
        })
        .collect();
    for scale in [1e-300, 1e160, 1e300, 1e307] {
        let mut opt = Adam::new(0.1).with_epsilon(1e-3 * scale);
        let mut w = [1.0, -1.0];
        for (g, want) in gradients.iter().zip(&trajectory) {
            opt.step(&mut w, &g.map(|g| g * scale));
            for (got, want) in w.iter().zip(want) {
                assert!((got - want).abs() <= 1e-12, "scale {scale}: {w:?} vs {want:?}");
            }
        }
    }
}

#[test]
fn sgd_with_momentum_follows_the_recurrence_near_f64_max() {
    // α = 0.1, μ = 0.9: v₁ = M, w₁ = −0.1·M; v₂ = 0.9·M − M = −0.1·M,
    // w₂ = w₁ + 0.01·M = −0.09·M (M = f64::MAX; 0.9·M + g never overflows).
    let m = f64::MAX;
    let mut opt = Sgd::new(0.1).with_momentum(0.9);
    let mut w = [0.0];
    opt.step(&mut w, &[m]);
    opt.step(&mut w, &[-m]);
    assert!((w[0] / m + 0.09).abs() < 1e-12, "{}", w[0] / m);
}

#[test]
fn sgd_computes_an_update_whose_intermediate_product_overflows() {
    // Plain: α·g = 2e308 is beyond f64, w − α·g = −1e308 is not.
    let mut w = [1e308];
    Sgd::new(2.0).step(&mut w, &[1e308]);
    assert_eq!(w, [-1e308]);
    // Nesterov: g + μ·v = 1.71·M overflows, α·(g + μ·v) = 0.855·M does not.
    let g = 0.9 * f64::MAX;
    let mut w = [0.0];
    Sgd::new(0.5).with_momentum(0.9).nesterov().step(&mut w, &[g]);
    let want = -0.5 * 1.9 * 0.9;
    assert!((w[0] / f64::MAX - want).abs() < 1e-12, "{} vs {want}", w[0] / f64::MAX);
}

#[test]
fn an_update_beyond_f64_max_is_refused_and_nothing_changes() {
    // Momentum: v₂ = 0.9·1e308 + 1e308 = 1.9e308 > f64::MAX.
    let mut opt = Sgd::new(0.1).with_momentum(0.9);
    let mut w = [0.0, 0.0];
    opt.step(&mut w, &[1.0, 1e308]);
    let (opt_before, w_before) = (opt.clone(), w);
    assert_eq!(opt.try_step(&mut w, &[1.0, 1e308]), Err(OptimizerError::StepOverflow { index: 1 }));
    assert_eq!((&opt, w), (&opt_before, w_before));
    // Plain SGD: 0.9·M − (−M) = 1.9·M.
    let mut w = [0.0, 0.9 * f64::MAX];
    assert_eq!(Sgd::new(1.0).try_step(&mut w, &[0.0, -f64::MAX]), Err(OptimizerError::StepOverflow { index: 1 }));
    assert_eq!(w, [0.0, 0.9 * f64::MAX]);
    // Adam at f64::MAX, stepping up by α = 1e300 (≫ the ulp of f64::MAX): not
    // even counted as a step.
    let mut opt = Adam::new(1e300);
    let mut w = [0.0, f64::MAX];
    assert_eq!(opt.try_step(&mut w, &[1.0, -1.0]), Err(OptimizerError::StepOverflow { index: 1 }));
    assert_eq!((w, opt.steps()), ([0.0, f64::MAX], 0));
}

#[test]
fn a_model_step_refused_in_a_later_slice_changes_no_earlier_slice() {
    // The overflow is in `b` (flat index 5); `w` comes first and must not move.
    let mut model = layer(2);
    model.b[1] = f64::MAX;
    let before = model.clone();
    let mut grads = model.zeros_like();
    grads.w[0][0] = 1.0;
    grads.b[1] = -1.0;
    let mut opt = AdamW::new(1e300).with_weight_decay(0.0);
    assert_eq!(opt.try_step_params(&mut model, &grads), Err(OptimizerError::StepOverflow { index: 5 }));
    assert_eq!((model, opt.steps()), (before, 0));
}

#[test]
#[should_panic(expected = "optimizer step: the update of parameter 0 overflows f64")]
fn step_panics_on_an_overflowing_update() {
    Sgd::new(1.0).step(&mut [f64::MAX], &[-f64::MAX]);
}
