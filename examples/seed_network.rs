//! The lesson's small network, differentiated three ways: by the explicit
//! sum over paths, by backpropagation's layer-by-layer recurrence, and by
//! `#[grad]`, printed side by side for every weight.
//!
//! This is §3.2 of the lesson (反向传播, backpropagation). Two inputs x1, x2
//! feed a hidden layer of two neurons a1, a2 through the weights W1, a
//! second hidden layer b1, b2 through W2, and one output `out` through W3;
//! `Wn[i,j]` joins neuron i of one layer to neuron j of the next, and every
//! hidden neuron applies f = sigmoid, f(x) = (1 + e^−x)^−1, whose derivative
//! the lesson found by the chain rule: f'(x) = e^−x·(1 + e^−x)^−2. So
//! a_j = Σ_i x_i·W1[i,j], b_j = Σ_i f(a_i)·W2[i,j], out = Σ_i f(b_i)·W3[i,1],
//! and the loss is the squared error (out − y)², whose derivative with
//! respect to the prediction is ∇out = 2(out − y).
//!
//! The gradient of the loss with respect to each of the ten weights is then
//! computed
//!
//! 1. by the lesson's explicit formula, one product per path from the weight
//!    to the output, summed: for example
//!    ∂/∂W1[1,2] = x1·f'(a2)·(W2[2,1]·f'(b1)·W3[1,1] + W2[2,2]·f'(b2)·W3[2,1])·∇out;
//! 2. by backpropagation, one layer at a time from the output back:
//!    ∇W^l[i,j] = f(a^l_i)·∇a^{l+1}_j and ∇a^l_i = f'(a^l_i)·Σ_j W^l[i,j]·∇a^{l+1}_j;
//! 3. by the code `#[grad]` generates from the forward pass, written as plain
//!    Rust loops over the weight arrays of a `#[derive(Params)]` struct.
//!
//! The three agree to rounding. A last line takes one gradient step
//! w ← w − α∇w and shows the loss fall.
//!
//! It also writes the network's computational graph at that point,
//! `seed_network.svg`, with every value, every local partial and the
//! gradient ∇ of each weight (under `autodiff-pictures/` in the build's
//! `target` directory unless a directory is given:
//! `cargo run --example seed_network -- DIR`).
//!
//! Run it with `cargo run --example seed_network`.

// The loops index arrays as the lesson's formulas do (W[i,j], x_i); clippy
// would rewrite them as iterator chains.
#![allow(clippy::needless_range_loop)]

use autodiff::prelude::*;

#[path = "support/pictures.rs"]
mod pictures;

/// The lesson's weights: `w1[i][j]` is W1[i+1, j+1] (0-based in the code,
/// 1-based in the lesson and in the printout).
#[derive(Params, Clone, Debug, PartialEq)]
pub struct Net {
    /// Inputs x1, x2 to the first hidden layer a1, a2.
    pub w1: [[f64; 2]; 2],
    /// First hidden layer a1, a2 to the second, b1, b2.
    pub w2: [[f64; 2]; 2],
    /// Second hidden layer b1, b2 to the output.
    pub w3: [[f64; 1]; 2],
}

/// The weights the example uses.
pub fn example_net() -> Net {
    Net { w1: [[0.15, -0.25], [0.20, 0.30]], w2: [[0.40, 0.45], [-0.50, 0.55]], w3: [[0.60], [-0.35]] }
}

/// The inputs x1, x2 of the example.
pub const X: [f64; 2] = [1.0, -0.5];
/// The target y of the example.
pub const Y: f64 = 1.0;
/// The learning rate of the closing gradient step.
pub const LEARNING_RATE: f64 = 0.5;

/// The activation f(x) = (1 + e^−x)^−1, the sigmoid.
pub fn f(x: f64) -> f64 {
    sigmoid(x)
}

/// f'(x) = e^−x·(1 + e^−x)^−2, as the lesson derives it by the chain rule.
pub fn f_prime(x: f64) -> f64 {
    (-x).exp() * (1.0 + (-x).exp()).powi(-2)
}

/// The forward pass of the network, every intermediate value kept.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Forward {
    /// The inputs of the first hidden layer, a1, a2 (before f).
    pub a: [f64; 2],
    /// The inputs of the second hidden layer, b1, b2 (before f).
    pub b: [f64; 2],
    /// The prediction.
    pub out: f64,
    /// The loss (out − y)².
    pub loss: f64,
    /// ∂loss/∂out = 2(out − y).
    pub d_out: f64,
}

