//! Functions generic over one float type (`fn f<T: Float>(x: T) -> T`):
//! the generated `_grad`, `_vjp`, `_jvp` and `_hvp` keep the generics, and
//! each function instantiated at `f32` and at `f64` agrees with central
//! differences and with the other mode.

#![allow(clippy::ptr_arg)]

use autodiff::{grad, Float};

/// `f(x, y) = 2·x²·y + sin(x)·exp(y) − 0.5`.
/// `∂x = 4xy + cos(x)·exp(y)`, `∂y = 2x² + sin(x)·exp(y)`.
#[grad(forward, reverse, hessian)]
fn smooth<T: Float>(x: T, y: T) -> T {
    let two = T::from_f64(2.0);
    two * x * x * y + x.sin() * y.exp() - T::from_f64(0.5)
}

/// The same bound from `num_traits`, literals written its way.
#[grad(forward, reverse, hessian)]
fn with_num_traits<T: autodiff::num_traits::Float>(x: T, y: T) -> T {
    let half = T::from(0.5).unwrap();
    (x * y).tanh() + half * x.powi(3) - y.sqrt() * T::one() + T::zero()
}

/// A dot product with a slice, a `where` clause and a loop:
/// `f(w, x) = Σ wᵢ xᵢ + ln(1 + w₀²)`.
#[grad(forward, reverse, hessian)]
fn weighted<T>(w: &[T], x: &[T]) -> T
where
    T: Float,
{
    let mut s = T::zero();
    for i in 0..w.len() {
        s += w[i] * x[i];
    }
    s + (T::one() + w[0] * w[0]).ln()
}

/// A fixed-size array: `f(a) = max(a₀, a₁)·a₂`.
#[grad(forward, reverse)]
fn array_max<T: Float>(a: &[T; 3]) -> T {
    a[0].max(a[1]) * a[2]
}

/// Central differences of `f` at `at` in `f64`.
fn central(f: impl Fn(&[f64]) -> f64, at: &[f64]) -> Vec<f64> {
    autodiff::numeric_gradient(f, at)
}

fn close(got: f64, want: f64, tol: f64) -> bool {
    (got - want).abs() <= tol * want.abs().max(1.0)
}

fn assert_all_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!(close(*g, *w, tol), "{got:?} vs {want:?}");
    }
}

const POINTS: [(f64, f64); 4] = [(0.3, 0.7), (-1.2, 0.4), (0.9, 1.6), (2.0, 0.2)];

#[test]
fn scalar_functions_at_f64_and_f32() {
    for (x, y) in POINTS {
        let want = central(|v| smooth(v[0], v[1]), &[x, y]);
        let (value, dx, dy) = smooth_grad(x, y);
        assert_eq!(value, smooth(x, y));
        assert_all_close(&[dx, dy], &want, 1e-6);
        // f32: the same derivative, to f32 precision.
        let (value32, dx32, dy32) = smooth_grad(x as f32, y as f32);
        assert_eq!(value32, smooth(x as f32, y as f32));
        assert_all_close(&[dx32 as f64, dy32 as f64], &want, 1e-4);
        // _vjp scales by the seed; _jvp along (1, 0) and (0, 1) agrees.
        assert_eq!(smooth_vjp(x, y, 2.0), (value, 2.0 * dx, 2.0 * dy));
        assert!(close(smooth_jvp(x, 1.0, y, 0.0).1, dx, 1e-12));
        assert!(close(smooth_jvp(x as f32, 0.0, y as f32, 1.0).1 as f64, dy, 1e-4));

        let want = central(|v| with_num_traits(v[0], v[1]), &[x.abs(), y]);
        let (_, dx, dy) = with_num_traits_grad(x.abs(), y);
        assert_all_close(&[dx, dy], &want, 1e-6);
        let (_, dx32, dy32) = with_num_traits_grad(x.abs() as f32, y as f32);
        assert_all_close(&[dx32 as f64, dy32 as f64], &want, 1e-4);
    }
}

#[test]
fn hessian_vector_products_at_f64_and_f32() {
    for (x, y) in POINTS {
        // H·v by central differences of the gradient along v = (0.3, −0.8).
        let (vx, vy, h) = (0.3, -0.8, 1e-5);
        let grad_at = |t: f64| {
            let (_, dx, dy) = smooth_grad(x + t * vx, y + t * vy);
            [dx, dy]
        };
        let (plus, minus) = (grad_at(h), grad_at(-h));
        let want = [(plus[0] - minus[0]) / (2.0 * h), (plus[1] - minus[1]) / (2.0 * h)];
        let (_, hx, hy) = smooth_hvp(x, vx, y, vy);
        assert_all_close(&[hx, hy], &want, 1e-5);
        let (_, hx32, hy32) = smooth_hvp(x as f32, vx as f32, y as f32, vy as f32);
        assert_all_close(&[hx32 as f64, hy32 as f64], &want, 1e-3);
    }
}

