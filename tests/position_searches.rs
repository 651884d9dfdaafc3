//! `position` of an iterator, unwrapped (round 21, D3: refused): a knot
//! search in an interpolation, `ts.iter().position(|&s| s > t)
//! .unwrap_or(n - 1)`, and `.unwrap()` / `.expect(..)`, read as the loop
//! that searches. What it finds is an index, with no derivative. Checked in
//! every mode against the closed forms, and the panics of `unwrap` and
//! `expect` where nothing is found.

mod common;

use autodiff::prelude::*;
use common::close;

/// Piecewise-linear interpolation at `t` through the knots `ts` (rising)
/// with values `ys`, extended linearly past the last knot.
#[grad(forward, reverse, hessian)]
fn interpolated(ts: &[f64], ys: &[f64], t: f64) -> f64 {
    let n = ts.len();
    let k = ts.iter().position(|&s| s > t).unwrap_or(n - 1).max(1);
    let w = (t - ts[k - 1]) / (ts[k] - ts[k - 1]);
    ys[k - 1] * (1.0 - w) + ys[k] * w
}

/// `x_i·x_j` of the first element above 1 and the first whose square is
/// above ½.
#[grad(forward, reverse, hessian)]
fn first_found(x: &[f64]) -> f64 {
    let i = x.iter().position(|v| *v > 1.0).expect("an element above 1");
    let j = x.iter().position(|v| v * v > 0.5).unwrap();
    x[i] * x[j]
}

#[test]
fn a_knot_search_finds_the_segment() {
    let (ts, ys) = ([0.0, 1.0, 2.0, 4.0], [1.0, 3.0, 2.0, 6.0]);
    let (mut dts, mut dys) = ([0.0; 4], [0.0; 4]);
    // t = 2.5: the segment [2, 4], w = 0.25.
    let (value, dt) = interpolated_grad(&ts, &mut dts, &ys, &mut dys, 2.5);
    assert!(close(value, 2.0 * 0.75 + 6.0 * 0.25, 1e-15));
    assert_eq!(dys, [0.0, 0.0, 0.75, 0.25]);
    assert!(close(dt, (6.0 - 2.0) / 2.0, 1e-15));
    // ∂/∂t₂ = (y₃ − y₂)·(t − t₃)/(t₃ − t₂)², ∂/∂t₃ = −(y₃ − y₂)·(t − t₂)/(t₃ − t₂)².
    assert!(close(dts[2], 4.0 * (2.5 - 4.0) / 4.0, 1e-15) && close(dts[3], -4.0 * 0.5 / 4.0, 1e-15));
    assert!(dts[0] == 0.0 && dts[1] == 0.0);
    // Past the last knot: the last segment, extended.
    let (mut dts, mut dys) = ([0.0; 4], [0.0; 4]);
    let (value, dt) = interpolated_grad(&ts, &mut dts, &ys, &mut dys, 5.0);
    assert!(close(value, 8.0, 1e-15) && close(dt, 2.0, 1e-15));
    assert_eq!(dys, [0.0, 0.0, -0.5, 1.5]);
    let zero = [0.0; 4];
    let (_, tangent) = interpolated_jvp(&ts, &zero, &ys, &[0.0, 0.0, 1.0, 2.0], 2.5, 1.0);
    assert!(close(tangent, 0.75 + 2.0 * 0.25 + 2.0, 1e-15));
    let (mut hts, mut hys) = ([0.0; 4], [0.0; 4]);
    let ht = interpolated_hvp(&ts, &zero, &mut hts, &ys, &zero, &mut hys, 2.5, 1.0).1;
    // Linear in t: ∂²/∂t² = 0; ∂²/∂t∂y = ∂w/∂t = ±½.
    assert_eq!(ht, 0.0);
    assert_eq!(hys, [0.0, 0.0, -0.5, 0.5]);
}

#[test]
fn unwrapped_searches_are_indices() {
    let x = [0.5, 0.8, 1.5, 3.0];
    let mut d = [0.0; 4];
    // i = 2 (1.5), j = 1 (0.64 > 0.5).
    assert!(close(first_found_grad(&x, &mut d), 1.5 * 0.8, 1e-15));
    assert_eq!(d, [0.0, 1.5, 0.8, 0.0]);
    assert!(close(first_found_jvp(&x, &[1.0, 2.0, 3.0, 4.0]).1, 2.0 * 1.5 + 3.0 * 0.8, 1e-15));
    let mut h = [0.0; 4];
    first_found_hvp(&x, &[1.0, 2.0, 3.0, 4.0], &mut h);
    assert_eq!(h, [0.0, 3.0, 2.0, 0.0]);
    let none_above_one = std::panic::catch_unwind(|| first_found_grad(&[0.5, 0.9], &mut [0.0; 2]));
    assert!(none_above_one.is_err());
}

/// A search whose test reads locals named like the loop's own (`__found`,
/// `__index`): they stay the user's. `x_k²` of the first `x_k > 1`.
#[grad(forward, reverse, hessian)]
fn search_beside_like_names(x: &[f64]) -> f64 {
    let (__found, __index) = (1.0, 0usize);
    let k = x.iter().position(|v| *v > __found).unwrap_or(__index);
    x[k] * x[k]
}

