//! A local buffer of rows (`[[0.0; W]; H]`) lent `&mut` to a `#[grad]`
//! helper that writes it (`blur_rows(img, &mut b)`), as image code is
//! written: refused before (user round 13 found it the most painful
//! refusal for images). Each mode is checked: `_grad` against central
//! differences, `_jvp` against `_grad`, `_hvp` against differences of
//! `_grad`, and the graph's adjoints against `_grad`.

mod common;

use autodiff::prelude::*;
use common::close;

/// (The `#[grad]` functions write the type out: the macro does not see
/// through an alias.)
type Image = [[f64; 4]; 3];

/// A horizontal blur, the edges repeated.
#[grad(forward, reverse, hessian, graph)]
fn blur_rows(img: &[[f64; 4]; 3], out: &mut [[f64; 4]; 3]) {
    for i in 0..3 {
        for j in 0..4 {
            let left = if j > 0 { img[i][j - 1] } else { img[i][j] };
            let right = if j < 3 { img[i][j + 1] } else { img[i][j] };
            out[i][j] = 0.25 * left + 0.5 * img[i][j] + 0.25 * right;
        }
    }
}

/// `Σ blur(img)² · img`: the buffer lent once.
#[grad(forward, reverse, hessian, graph)]
fn energy(img: &[[f64; 4]; 3]) -> f64 {
    let mut b = [[0.0; 4]; 3];
    blur_rows(img, &mut b);
    let mut s = 0.0;
    for i in 0..3 {
        for j in 0..4 {
            s += b[i][j] * b[i][j] * img[i][j];
        }
    }
    s
}

/// The buffer lent again in a loop, each pass scaling the image by the
/// pass: the reverse sweep must see each pass's contents.
#[grad(forward, reverse, hessian)]
fn passes(img: &[[f64; 4]; 3]) -> f64 {
    let mut b = [[0.0; 4]; 3];
    let mut scaled = [[0.0; 4]; 3];
    let mut s = 0.0;
    for pass in 1..3 {
        for i in 0..3 {
            for j in 0..4 {
                scaled[i][j] = img[i][j] * pass as f64;
            }
        }
        blur_rows(&scaled, &mut b);
        for i in 0..3 {
            for j in 0..4 {
                s += b[i][j] * b[i][j] * img[i][j];
            }
        }
    }
    s
}

const IMG: Image = [[0.3, -0.5, 0.8, 1.2], [0.1, 0.7, -0.4, 0.9], [1.1, -0.2, 0.5, 0.6]];

fn direction() -> Image {
    let mut v = [[0.0; 4]; 3];
    for (i, row) in v.iter_mut().enumerate() {
        for (j, x) in row.iter_mut().enumerate() {
            *x = 0.1 * i as f64 - 0.2 * j as f64 + 0.3;
        }
    }
    v
}

fn moved(img: &Image, v: &Image, h: f64) -> Image {
    let mut out = *img;
    for (row, vrow) in out.iter_mut().zip(v) {
        for (x, d) in row.iter_mut().zip(vrow) {
            *x += h * d;
        }
    }
    out
}

type Modes = (
    fn(&Image) -> f64,
    fn(&Image, &mut Image) -> f64,
    fn(&Image, &Image) -> (f64, f64),
    fn(&Image, &Image, &mut Image) -> f64,
);

