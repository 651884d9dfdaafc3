//! Vector-valued helpers (issue 8, item 1): calls of `#[grad]` functions
//! that write a `&mut` output (`helper(x, &mut out)` into a local buffer, a
//! range of one, in loops, updated in place, from a callee that also
//! returns a value, and the runtime's `softmax`), functions that return an
//! array `[F; N]` and take arrays by value (an RK4 step), and calls of
//! them. Each row is a function of one array `&[f64; N]`,
//! checked at random points: `NAME_grad` against central differences (its
//! shadow pre-filled, so partials must be *added*), `NAME_vjp(.., s)`
//! against `s × NAME_grad`, and `NAME_jvp` by the dot-product test
//! `J·v = v·∇f`.

#![allow(clippy::needless_range_loop)]

mod common;

use autodiff::{grad, numeric_gradient, softmax, Float};
use common::{check_every_case, close, directions, dot_with_allowance, points_in, same};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// ---------------------------------------------------------------------------
// Callees that write `&mut` outputs.
// ---------------------------------------------------------------------------

/// ADBench GMM's `Qtimesx`: `out = Q·x` for the lower-triangular `Q` with
/// diagonal `exp(qdiag)` and strict lower part `l`, packed by columns.
#[grad(forward, reverse)]
fn qtimesx(qdiag: &[f64], l: &[f64], x: &[f64], out: &mut [f64]) {
    let d = x.len();
    for i in 0..d {
        out[i] = qdiag[i].exp() * x[i];
    }
    let mut lparamsidx = 0;
    for i in 0..d {
        for j in i + 1..d {
            out[j] += l[lparamsidx] * x[i];
            lparamsidx += 1;
        }
    }
}

/// Updates its output in place: it reads what it overwrites.
#[grad(forward, reverse)]
fn scale_shift(a: f64, y: &mut [f64]) {
    for i in 0..y.len() {
        y[i] = y[i] * a + (i as f64) * 0.5;
    }
}

/// Writes two entries and returns a value too.
#[grad(forward, reverse)]
fn polar_into(r: f64, theta: f64, out: &mut [f64]) -> f64 {
    out[0] = r * theta.cos();
    out[1] = r * theta.sin();
    r * r
}

// ---------------------------------------------------------------------------
// Callers.
// ---------------------------------------------------------------------------

/// A GMM-like objective: per component, the centred point through `Q`, into
/// local vector buffers, in a loop.
#[grad(forward, reverse)]
fn gmm_like(w: &[f64; 9]) -> f64 {
    let x = [0.3, -0.7];
    let mut total = 0.0;
    let mut xcentered = vec![0.0; 2];
    let mut qx = vec![0.0; 2];
    for k in 0..2 {
        let means = &w[2 * k..2 * k + 2];
        for i in 0..2 {
            xcentered[i] = x[i] - means[i];
        }
        qtimesx(&w[4 + 2 * k..6 + 2 * k], &w[8..9], &xcentered, &mut qx);
        let sqnorm = qx[0] * qx[0] + qx[1] * qx[1];
        total += (w[4 + 2 * k] + w[5 + 2 * k] - 0.5 * sqnorm).exp();
    }
    total.ln()
}

/// A local array written twice by a callee that reads what it writes.
#[grad(forward, reverse)]
fn updated_twice(x: &[f64; 3]) -> f64 {
    let mut buf = [x[2], 1.0, x[2] * x[2]];
    scale_shift(x[0], &mut buf);
    let first = buf[0] * buf[2];
    scale_shift(x[1], &mut buf);
    first + buf[0] * buf[1] + buf[2]
}

/// A range of a local buffer: the entries outside it keep their adjoint.
#[grad(forward, reverse)]
fn into_a_range(x: &[f64; 3]) -> f64 {
    let mut buf = [x[2]; 4];
    polar_into(x[0], x[1], &mut buf[1..3]);
    buf[0] * buf[1] + buf[2] * buf[3] + buf[1] * buf[2]
}

/// A callee that returns a value, called for its output alone, in a loop
/// over a literal range (the buffer's copies kept on a fixed-size stack).
#[grad(forward, reverse)]
fn in_a_literal_loop(x: &[f64; 2]) -> f64 {
    let mut out = [0.0; 2];
    let mut s = 0.0;
    for k in 0..3 {
        polar_into(x[0] + k as f64, x[1] * out[0], &mut out);
        s += out[0] * out[1];
    }
    s
}

/// The runtime's `softmax`, written into a local buffer.
#[grad(forward, reverse)]
fn softmax_loss(z: &[f64; 4]) -> f64 {
    let mut p = [0.0; 4];
    softmax(z, &mut p);
    let mut loss = 0.0;
    for i in 0..4 {
        loss += (i as f64 + 1.0) * p[i] * p[i];
    }
    loss
}

/// A vector buffer sized at run time, written once.
#[grad(forward, reverse)]
fn vec_buffer(x: &[f64; 4]) -> f64 {
    let n = x.len();
    let mut y = vec![0.0; n];
    qtimesx(&x[..2], &x[2..3], &x[..2], &mut y[..2]);
    y[0] * y[1] + y[2] + x[3] * y[3]
}

/// Passes its own `&mut` output on: whole (updated in place, so the callee
/// reads what the caller's caller put there), as a range, then writes it.
#[grad(forward, reverse)]
fn chain_into(x: &[f64], y: &mut [f64]) {
    scale_shift(x[0], y);
    polar_into(x[1], x[2], &mut y[1..3]);
    y[0] *= y[3];
}

/// Two levels of outputs passed on: `&mut y[..]` and `y` itself.
#[grad(forward, reverse)]
fn chain_twice(x: &[f64], y: &mut [f64]) {
    chain_into(x, &mut y[..]);
    scale_shift(x[2], y);
}

#[grad(forward, reverse)]
fn chain_row(x: &[f64; 4]) -> f64 {
    let mut y = [x[3], 0.5, 0.25, x[0]];
    chain_twice(&x[..3], &mut y);
    y[0] + y[1] * y[2] + y[3]
}