#[test]
fn slices_at_f64_and_f32() {
    let (w, x) = ([0.4, -1.3, 2.2], [1.5, 0.25, -0.6]);
    let mut at = w.to_vec();
    at.extend(x);
    let want = central(|v| weighted(&v[..3], &v[3..]), &at);

    let (mut dw, mut dx) = ([0.0; 3], [0.0; 3]);
    let value = weighted_grad(&w, &mut dw, &x, &mut dx);
    assert_eq!(value, weighted(&w, &x));
    assert_all_close(&[dw, dx].concat(), &want, 1e-6);

    let (w32, x32) = (w.map(|v| v as f32), x.map(|v| v as f32));
    let (mut dw32, mut dx32) = ([0.0f32; 3], [0.0f32; 3]);
    weighted_grad(&w32, &mut dw32, &x32, &mut dx32);
    let got: Vec<f64> = dw32.iter().chain(&dx32).map(|&v| v as f64).collect();
    assert_all_close(&got, &want, 1e-4);

    // Forward mode along e₀ of w: the first partial.
    let (mut e0, zero) = ([0.0; 3], [0.0; 3]);
    e0[0] = 1.0;
    assert!(close(weighted_jvp(&w, &e0, &x, &zero).1, want[0], 1e-6));
    let (_, hv_w) = {
        let (mut hv_w, mut hv_x) = ([0.0; 3], [0.0; 3]);
        let value = weighted_hvp(&w, &e0, &mut hv_w, &x, &zero, &mut hv_x);
        (value, hv_w)
    };
    // ∂²/∂w₀² of ln(1 + w₀²) = 2(1 − w₀²)/(1 + w₀²)².
    let w0 = w[0];
    let want_h = 2.0 * (1.0 - w0 * w0) / ((1.0 + w0 * w0) * (1.0 + w0 * w0));
    assert!(close(hv_w[0], want_h, 1e-12), "{hv_w:?}");
}

#[test]
fn arrays_at_f64_and_f32() {
    for a in [[0.5, -0.2, 3.0], [-1.0, 2.0, 0.7]] {
        let want = central(|v| array_max(&[v[0], v[1], v[2]]), &a);
        let mut da = [0.0; 3];
        array_max_grad(&a, &mut da);
        assert_all_close(&da, &want, 1e-6);
        let mut da32 = [0.0f32; 3];
        array_max_grad(&a.map(|v| v as f32), &mut da32);
        assert_all_close(&da32.map(|v| v as f64), &want, 1e-4);
        let e2 = [0.0, 0.0, 1.0];
        assert!(close(array_max_jvp(&a, &e2).1, da[2], 1e-12));
    }
}

/// `num_traits::Float`'s special values in generic code (refused before
/// stop 17): `log Σ exp(xᵢ)` from a running maximum started at
/// `T::neg_infinity()`, with `T::epsilon()` (each type's own) inside the
/// logarithm. `∂ᵢ = exp(xᵢ − m) / (z + ε)`.
#[grad(forward, reverse, hessian)]
fn log_sum_exp<T: Float + std::iter::Sum>(x: &[T]) -> T {
    let m = x.iter().fold(T::neg_infinity(), |a, &b| a.max(b));
    let z: T = x.iter().map(|&v| (v - m).exp()).sum();
    m + (z + T::epsilon()).ln()
}

#[test]
fn special_values_at_f64_and_f32() {
    let x = [0.5, -1.0, 2.0];
    let m = 2.0f64;
    let z: f64 = x.iter().map(|v| (v - m).exp()).sum();
    let mut d = [0.0; 3];
    let value = log_sum_exp_grad(&x, &mut d);
    assert!(close(value, m + (z + f64::EPSILON).ln(), 1e-15));
    let want: Vec<f64> = x.iter().map(|v| (v - m).exp() / (z + f64::EPSILON)).collect();
    assert_all_close(&d, &want, 1e-12);
    let mut d32 = [0.0f32; 3];
    let value32 = log_sum_exp_grad(&x.map(|v| v as f32), &mut d32);
    // f32's own epsilon, not f64's converted: 1 + ε32 differs from 1 in f32.
    let z32 = z as f32;
    assert_eq!(value32, 2.0 + (z32 + f32::EPSILON).ln());
    assert_all_close(&d32.map(|v| v as f64), &want, 1e-5);
    assert_all_close(&[log_sum_exp_jvp(&x, &[0.0, 0.0, 1.0]).1], &[want[2]], 1e-12);
}