/// Evaluates the network on `x` against the target `y`.
pub fn forward(net: &Net, x: &[f64; 2], y: f64) -> Forward {
    let mut a = [0.0; 2];
    let mut b = [0.0; 2];
    for j in 0..2 {
        a[j] = x[0] * net.w1[0][j] + x[1] * net.w1[1][j];
    }
    for j in 0..2 {
        b[j] = f(a[0]) * net.w2[0][j] + f(a[1]) * net.w2[1][j];
    }
    let out = f(b[0]) * net.w3[0][0] + f(b[1]) * net.w3[1][0];
    Forward { a, b, out, loss: (out - y).powi(2), d_out: 2.0 * (out - y) }
}

/// The loss (out − y)² as `#[grad]` sees it: the forward pass as loops over
/// the weight arrays. Only the weights are differentiated.
#[grad(wrt(net))]
pub fn loss(net: &Net, x: &[f64; 2], y: f64) -> f64 {
    let mut fa = [0.0; 2];
    for j in 0..2 {
        let mut a = 0.0;
        for i in 0..2 {
            a += x[i] * net.w1[i][j];
        }
        fa[j] = sigmoid(a);
    }
    let mut fb = [0.0; 2];
    for j in 0..2 {
        let mut b = 0.0;
        for i in 0..2 {
            b += fa[i] * net.w2[i][j];
        }
        fb[j] = sigmoid(b);
    }
    let mut out = 0.0;
    for i in 0..2 {
        out += fb[i] * net.w3[i][0];
    }
    squared_error(out, y)
}

/// The gradient by `#[grad]`: the generated `loss_grad`.
pub fn by_grad(net: &Net, x: &[f64; 2], y: f64) -> Net {
    let mut d_net = net.zeros_like();
    loss_grad(net, &mut d_net, x, y);
    d_net
}

/// The lesson's explicit formula for each weight, written out: the product
/// of the derivatives along every path from the weight to the output,
/// summed over the paths. Indices in the comments are the lesson's (from 1).
pub fn by_paths(net: &Net, x: &[f64; 2], y: f64) -> Net {
    let Forward { a, b, d_out, .. } = forward(net, x, y);
    let (w2, w3) = (&net.w2, &net.w3);
    let mut g = net.zeros_like();

    // W3[i,1] reaches out directly: one path.
    g.w3[0][0] = f(b[0]) * d_out; // f(b1)·∇out
    g.w3[1][0] = f(b[1]) * d_out; // f(b2)·∇out

    // W2[i,j] feeds b_j, which reaches out through W3[j,1]: one path.
    g.w2[0][0] = f(a[0]) * f_prime(b[0]) * w3[0][0] * d_out; // f(a1)·f'(b1)·W3[1,1]·∇out
    g.w2[0][1] = f(a[0]) * f_prime(b[1]) * w3[1][0] * d_out; // f(a1)·f'(b2)·W3[2,1]·∇out
    g.w2[1][0] = f(a[1]) * f_prime(b[0]) * w3[0][0] * d_out; // f(a2)·f'(b1)·W3[1,1]·∇out
    g.w2[1][1] = f(a[1]) * f_prime(b[1]) * w3[1][0] * d_out; // f(a2)·f'(b2)·W3[2,1]·∇out

    // W1[i,j] feeds a_j, which reaches out through b1 and through b2: two paths.
    // x1·f'(a1)·(W2[1,1]·f'(b1)·W3[1,1]·∇out + W2[1,2]·f'(b2)·W3[2,1]·∇out)
    g.w1[0][0] = x[0]
        * f_prime(a[0])
        * (w2[0][0] * f_prime(b[0]) * w3[0][0] * d_out + w2[0][1] * f_prime(b[1]) * w3[1][0] * d_out);
    // x1·f'(a2)·(W2[2,1]·f'(b1)·W3[1,1]·∇out + W2[2,2]·f'(b2)·W3[2,1]·∇out)
    g.w1[0][1] = x[0]
        * f_prime(a[1])
        * (w2[1][0] * f_prime(b[0]) * w3[0][0] * d_out + w2[1][1] * f_prime(b[1]) * w3[1][0] * d_out);
    // x2·f'(a1)·(W2[1,1]·f'(b1)·W3[1,1]·∇out + W2[1,2]·f'(b2)·W3[2,1]·∇out)
    g.w1[1][0] = x[1]
        * f_prime(a[0])
        * (w2[0][0] * f_prime(b[0]) * w3[0][0] * d_out + w2[0][1] * f_prime(b[1]) * w3[1][0] * d_out);
    // x2·f'(a2)·(W2[2,1]·f'(b1)·W3[1,1]·∇out + W2[2,2]·f'(b2)·W3[2,1]·∇out)
    g.w1[1][1] = x[1]
        * f_prime(a[1])
        * (w2[1][0] * f_prime(b[0]) * w3[0][0] * d_out + w2[1][1] * f_prime(b[1]) * w3[1][0] * d_out);
    g
}

