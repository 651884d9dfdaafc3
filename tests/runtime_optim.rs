//! `autodiff::optim` through the facade: SGD trained with `#[grad]`
//! gradients converges to closed-form solutions.

use autodiff::prelude::*;

/// Squared error of the line `w·x + b` on one point.
#[grad]
fn point_loss(w: f64, b: f64, x: f64, y: f64) -> f64 {
    squared_error(w * x + b, y)
}

#[test]
fn sgd_fits_least_squares_line() {
    let xs = [0.0, 1.0, 2.0, 3.0, 4.0];
    let ys = [1.1, 2.9, 5.2, 7.1, 8.8];

    // Closed form: w = cov(x, y) / var(x), b = ȳ − w·x̄.
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let cov: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let var: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    let (w_star, b_star) = (cov / var, my - cov / var * mx);

    let mut params = [0.0, 0.0];
    let mut opt = Sgd::new(0.05);
    for _ in 0..2000 {
        let mut grads = [0.0, 0.0];
        for (&x, &y) in xs.iter().zip(&ys) {
            let (_, dw, db, _, _) = point_loss_grad(params[0], params[1], x, y);
            grads[0] += dw / n;
            grads[1] += db / n;
        }
        opt.step(&mut params, &grads);
    }
    assert!((params[0] - w_star).abs() < 1e-9, "w = {}, want {w_star}", params[0]);
    assert!((params[1] - b_star).abs() < 1e-9, "b = {}, want {b_star}", params[1]);

    // At the optimum the mean loss is the residual variance: no better line exists.
    let mean_loss =
        |w: f64, b: f64| -> f64 { xs.iter().zip(&ys).map(|(&x, &y)| point_loss(w, b, x, y)).sum::<f64>() / n };
    let best = mean_loss(w_star, b_star);
    assert!((mean_loss(params[0], params[1]) - best).abs() < 1e-12);
    assert!(mean_loss(w_star + 1e-3, b_star) > best && mean_loss(w_star, b_star - 1e-3) > best);
}

#[test]
fn one_step_is_w_minus_alpha_grad() {
    // The lesson's update: a negative partial raises w, a positive one lowers it.
    let mut w = [1.0, 1.0];
    Sgd::new(0.5).step(&mut w, &[-1.0, 1.0]);
    assert_eq!(w, [1.5, 0.5]);
}

#[test]
fn optimizers_are_usable_as_trait_objects() {
    let mut opts: Vec<Box<dyn Optimizer>> = vec![Box::new(Sgd::new(0.1)), Box::new(Sgd::new(0.2))];
    let mut w = [0.0];
    for opt in &mut opts {
        opt.step(&mut w, &[-1.0]);
    }
    assert!((w[0] - 0.3).abs() < 1e-15);
}

#[test]
#[should_panic(expected = "optimizer step: params.len() = 1 but grads.len() = 2")]
fn mismatched_lengths_panic_with_a_clear_message() {
    Sgd::new(0.1).step(&mut [0.0], &[1.0, 2.0]);
}
