//! The ADBench objectives as a Rust user writes them for the crates they
//! would pick instead of `#[grad]`: `num-dual` (forward mode, dual numbers)
//! and `reverse` (reverse mode on a tape of the operations).
//!
//! Each objective is written once, generic over [`Scalar`], the number type
//! both crates offer (an `f64` with a derivative part, or a node on a
//! tape), following the `#[grad]` version line by line. Without nalgebra,
//! `num-dual` gives `Dual64`, one directional derivative per pass, so a
//! gradient of `n` parameters costs `n` passes: [`forward_gradient`]. The
//! tape crate records every operation and sweeps the tape back once:
//! [`tape_gradient`].

use std::ops::{Add, Div, Mul, Neg, Sub};

use num_dual::{Dual64, DualNum};
use reverse::{Gradient, Tape, Var};

use super::ba::ROW_LEN;
use super::data::{BaInput, GmmInput, LstmInput, CAMERA_LEN};
use super::gmm::wishart_log_normalizer;

/// A differentiable real number, as both peers provide it.
pub trait Scalar:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + Add<f64, Output = Self>
    + Sub<f64, Output = Self>
    + Mul<f64, Output = Self>
    + Div<f64, Output = Self>
{
    /// The constant `c`, of the same kind as `self` (on its tape).
    fn constant(&self, c: f64) -> Self;
    fn value(&self) -> f64;
    fn exp(&self) -> Self;
    fn ln(&self) -> Self;
    fn tanh(&self) -> Self;
    fn sqrt(&self) -> Self;
    fn sin(&self) -> Self;
    fn cos(&self) -> Self;
}

impl Scalar for Dual64 {
    fn constant(&self, c: f64) -> Self {
        Dual64::new(c, 0.0)
    }
    fn value(&self) -> f64 {
        self.re
    }
    fn exp(&self) -> Self {
        DualNum::exp(self)
    }
    fn ln(&self) -> Self {
        DualNum::ln(self)
    }
    fn tanh(&self) -> Self {
        DualNum::tanh(self)
    }
    fn sqrt(&self) -> Self {
        DualNum::sqrt(self)
    }
    fn sin(&self) -> Self {
        DualNum::sin(self)
    }
    fn cos(&self) -> Self {
        DualNum::cos(self)
    }
}

impl<'a> Scalar for Var<'a> {
    fn constant(&self, c: f64) -> Self {
        self.tape.add_var(c)
    }
    fn value(&self) -> f64 {
        self.val
    }
    fn exp(&self) -> Self {
        Var::exp(self)
    }
    fn ln(&self) -> Self {
        Var::ln(self)
    }
    fn tanh(&self) -> Self {
        Var::tanh(self)
    }
    fn sqrt(&self) -> Self {
        Var::sqrt(self)
    }
    fn sin(&self) -> Self {
        Var::sin(self)
    }
    fn cos(&self) -> Self {
        Var::cos(self)
    }
}

/// The value and gradient of `f` at `params` by forward mode: one pass of
/// `f` on `Dual64`s per parameter, seeded with `1` in its derivative part.
pub fn forward_gradient(params: &[f64], f: impl Fn(&[Dual64]) -> Dual64) -> (f64, Vec<f64>) {
    let mut duals: Vec<Dual64> = params.iter().map(|&p| Dual64::new(p, 0.0)).collect();
    let mut value = f64::NAN;
    let gradient = (0..params.len())
        .map(|j| {
            duals[j].eps = 1.0;
            let y = f(&duals);
            duals[j].eps = 0.0;
            value = y.re;
            y.eps
        })
        .collect();
    if params.is_empty() {
        value = f(&duals).re;
    }
    (value, gradient)
}

/// The value and gradient of `f` at `params` by reverse mode on a tape:
/// one pass of `f` recording every operation, one sweep back.
pub fn tape_gradient(params: &[f64], f: impl for<'a> Fn(&[Var<'a>]) -> Var<'a>) -> (f64, Vec<f64>) {
    let tape = Tape::new();
    let vars = tape.add_vars(params);
    let y = f(&vars);
    (y.val, y.grad().wrt(&vars[..]))
}

// ---------------------------------------------------------------------------
// GMM
// ---------------------------------------------------------------------------

