//! How much a gradient keeps for its reverse sweep (issue 9): the heap a
//! `_grad` call holds at its peak, measured by a counting allocator,
//! against what the reverse sweep must read back.
//!
//! The function is ADBench's GMM inner loop (`Qtimesx` over packed lower
//! triangles): per point and component, `xc = x − μ` and `qx = exp(q)·xc`
//! overwrite `d` values each that the previous pass's reverse sweep reads,
//! so those `2d` floats, the `d` values of `exp(q)`, the counter's start and
//! the operand of `ln` are kept; the increments
//! `qx[row] += l·xc[col]` and the counter `li += 1` over the `d(d−1)/2`
//! strictly lower entries keep nothing (they kept two values each).

#![allow(clippy::needless_range_loop)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use autodiff::grad;

/// The system allocator, counting the bytes each thread holds and the most
/// it held at once.
struct Peak;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static MOST: Cell<usize> = const { Cell::new(0) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn grow(bytes: usize) {
    let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + bytes);
        let _ = MOST.try_with(|most| most.set(most.get().max(live.get())));
    });
}

fn shrink(bytes: usize) {
    let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(bytes)));
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are
// const-initialised thread-local cells, which neither allocate nor need a
// destructor.
unsafe impl GlobalAlloc for Peak {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grow(layout.size());
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrink(layout.size());
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        grow(new_size);
        shrink(layout.size());
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Peak = Peak;

/// The most heap bytes held at once while `f` runs, beyond those held before.
fn peak_bytes_of(f: impl FnOnce()) -> usize {
    let before = LIVE.with(Cell::get);
    MOST.with(|most| most.set(before));
    f();
    MOST.with(Cell::get) - before
}

/// How many allocations (`alloc` and `realloc`) `f` makes.
fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

/// `Σ_points Σ_k ln(1 + ‖Q_k (x − μ_k)‖²)`, `Q_k` lower triangular with
/// diagonal `exp(q_k)`, packed as ADBench packs it.
#[grad(wrt(means, icf))]
fn gmm_like(d: usize, k: usize, n: usize, means: &[f64], icf: &[f64], x: &[f64]) -> f64 {
    let icf_size = d * (d + 1) / 2;
    let mut xc = vec![0.0; d];
    let mut qx = vec![0.0; d];
    let mut total = 0.0;
    for ix in 0..n {
        for ik in 0..k {
            for id in 0..d {
                xc[id] = x[ix * d + id] - means[ik * d + id];
            }
            for id in 0..d {
                qx[id] = icf[ik * icf_size + id].exp() * xc[id];
            }
            let mut li = ik * icf_size + d;
            for col in 0..d {
                for row in col + 1..d {
                    qx[row] += icf[li] * xc[col];
                    li += 1;
                }
            }
            let sq: f64 = qx.iter().map(|v| v * v).sum();
            total += (1.0 + sq).ln();
        }
    }
    total
}

/// Deterministic values in `[-1, 1)`.
fn values(len: usize, seed: u64) -> Vec<f64> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        })
        .collect()
}

#[test]
fn the_gmm_triangle_keeps_nothing_per_multiply_add() {
    let (d, k, n) = (16, 6, 8);
    let icf_size = d * (d + 1) / 2;
    let means = values(k * d, 1);
    let icf: Vec<f64> = values(k * icf_size, 2).iter().map(|v| 0.3 * v).collect();
    let x = values(n * d, 3);
    let (mut d_means, mut d_icf) = (vec![0.0; k * d], vec![0.0; k * icf_size]);
    let peak = peak_bytes_of(|| {
        gmm_like_grad(d, k, n, &means, &mut d_means, &icf, &mut d_icf, &x);
    });
    // Kept per pass: `xc`, `qx` and `exp(q)` (3d floats), the counter's
    // start and `1 + ‖qx‖²` (what `ln` is differentiated at); the locals `xc`,
    // `qx` and their adjoints (4d floats).
    let passes = n * k;
    let kept = 8 * passes * (3 * d + 2);
    let locals = 8 * 4 * d;
    // One save per multiply-add of the triangle would add 8·passes·d(d−1).
    let per_increment = 8 * passes * d * (d - 1);
    assert!(
        peak <= kept + locals + 1024,
        "peak {peak} B; kept {kept} B, locals {locals} B (a save per increment and counter step: {per_increment} B more)"
    );

    // And the gradient is the gradient: central differences in a few directions.
    let f = |means: &[f64], icf: &[f64]| gmm_like(d, k, n, means, icf, &x);
    for (seed, h) in [(4, 1e-6), (5, 1e-6)] {
        let dm = values(means.len(), seed);
        let di = values(icf.len(), seed + 10);
        let shifted = |t: f64| {
            let m: Vec<f64> = means.iter().zip(&dm).map(|(a, b)| a + t * b).collect();
            let i: Vec<f64> = icf.iter().zip(&di).map(|(a, b)| a + t * b).collect();
            f(&m, &i)
        };
        let numeric = (shifted(h) - shifted(-h)) / (2.0 * h);
        let analytic: f64 = d_means.iter().zip(&dm).map(|(a, b)| a * b).sum::<f64>()
            + d_icf.iter().zip(&di).map(|(a, b)| a * b).sum::<f64>();
        assert!((numeric - analytic).abs() <= 1e-6 * (1.0 + analytic.abs()), "{numeric} vs {analytic}");
    }
}

