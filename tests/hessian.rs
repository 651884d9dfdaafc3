//! Second order: `NAME_hvp` against closed forms (the Hessian of
//! Rosenbrock's function, column by column) and against central
//! differences of `NAME_grad` along the direction, for loops, branches,
//! scalars and arrays.

// Indexed loops are the form under test.
#![allow(clippy::needless_range_loop)]

mod common;

use autodiff::grad;
use common::close;

/// `f(x) = Σ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²`.
#[grad(reverse, hessian)]
fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

/// The Hessian of [`rosenbrock`], from its closed form.
fn rosenbrock_hessian(x: &[f64]) -> Vec<Vec<f64>> {
    let n = x.len();
    let mut h = vec![vec![0.0; n]; n];
    for i in 0..n - 1 {
        h[i][i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
        h[i + 1][i + 1] += 200.0;
        h[i][i + 1] -= 400.0 * x[i];
        h[i + 1][i] -= 400.0 * x[i];
    }
    h
}

#[test]
fn the_hessian_of_rosenbrock_is_its_closed_form() {
    let x = [-1.2, 1.0, 0.3, -0.7, 2.0];
    let expected = rosenbrock_hessian(&x);
    for j in 0..x.len() {
        let mut direction = [0.0; 5];
        direction[j] = 1.0;
        // The product is added into the buffer: start it at 1.
        let mut column = [1.0; 5];
        let value = rosenbrock_hvp(&x, &direction, &mut column);
        assert_eq!(value, rosenbrock(&x));
        for i in 0..x.len() {
            assert!(
                close(column[i] - 1.0, expected[i][j], 1e-12),
                "H[{i}][{j}] = {} vs {}",
                column[i] - 1.0,
                expected[i][j]
            );
        }
    }
}

/// Central differences of `grad` along `v`: `(∇f(w + hv) − ∇f(w − hv)) / 2h`.
fn numeric_hvp(grad: impl Fn(&[f64]) -> Vec<f64>, w: &[f64], v: &[f64]) -> Vec<f64> {
    let h = 1e-5;
    let shifted = |sign: f64| -> Vec<f64> { w.iter().zip(v).map(|(w, v)| w + sign * h * v).collect() };
    let (up, down) = (grad(&shifted(1.0)), grad(&shifted(-1.0)));
    up.iter().zip(&down).map(|(u, d)| (u - d) / (2.0 * h)).collect()
}

/// Scalars, a branch, an early return and an overwrite in a loop.
#[grad(reverse, hessian)]
fn mixed(x: f64, y: f64, z: &[f64; 3]) -> f64 {
    let mut p = x;
    for i in 0..3 {
        p = p * z[i] + y.sin();
    }
    if p > 10.0 {
        return p.ln() * y;
    }
    let q = if x > y { x.exp() } else { y * y * x };
    p * q + (x * y).tanh()
}

#[test]
fn hvp_is_the_derivative_of_the_gradient_along_the_direction() {
    let grad = |w: &[f64]| {
        let mut d_z = [0.0; 3];
        let (_, dx, dy) = mixed_grad(w[0], w[1], &[w[2], w[3], w[4]], &mut d_z);
        vec![dx, dy, d_z[0], d_z[1], d_z[2]]
    };
    let points = [
        [0.3, 0.8, 0.5, -1.0, 1.5],
        [1.1, -0.4, 2.0, 1.5, 1.2],
        [-0.7, 0.2, 0.9, 0.8, -0.3],
        [2.0, 1.0, 1.5, 1.5, 1.5],
    ];
    let v = [0.5, -1.0, 0.25, 1.0, -0.75];
    for w in points {
        let z = [w[2], w[3], w[4]];
        let mut hv_z = [0.0; 3];
        let (value, hx, hy) = mixed_hvp(w[0], v[0], w[1], v[1], &z, &[v[2], v[3], v[4]], &mut hv_z);
        assert_eq!(value, mixed(w[0], w[1], &z));
        let analytic = [hx, hy, hv_z[0], hv_z[1], hv_z[2]];
        let numeric = numeric_hvp(grad, &w, &v);
        for (a, n) in analytic.iter().zip(&numeric) {
            assert!(close(*a, *n, 1e-5), "at {w:?}: {analytic:?} vs {numeric:?}");
        }
    }
}

/// A `hessian` callee of a scalar and of a slice.
#[grad(hessian)]
fn energy(x: f64, w: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        s += (w[i] * x).sin();
    }
    s * x
}

/// Calls of it, one in a loop: `NAME_hvp` differentiates through the
/// callees' `tangent_vjp`.
#[grad(reverse, hessian)]
fn calls_energy(x: f64, w: &[f64; 3]) -> f64 {
    let mut total = energy(x, w);
    for k in 0..2 {
        total += energy(total * 0.1 + k as f64, &w[1..]);
    }
    total * total
}

