//! Inputs that `#[grad]` accepted but whose generated code did not compile
//! (issue 6). Each now compiles, and its gradient is checked against the
//! math or against central differences.

// The generated code of a deprecated function must not warn by itself.
#![deny(deprecated)]
// The functions keep the shapes that exposed the defects.
#![allow(
    clippy::never_loop,
    clippy::let_and_return,
    clippy::assign_op_pattern,
    clippy::needless_range_loop,
    clippy::ptr_arg,
    clippy::manual_memcpy
)]

use autodiff::{grad, softmax_cross_entropy};

fn numeric(f: impl Fn(&[f64]) -> f64, at: &[f64]) -> Vec<f64> {
    autodiff::numeric_gradient(f, at)
}

fn assert_close(analytic: &[f64], numeric: &[f64]) {
    assert_eq!(analytic.len(), numeric.len());
    for (a, n) in analytic.iter().zip(numeric) {
        assert!((a - n).abs() <= 1e-6 * n.abs().max(1.0), "{analytic:?} vs {numeric:?}");
    }
}

/// x², as the value of a `loop` that is the function's tail.
#[grad]
fn loop_as_tail(x: f64) -> f64 {
    loop {
        break x * x;
    }
}

/// x³, from a `loop` that breaks with a value after a few passes, bound by
/// `let`.
#[grad]
fn loop_value_bound(x: f64) -> f64 {
    let mut p = 1.0;
    let mut n = 0;
    let cube = loop {
        p *= x;
        n += 1;
        if n == 3 {
            break p;
        }
    };
    cube
}

#[test]
fn a_loop_with_a_break_value_can_be_the_result() {
    for x in [-1.5, 0.5, 2.0] {
        assert_eq!(loop_as_tail_grad(x), (x * x, 2.0 * x));
        let (value, d) = loop_value_bound_grad(x);
        assert_eq!(value, loop_value_bound(x));
        assert_close(&[d], &[3.0 * x * x]);
    }
}

/// `v[0]` times itself when `c`, through a name bound inside the branch.
#[grad]
fn slice_bound_in_branch(v: &[f64], c: bool) -> f64 {
    let mut s = v[0];
    if c {
        let t = v;
        s = s * t[0];
    }
    s
}

/// Σ over passes of a slice bound inside a loop.
#[grad]
fn slice_bound_in_loop(v: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..v.len() {
        let t = v;
        s += t[i] * t[i];
    }
    s
}

/// z₀·z₁ where z is `x` or `y`.
#[grad]
fn slice_chosen_by_branch(x: &[f64], y: &[f64], c: bool) -> f64 {
    let z = if c { x } else { y };
    z[0] * z[1]
}

/// Like `slice_chosen_by_branch`, with the choice made by reassigning a
/// `mut` name inside a loop.
#[grad]
fn slice_reassigned_in_loop(x: &[f64; 2], y: &[f64; 2]) -> f64 {
    let mut z = x;
    let mut s = 0.0;
    for k in 0..3 {
        s += z[0] * z[1] * (k as f64 + 1.0);
        if k == 0 {
            z = y;
        }
    }
    s
}

/// |z|² + |z₁..|² where z is `x` or `y`, passed on to `#[grad]` callees.
#[grad]
fn chosen_slice_passed_on(x: &[f64], y: &[f64], c: bool) -> f64 {
    let z = if c { x } else { y };
    let t = z;
    sum_of_squares(z) + sum_of_squares(&t[1..])
}

/// Σ vᵢ².
#[grad]
fn sum_of_squares(v: &[f64]) -> f64 {
    v.iter().map(|e| e * e).sum()
}

