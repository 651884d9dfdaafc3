//! The softmax family and the reductions of `autodiff::generic` (`softmax`,
//! `log_softmax`, `softmax_cross_entropy`, `mean`, `log_sum_exp`) called
//! inside `#[grad]` code over `f32` and over a generic float, in reverse,
//! forward and second-order mode: each derivative agrees with central
//! differences of the `f64` function.

#![allow(clippy::ptr_arg)]

use autodiff::generic::{log_softmax, log_sum_exp, mean, softmax, softmax_cross_entropy};
use autodiff::{grad, Float};

/// `softmax_cross_entropy(z, t) + ½·log_sum_exp(z) + mean(z)²`.
#[grad(forward, reverse, hessian)]
fn classify<T: Float>(z: &[T], target: usize) -> T {
    let m = mean(z);
    softmax_cross_entropy(z, target) + T::from_f64(0.5) * log_sum_exp(z) + m * m
}

/// A weighted sum of the softmax and the log-softmax of `z`, in `f32`.
#[grad(forward, reverse)]
fn mixed(z: &[f32], w: &[f32]) -> f32 {
    let mut p: [f32; 3] = [0.0; 3];
    softmax(z, &mut p);
    let mut lp: [f32; 3] = [0.0; 3];
    log_softmax(z, &mut lp);
    p[0] * w[0] + p[1] * w[1] + lp[2] * w[2]
}

/// `mixed` over `f64`, through the crate root's functions: what the
/// central differences are taken of.
fn mixed_f64(z: &[f64], w: &[f64]) -> f64 {
    let (mut p, mut lp) = ([0.0; 3], [0.0; 3]);
    autodiff::softmax(z, &mut p);
    autodiff::log_softmax(z, &mut lp);
    p[0] * w[0] + p[1] * w[1] + lp[2] * w[2]
}

const Z: [[f64; 3]; 3] = [[0.5, -1.0, 2.0], [3.0, 2.5, -0.25], [-0.3, 0.1, 0.05]];
const W: [f64; 3] = [1.5, -0.75, 0.5];

fn to_f32(x: &[f64]) -> Vec<f32> {
    x.iter().map(|&v| v as f32).collect()
}

fn to_f64(x: &[f32]) -> Vec<f64> {
    x.iter().map(|&v| f64::from(v)).collect()
}

fn assert_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= tol * w.abs().max(1.0), "{got:?} vs {want:?}");
    }
}

#[test]
fn gradients_at_f32_and_f64_agree_with_central_differences() {
    for z in Z {
        for target in 0..3 {
            let want = autodiff::numeric_gradient(|z| classify(z, target), &z);
            let mut d = [0.0; 3];
            classify_grad(&z, &mut d, target);
            assert_close(&d, &want, 1e-6);

            let mut d32 = [0.0f32; 3];
            let value = classify_grad(&to_f32(&z), &mut d32, target);
            assert!((f64::from(value) - classify(&z, target)).abs() < 1e-5);
            assert_close(&to_f64(&d32), &want, 1e-4);
        }
        let want = autodiff::numeric_gradient(|z| mixed_f64(z, &W), &z);
        let (mut d32, mut dw32) = ([0.0f32; 3], [0.0f32; 3]);
        let value = mixed_grad(&to_f32(&z), &mut d32, &to_f32(&W), &mut dw32);
        assert!((f64::from(value) - mixed_f64(&z, &W)).abs() < 1e-5);
        assert_close(&to_f64(&d32), &want, 1e-4);
        // ∂/∂w is the softmax and the log-softmax themselves.
        let want_w = autodiff::numeric_gradient(|w| mixed_f64(&z, w), &W);
        assert_close(&to_f64(&dw32), &want_w, 1e-4);
    }
}

#[test]
fn forward_mode_at_f32_agrees_with_central_differences() {
    let v = [0.3, -0.7, 1.2];
    for z in Z {
        let want: f64 = autodiff::numeric_gradient(|z| classify(z, 1), &z).iter().zip(&v).map(|(g, v)| g * v).sum();
        let (_, tangent) = classify_jvp(&to_f32(&z), &to_f32(&v), 1);
        assert_close(&[f64::from(tangent)], &[want], 1e-4);

        let want: f64 = autodiff::numeric_gradient(|z| mixed_f64(z, &W), &z).iter().zip(&v).map(|(g, v)| g * v).sum();
        let (_, tangent) = mixed_jvp(&to_f32(&z), &to_f32(&v), &to_f32(&W), &[0.0; 3]);
        assert_close(&[f64::from(tangent)], &[want], 1e-4);
    }
}

#[test]
fn hessian_vector_products_at_f32_and_f64_agree_with_central_differences() {
    let v = [0.3, -0.7, 1.2];
    for z in Z {
        // H·v by central differences of the f64 gradient along v.
        let want = autodiff::numeric_hvp(|z: &[f64], d: &mut [f64]| classify_grad(z, d, 2), &z, &v);
        let mut hv = [0.0; 3];
        classify_hvp(&z, &v, &mut hv, 2);
        assert_close(&hv, &want, 1e-5);

        let mut hv32 = [0.0f32; 3];
        classify_hvp(&to_f32(&z), &to_f32(&v), &mut hv32, 2);
        assert_close(&to_f64(&hv32), &want, 1e-3);
    }
}

#[test]
fn the_generic_functions_match_the_f64_ones_at_f32() {
    let z = [1.0f32, -2.0, 0.5, 3.0];
    let z64 = to_f64(&z);
    assert!((f64::from(mean(&z)) - autodiff::mean(&z64)).abs() < 1e-6);
    assert!((f64::from(log_sum_exp(&z)) - autodiff::log_sum_exp(&z64)).abs() < 1e-6);
    assert!((f64::from(softmax_cross_entropy(&z, 1)) - autodiff::softmax_cross_entropy(&z64, 1)).abs() < 1e-5);
    // Stable where exp overflows f32 (e^100 does).
    assert_eq!(softmax_cross_entropy(&[100.0f32, -100.0], 0), 0.0);
    let mut p = [0.0f32; 2];
    softmax(&[100.0f32, 100.0], &mut p);
    assert_eq!(p, [0.5, 0.5]);
}

/// `log_sum_exp` of a slice literal of `f32` values being differentiated.
#[grad]
fn soft_maximum(a: f32, b: f32) -> f32 {
    log_sum_exp(&[a, b])
}

#[test]
fn a_slice_literal_of_f32_values_is_differentiated() {
    // ∂/∂a ln(eᵃ + eᵇ) = σ(a − b), ∂/∂b = σ(b − a).
    for (a, b) in [(0.5f32, -1.0f32), (3.0, 3.0), (-2.0, 1.5)] {
        let (_, da, db) = soft_maximum_grad(a, b);
        let sigma = 1.0 / (1.0 + (f64::from(b) - f64::from(a)).exp());
        assert_close(&[f64::from(da), f64::from(db)], &[sigma, 1.0 - sigma], 1e-6);
    }
}
