//! The numbers the examples print, checked against the math: closed-form
//! derivatives, the lesson's values and the least-squares optimum. Each
//! example is included as a module, so these tests exercise exactly the
//! functions the examples run.

// Each example is a module here; what only its `main` or the generated
// companions use would otherwise be reported as dead code.
#[allow(dead_code)]
#[path = "../examples/derivatives.rs"]
mod derivatives;

#[allow(dead_code)]
#[path = "../examples/gradient_descent.rs"]
mod gradient_descent;

#[allow(dead_code)]
#[path = "../examples/computational_graph.rs"]
mod computational_graph;

/// `|a − b| ≤ tol · max(|a|, |b|, 1)`.
fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

macro_rules! assert_close {
    ($a:expr, $b:expr) => {
        assert_close!($a, $b, 1e-12)
    };
    ($a:expr, $b:expr, $tol:expr) => {{
        let (a, b): (f64, f64) = ($a, $b);
        assert!(close(a, b, $tol), "{} = {a} but {} = {b}", stringify!($a), stringify!($b));
    }};
}

// ---------------------------------------------------------------- derivatives

#[test]
fn derivatives_basic_rules() {
    use derivatives::*;

    // (x⁵)' = 5x⁴.
    assert_eq!(power5_grad(2.0), (32.0, 80.0));
    for x in [-1.5, 0.0, 0.3, 3.0] {
        assert_close!(power5_grad(x).1, 5.0 * x * x * x * x);
    }

    // ∂(xy)/∂x = y, ∂(xy)/∂y = x.
    assert_eq!(product_grad(3.0, -2.0), (-6.0, -2.0, 3.0));

    // (5eˣ)' = 5eˣ.
    assert_close!(five_exp_grad(1.0).1, 5.0 * std::f64::consts::E);
    assert_close!(five_exp_grad(0.0).1, 5.0);

    // (5 ln x)' = 5/x.
    assert_eq!(five_ln_grad(4.0).1, 1.25);
    assert_close!(five_ln_grad(0.5).1, 10.0);
    assert_close!(five_ln_grad(1.0).0, 0.0);
}

#[test]
fn derivatives_sigmoid_chain_rule() {
    use derivatives::*;

    // σ'(0) = e⁰(1 + e⁰)⁻² = 1/4.
    assert_eq!(sigmoid_chain_grad(0.0), (0.5, 0.25));
    for x in [-4.0_f64, -2.0, -0.5, 0.5, 2.0, 4.0] {
        let (value, derivative) = sigmoid_chain_grad(x);
        let sigma = 1.0 / (1.0 + (-x).exp());
        assert_close!(value, sigma);
        // The lesson's closed form e⁻ˣ(1 + e⁻ˣ)⁻², and the familiar σ(1 − σ).
        let e = (-x).exp();
        assert_close!(derivative, e / ((1.0 + e) * (1.0 + e)));
        assert_close!(derivative, sigma * (1.0 - sigma));
        // The lesson's chain of factors: (−a⁻²) · 1 · eᶜ · (−1) with c = −x, a = 1 + eᶜ.
        let a = 1.0 + e;
        let factors = [-1.0 / (a * a), 1.0, e, -1.0];
        assert_close!(derivative, factors.iter().product());
    }
}

#[test]
fn derivatives_partial_derivative_examples() {
    use derivatives::*;

    // Example 1: f = ax + by + cz → (a, b, c); a, b, c are constants.
    assert_eq!(linear_grad(2.0, -3.0, 0.5, 1.0, 2.0, 3.0), (2.0 - 6.0 + 1.5, 2.0, -3.0, 0.5));
    assert_eq!(linear_grad(-1.0, 4.0, 7.0, 9.0, -8.0, 0.0).1, -1.0);

    // Example 3: f = (y − xw)², ∂/∂x = −2w(y − xw), ∂/∂w = −2x(y − xw).
    // At x = 1.5, w = 0.8, y = 2: y − xw = 0.8, so ∂x = −1.28 and ∂w = −2.4.
    let (value, dx, dw) = squared_residual_grad(1.5, 0.8, 2.0);
    assert_close!(value, 0.64);
    assert_close!(dx, -1.28);
    assert_close!(dw, -2.4);
    for (x, w, y) in [(0.0, 1.0, 1.0), (-2.0, 0.5, 3.0), (1.0, 1.0, 1.0)] {
        let (_, dx, dw) = squared_residual_grad(x, w, y);
        assert_close!(dx, -2.0 * w * (y - x * w));
        assert_close!(dw, -2.0 * x * (y - x * w));
    }

    // The exercise: J = 3(a + bc), dJ/da = 3, dJ/db = 3c, dJ/dc = 3b.
    assert_eq!(j_grad(1.0, 2.0, 3.0), (21.0, 3.0, 9.0, 6.0));
    assert_eq!(j_grad(5.0, 3.0, 2.0), (33.0, 3.0, 6.0, 9.0));
}