#[test]
fn slices_bound_to_locals_in_branches_and_loops() {
    let v = [1.5, -2.0];
    for c in [false, true] {
        let mut dv = [0.0; 2];
        let value = slice_bound_in_branch_grad(&v, &mut dv, c);
        assert_eq!(value, slice_bound_in_branch(&v, c));
        let expected = if c { [2.0 * v[0], 0.0] } else { [1.0, 0.0] };
        assert_eq!(dv, expected);
    }
    let mut dv = [0.0; 2];
    slice_bound_in_loop_grad(&v, &mut dv);
    assert_eq!(dv, [2.0 * v[0], 2.0 * v[1]]);

    let (x, y) = ([0.5, 3.0], [-1.0, 2.5]);
    for c in [false, true] {
        let (mut dx, mut dy) = ([0.0; 2], [0.0; 2]);
        let value = slice_chosen_by_branch_grad(&x, &mut dx, &y, &mut dy, c);
        assert_eq!(value, slice_chosen_by_branch(&x, &y, c));
        let expected = numeric(|p| slice_chosen_by_branch(&p[..2], &p[2..], c), &[x[0], x[1], y[0], y[1]]);
        assert_close(&[dx[0], dx[1], dy[0], dy[1]], &expected);
    }
    for c in [false, true] {
        let (mut dx, mut dy) = ([0.0; 2], [0.0; 2]);
        chosen_slice_passed_on_grad(&x, &mut dx, &y, &mut dy, c);
        let expected = numeric(|p| chosen_slice_passed_on(&p[..2], &p[2..], c), &[x[0], x[1], y[0], y[1]]);
        assert_close(&[dx[0], dx[1], dy[0], dy[1]], &expected);
    }
    let (mut dx, mut dy) = ([0.0; 2], [0.0; 2]);
    slice_reassigned_in_loop_grad(&x, &mut dx, &y, &mut dy);
    // s = x₀x₁ + 5·y₀y₁.
    assert_eq!((dx, dy), ([x[1], x[0]], [5.0 * y[1], 5.0 * y[0]]));
}

/// The cross-entropy of the logits (x, 0.5) for class 0.
#[grad]
fn array_literal_by_reference(x: f64) -> f64 {
    softmax_cross_entropy(&[x, 0.5], 0)
}

#[test]
fn an_array_literal_is_passed_by_reference_with_its_shadow() {
    for x in [-1.0, 0.3, 2.0] {
        let (value, d) = array_literal_by_reference_grad(x);
        assert_eq!(value, array_literal_by_reference(x));
        // ∂/∂x of −ln softmax₀ = σ(x − 0.5) − 1.
        let expected = 1.0 / (1.0 + (0.5 - x).exp()) - 1.0;
        assert_close(&[d], &[expected]);
    }
}

fn log_value(_: f64) {}

/// x².
#[grad]
fn square(x: f64) -> f64 {
    x * x
}

/// Calls functions as statements with float constants, and drops the
/// value of a differentiated call: 3x.
#[grad]
fn calls_as_statements(x: f64) -> f64 {
    log_value(1.0);
    square(2.0);
    square(x);
    3.0 * x
}

#[test]
fn a_call_with_a_float_constant_can_be_a_statement() {
    assert_eq!(calls_as_statements_grad(1.5), (4.5, 3.0));
}

/// Σ x[i+1]² over i in 0..2, with `i` changed by the body.
#[grad]
fn mutable_loop_index(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for mut i in 0..2 {
        i += 1;
        s += x[i] * x[i] * (i as f64);
    }
    s
}

/// Σ x[i/2]·x[i]: an enumerated index changed by the body.
#[grad]
fn mutable_enumerated_index(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (mut i, v) in x.iter().enumerate() {
        i /= 2;
        s += x[i] * v;
    }
    s
}

#[test]
fn a_mut_loop_index_is_the_changed_one_in_both_sweeps() {
    let x = [0.5, -1.5, 2.0, 0.25];
    let mut dx = [0.0; 4];
    mutable_loop_index_grad(&x, &mut dx);
    assert_eq!(dx, [0.0, 2.0 * x[1], 4.0 * x[2], 0.0]);
    let mut dx = [0.0; 4];
    mutable_enumerated_index_grad(&x, &mut dx);
    assert_close(&dx, &numeric(mutable_enumerated_index, &x));
}

