//! `autodiff::hessian` and `autodiff::check_hvp` through the facade:
//! Rosenbrock's Hessian against its closed form, and wrong Hessian-vector
//! products caught.
//!
//! `rosenbrock_grad` and `rosenbrock_hvp` are written by hand with the
//! signatures `#[grad(hessian)]` gives them (see the contract); once the
//! macro generates them, the attribute on `rosenbrock` replaces both.

use autodiff::prelude::*;

/// `Σᵢ 100 (xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²`.
fn rosenbrock(x: &[f64]) -> f64 {
    x.windows(2).map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2)).sum()
}

/// The gradient, added into `d_x`, as `#[grad]` generates it.
fn rosenbrock_grad(x: &[f64], d_x: &mut [f64]) -> f64 {
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        d_x[i] += -400.0 * a * x[i] - 2.0 * (1.0 - x[i]);
        d_x[i + 1] += 200.0 * a;
    }
    rosenbrock(x)
}

/// `H·v`, added into `hv_x`, as `#[grad(hessian)]` generates it: term `i`
/// contributes `[[1200xᵢ² − 400xᵢ₊₁ + 2, −400xᵢ], [−400xᵢ, 200]]` to the
/// block of rows and columns `i, i + 1`.
fn rosenbrock_hvp(x: &[f64], v_x: &[f64], hv_x: &mut [f64]) -> f64 {
    for i in 0..x.len() - 1 {
        let (u, w) = (x[i], x[i + 1]);
        hv_x[i] += (1200.0 * u * u - 400.0 * w + 2.0) * v_x[i] - 400.0 * u * v_x[i + 1];
        hv_x[i + 1] += -400.0 * u * v_x[i] + 200.0 * v_x[i + 1];
    }
    rosenbrock(x)
}

/// The closed-form Hessian, tridiagonal, entry by entry.
fn rosenbrock_hessian(x: &[f64]) -> Matrix {
    let n = x.len();
    let mut h = Matrix::zeros(n, n);
    for i in 0..n {
        if i + 1 < n {
            h[(i, i)] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
            h[(i, i + 1)] = -400.0 * x[i];
            h[(i + 1, i)] = -400.0 * x[i];
        }
        if i > 0 {
            h[(i, i)] += 200.0;
        }
    }
    h
}

#[test]
fn rosenbrocks_hessian_is_its_closed_form() {
    for x in [vec![1.0, 1.0], vec![-1.2, 1.0], vec![0.5, -0.3, 1.7, 0.9], vec![1.0; 6]] {
        let h = hessian(rosenbrock_hvp, &x);
        let want = rosenbrock_hessian(&x);
        assert_eq!(h, want, "at {x:?}:\n{h}\nwant\n{want}");
        assert_eq!(h.asymmetry(), 0.0);
    }
    // The minimum of the 2-d function: the textbook [[802, −400], [−400, 200]].
    assert_eq!(hessian(rosenbrock_hvp, &[1.0, 1.0]).as_slice(), &[802.0, -400.0, -400.0, 200.0]);
}

#[test]
fn rosenbrock_hvp_passes_the_check_against_the_gradient() {
    let x = [0.5, -0.3, 1.7, 0.9, -1.1];
    for v in [[1.0, 0.0, 0.0, 0.0, 0.0], [0.2, -1.0, 0.5, 0.0, 3.0], [1.0; 5]] {
        let mut hv = [0.0; 5];
        rosenbrock_hvp(&x, &v, &mut hv);
        let report = check_hvp(rosenbrock_grad, &x, &v, &hv);
        assert!(report.passes(1e-7), "v = {v:?}: {report:#}");
        // H·v is also the dense Hessian times v.
        let dense = hessian(rosenbrock_hvp, &x).mul_vec(&v);
        for (a, b) in hv.iter().zip(&dense) {
            assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0));
        }
    }
}