/// Backpropagation by the lesson's recurrence, one layer at a time from the
/// output back: ∇W^l[i,j] = f(a^l_i)·∇a^{l+1}_j (with the inputs x in place
/// of f(a) for W1) and ∇a^l_i = f'(a^l_i)·Σ_j W^l[i,j]·∇a^{l+1}_j.
pub fn by_recurrence(net: &Net, x: &[f64; 2], y: f64) -> Net {
    let Forward { a, b, d_out, .. } = forward(net, x, y);
    let mut g = net.zeros_like();

    // Output layer: ∇W3[i,1] = f(b_i)·∇out.
    for i in 0..2 {
        g.w3[i][0] = f(b[i]) * d_out;
    }
    // ∇b_i = f'(b_i)·W3[i,1]·∇out.
    let mut grad_b = [0.0; 2];
    for i in 0..2 {
        grad_b[i] = f_prime(b[i]) * net.w3[i][0] * d_out;
    }
    // ∇W2[i,j] = f(a_i)·∇b_j.
    for i in 0..2 {
        for j in 0..2 {
            g.w2[i][j] = f(a[i]) * grad_b[j];
        }
    }
    // ∇a_i = f'(a_i)·Σ_j W2[i,j]·∇b_j.
    let mut grad_a = [0.0; 2];
    for i in 0..2 {
        let sum: f64 = (0..2).map(|j| net.w2[i][j] * grad_b[j]).sum();
        grad_a[i] = f_prime(a[i]) * sum;
    }
    // ∇W1[i,j] = x_i·∇a_j.
    for i in 0..2 {
        for j in 0..2 {
            g.w1[i][j] = x[i] * grad_a[j];
        }
    }
    g
}

/// The names of the weights in [`Params`] order (that of `to_flat`), in the
/// lesson's 1-based notation.
pub const NAMES: [&str; 10] =
    ["W1[1,1]", "W1[1,2]", "W1[2,1]", "W1[2,2]", "W2[1,1]", "W2[1,2]", "W2[2,1]", "W2[2,2]", "W3[1,1]", "W3[2,1]"];

/// What [`by_paths`] computes for each weight, in the order of [`NAMES`].
pub const PATH_FORMULAS: [&str; 10] = [
    "x1·f'(a1)·(W2[1,1]·f'(b1)·W3[1,1] + W2[1,2]·f'(b2)·W3[2,1])·∇out",
    "x1·f'(a2)·(W2[2,1]·f'(b1)·W3[1,1] + W2[2,2]·f'(b2)·W3[2,1])·∇out",
    "x2·f'(a1)·(W2[1,1]·f'(b1)·W3[1,1] + W2[1,2]·f'(b2)·W3[2,1])·∇out",
    "x2·f'(a2)·(W2[2,1]·f'(b1)·W3[1,1] + W2[2,2]·f'(b2)·W3[2,1])·∇out",
    "f(a1)·f'(b1)·W3[1,1]·∇out",
    "f(a1)·f'(b2)·W3[2,1]·∇out",
    "f(a2)·f'(b1)·W3[1,1]·∇out",
    "f(a2)·f'(b2)·W3[2,1]·∇out",
    "f(b1)·∇out",
    "f(b2)·∇out",
];

