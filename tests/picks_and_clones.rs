//! Element picks and copies written the way Rust code writes them (round
//! 19, D5 and D7): `*x.last().unwrap()`, `x.first().unwrap()`,
//! `x.get(i).expect(..)`, read as the element they pick, and `u.clone()` of
//! a vector or an array, a copy with its own derivative (the explicit heat
//! equation keeps the old state with `let old = u.clone();`), and a buffer
//! given a copy, `u = next.clone();` (round 20, D6: the time step's swap).
//! Refused before, each asking for the index or `to_vec`. Checked in every
//! mode against closed forms and central differences.

// The clones are the point: as a user writes them, before clippy.
#![allow(clippy::clone_on_copy, clippy::ptr_arg)]

mod common;

use autodiff::prelude::*;
use common::close;

/// `x_{n−1}·x₀ + x₁² + r₁·r₀₀` with `r = rows[1]`.
#[grad(forward, reverse, hessian)]
fn picks(x: &[f64], rows: &[[f64; 2]]) -> f64 {
    let last = *x.last().unwrap();
    let first = x.first().unwrap();
    let k = 1;
    let g = x.get(k).expect("two elements");
    let r = rows[k].last().unwrap();
    let sign = if x.first().unwrap() > &0.0 { 1.0 } else { -1.0 };
    last * first * sign + g * g + r * rows.first().unwrap()[0] - -x.last().unwrap()
}

#[test]
fn picked_elements_are_the_elements() {
    let (x, rows) = ([0.5, -1.5, 2.0], [[0.25, 3.0], [-0.75, 1.25]]);
    let (mut dx, mut drows) = ([0.0; 3], [[0.0; 2]; 2]);
    let value = picks_grad(&x, &mut dx, &rows, &mut drows);
    assert!(close(value, 2.0 * 0.5 + 2.25 + 1.25 * 0.25 + 2.0, 1e-15));
    assert_eq!(dx, [2.0, 2.0 * -1.5, 0.5 + 1.0]);
    assert_eq!(drows, [[1.25, 0.0], [0.0, 0.25]]);
    let (v, vr) = ([1.0, 0.5, -1.0], [[2.0, 0.0], [0.0, 1.0]]);
    let (_, tangent) = picks_jvp(&x, &v, &rows, &vr);
    let along = dx.iter().zip(&v).map(|(d, v)| d * v).sum::<f64>() + 1.25 * 2.0 + 0.25 * 1.0;
    assert!(close(tangent, along, 1e-15));
    let (mut hx, mut hr) = ([0.0; 3], [[0.0; 2]; 2]);
    picks_hvp(&x, &v, &mut hx, &rows, &vr, &mut hr);
    // The Hessian of the bilinear and square terms, applied to v.
    assert_eq!(hx, [v[2], 2.0 * v[1], v[0]]);
    assert_eq!(hr, [[vr[1][1], 0.0], [0.0, vr[0][0]]]);
}

/// Three explicit steps of the heat equation, the old state kept by
/// `clone`, then `Σ uᵢ² + 2a₀·a₁` of an array cloned and changed (the
/// factor `b₁ / a₁ = 1` read by a pick of the clone, round 20 D9).
#[grad(forward, reverse, hessian)]
fn heat(u0: &[f64], k: f64) -> f64 {
    let mut u = u0.to_vec();
    for _ in 0..3 {
        let old = u.clone();
        for i in 1..u.len() - 1 {
            u[i] = old[i] + k * (old[i - 1] - 2.0 * old[i] + old[i + 1]);
        }
    }
    let a = [u[0], u[1]];
    let mut b = a.clone();
    b[0] *= 2.0 * b.last().unwrap() / a[1];
    u.iter().map(|v| v * v).sum::<f64>() + b[0] * a[1]
}

/// Clones of a `&Vec` and of a `&[f64; 2]` parameter: `2·w₀·p₁·w₁ + p₀`.
#[grad(forward, reverse, hessian)]
fn clone_params(w: &Vec<f64>, p: &[f64; 2]) -> f64 {
    let mut c = w.clone();
    let q = p.to_owned();
    c[0] *= q[1];
    2.0 * c[0] * c[1] + q[0] + w[0] * 0.0
}

