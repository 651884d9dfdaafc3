//! Data-parallel gradients: the gradient of a mini-batch as the sum of its
//! examples' gradients, computed on all cores.
//!
//! A `#[grad]` gradient is a plain function of its inputs, so the gradient
//! of a batch is a sum of independent per-example gradients.
//! [`batch_gradient`] splits the batch into a binary tree of leaves of at
//! most [`LEAF`] examples, computes each leaf on rayon's pool into a shadow
//! of its own, and adds the shadows back up the same tree. The tree depends
//! only on the batch's length, so the result is **the same bits** on 1, 2 or
//! 64 threads, and the same again without the `rayon` feature, where the
//! leaves run one after the other.
//!
//! The summation order differs from a plain loop over the batch, so the
//! result differs from the loop's by rounding only (a few ulps).

use crate::params::Params;

/// The most examples one leaf of the summation tree adds up in order.
///
/// Large enough that a leaf's work dwarfs rayon's cost of a task, small
/// enough that a batch of a few hundred examples keeps every core busy.
pub const LEAF: usize = 16;

/// The summed loss and the summed gradient of `per_example` over `batch`,
/// computed in parallel with a result that does not depend on the number of
/// threads.
///
/// `per_example(i, shadow)` computes example `i`'s loss and **adds** its
/// gradient into `shadow`, as a generated `_grad` or `_vjp` does with the
/// shadow of a model (`&mut M` for a `Params` model `M`, `&mut [f64]` for a
/// slice of weights: pass a `Vec<f64>` as `shape`). `shape` gives the
/// gradient's shape: each leaf starts from `shape.zeros_like()`.
///
/// Divide by `batch.len()` for the mean ([`Params::scale`]). The pieces of a
/// training step fit together as usual: `batch` is what
/// [`Batches`](crate::Batches) yields, and the gradient goes to
/// [`Optimizer::step_params`](crate::Optimizer::step_params).
///
/// # Example
///
/// Least squares y ≈ w·x over 1,000 points, on every core:
///
/// ```
/// use autodiff_runtime::{batch_gradient, Params};
///
/// // What `#[grad] fn loss(w: &[f64], x: f64, y: f64) -> f64 {
/// //     (w[0] * x - y).powi(2) }` generates as `loss_grad`.
/// fn loss_grad(w: &[f64], d_w: &mut [f64], x: f64, y: f64) -> f64 {
///     let r = w[0] * x - y;
///     d_w[0] += 2.0 * r * x;
///     r * r
/// }
///
/// let xs: Vec<f64> = (0..1000).map(|i| i as f64 / 1000.0).collect();
/// let ys: Vec<f64> = xs.iter().map(|x| 3.0 * x).collect();
/// let batch: Vec<usize> = (0..xs.len()).collect();
/// let w = vec![1.0];
///
/// let (loss, mut grad) = batch_gradient(&w, &batch, |i, d_w: &mut Vec<f64>| loss_grad(&w, d_w, xs[i], ys[i]));
/// grad.scale(1.0 / batch.len() as f64);
///
/// // d/dw mean((w x − y)²) at w = 1 is mean(2(x − 3x)x) = −4·mean(x²).
/// let mean_x2 = xs.iter().map(|x| x * x).sum::<f64>() / 1000.0;
/// assert!((grad[0] + 4.0 * mean_x2).abs() < 1e-12);
/// assert!(loss > 0.0);
/// ```
pub fn batch_gradient<G, F>(shape: &G, batch: &[usize], per_example: F) -> (f64, G)
where
    G: Params + Send + Sync,
    F: Fn(usize, &mut G) -> f64 + Sync,
{
    tree_sum(shape, batch, &per_example)
}

/// The leaf sum of a short batch, or the sum of the two halves' trees.
fn tree_sum<G, F>(shape: &G, batch: &[usize], per_example: &F) -> (f64, G)
where
    G: Params + Send + Sync,
    F: Fn(usize, &mut G) -> f64 + Sync,
{
    if batch.len() <= LEAF {
        let mut grad = shape.zeros_like();
        let mut loss = 0.0;
        for &i in batch {
            loss += per_example(i, &mut grad);
        }
        return (loss, grad);
    }
    let (left, right) = batch.split_at(batch.len() / 2);
    let ((left_loss, mut grad), (right_loss, right_grad)) =
        join(|| tree_sum(shape, left, per_example), || tree_sum(shape, right, per_example));
    grad.accumulate(&right_grad);
    (left_loss + right_loss, grad)
}