/// eˣ + sin x + ε, with the float type written as a qualified self type.
#[grad]
fn qualified_float_type(x: f64) -> f64 {
    <f64>::exp(x) + <f64>::sin(x) + <f64>::EPSILON
}

#[test]
fn qualified_self_paths_reach_the_float_library() {
    for x in [-0.5, 1.25] {
        let (value, d) = qualified_float_type_grad(x);
        assert_eq!(value, qualified_float_type(x));
        assert_close(&[d], &[x.exp() + x.cos()]);
    }
}

/// Σ xᵢ² over an array of any length, by a hand-written generic derivative
/// named with its generic argument.
#[grad(vjp = norm2_by_hand::<N>)]
fn norm2<const N: usize>(x: &[f64; N]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

fn norm2_by_hand<const N: usize>(x: &[f64; N], d_x: &mut [f64; N], seed: f64) -> f64 {
    for (d, v) in d_x.iter_mut().zip(x) {
        *d += seed * 2.0 * v;
    }
    norm2(x)
}

/// k·x with a label of any type; the derivative is `NAME_vjp` itself,
/// named with its generic argument.
#[grad(vjp = labeled_vjp::<L>)]
fn labeled<L: Copy>(x: f64, label: L) -> f64 {
    let _ = label;
    4.0 * x
}

fn labeled_vjp<L: Copy>(x: f64, label: L, seed: f64) -> (f64, f64) {
    (labeled(x, label), 4.0 * seed)
}

/// Calls both through their companions.
#[grad]
fn calls_generic_custom(x: f64, w: &[f64; 2]) -> f64 {
    labeled(x, 7u8) * norm2(w)
}

#[test]
fn a_generic_custom_derivative_keeps_its_generic_arguments() {
    let w = [1.5, -0.5];
    let mut dw = [0.0; 2];
    assert_eq!(norm2_grad(&w, &mut dw), 2.5);
    assert_eq!(dw, [3.0, -1.0]);
    assert_eq!(labeled_grad(2.0, "tag"), (8.0, 4.0));
    let mut dw = [0.0; 2];
    let (_, dx) = calls_generic_custom_grad(0.5, &w, &mut dw);
    // f = 4x·|w|².
    assert_eq!((dx, dw), (10.0, [6.0, -2.0]));
}

/// x³, with attributes that describe a function: the generated functions
/// carry them (and their code calls the deprecated original silently).
#[grad]
#[inline(always)]
#[must_use]
#[deprecated = "use cube_v2"]
#[allow(clippy::suspicious_operation_groupings)]
fn cube(x: f64) -> f64 {
    x * x * x
}

#[test]
#[allow(deprecated)]
fn describing_attributes_are_carried_to_the_generated_functions() {
    assert_eq!(cube_grad(2.0), (8.0, 12.0));
    assert_eq!(cube_vjp(2.0, 0.5), (8.0, 6.0));
}

/// Raw identifiers as parameters and locals; `r#x` and `x` are one name,
/// and the shadow of `r#type` is `d_type`.
#[grad]
fn raw_identifiers(r#x: f64, r#type: &[f64]) -> f64 {
    let mut r#p = 1.0;
    for i in 0..r#type.len() {
        r#p = p * x * r#type[i];
    }
    let x = r#x * 2.0;
    let r#d_x = x * x;
    r#p + r#x + d_x
}

#[test]
fn raw_identifiers_are_their_names() {
    let (x, t) = (0.75, [1.5, -2.0, 0.5]);
    let mut d_type = [0.0; 3];
    let (value, dx) = raw_identifiers_grad(x, &t, &mut d_type);
    assert_eq!(value, raw_identifiers(x, &t));
    let expected = numeric(|p| raw_identifiers(p[0], &p[1..]), &[x, t[0], t[1], t[2]]);
    assert_close(&[dx, d_type[0], d_type[1], d_type[2]], &expected);
}

