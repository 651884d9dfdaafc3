//! A 1-D heat equation, explicit Euler on a rod with insulated ends, the
//! edges written the natural way (`if i > 0 { u[i - 1] } else { u[i] }`),
//! and its hand-written adjoint.

use autodiff::grad;

/// The number of cells of the benchmark's rod.
pub const CELLS: usize = 200;
/// The number of explicit steps of the benchmark.
pub const STEPS: usize = 200;

/// `Σᵢ (u_T[i] − target[i])²` after `steps` explicit steps
/// `u[i] ← u[i] + κ·(u[i−1] − 2u[i] + u[i+1])` from `u = u0`, where a
/// missing neighbour at an end is the cell itself (no flux through the
/// ends). Stable for `κ ≤ ½`.
#[grad(wrt(u0, kappa))]
pub fn heat(u0: &[f64], kappa: f64, target: &[f64], steps: usize) -> f64 {
    let n = u0.len();
    let mut u = vec![0.0; n];
    for i in 0..n {
        u[i] = u0[i];
    }
    let mut next = vec![0.0; n];
    for _step in 0..steps {
        for i in 0..n {
            let left = if i > 0 { u[i - 1] } else { u[i] };
            let right = if i + 1 < n { u[i + 1] } else { u[i] };
            next[i] = u[i] + kappa * (left - 2.0 * u[i] + right);
        }
        for i in 0..n {
            u[i] = next[i];
        }
    }
    let mut loss = 0.0;
    for i in 0..n {
        let e = u[i] - target[i];
        loss += e * e;
    }
    loss
}

/// The discrete Laplacian of `u` at cell `i`, insulated ends.
fn laplacian(u: &[f64], i: usize) -> f64 {
    let left = if i > 0 { u[i - 1] } else { u[i] };
    let right = if i + 1 < u.len() { u[i + 1] } else { u[i] };
    left - 2.0 * u[i] + right
}

/// Hand-written gradient of [`heat`]: `(loss, ∂loss/∂κ)`, with `∂u0` added
/// into `d_u0`.
///
/// The forward pass keeps every state `u_t` (`steps × n` values: `∂κ`
/// reads each step's Laplacian). The reverse pass carries `ū` back one
/// step at a time: the step is linear in `u`, with the transposed stencil
/// (an end cell keeps its own share for the missing neighbour), and adds
/// `ū_{t+1}·Δu_t` to `∂κ`.
pub fn heat_hand(u0: &[f64], d_u0: &mut [f64], kappa: f64, target: &[f64], steps: usize) -> (f64, f64) {
    let n = u0.len();
    assert_eq!(d_u0.len(), n, "heat_hand: shadow length");
    // forward: states[t] is u_t, t = 0..=steps
    let mut states = vec![0.0; (steps + 1) * n];
    states[..n].copy_from_slice(u0);
    for t in 0..steps {
        let (done, rest) = states.split_at_mut((t + 1) * n);
        let u = &done[t * n..];
        for (i, next) in rest[..n].iter_mut().enumerate() {
            *next = u[i] + kappa * laplacian(u, i);
        }
    }
    let last = &states[steps * n..];
    let loss = last.iter().zip(target).map(|(u, y)| (u - y) * (u - y)).sum();
    // reverse
    let mut d_u: Vec<f64> = last.iter().zip(target).map(|(u, y)| 2.0 * (u - y)).collect();
    let mut d_prev = vec![0.0; n];
    let mut d_kappa = 0.0;
    for t in (0..steps).rev() {
        let u = &states[t * n..(t + 1) * n];
        for i in 0..n {
            d_kappa += d_u[i] * laplacian(u, i);
            // next[i] = (1 − 2κ)·u[i] + κ·left + κ·right
            let share = kappa * d_u[i];
            d_prev[i] += d_u[i] - 2.0 * share;
            d_prev[if i > 0 { i - 1 } else { i }] += share;
            d_prev[if i + 1 < n { i + 1 } else { i }] += share;
        }
        std::mem::swap(&mut d_u, &mut d_prev);
        d_prev.fill(0.0);
    }
    for (d, du) in d_u0.iter_mut().zip(&d_u) {
        *d += du;
    }
    (loss, d_kappa)
}

/// The benchmark's problem: a hot spot on a cool rod, relaxing towards a
/// linear profile; `κ = 0.2`.
pub fn heat_input() -> (Vec<f64>, f64, Vec<f64>) {
    let u0 = (0..CELLS).map(|i| if (80..120).contains(&i) { 1.0 } else { 0.1 * (i % 7) as f64 / 7.0 }).collect();
    let target = (0..CELLS).map(|i| i as f64 / CELLS as f64).collect();
    (u0, 0.2, target)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{assert_close, assert_near_numeric};
    use super::*;

    /// A uniform rod stays uniform (its Laplacian is exactly zero, so is
    /// `∂κ`), and the step conserves heat (its matrix is symmetric with rows
    /// summing to one), so the partials in `u0` sum to those in `u_T`.
    #[test]
    fn heat_of_a_uniform_rod() {
        let (_, kappa, target) = heat_input();
        let u0 = vec![0.3; CELLS];
        let want: f64 = target.iter().map(|y| (0.3 - y) * (0.3 - y)).sum();
        let want_sum: f64 = target.iter().map(|y| 2.0 * (0.3 - y)).sum();
        let mut d_u0 = vec![0.0; CELLS];
        let (value, d_kappa) = heat_grad(&u0, &mut d_u0, kappa, &target, STEPS);
        assert_close("uniform value", &[value], &[want], 1e-12);
        assert_eq!(d_kappa, 0.0);
        assert_close("uniform Σ∂u0", &[d_u0.iter().sum()], &[want_sum], 1e-10);
    }

    #[test]
    fn heat_gradient_matches_numeric() {
        let (u0, kappa, target) = heat_input();
        let (u0, target) = (&u0[70..100], &target[70..100]);
        let steps = 20;
        let mut d_u0 = vec![0.0; u0.len()];
        let (_, d_kappa) = heat_grad(u0, &mut d_u0, kappa, target, steps);
        let params = [u0, &[kappa]].concat();
        let numeric = autodiff::numeric_gradient(|p| heat(&p[..p.len() - 1], p[p.len() - 1], target, steps), &params);
        assert_near_numeric("heat", &[&d_u0[..], &[d_kappa]].concat(), &numeric);
    }

    #[test]
    fn heat_hand_matches_generated() {
        let (u0, kappa, target) = heat_input();
        for steps in [0, 1, 7, STEPS] {
            let mut d_gen = vec![0.0; CELLS];
            let mut d_hand = vec![0.0; CELLS];
            let (value, dk) = heat_grad(&u0, &mut d_gen, kappa, &target, steps);
            let (hand_value, hand_dk) = heat_hand(&u0, &mut d_hand, kappa, &target, steps);
            assert_close("heat value", &[value], &[hand_value], 1e-10);
            assert_close("heat ∂κ", &[dk], &[hand_dk], 1e-10);
            assert_close("heat ∂u0", &d_gen, &d_hand, 1e-10);
            assert_eq!(value, heat(&u0, kappa, &target, steps));
        }
    }
}