/// A range of a vector whose values before each call are read (by the
/// product before it): the range alone is kept per pass. (A vector, not
/// an array: what a run-time size needs.)
#[grad(forward, reverse)]
#[allow(clippy::useless_vec)]
fn range_kept_in_a_loop(x: &[f64; 3]) -> f64 {
    let mut buf = vec![0.0; 4];
    for i in 0..4 {
        buf[i] = x[i % 3] + 0.5;
    }
    let mut s = 0.0;
    for k in 0..3 {
        s += buf[1] * buf[2] * buf[0];
        scale_shift(x[k], &mut buf[1..3]);
    }
    s + buf[1] * buf[3]
}

/// A call in each branch: a range in one, the whole buffer in the other,
/// the values before read after the `if`.
#[grad(forward, reverse)]
fn in_a_branch(x: &[f64; 3]) -> f64 {
    let mut buf = [x[0], x[1], x[2]];
    let before = buf[1] * buf[2];
    if x[0] > 0.0 {
        scale_shift(x[1], &mut buf[1..3]);
    } else {
        scale_shift(x[2], &mut buf);
    }
    before + buf[0] * buf[1] * buf[2]
}

/// A callee that changes its scalar parameter as it goes, into an array
/// output: its reverse sweep needs the parameter's last value.
#[grad(forward, reverse)]
fn decay_into(mut a: f64, y: &mut [f64; 3]) {
    for i in 0..3 {
        y[i] = y[i] * a + a;
        a = a * a * 0.5;
    }
}

#[grad(forward, reverse)]
fn decayed(x: &[f64; 2]) -> f64 {
    let mut y = [x[1], 1.0, x[0]];
    decay_into(x[0], &mut y);
    decay_into(x[1], &mut y);
    y[0] * y[1] + y[2]
}

/// Passes ranges of its own output on, in a loop: the ranges overlap, so
/// each call reads what the one before wrote.
#[grad(forward, reverse)]
fn shift_rows(x: &[f64], y: &mut [f64]) {
    for k in 0..2 {
        scale_shift(x[k], &mut y[k..k + 2]);
    }
}

#[grad(forward, reverse)]
fn shift_rows_row(x: &[f64; 3]) -> f64 {
    let mut y = vec![0.0; 3];
    for i in 0..3 {
        y[i] = x[i] * x[i];
    }
    shift_rows(&x[..2], &mut y);
    y[0] * y[1] * y[2] + x[2] * y[2]
}

/// Weights and biases as two ranges of one slice, as the LSTM's
/// `main_params[weight..bias]` and `main_params[bias..]`: `s = w·s + b`.
#[grad(forward, reverse)]
fn affine_into(w: &[f64], b: &[f64], s: &mut [f64]) {
    for i in 0..s.len() {
        s[i] = w[i] * s[i] + b[i];
    }
}

/// `w·v` over two ranges of one slice.
#[grad(forward, reverse)]
fn dot(w: &[f64], v: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        s += w[i] * v[i];
    }
    s
}

/// Two ranges of `p` in each call: side by side, in either order, and
/// overlapping (`p[1..3]` and `p[2..4]`, whose shadows cannot be split),
/// in a loop, written in place and returning a value.
#[grad(forward, reverse)]
fn two_ranges_of_one_slice(p: &[f64; 5]) -> f64 {
    let mut s = [p[4], 0.5];
    for k in 0..2 {
        affine_into(&p[0..2], &p[2..4], &mut s);
        affine_into(&p[2..4], &p[..2], &mut s);
        affine_into(&p[1..3], &p[2..=3], &mut s);
        s[k] += 0.1 * p[k];
    }
    s[0] * s[1] + dot(&p[..2], &p[3..]) + dot(&p[1..3], &p[2..4])
}

/// A method with an output, in an `impl` block with a generic parameter.
struct Gain<const N: usize> {
    k: f64,
}

impl<const N: usize> Gain<N> {
    #[grad(wrt(x))]
    fn apply(&self, x: &[f64], out: &mut [f64]) {
        for i in 0..N {
            out[i] += self.k * x[i] * x[i];
        }
    }
}

/// Calls the method in place, on a constant receiver.
#[grad(wrt(x))]
fn gained(gain: &Gain<2>, x: &[f64; 2]) -> f64 {
    let mut out = [x[1], 0.5];
    gain.apply(x, &mut out);
    out[0] * out[1]
}

// ---------------------------------------------------------------------------
// Arrays by value and array results: an RK4 step.
// ---------------------------------------------------------------------------

/// A projectile with quadratic drag, `s = (x, y, vx, vy)`: `ṡ = f(s, k)`.
#[grad(forward, reverse)]
fn deriv(s: [f64; 4], k: f64) -> [f64; 4] {
    let speed = (s[2] * s[2] + s[3] * s[3]).sqrt();
    [s[2], s[3], -k * speed * s[2], -9.81 - k * speed * s[3]]
}

/// One RK4 step from `s` (a slice), scored by `x² + y`.
#[grad(forward, reverse)]
fn rk4(s: &[f64], k: f64, h: f64) -> f64 {
    let s0 = [s[0], s[1], s[2], s[3]];
    let k1: [f64; 4] = deriv(s0, k);
    let mut s1 = [0.0; 4];
    for i in 0..4 {
        s1[i] = s0[i] + 0.5 * h * k1[i];
    }
    let k2: [f64; 4] = deriv(s1, k);
    let mut s2 = [0.0; 4];
    for i in 0..4 {
        s2[i] = s0[i] + 0.5 * h * k2[i];
    }
    let k3: [f64; 4] = deriv(s2, k);
    let mut s3 = [0.0; 4];
    for i in 0..4 {
        s3[i] = s0[i] + h * k3[i];
    }
    let k4: [f64; 4] = deriv(s3, k);
    let x = s0[0] + h / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0]);
    let y = s0[1] + h / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1]);
    x * x + y
}

