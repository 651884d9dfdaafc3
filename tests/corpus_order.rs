//! What Rust evaluates, in the order it does (adversarial review, stop 18):
//! each function gave a wrong value and derivative in every mode, without a
//! word, before its fix. Rows are checked against central differences at
//! random points, `NAME_vjp` against `NAME_grad` and `NAME_jvp` against
//! `NAME_vjp` (the dot-product test); the slice functions against central
//! differences and closed forms.
//!
//! - Operands left to right: an operand a later one changes
//!   (`s * { s = s + y; s }`, a call's or a method's argument, an array
//!   literal's item) is read first; `a[{ i += 1; i }] += a[i]` reads the value before the
//!   place, as Rust does for a primitive compound assignment.
//!   Also a float function called by its path (`f64::powf(s, ..)`) and the
//!   items of a tuple (`let (a, b) = (s, { .. })`, a destructuring
//!   assignment, a tuple returned).
//! - `let t = a;` of a `mut` slice name keeps the slice `a` names then (the
//!   swap of two buffers through a temporary); it followed `a`.
//! - The refused forms (`step_by` after `filter`, a loop whose body changes
//!   what it iterates, a sub-slice of a `mut` name) are ui tests; the ways
//!   out their messages give are rows here.

// The rows keep the forms the review wrote.
#![allow(
    clippy::needless_range_loop,
    clippy::blocks_in_conditions,
    clippy::assign_op_pattern,
    clippy::explicit_counter_loop,
    clippy::manual_swap
)]

#[macro_use]
mod common;

use autodiff::grad;
use common::close;
use common::rows::{along, check_hvp, rows_jvp_is_the_transpose_of_vjp, rows_match_numeric_gradient, Case};

#[grad(forward, reverse, hessian)]
fn changed_by_the_right_operand(x: f64, y: f64) -> f64 {
    let mut s = x;
    s * {
        s = s + y;
        s
    }
}

#[grad(forward, reverse, hessian)]
fn scaled_square(v: f64, w: f64) -> f64 {
    v * w * w
}

#[grad(forward, reverse, hessian)]
fn changed_by_a_later_argument(x: f64, y: f64) -> f64 {
    let mut s = x;
    scaled_square(s, {
        s = s * y;
        s
    })
}

#[grad(forward, reverse, hessian)]
fn receiver_changed_by_its_argument(x: f64, y: f64) -> f64 {
    let mut s = x;
    s.powf({
        s = s + y;
        s
    })
}

#[grad(forward, reverse, hessian)]
fn item_changed_by_a_later_item(x: f64, y: f64) -> f64 {
    let mut s = x;
    let a = [s, {
        s = s * y;
        s
    }];
    a[0] + 2.0 * a[1]
}

/// `a[{ i += 1; i }] += a[i] * 3.0`: the value reads `a[0]`, the place is `a[1]`.
#[grad(forward, reverse, hessian)]
fn value_before_the_place(x: &[f64; 2]) -> f64 {
    let mut a = [x[0], x[1]];
    let mut i = 0;
    a[{
        i += 1;
        i
    }] += a[i] * 3.0;
    a[1] * a[0]
}

#[grad(forward, reverse, hessian)]
fn index_changed_by_the_right_operand(x: &[f64; 3]) -> f64 {
    let a = [x[0], x[1], x[2]];
    let mut i = 0;
    a[i] * {
        i += 1;
        a[i]
    }
}

/// The way out of "a loop whose body changes what it iterates".
#[grad(forward, reverse, hessian)]
fn iterates_a_copy(x: &[f64; 3]) -> f64 {
    let mut a = [x[0], x[1], x[2]];
    let mut s = 0.5;
    let old = a;
    for v in old {
        a[2] = s * 3.0;
        s = s * v + 1.0;
    }
    s + a[2]
}

/// The way out of `filter(..).step_by(2)`: the kept items counted.
#[grad(forward, reverse, hessian)]
fn every_other_kept(x: &[f64; 5]) -> f64 {
    let mut s = 0.0;
    let mut kept = 0;
    for v in x.iter().filter(|v| **v > 0.0) {
        if kept % 2 == 0 {
            s += v * v;
        }
        kept += 1;
    }
    s
}

#[grad(forward, reverse, hessian)]
fn swapped_through_a_temporary(x: &[f64], y: &[f64]) -> f64 {
    let mut a = x;
    let t = a;
    a = y;
    t[0] + 10.0 * a[0]
}

