//! The examples of backpropagation and training, checked: the three
//! gradients of `seed_network` agree and match central differences, the
//! iris network reaches the task's target accuracy, and both optimizers of
//! `linear_regression` fit the diabetes data about as well as the exact
//! least-squares solution. Each example is included as a module, so these
//! tests run exactly the functions the examples run.

// The examples bring their support modules (the loss chart, where the
// pictures go) along, so each is loaded more than once here.
#![allow(clippy::duplicate_mod)]

// Each example is a module here; what only its `main` uses would otherwise
// be reported as dead code.
#[allow(dead_code)]
#[path = "../examples/seed_network.rs"]
mod seed_network;

#[allow(dead_code)]
#[path = "../examples/neural_network.rs"]
mod neural_network;

#[allow(dead_code)]
#[path = "../examples/linear_regression.rs"]
mod linear_regression;

use autodiff::prelude::*;

/// `|a − b| ≤ tol · max(|a|, |b|, 1)`, entry by entry.
fn assert_all_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= tol * x.abs().max(y.abs()).max(1.0), "{what}: entry {k}: {x} vs {y}\n{a:?}\n{b:?}");
    }
}

// --------------------------------------------------------------- seed_network

/// The example's weights, and others of larger and mixed-sign values, so that
/// f' is evaluated away from the flat middle of the sigmoid too.
fn seed_cases() -> Vec<(seed_network::Net, [f64; 2], f64)> {
    use seed_network::{example_net, Net, X, Y};
    vec![
        (example_net(), X, Y),
        (Net { w1: [[1.5, -2.0], [0.7, 2.5]], w2: [[-1.2, 0.9], [2.2, -0.4]], w3: [[1.7], [-2.3]] }, [0.8, 1.9], -0.6),
        (
            Net { w1: [[-0.3, 0.05], [1.1, -0.9]], w2: [[0.6, -1.8], [0.25, 1.3]], w3: [[-0.45], [0.95]] },
            [-2.0, 0.4],
            2.5,
        ),
    ]
}

#[test]
fn seed_network_paths_recurrence_and_grad_agree() {
    use seed_network::{by_grad, by_paths, by_recurrence};
    for (net, x, y) in seed_cases() {
        let paths = by_paths(&net, &x, y).to_flat();
        let recurrence = by_recurrence(&net, &x, y).to_flat();
        let generated = by_grad(&net, &x, y).to_flat();
        assert_eq!(paths.len(), 10, "2·2 + 2·2 + 2·1 weights");
        assert_all_close(&paths, &recurrence, 1e-12, "paths vs recurrence");
        assert_all_close(&paths, &generated, 1e-12, "paths vs #[grad]");
        assert_all_close(&recurrence, &generated, 1e-12, "recurrence vs #[grad]");
    }
}

#[test]
fn seed_network_grad_matches_central_differences() {
    use seed_network::{by_grad, loss, Net};
    for (net, x, y) in seed_cases() {
        let analytic = by_grad(&net, &x, y).to_flat();
        let mut probe = net.clone();
        check_gradient(
            |w| {
                probe.copy_from_flat(w);
                loss(&probe, &x, y)
            },
            &net.to_flat(),
            &analytic,
        )
        .assert_close(1e-6);
        // The value `loss_grad` returns is the loss itself.
        let mut d_net: Net = net.zeros_like();
        assert_eq!(seed_network::loss_grad(&net, &mut d_net, &x, y), loss(&net, &x, y));
    }
}

#[test]
fn seed_network_forward_matches_the_lessons_definitions() {
    use seed_network::{example_net, f, f_prime, forward, loss, X, Y};
    let net = example_net();
    let run = forward(&net, &X, Y);
    // a_j = Σ_i x_i·W1[i,j], b_j = Σ_i f(a_i)·W2[i,j], out = Σ_i f(b_i)·W3[i,1].
    assert_eq!(run.a[1], X[0] * net.w1[0][1] + X[1] * net.w1[1][1]);
    assert_eq!(run.b[0], f(run.a[0]) * net.w2[0][0] + f(run.a[1]) * net.w2[1][0]);
    assert!((run.loss - loss(&net, &X, Y)).abs() < 1e-15);
    assert_eq!(run.d_out, 2.0 * (run.out - Y));
    // The lesson's f'(x) = e^−x (1 + e^−x)^−2 is σ(x)(1 − σ(x)).
    for z in [-3.0, -0.4, 0.0, 0.05, 2.5] {
        assert!((f_prime(z) - f(z) * (1.0 - f(z))).abs() < 1e-15);
    }
}

#[test]
fn seed_network_gradient_step_lowers_the_loss() {
    use seed_network::{by_grad, example_net, loss, LEARNING_RATE, X, Y};
    let net = example_net();
    let mut stepped = net.clone();
    stepped.add_scaled(&by_grad(&net, &X, Y), -LEARNING_RATE);
    assert!(loss(&stepped, &X, Y) < loss(&net, &X, Y));
}

// ------------------------------------------------------------- neural_network

#[test]
fn iris_split_is_standardized_and_disjoint() {
    use neural_network::{split, CLASSES, INPUTS, SEED};
    let (train, test) = split(SEED);
    // 150 flowers, round(150 · 0.2) = 30 held out.
    assert_eq!((train.len(), test.len()), (120, 30));
    assert!(train.y.iter().chain(&test.y).all(|&c| c < CLASSES));
    // Every class is present in iris 50 times; the split keeps all three.
    for c in 0..CLASSES {
        assert!(train.y.contains(&c) && test.y.contains(&c), "class {c} missing");
    }
    // Standardized with the training set's own statistics: mean 0, std 1.
    let n = train.len() as f64;
    for j in 0..INPUTS {
        let mean = train.x.iter().map(|r| r[j]).sum::<f64>() / n;
        let var = train.x.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / n;
        assert!(mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-12, "feature {j}: mean {mean}, var {var}");
    }
}