/// Σ wᵢxᵢ, with the output `y[0] = Σ xᵢ` written on the side.
#[grad]
fn weighted(w: &[f64], x: &Vec<f64>, y: &mut [f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        s += w[i] * x[i];
        y[0] += x[i];
    }
    s
}

#[test]
fn shadows_of_the_right_length_are_accepted() {
    let (w, x, mut y) = ([1.0, 2.0], vec![3.0, -1.0], [0.0]);
    let (mut dw, mut dx, mut dy) = ([0.0; 2], vec![0.0; 2], [0.0]);
    assert_eq!(weighted_grad(&w, &mut dw, &x, &mut dx, &mut y, &mut dy), 1.0);
    assert_eq!((dw, dx), ([3.0, -1.0], vec![1.0, 2.0]));
}

#[test]
#[should_panic(expected = "weighted: w.len() = 2 but d_w.len() = 1; a shadow has the length of its parameter")]
fn a_short_shadow_is_reported_on_entry() {
    let (w, x, mut y) = ([1.0, 2.0], vec![3.0, -1.0], [0.0]);
    let (mut dw, mut dx, mut dy) = ([0.0; 1], vec![0.0; 2], [0.0]);
    weighted_grad(&w, &mut dw, &x, &mut dx, &mut y, &mut dy);
}

#[test]
#[should_panic(expected = "weighted: x.len() = 2 but d_x.len() = 3; a shadow has the length of its parameter")]
fn a_long_shadow_is_reported_on_entry() {
    let (w, x, mut y) = ([1.0, 2.0], vec![3.0, -1.0], [0.0]);
    let (mut dw, mut dx, mut dy) = ([0.0; 2], vec![0.0; 3], [0.0]);
    weighted_vjp(&w, &mut dw, &x, &mut dx, &mut y, &mut dy, 1.0);
}

#[test]
#[should_panic(expected = "weighted: y.len() = 1 but d_y.len() = 2; a shadow has the length of its parameter")]
fn a_wrong_output_shadow_is_reported_on_entry() {
    let (w, x, mut y) = ([1.0, 2.0], vec![3.0, -1.0], [0.0]);
    let (mut dw, mut dx, mut dy) = ([0.0; 2], vec![0.0; 2], [0.0; 2]);
    weighted_grad(&w, &mut dw, &x, &mut dx, &mut y, &mut dy);
}

/// `v₀·x`, a callee whose slice the caller below does not differentiate.
#[grad]
fn scaled_head(v: &[f64], x: f64) -> f64 {
    v[0] * x
}

#[grad]
fn scaled_head_of_array(v: &[f64; 2], x: f64) -> f64 {
    v[0] * x
}

#[grad]
fn scaled_head_of_vec(v: &Vec<f64>, x: f64) -> f64 {
    v[0] * x
}

/// `x(v₀ + v₁) + x·a₀ + x·w₀`, with every aggregate a constant: each call
/// gets a throwaway shadow of its argument's shape.
#[grad(wrt(x))]
fn constant_aggregates_passed_on(v: &[f64], a: &[f64; 2], w: &Vec<f64>, x: f64) -> f64 {
    scaled_head(v, x) + scaled_head(&v[1..], x) + scaled_head_of_array(a, x) + scaled_head_of_vec(w, x)
}

#[test]
fn constant_slices_arrays_and_vectors_pass_on_to_calls() {
    let (v, a, w) = ([3.0, 5.0], [7.0, 11.0], vec![13.0]);
    let (value, dx) = constant_aggregates_passed_on_grad(&v, &a, &w, 2.0);
    assert_eq!(value, 2.0 * (3.0 + 5.0 + 7.0 + 13.0));
    assert_eq!(dx, 3.0 + 5.0 + 7.0 + 13.0);
}

/// Fifteen values that its reverse sweep reads: a tape longer than the
/// longest tuple with a `Default`.
#[grad]
fn long_tape(x: f64, y: f64) -> f64 {
    let a = x.sin();
    let b = y.cos();
    let c = a * b;
    let d = c.tanh();
    let e = d * x;
    let f = e.sin();
    let g = f * y;
    let h = g.cos();
    let i = h * a;
    let j = i.sin();
    let k = j * b;
    let l = k.tanh();
    let m = l * c;
    let n = m.sin();
    n * d
}

