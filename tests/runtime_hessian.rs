//! Second order through the runtime: each activation's and loss's
//! `NAME_hvp` against its closed-form second derivatives (at large, tiny
//! and infinite inputs too) and against central differences of its
//! `NAME_grad`; the hand-written `mean_hvp`, `log_sum_exp_hvp` and
//! `softmax_cross_entropy_hvp` likewise (large and infinite logits too);
//! and `#[grad(hessian)]` functions that call them, a small network among
//! them, against central differences of their `NAME_grad`.

// Indexed loops are the form under test.
#![allow(clippy::needless_range_loop)]

use autodiff::*;

/// Relative closeness, for values that can be as small as 1e-300.
fn close(got: f64, want: f64, tol: f64) -> bool {
    got == want || (got - want).abs() <= tol * want.abs().max(got.abs())
}

fn sigma(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        x.exp() / (1.0 + x.exp())
    }
}

/// `σ'(x) = σ(x)·σ(−x)`, without the cancellation of `σ(1 − σ)`.
fn sigma_prime(x: f64) -> f64 {
    sigma(x) * sigma(-x)
}

/// Inputs spanning both signs, the kinks at 0, saturation and beyond.
const XS: [f64; 13] = [-1000.0, -40.0, -5.0, -1.0, -1e-3, 0.0, 1e-3, 0.5, 3.0, 40.0, 1000.0, 1e300, -1e300];

/// Each `H·v` of a function of one scalar, against `f''(x)·v`.
fn assert_scalar(
    name: &str,
    hvp: impl Fn(f64, f64) -> (f64, f64),
    f: impl Fn(f64) -> f64,
    second: impl Fn(f64) -> f64,
) {
    for x in XS.into_iter().chain([f64::INFINITY, f64::NEG_INFINITY]) {
        for v in [1.0, -2.5] {
            let (value, hv) = hvp(x, v);
            assert_eq!(value.to_bits(), f(x).to_bits(), "{name}({x})");
            let want = second(x) * v;
            assert!(close(hv, want, 1e-12), "{name}'' at {x} along {v}: {hv}, want {want}");
        }
    }
}

#[test]
fn activations_have_their_closed_form_second_derivatives() {
    // σ'' = σ'(1 − 2σ), written σ'·(σ(−x) − σ(x)) so that it keeps its digits at large |x|.
    assert_scalar("sigmoid", sigmoid_hvp, sigmoid, |x| sigma_prime(x) * (sigma(-x) - sigma(x)));
    assert_scalar("tanh", tanh_hvp, tanh, |x| {
        let t = x.tanh();
        -2.0 * t * (1.0 - t * t)
    });
    assert_scalar("relu", relu_hvp, relu, |_| 0.0);
    assert_scalar("softplus", softplus_hvp, softplus, sigma_prime);
}

/// `H·v` of a function of two scalars, against the Hessian `h`.
fn assert_pair(name: &str, (x, y): (f64, f64), v: [f64; 2], got: (f64, f64, f64), value: f64, h: [[f64; 2]; 2]) {
    assert_eq!(got.0.to_bits(), value.to_bits(), "{name}({x}, {y})");
    let want = [h[0][0] * v[0] + h[0][1] * v[1], h[1][0] * v[0] + h[1][1] * v[1]];
    assert!(
        close(got.1, want[0], 1e-12) && close(got.2, want[1], 1e-12),
        "{name} at ({x}, {y}) along {v:?}: ({}, {}), want {want:?}",
        got.1,
        got.2
    );
}

const DIRECTIONS: [[f64; 2]; 3] = [[1.0, 0.0], [0.0, 1.0], [0.7, -1.3]];

#[test]
fn leaky_relu_has_only_the_mixed_second_derivative() {
    for x in XS.into_iter().chain([f64::INFINITY]) {
        for alpha in [0.0, 0.1, 0.5] {
            // ∂/∂x is 1 or α, ∂/∂α is 0 or x: only ∂²/∂x∂α, 0 or 1.
            let mixed = if x > 0.0 { 0.0 } else { 1.0 };
            for v in DIRECTIONS {
                let got = leaky_relu_hvp(x, v[0], alpha, v[1]);
                let h = [[0.0, mixed], [mixed, 0.0]];
                assert_pair("leaky_relu", (x, alpha), v, got, leaky_relu(x, alpha), h);
            }
        }
    }
    // leaky_relu(−∞, 0) = 0 is a constant branch: no curvature.
    assert_eq!(leaky_relu_hvp(f64::NEG_INFINITY, 1.0, 0.0, 1.0), (0.0, 0.0, 0.0));
}

