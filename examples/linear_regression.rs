//! Linear regression on the diabetes data, trained by SGD with momentum and
//! by Adam on a mean squared error differentiated by `#[grad]`, and scored
//! by R² on held-out patients.
//!
//! This is §1 of the lesson (a model f(x, w), the loss (Y_pred − Y_true)²,
//! the update w ← w − α∇w) on a real data set: ten measurements of 441
//! diabetes patients (age, sex, body mass index, blood pressure and six blood
//! serum values, embedded in the `linfa-datasets` crate: nothing is
//! downloaded) and a measure of how far the disease has progressed one year
//! later. The model is `ŷ = w·x + b`, a `#[derive(Params)]` struct; the loss
//! of a mini-batch is a plain loop over it, and `#[grad]` gives its gradient
//! with respect to the model. A fixed seed splits the patients into 80 % for
//! training and 20 % for testing; features and target are standardized with
//! the training set's statistics. The same model is then trained twice, from
//! zero, by SGD with momentum and by Adam, and each is scored by the
//! coefficient of determination R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)² on the test
//! patients, beside the exact least-squares fit (the normal equations) that
//! both should approach. The loss curves of both runs, training and test
//! by epoch, go to `linear_regression_loss.svg` (under
//! `autodiff-pictures/` in the build's `target` directory unless a
//! directory is given:
//! `cargo run --release --example linear_regression -- DIR`).
//!
//! Run it with `cargo run --release --example linear_regression`.

// The loops index arrays as the lesson's formulas do (W[i,j], x_i); clippy
// would rewrite them as iterator chains.
#![allow(clippy::needless_range_loop)]

use std::time::Instant;

use autodiff::prelude::*;

#[path = "support/loss_plot.rs"]
mod loss_plot;
#[path = "support/pictures.rs"]
mod pictures;

/// Measurements per patient.
pub const FEATURES: usize = 10;
/// The seed of the train/test split and of the batch order.
pub const SEED: u64 = 42;
/// The fraction of the patients held out for testing.
pub const TEST_FRACTION: f64 = 0.2;
/// Patients per mini-batch.
pub const BATCH_SIZE: usize = 32;
/// Passes over the training set.
pub const EPOCHS: usize = 100;

/// The linear model `ŷ = w·x + b`.
#[derive(Params, Clone, Debug, PartialEq)]
pub struct Linear {
    /// One weight per feature.
    pub w: [f64; FEATURES],
    /// The intercept.
    pub b: f64,
}

impl Linear {
    /// The model with every parameter zero.
    pub fn zero() -> Linear {
        Linear { w: [0.0; FEATURES], b: 0.0 }
    }

    /// The prediction for one patient.
    pub fn predict(&self, x: &[f64; FEATURES]) -> f64 {
        self.b + self.w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>()
    }
}

/// The mean squared error (ŷ − y)² of the model over a batch: `x` holds the
/// batch's features, `y` its targets. Only the model is differentiated.
#[grad(wrt(m))]
pub fn mse(m: &Linear, x: &[[f64; FEATURES]], y: &[f64]) -> f64 {
    let mut total = 0.0;
    for s in 0..y.len() {
        let mut prediction = m.b;
        for j in 0..FEATURES {
            prediction += m.w[j] * x[s][j];
        }
        total += squared_error(prediction, y[s]);
    }
    total / y.len() as f64
}

/// A regression data set: one row of features and one target per sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    /// The features of each sample.
    pub x: Vec<[f64; FEATURES]>,
    /// The target of each sample.
    pub y: Vec<f64>,
}

impl Data {
    /// The samples at `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Data {
        Data { x: indices.iter().map(|&i| self.x[i]).collect(), y: indices.iter().map(|&i| self.y[i]).collect() }
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }
}

/// The diabetes patients of `linfa-datasets`.
pub fn diabetes() -> Data {
    let dataset = linfa_datasets::diabetes();
    let x = dataset.records.rows().into_iter().map(|r| std::array::from_fn(|j| r[j])).collect();
    let y = dataset.targets.iter().copied().collect();
    Data { x, y }
}

