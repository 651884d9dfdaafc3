//! A small neural network trained on the iris flowers with gradients from
//! `#[grad]` and the Adam optimizer.
//!
//! This is §3 of the lesson (反向传播, backpropagation) at the scale of a real
//! data set. The model is a multilayer perceptron 4 → 16 → 3: the four
//! measurements of a flower, a hidden layer of sixteen tanh neurons, and
//! three logits, one per species, scored by the softmax cross-entropy
//! −log softmax(logits)[species]. Its weights are the fields of a
//! `#[derive(Params)]` struct, the forward pass and the loss of a mini-batch
//! are plain Rust loops over arrays, and `#[grad]` writes the backward pass
//! that fills a gradient of the same struct. The 150 flowers (embedded in the
//! `linfa-datasets` crate: nothing is downloaded) are split at random, with a
//! fixed seed, into 120 for training and 30 for testing; the features are
//! standardized with the training set's mean and standard deviation. Adam
//! then makes a step per shuffled mini-batch; a progress bar runs while it
//! trains, a few lines report the loss along the way, and the run ends with
//! the accuracy on the 30 held-out flowers (the target is at least 95 %).
//! The loss curves, training and test by epoch, go to
//! `neural_network_loss.svg` (under `autodiff-pictures/` in the build's `target`
//! directory unless a directory is given: `cargo run --release --example neural_network -- DIR`).
//!
//! Run it with `cargo run --release --example neural_network`.

// The loops index arrays as the lesson's formulas do (W[i,j], x_i); clippy
// would rewrite them as iterator chains.
#![allow(clippy::needless_range_loop)]

use std::time::Instant;

use autodiff::prelude::*;

#[path = "support/loss_plot.rs"]
mod loss_plot;
#[path = "support/pictures.rs"]
mod pictures;

/// Measurements per flower: sepal length and width, petal length and width.
pub const INPUTS: usize = 4;
/// Neurons of the hidden layer.
pub const HIDDEN: usize = 16;
/// Species: setosa, versicolor, virginica.
pub const CLASSES: usize = 3;

/// The seed of the train/test split, of the batch order and of the initial
/// weights: the same seed gives the same run.
pub const SEED: u64 = 42;
/// The fraction of the flowers held out for testing.
pub const TEST_FRACTION: f64 = 0.2;
/// Flowers per mini-batch.
pub const BATCH_SIZE: usize = 16;
/// Passes over the training set.
pub const EPOCHS: usize = 60;
/// Adam's step size.
pub const LEARNING_RATE: f64 = 0.01;

/// The network's parameters: `h = tanh(W1·x + b1)`, `logits = W2·h + b2`.
#[derive(Params, Clone, Debug, PartialEq)]
pub struct Mlp {
    /// Hidden-layer weights, one row per hidden neuron.
    pub w1: [[f64; INPUTS]; HIDDEN],
    /// Hidden-layer biases.
    pub b1: [f64; HIDDEN],
    /// Output weights, one row per class.
    pub w2: [[f64; HIDDEN]; CLASSES],
    /// Output biases.
    pub b2: [f64; CLASSES],
}

/// A labelled data set: one row of features and one class per sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    /// The features of each sample.
    pub x: Vec<[f64; INPUTS]>,
    /// The class of each sample, in `0..CLASSES`.
    pub y: Vec<usize>,
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

/// The 150 iris flowers of `linfa-datasets`.
pub fn iris() -> Data {
    let dataset = linfa_datasets::iris();
    let x = dataset.records.rows().into_iter().map(|r| [r[0], r[1], r[2], r[3]]).collect();
    let y = dataset.targets.iter().copied().collect();
    Data { x, y }
}

/// The mean and standard deviation of each feature over `x`.
pub fn feature_stats(x: &[[f64; INPUTS]]) -> ([f64; INPUTS], [f64; INPUTS]) {
    let n = x.len() as f64;
    let mut mean = [0.0; INPUTS];
    let mut std = [0.0; INPUTS];
    for j in 0..INPUTS {
        mean[j] = x.iter().map(|r| r[j]).sum::<f64>() / n;
        std[j] = (x.iter().map(|r| (r[j] - mean[j]).powi(2)).sum::<f64>() / n).sqrt();
    }
    (mean, std)
}

