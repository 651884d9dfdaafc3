//! Forward mode beyond the corpora: the signatures `NAME_jvp` takes for
//! each kind of parameter, `&mut` outputs, custom derivatives, and calls to
//! functions that are differentiated in reverse mode only or by hand. Each
//! result is checked against the closed form of the derivative.

// Indexed loops are the form under test.
#![allow(clippy::needless_range_loop)]

use autodiff::{grad, log_sum_exp, mean, sigmoid, softmax_cross_entropy};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

/// `f(x, w) = x·Σ wᵢ²`: a scalar and a slice.
#[grad(forward)]
fn weighted(x: f64, w: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        s += w[i] * w[i];
    }
    x * s
}

#[test]
fn a_scalar_tangent_follows_its_scalar_and_a_slice_tangent_its_slice() {
    let (x, w) = (1.5, [0.5, -2.0, 1.0]);
    let (dx, dw) = (0.25, [1.0, 0.5, -3.0]);
    let (value, tangent) = weighted_jvp(x, dx, &w, &dw);
    let s: f64 = w.iter().map(|v| v * v).sum();
    let ds: f64 = w.iter().zip(&dw).map(|(v, d)| 2.0 * v * d).sum();
    assert!(close(value, x * s));
    assert!(close(tangent, dx * s + x * ds));
}

/// `yᵢ = xᵢ² · k` into an output, returning `Σ xᵢ`.
#[grad(forward, reverse)]
fn squares_into(x: &[f64; 3], k: f64, y: &mut [f64; 3]) -> f64 {
    let mut s = 0.0;
    for i in 0..3 {
        y[i] = x[i] * x[i] * k;
        s += x[i];
    }
    s
}

#[test]
fn an_output_receives_its_tangent_in_its_shadow() {
    let (x, k) = ([1.0, -2.0, 0.5], 3.0);
    let (dx, dk) = ([0.5, 1.0, -1.0], 0.25);
    let mut y = [0.0; 3];
    let mut d_y = [0.0; 3];
    let (value, tangent) = squares_into_jvp(&x, &dx, k, dk, &mut y, &mut d_y);
    assert!(close(value, x.iter().sum()));
    assert!(close(tangent, dx.iter().sum()));
    for i in 0..3 {
        assert!(close(y[i], x[i] * x[i] * k));
        assert!(close(d_y[i], 2.0 * x[i] * dx[i] * k + x[i] * x[i] * dk), "{d_y:?}");
    }
}

/// A reverse-only callee: forward mode goes through its companion's `jvp`.
#[grad]
fn cube(x: f64) -> f64 {
    x * x * x
}

/// Calls of a `#[grad]` function, of an activation and of hand-written
/// derivatives (`mean`, `log_sum_exp`, `softmax_cross_entropy`).
#[grad(forward)]
fn calls(x: f64, z: &[f64; 3]) -> f64 {
    cube(x) + sigmoid(x) * mean(z) + log_sum_exp(z) + softmax_cross_entropy(z, 1)
}

#[test]
fn calls_go_through_the_callee_jvp() {
    let (x, z) = (0.7, [0.2, -1.0, 0.5]);
    let (dx, dz) = (-0.5, [1.0, 0.25, -0.75]);
    let (value, tangent) = calls_jvp(x, dx, &z, &dz);
    let s = 1.0 / (1.0 + (-x).exp());
    let m = z.iter().sum::<f64>() / 3.0;
    let exps: Vec<f64> = z.iter().map(|v| v.exp()).collect();
    let total: f64 = exps.iter().sum();
    let lse = total.ln();
    assert!(close(value, x * x * x + s * m + lse + (lse - z[1])));
    let dm = dz.iter().sum::<f64>() / 3.0;
    let dlse: f64 = exps.iter().zip(&dz).map(|(e, d)| e / total * d).sum();
    let expected = 3.0 * x * x * dx + s * (1.0 - s) * dx * m + s * dm + dlse + (dlse - dz[1]);
    assert!(close(tangent, expected), "{tangent} vs {expected}");
}

/// `f(x) = x²` with hand-written derivatives in both modes.
#[grad(forward, reverse, vjp = square_vjp, jvp = square_jvp_by_hand)]
fn square(x: f64) -> f64 {
    x * x
}

fn square_vjp(x: f64, seed: f64) -> (f64, f64) {
    (x * x, 2.0 * x * seed)
}

/// Deliberately `3x` instead of `2x`, so the test can tell it is used.
fn square_jvp_by_hand(x: f64, dx: f64) -> (f64, f64) {
    (x * x, 3.0 * x * dx)
}

/// A custom `vjp` alone: forward mode from one `vjp`.
#[grad(forward, vjp = norm_vjp)]
fn norm(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
}

fn norm_vjp(x: &[f64], d_x: &mut [f64], seed: f64) -> f64 {
    let value = norm(x);
    for (d, v) in d_x.iter_mut().zip(x) {
        *d += seed * v / value;
    }
    value
}

/// Calls of both: the callers' forward mode uses the custom derivatives.
#[grad(forward)]
fn custom_calls(x: f64, y: &[f64]) -> f64 {
    square(x) + norm(y)
}

#[test]
fn custom_derivatives_serve_forward_mode() {
    assert_eq!(square_jvp(2.0, 0.5), (4.0, 3.0));
    assert_eq!(square_grad(2.0), (4.0, 4.0));
    let y = [3.0, 4.0];
    let (value, tangent) = norm_jvp(&y, &[1.0, -1.0]);
    assert!(close(value, 5.0) && close(tangent, (3.0 - 4.0) / 5.0));
    let (value, tangent) = custom_calls_jvp(2.0, 0.5, &y, &[1.0, -1.0]);
    assert!(close(value, 9.0));
    assert!(close(tangent, 3.0 * 2.0 * 0.5 + (3.0 - 4.0) / 5.0), "{tangent}");
}

/// `wrt(x)`: only `x` has a tangent.
#[grad(forward, wrt(x))]
fn restricted(x: f64, w: &[f64], k: f64) -> f64 {
    x * w[0] * k
}

#[test]
fn wrt_leaves_constants_without_tangents() {
    let (value, tangent) = restricted_jvp(2.0, 1.0, &[3.0], 0.5);
    assert!(close(value, 3.0) && close(tangent, 1.5));
}

/// `wrt(x)`, and the body sets the constant `k` from `x`: `k`'s tangent
/// starts at zero and follows. `f = (k·x)·x`, `∂x = 2kx`.
#[grad(forward, reverse, wrt(x))]
fn reassigned_constant(x: f64, mut k: f64) -> f64 {
    k *= x;
    k * x
}

#[test]
fn a_constant_set_from_a_differentiated_value_has_a_tangent() {
    let (value, tangent) = reassigned_constant_jvp(1.5, 2.0, 3.0);
    assert!(close(value, 3.0 * 1.5 * 1.5));
    assert!(close(tangent, 2.0 * 3.0 * 1.5 * 2.0));
    let (_, dx) = reassigned_constant_grad(1.5, 3.0);
    assert!(close(dx, 2.0 * 3.0 * 1.5));
}