#[test]
fn losses_have_their_closed_form_hessians() {
    for (p, t) in [(3.0, 1.0), (-2.0, 0.5), (1e3, -1e3), (1e150, 0.0)] {
        for v in DIRECTIONS {
            let h = [[2.0, -2.0], [-2.0, 2.0]];
            assert_pair("squared_error", (p, t), v, squared_error_hvp(p, v[0], t, v[1]), squared_error(p, t), h);
        }
    }
    // −(t ln p + (1 − t) ln(1 − p)), inside the domain, near its ends too.
    for (p, t) in [(0.5, 1.0), (0.9, 1.0), (0.1, 0.0), (0.3, 0.6), (1e-9, 1.0), (1.0 - 1e-9, 0.0), (1e-150, 0.5)] {
        let q = 1.0 - p;
        let h = [[t / (p * p) + (1.0 - t) / (q * q), -1.0 / p - 1.0 / q], [-1.0 / p - 1.0 / q, 0.0]];
        for v in DIRECTIONS {
            let got = binary_cross_entropy_hvp(p, v[0], t, v[1]);
            assert_pair("binary_cross_entropy", (p, t), v, got, binary_cross_entropy(p, t), h);
        }
    }
    // A certain, right answer keeps one term: −ln(1 − p) at p = t = 0, −ln p at p = t = 1.
    for (p, t) in [(0.0, 0.0), (1.0, 1.0)] {
        for v in DIRECTIONS {
            let got = binary_cross_entropy_hvp(p, v[0], t, v[1]);
            assert_pair("binary_cross_entropy", (p, t), v, got, 0.0, [[1.0, -1.0], [-1.0, 0.0]]);
        }
    }
    // softplus(z) − z·t: σ'(z) and −1, finite for every finite logit.
    for (z, t) in [(0.7, 1.0), (-3.0, 0.0), (40.0, 0.2), (-1000.0, 1.0), (1000.0, 0.0), (1e300, 0.5)] {
        let h = [[sigma_prime(z), -1.0], [-1.0, 0.0]];
        for v in DIRECTIONS {
            let got = binary_cross_entropy_with_logits_hvp(z, v[0], t, v[1]);
            assert_pair("binary_cross_entropy_with_logits", (z, t), v, got, binary_cross_entropy_with_logits(z, t), h);
        }
    }
    // An infinite logit that agrees with its target: the constant branch.
    for (z, t) in [(f64::INFINITY, 1.0), (f64::NEG_INFINITY, 0.0)] {
        let got = binary_cross_entropy_with_logits_hvp(z, 1.0, t, 1.0);
        assert_eq!(got, (0.0, 0.0, 0.0), "at ({z}, {t})");
    }
}

/// `check_hvp` of a function of two scalars, from its `NAME_grad`.
fn check_pair(
    grad: impl Fn(f64, f64) -> (f64, f64, f64),
    hvp: impl Fn(f64, f64, f64, f64) -> (f64, f64, f64),
    at: [f64; 2],
) {
    for v in DIRECTIONS {
        let (_, hx, hy) = hvp(at[0], v[0], at[1], v[1]);
        let gradient = |w: &[f64], g: &mut [f64]| {
            let (value, dx, dy) = grad(w[0], w[1]);
            g[0] += dx;
            g[1] += dy;
            value
        };
        check_hvp(gradient, &at, &v, &[hx, hy]).assert_close(1e-6);
    }
}

#[test]
fn activations_and_losses_agree_with_central_differences_of_their_gradients() {
    for x in [-40.0, -6.0, -1.3, -0.2, 0.4, 2.0, 7.5, 40.0] {
        for (grad, hvp) in [
            (sigmoid_grad as fn(f64) -> (f64, f64), sigmoid_hvp as fn(f64, f64) -> (f64, f64)),
            (tanh_grad, tanh_hvp),
            (relu_grad, relu_hvp),
            (softplus_grad, softplus_hvp),
        ] {
            for v in [1.0, -0.5] {
                let (_, hv) = hvp(x, v);
                let gradient = |w: &[f64], g: &mut [f64]| {
                    let (value, d) = grad(w[0]);
                    g[0] += d;
                    value
                };
                check_hvp(gradient, &[x], &[v], &[hv]).assert_close(1e-6);
            }
        }
        check_pair(leaky_relu_grad, leaky_relu_hvp, [x, 0.1]);
        check_pair(squared_error_grad, squared_error_hvp, [x, 0.3]);
        check_pair(binary_cross_entropy_with_logits_grad, binary_cross_entropy_with_logits_hvp, [x, 0.8]);
    }
    for p in [0.01, 0.05, 0.5, 0.93] {
        check_pair(binary_cross_entropy_grad, binary_cross_entropy_hvp, [p, 0.25]);
    }
}