#[test]
fn clones_are_copies_with_their_own_derivative() {
    let (u0, k) = ([0.0, 1.0, 0.5, -0.25, 0.0], 0.2);
    let plain = |w: &[f64]| {
        let mut u = w[..5].to_vec();
        for _ in 0..3 {
            let old = u.clone();
            for i in 1..4 {
                u[i] = old[i] + w[5] * (old[i - 1] - 2.0 * old[i] + old[i + 1]);
            }
        }
        u.iter().map(|v| v * v).sum::<f64>() + 2.0 * u[0] * u[1]
    };
    let at = [u0[0], u0[1], u0[2], u0[3], u0[4], k];
    let mut du = [0.0; 5];
    let (value, dk) = heat_grad(&u0, &mut du, k);
    assert!(close(value, plain(&at), 1e-14));
    let numeric = numeric_gradient(plain, &at);
    for (got, want) in du.iter().chain([&dk]).zip(&numeric) {
        assert!(close(*got, *want, 1e-7), "{du:?} {dk} against {numeric:?}");
    }
    let v = [0.5, -1.0, 0.25, 0.0, 1.0];
    let (_, tangent) = heat_jvp(&u0, &v, k, 0.5);
    let along = du.iter().zip(&v).map(|(d, v)| d * v).sum::<f64>() + 0.5 * dk;
    assert!(close(tangent, along, 1e-12));
    let mut hu = [0.0; 5];
    let (_, hk) = heat_hvp(&u0, &v, &mut hu, k, 0.5);
    let step = 1e-5;
    let shifted = |s: f64| {
        let w: Vec<f64> = u0.iter().zip(&v).map(|(u, v)| u + s * v).collect();
        let mut d = [0.0; 5];
        let (_, dk) = heat_grad(&w, &mut d, k + s * 0.5);
        (d, dk)
    };
    let ((plus, plus_k), (minus, minus_k)) = (shifted(step), shifted(-step));
    for i in 0..5 {
        assert!(close(hu[i], (plus[i] - minus[i]) / (2.0 * step), 1e-6), "{hu:?}");
    }
    assert!(close(hk, (plus_k - minus_k) / (2.0 * step), 1e-6));

    let (w, p) = (vec![0.5, -2.0], [3.0, 1.5]);
    let (mut dw, mut dp) = (vec![0.0; 2], [0.0; 2]);
    let value = clone_params_grad(&w, &mut dw, &p, &mut dp);
    assert!(close(value, 2.0 * 0.5 * 1.5 * -2.0 + 3.0, 1e-15));
    assert_eq!(dw, [2.0 * 1.5 * -2.0, 2.0 * 0.5 * 1.5]);
    assert_eq!(dp, [1.0, 2.0 * 0.5 * -2.0]);
}

/// A type of the user's whose `get` is not its index (review 27, A1: the
/// pick was read as `r[0]`, a silent wrong value): kept as written, a
/// method of a constant.
struct Ring {
    buf: Vec<f64>,
    head: usize,
}

impl Ring {
    fn get(&self, i: usize) -> Option<f64> {
        self.buf.get((self.head + i) % self.buf.len()).copied()
    }
}

impl std::ops::Index<usize> for Ring {
    type Output = f64;
    fn index(&self, i: usize) -> &f64 {
        &self.buf[i]
    }
}

#[grad(forward, reverse, wrt(x))]
fn through_a_ring(x: f64, r: &Ring) -> f64 {
    x * x * r.get(0).unwrap()
}

#[test]
fn a_get_of_another_type_is_its_own() {
    let r = Ring { buf: vec![10.0, 20.0, 30.0], head: 1 };
    assert_eq!(through_a_ring_grad(2.0, &r), (80.0, 80.0));
    assert_eq!(through_a_ring_jvp(2.0, 1.0, &r), (80.0, 80.0));
}

/// Three explicit heat steps that swap buffers by `u = next.clone()` (round
/// 20, D6), then `Σ uᵢ²`; the first step's source is a slice parameter's
/// copy (`u = u0.to_vec()`), and an array takes another's values by
/// `a = b.clone()`: `+ a₀·a₁` of `a = [u₁, u₂]` (after `a = [k, k]`, read
/// before: `+ a₀ − k`).
#[grad(forward, reverse, hessian, graph)]
fn heat_by_swaps(u0: &[f64], k: f64) -> f64 {
    let mut u = vec![0.0; u0.len()];
    u = u0.to_vec();
    let mut next = u.clone();
    for _ in 0..3 {
        for i in 1..u.len() - 1 {
            next[i] = u[i] + k * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
        }
        u = next.clone();
    }
    let mut a = [k, k];
    let before = a[0] - k;
    let b = [u[1], u[2]];
    a = b.clone();
    u.iter().map(|v| v * v).sum::<f64>() + a[0] * a[1] + before
}

/// A buffer given a longer one's values: `u` takes `w`'s length, as in Rust
/// (`Σ uᵢ·wᵢ` over all of `w`'s elements, so `2·Σ wᵢ²`).
#[grad(forward, reverse, hessian, graph)]
fn takes_the_length(w: &[f64]) -> f64 {
    let mut u = vec![1.0; 1];
    let mut longer = vec![0.0; w.len()];
    for i in 0..w.len() {
        longer[i] = 2.0 * w[i];
    }
    u = longer.to_owned();
    u.iter().zip(w).map(|(a, b)| a * b).sum()
}