#[cfg(feature = "rayon")]
use rayon::join;

/// Without rayon, the two halves one after the other: the same tree, so the
/// same bits.
#[cfg(not(feature = "rayon"))]
fn join<A, B>(a: impl FnOnce() -> A, b: impl FnOnce() -> B) -> (A, B) {
    (a(), b())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth per-example loss with a hand-written gradient:
    /// ½(w₀ + w₁ x + w₂ x²  − y)² · (1 + sin(x)), which rounds differently
    /// for every example.
    fn example(w: &[f64], d_w: &mut [f64], i: usize) -> f64 {
        let x = (i as f64 * 0.37).sin() * 3.0;
        let y = (i as f64 * 0.11).cos();
        let weight = 1.0 + x.sin();
        let r = w[0] + w[1] * x + w[2] * x * x - y;
        d_w[0] += weight * r;
        d_w[1] += weight * r * x;
        d_w[2] += weight * r * x * x;
        0.5 * weight * r * r
    }

    fn serial(w: &[f64], n: usize) -> (f64, Vec<f64>) {
        let mut grad = vec![0.0; w.len()];
        let loss = (0..n).map(|i| example(w, &mut grad, i)).sum();
        (loss, grad)
    }

    fn on_threads(threads: usize, w: &Vec<f64>, batch: &[usize]) -> (f64, Vec<f64>) {
        let run = || batch_gradient(w, batch, |i, d_w: &mut Vec<f64>| example(w, d_w, i));
        #[cfg(feature = "rayon")]
        let result = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(run);
        #[cfg(not(feature = "rayon"))]
        let result = {
            let _ = threads;
            run()
        };
        result
    }

    #[test]
    fn the_batch_gradient_is_the_serial_sum() {
        let w = vec![0.3, -1.2, 0.7];
        for n in [0, 1, LEAF, LEAF + 1, 257, 4096] {
            let batch: Vec<usize> = (0..n).collect();
            let (loss, grad) = on_threads(2, &w, &batch);
            let (serial_loss, serial_grad) = serial(&w, n);
            let scale = serial_loss.abs().max(1.0);
            assert!((loss - serial_loss).abs() <= 1e-12 * scale, "n = {n}: {loss} vs {serial_loss}");
            for (a, b) in grad.iter().zip(&serial_grad) {
                assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "n = {n}: {grad:?} vs {serial_grad:?}");
            }
        }
    }

    #[test]
    fn the_bits_do_not_depend_on_the_thread_count() {
        let w = vec![0.3, -1.2, 0.7];
        let batch: Vec<usize> = (0..1000).rev().collect();
        let (loss, grad) = on_threads(1, &w, &batch);
        for threads in [2, 3, 8] {
            let (other_loss, other_grad) = on_threads(threads, &w, &batch);
            assert_eq!(loss.to_bits(), other_loss.to_bits(), "{threads} threads");
            let bits = |g: &[f64]| g.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&grad), bits(&other_grad), "{threads} threads");
        }
    }

    #[test]
    fn only_the_batch_is_visited_once_each() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let visits: Vec<AtomicUsize> = (0..100).map(|_| AtomicUsize::new(0)).collect();
        let batch: Vec<usize> = (0..100).filter(|i| i % 3 != 0).collect();
        let (loss, grad) = batch_gradient(&0.0f64, &batch, |i, d: &mut f64| {
            visits[i].fetch_add(1, Ordering::Relaxed);
            *d += 1.0;
            i as f64
        });
        for (i, v) in visits.iter().enumerate() {
            assert_eq!(v.load(Ordering::Relaxed), usize::from(i % 3 != 0), "example {i}");
        }
        assert_eq!(grad, batch.len() as f64);
        assert_eq!(loss, batch.iter().sum::<usize>() as f64);
    }
}
