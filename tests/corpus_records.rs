//! Rows for the saves that share one vector (issue 9: records, the
//! macro's `reverse/records.rs`): the floats and the tapes of calls that a
//! loop saves on every pass are kept as one record per pass. The rows put
//! them where a count could go wrong: a helper writing its output in place
//! and called once per step of a caller's loop (its tape crosses the
//! caller's passes), a helper writing two outputs, a pass cut short by
//! `break`, a nest whose inner range grows (the records grow as they
//! fill), and a generic function at `f32` and `f64`. Each row is checked
//! against central differences at random points, its `NAME_vjp` against
//! `NAME_grad`, and its `NAME_jvp` against `NAME_vjp` by the dot-product
//! test.

// The rows keep the forms people write (`growing_nest` counts its own bound).
#![allow(clippy::needless_range_loop, clippy::explicit_counter_loop)]

#[macro_use]
mod common;

use autodiff::{grad, Float};
use common::close;
use common::rows::{rows_jvp_is_the_transpose_of_vjp, rows_match_numeric_gradient, Case};

/// The logistic function: a helper whose `fwd` leaves a tape.
#[grad(forward, reverse)]
fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// An LSTM cell: `state` holds the hidden values, then the cell values,
/// updated in place. Each pass saves five floats and three tapes of
/// `logistic`, overwritten pass after pass.
#[grad(forward, reverse)]
fn gated_cell(w: &[f64], input: &[f64], state: &mut [f64]) {
    let b = input.len();
    for i in 0..b {
        let forget = logistic(input[i] * w[i] + w[4 * b + i]);
        let ingate = logistic(state[i] * w[b + i]);
        let outgate = logistic(input[i] * w[2 * b + i]);
        let change = (state[i] * w[3 * b + i]).tanh();
        state[b + i] = state[b + i] * forget + ingate * change;
        state[i] = outgate * state[b + i].tanh();
    }
}

/// One step writing two outputs: the state through the cell (in place) and
/// a prediction read from it.
#[grad(forward, reverse)]
fn predict_step(w: &[f64], x: &[f64], state: &mut [f64], y: &mut [f64]) {
    let b = x.len();
    for i in 0..b {
        y[i] = x[i] * w[5 * b + i];
    }
    gated_cell(w, &y[..], state);
    for i in 0..b {
        y[i] = state[i] * w[5 * b + i] + state[b + i];
    }
}

/// The step over time: each call's tape is kept across the caller's passes
/// and used in reverse order.
#[grad(forward, reverse)]
fn cell_over_time(w: &[f64; 12]) -> f64 {
    let mut state = [0.1, -0.2, 0.3, 0.05];
    let mut y = [0.0; 2];
    let mut total = 0.0;
    for t in 0..4 {
        let x = [0.5 * t as f64 - 0.4, 0.3 + 0.1 * t as f64];
        predict_step(&w[..], &x, &mut state, &mut y);
        total += y[0] * y[1] + state[2] * w[t];
    }
    total
}

/// A pass cut short by `break`: its record is written in part.
#[grad(forward, reverse)]
fn broken_pass(w: &[f64; 4]) -> f64 {
    let mut s = 0.3;
    let mut p = 1.0;
    for i in 0..4 {
        s = (s + w[i]).sin();
        p = p * s.cos() + w[i];
        if s > 0.8 {
            break;
        }
        p = (p * s).tanh();
    }
    s * p
}

/// The inner range grows pass after pass: nothing is reserved before the
/// nest, and the records grow as they fill.
#[grad(forward, reverse)]
fn growing_nest(w: &[f64; 3]) -> f64 {
    let mut m = 1;
    let mut s = 0.5;
    let mut q = 0.2;
    for i in 0..3 {
        for j in 0..m {
            s = (s * w[i] + q).sin();
            q = (q + s * w[j]).cos();
        }
        m += 1;
    }
    s + q
}

/// A generic recurrence saving two floats per pass.
#[grad(forward, reverse)]
fn generic_recurrence<T: Float>(w: &[T]) -> T {
    let mut s = w[0];
    let mut r = T::one();
    for i in 1..w.len() {
        s = (s * w[i]).sin() + r;
        r = (r * s).cos();
    }
    s * r
}

#[grad(forward, reverse)]
fn generic_recurrence_f64(w: &[f64; 4]) -> f64 {
    generic_recurrence(&w[..])
}

/// A helper with a loop: its reverse runs it again, so its tape is `()`,
/// a zero-sized record.
#[grad(forward, reverse)]
fn wavy(x: f64) -> f64 {
    let mut s = x;
    for _ in 0..2 {
        s = (s * x).sin() + 0.5;
    }
    s
}