/// A call whose tape is kept in a variable declared before a `loop`.
#[grad]
fn long_tape_in_loop(x: f64, y: f64) -> f64 {
    let mut k = 0;
    let t = loop {
        k += 1;
        if k > 2 {
            break long_tape(x, y);
        }
    };
    t * x
}

#[test]
fn a_long_tape_is_kept_across_a_loop() {
    let (_, dx, dy) = long_tape_in_loop_grad(0.7, -0.4);
    let n = numeric(|v| long_tape_in_loop(v[0], v[1]), &[0.7, -0.4]);
    assert_close(&[dx, dy], &n);
}

// ---------------------------------------------------------------------------
// Second review (B1–B4).
// ---------------------------------------------------------------------------

/// `v₀v₁ + w₀w₁` through one slice local, reassigned (`mem::replace` of
/// its adjoint lent it twice: E0502). `v` and `w` differ in length.
#[grad]
fn reassigned_slice_local(v: &[f64], w: &[f64]) -> f64 {
    let mut t = v;
    let a = t[0] * t[1];
    t = w;
    a + t[0] * t[1]
}

/// From `h = x/2`, two layers `hᵢ ← tanh(hᵢ)·xᵢ`, each built in a fresh vector and moved
/// into `h` (E0382: the reverse sweep read the moved vector's length).
#[grad]
fn layer_by_layer(x: &[f64]) -> f64 {
    let n = x.len();
    let mut h = vec![0.0; n];
    for i in 0..n {
        h[i] = x[i] * 0.5;
    }
    for _ in 0..2 {
        let mut next = vec![0.0; n];
        for i in 0..n {
            next[i] = h[i].tanh() * x[i];
        }
        h = next;
    }
    h[0] + h[1]
}

#[test]
fn slice_and_vector_locals_can_be_reassigned() {
    let (v, w) = ([1.5, 2.0, 3.0], [5.0, -7.0]);
    let (mut dv, mut dw) = ([0.0; 3], [0.0; 2]);
    assert_eq!(reassigned_slice_local_grad(&v, &mut dv, &w, &mut dw), 3.0 - 35.0);
    assert_eq!((dv, dw), ([2.0, 1.5, 0.0], [-7.0, 5.0]));
    let x = [0.3, -0.7, 1.1];
    let mut dx = [0.0; 3];
    assert_eq!(layer_by_layer_grad(&x, &mut dx), layer_by_layer(&x));
    assert_close(&dx, &numeric(layer_by_layer, &x));
}

/// `x·y` of two arrays.
#[grad]
fn dot_of_pair(x: &[f64; 2], y: &[f64; 2]) -> f64 {
    x[0] * y[0] + x[1] * y[1]
}

/// `|x|²` as `dot(x, x)` (E0308: the second shadow was a `Vec`).
#[grad]
fn dot_with_itself(x: &[f64; 2]) -> f64 {
    dot_of_pair(x, x)
}

/// `a² + 4a²` as `dot(&v, &v)` of a local array.
#[grad]
fn dot_of_local_with_itself(a: f64) -> f64 {
    let v = [a, 2.0 * a];
    dot_of_pair(&v, &v)
}

#[derive(autodiff::Params, Clone)]
struct Pair {
    w: [f64; 2],
}

/// `a.w₀·b.w₁`.
#[grad]
fn cross_of_models(a: &Pair, b: &Pair) -> f64 {
    a.w[0] * b.w[1]
}

/// `m.w₀·m.w₁` as `cross(m, m)`.
#[grad]
fn cross_of_model_with_itself(m: &Pair) -> f64 {
    cross_of_models(m, m)
}