/// `softmax(x)`, stably, for the closed forms.
fn softmax_of(x: &[f64]) -> Vec<f64> {
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = x.iter().map(|v| (v - max).exp()).collect();
    let sum: f64 = e.iter().sum();
    e.iter().map(|e| e / sum).collect()
}

/// `(diag(s) − s·sᵀ)·v`, the Hessian of `log_sum_exp` along `v`.
fn softmax_curvature(x: &[f64], v: &[f64]) -> Vec<f64> {
    let s = softmax_of(x);
    let along: f64 = s.iter().zip(v).map(|(s, v)| s * v).sum();
    s.iter().zip(v).map(|(s, v)| s * (v - along)).collect()
}

/// Ordinary, large, huge (rounding swallows `ln Σ`), and with an impossible class.
const LOGITS: [[f64; 4]; 5] = [
    [0.5, -1.0, 2.0, 0.1],
    [800.0, 801.5, 799.0, -3.0],
    [-750.0, -751.0, -749.5, -760.0],
    [1e16, 1e16, -1e16, 0.0],
    [1.0, f64::NEG_INFINITY, 0.5, -2.0],
];
const LOGIT_DIRECTIONS: [[f64; 4]; 3] = [[1.0, 0.0, 0.0, 0.0], [0.3, -0.7, 1.2, 0.05], [1.0, 1.0, 1.0, 1.0]];

#[test]
fn hand_differentiated_reductions_have_their_closed_form_hessians() {
    for x in LOGITS {
        for v in LOGIT_DIRECTIONS {
            let want = softmax_curvature(&x, &v);
            let mut hv = [0.5; 4];
            assert_eq!(log_sum_exp_hvp(&x, &v, &mut hv).to_bits(), log_sum_exp(&x).to_bits());
            for target in 0..4 {
                let mut hv_target = [0.5; 4];
                let loss = softmax_cross_entropy_hvp(&x, &v, &mut hv_target, target);
                assert_eq!(loss.to_bits(), softmax_cross_entropy(&x, target).to_bits());
                assert_eq!(hv_target, hv, "the same Hessian as log_sum_exp's, at {x:?}");
            }
            for i in 0..4 {
                assert!((hv[i] - 0.5 - want[i]).abs() <= 1e-15, "at {x:?} along {v:?}: {hv:?} − 0.5 vs {want:?}");
            }
            let mut hv_mean = [0.5; 4];
            assert_eq!(mean_hvp(&x, &v, &mut hv_mean).to_bits(), mean(&x).to_bits());
            assert_eq!(hv_mean, [0.5; 4]);
        }
    }
    // An infinite logit takes all the mass: nothing curves.
    let mut hv = [0.0; 3];
    log_sum_exp_hvp(&[f64::INFINITY, 0.0, 1.0], &[1.0, -2.0, 3.0], &mut hv);
    assert_eq!(hv, [0.0; 3]);
}

#[test]
fn hand_differentiated_reductions_agree_with_central_differences_of_their_gradients() {
    for x in &LOGITS[..3] {
        for v in LOGIT_DIRECTIONS {
            let mut hv = [0.0; 4];
            log_sum_exp_hvp(x, &v, &mut hv);
            check_hvp(log_sum_exp_grad, x, &v, &hv).assert_close(1e-6);
            for target in [0, 3] {
                let mut hv = [0.0; 4];
                softmax_cross_entropy_hvp(x, &v, &mut hv, target);
                check_hvp(|x, g| softmax_cross_entropy_grad(x, g, target), x, &v, &hv).assert_close(1e-6);
            }
            let mut hv = [0.0; 4];
            mean_hvp(x, &v, &mut hv);
            check_hvp(mean_grad, x, &v, &hv).assert_close(1e-6);
        }
    }
}

#[test]
#[should_panic(expected = "log_sum_exp_hvp: x.len() = 2 but v_x.len() = 1")]
fn a_direction_of_the_wrong_length_is_refused() {
    log_sum_exp_hvp(&[1.0, 2.0], &[1.0], &mut [0.0; 2]);
}

/// The reductions of a value computed from `x`, so that the tangent they
/// are given depends on `x` too (its adjoint matters to `H·v`), times each
/// other.
#[grad(reverse, hessian)]
fn reductions(x: &[f64]) -> f64 {
    let mut squares = [0.0; 4];
    for i in 0..4 {
        squares[i] = x[i] * x[i] * 0.5;
    }
    log_sum_exp(&squares) * mean(x) + softmax_cross_entropy(&squares, 1) - log_sum_exp(x) * mean(&squares)
}