#[test]
fn hvp_goes_through_calls_of_hessian_functions() {
    let grad = |w: &[f64]| {
        let mut d_w = [0.0; 3];
        let (_, dx) = calls_energy_grad(w[0], &[w[1], w[2], w[3]], &mut d_w);
        vec![dx, d_w[0], d_w[1], d_w[2]]
    };
    let v = [0.75, -0.5, 1.0, 0.25];
    for w in [[0.4, 0.3, -0.8, 1.1], [-1.2, 0.5, 0.5, -0.2], [0.9, 1.4, 0.1, 0.6]] {
        let weights = [w[1], w[2], w[3]];
        let mut hv_w = [0.0; 3];
        let (value, hx) = calls_energy_hvp(w[0], v[0], &weights, &[v[1], v[2], v[3]], &mut hv_w);
        assert_eq!(value, calls_energy(w[0], &weights));
        let analytic = [hx, hv_w[0], hv_w[1], hv_w[2]];
        let numeric = numeric_hvp(grad, &w, &v);
        for (a, n) in analytic.iter().zip(&numeric) {
            assert!(close(*a, *n, 1e-5), "at {w:?}: {analytic:?} vs {numeric:?}");
        }
    }
}

/// A model: its direction is a model, and so is its product.
#[derive(autodiff::Params, Clone, Debug, Default, PartialEq)]
struct Dense {
    w: [[f64; 3]; 2],
    b: [f64; 2],
}

/// `f(m, x) = Σᵢ tanh(Σⱼ m.wᵢⱼxⱼ + m.bᵢ)²`.
#[grad(reverse, hessian)]
fn dense_loss(m: &Dense, x: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for i in 0..2 {
        let mut z = m.b[i];
        for j in 0..3 {
            z += m.w[i][j] * x[j];
        }
        s += z.tanh() * z.tanh();
    }
    s
}

#[test]
fn a_model_has_a_model_direction_and_product() {
    use autodiff::Params;
    let flat = |m: &Dense, x: &[f64; 3]| {
        let mut all = m.to_flat();
        all.extend_from_slice(x);
        all
    };
    let split = |w: &[f64]| {
        let mut m = Dense::default();
        m.copy_from_flat(&w[..8]);
        (m, [w[8], w[9], w[10]])
    };
    let grad = |w: &[f64]| {
        let (m, x) = split(w);
        let (mut d_m, mut d_x) = (Dense::default(), [0.0; 3]);
        dense_loss_grad(&m, &mut d_m, &x, &mut d_x);
        flat(&d_m, &d_x)
    };
    let w: Vec<f64> = (0..11).map(|i| ((i * 7 % 11) as f64 - 5.0) / 8.0).collect();
    let v: Vec<f64> = (0..11).map(|i| ((i * 3 % 5) as f64 - 2.0) / 3.0).collect();
    let (m, x) = split(&w);
    let (vm, vx) = split(&v);
    let (mut hv_m, mut hv_x) = (Dense::default(), [0.0; 3]);
    let value = dense_loss_hvp(&m, &vm, &mut hv_m, &x, &vx, &mut hv_x);
    assert_eq!(value, dense_loss(&m, &x));
    let analytic = flat(&hv_m, &hv_x);
    let numeric = numeric_hvp(grad, &w, &v);
    for (a, n) in analytic.iter().zip(&numeric) {
        assert!(close(*a, *n, 1e-5), "{analytic:?} vs {numeric:?}");
    }
}

/// A call of a `hessian` function of a model.
#[grad(reverse, hessian)]
fn twice_dense(m: &Dense, x: &[f64; 3]) -> f64 {
    let a = dense_loss(m, x);
    a * a + dense_loss(m, &[x[2], x[0], x[1]])
}

#[test]
fn hvp_goes_through_calls_of_model_functions() {
    use autodiff::Params;
    let split = |w: &[f64]| {
        let mut m = Dense::default();
        m.copy_from_flat(&w[..8]);
        (m, [w[8], w[9], w[10]])
    };
    let grad = |w: &[f64]| {
        let (m, x) = split(w);
        let (mut d_m, mut d_x) = (Dense::default(), [0.0; 3]);
        twice_dense_grad(&m, &mut d_m, &x, &mut d_x);
        let mut all = d_m.to_flat();
        all.extend_from_slice(&d_x);
        all
    };
    let w: Vec<f64> = (0..11).map(|i| ((i * 5 % 11) as f64 - 5.0) / 9.0).collect();
    let v: Vec<f64> = (0..11).map(|i| ((i * 3 % 7) as f64 - 3.0) / 4.0).collect();
    let (m, x) = split(&w);
    let (vm, vx) = split(&v);
    let (mut hv_m, mut hv_x) = (Dense::default(), [0.0; 3]);
    let value = twice_dense_hvp(&m, &vm, &mut hv_m, &x, &vx, &mut hv_x);
    assert_eq!(value, twice_dense(&m, &x));
    let mut analytic = hv_m.to_flat();
    analytic.extend_from_slice(&hv_x);
    let numeric = numeric_hvp(grad, &w, &v);
    for (a, n) in analytic.iter().zip(&numeric) {
        assert!(close(*a, *n, 1e-5), "{analytic:?} vs {numeric:?}");
    }
}