/// `rk4` as first written, the results' types left out.
#[grad(forward, reverse)]
fn rk4_untyped(s: &[f64], k: f64, h: f64) -> f64 {
    let s0 = [s[0], s[1], s[2], s[3]];
    let k1 = deriv(s0, k);
    let mut s1 = [0.0; 4];
    for i in 0..4 {
        s1[i] = s0[i] + 0.5 * h * k1[i];
    }
    let k2 = deriv(s1, k);
    let mut s2 = [0.0; 4];
    for i in 0..4 {
        s2[i] = s0[i] + 0.5 * h * k2[i];
    }
    let k3 = deriv(s2, k);
    let mut s3 = [0.0; 4];
    for i in 0..4 {
        s3[i] = s0[i] + h * k3[i];
    }
    let k4 = deriv(s3, k);
    let x = s0[0] + h / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0]);
    let y = s0[1] + h / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1]);
    x * x + y
}

/// `s + a·k` of a four-state.
#[grad(forward, reverse)]
fn stage(s: [f64; 4], k: [f64; 4], a: f64) -> [f64; 4] {
    [s[0] + a * k[0], s[1] + a * k[1], s[2] + a * k[2], s[3] + a * k[3]]
}

/// `rk4_untyped` with each stage point made in place, `deriv(stage(..), k)`
/// (round 17, D1).
#[grad(forward, reverse)]
fn rk4_nested(w: &[f64; 6]) -> f64 {
    let (s0, k, h) = ([w[0], w[1], w[2], w[3]], w[4], w[5]);
    let k1 = deriv(s0, k);
    let k2 = deriv(stage(s0, k1, 0.5 * h), k);
    let k3 = deriv(stage(s0, k2, 0.5 * h), k);
    let k4 = deriv(stage(s0, k3, h), k);
    let x = s0[0] + h / 6.0 * (k1[0] + 2.0 * k2[0] + 2.0 * k3[0] + k4[0]);
    let y = s0[1] + h / 6.0 * (k1[1] + 2.0 * k2[1] + 2.0 * k3[1] + k4[1]);
    x * x + y
}

/// `rk4_untyped` over its six numbers, for the harness.
#[grad(forward, reverse)]
fn rk4_untyped_row(w: &[f64; 6]) -> f64 {
    rk4_untyped(&w[..4], w[4], w[5])
}

/// Euler steps whose untyped derivative lives in a loop pass (its adjoint
/// is zeroed per pass), a result reassigned in place.
#[grad(forward, reverse)]
fn untyped_in_a_loop(w: &[f64; 5]) -> f64 {
    let mut s = [w[0], w[1], w[2], w[3]];
    let mut last = deriv(s, w[4]);
    for _ in 0..3 {
        let d = deriv(s, w[4]);
        for i in 0..4 {
            s[i] += 0.1 * d[i];
        }
        last = deriv(s, w[4]);
    }
    s[0] * s[1] + s[2] + last[3] * last[0]
}

/// A damped oscillator's derivative, generic over the float.
#[grad(forward, reverse)]
fn oscillator<T: Float>(s: [T; 2], k: T) -> [T; 2] {
    [s[1], -k * s[0] - T::from_f64(0.1) * s[1]]
}

/// Two Euler steps of `oscillator`, its result's type left out, generic.
#[grad(forward, reverse)]
fn oscillator_steps<T: Float>(w: &[T; 3]) -> T {
    let mut s = [w[0], w[1]];
    for _ in 0..2 {
        let d = oscillator(s, w[2]);
        s[0] += T::from_f64(0.1) * d[0];
        s[1] += T::from_f64(0.1) * d[1];
    }
    s[0] * s[1]
}

/// `rk4` over its six numbers, for the harness.
#[grad(forward, reverse)]
fn rk4_row(w: &[f64; 6]) -> f64 {
    rk4(&w[..4], w[4], w[5])
}

/// An Euler step returning the new state: an array function calling one.
#[grad(forward, reverse)]
fn euler(s: [f64; 4], k: f64, h: f64) -> [f64; 4] {
    let d: [f64; 4] = deriv(s, k);
    let mut next = s;
    for i in 0..4 {
        next[i] += h * d[i];
    }
    next
}

/// Three Euler steps in a loop, the state carried by value.
#[grad(forward, reverse)]
fn euler_row(w: &[f64; 5]) -> f64 {
    let mut s = [w[0], w[1], w[2], w[3]];
    for _ in 0..3 {
        s = euler(s, w[4], 0.1);
    }
    s[0] * s[1] + s[2] - s[3] * s[3]
}

/// A by-value array parameter of the caller passed on, and an array
/// literal passed by value.
#[grad(forward, reverse)]
fn energy(s: [f64; 3], k: f64) -> f64 {
    k * (s[0] * s[0] + s[1] * s[2])
}

#[grad(forward, reverse)]
fn energies(x: &[f64; 3]) -> f64 {
    let s = [x[0], x[1] * 2.0, x[2]];
    energy(s, x[0]) + energy([x[2], 1.0, x[1]], 0.5)
}

// ---------------------------------------------------------------------------
// Tuples of floats as results.
// ---------------------------------------------------------------------------

/// `let [a, b, c] = f(..)` of an array result (review, stop 17: refused
/// with a message about element access): at the top, in a loop (one
/// element ignored), and of a method-free chain of calls.
#[grad(forward, reverse)]
fn array_pattern_row(w: &[f64; 3]) -> f64 {
    let [x, y, z] = [w[0], w[1], w[2]];
    let [a, b] = deriv_pair(x, y);
    let mut s = a * z - b;
    for i in 0..2 {
        let [c, _] = deriv_pair(s, z + i as f64);
        s += c;
    }
    s
}

#[grad(forward, reverse)]
fn deriv_pair(x: f64, y: f64) -> [f64; 2] {
    [x * y.sin(), x + y * y]
}

/// Two results, with an early `return` of a tuple.
#[grad(forward, reverse)]
fn split(x: f64, y: f64) -> (f64, f64) {
    if x > 0.0 {
        return (x * y, y.sin());
    }
    (x.exp(), x + y)
}