#[test]
fn iris_batch_loss_grad_matches_central_differences() {
    use neural_network::{batch_loss, batch_loss_grad, split, Mlp, CLASSES, SEED};
    let (train, _) = split(SEED);
    let batch = train.select(&[0, 5, 17, 42, 99]);
    let model = Mlp::new(7);
    let mut grads = model.zeros_like();
    let value = batch_loss_grad(&model, &mut grads, &batch.x, &batch.y);
    assert_eq!(value, batch_loss(&model, &batch.x, &batch.y));
    let mut probe = model.clone();
    check_gradient(
        |w| {
            probe.copy_from_flat(w);
            batch_loss(&probe, &batch.x, &batch.y)
        },
        &model.to_flat(),
        &grads.to_flat(),
    )
    .assert_close(1e-6);
    // The logits' gradient of a mean softmax cross-entropy sums to zero over
    // the classes, sample by sample, so the output biases' gradient does too.
    assert!(grads.b2.iter().sum::<f64>().abs() < 1e-12);
    assert_eq!(grads.b2.len(), CLASSES);
}

#[test]
fn iris_training_reaches_the_target_accuracy() {
    use neural_network::{accuracy, split, train, CLASSES, EPOCHS, SEED};
    let (train_set, test_set) = split(SEED);
    let (model, history) = train(&train_set, EPOCHS, SEED, |_, _| {});
    assert_eq!(history.len(), EPOCHS);
    // An untrained network of small weights is near the uniform guess,
    // whose loss is ln 3; training must take it far below.
    let first = history[0].train_loss;
    let last = history[EPOCHS - 1].train_loss;
    assert!(first < 1.5 * (CLASSES as f64).ln(), "first epoch loss {first}");
    assert!(last < 0.25 * first, "loss {first} → {last}");
    let test_accuracy = accuracy(&model, &test_set);
    assert!(test_accuracy >= 0.95, "test accuracy {test_accuracy}");
    assert!(accuracy(&model, &train_set) >= 0.95);
}

#[test]
fn iris_training_is_reproducible() {
    use neural_network::{split, train, SEED};
    let (train_set, _) = split(SEED);
    let (a, _) = train(&train_set, 3, SEED, |_, _| {});
    let (b, _) = train(&train_set, 3, SEED, |_, _| {});
    assert_eq!(a, b);
}

// ---------------------------------------------------------- linear_regression

#[test]
fn diabetes_mse_grad_matches_central_differences() {
    use linear_regression::{mse, mse_grad, split, Linear, SEED};
    let data = split(SEED);
    let batch = data.train.select(&[1, 2, 3, 50, 200, 300]);
    let model = Linear { w: [0.3, -0.2, 0.5, 0.1, -0.7, 0.4, 0.0, 0.25, 0.6, -0.15], b: 0.05 };
    let mut grads = model.zeros_like();
    mse_grad(&model, &mut grads, &batch.x, &batch.y);
    let mut probe = model.clone();
    check_gradient(
        |w| {
            probe.copy_from_flat(w);
            mse(&probe, &batch.x, &batch.y)
        },
        &model.to_flat(),
        &grads.to_flat(),
    )
    .assert_close(1e-6);
    // ∂/∂b of the mean of (ŷ − y)² is the mean of 2(ŷ − y).
    let expected: f64 =
        batch.x.iter().zip(&batch.y).map(|(x, y)| 2.0 * (model.predict(x) - y)).sum::<f64>() / batch.len() as f64;
    assert!((grads.b - expected).abs() < 1e-12);
}

#[test]
fn diabetes_least_squares_solves_the_normal_equations() {
    use linear_regression::{least_squares, mse_grad, split, SEED};
    let data = split(SEED);
    let exact = least_squares(&data.train);
    // At the least-squares optimum the gradient of the training MSE is zero.
    let mut grads = exact.zeros_like();
    mse_grad(&exact, &mut grads, &data.train.x, &data.train.y);
    assert!(grads.norm() < 1e-10, "gradient at the optimum {grads:?}");
}

#[test]
fn diabetes_both_optimizers_fit_held_out_data() {
    use linear_regression::{least_squares, mse, optimizers, r_squared, split, train, EPOCHS, SEED};
    let data = split(SEED);
    let exact = least_squares(&data.train);
    let best = mse(&exact, &data.train.x, &data.train.y);
    for (name, mut opt) in optimizers() {
        let (model, losses) = train(&data.train, &mut opt, EPOCHS, SEED, |_, _| {});
        assert_eq!(losses.len(), EPOCHS);
        // Nothing fits the training set better than least squares; gradient
        // descent should come close to it.
        let fitted = mse(&model, &data.train.x, &data.train.y);
        assert!(fitted >= best - 1e-12 && fitted <= 1.05 * best, "{name}: train MSE {fitted}, optimum {best}");
        let r2 = r_squared(&model, &data.test);
        assert!(r2 > 0.3, "{name}: held-out R² {r2}");
        // Close to the optimum in training, close to it on held-out data too.
        let exact_r2 = r_squared(&exact, &data.test);
        assert!((r2 - exact_r2).abs() < 0.05, "{name}: held-out R² {r2}, least squares {exact_r2}");
    }
}
