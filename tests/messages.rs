//! Forms that once gave misleading errors and now work: integer vectors
//! grown with `push` without a written type, and an array literal of
//! active floats passed by reference to a function of a slice.

use autodiff::{grad, log_sum_exp, numeric_gradient, numeric_hvp};

/// Picks the elements of `x` at the even positions through a vector of
/// indices grown with `push`: `f(x) = Σ_{i even} xᵢ²`.
#[grad(forward, reverse)]
fn even_squares(x: &[f64]) -> f64 {
    let mut idx = Vec::new();
    let mut i = 0;
    while i < x.len() {
        idx.push(i);
        i += 2;
    }
    let mut total = 0.0;
    for k in 0..idx.len() {
        total += x[idx[k]] * x[idx[k]];
    }
    total
}

/// `ln(eᵃ + eᵇ) · a`: `log_sum_exp` of a slice literal of active floats,
/// in every mode.
#[grad(forward, reverse, hessian)]
fn soft_max_times(a: f64, b: f64) -> f64 {
    log_sum_exp(&[a, b]) * a
}

#[test]
fn an_integer_vector_grown_without_a_type_is_a_constant() {
    let x = [0.5, -1.5, 2.0, 3.0, -0.25];
    let mut d = [0.0; 5];
    let value = even_squares_grad(&x, &mut d);
    assert_eq!(value, 0.25 + 4.0 + 0.0625);
    // 2xᵢ at even i, 0 at odd i.
    assert_eq!(d, [1.0, 0.0, 4.0, 0.0, -0.5]);
    // Forward mode along (1, 1, 1, 1, 1): the sum of the partials.
    assert_eq!(even_squares_jvp(&x, &[1.0; 5]), (value, 4.5));
}

#[test]
fn a_slice_literal_of_active_floats_is_differentiated() {
    for (a, b) in [(0.3, -1.2), (2.0, 2.5), (-4.0, 1.0)] {
        let want = numeric_gradient(|v| soft_max_times(v[0], v[1]), &[a, b]);
        let (value, da, db) = soft_max_times_grad(a, b);
        assert_eq!(value, soft_max_times(a, b));
        assert!((da - want[0]).abs() < 1e-6 && (db - want[1]).abs() < 1e-6, "{da} {db} vs {want:?}");
        // Forward mode along (1, −2), and H·(1, −2) by central differences
        // of the gradient.
        let (_, tangent) = soft_max_times_jvp(a, 1.0, b, -2.0);
        assert!((tangent - (da - 2.0 * db)).abs() < 1e-12);
        let want = numeric_hvp(
            |v, g| {
                let (value, da, db) = soft_max_times_grad(v[0], v[1]);
                g.copy_from_slice(&[da, db]);
                value
            },
            &[a, b],
            &[1.0, -2.0],
        );
        let (_, ha, hb) = soft_max_times_hvp(a, 1.0, b, -2.0);
        assert!((ha - want[0]).abs() < 1e-6 && (hb - want[1]).abs() < 1e-6, "{ha} {hb} vs {want:?}");
    }
}