/// `let (a, b) = split(..)`: at the top, in a loop (one name ignored), and
/// of constants.
#[grad(forward, reverse)]
fn tuple_row(w: &[f64; 2]) -> f64 {
    let (a, b) = split(w[0], w[1]);
    let mut s = a * b;
    for i in 0..3 {
        let (c, _) = split(w[1] + i as f64, s);
        s += c;
    }
    let (p, q) = split(1.0, 2.0);
    s * p + q
}

// ---------------------------------------------------------------------------
// Calls that write two `&mut` outputs.
// ---------------------------------------------------------------------------

/// An LSTM-like cell: reads and overwrites both its state buffers.
#[grad(forward, reverse)]
fn cell(w: &[f64], x: f64, h: &mut [f64], c: &mut [f64]) {
    for i in 0..h.len() {
        let gate = (w[i] * x + h[i]).tanh();
        c[i] = c[i] * gate + w[i + 2] * x;
        h[i] = c[i].sin() * gate;
    }
}

/// Splits its input into two outputs it does not read.
#[grad(forward, reverse)]
fn halves(x: &[f64], even: &mut [f64], odd: &mut [f64]) {
    for i in 0..even.len() {
        even[i] = x[2 * i] * x[2 * i + 1];
        odd[i] = x[2 * i + 1].exp();
    }
}

/// Two local buffers.
#[grad(forward, reverse)]
fn two_locals(x: &[f64; 4]) -> f64 {
    let mut even = [0.0; 2];
    let mut odd = vec![0.0; 2];
    halves(x, &mut even, &mut odd);
    even[0] * odd[1] + even[1] * odd[0]
}

/// The cell over time steps, on state read before and after each step.
#[grad(forward, reverse)]
fn lstm_like(w: &[f64; 6]) -> f64 {
    let mut h = [w[4], 0.3];
    let mut c = vec![0.1; 2];
    c[1] = w[5];
    let mut total = 0.0;
    for t in 0..3 {
        cell(&w[..4], 0.5 + t as f64, &mut h, &mut c);
        total += h[0] * c[1] - h[1];
    }
    total + c[0]
}

/// One buffer constant: `c` depends on nothing differentiated, `h` does.
#[grad(forward, reverse)]
fn one_constant(x: &[f64; 4]) -> f64 {
    let mut even = [0.0; 2];
    let mut odd = [0.0; 2];
    halves(&[0.5, 0.25, -0.5, 1.5], &mut even, &mut odd);
    let mut h = [x[0], x[1]];
    let mut c = [0.2, -0.3];
    cell(&[0.1, 0.2, 0.3, 0.4], 0.7, &mut h, &mut c);
    // `c` is active after the call (it read `h`), `even` and `odd` are not.
    h[0] * c[1] + x[2] * even[0] + x[3] * odd[1]
}

/// Only the second output reaches the result.
#[grad(forward, reverse)]
fn second_output_only(x: &[f64; 4]) -> f64 {
    let mut even = [0.0; 2];
    let mut odd = [0.0; 2];
    halves(x, &mut even, &mut odd);
    odd[0] * odd[1]
}

/// The caller's own two outputs passed on, and one output with a local buffer.
#[grad(forward, reverse)]
fn passed_on(x: &[f64], h: &mut [f64], c: &mut [f64]) {
    let mut scratch = vec![0.0; 2];
    halves(x, h, &mut scratch);
    for i in 0..2 {
        c[i] = scratch[i] * h[i];
    }
    cell(x, x[0], h, c);
    cell(x, x[1], &mut scratch, c);
}

/// `passed_on` as a function of one array.
#[grad(forward, reverse)]
fn passed_on_row(x: &[f64; 4]) -> f64 {
    let mut h = [0.0; 2];
    let mut c = [0.0; 2];
    passed_on(x, &mut h, &mut c);
    h[0] * c[0] + h[1] - c[1]
}

/// Reads its slice: a callee a `&mut` output is lent to bare.
#[grad(forward, reverse, hessian)]
fn sum_of_squares(y: &[f64]) -> f64 {
    y.iter().map(|v| v * v).sum()
}

/// A `&mut` output of the function passed on bare to calls whose value is
/// used (`sum_of_squares(y)`): read by them, before and after it is
/// overwritten (issue 8 review; it was refused as a call writing `y`).
#[grad(forward, reverse, graph)]
fn output_read_bare(x: &[f64], y: &mut [f64]) {
    y[0] = x[0] * 2.0;
    y[1] = x[1] * x[0];
    let s = sum_of_squares(y);
    y[0] = 3.0 * x[1] + s;
    y[1] += sum_of_squares(y) * x[0];
}

/// `output_read_bare` as a function of one array.
#[grad(forward, reverse)]
fn output_read_bare_row(x: &[f64; 2]) -> f64 {
    let mut y = [0.0; 2];
    output_read_bare(x, &mut y);
    y[0] * y[1] + y[0]
}

/// Plain functions: no derivative.
fn stiffness(k: f64) -> f64 {
    k * k + 1.0
}

fn half_sum(w: &[f64]) -> f64 {
    w.iter().sum::<f64>() * 0.5
}

/// Restricted to `x`: `k` and `w` are constants everywhere, for callers
/// too, so they may be passed to plain functions (issue 8 review: its
/// companion differentiated them and called `stiffness::fwd`, so the
/// function did not compile).
#[grad(forward, reverse, hessian, wrt(x))]
fn spring(x: &[f64], k: f64, w: &[f64]) -> f64 {
    let c = stiffness(k) + half_sum(w);
    c * (x[0] * x[0] + x[1].sin() * x[0])
}

/// Calls `spring`, passing constants for what it leaves out.
#[grad(forward, reverse, hessian, graph)]
fn springs(x: &[f64; 2]) -> f64 {
    let w = [0.5, 1.5];
    spring(x, 2.0, &w) + spring(&[x[1], x[0]], 0.5, &w) * x[0]
}