/// A running product over a strictly lower triangle: one saved value per
/// pass, `d(d−1)/2` passes, the inner range starting at `col + 1`. (`y`,
/// read by every pass and written after the nest, keeps the passes of `col`
/// from being run again one at a time: the whole triangle is kept.)
#[grad]
fn triangle_product(x: &[f64], d: usize) -> f64 {
    let mut y = x[0];
    let mut p = 1.0;
    for col in 0..d {
        for row in col + 1..d {
            p = p * x[row] + y * x[col];
        }
    }
    y = 2.0;
    p * y
}

#[test]
fn a_triangular_stack_allocates_once_and_exactly() {
    let d = 40;
    let x: Vec<f64> = values(d, 7).iter().map(|v| 0.5 + 0.25 * v).collect();
    let mut dx = vec![0.0; d];
    // The passes are counted before the nest: one allocation of exactly
    // d(d−1)/2 values, where a growing stack reallocates about log₂ times.
    let allocations = allocations_in(|| {
        triangle_product_grad(&x, &mut dx, d);
    });
    let peak = peak_bytes_of(|| {
        triangle_product_grad(&x, &mut dx, d);
    });
    assert_eq!(allocations, 1);
    assert_eq!(peak, 8 * d * (d - 1) / 2);
}

/// The most heap `gmm_like_grad` holds for `n` points of `d` dimensions and
/// `k` components.
fn gmm_like_peak(d: usize, k: usize, n: usize) -> usize {
    let icf_size = d * (d + 1) / 2;
    let means = values(k * d, 1);
    let icf: Vec<f64> = values(k * icf_size, 2).iter().map(|v| 0.3 * v).collect();
    let x = values(n * d, 3);
    let (mut d_means, mut d_icf) = (vec![0.0; k * d], vec![0.0; k * icf_size]);
    peak_bytes_of(|| {
        gmm_like_grad(d, k, n, &means, &mut d_means, &icf, &mut d_icf, &x);
    })
}

#[test]
fn gmm_points_keep_one_point_at_a_time() {
    // The loop over points keeps one point's saves at a time (independent
    // passes, each reversed right after it runs): the stacks hold one
    // point's components, whatever the number of points.
    let (d, k) = (8, 5);
    // Per component: `xc`, `qx` and `exp(q)` (3d floats), the counter's start
    // and `1 + ‖qx‖²`; a stack grows by doubling, so it holds at most twice
    // what it keeps (or 4 values, a `Vec`'s first allocation).
    let one_point = 8 * k * (3 * d + 2);
    let locals = 8 * 4 * d;
    let stacks = 5;
    // Each point is reversed as soon as it has run (`reverse/immediate.rs`),
    // its contributions summed in scratch as large as the adjoints it adds
    // into: the shadows of `means` and `icf`, and those of `xc` and `qx`.
    let icf_size = d * (d + 1) / 2;
    let scratch = 8 * (k * d + k * icf_size + 2 * d);
    let few = gmm_like_peak(d, k, 4);
    let many = gmm_like_peak(d, k, 64);
    assert!(few <= 2 * one_point + stacks * 32 + locals + scratch + 1024, "peak {few} B, one point {one_point} B");
    assert_eq!(many, few, "64 points hold what 4 do");
    // Without it the stacks held every point: 64 points, 64 × one_point.
    assert!(many < 4 * one_point + scratch, "peak {many} B against {} B for all points", 64 * one_point);
}