/// The loss written without loops, one statement per neuron and one
/// parameter per weight (`w1_12` is W1[1,2]), for its graph:
/// `#[grad(graph)]` adds `loss_unrolled_graph(..)`, the computational
/// graph at a point. Only the weights are differentiated; x1, x2 and y are
/// constants.
#[grad(graph, wrt(w1_11, w1_12, w1_21, w1_22, w2_11, w2_12, w2_21, w2_22, w3_11, w3_21))]
#[allow(clippy::too_many_arguments)]
pub fn loss_unrolled(
    w1_11: f64,
    w1_12: f64,
    w1_21: f64,
    w1_22: f64,
    w2_11: f64,
    w2_12: f64,
    w2_21: f64,
    w2_22: f64,
    w3_11: f64,
    w3_21: f64,
    x1: f64,
    x2: f64,
    y: f64,
) -> f64 {
    let a1 = x1 * w1_11 + x2 * w1_21;
    let a2 = x1 * w1_12 + x2 * w1_22;
    let fa1 = sigmoid(a1);
    let fa2 = sigmoid(a2);
    let b1 = fa1 * w2_11 + fa2 * w2_21;
    let b2 = fa1 * w2_12 + fa2 * w2_22;
    let fb1 = sigmoid(b1);
    let fb2 = sigmoid(b2);
    let out = fb1 * w3_11 + fb2 * w3_21;
    squared_error(out, y)
}

/// The parameters of [`loss_unrolled`] that stand for the weights, in
/// [`Params`] order (that of [`NAMES`]).
pub const WEIGHTS: [&str; 10] =
    ["w1_11", "w1_12", "w1_21", "w1_22", "w2_11", "w2_12", "w2_21", "w2_22", "w3_11", "w3_21"];

/// The computational graph of the loss at `(net, x, y)`, generated by
/// `#[grad(graph)]`: the weights and inputs on the left, then a1, a2,
/// f(a1), f(a2), b1, b2, f(b1), f(b2), out and the loss, each with its
/// value and its adjoint ∇ = ∂loss/∂node, each edge with its partial.
pub fn network_graph(net: &Net, x: &[f64; 2], y: f64) -> Graph {
    let ([[w1_11, w1_12], [w1_21, w1_22]], [[w2_11, w2_12], [w2_21, w2_22]]) = (net.w1, net.w2);
    let [[w3_11], [w3_21]] = net.w3;
    loss_unrolled_graph(w1_11, w1_12, w1_21, w1_22, w2_11, w2_12, w2_21, w2_22, w3_11, w3_21, x[0], x[1], y)
}

fn main() {
    let net = example_net();
    let run = forward(&net, &X, Y);
    println!("x = ({}, {}), y = {Y}", X[0], X[1]);
    println!("a = ({:.6}, {:.6}), f(a) = ({:.6}, {:.6})", run.a[0], run.a[1], f(run.a[0]), f(run.a[1]));
    println!("b = ({:.6}, {:.6}), f(b) = ({:.6}, {:.6})", run.b[0], run.b[1], f(run.b[0]), f(run.b[1]));
    println!("out = {:.6}, loss (out − y)² = {:.6}, ∇out = 2(out − y) = {:.6}\n", run.out, run.loss, run.d_out);

    println!("the explicit formulas, one product per path from the weight to out:");
    for (name, formula) in NAMES.iter().zip(PATH_FORMULAS) {
        println!("  ∂loss/∂{name:<8} = {formula}");
    }
    println!();

    let paths = by_paths(&net, &X, Y).to_flat();
    let recurrence = by_recurrence(&net, &X, Y).to_flat();
    let generated = by_grad(&net, &X, Y).to_flat();
    println!(
        "{:<9} {:>20} {:>20} {:>20} {:>10} {:>10}",
        "weight", "paths", "recurrence", "#[grad]", "|p − r|", "|p − g|"
    );
    for (k, name) in NAMES.iter().enumerate() {
        println!(
            "{name:<9} {:>20.15} {:>20.15} {:>20.15} {:>10.1e} {:>10.1e}",
            paths[k],
            recurrence[k],
            generated[k],
            (paths[k] - recurrence[k]).abs(),
            (paths[k] - generated[k]).abs()
        );
    }

    let mut stepped = net.clone();
    stepped.add_scaled(&by_grad(&net, &X, Y), -LEARNING_RATE);
    println!(
        "\none step w ← w − α∇w with α = {LEARNING_RATE}: loss {:.6} → {:.6}",
        loss(&net, &X, Y),
        loss(&stepped, &X, Y)
    );

    println!();
    let picture = network_graph(&net, &X, Y).to_svg();
    pictures::write_picture("seed_network.svg", "The network's graph with the gradient of each weight", &picture);
}