// ---------------------------------------------------------------------------
// The harness.
// ---------------------------------------------------------------------------

struct Case {
    name: &'static str,
    domain: Vec<(f64, f64)>,
    f: fn(&[f64]) -> f64,
    grad: fn(&[f64]) -> (f64, Vec<f64>),
    vjp: fn(&[f64], f64) -> (f64, Vec<f64>),
    jvp: fn(&[f64], &[f64]) -> (f64, f64),
}

/// What the shadow holds before the call: partials must be added into it.
const PRIOR: f64 = 0.25;

macro_rules! row {
    ($f:ident, $g:ident, $v:ident, $j:ident; $n:literal; in [$lo:expr, $hi:expr]) => {
        Case {
            name: stringify!($f),
            domain: vec![($lo, $hi); $n],
            f: |w: &[f64]| $f(&<[f64; $n]>::try_from(w).unwrap()),
            grad: |w: &[f64]| {
                let mut shadow = [PRIOR; $n];
                let value = $g(&<[f64; $n]>::try_from(w).unwrap(), &mut shadow);
                (value, shadow.iter().map(|d| d - PRIOR).collect())
            },
            vjp: |w: &[f64], seed: f64| {
                let mut shadow = [PRIOR; $n];
                let value = $v(&<[f64; $n]>::try_from(w).unwrap(), &mut shadow, seed);
                (value, shadow.iter().map(|d| d - PRIOR).collect())
            },
            jvp: |w: &[f64], direction: &[f64]| {
                $j(&<[f64; $n]>::try_from(w).unwrap(), &<[f64; $n]>::try_from(direction).unwrap())
            },
        }
    };
}

fn cases() -> Vec<Case> {
    vec![
        row!(gmm_like, gmm_like_grad, gmm_like_vjp, gmm_like_jvp; 9; in [-1.0, 1.0]),
        row!(updated_twice, updated_twice_grad, updated_twice_vjp, updated_twice_jvp; 3; in [-1.5, 1.5]),
        row!(into_a_range, into_a_range_grad, into_a_range_vjp, into_a_range_jvp; 3; in [-1.5, 1.5]),
        row!(in_a_literal_loop, in_a_literal_loop_grad, in_a_literal_loop_vjp, in_a_literal_loop_jvp; 2; in [-1.0, 1.0]),
        row!(softmax_loss, softmax_loss_grad, softmax_loss_vjp, softmax_loss_jvp; 4; in [-2.0, 2.0]),
        row!(vec_buffer, vec_buffer_grad, vec_buffer_vjp, vec_buffer_jvp; 4; in [-1.5, 1.5]),
        row!(chain_row, chain_row_grad, chain_row_vjp, chain_row_jvp; 4; in [-1.5, 1.5]),
        row!(range_kept_in_a_loop, range_kept_in_a_loop_grad, range_kept_in_a_loop_vjp, range_kept_in_a_loop_jvp; 3; in [-1.5, 1.5]),
        row!(in_a_branch, in_a_branch_grad, in_a_branch_vjp, in_a_branch_jvp; 3; in [-1.5, 1.5]),
        row!(decayed, decayed_grad, decayed_vjp, decayed_jvp; 2; in [-1.5, 1.5]),
        row!(shift_rows_row, shift_rows_row_grad, shift_rows_row_vjp, shift_rows_row_jvp; 3; in [-1.5, 1.5]),
        row!(two_ranges_of_one_slice, two_ranges_of_one_slice_grad, two_ranges_of_one_slice_vjp, two_ranges_of_one_slice_jvp; 5; in [-1.2, 1.2]),
        row!(rk4_row, rk4_row_grad, rk4_row_vjp, rk4_row_jvp; 6; in [0.1, 1.0]),
        row!(rk4_untyped_row, rk4_untyped_row_grad, rk4_untyped_row_vjp, rk4_untyped_row_jvp; 6; in [0.1, 1.0]),
        row!(rk4_nested, rk4_nested_grad, rk4_nested_vjp, rk4_nested_jvp; 6; in [0.1, 1.0]),
        row!(untyped_in_a_loop, untyped_in_a_loop_grad, untyped_in_a_loop_vjp, untyped_in_a_loop_jvp; 5; in [0.1, 1.0]),
        row!(oscillator_steps, oscillator_steps_grad, oscillator_steps_vjp, oscillator_steps_jvp; 3; in [-1.0, 1.0]),
        row!(euler_row, euler_row_grad, euler_row_vjp, euler_row_jvp; 5; in [0.1, 1.0]),
        row!(tuple_row, tuple_row_grad, tuple_row_vjp, tuple_row_jvp; 2; in [-1.5, 1.5]),
        row!(array_pattern_row, array_pattern_row_grad, array_pattern_row_vjp, array_pattern_row_jvp; 3; in [-1.5, 1.5]),
        row!(energies, energies_grad, energies_vjp, energies_jvp; 3; in [-1.5, 1.5]),
        row!(two_locals, two_locals_grad, two_locals_vjp, two_locals_jvp; 4; in [-1.0, 1.0]),
        row!(lstm_like, lstm_like_grad, lstm_like_vjp, lstm_like_jvp; 6; in [-1.0, 1.0]),
        row!(one_constant, one_constant_grad, one_constant_vjp, one_constant_jvp; 4; in [-1.0, 1.0]),
        row!(second_output_only, second_output_only_grad, second_output_only_vjp, second_output_only_jvp; 4; in [-1.0, 1.0]),
        row!(passed_on_row, passed_on_row_grad, passed_on_row_vjp, passed_on_row_jvp; 4; in [-1.0, 1.0]),
        row!(springs, springs_grad, springs_vjp, springs_jvp; 2; in [-1.5, 1.5]),
        row!(output_read_bare_row, output_read_bare_row_grad, output_read_bare_row_vjp, output_read_bare_row_jvp; 2; in [-1.0, 1.0]),
    ]
}