#[test]
fn a_search_keeps_to_its_own_names() {
    let x = [0.5, 2.0, 3.0];
    let mut d = [0.0; 3];
    assert_eq!(search_beside_like_names_grad(&x, &mut d), 4.0);
    assert_eq!(d, [0.0, 4.0, 0.0]);
    assert_eq!(search_beside_like_names_jvp(&x, &[1.0, 1.0, 1.0]).1, 4.0);
    let mut h = [0.0; 3];
    search_beside_like_names_hvp(&x, &[1.0, 1.0, 1.0], &mut h);
    assert_eq!(h, [0.0, 2.0, 0.0]);
}

/// A search over a range (review 29: `enumerate` of the range was
/// refused): `x_k²` of the first `k` with `x_k > 1`.
#[grad(forward, reverse, hessian)]
fn search_of_a_range(x: &[f64]) -> f64 {
    let k = (0..x.len()).position(|i| x[i] > 1.0).unwrap_or(0);
    x[k] * x[k]
}

#[test]
fn a_range_is_searched_by_counting() {
    let x = [0.3, 1.5, 2.0];
    let mut d = [0.0; 3];
    assert_eq!(search_of_a_range_grad(&x, &mut d), 2.25);
    assert_eq!(d, [0.0, 3.0, 0.0]);
    assert_eq!(search_of_a_range_jvp(&x, &[1.0, 1.0, 1.0]).1, 3.0);
    let mut d = [0.0; 2];
    assert_eq!(search_of_a_range_grad(&[0.5, 0.25], &mut d), 0.25);
    assert_eq!(d, [1.0, 0.0]);
}

/// A generic knot search: the position converted to `T` (`T::from(k)`,
/// refused while only names bound to integers were converted), `x_k · k`
/// of the first `k` with `x_k > t`, else the last.
#[grad(forward, reverse, hessian)]
fn weighted_by_position<T: Float>(x: &[T], t: T) -> T {
    let k = x.iter().position(|&v| v > t).unwrap_or(x.len() - 1);
    x[k] * T::from(k).unwrap()
}

#[test]
fn a_position_converts_to_a_generic_float() {
    let x = [0.5, 2.0, 3.0];
    let mut d = [0.0; 3];
    // k = 1 at t = 1: x₁·1; at t = 5, nothing is above: the last, x₂·2.
    assert_eq!(weighted_by_position_grad(&x, &mut d, 1.0), (2.0, 0.0));
    assert_eq!(d, [0.0, 1.0, 0.0]);
    let mut d = [0.0f32; 3];
    assert_eq!(weighted_by_position_grad(&[0.5f32, 2.0, 3.0], &mut d, 5.0), (6.0, 0.0));
    assert_eq!(d, [0.0, 0.0, 2.0]);
    assert_eq!(weighted_by_position_jvp(&x, &[1.0, 1.0, 1.0], 1.0, 1.0).1, 1.0);
    // Linear in `x` where `k` holds, and constant in `t`: H = 0.
    let mut h = [1.0; 3];
    let (_, ht) = weighted_by_position_hvp(&x, &[1.0, 1.0, 1.0], &mut h, 1.0, 1.0);
    assert_eq!((h, ht), ([1.0; 3], 0.0));
}

/// A search over mapped items (`.map(..).position(..)`, refused before:
/// `map` was read only before a reduction): the first element whose square
/// is above `t`, and one found through two maps. The maps are fused into
/// the search's test.
#[grad(forward, reverse, hessian)]
fn first_mapped_above(x: &[f64], t: f64) -> f64 {
    let k = x.iter().map(|v| v * v).position(|s| s > t).unwrap_or(0);
    let j = x.iter().map(|&v| v * t).map(|w| w.sin()).position(|s| s > 0.5).unwrap_or(x.len() - 1);
    x[k] * t + x[j] * x[j]
}

#[test]
fn a_search_over_mapped_items_tests_the_mapped_values() {
    let x = [0.2, 0.9, 1.5, 0.4];
    for t in [0.3f64, 0.7, 1.1, 3.0] {
        let k = x.iter().position(|v| v * v > t).unwrap_or(0);
        let j = x.iter().position(|v| (v * t).sin() > 0.5).unwrap_or(3);
        let mut d = [0.0; 4];
        let (value, dt) = first_mapped_above_grad(&x, &mut d, t);
        assert_eq!(value, x[k] * t + x[j] * x[j]);
        let mut want = [0.0; 4];
        want[k] += t;
        want[j] += 2.0 * x[j];
        assert_eq!((d, dt), (want, x[k]));
        // ∂²/∂x_k∂t = 1, ∂²/∂x_j² = 2.
        let (v, vt) = ([1.0, -1.0, 0.5, 2.0], 0.25);
        assert_eq!(
            first_mapped_above_jvp(&x, &v, t, vt).1,
            want.iter().zip(&v).map(|(g, v)| g * v).sum::<f64>() + x[k] * vt
        );
        let mut h = [0.0; 4];
        let (_, ht) = first_mapped_above_hvp(&x, &v, &mut h, t, vt);
        let mut want_h = [0.0; 4];
        want_h[k] += vt;
        want_h[j] += 2.0 * v[j];
        assert_eq!((h, ht), (want_h, v[k]));
    }
}