// ------------------------------------------------------------------- f32

/// `f32` throughout: `x²y + x·sin y`.
#[grad(hessian)]
fn f32_scalars(x: f32, y: f32) -> f32 {
    x * x * y + y.sin() * x
}

/// Rosenbrock in `f32`, a slice and a loop.
#[grad(hessian)]
fn f32_rosenbrock(x: &[f32]) -> f32 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

/// An `f32` `hessian` callee.
#[grad(hessian)]
fn f32_cube(x: f32) -> f32 {
    x * x * x
}

/// `(x·w₀)³ + w₁·w₁³`, through calls of [`f32_cube`].
#[grad(hessian)]
fn f32_calls(x: f32, w: &[f32; 2]) -> f32 {
    f32_cube(x * w[0]) + w[1] * f32_cube(w[1])
}

/// `f32` agreement: relative `1e-5` (a few ulps of the terms).
fn close_f32(got: f32, want: f64) -> bool {
    (f64::from(got) - want).abs() <= 1e-5 * want.abs().max(1.0)
}

#[test]
fn f32_hvps_are_their_closed_forms() {
    for (x, y) in [(0.5f32, -1.25f32), (2.0, 0.3), (-1.5, 2.5)] {
        let (xd, yd) = (f64::from(x), f64::from(y));
        let mixed = 2.0 * xd + yd.cos();
        let h = [[2.0 * yd, mixed], [mixed, -xd * yd.sin()]];
        for v in [[1.0f32, 0.0], [0.0, 1.0], [0.75, -1.5]] {
            let (value, hx, hy) = f32_scalars_hvp(x, v[0], y, v[1]);
            assert_eq!(value, f32_scalars(x, y));
            let (v0, v1) = (f64::from(v[0]), f64::from(v[1]));
            let want = [h[0][0] * v0 + h[0][1] * v1, h[1][0] * v0 + h[1][1] * v1];
            assert!(close_f32(hx, want[0]) && close_f32(hy, want[1]), "at ({x}, {y}): ({hx}, {hy}) vs {want:?}");
        }
    }

    let x = [-1.2f32, 1.0, 0.3, -0.7];
    let expected = rosenbrock_hessian(&x.map(f64::from));
    for j in 0..4 {
        let mut direction = [0.0f32; 4];
        direction[j] = 1.0;
        let mut column = [0.0f32; 4];
        assert_eq!(f32_rosenbrock_hvp(&x, &direction, &mut column), f32_rosenbrock(&x));
        for i in 0..4 {
            assert!(close_f32(column[i], expected[i][j]), "H[{i}][{j}] = {} vs {}", column[i], expected[i][j]);
        }
    }

    let (x, w) = (0.8f32, [1.5f32, -0.6f32]);
    let (xd, a, b) = (f64::from(x), f64::from(w[0]), f64::from(w[1]));
    // ∂/∂x = 3x²a³, ∂/∂a = 3x³a², ∂/∂b = 4b³.
    let h = [
        [6.0 * xd * a.powi(3), 9.0 * xd * xd * a * a, 0.0],
        [9.0 * xd * xd * a * a, 6.0 * xd.powi(3) * a, 0.0],
        [0.0, 0.0, 12.0 * b * b],
    ];
    for v in [[1.0f32, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.5, -1.0, 2.0]] {
        let mut hv_w = [0.0f32; 2];
        let (value, hx) = f32_calls_hvp(x, v[0], &w, &[v[1], v[2]], &mut hv_w);
        assert_eq!(value, f32_calls(x, &w));
        let got = [hx, hv_w[0], hv_w[1]];
        for i in 0..3 {
            let want: f64 = (0..3).map(|j| h[i][j] * f64::from(v[j])).sum();
            assert!(close_f32(got[i], want), "along {v:?}: {got:?}, row {i} wants {want}");
        }
    }
}

/// `xⁿ` for an integer `n`: the tangent's `n − 1` overflowed at `i32::MIN`.
#[grad(hessian)]
fn powi_of_integer(x: f64, n: i32) -> f64 {
    x.powi(n)
}

