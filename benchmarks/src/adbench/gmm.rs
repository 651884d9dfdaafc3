//! ADBench's Gaussian mixture model objective, written from the math (see
//! `shared/adbench/README.md`, objective 1), and its hand-written adjoint.
//!
//! The helpers are ADBench's: [`qtimesx`] (the triangular matrix-vector
//! product `Q_k (x_i − μ_k)`, written into a buffer), [`log_sum_exp`] and
//! the Wishart prior's [`wishart_log_normalizer`], each a `#[grad]`
//! function that [`gmm_objective`] calls.

use autodiff::grad;
use std::f64::consts::PI;

use super::data::GmmInput;

/// `log Σⱼ exp(vⱼ)`, with the maximum shifted out so no term overflows.
#[grad]
pub fn log_sum_exp(v: &[f64]) -> f64 {
    let mut max = v[0];
    for i in 1..v.len() {
        max = max.max(v[i]);
    }
    let mut sum = 0.0;
    for i in 0..v.len() {
        sum += (v[i] - max).exp();
    }
    max + sum.ln()
}

/// `out = Q·x` for the lower-triangular `Q` with the diagonal `q_diag` and
/// the strictly lower entries `ltri`, stored column by column (ADBench's
/// `Qtimesx`).
///
/// `d` is `out`'s length (ADBench passes it; `x` has the same): the macro
/// then sees that the first loop writes all of `out` before anything reads
/// it, and the caller's passes keep no copy of the buffer they lend
/// (`qtimesx::FILLED_FIRST`).
#[grad]
pub fn qtimesx(q_diag: &[f64], ltri: &[f64], x: &[f64], out: &mut [f64]) {
    let d = out.len();
    for i in 0..d {
        out[i] = q_diag[i] * x[i];
    }
    let mut li = 0;
    for col in 0..d {
        for row in col + 1..d {
            out[row] += ltri[li] * x[col];
            li += 1;
        }
    }
}

/// `ln Γ(k/2)` for a positive integer `k`, exactly as the recurrence
/// `Γ(x + 1) = xΓ(x)` from `Γ(1) = 1` and `Γ(½) = √π` gives it (the only
/// arguments the Wishart normalizer takes when `m` is an integer).
fn ln_gamma_of_half(k: usize) -> f64 {
    assert!(k > 0, "ln Γ(0) is infinite");
    // start from Γ(1) for an even k, from Γ(½) for an odd one
    let (mut value, mut twice) = match k % 2 {
        0 => (0.0, 2),
        _ => (0.5 * PI.ln(), 1),
    };
    while twice < k {
        value += (twice as f64 / 2.0).ln();
        twice += 2;
    }
    value
}

/// The log normalizer `C(d, γ, m)` of the Wishart prior:
/// `N·d·(ln γ − ½ ln 2) − ln Γ_d(N/2)` with `N = d + m + 1`.
///
/// A `#[grad]` function although the benchmarks never differentiate `γ`:
/// the companion through which other `#[grad]` functions call
/// [`gmm_objective`] differentiates every float parameter, `γ` included.
#[grad]
pub fn wishart_log_normalizer(d: usize, gamma: f64, m: usize) -> f64 {
    let big_n = d + m + 1;
    // ln Γ_d(N/2) = ¼ d(d−1) ln π + Σ_{j=1..d} ln Γ((N + 1 − j)/2)
    let mut multigamma = 0.25 * (d * (d - 1)) as f64 * PI.ln();
    for j in 1..=d {
        multigamma += ln_gamma_of_half(big_n + 1 - j);
    }
    (big_n * d) as f64 * (gamma.ln() - 0.5 * 2f64.ln()) - multigamma
}