/// A const generic length beside the float type: `f(a) = Σ aᵢ²·i`.
#[grad(forward, reverse)]
fn sized<T: Float, const N: usize>(a: &[T; N]) -> T {
    let mut s = T::zero();
    for (i, v) in a.iter().enumerate() {
        s += *v * *v * T::from_f64(i as f64);
    }
    s
}

#[test]
fn const_generic_lengths_at_f64_and_f32() {
    let a = [0.5, -1.5, 2.0, 0.25];
    let want = central(|v| sized(&[v[0], v[1], v[2], v[3]]), &a);
    let mut da = [0.0; 4];
    assert_eq!(sized_grad(&a, &mut da), sized(&a));
    assert_all_close(&da, &want, 1e-6);
    let mut da32 = [0.0f32; 4];
    sized_grad(&a.map(|v| v as f32), &mut da32);
    assert_all_close(&da32.map(|v| v as f64), &want, 1e-4);
    let e1 = [0.0, 1.0, 0.0, 0.0];
    assert!(close(sized_jvp(&a, &e1).1, da[1], 1e-12));
}

/// A generic `#[grad]` helper called from generic `#[grad]` code:
/// `g(x, y) = smooth(x, y)·x`, `∂x = ∂x smooth·x + smooth`, `∂y = ∂y smooth·x`.
#[grad(forward, reverse)]
fn calls_generic<T: Float>(x: T, y: T) -> T {
    smooth(x, y) * x
}

#[test]
fn generic_calls_generic_at_f64_and_f32() {
    for (x, y) in POINTS {
        let want = central(|v| calls_generic(v[0], v[1]), &[x, y]);
        let (_, dx, dy) = calls_generic_grad(x, y);
        assert_all_close(&[dx, dy], &want, 1e-6);
        let (_, dx32, dy32) = calls_generic_grad(x as f32, y as f32);
        assert_all_close(&[dx32 as f64, dy32 as f64], &want, 1e-4);
        assert!(close(calls_generic_jvp(x, 0.0, y, 1.0).1, dy, 1e-12));
    }
}

/// Rows of a running product into a total, the total the result (its
/// passes reversed at once from the seed) or scaled by `w` (from 1 into
/// scratch, `reverse/immediate.rs`), generic over the float.
#[grad(forward, reverse)]
fn rows_total<T: Float>(x: &[T]) -> T {
    let n = x.len();
    let mut s = T::zero();
    for i in 0..n {
        let mut p = T::one();
        for j in 0..n {
            for _ in 0..2 {
                p = p * (x[j] * x[i]).sin() + T::from(0.5).unwrap();
            }
        }
        s += p;
    }
    T::from(2.0).unwrap() - s
}

#[grad(forward, reverse)]
fn rows_scaled<T: Float>(x: &[T], w: T) -> T {
    let n = x.len();
    let mut s = T::zero();
    for i in 0..n {
        let mut p = T::one();
        for j in 0..n {
            for _ in 0..2 {
                p = p * (x[j] * x[i]).sin() + T::from(0.5).unwrap();
            }
        }
        s += p;
    }
    w * s
}

#[test]
fn passes_reversed_at_once_at_f64_and_f32() {
    let x = [0.3, -1.1, 0.8, 1.4];
    let want = central(rows_total::<f64>, &x);
    let mut dx = [0.0; 4];
    assert_eq!(rows_total_grad(&x, &mut dx), rows_total(&x));
    assert_all_close(&dx, &want, 1e-6);
    let x32 = x.map(|v| v as f32);
    let mut dx32 = [0.0f32; 4];
    rows_total_grad(&x32, &mut dx32);
    assert_all_close(&dx32.map(f64::from), &want, 1e-3);

    let w = -0.7;
    let mut at = x.to_vec();
    at.push(w);
    let want = central(|v| rows_scaled(&v[..4], v[4]), &at);
    let mut dx = [0.0; 4];
    let (_, dw) = rows_scaled_grad(&x, &mut dx, w);
    let mut got = dx.to_vec();
    got.push(dw);
    assert_all_close(&got, &want, 1e-6);
    let mut dx32 = [0.0f32; 4];
    let (_, dw32) = rows_scaled_grad(&x32, &mut dx32, w as f32);
    let mut got32: Vec<f64> = dx32.iter().map(|v| f64::from(*v)).collect();
    got32.push(f64::from(dw32));
    assert_all_close(&got32, &want, 1e-3);
}

