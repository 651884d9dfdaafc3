//! The `newton` example, checked against the math: the generated
//! Hessian-vector product against central differences of the generated
//! gradient and against the closed form at the minimum, both
//! methods against the known minimum `(1, .., 1)`, and Newton's quadratic
//! convergence. The example is included as a module, so these tests run
//! exactly the functions it runs.

#[allow(dead_code)]
#[path = "../examples/newton.rs"]
mod newton;

use autodiff::{check_hvp, hessian};
use newton::*;

#[test]
fn the_hvp_agrees_with_central_differences_of_the_generated_gradient() {
    for x in [START.to_vec(), vec![0.5, -0.3, 1.7], vec![1.0; 3], vec![2.0, 0.1, -1.0, 0.4, 1.5]] {
        for j in 0..x.len() {
            let mut v = vec![0.3; x.len()];
            v[j] = -1.0;
            let mut hv = vec![0.0; x.len()];
            let value = rosenbrock_hvp(&x, &v, &mut hv);
            assert_eq!(value, rosenbrock(&x));
            let report = check_hvp(rosenbrock_grad, &x, &v, &hv);
            assert!(report.passes(1e-7), "x = {x:?}, v = {v:?}: {report:#}");
        }
    }
}

#[test]
fn the_hessian_at_the_minimum_is_positive_definite_and_solved_exactly() {
    let h = hessian(rosenbrock_hvp, &[1.0; DIM]);
    // [[802, −400, 0], [−400, 1002, −400], [0, −400, 200]]
    assert_eq!(h.as_slice(), &[802.0, -400.0, 0.0, -400.0, 1002.0, -400.0, 0.0, -400.0, 200.0]);
    let b = [1.0, -2.0, 0.5];
    let d = solve_damped(&h, &b);
    for (hd, b) in h.mul_vec(&d).iter().zip(b) {
        assert!((hd - b).abs() < 1e-12, "H·d = {hd}, b = {b}");
    }
}

#[test]
fn both_methods_reach_the_minimum_and_newton_in_far_fewer_steps() {
    let newton_trace = newton(&START, MAX_STEPS);
    let descent = gradient_descent(&START, MAX_STEPS);
    for (name, trace) in [("newton", &newton_trace), ("gradient descent", &descent)] {
        let last = trace.last().unwrap();
        assert!(last.gradient_norm <= TOLERANCE, "{name} stopped at {last:?}");
        // Near the minimum ‖x − 1‖ ≈ ‖H⁻¹∇f‖ ≤ ‖H⁻¹‖·‖∇f‖, with ‖H⁻¹‖ ≈ 2.5·10³ on Rosenbrock.
        assert!(error(&last.x) < 1e-6, "{name} ended at {:?}", last.x);
        // The value never rises (Armijo).
        assert!(trace.windows(2).all(|w| w[1].value <= w[0].value), "{name}");
    }
    let (n, g) = (newton_trace.len() - 1, descent.len() - 1);
    assert!(n <= 40, "Newton took {n} steps");
    assert!(g >= 100 * n, "gradient descent took {g} steps, Newton {n}");
    assert!(g < MAX_STEPS, "gradient descent did not converge");
    assert!(error(&newton_trace.last().unwrap().x) < 1e-12);
}

#[test]
fn newton_converges_quadratically_near_the_minimum() {
    let errors: Vec<f64> = newton(&START, MAX_STEPS).iter().map(|it| error(&it.x)).collect();
    // Once within 0.1 of the minimum, each error is at most a constant times
    // the square of the one before (until rounding takes over at 0).
    let close: Vec<(f64, f64)> =
        errors.windows(2).map(|w| (w[0], w[1])).filter(|&(e, next)| e < 0.1 && next > 0.0).collect();
    assert!(close.len() >= 3, "errors {errors:?}");
    for (e, next) in close {
        assert!(next <= 50.0 * e * e, "error {e:e} then {next:e}: not quadratic; all errors {errors:?}");
    }
    // Gradient descent is only linear there, with a rate near 1: ten steps
    // after its error drops below 10⁻³ (where one Newton step would square
    // it), not even half of it is gone.
    let descent: Vec<f64> = gradient_descent(&START, MAX_STEPS).iter().map(|it| error(&it.x)).collect();
    let k = descent.iter().position(|&e| e < 1e-3).unwrap();
    assert!(descent[k + 10] > 0.5 * descent[k], "{} then {}", descent[k], descent[k + 10]);
}

#[test]
fn main_runs() {
    newton::main();
}