#[test]
fn one_array_or_model_passed_twice_to_a_call() {
    let x = [0.5, -1.5];
    let mut dx = [0.25; 2];
    assert_eq!(dot_with_itself_grad(&x, &mut dx), 2.5);
    assert_eq!(dx, [0.25 + 1.0, 0.25 - 3.0]);
    assert_eq!(dot_of_local_with_itself_grad(1.5), (5.0 * 2.25, 10.0 * 1.5));
    let m = Pair { w: [2.0, 3.0] };
    let mut dm = Pair { w: [1.0, 1.0] };
    assert_eq!(cross_of_model_with_itself_grad(&m, &mut dm), 6.0);
    assert_eq!(dm.w, [1.0 + 3.0, 1.0 + 2.0]);
}

/// A plain function: it has no derivative, and needs none for constants.
fn half_of(n: usize) -> f64 {
    n as f64 * 0.5
}

/// `s = 1·x`, `s` starting as a call of constants (E0433: `half_of::fwd`).
#[grad]
fn constant_call_then_active(x: f64) -> f64 {
    let mut s = half_of(2);
    s = s * x;
    s
}

/// `x²` added to a `Default::default()` (E0782).
#[grad]
fn default_then_active(x: f64) -> f64 {
    let mut z: f64 = Default::default();
    z += x * x;
    z
}

#[test]
fn a_call_of_constants_needs_no_derivative() {
    assert_eq!(constant_call_then_active_grad(3.0), (3.0, 1.0));
    assert_eq!(default_then_active_grad(3.0), (9.0, 6.0));
}

/// Empty statements are nothing (they were refused).
#[rustfmt::skip]
#[grad]
#[allow(redundant_semicolons)]
fn empty_statements(x: f64) -> f64 {
    let y = x * x;;
    { ; ; y }
}

#[test]
fn empty_statements_are_accepted() {
    assert_eq!(empty_statements_grad(3.0), (9.0, 6.0));
}

/// `a₀·x`, in forward mode with `a` a constant: the callee's `jvp` gets a
/// zero tangent of `a`'s own type (`[f64; 2]`, not a `Vec`).
#[grad(forward, reverse, wrt(x))]
fn constant_array_in_forward_mode(x: f64, a: &[f64; 2], v: &Vec<f64>) -> f64 {
    scaled_head_of_array(a, x) + scaled_head_of_vec(v, x)
}

#[test]
fn a_constant_array_passes_on_in_forward_mode() {
    let (value, derivative) = constant_array_in_forward_mode_jvp(2.0, 0.5, &[3.0, 5.0], &vec![7.0]);
    assert_eq!((value, derivative), (20.0, 5.0));
}

/// `z₀·s₀` after copying `s[s0..s0 + b]` into `z`: with `s0 = 1`, `z₀ = s₁`,
/// so the value is `s₁·s₀`.
#[grad]
fn copy_at(s: &[f64], z: &mut [f64], s0: usize, b: usize) -> f64 {
    for i in 0..b {
        z[i] = s[s0 + i];
    }
    z[0] * s[0]
}

#[test]
fn a_copy_at_an_offset_compiles() {
    let s = [2.0, 3.0, 5.0];
    let mut z = [0.0; 2];
    let (mut ds, mut dz) = ([0.0; 3], [0.0; 2]);
    assert_eq!(copy_at_grad(&s, &mut ds, &mut z, &mut dz, 1, 2), 6.0);
    assert_eq!(z, [3.0, 5.0]);
    // ∂(s₁·s₀)/∂s = (s₁, s₀, 0); z was overwritten, so its shadow is zero.
    assert_eq!(ds, [3.0, 2.0, 0.0]);
    assert_eq!(dz, [0.0, 0.0]);
}

/// `Σ xₜ²`, through rows `h[t] = [xₜ; 3]` of a vector of arrays (E0308:
/// the row was stored as if it were a number).
#[grad(forward, reverse, hessian)]
fn rows(x: &[f64], n: usize) -> f64 {
    let mut h = vec![[0.0; 3]; n];
    for t in 0..n {
        h[t] = [x[t]; 3];
    }
    let mut s = 0.0;
    for t in 0..n {
        s += h[t][0] * h[t][2];
    }
    s
}

