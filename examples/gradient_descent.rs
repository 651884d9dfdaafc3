//! Fitting one weight by gradient descent, with the gradient computed both
//! by the lesson's central difference and by `#[grad]`.
//!
//! This example follows §1 of the lesson ("梯度是什么?", what a gradient is).
//! The model is y = w·x on four data points, the loss the mean squared error
//! (Y_pred − Y_true)². Each step computes ∇w twice, numerically by the
//! lesson's formula (f(w + h) − f(w − h)) / 2h with h = 0.000001 and
//! exactly by the code `#[grad]` generates, prints both and their
//! difference, then updates w ← w − α∇w. It runs twice to show the lesson's
//! sign rule: started below the optimum, ∇w < 0 and w grows; started above
//! it, ∇w > 0 and w shrinks. Either way the loss falls at every step and w
//! converges to the least-squares optimum w* = Σxy / Σx².
//!
//! Run it with `cargo run --example gradient_descent`.

use autodiff::{grad, numeric_gradient, Optimizer, Sgd, DEFAULT_STEP};

/// The inputs x of the data set.
pub const XS: [f64; 4] = [1.0, 2.0, 3.0, 4.0];
/// The targets Y_true of the data set (roughly y = 2x, with noise).
pub const YS: [f64; 4] = [2.1, 3.9, 6.2, 7.8];
/// The learning rate α.
pub const LEARNING_RATE: f64 = 0.04;
/// How many updates each run makes.
pub const STEPS: usize = 20;
/// The starting weights: one below the optimum, one above it.
pub const STARTS: [f64; 2] = [0.0, 4.0];

/// The loss of one data point: (Y_pred − Y_true)² with Y_pred = w·x.
/// Only w is learned; the data point (x, y) is a constant.
#[grad(wrt(w))]
pub fn point_loss(w: f64, x: f64, y: f64) -> f64 {
    let prediction = w * x;
    autodiff::squared_error(prediction, y)
}

/// The mean of [`point_loss`] over the data set.
pub fn loss(w: f64) -> f64 {
    XS.iter().zip(YS).map(|(&x, y)| point_loss(w, x, y)).sum::<f64>() / XS.len() as f64
}

/// ∂loss/∂w from the generated `point_loss_grad`: the gradient of a mean is
/// the mean of the gradients. (The sum over the data is written here, outside
/// the `#[grad]` function, because loops inside one come later.)
pub fn loss_gradient(w: f64) -> f64 {
    XS.iter().zip(YS).map(|(&x, y)| point_loss_grad(w, x, y).1).sum::<f64>() / XS.len() as f64
}

/// ∂loss/∂w by the lesson's central difference, (f(w+h) − f(w−h)) / 2h with
/// h = [`DEFAULT_STEP`] = 0.000001.
pub fn numeric_loss_gradient(w: f64) -> f64 {
    numeric_gradient(|p| loss(p[0]), &[w])[0]
}

/// One row of the table: the state before an update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// How many updates came before.
    pub step: usize,
    /// The weight.
    pub w: f64,
    /// The loss at `w`.
    pub loss: f64,
    /// ∇w by central differences.
    pub numeric: f64,
    /// ∇w from `#[grad]`.
    pub autodiff: f64,
}

impl Step {
    /// `|#[grad] − numeric|`.
    pub fn difference(&self) -> f64 {
        (self.autodiff - self.numeric).abs()
    }
}

/// Runs `steps` updates w ← w − α∇w from `w0` and returns the state before
/// each of them, and the final state as the last row (`steps + 1` rows).
pub fn descend(w0: f64, learning_rate: f64, steps: usize) -> Vec<Step> {
    let mut w = [w0];
    let mut sgd = Sgd::new(learning_rate);
    let mut rows = Vec::with_capacity(steps + 1);
    for step in 0..=steps {
        let row = Step {
            step,
            w: w[0],
            loss: loss(w[0]),
            numeric: numeric_loss_gradient(w[0]),
            autodiff: loss_gradient(w[0]),
        };
        rows.push(row);
        if step < steps {
            // Sgd::step is exactly w ← w − α∇w.
            sgd.step(&mut w, &[row.autodiff]);
        }
    }
    rows
}

/// The weight minimising the mean squared error of y = w·x, in closed form:
/// setting ∂loss/∂w = (2/n) Σ x(wx − y) to zero gives w* = Σxy / Σx².
pub fn least_squares_optimum() -> f64 {
    let sxy: f64 = XS.iter().zip(YS).map(|(x, y)| x * y).sum();
    let sxx: f64 = XS.iter().map(|x| x * x).sum();
    sxy / sxx
}

pub fn main() {
    let optimum = least_squares_optimum();
    println!("Gradient descent on y = w·x, loss = mean (w·x − y)², α = {LEARNING_RATE}, h = {DEFAULT_STEP}");
    println!("data: x = {XS:?}, y = {YS:?}");
    println!("least-squares optimum w* = Σxy / Σx² = {optimum:.12}");
    println!("numeric ∇w = (loss(w+h) − loss(w−h)) / 2h; #[grad] ∇w from point_loss_grad");

    for w0 in STARTS {
        let rule = if w0 < optimum {
            "w0 < w*: ∇w < 0, so w ← w − α∇w makes w grow"
        } else {
            "w0 > w*: ∇w > 0, so w ← w − α∇w makes w shrink"
        };
        println!("\nStart at w0 = {w0} ({rule})\n");
        println!(
            "{:>4}  {:>15}  {:>19}  {:>19}  {:>19}  {:>9}  {:<6}",
            "step", "w", "loss", "numeric ∇w", "#[grad] ∇w", "|diff|", "w next"
        );
        println!("{}", "─".repeat(104));
        let rows = descend(w0, LEARNING_RATE, STEPS);
        for &row in &rows {
            let direction = match row.autodiff {
                g if g < 0.0 => "grows",
                g if g > 0.0 => "shrinks",
                _ => "stays",
            };
            println!(
                "{:>4}  {:>15.12}  {:>19.15}  {:>19.12}  {:>19.12}  {:>9.1e}  {:<6}",
                row.step,
                row.w,
                row.loss,
                row.numeric,
                row.autodiff,
                row.difference(),
                direction
            );
        }
        let last = rows[rows.len() - 1];
        let falls = rows.windows(2).all(|pair| pair[1].loss < pair[0].loss);
        println!(
            "after {STEPS} steps: w = {:.12}, |w − w*| = {:.1e}; the loss fell at every step: {}",
            last.w,
            (last.w - optimum).abs(),
            if falls { "yes" } else { "no" }
        );
    }
}
