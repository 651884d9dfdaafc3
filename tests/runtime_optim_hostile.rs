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
