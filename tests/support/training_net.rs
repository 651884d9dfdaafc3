//! The small network and synthetic data set that the parallel and MPI
//! training tests share (included with `#[path]`).

use autodiff::prelude::*;

/// `out = b2 + Σᵢ w2ᵢ tanh(b1ᵢ + Σⱼ w1ᵢⱼ xⱼ)`, 8 hidden units.
#[derive(Params, Clone, Debug, PartialEq)]
pub struct Net {
    pub w1: [[f64; 3]; 8],
    pub b1: [f64; 8],
    pub w2: [f64; 8],
    pub b2: f64,
}

/// Example `i` of a deterministic synthetic data set.
pub fn sample(i: usize) -> ([f64; 3], f64) {
    let t = i as f64;
    let x = [(0.37 * t).sin(), (0.11 * t).cos(), (0.05 * t).sin() * (0.2 * t).cos()];
    (x, (x[0] - 2.0 * x[1] * x[2]).tanh())
}

/// The squared error of one example.
#[grad(wrt(m))]
pub fn example_loss(m: &Net, x: &[f64; 3], y: f64) -> f64 {
    let mut out = m.b2;
    for i in 0..8 {
        let mut z = m.b1[i];
        for j in 0..3 {
            z += m.w1[i][j] * x[j];
        }
        out += m.w2[i] * z.tanh();
    }
    (out - y) * (out - y)
}

/// Example `i`'s loss, its gradient added into `d_m`.
pub fn example_grad(m: &Net, d_m: &mut Net, i: usize) -> f64 {
    let (x, y) = sample(i);
    example_loss_grad(m, d_m, &x, y)
}

/// Weights spread over [−0.5, 0.5] by a fixed rule.
pub fn initial() -> Net {
    let mut m = Net { w1: [[0.0; 3]; 8], b1: [0.0; 8], w2: [0.0; 8], b2: 0.0 };
    let mut k = 0.0_f64;
    m.for_each_slice_mut(&mut |s| {
        for v in s {
            k += 1.0;
            *v = 0.5 * (1.7 * k).sin();
        }
    });
    m
}