/// ADBench's `Qtimesx`, a callee writing its buffer in place (it may read it).
#[grad]
fn packed_times(q: &[f64], l: &[f64], x: &[f64], out: &mut [f64]) {
    let d = x.len();
    for i in 0..d {
        out[i] = q[i] * x[i];
    }
    let mut li = 0;
    for col in 0..d {
        for row in col + 1..d {
            out[row] += l[li] * x[col];
            li += 1;
        }
    }
}

/// `ln Σ exp(vᵢ)`, the maximum shifted out.
#[grad]
fn shifted_lse(v: &[f64]) -> f64 {
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

/// GMM's main term as the benchmark writes it: the helpers called.
#[grad(wrt(alphas, means, icf))]
fn gmm_calls(d: usize, k: usize, n: usize, alphas: &[f64], means: &[f64], icf: &[f64], x: &[f64]) -> f64 {
    let icf_size = d * (d + 1) / 2;
    let mut q = vec![0.0; k * d];
    for i in 0..k * d {
        q[i] = icf[(i / d) * icf_size + i % d].exp();
    }
    let mut xc = vec![0.0; d];
    let mut qx = vec![0.0; d];
    let mut main_term = vec![0.0; k];
    let mut slse = 0.0;
    for ix in 0..n {
        for ik in 0..k {
            for id in 0..d {
                xc[id] = x[ix * d + id] - means[ik * d + id];
            }
            let ltri = ik * icf_size + d;
            packed_times(&q[ik * d..(ik + 1) * d], &icf[ltri..(ik + 1) * icf_size], &xc, &mut qx);
            let sq: f64 = qx.iter().map(|v| v * v).sum();
            main_term[ik] = alphas[ik] - 0.5 * sq;
        }
        slse += shifted_lse(&main_term);
    }
    slse
}

fn gmm_calls_peak(d: usize, k: usize, n: usize) -> usize {
    let icf_size = d * (d + 1) / 2;
    let alphas = values(k, 4);
    let means = values(k * d, 1);
    let icf: Vec<f64> = values(k * icf_size, 2).iter().map(|v| 0.3 * v).collect();
    let x = values(n * d, 3);
    let (mut d_alphas, mut d_means, mut d_icf) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * icf_size]);
    peak_bytes_of(|| {
        gmm_calls_grad(d, k, n, &alphas, &mut d_alphas, &means, &mut d_means, &icf, &mut d_icf, &x);
    })
}

#[test]
fn gmm_calling_its_helpers_keeps_one_point_and_the_lent_buffer_per_point() {
    // Per point the forward sweep keeps only the buffer lent to `packed_times`
    // (d floats and its length: the callee may read it); the reverse sweep's
    // stacks hold one point's components (per component `xc`, a copy of
    // `qx` in its own allocation, its length and a term: more than 2d
    // floats).
    let (d, k) = (8, 5);
    let per_point_snapshot = 8 * d + 8;
    let one_point = k * (8 * 2 * d + 24 + 16);
    let (few, many) = (gmm_calls_peak(d, k, 4), gmm_calls_peak(d, k, 64));
    assert!(
        many <= few + 60 * per_point_snapshot,
        "peak {few} B for 4 points, {many} B for 64; kept per point {per_point_snapshot} B"
    );
    assert!(many < few + 60 * one_point / 4, "the 60 more points cost less than a quarter of their saves");

    // And the gradient is the gradient: central differences in a direction.
    let (d, k, n) = (3, 2, 5);
    let icf_size = d * (d + 1) / 2;
    let (alphas, means) = (values(k, 4), values(k * d, 1));
    let icf: Vec<f64> = values(k * icf_size, 2).iter().map(|v| 0.3 * v).collect();
    let x = values(n * d, 3);
    let (mut d_alphas, mut d_means, mut d_icf) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * icf_size]);
    gmm_calls_grad(d, k, n, &alphas, &mut d_alphas, &means, &mut d_means, &icf, &mut d_icf, &x);
    let (da, dm, di) = (values(k, 14), values(k * d, 15), values(k * icf_size, 16));
    let shifted = |t: f64| {
        let along = |v: &[f64], dv: &[f64]| -> Vec<f64> { v.iter().zip(dv).map(|(a, b)| a + t * b).collect() };
        gmm_calls(d, k, n, &along(&alphas, &da), &along(&means, &dm), &along(&icf, &di), &x)
    };
    let h = 1e-6;
    let numeric = (shifted(h) - shifted(-h)) / (2.0 * h);
    let dot = |g: &[f64], v: &[f64]| -> f64 { g.iter().zip(v).map(|(a, b)| a * b).sum() };
    let analytic = dot(&d_alphas, &da) + dot(&d_means, &dm) + dot(&d_icf, &di);
    assert!((numeric - analytic).abs() <= 1e-6 * (1.0 + analytic.abs()), "{numeric} vs {analytic}");
}