const GRADIENT_TOL: f64 = 1e-6;
const VJP_TOL: f64 = 1e-12;
const DOT_TOL: f64 = 1e-12;

fn check(case: &Case, (w, v, seed): (Vec<f64>, Vec<f64>, f64)) -> Result<(), TestCaseError> {
    let value = (case.f)(&w);
    prop_assume!(value.is_finite());
    let (gv, g) = (case.grad)(&w);
    prop_assert!(same(gv, value), "{} at {w:?}: grad's value {gv} != f = {value}", case.name);
    let numeric = numeric_gradient(case.f, &w);
    for (i, (&a, &n)) in g.iter().zip(&numeric).enumerate() {
        prop_assert!(close(a, n, GRADIENT_TOL), "{} at {w:?}: ∂{i} = {a}, numeric {n}", case.name);
    }
    let (vv, gs) = (case.vjp)(&w, seed);
    prop_assert!(same(vv, value), "{} at {w:?}: vjp's value {vv} != f = {value}", case.name);
    for (i, (&a, &b)) in gs.iter().zip(&g).enumerate() {
        prop_assert!(
            close(a, seed * b, VJP_TOL),
            "{} at {w:?}: vjp(s = {seed}) ∂{i} = {a}, s·grad = {}",
            case.name,
            seed * b
        );
    }
    // The dot-product test: the tangent along v is v·∇f.
    let (jv, tangent) = (case.jvp)(&w, &v);
    prop_assert!(same(jv, value), "{} at {w:?}: jvp's value {jv} != f = {value}", case.name);
    let (expected, allowance) = dot_with_allowance(&v, &g, DOT_TOL);
    prop_assert!(
        (tangent - expected).abs() <= allowance,
        "{} at {w:?} along {v:?}: J·v = {tangent}, v·∇f = {expected}",
        case.name
    );
    Ok(())
}

/// Every row against central differences, its `vjp` against its gradient,
/// and its `jvp` by the dot-product test.
#[test]
fn calls_writing_outputs_match_numeric_gradient() {
    check_every_case(
        "row(s) of calls writing outputs",
        cases(),
        |case| case.name,
        |case| (points_in(&case.domain), directions(case.domain.len()), -2.0..2.0f64),
        check,
    );
}

/// Closed forms at one point: `qtimesx` into a buffer, differentiated by
/// hand.
#[test]
fn qtimesx_into_a_buffer_closed_form() {
    #[grad]
    fn quad(q: &[f64; 2], l: &[f64; 1], x: &[f64; 2]) -> f64 {
        let mut out = [0.0; 2];
        qtimesx(q, l, x, &mut out);
        out[0] + 3.0 * out[1]
    }
    let (q, l, x) = ([0.0, 0.5f64], [2.0], [1.5, -1.0]);
    let (mut dq, mut dl, mut dx) = ([0.0; 2], [0.0; 1], [0.0; 2]);
    // out0 = e^q0·x0, out1 = e^q1·x1 + l·x0.
    let value = quad_grad(&q, &mut dq, &l, &mut dl, &x, &mut dx);
    let e1 = 0.5f64.exp();
    assert!((value - (1.5 + 3.0 * (2.0 * 1.5 - e1))).abs() < 1e-12);
    assert!((dq[0] - 1.5).abs() < 1e-12 && (dq[1] + 3.0 * e1).abs() < 1e-12, "{dq:?}");
    assert!((dl[0] - 3.0 * 1.5).abs() < 1e-12, "{dl:?}");
    assert!((dx[0] - (1.0 + 3.0 * 2.0)).abs() < 1e-12 && (dx[1] - 3.0 * e1).abs() < 1e-12, "{dx:?}");
}

/// `deriv`'s own derivatives, at random points: `deriv_jvp` against the
/// central difference of `deriv` along the direction, and `deriv_vjp` by
/// the dot-product test `⟨J·v, w⟩ = ⟨v, Jᵀ·w⟩` (one seed per output).
#[test]
fn array_function_jvp_and_vjp_agree_with_differences() {
    let domain = points_in(&[(0.1, 1.0); 5]);
    check_every_case(
        "array function(s)",
        ["deriv"],
        |name| name,
        |_| (domain.clone(), directions(5), directions(4)),
        |_, (p, v, w): (Vec<f64>, Vec<f64>, Vec<f64>)| {
            let s = [p[0], p[1], p[2], p[3]];
            let vs = [v[0], v[1], v[2], v[3]];
            let (value, jv) = deriv_jvp(s, vs, p[4], v[4]);
            prop_assert_eq!(value, deriv(s, p[4]));
            // Central difference along (vs, v4).
            let h = 1e-6;
            let at = |t: f64| {
                let moved = [s[0] + t * vs[0], s[1] + t * vs[1], s[2] + t * vs[2], s[3] + t * vs[3]];
                deriv(moved, p[4] + t * v[4])
            };
            let (plus, minus) = (at(h), at(-h));
            for i in 0..4 {
                let numeric = (plus[i] - minus[i]) / (2.0 * h);
                prop_assert!(close(jv[i], numeric, 1e-6), "J·v[{}] = {}, numeric {}", i, jv[i], numeric);
            }
            let seed = [w[0], w[1], w[2], w[3]];
            let (value, ds, dk) = deriv_vjp(s, p[4], seed);
            prop_assert_eq!(value, deriv(s, p[4]));
            let forward: f64 = jv.iter().zip(&seed).map(|(a, b)| a * b).sum();
            let mut g = ds.to_vec();
            g.push(dk);
            let (reverse, allowance) = dot_with_allowance(&v, &g, DOT_TOL);
            prop_assert!((forward - reverse).abs() <= allowance, "⟨J·v, w⟩ = {forward}, ⟨v, Jᵀ·w⟩ = {reverse}");
            Ok(())
        },
    );
}