/// The GMM objective `E(α, μ, q, l)` for `k` components in `d` dimensions
/// and the `n` points `x` (point-major), Wishart prior `(gamma, m)`.
#[grad(wrt(alphas, means, icf))]
#[allow(clippy::too_many_arguments)]
pub fn gmm_objective(
    d: usize,
    k: usize,
    n: usize,
    alphas: &[f64],
    means: &[f64],
    icf: &[f64],
    x: &[f64],
    gamma: f64,
    m: usize,
) -> f64 {
    let icf_size = d * (d + 1) / 2;
    // The diagonal of each Q_k is exp(q_k); log det Q_k = Σ q_k.
    let mut q_diags = vec![0.0; k * d];
    let mut sum_qs = vec![0.0; k];
    for ik in 0..k {
        for id in 0..d {
            let q = icf[ik * icf_size + id];
            sum_qs[ik] += q;
            q_diags[ik * d + id] = q.exp();
        }
    }

    let mut xcentered = vec![0.0; d];
    let mut qxcentered = vec![0.0; d];
    let mut main_term = vec![0.0; k];
    let mut slse = 0.0;
    for ix in 0..n {
        for ik in 0..k {
            for id in 0..d {
                xcentered[id] = x[ix * d + id] - means[ik * d + id];
            }
            let ltri = ik * icf_size + d;
            qtimesx(&q_diags[ik * d..(ik + 1) * d], &icf[ltri..(ik + 1) * icf_size], &xcentered, &mut qxcentered);
            let sqnorm: f64 = qxcentered.iter().map(|v| v * v).sum();
            main_term[ik] = alphas[ik] + sum_qs[ik] - 0.5 * sqnorm;
        }
        slse += log_sum_exp(&main_term);
    }
    let lse_alphas = log_sum_exp(alphas);

    // The Wishart prior (its negative log, as ADBench writes it).
    let mut prior = 0.0;
    for ik in 0..k {
        let mut frobenius = 0.0;
        for id in 0..d {
            frobenius += q_diags[ik * d + id] * q_diags[ik * d + id];
        }
        for i in ik * icf_size + d..(ik + 1) * icf_size {
            frobenius += icf[i] * icf[i];
        }
        prior += 0.5 * gamma * gamma * frobenius - m as f64 * sum_qs[ik];
    }

    let constant = -((n * d) as f64) * 0.5 * (2.0 * PI).ln();
    let normalizer = wishart_log_normalizer(d, gamma, m);
    constant + slse - n as f64 * lse_alphas + prior - k as f64 * normalizer
}

/// [`gmm_objective`] of a parsed input.
pub fn gmm_of(input: &GmmInput) -> f64 {
    let g = input;
    gmm_objective(g.d, g.k, g.n, &g.alphas, &g.means, &g.icf, &g.x, g.gamma, g.m)
}

/// The gradient buffers of a GMM input, in ADBench's order when
/// concatenated: `∂α`, `∂μ`, `∂icf`.
#[derive(Clone, Debug, PartialEq)]
pub struct GmmGradient {
    pub alphas: Vec<f64>,
    pub means: Vec<f64>,
    pub icf: Vec<f64>,
}

impl GmmGradient {
    /// Zeros shaped like `input`'s parameters.
    pub fn zeros(input: &GmmInput) -> Self {
        GmmGradient {
            alphas: vec![0.0; input.alphas.len()],
            means: vec![0.0; input.means.len()],
            icf: vec![0.0; input.icf.len()],
        }
    }

    /// `[∂α] ++ [∂μ] ++ [∂icf]`, ADBench's layout.
    pub fn concat(&self) -> Vec<f64> {
        [&self.alphas[..], &self.means, &self.icf].concat()
    }
}

/// The generated gradient of a parsed input, added into `grad`.
pub fn gmm_generated(input: &GmmInput, grad: &mut GmmGradient) -> f64 {
    let g = input;
    gmm_objective_grad(
        g.d,
        g.k,
        g.n,
        &g.alphas,
        &mut grad.alphas,
        &g.means,
        &mut grad.means,
        &g.icf,
        &mut grad.icf,
        &g.x,
        g.gamma,
        g.m,
    )
}

