//! Sums and products of integers (`idx.iter().sum::<usize>()`, `let n:
//! usize = idx.iter().sum();`) inside `#[grad]` code: the reduction
//! started from `0.0`, and rustc rejected the generated code (review 24,
//! older than it). An integer turbofish or a typed `let` starts it from
//! an integer, and so do items that are integers whatever the context
//! (a call's `usize` parameter, a typed tuple pattern, an alias: review
//! 25). Checked in every mode against the closed form.

mod common;

use autodiff::prelude::*;
use common::close;

/// `x₀ · (Σ idx + Σ idx + Π 2·idx)`.
#[grad(forward, reverse, hessian, wrt(x))]
fn weighted_by_counts(x: &[f64], idx: &[usize]) -> f64 {
    let n = idx.iter().sum::<usize>();
    let m: usize = idx.iter().sum();
    let p = idx.iter().map(|i| i * 2).product::<usize>();
    x[0] * x[0] * (n + m + p) as f64
}

#[test]
fn integer_sums_and_products() {
    let (x, idx) = ([0.7, 1.0], [1usize, 2, 3]);
    let k = (6 + 6 + 48) as f64;
    let mut d = [0.0; 2];
    assert!(close(weighted_by_counts_grad(&x, &mut d, &idx), k * 0.49, 1e-12));
    assert!(close(d[0], 2.0 * k * 0.7, 1e-12) && d[1] == 0.0);
    assert!(close(weighted_by_counts_jvp(&x, &[1.0, 5.0], &idx).1, 2.0 * k * 0.7, 1e-12));
    let mut hv = [0.0; 2];
    weighted_by_counts_hvp(&x, &[1.0, 0.0], &mut hv, &idx);
    assert!(close(hv[0], 2.0 * k, 1e-12) && hv[1] == 0.0);
}

/// An alias the macro cannot see through.
type Count = usize;

fn as_float(n: usize) -> f64 {
    n as f64
}

/// Integer sums typed only by their context: `x₀² · (Σ idx + Σ idx + Σ_{i<n} i² + Σ_{i<n} i + Π idx)`.
#[grad(forward, reverse, hessian, wrt(x))]
fn counts_typed_by_context(x: &[f64], idx: &[usize], n: usize) -> f64 {
    let a: Count = idx.iter().sum();
    let (b, y): (usize, f64) = (idx.iter().copied().sum(), x[0]);
    let squares = as_float((0..n).map(|i| i * i).sum());
    y * x[0] * ((a + b) as f64 + squares + as_float((0..n).sum()) + as_float(idx.iter().product()))
}

#[test]
fn integer_sums_typed_by_their_context() {
    let (x, idx, n) = ([0.7, 1.0], [1usize, 2, 3], 4);
    let k = (6 + 6 + 14 + 6 + 6) as f64;
    let mut d = [0.0; 2];
    assert!(close(counts_typed_by_context_grad(&x, &mut d, &idx, n), k * 0.49, 1e-12));
    assert!(close(d[0], 2.0 * k * 0.7, 1e-12) && d[1] == 0.0);
    assert!(close(counts_typed_by_context_jvp(&x, &[1.0, 5.0], &idx, n).1, 2.0 * k * 0.7, 1e-12));
    let mut hv = [0.0; 2];
    counts_typed_by_context_hvp(&x, &[1.0, 0.0], &mut hv, &idx, n);
    assert!(close(hv[0], 2.0 * k, 1e-12) && hv[1] == 0.0);
}

/// Settings that are no model: their floats are of a type #[grad] cannot
/// see, which must not be taken for integers (review 26, B1).
struct Gains {
    w: Vec<f64>,
    scale: Option<f64>,
}

impl Gains {
    fn get(&self, i: usize) -> f64 {
        self.w[i]
    }

    /// `x² · Σ w`, `self` constant.
    #[grad(forward, reverse, wrt(x))]
    fn energy(&self, x: f64) -> f64 {
        let total: f64 = self.w.iter().sum();
        x * x * total
    }
}

/// `x · (Σ w² + n · scale + Π gᵢ)` of constant settings.
#[grad(forward, reverse, hessian, wrt(x))]
fn sums_of_unseen_floats(x: f64, g: &Gains, n: usize) -> f64 {
    let s: f64 = (0..n).map(|_i| g.scale.unwrap_or(1.0)).sum();
    x * (g.w.iter().map(|w| w * w).sum::<f64>() + s + (0..g.w.len()).map(|i| g.get(i)).product::<f64>())
}

#[test]
fn sums_of_floats_of_unseen_type_start_from_a_float() {
    let g = Gains { w: vec![1.0, 2.0, 3.5], scale: Some(0.5) };
    let (value, dx) = g.energy_grad(2.0);
    assert!(close(value, 4.0 * 6.5, 1e-15) && close(dx, 4.0 * 6.5, 1e-15));
    let k = 1.0 + 4.0 + 12.25 + 2.0 + 7.0;
    let (value, dx) = sums_of_unseen_floats_grad(2.0, &g, 4);
    assert!(close(value, 2.0 * k, 1e-14) && close(dx, k, 1e-14));
    assert!(close(sums_of_unseen_floats_jvp(2.0, 3.0, &g, 4).1, 3.0 * k, 1e-14));
    assert_eq!(sums_of_unseen_floats_hvp(2.0, 1.0, &g, 4).1, 0.0);
}

#[grad(forward, reverse, hessian)]
fn squared_at(x: &[f64], m: usize) -> f64 {
    x[m] * x[m]
}

/// Integer items mapped by arithmetic of captured integers, integer
/// tables and rows, and integer methods (review 27, R2): each sum is an
/// index, typed only by where it goes.
#[grad(forward, reverse, hessian)]
fn indices_summed(x: &[f64], tris: &[[usize; 2]], counts: &[usize], stride: usize) -> f64 {
    let (a, w): (usize, f64) = (tris.iter().map(|t| t[0] + t[1]).sum(), 2.0);
    let (b, _): (usize, f64) = ((0..3usize).map(|i| i.pow(2)).sum(), 0.0);
    let c: Count = counts.iter().map(|&c| c.min(1)).sum();
    let d: Count = (0..2).map(|j| tris[j][0] * stride + counts[j]).sum();
    squared_at(x, (0..2).map(|i| i * stride).sum()) + w * x[a % 3] + x[b % 3] * x[c] + x[d % 3]
}

#[test]
fn integer_items_mapped_by_integer_arithmetic() {
    let (x, tris, counts, stride) = ([0.7, -1.3, 0.4], [[0, 1], [2, 1]], [1usize, 0], 1);
    // a = 4, b = 5, c = 1, d = 0 + 1 + 2 + 0 = 3, the call's index 1.
    let f = |x: &[f64]| x[1] * x[1] + 2.0 * x[1] + x[2] * x[1] + x[0];
    let mut g = [0.0; 3];
    let value = indices_summed_grad(&x, &mut g, &tris, &counts, stride);
    assert!(close(value, f(&x), 1e-15));
    let want = [1.0, 2.0 * -1.3 + 2.0 + 0.4, -1.3];
    assert!((0..3).all(|i| close(g[i], want[i], 1e-15)), "{g:?}");
    let (_, tangent) = indices_summed_jvp(&x, &[1.0, 1.0, 1.0], &tris, &counts, stride);
    assert!(close(tangent, g.iter().sum(), 1e-15));
    let mut hv = [0.0; 3];
    indices_summed_hvp(&x, &[0.0, 1.0, 0.0], &mut hv, &tris, &counts, stride);
    assert_eq!(hv, [0.0, 2.0, 1.0]);
}