/// The mean and the standard deviation of `values`.
pub fn mean_std(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = values.clone().count() as f64;
    let mean = values.clone().sum::<f64>() / n;
    let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

/// The training and test sets, standardized (features and target) with the
/// training set's statistics, and the target's mean and standard deviation
/// to undo it.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    /// The standardized training set.
    pub train: Data,
    /// The standardized test set.
    pub test: Data,
    /// The training set's target mean.
    pub y_mean: f64,
    /// The training set's target standard deviation.
    pub y_std: f64,
}

/// A shuffled split of the diabetes data fixed by `seed`, standardized.
pub fn split(seed: u64) -> Split {
    let all = diabetes();
    let (train_idx, test_idx) = train_test_split(all.len(), TEST_FRACTION, seed);
    let (mut train, mut test) = (all.select(&train_idx), all.select(&test_idx));
    for j in 0..FEATURES {
        let (mean, std) = mean_std(train.x.iter().map(|r| r[j]));
        for row in train.x.iter_mut().chain(test.x.iter_mut()) {
            row[j] = (row[j] - mean) / std;
        }
    }
    let (y_mean, y_std) = mean_std(train.y.iter().copied());
    for y in train.y.iter_mut().chain(test.y.iter_mut()) {
        *y = (*y - y_mean) / y_std;
    }
    Split { train, test, y_mean, y_std }
}

/// The coefficient of determination of `m` on `data`:
/// R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)², with ȳ the mean of `data`'s targets.
/// It does not change when targets and predictions are rescaled alike, so
/// it is the same in standardized and in original units.
pub fn r_squared(m: &Linear, data: &Data) -> f64 {
    let (mean, _) = mean_std(data.y.iter().copied());
    let residual: f64 = data.x.iter().zip(&data.y).map(|(x, y)| (y - m.predict(x)).powi(2)).sum();
    let total: f64 = data.y.iter().map(|y| (y - mean).powi(2)).sum();
    1.0 - residual / total
}

/// The least-squares model of `data`: the solution of the normal equations
/// (XᵀX) θ = Xᵀy with a column of ones for the intercept, by Gaussian
/// elimination with partial pivoting. The optimum that gradient descent
/// approaches.
pub fn least_squares(data: &Data) -> Linear {
    const N: usize = FEATURES + 1;
    let mut a = [[0.0; N]; N];
    let mut rhs = [0.0; N];
    for (x, &y) in data.x.iter().zip(&data.y) {
        let row: [f64; N] = std::array::from_fn(|j| if j < FEATURES { x[j] } else { 1.0 });
        for i in 0..N {
            for j in 0..N {
                a[i][j] += row[i] * row[j];
            }
            rhs[i] += row[i] * y;
        }
    }
    for col in 0..N {
        let pivot = (col..N).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs())).unwrap_or(col);
        a.swap(col, pivot);
        rhs.swap(col, pivot);
        for r in col + 1..N {
            let f = a[r][col] / a[col][col];
            for c in col..N {
                a[r][c] -= f * a[col][c];
            }
            rhs[r] -= f * rhs[col];
        }
    }
    let mut theta = [0.0; N];
    for r in (0..N).rev() {
        let known: f64 = (r + 1..N).map(|c| a[r][c] * theta[c]).sum();
        theta[r] = (rhs[r] - known) / a[r][r];
    }
    Linear { w: std::array::from_fn(|j| theta[j]), b: theta[FEATURES] }
}

/// The optimizers compared.
pub fn optimizers() -> Vec<(&'static str, Box<dyn Optimizer>)> {
    vec![
        ("SGD, momentum 0.9 (α = 0.01)", Box::new(Sgd::new(0.01).with_momentum(0.9))),
        ("Adam (α = 0.01)", Box::new(Adam::new(0.01))),
    ]
}

