//! Rows for the collections of issue 8 item 5: `const` and `static` float
//! tables read inside `#[grad]` code, `chunks(k)` (the last chunk shorter),
//! `to_vec()` copies of slices and sub-slices, and local vectors built with
//! `Vec::new` / `Vec::with_capacity` and `push`. Each row is checked against
//! central differences at random points (the harness of
//! `tests/corpus_regressions.rs`), its `NAME_vjp` against `NAME_grad`, and
//! its `NAME_jvp` against `NAME_vjp` by the dot-product test; closed forms
//! at chosen points follow.

// The rows keep the forms people write.
#![allow(clippy::needless_range_loop, clippy::assign_op_pattern, clippy::vec_init_then_push)]

#[macro_use]
mod common;

use autodiff::grad;
use common::close;
use common::rows::{along, rows_jvp_is_the_transpose_of_vjp, rows_match_numeric_gradient, Case};

// ---------------------------------------------------------------------------
// 1. `const` and `static` tables.
// ---------------------------------------------------------------------------

const W: [f64; 3] = [0.5, -1.0, 2.0];
static S: [f64; 3] = [1.5, 0.25, -0.5];
const Q: [[f64; 2]; 2] = [[2.0, 0.5], [-0.25, 1.0]];

/// `Σ Wᵢxᵢ + Sᵢxᵢ²` over a module `const` and a `static`.
#[grad(forward, reverse)]
fn const_table(x: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for i in 0..3 {
        s += W[i] * x[i] + S[i] * x[i] * x[i];
    }
    s
}

/// `xᵀQx`, a table of rows, and a table read outside a loop.
#[grad(forward, reverse)]
fn const_matrix(x: &[f64; 2]) -> f64 {
    let mut s = W[2] * x[0].sin();
    for i in 0..2 {
        for j in 0..2 {
            s += x[i] * Q[i][j] * x[j];
        }
    }
    s
}

/// A table declared in the body, read at an index the loop changes.
#[grad(forward, reverse)]
fn table_in_body(x: f64) -> f64 {
    const C: [f64; 4] = [1.0, -2.0, 0.5, 0.25];
    let mut k = 3;
    let mut p = C[k];
    while k > 0 {
        k -= 1;
        p = p * x + C[k];
    }
    p
}

const ORDER: [usize; 3] = [2, 0, 1];
const POWERS: [i32; 3] = [2, 0, 3];

/// Integer tables: indices and exponents, read as what they hold.
#[grad(forward, reverse)]
fn integer_tables(x: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for i in 0..3 {
        s += x[ORDER[i]] * x[i] + x[i].powi(POWERS[i]) * W[i];
    }
    s
}

// ---------------------------------------------------------------------------
// 2. `chunks(k)`.
// ---------------------------------------------------------------------------

/// Chunks of 2 of five elements: the last holds one.
#[grad(forward, reverse)]
fn chunks_products(x: &[f64; 5]) -> f64 {
    let mut s = 0.0;
    for c in x.chunks(2) {
        let mut p = 1.0;
        for &v in c {
            p *= v;
        }
        s += p.sin() + c[c.len() - 1];
    }
    s
}

/// `chunks` in a reduction, of a sub-slice, with an index.
#[grad(forward, reverse)]
fn chunks_reduction(x: &[f64; 5]) -> f64 {
    let firsts: f64 = x[1..].chunks(3).map(|c| c[0] * c[c.len() - 1]).sum();
    let mut weighted = 0.0;
    for (i, c) in x.chunks(3).enumerate() {
        weighted += (i as f64 + 1.0) * c[0].exp();
    }
    firsts + weighted
}

/// `vec![a, b, c]` bound by a `let` (user round 7: refused), of floats and
/// of rows, its items in order (one reads the name it shadows).
#[allow(clippy::useless_vec)]
#[grad(forward, reverse, hessian)]
fn listed_vectors(x: f64, y: f64) -> f64 {
    let v = vec![0.5, -0.5 * x, x * y];
    let mut w = vec![x, 1.0];
    w[1] = w[0] * y;
    let rows = vec![[x, y], [y * y, 2.0]];
    let v = vec![v[2], v[1] * w[1]];
    v[0] * x + v[1] + rows[1][0] * rows[0][1]
}