#[grad(forward, reverse, hessian)]
fn ping_pong(x: &[f64], y: &[f64]) -> f64 {
    let mut a = x;
    let mut b = y;
    let mut s = 1.0;
    for i in 0..3 {
        s = s * a[i] + b[i];
        let t = a;
        a = b;
        b = t;
    }
    s
}

/// A float function called by its path (`f64::powf(s, ..)`).
#[grad(forward, reverse, hessian)]
fn path_call_changed_by_its_argument(x: f64, y: f64) -> f64 {
    let mut s = x;
    f64::powf(s, {
        s = s + y;
        s
    }) + s
}

/// A tuple `let` and a destructuring assignment.
#[grad(forward, reverse, hessian)]
fn tuple_items_in_order(x: f64, y: f64) -> f64 {
    let mut s = x;
    let (a, b) = (s, {
        s = s * y;
        s
    });
    let (mut c, mut d) = (a, b);
    c *= d;
    (c, d) = (s + c, {
        s = s + a;
        s
    });
    a + 3.0 * b + c * d
}

/// A slice name given another slice in a branch (it failed to compile: the
/// reverse sweep kept the name's old slice as an owned vector).
#[grad(forward, reverse, hessian)]
fn given_another_slice_in_a_branch(x: &[f64], y: &[f64]) -> f64 {
    let mut a = x;
    if x[0] > 0.0 {
        a = y;
    }
    a[0] * 2.0 + a[1] * a[1] * x[1]
}

/// The same in a loop, once the sum passes a threshold.
#[grad(forward, reverse, hessian)]
fn given_another_slice_in_a_loop(x: &[f64], y: &[f64]) -> f64 {
    let mut a = x;
    let mut s = 0.0;
    for i in 0..3 {
        if s > 0.5 {
            a = y;
        }
        s += a[i] * a[i];
    }
    s + a[0]
}

#[grad(forward, reverse, hessian)]
fn scale_first(x: f64, out: &mut [f64; 2]) {
    out[0] = x * out[0];
}

#[grad(forward, reverse, hessian)]
fn scale_first_of(x: f64, out: &mut [f64]) {
    out[0] = x * out[0];
}

/// An argument read from the buffer the call writes (review 6: the call's
/// reverse half read `b[0]` again after the call had written it, so the
/// gradient of x² came out 3x).
#[grad(forward, reverse, hessian)]
fn argument_from_the_written_buffer(x: f64, y: f64) -> f64 {
    let mut b = [x, y];
    scale_first(b[0], &mut b);
    let mut v = vec![y, x];
    for _ in 0..2 {
        scale_first_of(v[1], &mut v);
    }
    b[0] * v[0]
}

/// A product in one arm of an `if` and a product of the same names in the
/// other (review 6: the forward sweep took the other arm's `p = 3x` for
/// this one's, and doubled `p·x`).
#[grad(forward, reverse, hessian)]
fn products_in_both_arms(x: f64, y: f64) -> f64 {
    let mut p = y;
    let mut r = 0.0;
    if x > 0.0 {
        p = 3.0 * x;
    } else {
        r = p * x;
    }
    r + p * p
}

/// Reductions assigned to a name their closure reads (the fuzzer, seed 6:
/// they accumulated into the name itself, so each pass read the partial
/// sum: `_grad`'s value and gradient were those of another function).
#[grad(forward, reverse, hessian, wrt(x))]
fn reductions_reading_their_destination(x: f64, v: &[f64; 3]) -> f64 {
    let mut t = 0.5 + x;
    t = v.iter().map(|w| t * w).sum::<f64>();
    let mut u = x * v[0];
    u = v.iter().map(|_| u * x).product::<f64>();
    let mut r = x;
    r = v.iter().fold(r * 2.0, |acc, w| acc + r * w);
    t + u + r
}

struct Running {
    t: f64,
    u: f64,
}

/// The same into a field of a local struct (review 7: still accumulated
/// into the field).
#[grad(forward, reverse, hessian)]
fn reductions_reading_their_field(x: f64, y: f64, z: f64) -> f64 {
    let mut s = Running { t: x, u: y };
    s.t = [y, z].iter().map(|w| s.t * w + s.u).sum::<f64>();
    s.t = [y, x].iter().fold(1.0, |a, w| a + s.t * w);
    s.t
}

