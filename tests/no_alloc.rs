//! The generated `NAME_grad`, `NAME_vjp`, `NAME_jvp` and `NAME_hvp` of
//! scalar functions never touch the heap: no tape, no `Vec`, no `Box`, for
//! straight-line code, branches, early returns and calls of other `#[grad]`
//! functions (the runtime's activations among them) alike.
//!
//! A counting global allocator (`common::alloc`) wraps the system one. Its
//! counter is thread-local, so allocations made by the test harness (or by
//! other tests running in parallel threads) are not counted against the
//! code measured.

mod common;

use std::hint::black_box;

use autodiff::grad;
use common::alloc::{allocations_in, Counting};

#[global_allocator]
static GLOBAL: Counting = Counting;

/// `J = 3(a + bc)`: straight-line code.
#[grad(forward, reverse, hessian)]
fn straight(a: f64, b: f64, c: f64) -> f64 {
    let v = b * c;
    let u = a + v;
    3.0 * u
}

/// Overwritten variables, compound assignment and the float library.
#[grad(forward, reverse, hessian)]
fn overwrites(x: f64, y: f64) -> f64 {
    let mut t = x * y;
    t += x.sin();
    t = t.exp() / (1.0 + y * y);
    t *= x.hypot(y).sqrt();
    t.ln_1p() + f64::atan2(y, x) + x.hypot(1.0).powf(y.abs() + 0.5)
}

/// Branches, `&&`, `else if`, and `return` nested inside them.
#[grad(forward, reverse, hessian)]
fn branches(x: f64, y: f64) -> f64 {
    let mut acc = x + y;
    if x > 0.0 && y > 0.0 {
        if x > y {
            return acc * x;
        }
        acc *= 2.0;
    } else if x < -1.0 {
        return x.abs().sqrt() * y;
    }
    let z = if acc > 1.0 { acc.ln() } else { acc * acc };
    z * y + x.max(y)
}

/// Integers mixed in, with a constant integer parameter.
#[grad(forward, reverse, hessian)]
fn integers(x: f64, n: i32, y: f64) -> f64 {
    let mut count = 0;
    if x > y {
        count += n;
    }
    x.powi(n) * y + count as f64 * x
}

/// Calls of the functions above and of the runtime's activations.
#[grad(forward, reverse, hessian)]
fn composed(x: f64, y: f64) -> f64 {
    let a = straight(x, y, 2.0);
    let b = if a > 0.0 { branches(a, x) } else { overwrites(y, x) };
    integers(b, 3, y) + autodiff::sigmoid(a) * autodiff::softplus(b)
}

#[test]
fn generated_derivatives_do_not_allocate() {
    // The counter sees allocations made here: the check is not vacuous.
    let boxed = allocations_in(|| drop(black_box(Box::new(black_box(1.0)))));
    assert_eq!(boxed, 1, "the counting allocator does not count");

    let points = [(0.7, 0.3), (0.3, 0.7), (-0.4, 0.9), (-1.5, 0.5), (1.2, -0.8), (0.1, 0.05)];
    // Warm up: lazily initialised runtime state (if any) is not the
    // derivative's doing.
    for &(x, y) in &points {
        black_box(composed_grad(x, y));
    }
    let mut sink = 0.0;
    let count = allocations_in(|| {
        for &(x, y) in &points {
            let (x, y) = (black_box(x), black_box(y));
            let (v, da, db, dc) = straight_grad(x, y, 2.0);
            sink += v + da + db + dc;
            let (v, da, db, dc) = straight_vjp(x, y, 2.0, 0.5);
            sink += v + da + db + dc;
            let (v, dx, dy) = overwrites_grad(x.abs() + 0.1, y);
            sink += v + dx + dy;
            let (v, dx, dy) = overwrites_vjp(x.abs() + 0.1, y, -1.5);
            sink += v + dx + dy;
            let (v, dx, dy) = branches_grad(x, y);
            sink += v + dx + dy;
            let (v, dx, dy) = branches_vjp(x, y, 2.0);
            sink += v + dx + dy;
            let (v, dx, dy) = integers_grad(x, 3, y);
            sink += v + dx + dy;
            let (v, dx, dy) = integers_vjp(x, 2, y, 0.25);
            sink += v + dx + dy;
            let (v, dx, dy) = composed_grad(x, y);
            sink += v + dx + dy;
            let (v, dx, dy) = composed_vjp(x, y, 3.0);
            sink += v + dx + dy;
        }
    });
    black_box(sink);
    assert_eq!(count, 0, "the generated derivatives allocated {count} time(s)");
    let mut sink = 0.0;
    let count = allocations_in(|| {
        for &(x, y) in &points {
            let (x, y) = (black_box(x), black_box(y));
            let (v, d) = straight_jvp(x, 1.0, y, -0.5, 2.0, 0.25);
            sink += v + d;
            let (v, d) = overwrites_jvp(x.abs() + 0.1, 0.5, y, 1.5);
            sink += v + d;
            let (v, d) = branches_jvp(x, 1.0, y, 2.0);
            sink += v + d;
            let (v, d) = integers_jvp(x, 0.5, 3, y, -1.0);
            sink += v + d;
            let (v, d) = composed_jvp(x, 1.0, y, 0.5);
            sink += v + d;
        }
    });
    black_box(sink);
    for &(x, y) in &points {
        assert_eq!(composed_jvp(x, 1.0, y, 0.0).0, composed(x, y));
    }
    assert_eq!(count, 0, "the generated jvps allocated {count} time(s)");
    for &(x, y) in &points {
        assert_eq!(composed_grad(x, y).0, composed(x, y));
    }
    let mut sink = 0.0;
    let count = allocations_in(|| {
        for &(x, y) in &points {
            let (x, y) = (black_box(x), black_box(y));
            let (v, hx, hy, hz) = straight_hvp(x, 1.0, y, -0.5, 2.0, 0.25);
            sink += v + hx + hy + hz;
            let (v, hx, hy) = overwrites_hvp(x.abs() + 0.1, 0.5, y, 1.5);
            sink += v + hx + hy;
            let (v, hx, hy) = branches_hvp(x, 1.0, y, 2.0);
            sink += v + hx + hy;
            let (v, hx, hy) = integers_hvp(x, 0.5, 3, y, -1.0);
            sink += v + hx + hy;
            let (v, hx, hy) = composed_hvp(x, 1.0, y, 0.5);
            sink += v + hx + hy;
        }
    });
    black_box(sink);
    for &(x, y) in &points {
        assert_eq!(composed_hvp(x, 1.0, y, 0.0).0, composed(x, y));
    }
    assert_eq!(count, 0, "the generated hvps allocated {count} time(s)");
}
