//! A dense Jacobian or Hessian costs a fixed number of heap allocations
//! (the matrix and one scratch buffer), not one per column or row.
//!
//! A counting global allocator (`common::alloc`) wraps the system one;
//! its counter is thread-local, so other tests running in parallel threads
//! are not counted.

mod common;

use std::hint::black_box;

use autodiff::{hessian, jacobian_forward, jacobian_reverse};
use common::alloc::{allocations_in, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// `yᵢ = xᵢ · xᵢ₊₁` (cyclically), a map ℝⁿ → ℝⁿ whose derivatives
/// allocate nothing themselves.
fn cyclic_jvp(x: &[f64], d_x: &[f64], y: &mut [f64], d_y: &mut [f64]) {
    let n = x.len();
    for i in 0..n {
        let k = (i + 1) % n;
        y[i] = x[i] * x[k];
        d_y[i] = d_x[i] * x[k] + x[i] * d_x[k];
    }
}

fn cyclic_vjp(x: &[f64], d_x: &mut [f64], y: &mut [f64], d_y: &mut [f64]) {
    let n = x.len();
    for i in 0..n {
        let k = (i + 1) % n;
        y[i] = x[i] * x[k];
        d_x[i] += d_y[i] * x[k];
        d_x[k] += d_y[i] * x[i];
        d_y[i] = 0.0;
    }
}

/// `H·v` of `Σ xᵢ⁴ / 12`: `H = diag(xᵢ²)`.
fn quartic_hvp(x: &[f64], v: &[f64], hv: &mut [f64]) -> f64 {
    for i in 0..x.len() {
        hv[i] += x[i] * x[i] * v[i];
    }
    x.iter().map(|x| x.powi(4) / 12.0).sum()
}

#[test]
fn matrices_cost_two_allocations_whatever_their_size() {
    // The counter sees allocations made here: the check is not vacuous.
    assert_eq!(allocations_in(|| drop(black_box(vec![black_box(1.0)]))), 1);
    for n in [1, 4, 64] {
        let x: Vec<f64> = (0..n).map(|i| 0.1 * i as f64 - 1.0).collect();
        let mut result = None;
        assert_eq!(allocations_in(|| result = Some(jacobian_forward(cyclic_jvp, &x, n))), 2, "forward, n = {n}");
        let forward = result.take().unwrap();
        assert_eq!(allocations_in(|| result = Some(jacobian_reverse(cyclic_vjp, &x, n))), 2, "reverse, n = {n}");
        assert_eq!(result.take().unwrap(), forward);
        assert_eq!(allocations_in(|| result = Some(hessian(quartic_hvp, &x))), 2, "hessian, n = {n}");
        let h = result.take().unwrap();
        assert!((0..n).all(|i| h[(i, i)] == x[i] * x[i]));
    }
}