/// Rescales every feature of `data` to `(x − mean) / std`.
pub fn standardize(data: &mut Data, mean: &[f64; INPUTS], std: &[f64; INPUTS]) {
    for row in &mut data.x {
        for j in 0..INPUTS {
            row[j] = (row[j] - mean[j]) / std[j];
        }
    }
}

/// The training and test sets: a shuffled split of iris fixed by `seed`,
/// both standardized with the training set's statistics.
pub fn split(seed: u64) -> (Data, Data) {
    let all = iris();
    let (train_idx, test_idx) = train_test_split(all.len(), TEST_FRACTION, seed);
    let (mut train, mut test) = (all.select(&train_idx), all.select(&test_idx));
    let (mean, std) = feature_stats(&train.x);
    standardize(&mut train, &mean, &std);
    standardize(&mut test, &mean, &std);
    (train, test)
}

/// SplitMix64: a tiny deterministic generator for the initial weights.
struct SplitMix64(u64);

impl SplitMix64 {
    /// A uniform number in `[-1, 1)`.
    fn next_symmetric(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // The top 53 bits, as a fraction in [0, 1).
        let unit = (z >> 11) as f64 / (1u64 << 53) as f64;
        2.0 * unit - 1.0
    }
}

impl Mlp {
    /// Random weights of Glorot's scale, uniform in ±√(6 / (fan_in + fan_out)),
    /// and zero biases.
    pub fn new(seed: u64) -> Mlp {
        let mut rng = SplitMix64(seed);
        let mut m =
            Mlp { w1: [[0.0; INPUTS]; HIDDEN], b1: [0.0; HIDDEN], w2: [[0.0; HIDDEN]; CLASSES], b2: [0.0; CLASSES] };
        let limit1 = (6.0 / (INPUTS + HIDDEN) as f64).sqrt();
        m.w1.iter_mut().flatten().for_each(|w| *w = limit1 * rng.next_symmetric());
        let limit2 = (6.0 / (HIDDEN + CLASSES) as f64).sqrt();
        m.w2.iter_mut().flatten().for_each(|w| *w = limit2 * rng.next_symmetric());
        m
    }

    /// The logits of one sample: the forward pass, without the loss.
    pub fn logits(&self, x: &[f64; INPUTS]) -> [f64; CLASSES] {
        let mut h = [0.0; HIDDEN];
        for i in 0..HIDDEN {
            let mut z = self.b1[i];
            for j in 0..INPUTS {
                z += self.w1[i][j] * x[j];
            }
            h[i] = z.tanh();
        }
        let mut out = [0.0; CLASSES];
        for k in 0..CLASSES {
            let mut z = self.b2[k];
            for i in 0..HIDDEN {
                z += self.w2[k][i] * h[i];
            }
            out[k] = z;
        }
        out
    }

    /// The predicted class of one sample: the largest logit.
    pub fn predict(&self, x: &[f64; INPUTS]) -> usize {
        let out = self.logits(x);
        (0..CLASSES).fold(0, |best, k| if out[k] > out[best] { k } else { best })
    }
}

/// The mean softmax cross-entropy of the network over a batch: `x` holds the
/// batch's features, `y` its classes. Only the model is differentiated; the
/// data are constants.
#[grad(wrt(m))]
pub fn batch_loss(m: &Mlp, x: &[[f64; INPUTS]], y: &[usize]) -> f64 {
    let mut total = 0.0;
    for s in 0..y.len() {
        let mut h = [0.0; HIDDEN];
        for i in 0..HIDDEN {
            let mut z = m.b1[i];
            for j in 0..INPUTS {
                z += m.w1[i][j] * x[s][j];
            }
            h[i] = z.tanh();
        }
        let mut out = [0.0; CLASSES];
        for k in 0..CLASSES {
            let mut z = m.b2[k];
            for i in 0..HIDDEN {
                z += m.w2[k][i] * h[i];
            }
            out[k] = z;
        }
        total += softmax_cross_entropy(&out, y[s]);
    }
    total / y.len() as f64
}