/// An `hvp` with the classic slip of `∂²/∂xᵢ²`: `400xᵢ²` for `1200xᵢ²`
/// (the `xᵢ²` in `a = xᵢ₊₁ − xᵢ²` forgotten when differentiating `a·xᵢ`).
fn rosenbrock_hvp_wrong(x: &[f64], v_x: &[f64], hv_x: &mut [f64]) -> f64 {
    for i in 0..x.len() - 1 {
        let (u, w) = (x[i], x[i + 1]);
        hv_x[i] += (400.0 * u * u - 400.0 * w + 2.0) * v_x[i] - 400.0 * u * v_x[i + 1];
        hv_x[i + 1] += -400.0 * u * v_x[i] + 200.0 * v_x[i + 1];
    }
    rosenbrock(x)
}

#[test]
fn check_hvp_catches_a_wrong_second_derivative() {
    let x = [0.5, -0.3, 1.7];
    let v = [0.0, 0.0, 1.0];
    let mut hv = [0.0; 3];
    // Along e₂ the slip does not show (the last coordinate has no xᵢ² term) ...
    rosenbrock_hvp_wrong(&x, &v, &mut hv);
    assert!(check_hvp(rosenbrock_grad, &x, &v, &hv).passes(1e-7));
    // ... along e₁ it does, in component 1: 800·x₁² = 72 too little.
    let v = [0.0, 1.0, 0.0];
    let mut hv = [0.0; 3];
    rosenbrock_hvp_wrong(&x, &v, &mut hv);
    let report = check_hvp(rosenbrock_grad, &x, &v, &hv);
    assert!(!report.passes(1e-3), "{report:#}");
    let worst = report.worst().unwrap();
    assert_eq!(worst.index, 1, "{report:#}");
    assert!((worst.numeric - worst.analytic - 800.0 * 0.09).abs() < 1e-5, "{report:#}");
}

#[test]
fn a_wrong_hvp_shows_in_the_dense_hessian_and_is_not_averaged_away() {
    // An hvp whose "H" is not symmetric: H·v with H = [[2, 1], [0, 2]].
    let lopsided = |_: &[f64], v: &[f64], hv: &mut [f64]| {
        hv[0] += 2.0 * v[0] + v[1];
        hv[1] += 2.0 * v[1];
        0.0
    };
    let h = hessian(lopsided, &[0.0, 0.0]);
    // Row j is H·eⱼ as computed: nothing is symmetrized behind the user's back.
    assert_eq!(h.as_slice(), &[2.0, 0.0, 1.0, 2.0]);
    assert_eq!(h.asymmetry(), 1.0); // |1 − 0| / max(1, 0, 1)
    let mut s = h.clone();
    s.symmetrize();
    assert_eq!(s.as_slice(), &[2.0, 0.5, 0.5, 2.0]);
}

#[test]
fn the_hessian_of_a_quadratic_is_its_matrix() {
    // f(x) = ½ xᵀAx + bᵀx with A symmetric: ∇f = Ax + b, H = A everywhere.
    const A: [[f64; 3]; 3] = [[4.0, 1.0, -2.0], [1.0, 3.0, 0.5], [-2.0, 0.5, 5.0]];
    let hvp = |_: &[f64], v: &[f64], hv: &mut [f64]| {
        for i in 0..3 {
            hv[i] += (0..3).map(|j| A[i][j] * v[j]).sum::<f64>();
        }
        0.0
    };
    let grad = |x: &[f64], g: &mut [f64]| {
        for i in 0..3 {
            g[i] += (0..3).map(|j| A[i][j] * x[j]).sum::<f64>() + 1.0;
        }
        0.0
    };
    let x = [0.3, -2.0, 7.0];
    assert_eq!(hessian(hvp, &x).as_slice(), A.as_flattened());
    let v = [1.0, 2.0, -1.0];
    let mut hv = [0.0; 3];
    hvp(&x, &v, &mut hv);
    check_hvp(grad, &x, &v, &hv).assert_close(1e-8);
    // and numeric_hvp reproduces A·v (a central difference of a linear gradient is exact up to rounding)
    let numeric = numeric_hvp(grad, &x, &v);
    for (a, n) in hv.iter().zip(&numeric) {
        assert!((a - n).abs() < 1e-8, "{hv:?} vs {numeric:?}");
    }
}

#[test]
fn an_empty_point_has_an_empty_hessian() {
    let h = hessian(|_, _, _| panic!("hvp called"), &[]);
    assert_eq!((h.rows(), h.cols()), (0, 0));
}