/// `deriv_vjp` at one point against the closed form: with `w = e₂` (the
/// seed of `v̇x = −k·|v|·vx`), `∂/∂vx = −k(|v| + vx²/|v|)`, `∂/∂vy =
/// −k·vx·vy/|v|`, `∂/∂k = −|v|·vx`.
#[test]
fn array_function_vjp_closed_form() {
    let (s, k) = ([0.0, 0.0, 3.0, 4.0], 0.5);
    let (_, ds, dk) = deriv_vjp(s, k, [0.0, 0.0, 1.0, 0.0]);
    assert_eq!(ds[..2], [0.0, 0.0]);
    assert!((ds[2] - -0.5 * (5.0 + 9.0 / 5.0)).abs() < 1e-12, "{ds:?}");
    assert!((ds[3] - -0.5 * 12.0 / 5.0).abs() < 1e-12, "{ds:?}");
    assert!((dk - -15.0).abs() < 1e-12, "{dk}");
}

/// `chain_twice`, which passes its own output on, against central
/// differences of the map `(x, y₀) ↦ y₁`: its `vjp` adds `Jₓᵀ·w` into `d_x`
/// and leaves `J_yᵀ·w` (the adjoint of the output's entry value) in `d_y`,
/// and its `jvp` gives `Jₓ·v + J_y·u`.
#[test]
fn output_passed_on_matches_differences() {
    let run = |p: &[f64]| {
        let mut y = [p[3], p[4], p[5], p[6]];
        chain_twice(&p[..3], &mut y);
        y
    };
    check_every_case(
        "function(s) with outputs passed on",
        ["chain_twice"],
        |name| name,
        |_| (points_in(&[(-1.5, 1.5); 7]), directions(4), directions(7)),
        |_, (p, w, v): (Vec<f64>, Vec<f64>, Vec<f64>)| {
            let mut d_x = [PRIOR; 3];
            let mut y = [p[3], p[4], p[5], p[6]];
            let mut d_y = [w[0], w[1], w[2], w[3]];
            chain_twice_vjp(&p[..3], &mut d_x, &mut y, &mut d_y);
            prop_assert_eq!(y, run(&p));
            let h = 1e-6;
            for j in 0..7 {
                let (mut plus, mut minus) = (p.clone(), p.clone());
                plus[j] += h;
                minus[j] -= h;
                let (fp, fm) = (run(&plus), run(&minus));
                let column: f64 = (0..4).map(|i| w[i] * (fp[i] - fm[i]) / (2.0 * h)).sum();
                let got = if j < 3 { d_x[j] - PRIOR } else { d_y[j - 3] };
                prop_assert!(close(got, column, 1e-6), "(Jᵀw)[{}] = {}, numeric {}", j, got, column);
            }
            // Forward mode, by the dot-product test against the reverse result.
            let mut y = [p[3], p[4], p[5], p[6]];
            let mut t_y = [v[3], v[4], v[5], v[6]];
            chain_twice_jvp(&p[..3], &v[..3], &mut y, &mut t_y);
            let forward: f64 = t_y.iter().zip(&w).map(|(a, b)| a * b).sum();
            let g = [d_x[0] - PRIOR, d_x[1] - PRIOR, d_x[2] - PRIOR, d_y[0], d_y[1], d_y[2], d_y[3]];
            let (reverse, allowance) = dot_with_allowance(&v, &g, 1e-10);
            prop_assert!((forward - reverse).abs() <= allowance, "⟨J·v, w⟩ = {forward}, ⟨v, Jᵀ·w⟩ = {reverse}");
            Ok(())
        },
    );
}

/// `split_vjp` takes one seed per output, a tuple, and returns the value as
/// the tuple; `split_jvp` gives the tangent as a tuple: both against the
/// closed form on each branch.
#[test]
fn tuple_function_vjp_and_jvp_closed_form() {
    let ((a, b), dx, dy) = split_vjp(0.5, 2.0, (1.0, 3.0));
    assert_eq!((a, b), split(0.5, 2.0));
    // (xy, sin y): ∂x = 1·y, ∂y = 1·x + 3·cos y.
    assert_eq!(dx, 2.0);
    assert!((dy - (0.5 + 3.0 * 2.0f64.cos())).abs() < 1e-15);
    let (value, tangent) = split_jvp(-0.5, 1.0, 2.0, -1.0);
    assert_eq!(value, split(-0.5, 2.0));
    // (eˣ, x + y) along (1, −1): (eˣ, 0).
    assert_eq!(tangent, ((-0.5f64).exp(), 0.0));
}

// ---------------------------------------------------------------------------
// `f32` and generic floats: a tuple of `f32`s, an array of `T`s by value
// and as a result, a `&mut [T]` output written into a local buffer.
// ---------------------------------------------------------------------------

/// `(xy, x − y)` in `f32`.
#[grad(forward, reverse)]
fn split32(x: f32, y: f32) -> (f32, f32) {
    (x * y, x - y)
}

#[grad(forward, reverse)]
fn use32(w: &[f32; 2]) -> f32 {
    let (a, b) = split32(w[0], w[1]);
    a * b
}

#[grad(forward, reverse)]
fn rot<T: Float>(s: [T; 2], k: T) -> [T; 2] {
    [s[1] * k, -s[0]]
}

#[grad(forward, reverse)]
fn use_rot<T: Float>(w: &[T; 2]) -> T {
    let r: [T; 2] = rot([w[0], w[1]], w[0]);
    r[0] * r[1]
}

#[grad(forward, reverse)]
fn fill<T: Float>(x: &[T], out: &mut [T]) {
    for i in 0..x.len() {
        out[i] = x[i] * x[i];
    }
}

#[grad(forward, reverse)]
fn use_fill<T: Float>(w: &[T; 2]) -> T {
    let mut out = [T::zero(); 2];
    fill(w, &mut out);
    out[0] * out[1]
}