/// The mean loss of `m` over a whole data set.
pub fn loss(m: &Mlp, data: &Data) -> f64 {
    batch_loss(m, &data.x, &data.y)
}

/// The fraction of `data` that `m` classifies correctly.
pub fn accuracy(m: &Mlp, data: &Data) -> f64 {
    let right = data.x.iter().zip(&data.y).filter(|(x, &y)| m.predict(x) == y).count();
    right as f64 / data.len() as f64
}

/// What one epoch ended with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Epoch {
    /// The epoch's number, from 1.
    pub epoch: usize,
    /// The mean of the mini-batch losses of the epoch.
    pub train_loss: f64,
}

/// Trains a fresh network for `epochs` passes over `train` with Adam, one step
/// per shuffled mini-batch, all fixed by `seed`. Calls `report` after every
/// epoch with the epoch and the network as it ends it; returns the network
/// and the history.
pub fn train(train: &Data, epochs: usize, seed: u64, mut report: impl FnMut(&Epoch, &Mlp)) -> (Mlp, Vec<Epoch>) {
    let mut model = Mlp::new(seed);
    let mut grads = model.zeros_like();
    let mut opt = Adam::new(LEARNING_RATE);
    let mut batches = Batches::new(train.len(), BATCH_SIZE).shuffled(seed);
    let mut history = Vec::with_capacity(epochs);
    for epoch in 1..=epochs {
        let (mut sum, mut count) = (0.0, 0);
        for batch in batches.epoch() {
            let part = train.select(batch);
            grads.fill_zero();
            sum += batch_loss_grad(&model, &mut grads, &part.x, &part.y);
            count += 1;
            opt.step_params(&mut model, &grads);
        }
        let record = Epoch { epoch, train_loss: sum / count as f64 };
        report(&record, &model);
        history.push(record);
    }
    (model, history)
}

fn main() {
    let start = Instant::now();
    let (train_set, test_set) = split(SEED);
    println!(
        "iris: {} training and {} test flowers, {} features, {} classes; MLP {INPUTS}-{HIDDEN}-{CLASSES} (tanh), {} parameters",
        train_set.len(),
        test_set.len(),
        INPUTS,
        CLASSES,
        Mlp::new(SEED).num_params()
    );
    println!("Adam (α = {LEARNING_RATE}), {EPOCHS} epochs of mini-batches of {BATCH_SIZE}, seed {SEED}\n");

    let progress = Progress::new(EPOCHS);
    let every = (EPOCHS / 6).max(1);
    let mut test_losses = Vec::with_capacity(EPOCHS);
    let (model, history) = train(&train_set, EPOCHS, SEED, |e, model| {
        test_losses.push(loss(model, &test_set));
        progress.set_message(format!("loss {:.4}", e.train_loss));
        progress.inc();
        if e.epoch == 1 || e.epoch % every == 0 {
            progress.println(format!("epoch {:>3}  train loss {:.4}", e.epoch, e.train_loss));
        }
    });
    progress.finish();

    println!("\ntrain loss {:.4}, accuracy {:.1} %", loss(&model, &train_set), 100.0 * accuracy(&model, &train_set));
    println!(
        "test  loss {:.4}, accuracy {:.1} % ({} flowers)",
        loss(&model, &test_set),
        100.0 * accuracy(&model, &test_set),
        test_set.len()
    );
    println!("done in {:.2?}", start.elapsed());

    let train_losses: Vec<f64> = history.iter().map(|e| e.train_loss).collect();
    let curves = [
        loss_plot::Curve {
            name: "train (mean over the epoch's batches)".into(),
            losses: &train_losses,
            colour: 0,
            dashed: false,
        },
        loss_plot::Curve { name: "test (after the epoch)".into(), losses: &test_losses, colour: 1, dashed: true },
    ];
    let title = "iris MLP 4-16-3, Adam: softmax cross-entropy";
    match loss_plot::loss_plot_svg(title, "loss", &curves) {
        Ok(svg) => pictures::write_picture("neural_network_loss.svg", "loss curves", &svg),
        Err(e) => eprintln!("could not draw the loss curves: {e}"),
    }
}
