//! Hessian-vector products by hand, for the second-order benchmarks:
//! Rosenbrock at `n = 10³` ([`HVP_N`]) and the lesson's network. Each
//! `NAME_hvp_hand` has the signature the contract gives the generated
//! `NAME_hvp` (each differentiated reference followed by its direction
//! `v_NAME` and the output `hv_NAME`, into which `H·v` is added) and
//! returns the value, as `NAME_hvp` does.
//!
//! The tests at the bottom check each against central differences of the
//! hand-written gradient next to its function (with the runtime's
//! `check_hvp`) and check the symmetry `⟨u, H·v⟩ = ⟨v, H·u⟩`.

use autodiff::sigmoid;

use crate::loops::SeedNet;

/// The length of the vector of the Rosenbrock Hessian-vector benchmark.
pub const HVP_N: usize = 1_000;

/// `H·v_x` of [`rosenbrock`](crate::loops::rosenbrock) added into `hv_x`,
/// in one pass with the value: term `i` contributes the block
/// `[[1200xᵢ² − 400xᵢ₊₁ + 2, −400xᵢ], [−400xᵢ, 200]]` on coordinates
/// `i, i + 1`. Returns the value.
pub fn rosenbrock_hvp_hand(x: &[f64], v_x: &[f64], hv_x: &mut [f64]) -> f64 {
    assert!(v_x.len() == x.len() && hv_x.len() == x.len(), "rosenbrock_hvp_hand: v_x and hv_x lengths");
    let mut s = 0.0;
    for i in 0..x.len().saturating_sub(1) {
        let (u, w) = (x[i], x[i + 1]);
        let (vu, vw) = (v_x[i], v_x[i + 1]);
        let a = w - u * u;
        let b = 1.0 - u;
        s += 100.0 * a * a + b * b;
        let cross = -400.0 * u;
        hv_x[i] += (1200.0 * u * u - 400.0 * w + 2.0) * vu + cross * vw;
        hv_x[i + 1] += cross * vu + 200.0 * vw;
    }
    s
}