#[test]
fn buffers_given_a_copy_by_assignment() {
    let plain = |w: &[f64]| {
        let (u0, k) = (&w[..5], w[5]);
        let mut u = u0.to_vec();
        let mut next = u.clone();
        for _ in 0..3 {
            for i in 1..4 {
                next[i] = u[i] + k * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
            }
            u = next.clone();
        }
        u.iter().map(|v| v * v).sum::<f64>() + u[1] * u[2]
    };
    let (u0, k) = ([0.25, 1.0, 0.5, -0.25, 0.75], 0.2);
    let at = [u0[0], u0[1], u0[2], u0[3], u0[4], k];
    let mut du = [0.0; 5];
    let (value, dk) = heat_by_swaps_grad(&u0, &mut du, k);
    assert!(close(value, plain(&at), 1e-14));
    let numeric = numeric_gradient(plain, &at);
    for (got, want) in du.iter().chain([&dk]).zip(&numeric) {
        assert!(close(*got, *want, 1e-7), "{du:?} {dk} against {numeric:?}");
    }
    let v = [0.5, -1.0, 0.25, 0.0, 1.0];
    let (_, tangent) = heat_by_swaps_jvp(&u0, &v, k, 0.5);
    let along = du.iter().zip(&v).map(|(d, v)| d * v).sum::<f64>() + 0.5 * dk;
    assert!(close(tangent, along, 1e-12));
    let mut hu = [0.0; 5];
    let (_, hk) = heat_by_swaps_hvp(&u0, &v, &mut hu, k, 0.5);
    let step = 1e-5;
    let shifted = |s: f64| {
        let w: Vec<f64> = u0.iter().zip(&v).map(|(u, v)| u + s * v).collect();
        let mut d = [0.0; 5];
        let (_, dk) = heat_by_swaps_grad(&w, &mut d, k + s * 0.5);
        (d, dk)
    };
    let ((plus, plus_k), (minus, minus_k)) = (shifted(step), shifted(-step));
    for i in 0..5 {
        assert!(close(hu[i], (plus[i] - minus[i]) / (2.0 * step), 1e-6), "{hu:?}");
    }
    assert!(close(hk, (plus_k - minus_k) / (2.0 * step), 1e-6));
    // The graph draws the copies (review 28, F1: its expansion did not
    // compile), its result the function's value.
    let g = heat_by_swaps_graph(&u0, k);
    assert_eq!(g.node(g.result().unwrap()).value().as_scalar(), Some(value));

    let w = [0.5, -2.0, 3.0];
    let g = takes_the_length_graph(&w);
    assert_eq!(g.node(g.result().unwrap()).value().as_scalar(), Some(2.0 * (0.25 + 4.0 + 9.0)));
    let mut dw = [0.0; 3];
    assert_eq!(takes_the_length_grad(&w, &mut dw), 2.0 * (0.25 + 4.0 + 9.0));
    assert_eq!(dw, [2.0, -8.0, 12.0]);
    assert_eq!(takes_the_length_jvp(&w, &[1.0, 0.0, 2.0]).1, 2.0 + 24.0);
    let mut hw = [0.0; 3];
    takes_the_length_hvp(&w, &[1.0, 0.0, 2.0], &mut hw);
    assert_eq!(hw, [4.0, 0.0, 8.0]);
}

/// A local named like the copy's temporary (review 28, F4: the temporary
/// took its place, a silent wrong value): `2x₀² + x₁`.
#[grad(forward, reverse, hessian)]
fn copy_beside_a_like_name(x: &[f64]) -> f64 {
    let __copy = x[0] * 2.0;
    let mut u = vec![0.0; 2];
    let next = vec![x[0], x[1]];
    if u[0] == 0.0 {
        u = next.clone();
    }
    u[0] * __copy + u[1]
}

#[test]
fn a_copy_keeps_to_its_own_name() {
    let mut d = [0.0; 2];
    assert_eq!(copy_beside_a_like_name_grad(&[1.5, 0.25], &mut d), 2.0 * 2.25 + 0.25);
    assert_eq!(d, [6.0, 1.0]);
    assert_eq!(copy_beside_a_like_name_jvp(&[1.5, 0.25], &[1.0, 2.0]).1, 6.0 + 2.0);
    let mut h = [0.0; 2];
    copy_beside_a_like_name_hvp(&[1.5, 0.25], &[1.0, 2.0], &mut h);
    assert_eq!(h, [4.0, 0.0]);
}