/// `sin_cos` taken apart where it is bound (user round 6: refused).
#[grad(forward, reverse, hessian)]
fn sine_and_cosine(x: f64, y: f64) -> f64 {
    let (s, c) = (x * y).sin_cos();
    s * c * y + s
}

fn cases() -> Vec<Case> {
    vec![
        case!(argument_from_the_written_buffer, argument_from_the_written_buffer_grad,
              argument_from_the_written_buffer_vjp, argument_from_the_written_buffer_jvp;
              (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(products_in_both_arms, products_in_both_arms_grad, products_in_both_arms_vjp, products_in_both_arms_jvp;
              (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]; where x.abs() > 1e-3),
        case!(sine_and_cosine, sine_and_cosine_grad, sine_and_cosine_vjp, sine_and_cosine_jvp;
              (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(reductions_reading_their_field, reductions_reading_their_field_grad,
              reductions_reading_their_field_vjp, reductions_reading_their_field_jvp;
              (x, y, z) [x, along(0), y, along(1), z, along(2)]; x in [-2.0, 2.0], y in [-2.0, 2.0], z in [-2.0, 2.0]),
        case!(reductions_reading_their_destination, reductions_reading_their_destination_grad,
              reductions_reading_their_destination_vjp, reductions_reading_their_destination_jvp;
              (x, &[0.5, -1.5, 2.0]) [x, along(0), &[0.5, -1.5, 2.0]];
              x in [-2.0, 2.0]),
        case!(changed_by_the_right_operand, changed_by_the_right_operand_grad, changed_by_the_right_operand_vjp,
              changed_by_the_right_operand_jvp; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(changed_by_a_later_argument, changed_by_a_later_argument_grad, changed_by_a_later_argument_vjp,
              changed_by_a_later_argument_jvp; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(receiver_changed_by_its_argument, receiver_changed_by_its_argument_grad,
              receiver_changed_by_its_argument_vjp, receiver_changed_by_its_argument_jvp;
              (x, y) [x, along(0), y, along(1)]; x in [0.5, 2.0], y in [0.0, 1.5]),
        case!(item_changed_by_a_later_item, item_changed_by_a_later_item_grad, item_changed_by_a_later_item_vjp,
              item_changed_by_a_later_item_jvp; (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        case!(path_call_changed_by_its_argument, path_call_changed_by_its_argument_grad,
              path_call_changed_by_its_argument_vjp, path_call_changed_by_its_argument_jvp;
              (x, y) [x, along(0), y, along(1)]; x in [0.5, 2.0], y in [0.0, 1.5]),
        case!(tuple_items_in_order, tuple_items_in_order_grad, tuple_items_in_order_vjp, tuple_items_in_order_jvp;
              (x, y) [x, along(0), y, along(1)]; x in [-2.0, 2.0], y in [-2.0, 2.0]),
        array_case!(value_before_the_place, value_before_the_place_grad, value_before_the_place_vjp,
                    value_before_the_place_jvp; 2; in [-2.0, 2.0]),
        array_case!(index_changed_by_the_right_operand, index_changed_by_the_right_operand_grad,
                    index_changed_by_the_right_operand_vjp, index_changed_by_the_right_operand_jvp; 3; in [-2.0, 2.0]),
        array_case!(iterates_a_copy, iterates_a_copy_grad, iterates_a_copy_vjp, iterates_a_copy_jvp; 3; in [-2.0, 2.0]),
        array_case!(every_other_kept, every_other_kept_grad, every_other_kept_vjp, every_other_kept_jvp; 5;
                    in [-2.0, 2.0]; where |x| x.iter().all(|v| v.abs() > 1e-3)),
    ]
}

#[test]
fn rows_match_numeric_gradient_in_rusts_order() {
    rows_match_numeric_gradient("order row(s)", cases());
}

#[test]
fn rows_jvp_is_the_transpose_of_vjp_in_rusts_order() {
    rows_jvp_is_the_transpose_of_vjp("order row(s)", cases());
}

/// The closed forms at the review's points.
#[test]
fn the_reviews_points_have_rusts_values() {
    // s·(s + y) at (2, 1): 6, ∂x = 2x + y = 5, ∂y = x = 2.
    assert_eq!(changed_by_the_right_operand_grad(2.0, 1.0), (6.0, 5.0, 2.0));
    // a[1] = 5 + 3·2 = 11; 11·2 = 22; ∂x0 = 3·2 + 11, ∂x1 = 2.
    let mut d = [0.0; 2];
    assert_eq!(value_before_the_place_grad(&[2.0, 5.0], &mut d), 22.0);
    assert_eq!(d, [17.0, 2.0]);
    // x = [1, -1, 2, 3, 0.5]: kept 1, 2, 3, 0.5; every other: 1, 3.
    let mut d = [0.0; 5];
    assert_eq!(every_other_kept_grad(&[1.0, -1.0, 2.0, 3.0, 0.5], &mut d), 10.0);
    assert_eq!(d, [2.0, 0.0, 0.0, 6.0, 0.0]);
}

#[test]
fn second_order_of_the_reviews_rows_matches_differences_of_the_gradient() {
    // At (x, y) = (−2, 5) the else arm runs: f = xy + y², H = [[0, 1], [1, 2]].
    let (_, hx, hy) = products_in_both_arms_hvp(-2.0, 1.0, 5.0, 0.0);
    assert_eq!((hx, hy), (0.0, 1.0));
    let (_, hx, hy) = products_in_both_arms_hvp(-2.0, 0.0, 5.0, 1.0);
    assert_eq!((hx, hy), (1.0, 2.0));
    // f = x²·y²·x⁴ for the buffer rows: b[0] = x², v = [y·x·x, x]: b[0]·v[0] = x⁴y.
    for (x, y, vx, vy) in [(1.5, -0.5, 1.0, 0.0), (0.7, 1.2, 0.0, 1.0), (-1.1, 0.4, 0.6, -0.8)] {
        check_hvp(
            |p| {
                let (_, dx, dy) = argument_from_the_written_buffer_grad(p[0], p[1]);
                vec![dx, dy]
            },
            |p, v| {
                let (_, hx, hy) = argument_from_the_written_buffer_hvp(p[0], v[0], p[1], v[1]);
                vec![hx, hy]
            },
            &[x, y],
            &[vx, vy],
        );
        check_hvp(
            |p| {
                let (_, dx, dy) = sine_and_cosine_grad(p[0], p[1]);
                vec![dx, dy]
            },
            |p, v| {
                let (_, hx, hy) = sine_and_cosine_hvp(p[0], v[0], p[1], v[1]);
                vec![hx, hy]
            },
            &[x, y],
            &[vx, vy],
        );
    }
    // With Σv = 1: t = 0.5 + x, u = (v₀x·x)³ = x⁶/8, r = 2x + x·Σv = 3x.
    let x = 1.0f64;
    let (value, dx) = reductions_reading_their_destination_grad(x, &[0.5, -1.5, 2.0]);
    assert!(close(value, 0.5 + x + x.powi(6) / 8.0 + 3.0 * x, 1e-15), "{value}");
    assert!(close(dx, 1.0 + 0.75 * x.powi(5) + 3.0, 1e-15), "{dx}");
    // x⁴y at (2, 3): ∂x = 4x³y = 96, ∂y = x⁴ = 16.
    assert_eq!(argument_from_the_written_buffer_grad(2.0, 3.0), (48.0, 96.0, 16.0));
}

#[test]
fn slices_swapped_through_a_temporary_keep_their_values() {
    let (x, y) = ([0.3, 0.7, -1.2], [0.5, 1.1, -0.4]);
    let (mut dx, mut dy) = ([0.0; 3], [0.0; 3]);
    let value = swapped_through_a_temporary_grad(&x, &mut dx, &y, &mut dy);
    assert!(close(value, x[0] + 10.0 * y[0], 1e-15));
    assert_eq!((dx, dy), ([1.0, 0.0, 0.0], [10.0, 0.0, 0.0]));
    let (_, tangent) = swapped_through_a_temporary_jvp(&x, &[1.0, 0.0, 0.0], &y, &[0.0; 3]);
    assert_eq!(tangent, 1.0);

    let (mut dx, mut dy) = ([0.0; 3], [0.0; 3]);
    let value = ping_pong_grad(&x, &mut dx, &y, &mut dy);
    assert!(close(value, ping_pong(&x, &y), 1e-15));
    let h = 1e-6;
    for i in 0..3 {
        let moved = |t: f64, on_x: bool| {
            let (mut a, mut b) = (x, y);
            if on_x {
                a[i] += t
            } else {
                b[i] += t
            }
            ping_pong(&a, &b)
        };
        assert!(close(dx[i], (moved(h, true) - moved(-h, true)) / (2.0 * h), 1e-7), "{dx:?}");
        assert!(close(dy[i], (moved(h, false) - moved(-h, false)) / (2.0 * h), 1e-7), "{dy:?}");
    }
    // By hand at x = [0.3, 0.7, -1.2], y = [0.5, 1.1, -0.4]: s = 0.3 + 0.5,
    // then 0.8·1.1 + 0.7, then 1.58·(-1.2) + (-0.4).
    assert!(close(value, (0.8 * 1.1 + 0.7) * -1.2 - 0.4, 1e-15));
}

type TwoSlices = fn(&[f64], &[f64]) -> f64;
type TwoSlicesGrad = fn(&[f64], &mut [f64], &[f64], &mut [f64]) -> f64;

/// Central differences of `f` in each element of `x` and of `y`.
fn slice_differences(f: TwoSlices, x: &[f64; 3], y: &[f64; 3]) -> ([f64; 3], [f64; 3]) {
    let h = 1e-6;
    let (mut dx, mut dy) = ([0.0; 3], [0.0; 3]);
    for i in 0..3 {
        let (mut xp, mut xm, mut yp, mut ym) = (*x, *x, *y, *y);
        xp[i] += h;
        xm[i] -= h;
        yp[i] += h;
        ym[i] -= h;
        dx[i] = (f(&xp, y) - f(&xm, y)) / (2.0 * h);
        dy[i] = (f(x, &yp) - f(x, &ym)) / (2.0 * h);
    }
    (dx, dy)
}

#[test]
fn slice_names_given_another_slice_in_a_branch_or_a_loop() {
    let y = [0.5, 1.1, -0.4];
    let functions: [(&str, TwoSlices, TwoSlicesGrad); 2] = [
        ("branch", given_another_slice_in_a_branch, given_another_slice_in_a_branch_grad),
        ("loop", given_another_slice_in_a_loop, given_another_slice_in_a_loop_grad),
    ];
    for x in [[0.3, 0.7, -1.2], [-0.3, 0.7, -1.2], [0.2, 0.1, 0.3]] {
        for (name, f, grad) in functions {
            let (mut dx, mut dy) = ([0.0; 3], [0.0; 3]);
            let value = grad(&x, &mut dx, &y, &mut dy);
            assert!(close(value, f(&x, &y), 1e-15), "{name}");
            let (fx, fy) = slice_differences(f, &x, &y);
            for i in 0..3 {
                assert!(
                    close(dx[i], fx[i], 1e-7) && close(dy[i], fy[i], 1e-7),
                    "{name}: {dx:?} {dy:?} vs {fx:?} {fy:?}"
                );
            }
        }
        // Along (v, w): the directional derivative and H·(v, w) against
        // differences of the gradient.
        let (v, w) = ([1.0, -0.5, 0.25], [0.5, 0.75, -1.0]);
        let (mut dx, mut dy) = ([0.0; 3], [0.0; 3]);
        given_another_slice_in_a_branch_grad(&x, &mut dx, &y, &mut dy);
        let along: f64 = (0..3).map(|i| dx[i] * v[i] + dy[i] * w[i]).sum();
        let (_, tangent) = given_another_slice_in_a_branch_jvp(&x, &v, &y, &w);
        assert!(close(tangent, along, 1e-13));
        let (mut hx, mut hy) = ([0.0; 3], [0.0; 3]);
        given_another_slice_in_a_branch_hvp(&x, &v, &mut hx, &y, &w, &mut hy);
        let h = 1e-6;
        let gradient_at = |t: f64| {
            let xs: Vec<f64> = (0..3).map(|i| x[i] + t * v[i]).collect();
            let ys: Vec<f64> = (0..3).map(|i| y[i] + t * w[i]).collect();
            let (mut gx, mut gy) = ([0.0; 3], [0.0; 3]);
            given_another_slice_in_a_branch_grad(&xs, &mut gx, &ys, &mut gy);
            (gx, gy)
        };
        let ((px, py), (mx, my)) = (gradient_at(h), gradient_at(-h));
        for i in 0..3 {
            assert!(close(hx[i], (px[i] - mx[i]) / (2.0 * h), 1e-6), "{hx:?}");
            assert!(close(hy[i], (py[i] - my[i]) / (2.0 * h), 1e-6), "{hy:?}");
        }
    }
}