/// `check_hvp` of `f_hvp` against `f_grad`, at `x` along `v`.
fn check_slice(
    grad: impl Fn(&[f64], &mut [f64]) -> f64,
    hvp: impl Fn(&[f64], &[f64], &mut [f64]) -> f64,
    x: &[f64],
    v: &[f64],
    tol: f64,
) {
    let mut hv = vec![0.0; x.len()];
    let value = hvp(x, v, &mut hv);
    let mut g = vec![0.0; x.len()];
    assert_eq!(value.to_bits(), grad(x, &mut g).to_bits());
    let report = check_hvp(grad, x, v, &hv);
    assert!(report.passes(tol), "at {x:?} along {v:?}: {report:#}");
}

#[test]
fn hessian_functions_call_the_hand_differentiated_reductions() {
    for x in [[0.5, -1.0, 2.0, 0.1], [1.5, 1.4, -1.6, 0.0], [6.0, -5.5, 0.2, 3.0]] {
        for v in LOGIT_DIRECTIONS {
            check_slice(reductions_grad, reductions_hvp, &x, &v, 1e-6);
        }
    }
}

/// Calls of every activation and loss: tanh, sigmoid, softplus and leaky
/// ReLU hidden units (the leak learned), logits into a softmax
/// cross-entropy, and the other losses on the side.
#[grad(reverse, hessian, wrt(w))]
fn network(w: &[f64], x0: f64, x1: f64, target: usize) -> f64 {
    let mut hidden = [0.0; 4];
    for j in 0..4 {
        hidden[j] = w[2 * j] * x0 + w[2 * j + 1] * x1 + w[8 + j];
    }
    let units = [tanh(hidden[0]), sigmoid(hidden[1]), softplus(hidden[2]), leaky_relu(hidden[3], w[12])];
    let mut logits = [0.0; 3];
    for k in 0..3 {
        let mut z = w[13 + k];
        for j in 0..4 {
            z += w[16 + 4 * k + j] * units[j];
        }
        logits[k] = z;
    }
    softmax_cross_entropy(&logits, target)
        + 0.1 * squared_error(units[1], 0.25)
        + 0.2 * binary_cross_entropy(sigmoid(logits[0]), 0.75)
        + 0.3 * binary_cross_entropy_with_logits(logits[1], 1.0)
        + 0.05 * relu(logits[2] - 0.1) * mean(&logits)
        + 0.01 * log_sum_exp(&hidden)
}

/// `n` numbers in `[−1, 1)`, fixed by `seed` (a linear congruential generator).
fn numbers(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        })
        .collect()
}

#[test]
fn a_network_of_runtime_activations_and_losses_has_its_hessian() {
    const WEIGHTS: usize = 28;
    for round in 0..4 {
        let w = numbers(WEIGHTS, round);
        let (x0, x1, target) = (0.8 - 0.4 * round as f64, -0.3 + 0.5 * round as f64, round as usize % 3);
        let grad = |w: &[f64], g: &mut [f64]| network_grad(w, g, x0, x1, target);
        let hvp = |w: &[f64], v: &[f64], hv: &mut [f64]| network_hvp(w, v, hv, x0, x1, target);
        for direction in 0..3 {
            check_slice(grad, hvp, &w, &numbers(WEIGHTS, 100 + direction), 1e-5);
        }
        // The product with a basis vector is a column of the Hessian.
        let mut e = vec![0.0; WEIGHTS];
        e[12] = 1.0;
        check_slice(grad, hvp, &w, &e, 1e-5);
    }
}

/// Forward mode calls the same functions through their companions' `jvp`
/// (the hand-written `NAME_jvp` for the reductions). `network` leaves its
/// inputs out of `wrt`, a constant for its callers too: so does this one.
#[grad(forward, reverse, wrt(w))]
fn forward_network(w: &[f64], x0: f64, x1: f64, target: usize) -> f64 {
    network(w, x0, x1, target) + reductions(w)
}

#[test]
fn forward_mode_calls_them_too() {
    let w = numbers(28, 7);
    let v = numbers(28, 8);
    let (value, tangent) = forward_network_jvp(&w, &v, 0.3, -0.2, 2);
    let mut g = vec![0.0; 28];
    let same = forward_network_grad(&w, &mut g, 0.3, -0.2, 2);
    assert_eq!(value.to_bits(), same.to_bits());
    let want: f64 = g.iter().zip(&v).map(|(g, v)| g * v).sum();
    assert!(close(tangent, want, 1e-12), "{tangent} vs {want}");
}