/// `H·v_net` of [`seed_net`](crate::loops::seed_net) added into `hv_net`:
/// forward over reverse by hand. The forward pass carries each activation's
/// tangent along `v_net`; the reverse pass is
/// [`seed_net_hand`](crate::loops::seed_net_hand)'s backpropagation with
/// every adjoint's tangent beside it (`d(f') = (1 − 2f)·df` for the
/// sigmoid's `f' = f(1 − f)`), and the weights' gradients' tangents are
/// what goes into `hv_net`. Returns the loss.
pub fn seed_net_hvp_hand(net: &SeedNet, v_net: &SeedNet, hv_net: &mut SeedNet, x: &[f64; 2], y: f64) -> f64 {
    let (w1, w2, w3) = (&net.w1, &net.w2, &net.w3);
    let (v1, v2, v3) = (&v_net.w1, &v_net.w2, &v_net.w3);
    // forward, with tangents
    let mut fa = [0.0; 2];
    let mut dfa = [0.0; 2];
    for j in 0..2 {
        fa[j] = sigmoid(x[0] * w1[0][j] + x[1] * w1[1][j]);
        dfa[j] = fa[j] * (1.0 - fa[j]) * (x[0] * v1[0][j] + x[1] * v1[1][j]);
    }
    let mut fb = [0.0; 2];
    let mut dfb = [0.0; 2];
    for j in 0..2 {
        fb[j] = sigmoid(fa[0] * w2[0][j] + fa[1] * w2[1][j]);
        let db = dfa[0] * w2[0][j] + fa[0] * v2[0][j] + dfa[1] * w2[1][j] + fa[1] * v2[1][j];
        dfb[j] = fb[j] * (1.0 - fb[j]) * db;
    }
    let out = fb[0] * w3[0][0] + fb[1] * w3[1][0];
    let d_out_tangent = dfb[0] * w3[0][0] + fb[0] * v3[0][0] + dfb[1] * w3[1][0] + fb[1] * v3[1][0];
    let e = out - y;
    // reverse, with the tangent of every adjoint
    let g_out = 2.0 * e;
    let dg_out = 2.0 * d_out_tangent;
    let mut g_b = [0.0; 2];
    let mut dg_b = [0.0; 2];
    for i in 0..2 {
        // ∇W3[i] = f(bᵢ)·g_out
        hv_net.w3[i][0] += dfb[i] * g_out + fb[i] * dg_out;
        // g_bᵢ = f'(bᵢ)·W3[i]·g_out
        let slope = fb[i] * (1.0 - fb[i]);
        let d_slope = (1.0 - 2.0 * fb[i]) * dfb[i];
        g_b[i] = slope * w3[i][0] * g_out;
        dg_b[i] = d_slope * w3[i][0] * g_out + slope * (v3[i][0] * g_out + w3[i][0] * dg_out);
    }
    // (g_a itself, the gradient's part for W1, is not needed: only its tangent.)
    let mut dg_a = [0.0; 2];
    for i in 0..2 {
        // ∇W2[i][j] = f(aᵢ)·g_bⱼ
        for j in 0..2 {
            hv_net.w2[i][j] += dfa[i] * g_b[j] + fa[i] * dg_b[j];
        }
        // g_aᵢ = f'(aᵢ)·Σⱼ W2[i][j]·g_bⱼ
        let back = w2[i][0] * g_b[0] + w2[i][1] * g_b[1];
        let d_back = v2[i][0] * g_b[0] + w2[i][0] * dg_b[0] + v2[i][1] * g_b[1] + w2[i][1] * dg_b[1];
        let slope = fa[i] * (1.0 - fa[i]);
        let d_slope = (1.0 - 2.0 * fa[i]) * dfa[i];
        dg_a[i] = d_slope * back + slope * d_back;
    }
    // ∇W1[i][j] = xᵢ·g_aⱼ
    for (row, x) in hv_net.w1.iter_mut().zip(x) {
        for (hv, dg) in row.iter_mut().zip(&dg_a) {
            *hv += x * dg;
        }
    }
    e * e
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loops::*;
    use autodiff::{check_hvp, Params};

    fn dot(a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(a, b)| a * b).sum()
    }

    fn rosenbrock_hv(x: &[f64], v: &[f64]) -> Vec<f64> {
        let mut hv = vec![0.0; x.len()];
        let value = rosenbrock_hvp_hand(x, v, &mut hv);
        assert_eq!(value, rosenbrock(x));
        hv
    }

    #[test]
    fn rosenbrock_hvp_matches_central_differences_of_the_hand_gradient() {
        for n in [2, 3, 10, HVP_N] {
            let x = uniform(n, -1.5, 2.0, 5);
            for v in [uniform(n, -1.0, 1.0, 6), uniform(n, 0.0, 2.0, 7)] {
                let hv = rosenbrock_hv(&x, &v);
                let report = check_hvp(rosenbrock_hand, &x, &v, &hv);
                assert!(report.passes(1e-6), "n = {n}: {report}");
            }
        }
        // The textbook Hessian at the 2-d minimum, column by column.
        assert_eq!(rosenbrock_hv(&[1.0, 1.0], &[1.0, 0.0]), vec![802.0, -400.0]);
        assert_eq!(rosenbrock_hv(&[1.0, 1.0], &[0.0, 1.0]), vec![-400.0, 200.0]);
    }

    #[test]
    fn rosenbrock_hvp_is_symmetric() {
        let x = uniform(HVP_N, -1.5, 2.0, 8);
        let (u, v) = (uniform(HVP_N, -1.0, 1.0, 9), uniform(HVP_N, -1.0, 1.0, 10));
        let (uhv, vhu) = (dot(&u, &rosenbrock_hv(&x, &v)), dot(&v, &rosenbrock_hv(&x, &u)));
        assert!((uhv - vhu).abs() <= 1e-12 * uhv.abs().max(1.0), "{uhv} vs {vhu}");
    }

    /// The generated `NAME_hvp` and the hand-written one agree to rounding,
    /// which is what makes the hand-written one its baseline.
    fn assert_agree(what: &str, generated: &[f64], hand: &[f64]) {
        for (g, h) in generated.iter().zip(hand) {
            assert!((g - h).abs() <= 1e-12 * h.abs().max(1.0), "{what}: {generated:?} vs {hand:?}");
        }
    }

    #[test]
    fn generated_rosenbrock_hvp_matches_the_hand_written_one() {
        for n in [2, 10, HVP_N] {
            let x = uniform(n, -1.5, 2.0, 40);
            let v = uniform(n, -1.0, 1.0, 41);
            let mut hv = vec![0.5; n];
            let value = rosenbrock_hvp(&x, &v, &mut hv);
            assert_eq!(value, rosenbrock(&x));
            let hand: Vec<f64> = rosenbrock_hv(&x, &v).iter().map(|h| h + 0.5).collect();
            assert_agree("rosenbrock_hvp", &hv, &hand);
        }
    }

    #[test]
    fn generated_seed_net_hvp_matches_the_hand_written_one() {
        let (x, y) = SEED_NET_INPUT;
        let net = seed_net_weights();
        let n = net.to_flat().len();
        for seed in 50..53 {
            let mut v_net = net.zeros_like();
            v_net.copy_from_flat(&uniform(n, -1.0, 1.0, seed));
            let mut hv = net.zeros_like();
            let value = seed_net_hvp(&net, &v_net, &mut hv, &x, y);
            assert_eq!(value, seed_net(&net, &x, y));
            assert_agree("seed_net_hvp", &hv.to_flat(), &seed_net_hv(&net, &v_net.to_flat()));
        }
    }

    fn seed_net_hv(net: &SeedNet, v: &[f64]) -> Vec<f64> {
        let (x, y) = SEED_NET_INPUT;
        let mut v_net = net.zeros_like();
        v_net.copy_from_flat(v);
        let mut hv = net.zeros_like();
        let value = seed_net_hvp_hand(net, &v_net, &mut hv, &x, y);
        assert_eq!(value, seed_net(net, &x, y));
        hv.to_flat()
    }

    #[test]
    fn seed_net_hvp_matches_central_differences_of_the_hand_gradient() {
        let (x, y) = SEED_NET_INPUT;
        let mut net = seed_net_weights();
        let n = net.to_flat().len();
        for round in 0..3 {
            let grad = |w: &[f64], g: &mut [f64]| {
                let mut at = net.clone();
                at.copy_from_flat(w);
                let mut d = net.zeros_like();
                let value = seed_net_hand(&at, &mut d, &x, y);
                for (g, d) in g.iter_mut().zip(d.to_flat()) {
                    *g += d;
                }
                value
            };
            let mut directions: Vec<Vec<f64>> = (0..n)
                .map(|j| {
                    let mut e = vec![0.0; n];
                    e[j] = 1.0;
                    e
                })
                .collect();
            directions.push(uniform(n, -1.0, 1.0, 11 + round));
            for v in directions {
                let hv = seed_net_hv(&net, &v);
                let report = check_hvp(grad, &net.to_flat(), &v, &hv);
                assert!(report.passes(1e-7), "round {round}, v = {v:?}: {report:#}");
            }
            // symmetry
            let (u, v) = (uniform(n, -1.0, 1.0, 20 + round), uniform(n, -1.0, 1.0, 30 + round));
            let (uhv, vhu) = (dot(&u, &seed_net_hv(&net, &v)), dot(&v, &seed_net_hv(&net, &u)));
            assert!((uhv - vhu).abs() <= 1e-14, "{uhv} vs {vhu}");
            // another point: every weight moved differently
            let moved: Vec<f64> = net
                .to_flat()
                .iter()
                .enumerate()
                .map(|(i, w)| -0.9 * w + 0.1 * (i as f64 - 4.0) + 0.2 * round as f64)
                .collect();
            net.copy_from_flat(&moved);
        }
    }
}