#[test]
fn the_hvp_of_powi_at_the_smallest_exponent_does_not_overflow() {
    // f'' = n(n − 1)·xⁿ⁻², and (−1)ⁿ⁻² = 1 for an even n.
    let n = f64::from(i32::MIN);
    let (value, hx) = powi_of_integer_hvp(-1.0, 0.5, i32::MIN);
    assert_eq!(value, 1.0);
    assert!(close(hx, n * (n - 1.0) * 0.5, 1e-15), "{hx}");
    assert_eq!(powi_of_integer_hvp(2.0, 0.5, 3), (8.0, 6.0));
    assert_eq!(powi_of_integer_hvp(2.0, 0.5, i32::MIN), (0.0, 0.0));
}

/// `exp(x₀x₁)`: at `x₁ = 0` the tangent of `x₀x₁` along `e₀` is exactly 0.
#[grad(reverse, hessian)]
fn exp_of_a_product(x: &[f64]) -> f64 {
    (x[0] * x[1]).exp()
}

/// Every rule whose partial can be infinite, of `k = s·b/2 + 1.2`, whose
/// tangent along `(1, −1)` at `s = b` is exactly 0.
#[grad(reverse, hessian)]
fn rules_that_can_blow_up(s: f64, b: f64) -> f64 {
    let k = s * b * 0.5 + 1.2;
    k.sqrt() + k.exp() + k.ln() + k.powi(3) + k.powf(1.5) + 1.0 / k + k.cbrt() + (k * k + 4.25).sqrt()
}

#[test]
fn a_tangent_that_is_exactly_zero_keeps_its_second_derivative() {
    // H of exp(x₀x₁) = exp(x₀x₁)·[[x₁², 1 + x₀x₁], [1 + x₀x₁, x₀²]]: at (2, 0), [[0, 1], [1, 4]].
    // The tangent body branched on `ẋ != 0` for `exp`'s partial, and its
    // reverse sweep took the zero arm along e₀: column 0 came out [0, 0].
    let expected = [[0.0, 1.0], [1.0, 4.0]];
    for (j, column) in expected.iter().enumerate() {
        let mut v = [0.0; 2];
        v[j] = 1.0;
        let mut got = [0.0; 2];
        exp_of_a_product_hvp(&[2.0, 0.0], &v, &mut got);
        assert!(close(got[0], column[0], 1e-12) && close(got[1], column[1], 1e-12), "column {j}: {got:?}");
    }
    // Along (1, −1) at s = b = 1 the tangent of k is 0; H·v against differences of the gradient.
    let h = 1e-6;
    let (_, hs, hb) = rules_that_can_blow_up_hvp(1.0, 1.0, 1.0, -1.0);
    let (plus, minus) = (rules_that_can_blow_up_grad(1.0 + h, 1.0 - h), rules_that_can_blow_up_grad(1.0 - h, 1.0 + h));
    let (ns, nb) = ((plus.1 - minus.1) / (2.0 * h), (plus.2 - minus.2) / (2.0 * h));
    assert!(hs != 0.0 && close(hs, ns, 1e-6) && close(hb, nb, 1e-6), "({hs}, {hb}) against ({ns}, {nb})");
}

/// `xʸ`, `yˣ` and a computed exponent, at `y = 0`.
#[grad(reverse, hessian)]
fn powers_at_a_zero_exponent(a: f64, b: f64) -> f64 {
    a.powf(b) + b.powf(a) + (a + 1.0).powf(a * b)
}

#[test]
fn a_zero_exponent_keeps_the_mixed_second_derivative() {
    // ∂(aᵇ)/∂a is 0 at b = 0 by value, but its derivative in b is a⁻¹: the
    // partial was the constant 0 there (user round 7), and H·e_a lost it.
    let h = 1e-6;
    // (Along e_a at b = 0 with a > 1, so that `bᵃ` and its gradient stay
    // defined; any direction inside.)
    let cases = [(2.0, 0.0, 1.0, 0.0), (3.0, 0.0, 1.0, 0.0), (1.5, 0.75, 0.0, 1.0), (1.5, 0.75, 0.6, -0.8)];
    for (a, b, va, vb) in cases {
        let (_, ha, hb) = powers_at_a_zero_exponent_hvp(a, va, b, vb);
        let (plus, minus) = (
            powers_at_a_zero_exponent_grad(a + h * va, b + h * vb),
            powers_at_a_zero_exponent_grad(a - h * va, b - h * vb),
        );
        let (na, nb) = ((plus.1 - minus.1) / (2.0 * h), (plus.2 - minus.2) / (2.0 * h));
        assert!(close(ha, na, 1e-6) && close(hb, nb, 1e-6), "({ha}, {hb}) against ({na}, {nb}) at ({a}, {b})");
    }
}