/// `packed_times` with `d` taken from the buffer's length: its first loop
/// then provably writes all of `out`, and its companion says so
/// (`FILLED_FIRST`).
#[grad]
fn packed_times_filled(q: &[f64], l: &[f64], x: &[f64], out: &mut [f64]) {
    let d = out.len();
    for i in 0..d {
        out[i] = q[i] * x[i];
    }
    let mut li = 0;
    for col in 0..d {
        for row in col + 1..d {
            out[row] += l[li] * x[col];
            li += 1;
        }
    }
}

/// `gmm_calls` through `packed_times_filled`.
#[grad(wrt(alphas, means, icf))]
fn gmm_filled_calls(d: usize, k: usize, n: usize, alphas: &[f64], means: &[f64], icf: &[f64], x: &[f64]) -> f64 {
    let icf_size = d * (d + 1) / 2;
    let mut q = vec![0.0; k * d];
    for i in 0..k * d {
        q[i] = icf[(i / d) * icf_size + i % d].exp();
    }
    let mut xc = vec![0.0; d];
    let mut qx = vec![0.0; d];
    let mut main_term = vec![0.0; k];
    let mut slse = 0.0;
    for ix in 0..n {
        for ik in 0..k {
            for id in 0..d {
                xc[id] = x[ix * d + id] - means[ik * d + id];
            }
            let ltri = ik * icf_size + d;
            packed_times_filled(&q[ik * d..(ik + 1) * d], &icf[ltri..(ik + 1) * icf_size], &xc, &mut qx);
            let sq: f64 = qx.iter().map(|v| v * v).sum();
            main_term[ik] = alphas[ik] - 0.5 * sq;
        }
        slse += shifted_lse(&main_term);
    }
    slse
}

#[test]
fn a_buffer_its_callee_fills_first_is_not_kept_per_point() {
    assert_eq!(packed_times_filled::FILLED_FIRST, [false, false, false, true]);
    // `packed_times` loops over `x`'s length, which `out`'s need not be.
    assert_eq!(packed_times::FILLED_FIRST, [false; 4]);
    let (d, k) = (8, 5);
    let icf_size = d * (d + 1) / 2;
    let peak = |n: usize| {
        let alphas = values(k, 4);
        let means = values(k * d, 1);
        let icf: Vec<f64> = values(k * icf_size, 2).iter().map(|v| 0.3 * v).collect();
        let x = values(n * d, 3);
        let (mut d_alphas, mut d_means, mut d_icf) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * icf_size]);
        peak_bytes_of(|| {
            gmm_filled_calls_grad(d, k, n, &alphas, &mut d_alphas, &means, &mut d_means, &icf, &mut d_icf, &x);
        })
    };
    assert_eq!(peak(64), peak(4), "64 points hold what 4 do");
    // The snapshot was 8d + 8 bytes a point.
    assert!(
        peak(64) + 60 * (8 * d + 8) <= gmm_calls_peak(d, k, 64),
        "{} B against {} B",
        peak(64),
        gmm_calls_peak(d, k, 64)
    );

    // The same gradient as through `packed_times`, which keeps the snapshots.
    let n = 7;
    let alphas = values(k, 4);
    let means = values(k * d, 1);
    let icf: Vec<f64> = values(k * icf_size, 2).iter().map(|v| 0.3 * v).collect();
    let x = values(n * d, 3);
    let gradient = |filled: bool| {
        let (mut d_alphas, mut d_means, mut d_icf) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * icf_size]);
        let value = if filled {
            gmm_filled_calls_grad(d, k, n, &alphas, &mut d_alphas, &means, &mut d_means, &icf, &mut d_icf, &x)
        } else {
            gmm_calls_grad(d, k, n, &alphas, &mut d_alphas, &means, &mut d_means, &icf, &mut d_icf, &x)
        };
        (value, [d_alphas, d_means, d_icf].concat())
    };
    let ((value, filled), (reference, kept)) = (gradient(true), gradient(false));
    assert_eq!(value, reference);
    for (a, b) in filled.iter().zip(&kept) {
        assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
    }
}