/// Hand-written gradient of [`gmm_objective`], added into `grad`; returns
/// the objective.
///
/// Per point, the forward pass keeps each component's `xc = x − μ_k` and
/// `qx = Q_k·xc` (K·d values each, reused across points); the reverse pass
/// follows right away: with the posterior weight `w_k = exp(t_k − lse)`,
/// `∂t_k = w_k` goes to `α_k` and to every `q_kj` (through `Σ q`), and
/// `∂qx = −w_k·qx` goes back through `Q_k`: `∂Q = ∂qx·xcᵀ` (lower part),
/// `∂xc = Q_kᵀ·∂qx`, `∂μ_k = −∂xc`. The diagonal's partials are collected
/// per `exp(q)` and multiplied by it once at the end.
pub fn gmm_hand(input: &GmmInput, grad: &mut GmmGradient) -> f64 {
    let GmmInput { d, k, n, ref alphas, ref means, ref icf, ref x, gamma, m } = *input;
    let icf_size = d * (d + 1) / 2;
    let mut q_diags = vec![0.0; k * d];
    let mut sum_qs = vec![0.0; k];
    for ik in 0..k {
        let q = &icf[ik * icf_size..ik * icf_size + d];
        sum_qs[ik] = q.iter().sum();
        for (diag, qj) in q_diags[ik * d..(ik + 1) * d].iter_mut().zip(q) {
            *diag = qj.exp();
        }
    }
    let mut d_q_diags = vec![0.0; k * d];
    let mut xc = vec![0.0; k * d];
    let mut qx = vec![0.0; k * d];
    let mut main_term = vec![0.0; k];
    let mut d_xc = vec![0.0; d];
    let mut slse = 0.0;
    for point in x.chunks_exact(d).take(n) {
        // forward: t_k for every component
        for ik in 0..k {
            let xc = &mut xc[ik * d..(ik + 1) * d];
            let qx = &mut qx[ik * d..(ik + 1) * d];
            let diag = &q_diags[ik * d..(ik + 1) * d];
            let ltri = &icf[ik * icf_size + d..(ik + 1) * icf_size];
            for j in 0..d {
                xc[j] = point[j] - means[ik * d + j];
                qx[j] = diag[j] * xc[j];
            }
            let mut li = 0;
            for col in 0..d {
                for row in col + 1..d {
                    qx[row] += ltri[li] * xc[col];
                    li += 1;
                }
            }
            main_term[ik] = alphas[ik] + sum_qs[ik] - 0.5 * qx.iter().map(|v| v * v).sum::<f64>();
        }
        let lse = log_sum_exp_plain(&main_term);
        slse += lse;
        // reverse
        for ik in 0..k {
            let weight = (main_term[ik] - lse).exp();
            grad.alphas[ik] += weight;
            let base = ik * icf_size;
            for dq in &mut grad.icf[base..base + d] {
                *dq += weight;
            }
            let xc = &xc[ik * d..(ik + 1) * d];
            let qx = &qx[ik * d..(ik + 1) * d];
            let diag = &q_diags[ik * d..(ik + 1) * d];
            let d_diag = &mut d_q_diags[ik * d..(ik + 1) * d];
            // ∂qx = −w·qx; the diagonal part of qx = Q·xc
            for j in 0..d {
                let d_qx = -weight * qx[j];
                d_diag[j] += d_qx * xc[j];
                d_xc[j] = d_qx * diag[j];
            }
            // the strictly lower part
            let (ltri, d_ltri) = (&icf[base + d..base + icf_size], &mut grad.icf[base + d..base + icf_size]);
            let mut li = 0;
            for col in 0..d {
                for row in col + 1..d {
                    let d_qx = -weight * qx[row];
                    d_ltri[li] += d_qx * xc[col];
                    d_xc[col] += d_qx * ltri[li];
                    li += 1;
                }
            }
            for (dm, dx) in grad.means[ik * d..(ik + 1) * d].iter_mut().zip(&d_xc) {
                *dm -= dx;
            }
        }
    }
    // −n·lse(α)
    let lse_alphas = log_sum_exp_plain(alphas);
    for (da, a) in grad.alphas.iter_mut().zip(alphas) {
        *da -= n as f64 * (a - lse_alphas).exp();
    }
    // the prior: ½γ²(Σ exp(q)² + Σ l²) − m Σ q
    let mut prior = 0.0;
    let gamma_sq = gamma * gamma;
    for ik in 0..k {
        let base = ik * icf_size;
        let diag = &q_diags[ik * d..(ik + 1) * d];
        let ltri = &icf[base + d..base + icf_size];
        let frobenius = diag.iter().map(|v| v * v).sum::<f64>() + ltri.iter().map(|v| v * v).sum::<f64>();
        prior += 0.5 * gamma_sq * frobenius - m as f64 * sum_qs[ik];
        for (dl, l) in grad.icf[base + d..base + icf_size].iter_mut().zip(ltri) {
            *dl += gamma_sq * l;
        }
        // ∂q = (∂exp(q) + γ²·exp(q))·exp(q) − m
        for j in 0..d {
            let d_diag = d_q_diags[ik * d + j] + gamma_sq * diag[j];
            grad.icf[base + j] += d_diag * diag[j] - m as f64;
        }
    }
    let constant = -((n * d) as f64) * 0.5 * (2.0 * PI).ln();
    constant + slse - n as f64 * lse_alphas + prior - k as f64 * wishart_log_normalizer(d, gamma, m)
}

/// `log Σ exp(v)`, max-shifted, for the hand-written gradient.
fn log_sum_exp_plain(v: &[f64]) -> f64 {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    max + v.iter().map(|vi| (vi - max).exp()).sum::<f64>().ln()
}

#[cfg(test)]
mod tests {
    use super::super::data::{expected, expected_floats};
    use super::super::test_support::{assert_close, assert_near_numeric};
    use super::*;

    /// The first `n` points of a shipped input: small enough for a test.
    fn truncated(relative: &str, n: usize) -> GmmInput {
        let mut input = GmmInput::load(relative);
        input.n = n;
        input.x.truncate(n * input.d);
        input
    }

    fn generated(input: &GmmInput) -> (f64, Vec<f64>) {
        let mut grad = GmmGradient::zeros(input);
        let value = gmm_generated(input, &mut grad);
        (value, grad.concat())
    }