/// Closed forms: `use32 = xy(x − y)`, `use_rot = −x·y·x` (`r = (y·x, −x)`),
/// `use_fill = x²y²`.
#[test]
fn f32_and_generic_floats_closed_form() {
    let mut d = [0.0f32; 2];
    let v = use32_grad(&[2.0, 1.0], &mut d);
    // ∂x = y(x − y) + xy = 1 + 2, ∂y = x(x − y) − xy = 2 − 2.
    assert_eq!((v, d), (2.0, [3.0, 0.0]));
    let mut d = [0.0f64; 2];
    let v = use_rot_grad(&[2.0, 3.0], &mut d);
    // ∂x = −2xy = −12, ∂y = −x² = −4.
    assert_eq!((v, d), (-12.0, [-12.0, -4.0]));
    let mut d = [0.0f32; 2];
    let v = use_fill_grad(&[2.0, 3.0], &mut d);
    // ∂x = 2xy² = 36, ∂y = 2x²y = 24.
    assert_eq!((v, d), (36.0, [36.0, 24.0]));
    // Forward mode, along each axis.
    assert_eq!(use32_jvp(&[2.0f32, 1.0], &[0.0, 1.0]).1, 0.0);
    assert_eq!(use_rot_jvp(&[2.0f64, 3.0], &[1.0, 0.0]).1, -12.0);
    assert_eq!(use_fill_jvp(&[2.0f32, 3.0], &[0.0, 1.0]).1, 24.0);
}

/// Squares its argument into the buffer.
#[grad]
fn square_into(a: f64, out: &mut [f64]) {
    out[0] = a * a;
}

/// At `x = 0` the buffer does not reach the result, and the argument
/// `1/x` is infinite: the call's zero adjoint must contribute zero, not
/// `∞·0 = NaN` (as for a call that returns a float).
#[grad]
fn zero_adjoint_through_buffer(x: f64) -> f64 {
    let r = 1.0 / x;
    let mut out = [0.0; 1];
    square_into(r, &mut out);
    if x == 0.0 {
        return x;
    }
    out[0] * x
}

#[test]
fn a_zero_adjoint_skips_a_call_writing_a_buffer() {
    assert_eq!(zero_adjoint_through_buffer_grad(0.0), (0.0, 1.0));
    // Elsewhere, out[0]·x = 1/x: ∂ = −1/x².
    let (value, d) = zero_adjoint_through_buffer_grad(2.0);
    assert_eq!((value, d), (0.5, -0.25));
}

/// `k·s₀·s₁` of a pair taken by value.
#[grad(forward, reverse)]
fn pair_energy(s: [f64; 2], k: f64) -> f64 {
    k * s[0] * s[1]
}

/// Rows of a matrix passed by value, at a loop index and a constant one.
#[grad(forward, reverse)]
fn rows(x: &[f64; 2]) -> f64 {
    let mut h = [[0.0; 2]; 2];
    h[0][0] = x[0];
    h[0][1] = x[1];
    h[1][0] = x[1];
    h[1][1] = 2.0;
    let mut t = 0.0;
    for i in 0..2 {
        t += pair_energy(h[i], x[0]);
    }
    t + pair_energy(h[0], 1.0)
}

/// The closed form, and forward mode along x₀.
#[test]
fn rows_passed_by_value_closed_form() {
    let mut d = [0.0; 2];
    let v = rows_grad(&[2.0, 3.0], &mut d);
    // f = x0·x0·x1 + x0·x1·2 + x0·x1 = 12 + 12 + 6.
    assert_eq!(v, 30.0);
    assert_eq!(d, [2.0 * 2.0 * 3.0 + 3.0 * 2.0 + 3.0, 4.0 + 2.0 * 2.0 + 2.0]);
    let (_, t) = rows_jvp(&[2.0, 3.0], &[1.0, 0.0]);
    assert_eq!(t, d[0]);
}

/// `gained` at one point: `out = (k·x₀² + x₁, k·x₁² + ½)`, `f = out₀·out₁`,
/// so `∂f/∂x₀ = 2k·x₀·out₁` and `∂f/∂x₁ = out₁ + 2k·x₁·out₀`; and against
/// central differences.
#[test]
fn a_method_writing_an_output_in_a_generic_impl_closed_form() {
    let gain = Gain::<2> { k: 2.0 };
    let x = [0.5, -1.0];
    let mut d_x = [0.0; 2];
    let value = gained_grad(&gain, &x, &mut d_x);
    assert!((value - -1.25).abs() < 1e-15, "{value}");
    assert!((d_x[0] - 5.0).abs() < 1e-14 && (d_x[1] - 4.5).abs() < 1e-14, "{d_x:?}");
    let numeric = numeric_gradient(|w: &[f64]| gained(&gain, &[w[0], w[1]]), &x);
    assert!(close(d_x[0], numeric[0], 1e-6) && close(d_x[1], numeric[1], 1e-6), "{d_x:?} vs {numeric:?}");
}

/// `springs` in second order and as a graph: `springs_hvp` against central
/// differences of `springs_grad`, the graph's value and the adjoint of its
/// input against `springs` and `springs_grad`.
#[test]
fn a_caller_of_a_restricted_function_in_second_order_and_graph() {
    let (x, v) = ([0.4, -0.9], [1.0, 0.5]);
    let mut hv = [0.0; 2];
    assert_eq!(springs_hvp(&x, &v, &mut hv), springs(&x));
    let gradient = |t: f64| {
        let mut d = [0.0; 2];
        springs_grad(&[x[0] + t * v[0], x[1] + t * v[1]], &mut d);
        d
    };
    let h = 1e-5;
    let (plus, minus) = (gradient(h), gradient(-h));
    for i in 0..2 {
        let numeric = (plus[i] - minus[i]) / (2.0 * h);
        assert!((hv[i] - numeric).abs() < 1e-6 * (1.0 + numeric.abs()), "(H·v){i} = {}, numeric {numeric}", hv[i]);
    }
    let mut d = [0.0; 2];
    springs_grad(&x, &mut d);
    let graph = springs_graph(&x);
    let input = graph.node(graph.find("x").expect("a node x"));
    assert_eq!(input.adjoint().and_then(autodiff::Value::as_array), Some(&d[..]));
    assert_eq!(graph.node(graph.result().expect("a result")).value().as_scalar(), Some(springs(&x)));
}