/// Trains a zero model for `epochs` passes over `train`, one step of `opt`
/// per shuffled mini-batch (order fixed by `seed`), calling `report` with
/// each epoch's mean training loss and the model as it ends the epoch;
/// returns the model and those losses.
/// The learning rate follows a cosine from `opt`'s own rate down to a
/// hundredth of it over the run, so the last epochs settle near the optimum
/// instead of jittering around it with the noise of the mini-batches.
pub fn train(
    train: &Data,
    opt: &mut impl Optimizer,
    epochs: usize,
    seed: u64,
    mut report: impl FnMut(f64, &Linear),
) -> (Linear, Vec<f64>) {
    let mut model = Linear::zero();
    let mut grads = model.zeros_like();
    let mut batches = Batches::new(train.len(), BATCH_SIZE).shuffled(seed);
    let mut losses = Vec::with_capacity(epochs);
    let initial = opt.learning_rate();
    let schedule = CosineAnnealing { initial, min: initial / 100.0, period: epochs };
    for epoch in 0..epochs {
        schedule.apply(opt, epoch);
        let (mut sum, mut count) = (0.0, 0);
        for batch in batches.epoch() {
            let part = train.select(batch);
            grads.fill_zero();
            sum += mse_grad(&model, &mut grads, &part.x, &part.y);
            count += 1;
            opt.step_params(&mut model, &grads);
        }
        report(sum / count as f64, &model);
        losses.push(sum / count as f64);
    }
    (model, losses)
}

fn main() {
    let start = Instant::now();
    let data = split(SEED);
    println!(
        "diabetes: {} training and {} test patients, {FEATURES} features; ŷ = w·x + b; {EPOCHS} epochs of \
         mini-batches of {BATCH_SIZE}, seed {SEED};\nlearning rate: a cosine from α down to α/100 over the run\n",
        data.train.len(),
        data.test.len()
    );

    let exact = least_squares(&data.train);
    let mut runs = Vec::new();
    for (name, mut opt) in optimizers() {
        let progress = Progress::new(EPOCHS);
        let mut test_losses = Vec::with_capacity(EPOCHS);
        let (model, losses) = train(&data.train, &mut opt, EPOCHS, SEED, |loss, model| {
            test_losses.push(mse(model, &data.test.x, &data.test.y));
            progress.set_message(format!("loss {loss:.4}"));
            progress.inc();
        });
        progress.finish();
        let shown: Vec<String> =
            [0, 9, 49, EPOCHS - 1].iter().map(|&e| format!("{}: {:.4}", e + 1, losses[e])).collect();
        println!("{name}");
        println!("  train loss (standardized) by epoch  {}", shown.join("  "));
        println!(
            "  test MSE {:.1} (original units²), R² on held-out data {:.4}",
            mse(&model, &data.test.x, &data.test.y) * data.y_std * data.y_std,
            r_squared(&model, &data.test)
        );
        runs.push((name, losses, test_losses));
    }
    println!(
        "\nleast squares (normal equations): test MSE {:.1}, R² on held-out data {:.4}",
        mse(&exact, &data.test.x, &data.test.y) * data.y_std * data.y_std,
        r_squared(&exact, &data.test)
    );
    println!("done in {:.2?}", start.elapsed());

    let curves: Vec<loss_plot::Curve> = runs
        .iter()
        .enumerate()
        .flat_map(|(k, (name, train, test))| {
            [
                loss_plot::Curve { name: format!("{name}: train"), losses: train, colour: k, dashed: false },
                loss_plot::Curve { name: format!("{name}: test"), losses: test, colour: k, dashed: true },
            ]
        })
        .collect();
    let title = "diabetes, ŷ = w·x + b: mean squared error (standardized)";
    match loss_plot::loss_plot_svg(title, "MSE", &curves) {
        Ok(svg) => pictures::write_picture("linear_regression_loss.svg", "loss curves", &svg),
        Err(e) => eprintln!("could not draw the loss curves: {e}"),
    }
}
