//! Tuples made where the IR has no tuple values (round 17): a tuple `let`
//! from a branch (`let (a, b) = if c { (x, y) } else { .. };`, `= match k
//! { .. };`) and a `fold` with a tuple accumulator (an argmax, Welford's
//! running mean and variance). Both were refused. Each arm's or pass's
//! tuple is now taken apart where it is made (`lower/tuple_values.rs`).
//! Checked against closed forms and central differences, `_jvp` against
//! the gradient, `_hvp` against differences of the gradient.

mod common;

use autodiff::prelude::*;
use common::close;

fn differences(f: &dyn Fn(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
    let h = 1e-6;
    (0..x.len())
        .map(|j| {
            let (mut up, mut down) = (x.to_vec(), x.to_vec());
            up[j] += h;
            down[j] -= h;
            (f(&up) - f(&down)) / (2.0 * h)
        })
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

#[grad(forward, reverse, hessian)]
fn split(v: f64) -> (f64, f64) {
    (v * v, v + 1.0)
}

/// The pair a branch picks: the arms read `a` and `b` as they were.
#[grad(forward, reverse, hessian)]
fn picked(x: &[f64], k: usize) -> f64 {
    let (a, b) = (x[0], x[1]);
    let (a, b): (f64, f64) = match k {
        0 => (b, a * 3.0),
        1 => {
            let t = a * b;
            (t, a)
        }
        2 => split(a),
        _ => {
            if a > b {
                (a.sin(), b)
            } else {
                split(b)
            }
        }
    };
    a * b + a
}

#[test]
fn a_tuple_from_each_arm() {
    let x = [0.6, 0.9];
    let closed = |k: usize, a: f64, b: f64| match k {
        0 => (b * 3.0 * a + b, [3.0 * b, 3.0 * a + 1.0]),
        1 => (a * b * a + a * b, [2.0 * a * b + b, a * a + a]),
        2 => ((a * a) * (a + 1.0) + a * a, [3.0 * a * a + 4.0 * a, 0.0]),
        _ => ((b * b) * (b + 1.0) + b * b, [0.0, 3.0 * b * b + 4.0 * b]),
    };
    for k in 0..4 {
        let mut d = [0.0; 2];
        let value = picked_grad(&x, &mut d, k);
        let (want, gradient) = closed(k, x[0], x[1]);
        assert!(close(value, want, 1e-12), "{k}: {value} {want}");
        assert!(close(d[0], gradient[0], 1e-12) && close(d[1], gradient[1], 1e-12), "{k}: {d:?}");
        let v = [1.0, -2.0];
        assert!(close(picked_jvp(&x, &v, k).1, dot(&d, &v), 1e-12));
        let mut hv = [0.0; 2];
        picked_hvp(&x, &v, &mut hv, k);
        let row = |j: usize| {
            let g = |y: &[f64]| {
                let mut d = [0.0; 2];
                picked_grad(y, &mut d, k);
                d[j]
            };
            dot(&differences(&g, &x), &v)
        };
        assert!((hv[0] - row(0)).abs() < 1e-6 && (hv[1] - row(1)).abs() < 1e-6, "{k}: {hv:?}");
    }
}

/// The largest element times its position plus one: an argmax by `fold`.
#[grad(forward, reverse, hessian)]
fn top_by_rank(x: &[f64]) -> f64 {
    let (best, top) =
        x.iter().enumerate().fold((0, f64::NEG_INFINITY), |(b, t), (i, &v)| if v > t { (i, v) } else { (b, t) });
    top * (best as f64 + 1.0)
}

#[test]
fn an_argmax_by_fold() {
    let x = [0.3, 1.9, -0.4, 1.2];
    let mut d = [0.0; 4];
    assert!(close(top_by_rank_grad(&x, &mut d), 3.8, 1e-12));
    assert_eq!(d, [0.0, 2.0, 0.0, 0.0]);
    assert!(close(top_by_rank_jvp(&x, &[1.0, 1.0, 1.0, 1.0]).1, 2.0, 1e-12));
}

/// Welford's running mean and variance, the sample variance.
#[grad(forward, reverse, hessian)]
fn variance(x: &[f64]) -> f64 {
    let (n, _mean, m2) = x.iter().fold((0.0, 0.0, 0.0), |(n, mean, m2), &v| {
        let n1 = n + 1.0;
        let delta = v - mean;
        let mean1 = mean + delta / n1;
        (n1, mean1, m2 + delta * (v - mean1))
    });
    m2 / (n - 1.0)
}

/// The same spread from two sums of the doubled values, after a `map`.
#[grad(forward, reverse, hessian)]
fn spread(x: &[f64]) -> f64 {
    let (s, q) = x.iter().map(|v| v * 2.0).fold((0.0, 0.0), |(s, q), v| (s + v, q + v * v));
    q - s * s / x.len() as f64
}

#[test]
fn running_sums_by_fold() {
    let x = [0.3, 1.9, -0.4, 1.2];
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    // d/dxᵢ of Σ(x - x̄)²/(n - 1) is 2(xᵢ - x̄)/(n - 1); the spread is 4(n - 1) times it.
    let gradient: Vec<f64> = x.iter().map(|v| 2.0 * (v - mean) / (n - 1.0)).collect();
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    let mut d = [0.0; 4];
    assert!(close(variance_grad(&x, &mut d), var, 1e-12));
    assert!(d.iter().zip(&gradient).all(|(d, g)| close(*d, *g, 1e-12)), "{d:?}");
    let mut d = [0.0; 4];
    assert!(close(spread_grad(&x, &mut d), 4.0 * (n - 1.0) * var, 1e-12));
    assert!(d.iter().zip(&gradient).all(|(d, g)| close(*d, 4.0 * (n - 1.0) * g, 1e-12)), "{d:?}");
    let v = [1.0, 0.0, -1.0, 0.5];
    assert!(close(variance_jvp(&x, &v).1, dot(&gradient, &v), 1e-12));
    // The Hessian of the sample variance is 2(I - 11ᵀ/n)/(n - 1).
    let mut hv = [0.0; 4];
    variance_hvp(&x, &v, &mut hv);
    let v_mean = v.iter().sum::<f64>() / n;
    for j in 0..4 {
        assert!(close(hv[j], 2.0 * (v[j] - v_mean) / (n - 1.0), 1e-12), "{hv:?}");
    }
}

/// Rows chosen in a typed tuple, and a fold whose closure holds a closure
/// that returns (review 25: refused as a return of the fold's closure).
#[grad(forward, reverse, hessian)]
fn typed_rows(x: &[f64]) -> f64 {
    let p = [x[0], x[1]];
    let q = [x[1], x[0] * 2.0];
    let (r, s): ([f64; 2], f64) = if x[2] > 0.0 { (p, x[2]) } else { (q, x[3]) };
    r[0] * r[1] * s
}

#[grad(forward, reverse, hessian)]
fn positive_squares_times_sum(x: &[f64]) -> f64 {
    let (a, b) = x.iter().fold((0.0, 0.0), |(a, b), &v| {
        let square = |u: f64| {
            if u < 0.0 {
                return 0.0;
            }
            u * u
        };
        (a + square(v), b + v)
    });
    a * b
}

#[test]
fn typed_rows_and_nested_closures() {
    let x = [0.5, 1.5, 2.0, -1.0];
    let mut d = [0.0; 4];
    assert!(close(typed_rows_grad(&x, &mut d), 1.5, 1e-12));
    assert_eq!(d, [3.0, 1.0, 0.75, 0.0]);
    // a = 0.25 + 4, b = 1: ∂/∂x₀ = 2·0.5·b + a, ∂/∂x₁ = a, ∂/∂x₂ = 2·2·b + a.
    let y = [0.5, -1.5, 2.0];
    let mut d = [0.0; 3];
    assert!(close(positive_squares_times_sum_grad(&y, &mut d), 4.25, 1e-12));
    assert!(close(d[0], 5.25, 1e-12) && close(d[1], 4.25, 1e-12) && close(d[2], 8.25, 1e-12), "{d:?}");
    assert!(close(positive_squares_times_sum_jvp(&y, &[1.0, 1.0, 1.0]).1, 17.75, 1e-12));
}

/// Rows chosen without a type, in a tuple and by a deferred `let`: the
/// name takes the shape of the array it is given (review 25: refused,
/// naming the generated `__tuple`). (The deferred `let` is written as some
/// users write it, which clippy would have be an `if` value.)
#[allow(clippy::needless_late_init)]
#[grad(forward, reverse, hessian)]
fn untyped_rows(x: &[f64]) -> f64 {
    let p = [x[0], x[1]];
    let q = [x[1], x[0] * 2.0];
    let (r, s) = if x[2] > 0.0 { (p, x[2]) } else { (q, x[3]) };
    let t;
    if x[3] > 0.0 {
        t = p;
    } else {
        t = q;
    }
    r[0] * r[1] * s + t[1]
}

#[test]
fn untyped_rows_take_their_shape() {
    for x in [[0.5, 1.5, 2.0, -1.0], [0.5, 1.5, -2.0, 3.0]] {
        let mut d = [0.0; 4];
        let value = untyped_rows_grad(&x, &mut d);
        let (want, gradient) = if x[2] > 0.0 {
            (x[0] * x[1] * x[2] + 2.0 * x[0], [x[1] * x[2] + 2.0, x[0] * x[2], x[0] * x[1], 0.0])
        } else {
            (2.0 * x[0] * x[1] * x[3] + x[1], [2.0 * x[1] * x[3], 2.0 * x[0] * x[3] + 1.0, 0.0, 2.0 * x[0] * x[1]])
        };
        assert!(close(value, want, 1e-12), "{value} {want}");
        assert!(d.iter().zip(&gradient).all(|(d, g)| close(*d, *g, 1e-12)), "{d:?} {gradient:?}");
        let v = [1.0, -1.0, 0.5, 2.0];
        assert!(close(untyped_rows_jvp(&x, &v).1, dot(&d, &v), 1e-12));
    }
}