/// Conversions written the way `num_traits` code writes them (round 19):
/// a length, an integer parameter and arithmetic of it, a count cast to
/// `f64`, and a negative literal. `f = −½ (2s + 1 + n) Σ xᵢ² / n` with
/// `n = x.len()`, so `∂ᵢ f = −(2s + 1 + n) xᵢ / n`.
#[grad(forward, reverse, hessian)]
fn scaled_mean_square<T: autodiff::num_traits::Float>(x: &[T], steps: usize) -> T {
    let n = T::from(x.len()).unwrap();
    let k = T::from(steps * 2 + 1).unwrap() + T::from(x.len() as f64).unwrap();
    let half = T::from(-0.5).unwrap();
    x.iter().map(|&v| v * v).fold(T::zero(), |s, v| s + v) / n * k * half
}

/// A negative literal by `autodiff::Float`'s conversion.
#[grad(forward, reverse)]
fn negative_literal<T: Float>(x: T) -> T {
    T::from_f64(-0.284496736) * x * x
}

#[test]
fn integers_and_negative_literals_converted_to_t() {
    let (x, steps) = ([0.5, -1.5, 2.0], 2);
    let k = (2 * steps + 1 + 3) as f64;
    let mut d = [0.0; 3];
    let value = scaled_mean_square_grad(&x, &mut d, steps);
    assert!(close(value, -0.5 * k * (0.25 + 2.25 + 4.0) / 3.0, 1e-14));
    assert_all_close(&d, &x.map(|v| -k * v / 3.0), 1e-13);
    let (_, tangent) = scaled_mean_square_jvp(&x, &[1.0, 0.0, 2.0], steps);
    assert!(close(tangent, d[0] + 2.0 * d[2], 1e-13));
    let mut hv = [0.0; 3];
    scaled_mean_square_hvp(&x, &[1.0, 0.0, 2.0], &mut hv, steps);
    assert_all_close(&hv, &[-k / 3.0, 0.0, -2.0 * k / 3.0], 1e-13);
    let mut d32 = [0.0f32; 3];
    scaled_mean_square_grad(&x.map(|v| v as f32), &mut d32, steps);
    assert_all_close(&d32.map(f64::from), &d, 1e-6);
    let (value, dx) = negative_literal_grad(1.5f64);
    assert!(close(value, -0.284496736 * 2.25, 1e-15) && close(dx, -0.284496736 * 3.0, 1e-15));
    assert!(close(f64::from(negative_literal_grad(1.5f32).1), dx, 1e-6));
}

const P: f64 = 0.3275911;
const AS_A: [f64; 3] = [0.254829592, -0.284496736, 1.421413741];

/// Constants converted to `T` (round 19, D1): the coefficients of an
/// erf-like polynomial in `t = 1 / (1 + P·x)`, `t·(a₀ + t·(a₁ + t·a₂))`.
#[grad(forward, reverse, hessian)]
fn polynomial_in_t<T: autodiff::num_traits::Float>(x: T) -> T {
    let t = T::one() / (T::one() + T::from(P).unwrap() * x);
    let mut s = T::zero();
    for i in 0..3 {
        s = s * t + T::from(AS_A[2 - i]).unwrap();
    }
    s * t
}

#[grad(forward, reverse)]
fn affine_in_constants<T: Float>(x: T) -> T {
    T::from_f64(P) * x + T::from_f64(AS_A[1])
}

#[test]
fn constants_converted_to_t() {
    let f = |x: f64| {
        let t = 1.0 / (1.0 + P * x);
        t * (AS_A[0] + t * (AS_A[1] + t * AS_A[2]))
    };
    for x in [0.2, 1.3] {
        let (value, dx) = polynomial_in_t_grad(x);
        assert!(close(value, f(x), 1e-15));
        // d/dx of Σ aₖ tᵏ⁺¹ with dt/dx = −P t².
        let t = 1.0 / (1.0 + P * x);
        let dt = -P * t * t;
        let want = (AS_A[0] + 2.0 * AS_A[1] * t + 3.0 * AS_A[2] * t * t) * dt;
        assert!(close(dx, want, 1e-13), "{dx} against {want}");
        assert!(close(polynomial_in_t_jvp(x, 2.0).1, 2.0 * dx, 1e-13));
        let second = central(|w| polynomial_in_t_grad(w[0]).1, &[x])[0];
        assert!(close(polynomial_in_t_hvp(x, 1.0).1, second, 1e-6));
        assert!(close(f64::from(polynomial_in_t_grad(x as f32).1), dx, 1e-5));
    }
    assert_eq!(affine_in_constants_grad(2.0), (P * 2.0 + AS_A[1], P));
}

