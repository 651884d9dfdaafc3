//! Activations through the facade: reachable at the root, differentiable
//! by `_grad`, composable inside user `#[grad]` functions by plain name and
//! by path, and stable at ±1000.

use autodiff::prelude::*;

/// One neuron with a fixed input: σ(w·x + b) with x = 2.
#[grad]
fn neuron(w: f64, b: f64) -> f64 {
    autodiff::sigmoid(w * 2.0 + b)
}

/// A two-activation stack, by plain name: tanh(softplus(x)).
#[grad]
fn stacked(x: f64) -> f64 {
    tanh(softplus(x))
}

#[test]
fn activations_resolve_at_the_facade_root() {
    assert_eq!(autodiff::sigmoid(0.0), 0.5);
    assert_eq!(autodiff::sigmoid_grad(0.0), (0.5, 0.25));
    assert_eq!(autodiff::relu_vjp(2.0, 3.0), (2.0, 3.0));
    assert_eq!(autodiff::tanh_grad(0.0), (0.0, 1.0));
    assert_eq!(autodiff::leaky_relu_grad(-1.0, 0.5), (-0.5, 0.5, -1.0));
    let (y, dy) = autodiff::softplus_grad(0.0);
    assert!((y - 2f64.ln()).abs() < 1e-15 && dy == 0.5);
}

#[test]
fn composed_by_path_follows_the_chain_rule() {
    for (w, b) in [(0.3f64, -0.1f64), (-1.2, 0.4), (2.0, 1.0)] {
        let z = 2.0 * w + b;
        let s = 1.0 / (1.0 + (-z).exp());
        let (y, dw, db) = neuron_grad(w, b);
        let ds = s * (1.0 - s);
        assert!((y - s).abs() < 1e-15 && y == neuron(w, b));
        assert!((dw - 2.0 * ds).abs() < 1e-15 && (db - ds).abs() < 1e-15);
    }
}

#[test]
fn composed_by_name_follows_the_chain_rule() {
    for x in [-3.0f64, -0.5, 0.0, 0.8, 4.0] {
        // d/dx tanh(softplus(x)) = (1 − tanh²(softplus x))·σ(x).
        let sp = x.exp().ln_1p();
        let want = (1.0 - sp.tanh().powi(2)) / (1.0 + (-x).exp());
        let (_, d) = stacked_grad(x);
        assert!((d - want).abs() < 1e-12, "x = {x}: {d} vs {want}");
        check_gradient(|p| stacked(p[0]), &[x], &[d]).assert_close(1e-7);
    }
}

#[test]
fn vjp_at_plus_minus_1000_is_finite_and_saturated() {
    for x in [-1000.0, 1000.0] {
        let seed = 1.5;
        let results = [sigmoid_vjp(x, seed), tanh_vjp(x, seed), relu_vjp(x, seed), softplus_vjp(x, seed)];
        for (y, d) in results {
            assert!(y.is_finite() && d.is_finite(), "x = {x}: ({y}, {d})");
        }
        let on = if x > 0.0 { 1.0 } else { 0.0 };
        assert_eq!(sigmoid_vjp(x, seed), (on, 0.0));
        assert_eq!(relu_vjp(x, seed), (on * x, on * seed));
        assert_eq!(softplus_vjp(x, seed), (on * x, on * seed));
        assert_eq!(tanh_vjp(x, seed), (x.signum(), 0.0));
    }
}