/// `log Σ exp(v)`, shifted by the largest value (a constant: the shift
/// cancels in the derivative).
fn log_sum_exp<S: Scalar>(v: &[S]) -> S {
    let max = v.iter().map(Scalar::value).fold(f64::NEG_INFINITY, f64::max);
    let mut sum = (v[0] - max).exp();
    for vi in &v[1..] {
        sum = sum + (*vi - max).exp();
    }
    sum.ln() + max
}

/// [`super::gmm::gmm_objective`] on the concatenated parameters
/// `[α] ++ [μ] ++ [icf]` (ADBench's gradient layout).
pub fn gmm_generic<S: Scalar>(input: &GmmInput, params: &[S]) -> S {
    let GmmInput { d, k, n, ref x, gamma, m, .. } = *input;
    let icf_size = d * (d + 1) / 2;
    let (alphas, rest) = params.split_at(k);
    let (means, icf) = rest.split_at(k * d);
    let zero = params[0].constant(0.0);
    let mut q_diags = vec![zero; k * d];
    let mut sum_qs = vec![zero; k];
    for ik in 0..k {
        for id in 0..d {
            let q = icf[ik * icf_size + id];
            sum_qs[ik] = sum_qs[ik] + q;
            q_diags[ik * d + id] = q.exp();
        }
    }
    let mut xcentered = vec![zero; d];
    let mut qxcentered = vec![zero; d];
    let mut main_term = vec![zero; k];
    let mut slse = zero;
    for ix in 0..n {
        for ik in 0..k {
            for id in 0..d {
                xcentered[id] = -(means[ik * d + id] - x[ix * d + id]);
            }
            for id in 0..d {
                qxcentered[id] = q_diags[ik * d + id] * xcentered[id];
            }
            let mut li = ik * icf_size + d;
            for col in 0..d {
                for row in col + 1..d {
                    qxcentered[row] = qxcentered[row] + icf[li] * xcentered[col];
                    li += 1;
                }
            }
            let mut sqnorm = zero;
            for v in &qxcentered {
                sqnorm = sqnorm + *v * *v;
            }
            main_term[ik] = alphas[ik] + sum_qs[ik] - sqnorm * 0.5;
        }
        slse = slse + log_sum_exp(&main_term);
    }
    let lse_alphas = log_sum_exp(alphas);
    let mut prior = zero;
    for ik in 0..k {
        let mut frobenius = zero;
        for id in 0..d {
            frobenius = frobenius + q_diags[ik * d + id] * q_diags[ik * d + id];
        }
        for i in ik * icf_size + d..(ik + 1) * icf_size {
            frobenius = frobenius + icf[i] * icf[i];
        }
        prior = prior + frobenius * (0.5 * gamma * gamma) - sum_qs[ik] * m as f64;
    }
    let constant = -((n * d) as f64) * 0.5 * (2.0 * std::f64::consts::PI).ln();
    slse - lse_alphas * n as f64 + prior + (constant - k as f64 * wishart_log_normalizer(d, gamma, m))
}

/// The GMM parameters in ADBench's gradient layout.
pub fn gmm_params(input: &GmmInput) -> Vec<f64> {
    [&input.alphas[..], &input.means, &input.icf].concat()
}

/// The GMM gradient by `num-dual`.
pub fn gmm_num_dual(input: &GmmInput) -> (f64, Vec<f64>) {
    forward_gradient(&gmm_params(input), |p| gmm_generic(input, p))
}

/// The GMM gradient by `reverse`.
pub fn gmm_reverse(input: &GmmInput) -> (f64, Vec<f64>) {
    tape_gradient(&gmm_params(input), |p| gmm_generic(input, p))
}

// ---------------------------------------------------------------------------
// BA
// ---------------------------------------------------------------------------

