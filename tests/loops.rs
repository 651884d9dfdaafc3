//! Loops and arrays end to end: each generated gradient against central
//! differences (or its closed form).

// Index loops and `p = p * x` are the shapes under test, written on purpose.
#![allow(clippy::needless_range_loop, clippy::assign_op_pattern)]

use autodiff::grad;

#[grad]
fn dot(w: &[f64], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        s += w[i] * x[i];
    }
    s
}

#[grad]
fn running_product(x: &[f64]) -> f64 {
    let mut p = 1.0;
    for i in 0..x.len() {
        p = p * x[i];
    }
    p
}

#[grad]
fn zip_sum(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y.iter()).map(|(a, b)| a * b).sum::<f64>() + x.iter().map(|v| v.sin()).sum::<f64>()
}

#[grad]
fn while_halving(x: f64) -> f64 {
    let mut v = x;
    let mut n = 0;
    while v > 1.0 {
        v = v * 0.5 + v.sin() * 0.01;
        n += 1;
    }
    v * (n as f64)
}

/// A `while` with a compound condition and a `continue`: its condition is
/// set back to `true` in the reverse sweep, not saved.
#[grad]
fn while_sines(x: f64, eps: f64) -> f64 {
    let mut y = x;
    let mut s = 0.0;
    while y > eps && s < 2.0 {
        s += y.sin();
        y = y * 0.5;
        if s > 1.5 {
            continue;
        }
        s += 0.1 * y;
    }
    s
}

#[grad]
fn breaks(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &v in x.iter() {
        if v < 0.0 {
            continue;
        }
        s += v * v;
        if s > 10.0 {
            break;
        }
    }
    s
}

#[grad]
fn matvec(w: &[[f64; 3]; 2], x: &[f64; 3], y: &mut [f64; 2]) {
    for i in 0..2 {
        let mut z = 0.0;
        for j in 0..3 {
            z += w[i][j] * x[j];
        }
        y[i] = z.tanh();
    }
}

#[grad]
fn layer(w: &[[f64; 3]; 2], x: &[f64; 3]) -> f64 {
    let mut h = [0.0; 2];
    for i in 0..2 {
        let mut z = 0.0;
        for (j, &xj) in x.iter().enumerate() {
            z += w[i][j] * xj;
        }
        h[i] = z.max(0.0) + 0.1 * z;
    }
    h.iter().fold(0.0, |acc, v| acc + v * v)
}

#[grad]
fn early(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s += x[i].exp();
        if s > 5.0 {
            return s * 2.0;
        }
    }
    s
}

#[grad]
fn sub(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in &x[1..] {
        s += v * x[0];
    }
    s + dot(&x[1..3], &x[0..2])
}

fn num(f: &dyn Fn(&[f64]) -> f64, w: &[f64]) -> Vec<f64> {
    autodiff::numeric_gradient(f, w)
}

fn close(a: &[f64], b: &[f64]) {
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= 1e-5 * (1.0 + y.abs()), "{a:?} vs {b:?}");
    }
}