/// Two calls of `wavy` per pass: their empty tapes share one vector of
/// zero-sized records (whose capacity is `usize::MAX`: growing it to its
/// capacity never ended).
#[grad(forward, reverse)]
fn empty_tapes(w: &[f64; 4]) -> f64 {
    let mut s = 0.1;
    for i in 0..w.len() {
        let a = wavy(w[i] * s);
        let b = wavy(a * w[i]);
        s = (a * b).sin();
    }
    s
}

fn cases() -> Vec<Case> {
    vec![
        array_case!(cell_over_time, cell_over_time_grad, cell_over_time_vjp, cell_over_time_jvp; 12; in [-1.0, 1.0]),
        array_case!(broken_pass, broken_pass_grad, broken_pass_vjp, broken_pass_jvp; 4; in [-1.5, 1.5];
        where |w| {
            // Away from the points where the loop stops at another pass.
            let mut s: f64 = 0.3;
            let mut p: f64 = 1.0;
            let mut away = true;
            for i in 0..4 {
                s = (s + w[i]).sin();
                p = p * s.cos() + w[i];
                away &= (s - 0.8).abs() > 1e-3;
                if s > 0.8 {
                    break;
                }
                p = (p * s).tanh();
            }
            away && p.is_finite()
        }),
        array_case!(growing_nest, growing_nest_grad, growing_nest_vjp, growing_nest_jvp; 3; in [-1.5, 1.5]),
        array_case!(generic_recurrence_f64, generic_recurrence_f64_grad, generic_recurrence_f64_vjp, generic_recurrence_f64_jvp; 4; in [-1.5, 1.5]),
        array_case!(empty_tapes, empty_tapes_grad, empty_tapes_vjp, empty_tapes_jvp; 4; in [-0.7, 0.7]),
    ]
}

/// Every row: `NAME_grad` matches central differences at 96 random points,
/// its value is the function's, and `NAME_vjp(.., s)` is `s × NAME_grad`.
#[test]
fn record_rows_match_numeric_gradient() {
    rows_match_numeric_gradient("record row(s)", cases());
}

/// Every row: `NAME_jvp` is the transpose of `NAME_vjp`.
#[test]
fn record_rows_jvp_is_the_transpose_of_vjp() {
    rows_jvp_is_the_transpose_of_vjp("record row(s)", cases());
}

/// The generic recurrence at `f32` gives the `f64` gradient to `f32`'s
/// precision (its records are `Vec<f32>`).
#[test]
fn generic_records_at_f32_match_f64() {
    let w = [0.7, -0.4, 1.1, 0.3];
    let mut d64 = [0.0f64; 4];
    let v64 = generic_recurrence_grad(&w, &mut d64);
    let w32 = w.map(|v| v as f32);
    let mut d32 = [0.0f32; 4];
    let v32 = generic_recurrence_grad(&w32, &mut d32);
    assert!(close(v32 as f64, v64, 1e-5), "{v32} vs {v64}");
    for i in 0..4 {
        assert!(close(d32[i] as f64, d64[i], 1e-4), "∂{i}: {} vs {}", d32[i], d64[i]);
    }
}

/// The cell at zero weights: every gate is ½ and the candidate 0, so
/// `c ← c/2` and `h ← tanh(c/2)/2`; and its reverse, by hand, against
/// `gated_cell_vjp` with the adjoint of the new hidden values seeded.
#[test]
fn gated_cell_at_zero_weights_closed_form() {
    let w = [0.0; 10];
    let (h, c) = ([0.4, -0.6], [1.0, -2.0]);
    let mut state = [h[0], h[1], c[0], c[1]];
    gated_cell(&w, &[0.3, 0.9], &mut state);
    for i in 0..2 {
        assert!(close(state[2 + i], 0.5 * c[i], 1e-15), "{state:?}");
        assert!(close(state[i], 0.5 * (0.5 * c[i]).tanh(), 1e-15), "{state:?}");
    }
    // h' = o·tanh(c·f + i·g) with o = f = i = ½, g = tanh(0) = 0:
    // ∂h'/∂c = ½·(1 − tanh²(c/2))·½ through the forget gate, and the
    // gates' weights get ∂h'/∂o·σ'(0)·input = tanh(c/2)·¼·input for the
    // output gate's (w[2b + i]).
    let mut state = [h[0], h[1], c[0], c[1]];
    let (mut d_w, mut d_input, mut d_state) = ([0.0; 10], [0.0; 2], [1.0, 1.0, 0.0, 0.0]);
    gated_cell_vjp(&w, &mut d_w, &[0.3, 0.9], &mut d_input, &mut state, &mut d_state);
    for (i, input) in [0.3, 0.9].into_iter().enumerate() {
        let t = (0.5 * c[i]).tanh();
        assert!(close(d_state[2 + i], 0.25 * (1.0 - t * t), 1e-15), "{d_state:?}");
        assert!(close(d_w[4 + i], t * 0.25 * input, 1e-15), "{d_w:?}");
    }
}