/// [`super::ba::reprojection_error`] on `[cam (11), point (3), w]`.
pub fn reprojection_generic<S: Scalar>(params: &[S], feature: &[f64]) -> [S; 2] {
    let (cam, rest) = params.split_at(CAMERA_LEN);
    let (point, w) = (&rest[..3], rest[3]);
    let z = [point[0] - cam[3], point[1] - cam[4], point[2] - cam[5]];
    let cross =
        |a: [S; 3], b: [S; 3]| [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
    let r = [cam[0], cam[1], cam[2]];
    let sqtheta = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
    let y = if sqtheta.value() != 0.0 {
        let theta = sqtheta.sqrt();
        let (cos_theta, sin_theta) = (theta.cos(), theta.sin());
        let v = [r[0] / theta, r[1] / theta, r[2] / theta];
        let v_cross_z = cross(v, z);
        let tmp = (v[0] * z[0] + v[1] * z[1] + v[2] * z[2]) * (-(cos_theta - 1.0));
        [0, 1, 2].map(|i| z[i] * cos_theta + v_cross_z[i] * sin_theta + v[i] * tmp)
    } else {
        let r_cross_z = cross(r, z);
        [0, 1, 2].map(|i| z[i] + r_cross_z[i])
    };
    let u = [y[0] / y[2], y[1] / y[2]];
    let rsq = u[0] * u[0] + u[1] * u[1];
    let distortion = cam[9] * rsq + cam[10] * rsq * rsq + 1.0;
    let proj = [cam[6] * u[0] * distortion + cam[7], cam[6] * u[1] * distortion + cam[8]];
    [w * (proj[0] - feature[0]), w * (proj[1] - feature[1])]
}

/// The parameters `[cam, point, w]` and the feature of observation `i`.
fn ba_observation(input: &BaInput, i: usize) -> ([f64; ROW_LEN], &[f64]) {
    let (cam, pt) = (input.obs[2 * i], input.obs[2 * i + 1]);
    let mut params = [0.0; ROW_LEN];
    params[..CAMERA_LEN].copy_from_slice(&input.cams[cam * CAMERA_LEN..(cam + 1) * CAMERA_LEN]);
    params[CAMERA_LEN..CAMERA_LEN + 3].copy_from_slice(&input.points[pt * 3..pt * 3 + 3]);
    params[ROW_LEN - 1] = input.weights[i];
    (params, &input.features[2 * i..2 * i + 2])
}

/// The BA Jacobian (the layout of [`super::ba::ba_jacobian_generated`]) by
/// `num-dual`: per observation, one pass per parameter gives a column of
/// its 2×15 block.
pub fn ba_num_dual(input: &BaInput, jacobian: &mut [f64]) {
    let p = input.p;
    let (reproj, werr) = jacobian.split_at_mut(2 * p * ROW_LEN);
    for (i, rows) in reproj.chunks_exact_mut(2 * ROW_LEN).enumerate() {
        let (params, feature) = ba_observation(input, i);
        let mut duals = params.map(|v| Dual64::new(v, 0.0));
        for j in 0..ROW_LEN {
            duals[j].eps = 1.0;
            let err = reprojection_generic(&duals, feature);
            duals[j].eps = 0.0;
            rows[j] = err[0].eps;
            rows[ROW_LEN + j] = err[1].eps;
        }
    }
    for (d, &w) in werr.iter_mut().zip(&input.weights) {
        let w = Dual64::new(w, 1.0);
        *d = (-(w * w) + 1.0).eps;
    }
}

/// The BA Jacobian by `reverse`: per observation, one tape and two sweeps.
pub fn ba_reverse(input: &BaInput, jacobian: &mut [f64]) {
    let p = input.p;
    let (reproj, werr) = jacobian.split_at_mut(2 * p * ROW_LEN);
    let tape = Tape::new();
    for (i, rows) in reproj.chunks_exact_mut(2 * ROW_LEN).enumerate() {
        let (params, feature) = ba_observation(input, i);
        tape.clear();
        let vars = tape.add_vars(&params);
        let err = reprojection_generic(&vars, feature);
        for (row, e) in rows.chunks_exact_mut(ROW_LEN).zip(err) {
            row.copy_from_slice(&e.grad().wrt(&vars[..]));
        }
    }
    for (d, &w) in werr.iter_mut().zip(&input.weights) {
        tape.clear();
        let w = tape.add_var(w);
        *d = (-(w * w) + 1.0).grad().wrt(&w);
    }
}

// ---------------------------------------------------------------------------
// LSTM
// ---------------------------------------------------------------------------

fn sigmoid<S: Scalar>(x: S) -> S {
    let one = x.constant(1.0);
    one / ((-x).exp() + 1.0)
}

/// [`super::lstm::lstm_objective`] on `[main_params] ++ [extra_params]`.
pub fn lstm_generic<S: Scalar>(input: &LstmInput, params: &[S]) -> S {
    let LstmInput { l, c, b, ref state, ref sequence, .. } = *input;
    let (main_params, extra_params) = params.split_at(8 * l * b);
    let zero = params[0].constant(0.0);
    let mut st: Vec<S> = state.iter().map(|&v| zero.constant(v)).collect();
    let mut input = vec![zero; b];
    let mut ypred = vec![zero; b];
    let mut total = zero;
    for t in 0..c - 1 {
        for i in 0..b {
            input[i] = extra_params[i] * sequence[t * b + i];
        }
        for layer in 0..l {
            let weight = layer * 8 * b;
            let bias = weight + 4 * b;
            let hidden = layer * 2 * b;
            let cell = hidden + b;
            for i in 0..b {
                let forget = sigmoid(input[i] * main_params[weight + i] + main_params[bias + i]);
                let ingate = sigmoid(st[hidden + i] * main_params[weight + b + i] + main_params[bias + b + i]);
                let outgate = sigmoid(input[i] * main_params[weight + 2 * b + i] + main_params[bias + 2 * b + i]);
                let change = (st[hidden + i] * main_params[weight + 3 * b + i] + main_params[bias + 3 * b + i]).tanh();
                st[cell + i] = st[cell + i] * forget + ingate * change;
                st[hidden + i] = outgate * st[cell + i].tanh();
                input[i] = st[hidden + i];
            }
        }
        for i in 0..b {
            ypred[i] = input[i] * extra_params[b + i] + extra_params[2 * b + i];
        }
        let mut sum = ypred[0].exp();
        for y in &ypred[1..] {
            sum = sum + y.exp();
        }
        let lse = (sum + 2.0).ln();
        for i in 0..b {
            total = total + (ypred[i] - lse) * sequence[(t + 1) * b + i];
        }
    }
    -total / ((c - 1) * b) as f64
}

/// The LSTM parameters in ADBench's gradient layout.
pub fn lstm_params(input: &LstmInput) -> Vec<f64> {
    [&input.main_params[..], &input.extra_params].concat()
}

/// The LSTM gradient by `num-dual`.
pub fn lstm_num_dual(input: &LstmInput) -> (f64, Vec<f64>) {
    forward_gradient(&lstm_params(input), |p| lstm_generic(input, p))
}

/// The LSTM gradient by `reverse`.
pub fn lstm_reverse(input: &LstmInput) -> (f64, Vec<f64>) {
    tape_gradient(&lstm_params(input), |p| lstm_generic(input, p))
}

// ---------------------------------------------------------------------------
// Heat
// ---------------------------------------------------------------------------

/// [`super::heat::heat`] on `[u0] ++ [κ]`.
pub fn heat_generic<S: Scalar>(params: &[S], target: &[f64], steps: usize) -> S {
    let (u0, kappa) = params.split_at(params.len() - 1);
    let kappa = kappa[0];
    let n = u0.len();
    let mut u = u0.to_vec();
    let mut next = u.clone();
    for _ in 0..steps {
        for i in 0..n {
            let left = if i > 0 { u[i - 1] } else { u[i] };
            let right = if i + 1 < n { u[i + 1] } else { u[i] };
            next[i] = u[i] + kappa * (left - u[i] * 2.0 + right);
        }
        std::mem::swap(&mut u, &mut next);
    }
    let mut loss = (u[0] - target[0]) * (u[0] - target[0]);
    for i in 1..n {
        loss = loss + (u[i] - target[i]) * (u[i] - target[i]);
    }
    loss
}

/// The heat gradient by `num-dual`: `(loss, [∂u0] ++ [∂κ])`.
pub fn heat_num_dual(u0: &[f64], kappa: f64, target: &[f64], steps: usize) -> (f64, Vec<f64>) {
    forward_gradient(&[u0, &[kappa]].concat(), |p| heat_generic(p, target, steps))
}

/// The heat gradient by `reverse`: `(loss, [∂u0] ++ [∂κ])`.
pub fn heat_reverse(u0: &[f64], kappa: f64, target: &[f64], steps: usize) -> (f64, Vec<f64>) {
    tape_gradient(&[u0, &[kappa]].concat(), |p| heat_generic(p, target, steps))
}

#[cfg(test)]
mod tests {
    use super::super::ba::{ba_jacobian_generated, jacobian_len};
    use super::super::gmm::{gmm_generated, GmmGradient};
    use super::super::heat::{heat_grad, heat_input, CELLS};
    use super::super::lstm::lstm_generated;
    use super::super::test_support::assert_close;
    use super::*;

    /// Peers agree with the generated gradient to 1e-10 relative, but for
    /// components that are zero up to rounding: compared to 1e-12 of the
    /// gradient's largest component.
    fn assert_agree(what: &str, peer: &[f64], generated: &[f64]) {
        let largest = generated.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        assert_eq!(peer.len(), generated.len(), "{what}: lengths");
        for (i, (&p, &g)) in peer.iter().zip(generated).enumerate() {
            let scale = p.abs().max(g.abs());
            assert!(
                (p - g).abs() <= 1e-10 * scale || (p - g).abs() <= 1e-12 * largest,
                "{what}[{i}]: peer {p}, generated {g}"
            );
        }
    }

    #[test]
    fn gmm_peers_match_generated() {
        let mut input = GmmInput::load("gmm/1k/gmm_d10_K25.txt");
        input.n = 3;
        input.x.truncate(3 * input.d);
        let mut grad = GmmGradient::zeros(&input);
        let value = gmm_generated(&input, &mut grad);
        let generated = grad.concat();
        for (what, (peer_value, peer)) in [("num-dual", gmm_num_dual(&input)), ("reverse", gmm_reverse(&input))] {
            assert_close(what, &[peer_value], &[value], 1e-12);
            assert_agree(what, &peer, &generated);
        }
    }

    #[test]
    fn ba_peers_match_generated() {
        let mut input = BaInput::load("ba/test.txt");
        for (j, v) in input.cams.iter_mut().enumerate() {
            *v *= 1.0 + 0.01 * (j % 7) as f64;
        }
        // the second camera unrotated: the first-order branch
        input.cams[CAMERA_LEN..CAMERA_LEN + 3].fill(0.0);
        let mut generated = vec![0.0; jacobian_len(input.p)];
        ba_jacobian_generated(&input, &mut generated);
        for (what, peer) in [("num-dual", ba_num_dual as fn(&BaInput, &mut [f64])), ("reverse", ba_reverse)] {
            let mut jacobian = vec![f64::NAN; jacobian_len(input.p)];
            peer(&input, &mut jacobian);
            assert_agree(what, &jacobian, &generated);
        }
    }

    #[test]
    fn lstm_peers_match_generated() {
        let mut input = LstmInput::load("lstm/lstm_l2_c1024.txt");
        input.c = 8;
        input.sequence.truncate(8 * input.b);
        let (mut d_main, mut d_extra) = (vec![0.0; input.main_params.len()], vec![0.0; input.extra_params.len()]);
        let value = lstm_generated(&input, &mut d_main, &mut d_extra);
        let generated = [d_main, d_extra].concat();
        for (what, (peer_value, peer)) in [("num-dual", lstm_num_dual(&input)), ("reverse", lstm_reverse(&input))] {
            assert_close(what, &[peer_value], &[value], 1e-12);
            assert_agree(what, &peer, &generated);
        }
    }

    #[test]
    fn heat_peers_match_generated() {
        let (u0, kappa, target) = heat_input();
        let steps = 30;
        let mut d_u0 = vec![0.0; CELLS];
        let (value, d_kappa) = heat_grad(&u0, &mut d_u0, kappa, &target, steps);
        let generated = [&d_u0[..], &[d_kappa]].concat();
        for (what, (peer_value, peer)) in [
            ("num-dual", heat_num_dual(&u0, kappa, &target, steps)),
            ("reverse", heat_reverse(&u0, kappa, &target, steps)),
        ] {
            assert_close(what, &[peer_value], &[value], 1e-12);
            assert_agree(what, &peer, &generated);
        }
    }
}