/// `Σ (2xₜ² + ½)`, the rows written as array literals.
#[grad(forward, reverse, hessian)]
fn rows_of_literals(x: &[f64], n: usize) -> f64 {
    let mut h = vec![[0.0; 3]; n];
    for t in 0..n {
        h[t] = [x[t], 2.0 * x[t], 0.5];
    }
    let mut s = 0.0;
    for t in 0..n {
        s += h[t][0] * h[t][1] + h[t][2];
    }
    s
}

/// `Σ (3xₜ² + xₜ)`, each row copied from one local array that every pass
/// overwrites.
#[grad(forward, reverse, hessian)]
fn rows_from_a_local(x: &[f64], n: usize) -> f64 {
    let mut h = vec![[0.0; 3]; n];
    let mut other_row = [0.0, 0.0, 3.0];
    for t in 0..n {
        other_row[0] = x[t] * x[t];
        other_row[1] = x[t];
        h[t] = other_row;
    }
    let mut s = 0.0;
    for t in 0..n {
        s += h[t][0] * h[t][2] + h[t][1];
    }
    s
}

/// `Σ xₜ³`, each row of `h` copied from the row of `g` that holds
/// `(xₜ, xₜ²)`.
#[grad(forward, reverse, hessian)]
fn rows_from_rows(x: &[f64], n: usize) -> f64 {
    let mut g = vec![[0.0; 2]; n];
    let mut h = vec![[0.0; 2]; n];
    for t in 0..n {
        g[t] = [x[t], x[t] * x[t]];
        h[t] = g[t];
    }
    let mut s = 0.0;
    for t in 0..n {
        s += h[t][0] * h[t][1];
    }
    s
}

/// `Σ xₜ³`, through 2×2 blocks `h[t] = [[xₜ; 2]; 2]`, then the row
/// `h[t][1]` overwritten by the row `h[t][0]` scaled.
#[grad(forward, reverse, hessian)]
fn blocks(x: &[f64], n: usize) -> f64 {
    let mut h = vec![[[0.0; 2]; 2]; n];
    for t in 0..n {
        h[t] = [[x[t]; 2]; 2];
        h[t][1] = [h[t][0][0] * x[t], h[t][0][1]];
    }
    let mut s = 0.0;
    for t in 0..n {
        s += h[t][1][0] * h[t][1][1];
    }
    s
}

/// Checks `f`'s `_grad`, `_jvp` and `_hvp` at `x` against its gradient
/// `∇f(x)ᵢ = slope·xᵢ^power + offset` (a separable `f`, so `H = diag(∂∇f)`).
#[allow(clippy::type_complexity)]
fn check_separable(
    (grad, jvp, hvp): (
        fn(&[f64], &mut [f64], usize) -> f64,
        fn(&[f64], &[f64], usize) -> (f64, f64),
        fn(&[f64], &[f64], &mut [f64], usize) -> f64,
    ),
    value: f64,
    (slope, power, offset): (f64, i32, f64),
) {
    let x: [f64; 4] = [0.5, -1.5, 2.0, 7.0];
    let v = [1.0, -2.0, 0.25, 9.0];
    let n = 3;
    let gradient: Vec<f64> = (0..n).map(|t| slope * x[t].powi(power) + offset).collect();
    let hessian: Vec<f64> = (0..n).map(|t| slope * f64::from(power) * x[t].powi(power - 1)).collect();

    let mut dx = [0.0; 4];
    assert_close(&[grad(&x, &mut dx, n)], &[value]);
    assert_close(&dx[..n], &gradient);
    assert_eq!(dx[n], 0.0);

    let (at, derivative) = jvp(&x, &v, n);
    assert_close(&[at, derivative], &[value, (0..n).map(|t| gradient[t] * v[t]).sum()]);

    let mut hv = [0.0; 4];
    assert_close(&[hvp(&x, &v, &mut hv, n)], &[value]);
    let expected: Vec<f64> = (0..n).map(|t| hessian[t] * v[t]).collect();
    assert_close(&hv[..n], &expected);
    assert_eq!(hv[n], 0.0);
}

