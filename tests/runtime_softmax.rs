//! Softmax, log-softmax, softmax cross-entropy and the reductions through
//! the facade: hand-written derivatives against central differences and
//! closed forms, and stability at extreme logits.

use autodiff::prelude::*;

/// Logit vectors of a few sizes and scales.
fn logit_cases() -> Vec<Vec<f64>> {
    vec![vec![0.0], vec![0.3, -1.2], vec![2.0, 1.0, 0.1], vec![-0.5, 0.25, 1.75, -2.0, 0.0], vec![10.0, 9.5, -3.0, 4.0]]
}

/// `Σᵢ fᵢ(x)·weights[i]` for a slice-to-slice function `f`: its gradient
/// is `Jᵀ·weights`, what a `_vjp` adds into `d_x`.
fn weighted(f: fn(&[f64], &mut [f64]), x: &[f64], weights: &[f64]) -> f64 {
    let mut out = vec![0.0; x.len()];
    f(x, &mut out);
    out.iter().zip(weights).map(|(o, w)| o * w).sum()
}

#[test]
fn cross_entropy_gradient_matches_central_differences() {
    for logits in logit_cases() {
        for target in 0..logits.len() {
            let mut d = vec![0.0; logits.len()];
            let loss = softmax_cross_entropy_grad(&logits, &mut d, target);
            assert_eq!(loss, softmax_cross_entropy(&logits, target));
            check_gradient(|z| softmax_cross_entropy(z, target), &logits, &d).assert_close(1e-6);
        }
    }
}

#[test]
fn cross_entropy_gradient_is_softmax_minus_onehot() {
    let logits = [0.5, -1.0, 2.0];
    let mut p = [0.0; 3];
    softmax(&logits, &mut p);
    let mut d = [0.0; 3];
    softmax_cross_entropy_grad(&logits, &mut d, 1);
    let onehot = [0.0, 1.0, 0.0];
    for i in 0..3 {
        assert!((d[i] - (p[i] - onehot[i])).abs() < 1e-15);
    }
    // The entries of softmax − onehot sum to 1 − 1 = 0.
    assert!(d.iter().sum::<f64>().abs() < 1e-15);
}

#[test]
fn cross_entropy_vjp_scales_by_the_seed_and_accumulates() {
    let logits = [0.2, 0.4, -0.6];
    let mut once = [0.0; 3];
    softmax_cross_entropy_grad(&logits, &mut once, 2);
    let mut scaled = [1.0; 3];
    softmax_cross_entropy_vjp(&logits, &mut scaled, 2, -2.5);
    for i in 0..3 {
        assert!((scaled[i] - (1.0 - 2.5 * once[i])).abs() < 1e-15);
    }
}

#[test]
fn cross_entropy_closed_forms() {
    // Equal logits: −ln(1/n).
    for n in 1..6 {
        assert!((softmax_cross_entropy(&vec![1.5; n], 0) - (n as f64).ln()).abs() < 1e-14);
    }
    // Two classes: CE([0, z], 1) = ln(1 + eᶻ) − z = BCE-with-logits(z, 1),
    // and CE([0, z], 0) = ln(1 + eᶻ) = BCE-with-logits(z, 0).
    for z in [-3.0, -0.5, 0.0, 0.7, 4.0] {
        let ones = binary_cross_entropy_with_logits(z, 1.0);
        let zeros = binary_cross_entropy_with_logits(z, 0.0);
        assert!((softmax_cross_entropy(&[0.0, z], 1) - ones).abs() < 1e-14);
        assert!((softmax_cross_entropy(&[0.0, z], 0) - zeros).abs() < 1e-14);
    }
}

#[test]
fn stable_at_logits_of_a_thousand() {
    let logits = [1000.0, -1000.0, 0.0];
    let mut p = [0.0; 3];
    softmax(&logits, &mut p);
    assert_eq!(p, [1.0, 0.0, 0.0]);

    let mut lp = [0.0; 3];
    log_softmax(&logits, &mut lp);
    assert_eq!(lp, [0.0, -2000.0, -1000.0]);

    assert_eq!(softmax_cross_entropy(&logits, 0), 0.0);
    assert_eq!(softmax_cross_entropy(&logits, 1), 2000.0);
    assert_eq!(softmax_cross_entropy(&logits, 2), 1000.0);

    let mut d = [0.0; 3];
    softmax_cross_entropy_grad(&logits, &mut d, 2);
    assert_eq!(d, [1.0, 0.0, -1.0]);

    // All logits huge and equal: the uniform distribution.
    softmax(&[-1000.0; 3], &mut p);
    assert!(p.iter().all(|&q| (q - 1.0 / 3.0).abs() < 1e-15));
    assert!((softmax_cross_entropy(&[1000.0; 4], 3) - 4f64.ln()).abs() < 1e-12);
}