#[test]
fn loops() {
    let w = [0.3, -1.2, 0.7, 2.0];
    let x = [1.1, 0.4, -0.5, 0.9];
    let mut dw = [0.0; 4];
    let mut dx = [0.0; 4];
    dot_grad(&w, &mut dw, &x, &mut dx);
    assert_eq!(dw, x);
    assert_eq!(dx, w);

    let mut d = [0.0; 4];
    running_product_grad(&x, &mut d);
    close(&d, &num(&|v| running_product(v), &x));

    let p = [1.0, -2.0, 2.0, 3.0, 1.0];
    let mut dp = [0.0; 5];
    breaks_grad(&p, &mut dp);
    close(&dp, &num(&|v| breaks(v), &p));

    let (mut dx, mut dy) = ([0.0; 4], [0.0; 4]);
    zip_sum_grad(&x, &mut dx, &w, &mut dy);
    let all: Vec<f64> = x.iter().chain(&w).copied().collect();
    let n = num(&|v| zip_sum(&v[..4], &v[4..]), &all);
    close(&dx, &n[..4]);
    close(&dy, &n[4..]);

    let (_, dxw) = while_halving_grad(13.0);
    let n = num(&|v| while_halving(v[0]), &[13.0]);
    close(&[dxw], &n);

    // Ends by its first condition (y ≤ eps) and, from a larger start, by its second (s ≥ 2).
    for x0 in [1.3, 9.0] {
        let (_, dx, deps) = while_sines_grad(x0, 0.05);
        close(&[dx, deps], &num(&|v| while_sines(v[0], v[1]), &[x0, 0.05]));
        assert!(dx != 0.0);
    }

    let wm = [[0.3, -1.2, 0.7], [0.5, 0.1, -0.4]];
    let xv = [1.1, 0.4, -0.5];
    let mut dwm = [[0.0; 3]; 2];
    let mut dxv = [0.0; 3];
    let mut y = [0.0; 2];
    let mut dy = [1.0, 0.5];
    matvec_vjp(&wm, &mut dwm, &xv, &mut dxv, &mut y, &mut dy);
    assert_eq!(dy, [0.0, 0.0]);
    let flat: Vec<f64> = wm.iter().flatten().chain(&xv).copied().collect();
    let f = |v: &[f64]| {
        let w2 = [[v[0], v[1], v[2]], [v[3], v[4], v[5]]];
        let x2 = [v[6], v[7], v[8]];
        let mut y2 = [0.0; 2];
        matvec(&w2, &x2, &mut y2);
        y2[0] + 0.5 * y2[1]
    };
    let n = num(&f, &flat);
    let got: Vec<f64> = dwm.iter().flatten().chain(&dxv).copied().collect();
    close(&got, &n);

    let mut dwm = [[0.0; 3]; 2];
    let mut dxv = [0.0; 3];
    layer_grad(&wm, &mut dwm, &xv, &mut dxv);
    let g = |v: &[f64]| layer(&[[v[0], v[1], v[2]], [v[3], v[4], v[5]]], &[v[6], v[7], v[8]]);
    let got: Vec<f64> = dwm.iter().flatten().chain(&dxv).copied().collect();
    close(&got, &num(&g, &flat));

    for p in [[0.1, 0.2, 0.3, 0.4], [1.0, 1.2, 0.3, 0.4]] {
        let mut d = [0.0; 4];
        early_grad(&p, &mut d);
        close(&d, &num(&|v| early(v), &p));
        let mut d = [0.0; 4];
        sub_grad(&p, &mut d);
        close(&d, &num(&|v| sub(v), &p));
    }
}

/// `yᵢ = xᵢ²` by a brace-less `for_each`: ∂xᵢ = 2xᵢȳᵢ.
#[grad]
fn squares_into(x: &[f64], y: &mut [f64]) {
    x.iter().enumerate().for_each(|(i, v)| y[i] = v * v);
}

#[test]
fn a_for_each_closure_may_be_a_bare_assignment() {
    let x = [0.5, -1.5, 2.0];
    let (mut y, mut dx, mut dy) = ([0.0; 3], [0.0; 3], [1.0, 2.0, 3.0]);
    squares_into_vjp(&x, &mut dx, &mut y, &mut dy);
    for i in 0..3 {
        assert_eq!(y[i], x[i] * x[i]);
        assert_eq!(dx[i], 2.0 * x[i] * [1.0, 2.0, 3.0][i]);
        assert_eq!(dy[i], 0.0);
    }
}

/// A vector made anew on every pass: f = Σₖ Σᵢ ((k+1)xᵢ)² = 5Σxᵢ², ∂xᵢ = 10xᵢ.
#[grad]
fn per_pass_vec(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for k in 0..2 {
        let mut h = vec![0.0; x.len()];
        for i in 0..x.len() {
            h[i] = x[i] * (k as f64 + 1.0);
        }
        s += h.iter().map(|v| v * v).sum::<f64>();
    }
    s
}

#[test]
fn a_vector_made_on_every_pass() {
    let x = [0.5, -1.5, 2.0];
    let mut dx = [0.0; 3];
    let value = per_pass_vec_grad(&x, &mut dx);
    assert!((value - 5.0 * x.iter().map(|v| v * v).sum::<f64>()).abs() < 1e-12);
    for i in 0..3 {
        assert!((dx[i] - 10.0 * x[i]).abs() < 1e-12);
    }
}
