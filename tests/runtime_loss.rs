//! Losses through the facade: closed-form gradients, composition with
//! activations, and the stable logits form.

use autodiff::prelude::*;

/// Logistic regression on one example (x, y) = (2, 1), through probabilities.
#[grad]
fn logistic_via_probability(w: f64, b: f64) -> f64 {
    binary_cross_entropy(sigmoid(w * 2.0 + b), 1.0)
}

/// The same loss through logits.
#[grad]
fn logistic_via_logits(w: f64, b: f64) -> f64 {
    autodiff::binary_cross_entropy_with_logits(w * 2.0 + b, 1.0)
}

#[test]
fn losses_resolve_at_the_facade_root() {
    assert_eq!(autodiff::squared_error_grad(3.0, 1.0), (4.0, 4.0, -4.0));
    let (loss, dp, _) = autodiff::binary_cross_entropy_grad(0.5, 0.0);
    assert!((loss - 2f64.ln()).abs() < 1e-15 && (dp - 2.0).abs() < 1e-15);
}

#[test]
fn both_forms_give_sigma_minus_y_times_x() {
    for (w, b) in [(0.3f64, -0.1f64), (-0.8, 0.2), (1.5, 0.5)] {
        let z = 2.0 * w + b;
        let dz = 1.0 / (1.0 + (-z).exp()) - 1.0;
        for (name, (_, dw, db)) in
            [("probability", logistic_via_probability_grad(w, b)), ("logits", logistic_via_logits_grad(w, b))]
        {
            assert!((dw - 2.0 * dz).abs() < 1e-12, "{name}: ∂w = {dw}, want {}", 2.0 * dz);
            assert!((db - dz).abs() < 1e-12, "{name}: ∂b = {db}, want {dz}");
        }
        assert!((logistic_via_logits(w, b) - logistic_via_probability(w, b)).abs() < 1e-12);
    }
}

#[test]
fn logits_form_survives_where_the_probability_form_saturates() {
    // z = −1000: σ(z) underflows to 0, so ln σ(z) is −∞; the logits form
    // gives the exact loss −ln σ(z) = 1000 (to double precision) and ∂z = −1.
    assert_eq!(logistic_via_probability(-500.0, 0.0), f64::INFINITY);
    let (loss, dw, db) = logistic_via_logits_grad(-500.0, 0.0);
    assert_eq!((loss, dw, db), (1000.0, -2.0, -1.0));
}

#[test]
fn gradient_descent_on_the_logits_form_lowers_the_loss() {
    let mut params = [0.0, 0.0];
    let mut opt = Sgd::new(0.5);
    let mut last = logistic_via_logits(params[0], params[1]);
    for _ in 0..20 {
        let (_, dw, db) = logistic_via_logits_grad(params[0], params[1]);
        opt.step(&mut params, &[dw, db]);
        let now = logistic_via_logits(params[0], params[1]);
        assert!(now < last, "{now} ≥ {last}");
        last = now;
    }
}

#[test]
fn saturated_sigmoid_into_cross_entropy_has_a_finite_gradient() {
    // z = 2w + b = 40: σ(40) rounds to 1, so the loss rounds to 0; the exact
    // ∂loss/∂z = σ(z) − 1 = −e^−z / (1 + e^−z) is tiny but not 0 and not NaN.
    let (loss, dw, db) = logistic_via_probability_grad(20.0, 0.0);
    let e = (-40f64).exp();
    let dz = -e / (1.0 + e);
    assert_eq!(loss, 0.0);
    assert!((db - dz).abs() <= 1e-12 * dz.abs(), "db = {db}, want {dz}");
    assert!((dw - 2.0 * dz).abs() <= 1e-12 * dz.abs(), "dw = {dw}, want {}", 2.0 * dz);
}