#[test]
fn softmax_vjp_matches_central_differences() {
    for x in logit_cases() {
        let weights: Vec<f64> = (0..x.len()).map(|i| 1.0 - 0.7 * i as f64).collect();
        let (mut d_x, mut out, mut d_out) = (vec![0.0; x.len()], vec![0.0; x.len()], weights.clone());
        softmax_vjp(&x, &mut d_x, &mut out, &mut d_out);
        check_gradient(|x| weighted(softmax, x, &weights), &x, &d_x).assert_close(1e-6);
        assert!(d_out.iter().all(|&d| d == 0.0), "d_out is zeroed on exit");
        let mut p = vec![0.0; x.len()];
        softmax(&x, &mut p);
        assert_eq!(out, p, "the vjp writes the primal output");
    }
}

#[test]
fn log_softmax_vjp_matches_central_differences() {
    for x in logit_cases() {
        let weights: Vec<f64> = (0..x.len()).map(|i| 0.5 + 0.3 * i as f64).collect();
        let (mut d_x, mut out, mut d_out) = (vec![0.0; x.len()], vec![0.0; x.len()], weights.clone());
        log_softmax_vjp(&x, &mut d_x, &mut out, &mut d_out);
        check_gradient(|x| weighted(log_softmax, x, &weights), &x, &d_x).assert_close(1e-6);
        assert!(d_out.iter().all(|&d| d == 0.0));
    }
}

#[test]
fn softmax_jacobian_rows_sum_to_zero() {
    // Σᵢ softmax(x)ᵢ = 1 for every x, so an all-ones adjoint gives d_x = 0.
    let x = [0.1, 2.0, -1.0, 0.5];
    let (mut d_x, mut out, mut d_out) = ([0.0; 4], [0.0; 4], [1.0; 4]);
    softmax_vjp(&x, &mut d_x, &mut out, &mut d_out);
    assert!(d_x.iter().all(|d| d.abs() < 1e-15), "{d_x:?}");
}

#[test]
fn log_sum_exp_gradient_is_softmax() {
    for x in logit_cases() {
        let mut d = vec![0.0; x.len()];
        let value = log_sum_exp_grad(&x, &mut d);
        assert_eq!(value, log_sum_exp(&x));
        let mut p = vec![0.0; x.len()];
        softmax(&x, &mut p);
        for (d, p) in d.iter().zip(&p) {
            assert!((d - p).abs() < 1e-15);
        }
        check_gradient(log_sum_exp, &x, &d).assert_close(1e-6);
    }
}

#[test]
fn mean_and_its_derivatives() {
    let x = [2.0, -1.0, 4.0, 3.0];
    assert_eq!(mean(&x), 2.0);
    let mut d = [0.0; 4];
    assert_eq!(mean_grad(&x, &mut d), 2.0);
    assert_eq!(d, [0.25; 4]);
    check_gradient(mean, &x, &d).assert_close(1e-6);

    let mut d = [1.0; 4];
    mean_vjp(&x, &mut d, 4.0);
    assert_eq!(d, [2.0; 4]);
}

#[test]
fn mean_cross_entropy_of_a_batch() {
    // The mean loss over a batch, and its gradient, by seeding each sample's
    // vjp with 1/n into one shared gradient: equal to the numeric gradient
    // of the mean with respect to all logits at once.
    let batch = [vec![1.0, 0.0, -1.0], vec![0.2, 0.3, 0.1], vec![-2.0, 2.0, 0.5]];
    let targets = [0, 2, 1];
    let n = batch.len() as f64;
    let flat: Vec<f64> = batch.concat();
    let mut d = vec![0.0; flat.len()];
    let mut loss = 0.0;
    for (k, (chunk, &t)) in flat.chunks(3).zip(&targets).enumerate() {
        loss += softmax_cross_entropy_vjp(chunk, &mut d[3 * k..3 * k + 3], t, 1.0 / n);
    }
    loss /= n;
    let mean_loss = |z: &[f64]| {
        let losses: Vec<f64> = z.chunks(3).zip(&targets).map(|(c, &t)| softmax_cross_entropy(c, t)).collect();
        mean(&losses)
    };
    assert!((loss - mean_loss(&flat)).abs() < 1e-15);
    check_gradient(mean_loss, &flat, &d).assert_close(1e-6);
}

/// Twice the cross-entropy, through `#[grad]`: the call is differentiated
/// by the hand-written `softmax_cross_entropy_vjp`.
#[grad]
fn doubled_cross_entropy(z: &[f64], target: usize) -> f64 {
    2.0 * softmax_cross_entropy(z, target)
}

/// Two reductions called by path and by name inside `#[grad]`.
#[grad]
fn mean_plus_log_sum_exp(z: &[f64]) -> f64 {
    autodiff::mean(z) + log_sum_exp(z)
}

#[test]
fn hand_written_derivatives_compose_inside_grad() {
    for z in logit_cases() {
        for target in 0..z.len() {
            let mut d = vec![0.0; z.len()];
            let value = doubled_cross_entropy_grad(&z, &mut d, target);
            assert_eq!(value, doubled_cross_entropy(&z, target));
            check_gradient(|z| doubled_cross_entropy(z, target), &z, &d).assert_close(1e-6);
        }
        let mut d = vec![0.0; z.len()];
        let value = mean_plus_log_sum_exp_grad(&z, &mut d);
        assert_eq!(value, mean_plus_log_sum_exp(&z));
        check_gradient(mean_plus_log_sum_exp, &z, &d).assert_close(1e-6);
    }
}