/// Index tables built in the body, typed or of integer literals (they
/// were taken for floats: "floats cannot index arrays"), and an element
/// bound by reference at an index read from one, which changes after.
#[grad(forward, reverse, hessian)]
fn local_index_tables(x: f64, y: f64) -> f64 {
    let v = [x, y, x * y];
    let mut idx: [usize; 2] = [0, 2];
    let order = [2usize, 1, 0];
    let r = &v[idx[1]];
    idx[1] = 0;
    r * v[idx[1]] * r + v[order[1]] * v[order[0]]
}

fn cases() -> Vec<Case> {
    vec![
        array_case!(const_table, const_table_grad, const_table_vjp, const_table_jvp; 3; in [-2.0, 2.0]),
        array_case!(const_matrix, const_matrix_grad, const_matrix_vjp, const_matrix_jvp; 2; in [-2.0, 2.0]),
        array_case!(integer_tables, integer_tables_grad, integer_tables_vjp, integer_tables_jvp; 3; in [-2.0, 2.0]),
        case!(table_in_body, table_in_body_grad, table_in_body_vjp, table_in_body_jvp; (x) [x, along(0)]; x in [-2.0, 2.0]),
        case!(local_index_tables, local_index_tables_grad, local_index_tables_vjp, local_index_tables_jvp;
              (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(listed_vectors, listed_vectors_grad, listed_vectors_vjp, listed_vectors_jvp;
              (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        array_case!(to_vec_copies, to_vec_copies_grad, to_vec_copies_vjp, to_vec_copies_jvp; 4; in [-2.0, 2.0]),
        array_case!(to_vec_row_at, to_vec_row_grad_flat, to_vec_row_grad_at, to_vec_row_jvp_at; 4; in [-2.0, 2.0]),
        array_case!(pushed_squares, pushed_squares_grad, pushed_squares_vjp, pushed_squares_jvp; 4; in [-2.0, 2.0]),
        array_case!(pushed_untyped, pushed_untyped_grad, pushed_untyped_vjp, pushed_untyped_jvp; 4; in [-2.0, 2.0]),
        array_case!(pushed_in_loops, pushed_in_loops_grad, pushed_in_loops_vjp, pushed_in_loops_jvp; 3; in [-2.0, 2.0];
        where |x| {
            // Away from the while loop's stopping points.
            let (a, b) = (x[0] * x[0], x[0] * x[0] + x[1] * x[1]);
            (a - 3.0).abs() > 1e-3 && (b - 3.0).abs() > 1e-3
        }),
        array_case!(chunks_products, chunks_products_grad, chunks_products_vjp, chunks_products_jvp; 5; in [-2.0, 2.0]),
        array_case!(chunks_reduction, chunks_reduction_grad, chunks_reduction_vjp, chunks_reduction_jvp; 5; in [-2.0, 2.0]),
    ]
}

/// Every row: `NAME_grad` matches central differences at 96 random points,
/// its value is the function's, and `NAME_vjp(.., s)` is `s × NAME_grad`.
#[test]
fn collection_rows_match_numeric_gradient() {
    rows_match_numeric_gradient("collection row(s)", cases());
}

/// Every row: `NAME_jvp` is the transpose of `NAME_vjp` at 96 random points
/// along random directions.
#[test]
fn jvp_is_the_transpose_of_vjp() {
    rows_jvp_is_the_transpose_of_vjp("collection row(s)", cases());
}

// ---------------------------------------------------------------------------
// 3. `to_vec()`.
// ---------------------------------------------------------------------------

/// Copies of a parameter, a sub-slice binding and a sub-slice, each
/// changed after the copy (the parameter keeps its values).
#[grad(forward, reverse)]
fn to_vec_copies(x: &[f64; 4]) -> f64 {
    let mut v = x.to_vec();
    v[0] = v[0] * v[3];
    let head = &x[1..3];
    let mut h: Vec<f64> = head.to_vec();
    h[1] += x[0].sin();
    let tail = x[2..].to_vec();
    let mut s = 0.0;
    for i in 0..v.len() {
        s += v[i] * x[i];
    }
    s + h[0] * h[1] + tail.iter().map(|t| t * t).sum::<f64>()
}

/// A copy of a row of a matrix, and of an integer slice used as indices.
#[grad(forward, reverse)]
fn to_vec_row(w: &[[f64; 2]; 2], order: &[usize]) -> f64 {
    let mut row = w[1].to_vec();
    let order = order.to_vec();
    row[0] *= w[0][order[0]];
    row[0] * row[1] + w[order[1]][0]
}

fn to_vec_row_at(w: &[f64; 4]) -> f64 {
    to_vec_row(&[[w[0], w[1]], [w[2], w[3]]], &[1, 0])
}

fn to_vec_row_grad_at(w: &[f64; 4], d_w: &mut [f64; 4], seed: f64) -> f64 {
    let mut shadow = [[d_w[0], d_w[1]], [d_w[2], d_w[3]]];
    let value = to_vec_row_vjp(&[[w[0], w[1]], [w[2], w[3]]], &mut shadow, &[1, 0], seed);
    *d_w = [shadow[0][0], shadow[0][1], shadow[1][0], shadow[1][1]];
    value
}

fn to_vec_row_grad_flat(w: &[f64; 4], d_w: &mut [f64; 4]) -> f64 {
    to_vec_row_grad_at(w, d_w, 1.0)
}

fn to_vec_row_jvp_at(w: &[f64; 4], v: &[f64; 4]) -> (f64, f64) {
    to_vec_row_jvp(&[[w[0], w[1]], [w[2], w[3]]], &[[v[0], v[1]], [v[2], v[3]]], &[1, 0])
}

// ---------------------------------------------------------------------------
// 4. `Vec::new` / `Vec::with_capacity` and `push`.
// ---------------------------------------------------------------------------

/// Squares pushed in a loop, read back by index and by iterator; the
/// second vector is built from the first.
#[grad(forward, reverse)]
fn pushed_squares(x: &[f64; 4]) -> f64 {
    let mut squares: Vec<f64> = Vec::new();
    for i in 0..x.len() {
        squares.push(x[i] * x[i]);
    }
    let mut waves: Vec<f64> = Vec::with_capacity(squares.len());
    for &s in &squares {
        waves.push(s.sin() * x[0]);
    }
    squares[0] * squares[3] + waves.iter().sum::<f64>() + squares.len() as f64
}

/// The same without the types written, as people write it: each vector
/// learns from its first `push` that it holds floats, including a running
/// sum started from a literal (`let mut s = 0.0`), and a vector of indices
/// stays a vector of integers.
#[grad(forward, reverse)]
fn pushed_untyped(x: &[f64; 4]) -> f64 {
    let mut squares = Vec::new();
    for i in 0..x.len() {
        squares.push(x[i] * x[i]);
    }
    let mut sums = Vec::with_capacity(x.len());
    let mut s = 0.0;
    for v in x {
        s += v;
        sums.push(s);
    }
    let mut odd = Vec::new();
    for i in 0..4 {
        if i % 2 == 1 {
            odd.push(i);
        }
    }
    let mut total = squares[0] * squares[3] + sums.iter().map(|v| v.sin()).sum::<f64>();
    for &i in &odd {
        total += x[i] * sums[i];
    }
    total
}

/// Pushes in a `while` loop whose count depends on the values, and a
/// vector made anew on every pass of another loop.
#[grad(forward, reverse)]
fn pushed_in_loops(x: &[f64; 3]) -> f64 {
    let mut partial: Vec<f64> = Vec::new();
    let mut total = 0.0;
    let mut i = 0;
    while i < x.len() && total < 3.0 {
        total += x[i] * x[i];
        partial.push(total * x[i]);
        i += 1;
    }
    let mut s = 0.0;
    for k in 0..partial.len() {
        let mut row: Vec<f64> = Vec::with_capacity(2);
        row.push(partial[k]);
        row.push(row[0] * x[k]);
        s += row[1] - row[0].cos();
    }
    s
}

// ---------------------------------------------------------------------------
// 5. Second order.
// ---------------------------------------------------------------------------

/// `Σ Wᵢ xⁱ⁺¹`.
#[grad(reverse, hessian)]
fn table_polynomial(x: f64) -> f64 {
    let mut s = 0.0;
    for i in 0..3 {
        s += W[i] * x.powi(i as i32 + 1);
    }
    s
}

/// `x₀x₁ + x₂²` as chunks of 2 of three elements.
#[grad(reverse, hessian)]
fn chunk_products(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for c in x.chunks(2) {
        s += c[0] * c[c.len() - 1];
    }
    s
}

/// `Σ xᵢ²·xᵢ` through a pushed vector.
#[grad(reverse, hessian)]
fn pushed_cubes(x: &[f64]) -> f64 {
    let mut squares: Vec<f64> = Vec::new();
    for &v in x {
        squares.push(v * v);
    }
    let mut s = 0.0;
    for i in 0..x.len() {
        s += squares[i] * x[i];
    }
    s
}

#[test]
fn pushed_vectors_in_second_order() {
    // H = diag(6xᵢ).
    let mut hv = [0.0; 3];
    let value = pushed_cubes_hvp(&[1.0, -2.0, 0.5], &[1.0, 1.0, 2.0], &mut hv);
    assert_eq!(value, 1.0 - 8.0 + 0.125);
    assert_eq!(hv, [6.0, -12.0, 6.0]);
}

#[test]
fn tables_and_chunks_in_second_order() {
    // f = ½x − x² + 2x³: f''(2) = −2 + 12·2.
    let (value, hv) = table_polynomial_hvp(2.0, 1.0);
    assert_eq!(value, 1.0 - 4.0 + 16.0);
    assert_eq!(hv, -2.0 + 24.0);
    // H = [[0, 1, 0], [1, 0, 0], [0, 0, 2]].
    let mut hv = [0.0; 3];
    chunk_products_hvp(&[1.0, 2.0, 3.0], &[1.0, 0.0, 1.0], &mut hv);
    assert_eq!(hv, [0.0, 1.0, 2.0]);
}

// ---------------------------------------------------------------------------
// Closed forms.
// ---------------------------------------------------------------------------

#[test]
fn tables_are_constants_at_a_point() {
    let x = [1.0, -2.0, 0.5];
    let mut d_x = [0.0; 3];
    let value = const_table_grad(&x, &mut d_x);
    assert_eq!(value, 0.5 - 1.0 * -2.0 + 2.0 * 0.5 + 1.5 + 0.25 * 4.0 - 0.5 * 0.25);
    // ∂ᵢ = Wᵢ + 2Sᵢxᵢ.
    assert_eq!(d_x, [0.5 + 3.0, -1.0 - 1.0, 2.0 - 0.5]);
    // p(x) = 1 − 2x + ½x² + ¼x³: p'(2) = −2 + 2 + 3 = 3.
    assert_eq!(table_in_body_grad(2.0), (1.0 - 4.0 + 2.0 + 2.0, 3.0));
}

#[test]
fn the_last_chunk_holds_what_is_left() {
    // Chunks (1, 2), (3, 4), (5): s = sin 2 + 2 + sin 12 + 4 + sin 5 + 5.
    let x = [1.0, 2.0, 3.0, 4.0, 5.0];
    let mut d_x = [0.0; 5];
    let value = chunks_products_grad(&x, &mut d_x);
    assert!(close(value, 2f64.sin() + 12f64.sin() + 5f64.sin() + 11.0, 1e-15), "{value}");
    let want = [2.0 * 2f64.cos(), 2f64.cos() + 1.0, 4.0 * 12f64.cos(), 3.0 * 12f64.cos() + 1.0, 5f64.cos() + 1.0];
    for (got, want) in d_x.iter().zip(want) {
        assert!(close(*got, want, 1e-15), "{d_x:?}");
    }
}