#[test]
fn a_whole_row_can_be_stored_into_a_vector_of_arrays() {
    let x = [0.5, -1.5, 2.0];
    let sum = |f: fn(f64) -> f64| x.iter().map(|&xt| f(xt)).sum::<f64>();
    check_separable((rows_grad, rows_jvp, rows_hvp), sum(|x| x * x), (2.0, 1, 0.0));
    check_separable(
        (rows_of_literals_grad, rows_of_literals_jvp, rows_of_literals_hvp),
        sum(|x| 2.0 * x * x + 0.5),
        (4.0, 1, 0.0),
    );
    check_separable(
        (rows_from_a_local_grad, rows_from_a_local_jvp, rows_from_a_local_hvp),
        sum(|x| 3.0 * x * x + x),
        (6.0, 1, 1.0),
    );
    check_separable((rows_from_rows_grad, rows_from_rows_jvp, rows_from_rows_hvp), sum(|x| x * x * x), (3.0, 2, 0.0));
    check_separable((blocks_grad, blocks_jvp, blocks_hvp), sum(|x| x * x * x), (3.0, 2, 0.0));
}

/// A plain function building a local's value: `h` holds floats by its
/// written type, so the product stored into it keeps its derivative (without
/// the type, `tests/ui/store-into-untyped-local.rs` is refused; it used to
/// drop the derivative).
fn zero_rows(n: usize) -> Vec<[f64; 2]> {
    vec![[0.0; 2]; n]
}

#[grad(forward, reverse)]
fn product_into_typed_local(x: &[f64]) -> f64 {
    let mut h: Vec<[f64; 2]> = zero_rows(2);
    h[1][0] = x[0] * x[1];
    h[1][0]
}

#[test]
fn a_float_stored_into_a_typed_local_from_a_plain_call_keeps_its_derivative() {
    let x = [2.0, 3.0];
    let mut dx = [0.0; 2];
    assert_eq!(product_into_typed_local_grad(&x, &mut dx), 6.0);
    // ∂(x₀x₁) = (x₁, x₀).
    assert_eq!(dx, [3.0, 2.0]);
    assert_eq!(product_into_typed_local_jvp(&x, &[1.0, -1.0]), (6.0, 3.0 - 2.0));
}

/// x₀·x₁ of one row.
#[grad]
fn row_product(x: &[f64; 2]) -> f64 {
    x[0] * x[1]
}

/// Rows of a constant array of arrays, bound by a loop and passed on as
/// they are (`f(x)`, not `f(&xs[i])`): the row went by value once.
#[grad(wrt(w))]
fn constant_rows_passed_on(w: f64, xs: &[[f64; 2]]) -> f64 {
    let mut t = 0.0;
    for x in xs.iter() {
        t += w * row_product(x);
    }
    t
}

/// The same with the rows differentiated.
#[grad]
fn rows_passed_on(xs: &[[f64; 2]; 2]) -> f64 {
    let mut t = 0.0;
    for x in xs {
        t += row_product(x) * x[0];
    }
    t
}

#[test]
fn a_row_bound_by_a_loop_can_be_passed_to_a_call() {
    let xs = [[1.0, 2.0], [3.0, 4.0]];
    // Σ w·a·b: value 2·(2 + 12), derivative 2 + 12.
    assert_eq!(constant_rows_passed_on_grad(2.0, &xs), (28.0, 14.0));
    // Σ a²b: ∂a = 2ab, ∂b = a².
    let mut d_xs = [[0.0; 2]; 2];
    let value = rows_passed_on_grad(&xs, &mut d_xs);
    assert_eq!(value, 2.0 + 36.0);
    assert_eq!(d_xs, [[4.0, 1.0], [24.0, 9.0]]);
}