/// A loop's index and a local declared as an integer, converted to `T`
/// (review 26, C2): `(Σ i·xᵢ) · 2s`.
#[allow(clippy::needless_range_loop)]
#[grad(forward, reverse)]
fn indexed<T: autodiff::num_traits::Float>(x: &[T], steps: usize) -> T {
    let mut s = T::zero();
    for i in 0..x.len() {
        s = s + x[i] * T::from(i).unwrap();
    }
    let m: usize = steps * 2;
    s * T::from(m).unwrap()
}

#[test]
fn loop_indices_and_integer_locals_converted_to_t() {
    let x = [0.5, -1.0, 2.0];
    let mut d = [0.0; 3];
    let value = indexed_grad(&x, &mut d, 3);
    assert!(close(value, 6.0 * (-1.0 + 4.0), 1e-15));
    assert_eq!(d, [0.0, 6.0, 12.0]);
    assert!(close(indexed_jvp(&x, &[1.0, 1.0, 1.0], 3).1, 18.0, 1e-15));
}

/// An integer rebound by its form and a reversed range (review 27, R3,
/// C1): `3 · x · Σ_{i<3} i` for `n ≥ 3`.
#[grad(forward, reverse)]
fn clamped_count<T: autodiff::num_traits::Float>(x: T, n: usize) -> T {
    let n = n.min(3);
    let mut s = T::zero();
    for i in (0..n).rev() {
        s = s + x * T::from(i).unwrap();
    }
    s * T::from(n).unwrap()
}

#[test]
fn integers_rebound_by_their_form_convert_to_t() {
    assert_eq!(clamped_count_grad(2.0f64, 5), (18.0, 9.0));
    assert_eq!(clamped_count_grad(2.0f32, 2), (4.0, 2.0));
}

/// An `enumerate()` position converted to `T` (round 20, D4): `Σ i·xᵢ`.
#[grad(forward, reverse)]
fn weighted_by_position<T: autodiff::num_traits::Float>(x: &[T]) -> T {
    let mut s = T::zero();
    for (i, v) in x.iter().enumerate() {
        s = s + *v * T::from(i).unwrap();
    }
    s
}

#[test]
fn enumerate_positions_convert_to_t() {
    let mut d = [0.0; 3];
    assert_eq!(weighted_by_position_grad(&[0.5, -1.0, 2.0], &mut d), 3.0);
    assert_eq!(d, [0.0, 1.0, 2.0]);
}

/// A math constant of `f64` converted to `T` (round 20, C7): `π·x²`.
#[grad(forward, reverse, hessian)]
fn circle_area<T: autodiff::num_traits::Float>(r: T) -> T {
    T::from(std::f64::consts::PI).unwrap() * r * r
}

#[test]
fn math_constants_convert_to_t() {
    let pi = std::f64::consts::PI;
    assert_eq!(circle_area_grad(2.0f64), (4.0 * pi, 4.0 * pi));
    let (value, dr) = circle_area_grad(2.0f32);
    assert!((f64::from(value) - 4.0 * pi).abs() < 1e-5 && (f64::from(dr) - 4.0 * pi).abs() < 1e-5);
    assert_eq!(circle_area_hvp(2.0f64, 1.0).1, 2.0 * pi);
}

/// `log2` and `log10` in generic code, whose derivatives hold `ln 2` and
/// `ln 10`: the expansion failed to compile (found by round 20's C7 fix,
/// older than this stop): `x·log₂x + log₁₀x`.
#[grad(forward, reverse, hessian)]
fn logarithms<T: Float>(x: T) -> T {
    x * x.log2() + x.log10()
}

#[test]
fn logarithms_in_generic_code() {
    let (ln2, ln10) = (std::f64::consts::LN_2, std::f64::consts::LN_10);
    for x in [0.5, 2.0, 7.0] {
        let (value, dx) = logarithms_grad(x);
        assert!(close(value, x * x.log2() + x.log10(), 1e-15));
        assert!(close(dx, x.log2() + 1.0 / ln2 + 1.0 / (x * ln10), 1e-14), "{dx}");
        assert!(close(logarithms_hvp(x, 1.0).1, 1.0 / (x * ln2) - 1.0 / (x * x * ln10), 1e-13));
        assert!(close(f64::from(logarithms_grad(x as f32).1), dx, 1e-5));
    }
}
