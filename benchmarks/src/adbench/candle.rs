//! The GMM objective in candle, the third peer: written with tensors over
//! all points and components at once, the way a candle user writes it, and
//! differentiated by candle's autograd (`backward`).
//!
//! Behind the `candle` feature (a heavy build): `cargo test -p
//! autodiff-benchmarks --features candle`.

use candle_core::{DType, Device, Result, Tensor, Var};

use super::data::GmmInput;
use super::gmm::wishart_log_normalizer;

/// For each entry `(r, c)` of a `d × d` matrix, row-major, where it comes
/// from in `[exp(q) (d)] ++ [l (d(d−1)/2)] ++ [0]`: the diagonal from
/// `exp(q)`, the strictly lower part from `l` (packed column by column),
/// the upper part from the trailing zero.
fn lower_triangle_indices(d: usize) -> Vec<u32> {
    let zero = d * (d + 1) / 2;
    let mut packed = vec![zero; d * d];
    let mut li = d;
    for c in 0..d {
        packed[c * d + c] = c;
        for r in c + 1..d {
            packed[r * d + c] = li;
            li += 1;
        }
    }
    packed.into_iter().map(|i| i as u32).collect()
}

/// `log Σ exp` over `dim`, shifted by the maximum (held constant: the
/// shift cancels in the derivative).
fn log_sum_exp(t: &Tensor, dim: usize) -> Result<Tensor> {
    let max = t.max_keepdim(dim)?.detach();
    t.broadcast_sub(&max)?.exp()?.sum_keepdim(dim)?.log()?.add(&max)?.squeeze(dim)
}

/// The GMM objective and its gradient in ADBench's layout, by candle.
pub fn gmm_candle(input: &GmmInput) -> Result<(f64, Vec<f64>)> {
    let GmmInput { d, k, n, gamma, m, .. } = *input;
    let icf_size = d * (d + 1) / 2;
    let device = Device::Cpu;
    let alphas = Var::from_slice(&input.alphas, k, &device)?;
    let means = Var::from_slice(&input.means, (k, d), &device)?;
    let icf = Var::from_slice(&input.icf, (k, icf_size), &device)?;
    let x = Tensor::from_slice(&input.x, (n, d), &device)?;

    let q = icf.narrow(1, 0, d)?;
    let l = icf.narrow(1, d, icf_size - d)?;
    let sum_qs = q.sum(1)?; // (k)
    let q_diags = q.exp()?; // (k, d)
                            // Q_k, lower triangular, gathered from [exp(q), l, 0]
    let zeros = Tensor::zeros((k, 1), DType::F64, &device)?;
    let packed = Tensor::cat(&[&q_diags, &l, &zeros], 1)?;
    let indices = Tensor::new(lower_triangle_indices(d), &device)?;
    let big_q = packed.index_select(&indices, 1)?.reshape((k, d, d))?;
    // xc[k][i] = x_i − μ_k, then (Q_k xc)ᵀ = xcᵀ Q_kᵀ
    let xc = x.unsqueeze(0)?.broadcast_sub(&means.unsqueeze(1)?)?; // (k, n, d)
    let qxc = xc.matmul(&big_q.transpose(1, 2)?.contiguous()?)?; // (k, n, d)
    let sqnorm = qxc.sqr()?.sum(2)?; // (k, n)
    let main_term = alphas.add(&sum_qs)?.unsqueeze(1)?.broadcast_sub(&sqnorm.affine(0.5, 0.0)?)?;
    let slse = log_sum_exp(&main_term, 0)?.sum_all()?;
    let lse_alphas = log_sum_exp(alphas.as_tensor(), 0)?;
    let frobenius = q_diags.sqr()?.sum_all()?.add(&l.sqr()?.sum_all()?)?;
    let prior = frobenius.affine(0.5 * gamma * gamma, 0.0)?.sub(&sum_qs.sum_all()?.affine(m as f64, 0.0)?)?;
    let constant =
        -((n * d) as f64) * 0.5 * (2.0 * std::f64::consts::PI).ln() - k as f64 * wishart_log_normalizer(d, gamma, m);
    let objective = slse.sub(&lse_alphas.affine(n as f64, 0.0)?)?.add(&prior)?.affine(1.0, constant)?;

    let grads = objective.backward()?;
    let mut gradient = Vec::with_capacity(input.gradient_len());
    for var in [&alphas, &means, &icf] {
        let grad = grads.get(var).expect("candle: every parameter reaches the objective");
        gradient.extend(grad.flatten_all()?.to_vec1::<f64>()?);
    }
    Ok((objective.to_scalar::<f64>()?, gradient))
}

#[cfg(test)]
mod tests {
    use super::super::gmm::{gmm_generated, GmmGradient};
    use super::super::test_support::assert_close;
    use super::*;

    #[test]
    fn lower_triangle_is_packed_column_by_column() {
        // d = 3: exp(q) at 0..3, l = (l10, l20, l21) at 3..6, zero at 6
        assert_eq!(lower_triangle_indices(3), [0, 6, 6, 3, 1, 6, 4, 5, 2]);
    }

    #[test]
    fn gmm_candle_matches_generated() {
        for (file, n) in [("gmm/test.txt", 1), ("gmm/1k/gmm_d10_K25.txt", 5)] {
            let mut input = GmmInput::load(file);
            input.n = n;
            input.x.truncate(n * input.d);
            let mut grad = GmmGradient::zeros(&input);
            let value = gmm_generated(&input, &mut grad);
            let (candle_value, candle_grad) = gmm_candle(&input).expect("candle");
            assert_close("candle value", &[candle_value], &[value], 1e-12);
            assert_close("candle gradient", &candle_grad, &grad.concat(), 1e-10);
        }
    }
}