#[test]
fn a_buffer_of_rows_lent_to_a_helper_in_every_mode() {
    let cases: [(&str, Modes); 2] = [
        ("energy", (energy, energy_grad, energy_jvp, energy_hvp)),
        ("passes", (passes, passes_grad, passes_jvp, passes_hvp)),
    ];
    let v = direction();
    for (name, (f, grad, jvp, hvp)) in cases {
        let mut g = [[0.0; 4]; 3];
        grad(&IMG, &mut g);
        let h = 1e-6;
        let mut along = 0.0;
        for i in 0..3 {
            for j in 0..4 {
                let mut e = [[0.0; 4]; 3];
                e[i][j] = 1.0;
                let fd = (f(&moved(&IMG, &e, h)) - f(&moved(&IMG, &e, -h))) / (2.0 * h);
                assert!(close(g[i][j], fd, 1e-6), "{name} [{i}][{j}]: {} against {fd}", g[i][j]);
                along += g[i][j] * v[i][j];
            }
        }
        assert!(close(jvp(&IMG, &v).1, along, 1e-10), "{name}");
        let mut hv = [[0.0; 4]; 3];
        hvp(&IMG, &v, &mut hv);
        let (mut plus, mut minus) = ([[0.0; 4]; 3], [[0.0; 4]; 3]);
        grad(&moved(&IMG, &v, h), &mut plus);
        grad(&moved(&IMG, &v, -h), &mut minus);
        for i in 0..3 {
            for j in 0..4 {
                let fd = (plus[i][j] - minus[i][j]) / (2.0 * h);
                assert!(close(hv[i][j], fd, 1e-5), "{name} H·v [{i}][{j}]: {} against {fd}", hv[i][j]);
            }
        }
    }
    let mut g = [[0.0; 4]; 3];
    energy_grad(&IMG, &mut g);
    let graph = energy_graph(&IMG);
    let node = graph.node(common::graph::node(&graph, "img"));
    let adjoint = node.adjoint().and_then(autodiff::Value::as_array).expect("an adjoint of `img`");
    for (k, a) in adjoint.iter().enumerate() {
        assert!(close(*a, g[k / 4][k % 4], 1e-12), "graph [{k}]: {a}");
    }
    // The helper's own graph seeds each number of its output with 1.
    let graph = blur_rows_graph(&IMG, &mut [[0.0; 4]; 3]);
    let node = graph.node(common::graph::node(&graph, "img"));
    let adjoint = node.adjoint().and_then(autodiff::Value::as_array).expect("an adjoint of `img`");
    // Each input pixel reaches its row's outputs with weights summing to 1.
    assert!(adjoint.iter().all(|a| close(*a, 1.0, 1e-12)), "{adjoint:?}");
}

/// Writes `xᵢ·xⱼ` into jagged rows (a `&mut Vec<Vec<f64>>` output, the form
/// under test).
#[allow(clippy::ptr_arg)]
#[grad(forward, reverse, hessian, graph)]
fn outer_rows(x: &[f64], out: &mut Vec<Vec<f64>>) {
    for i in 0..2 {
        for j in 0..2 {
            out[i][j] = x[i] * x[j];
        }
    }
}

/// `b[0][1]·b[1][1] = x₀x₁³` through a jagged buffer lent (review 19: its
/// graph failed to compile).
#[grad(forward, reverse, hessian, graph)]
fn jagged(x: &[f64]) -> f64 {
    let mut b = vec![vec![0.0; 2]; 2];
    outer_rows(x, &mut b);
    b[0][1] * b[1][1]
}

#[test]
fn a_jagged_buffer_lent_to_a_helper_in_every_mode() {
    let x = [1.5_f64, -0.7];
    let want = [x[1].powi(3), 3.0 * x[0] * x[1].powi(2)];
    let mut d = [0.0; 2];
    assert!(close(jagged_grad(&x, &mut d), x[0] * x[1].powi(3), 1e-12));
    assert!(close(d[0], want[0], 1e-12) && close(d[1], want[1], 1e-12));
    assert!(close(jagged_jvp(&x, &[1.0, 2.0]).1, want[0] + 2.0 * want[1], 1e-12));
    // H = [[0, 3x₁²], [3x₁², 6x₀x₁]]; H·(1, 0) = (0, 3x₁²).
    let mut hv = [0.0; 2];
    jagged_hvp(&x, &[1.0, 0.0], &mut hv);
    assert!(close(hv[0], 0.0, 1e-12) && close(hv[1], 3.0 * x[1] * x[1], 1e-12));
    let graph = jagged_graph(&x);
    let node = graph.node(common::graph::node(&graph, "x"));
    let adjoint = node.adjoint().and_then(autodiff::Value::as_array).expect("an adjoint of `x`");
    assert!(close(adjoint[0], want[0], 1e-12) && close(adjoint[1], want[1], 1e-12));
    // The helper's own graph: every number of the output seeded 1, Σᵢⱼ xᵢxⱼ.
    let graph = outer_rows_graph(&x, &mut vec![vec![0.0; 2]; 2]);
    let node = graph.node(common::graph::node(&graph, "x"));
    let adjoint = node.adjoint().and_then(autodiff::Value::as_array).expect("an adjoint of `x`");
    assert!(adjoint.iter().all(|a| close(*a, 2.0 * (x[0] + x[1]), 1e-12)), "{adjoint:?}");
}