    fn hand(input: &GmmInput) -> (f64, Vec<f64>) {
        let mut grad = GmmGradient::zeros(input);
        let value = gmm_hand(input, &mut grad);
        (value, grad.concat())
    }

    /// The objective as a function of the concatenated parameters.
    fn objective_at(input: &GmmInput, params: &[f64]) -> f64 {
        let mut probe = input.clone();
        let (k, km) = (input.k, input.k + input.means.len());
        probe.alphas.copy_from_slice(&params[..k]);
        probe.means.copy_from_slice(&params[k..km]);
        probe.icf.copy_from_slice(&params[km..]);
        gmm_of(&probe)
    }

    #[test]
    fn gmm_matches_adbench_reference() {
        let input = GmmInput::load("gmm/test.txt");
        let reference = expected("gmm_test.expected.json");
        let objective = reference["objective"].as_f64().expect("objective");
        let gradient = expected_floats(&reference, "gradient");
        assert_close("gmm objective", &[gmm_of(&input)], &[objective], 1e-8);
        let (value, grad) = generated(&input);
        assert_close("gmm generated value", &[value], &[objective], 1e-8);
        assert_close("gmm generated gradient", &grad, &gradient, 1e-8);
        let (value, grad) = hand(&input);
        assert_close("gmm hand value", &[value], &[objective], 1e-8);
        assert_close("gmm hand gradient", &grad, &gradient, 1e-8);
    }

    #[test]
    fn gmm_gradients_match_numeric() {
        for input in [GmmInput::load("gmm/test.txt"), truncated("gmm/1k/gmm_d2_K5.txt", 20)] {
            let (_, grad) = generated(&input);
            let params = [&input.alphas[..], &input.means, &input.icf].concat();
            let numeric = autodiff::numeric_gradient(|p| objective_at(&input, p), &params);
            assert_near_numeric("gmm", &grad, &numeric);
        }
    }

    #[test]
    fn gmm_hand_matches_generated() {
        for (file, n) in [("gmm/test.txt", 1), ("gmm/1k/gmm_d2_K5.txt", 50), ("gmm/1k/gmm_d10_K25.txt", 10)] {
            let input = truncated(file, n);
            let (value, grad) = generated(&input);
            let (hand_value, hand_grad) = hand(&input);
            assert_close(file, &[value], &[hand_value], 1e-10);
            assert_close(file, &grad, &hand_grad, 1e-10);
            assert_eq!(value, gmm_of(&input), "{file}: the gradient's value is the objective");
        }
    }

    /// `qtimesx` against `Q = [[2, 0, 0], [5, 3, 0], [6, 7, 4]]` written out,
    /// and its reverse sweep against `∂x = Qᵀ·s`, `∂Q = (s·xᵀ)` lower part.
    #[test]
    fn qtimesx_is_the_lower_triangular_product() {
        let (q_diag, ltri, x) = ([2.0, 3.0, 4.0], [5.0, 6.0, 7.0], [1.0, -1.0, 2.0]);
        let mut out = [f64::NAN; 3];
        qtimesx(&q_diag, &ltri, &x, &mut out);
        assert_eq!(out, [2.0, 5.0 - 3.0, 6.0 - 7.0 + 8.0]);
        let (mut d_q_diag, mut d_ltri, mut d_x) = ([0.0; 3], [0.0; 3], [0.0; 3]);
        let mut d_out = [1.0, 2.0, 3.0];
        qtimesx_vjp(&q_diag, &mut d_q_diag, &ltri, &mut d_ltri, &x, &mut d_x, &mut out, &mut d_out);
        assert_eq!(d_q_diag, [1.0, -2.0, 6.0]);
        // l₁₀, l₂₀, l₂₁: s₁x₀, s₂x₀, s₂x₁
        assert_eq!(d_ltri, [2.0, 3.0, -3.0]);
        assert_eq!(d_x, [2.0 + 10.0 + 18.0, 6.0 + 21.0, 12.0]);
        // every element of `out` was overwritten: no adjoint of its old value
        assert_eq!(d_out, [0.0; 3]);
        assert_eq!(qtimesx::FILLED_FIRST, [false, false, false, true]);
    }

    #[test]
    fn wishart_normalizer_uses_exact_half_integer_gammas() {
        // Γ(5/2) = 3√π/4, Γ(3) = 2
        assert!((ln_gamma_of_half(5) - (0.75 * PI.sqrt()).ln()).abs() < 1e-15);
        assert!((ln_gamma_of_half(6) - 2f64.ln()).abs() < 1e-15);
        assert_eq!(ln_gamma_of_half(2), 0.0);
    }
}