#[test]
fn derivatives_table_agrees_with_closed_forms() {
    let rows = derivatives::rows();
    // 4 basic rules, 4 sigmoid points, 3 + 2 + 2 partials of the examples, 3 of the exercise.
    assert_eq!(rows.len(), 18);
    for row in &rows {
        assert!(close(row.autodiff, row.closed_form, 1e-12), "{row:?}");
    }
}

// ----------------------------------------------------------- gradient descent

/// The least-squares optimum of y = w·x from the data, by hand:
/// Σxy = 2.1 + 7.8 + 18.6 + 31.2 = 59.7 and Σx² = 1 + 4 + 9 + 16 = 30.
const W_STAR: f64 = 59.7 / 30.0;

#[test]
fn gradient_descent_data_and_optimum() {
    use gradient_descent::*;

    assert_eq!(XS, [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(YS, [2.1, 3.9, 6.2, 7.8]);
    assert_close!(least_squares_optimum(), W_STAR, 1e-14);
    assert_close!(W_STAR, 1.99, 1e-14);
    // The lesson's h.
    assert_eq!(autodiff::DEFAULT_STEP, 0.000001);
}

#[test]
fn gradient_descent_loss_and_gradients() {
    use gradient_descent::*;

    let n = XS.len() as f64;
    for w in [-1.0, 0.0, 1.99, 2.5, 4.0] {
        // loss = (1/n) Σ (wx − y)², ∂loss/∂w = (2/n) Σ x(wx − y).
        let mse: f64 = XS.iter().zip(YS).map(|(x, y)| (w * x - y).powi(2)).sum::<f64>() / n;
        let grad: f64 = XS.iter().zip(YS).map(|(x, y)| 2.0 * x * (w * x - y)).sum::<f64>() / n;
        assert_close!(loss(w), mse);
        assert_close!(loss_gradient(w), grad);
        // The numeric gradient is the lesson's (f(w+h) − f(w−h)) / 2h, h = 0.000001.
        let h = 0.000001;
        assert_eq!(numeric_loss_gradient(w), (loss(w + h) - loss(w - h)) / (2.0 * h));
        assert_close!(numeric_loss_gradient(w), grad, 1e-6);
    }
    // The gradient vanishes at the optimum.
    assert!(loss_gradient(W_STAR).abs() < 1e-12);
}

#[test]
fn gradient_descent_converges_to_the_least_squares_optimum() {
    use gradient_descent::*;

    let n = XS.len() as f64;
    let sxx: f64 = XS.iter().map(|x| x * x).sum();
    // loss is quadratic in w with curvature 2Σx²/n, so each step multiplies
    // the error w − w* by exactly 1 − α·2Σx²/n (= 0.4 here).
    let factor = 1.0 - LEARNING_RATE * 2.0 * sxx / n;
    assert_close!(factor, 0.4, 1e-14);

    for w0 in STARTS {
        let steps = descend(w0, LEARNING_RATE, STEPS);
        assert_eq!(steps.len(), STEPS + 1);
        assert_eq!(steps[0].w, w0);

        for (k, step) in steps.iter().enumerate() {
            assert_eq!(step.step, k);
            assert_close!(step.loss, loss(step.w), 0.0);
            // Numeric and #[grad] gradients agree to 1e-6, relative to the
            // gradient (or absolute once it is below 1).
            assert!(close(step.numeric, step.autodiff, 1e-6), "{step:?}");
            assert!(step.difference() <= 1e-6 * step.autodiff.abs().max(1.0), "{step:?}");
            // The error shrinks geometrically.
            let predicted = W_STAR + factor.powi(k as i32) * (w0 - W_STAR);
            assert!((step.w - predicted).abs() < 1e-12, "step {k}: w = {} but expected {predicted}", step.w);
        }

        for pair in steps.windows(2) {
            let (before, after) = (pair[0], pair[1]);
            // The loss falls at every step.
            assert!(after.loss < before.loss, "{before:?} → {after:?}");
            // The update is w ← w − α∇w, and the sign rule holds:
            // ∇w < 0 makes w grow, ∇w > 0 makes it shrink.
            assert_close!(after.w, before.w - LEARNING_RATE * before.autodiff, 1e-15);
            if before.autodiff < 0.0 {
                assert!(after.w > before.w, "{before:?} → {after:?}");
            } else {
                assert!(after.w < before.w, "{before:?} → {after:?}");
            }
        }

        // Started below w* the gradient is negative throughout; above, positive.
        let below = w0 < W_STAR;
        assert!(steps.iter().all(|s| (s.autodiff < 0.0) == below), "w0 = {w0}");

        let last = steps.last().unwrap();
        assert!((last.w - W_STAR).abs() < 1e-6, "w = {} after {STEPS} steps, w* = {W_STAR}", last.w);
    }
}

// -------------------------------------------------------- computational graph

#[test]
fn computational_graph_lesson_values() {
    use computational_graph::*;

    assert_eq!((A, B, C), (5.0, 3.0, 2.0));
    let report = run(A, B, C);

    // Forward: v = bc = 6, u = a + v = 11, J = 3u = 33.
    assert_eq!(report.forward, Forward { a: 5.0, b: 3.0, c: 2.0, v: 6.0, u: 11.0, j: 33.0 });

    // Edges: ∂J/∂u = 3, ∂u/∂a = ∂u/∂v = 1, ∂v/∂b = c = 2, ∂v/∂c = b = 3.
    assert_eq!(report.edges, Edges { dj_du: 3.0, du_da: 1.0, du_dv: 1.0, dv_db: 2.0, dv_dc: 3.0 });

    // Backward, right to left: dJ/dJ = 1, dJ/du = 3, dJ/dv = 3, dJ/da = 3,
    // dJ/db = 3c = 6, dJ/dc = 3b = 9.
    let expected = [("J", 1.0), ("u", 3.0), ("v", 3.0), ("a", 3.0), ("b", 6.0), ("c", 9.0)];
    assert_eq!(report.backward.len(), expected.len());
    for (adj, (node, value)) in report.backward.iter().zip(expected) {
        assert_eq!(adj.node, node);
        assert_eq!(adj.by_hand, value, "{adj:?}");
        assert_eq!(adj.backprop, value, "{adj:?}");
        if let Some(whole) = adj.whole {
            assert_eq!(whole, value, "{adj:?}");
        }
    }
    // The whole function's gradient is reported for the three inputs.
    let inputs: Vec<_> = report.backward.iter().filter(|a| a.whole.is_some()).map(|a| a.node).collect();
    assert_eq!(inputs, ["a", "b", "c"]);
}

#[test]
fn computational_graph_at_other_points() {
    use computational_graph::*;

    for (a, b, c) in [(-1.5, 0.25, 4.0), (0.0, -2.0, 7.5), (1.0, 2.0, 3.0)] {
        let report = run(a, b, c);
        let f = report.forward;
        assert_close!(f.v, b * c);
        assert_close!(f.u, a + b * c);
        assert_close!(f.j, 3.0 * (a + b * c));
        assert_eq!((report.edges.dv_db, report.edges.dv_dc), (c, b));
        let adjoints: Vec<f64> = report.backward.iter().map(|adj| adj.backprop).collect();
        assert_eq!(adjoints, [1.0, 3.0, 3.0, 3.0, 3.0 * c, 3.0 * b]);
        assert_eq!(j_grad(a, b, c), (3.0 * (a + b * c), 3.0, 3.0 * c, 3.0 * b));
    }
}

// ------------------------------------------------------------------- the mains

#[test]
fn examples_run() {
    derivatives::main();
    gradient_descent::main();
    computational_graph::main();
}
