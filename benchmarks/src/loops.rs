//! The loop and array benchmarks: functions over slices and model structs,
//! each as a `#[grad]` function next to the adjoint an expert would write by
//! hand for it.
//!
//! The functions are written as a Rust user writes them: iterator chains
//! where they are natural (`x.iter().zip(y).map(..).sum()`), index loops
//! where the formula is indexed, the weights of a network in a
//! `#[derive(Params)]` struct. The hand-written adjoints run a forward pass
//! that keeps what the reverse pass needs (on the stack: nothing here needs
//! a heap buffer), then the reverse pass, accumulating into the same
//! shadows with the same signature as the generated `NAME_grad`, so the two
//! are called, and timed, the same way. The tests at the bottom check that
//! each hand-written gradient equals the generated one to 1e-10 (relative)
//! and both agree with central differences.

// A `#[grad]` function writes its buffers by index (`iter_mut` is outside
// what the macro differentiates), and the lesson's formulas are indexed.
#![allow(clippy::needless_range_loop)]

use autodiff::prelude::*;

/// The length of the vectors of [`dot`] and [`rosenbrock`].
pub const N: usize = 10_000;

// ---------------------------------------------------------------------------
// Dot product.
// ---------------------------------------------------------------------------

/// `x · y`, as an iterator chain.
#[grad(forward, reverse)]
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

/// Hand-written gradient of [`dot`]: adds `y` into `d_x` and `x` into `d_y`,
/// returns `x · y`.
pub fn dot_hand(x: &[f64], d_x: &mut [f64], y: &[f64], d_y: &mut [f64]) -> f64 {
    assert!(d_x.len() == x.len() && d_y.len() == y.len(), "dot_hand: shadow lengths");
    // forward
    let value = x.iter().zip(y).map(|(a, b)| a * b).sum();
    // reverse: x̄ᵢ += yᵢ, ȳᵢ += xᵢ (over the common length, as `zip` reads)
    for ((dx, dy), (a, b)) in d_x.iter_mut().zip(d_y.iter_mut()).zip(x.iter().zip(y)) {
        *dx += b;
        *dy += a;
    }
    value
}

// ---------------------------------------------------------------------------
// Rosenbrock.
// ---------------------------------------------------------------------------

/// The Rosenbrock function `Σᵢ 100 (xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²`, as the
/// formula is indexed.
#[grad(forward, reverse, hessian)]
pub fn rosenbrock(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() - 1 {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        s += 100.0 * a * a + b * b;
    }
    s
}

/// Hand-written gradient of [`rosenbrock`]: the forward pass sums the
/// terms; the reverse pass recomputes each term's `a = xᵢ₊₁ − xᵢ²` and
/// `b = 1 − xᵢ` (cheaper than keeping 2·10⁴ of them) and adds
/// `∂/∂xᵢ = −400 a xᵢ − 2b`, `∂/∂xᵢ₊₁ = 200 a` into `d_x`.
pub fn rosenbrock_hand(x: &[f64], d_x: &mut [f64]) -> f64 {
    assert_eq!(d_x.len(), x.len(), "rosenbrock_hand: shadow length");
    // forward
    let mut s = 0.0;
    for w in x.windows(2) {
        let a = w[1] - w[0] * w[0];
        let b = 1.0 - w[0];
        s += 100.0 * a * a + b * b;
    }
    // reverse
    for i in 0..x.len().saturating_sub(1) {
        let (u, v) = (x[i], x[i + 1]);
        let a = v - u * u;
        let b = 1.0 - u;
        d_x[i] += -400.0 * a * u - 2.0 * b;
        d_x[i + 1] += 200.0 * a;
    }
    s
}

// ---------------------------------------------------------------------------
// A 784-128-10 multilayer perceptron: tanh hidden units, softmax
// cross-entropy, for one sample and for a batch.
// ---------------------------------------------------------------------------

/// Inputs of the MLP (a 28×28 image).
pub const INPUTS: usize = 784;
/// Hidden units of the MLP.
pub const HIDDEN: usize = 128;
/// Classes of the MLP.
pub const CLASSES: usize = 10;
/// Samples in the batch of [`mlp_batch`].
pub const BATCH: usize = 32;

/// The MLP's parameters: `h = tanh(W1·x + b1)`, `logits = W2·h + b2`. Rows
/// of the weight matrices are arrays, one per unit of the layer they feed.
#[derive(Params, Clone, Debug, PartialEq)]
pub struct Mlp {
    /// `HIDDEN` rows of `INPUTS` weights.
    pub w1: Vec<[f64; INPUTS]>,
    /// `HIDDEN` biases.
    pub b1: Vec<f64>,
    /// `CLASSES` rows of `HIDDEN` weights.
    pub w2: Vec<[f64; HIDDEN]>,
    /// `CLASSES` biases.
    pub b2: Vec<f64>,
}

/// The softmax cross-entropy of the MLP on one sample `x` of class `y`.
/// Only the model is differentiated.
#[grad(wrt(m), forward, reverse)]
pub fn mlp(m: &Mlp, x: &[f64; INPUTS], y: usize) -> f64 {
    let mut h = [0.0; HIDDEN];
    for i in 0..HIDDEN {
        let z = m.b1[i] + m.w1[i].iter().zip(x).map(|(w, v)| w * v).sum::<f64>();
        h[i] = z.tanh();
    }
    let mut logits = [0.0; CLASSES];
    for k in 0..CLASSES {
        logits[k] = m.b2[k] + m.w2[k].iter().zip(&h).map(|(w, v)| w * v).sum::<f64>();
    }
    softmax_cross_entropy(&logits, y)
}

/// The sum of the per-sample losses of [`mlp`] over a batch: `x` holds the
/// samples, `y` their classes.
#[grad(wrt(m), forward, reverse)]
pub fn mlp_batch(m: &Mlp, x: &[[f64; INPUTS]], y: &[usize]) -> f64 {
    let mut total = 0.0;
    for s in 0..y.len() {
        let mut h = [0.0; HIDDEN];
        for i in 0..HIDDEN {
            let z = m.b1[i] + m.w1[i].iter().zip(&x[s]).map(|(w, v)| w * v).sum::<f64>();
            h[i] = z.tanh();
        }
        let mut logits = [0.0; CLASSES];
        for k in 0..CLASSES {
            logits[k] = m.b2[k] + m.w2[k].iter().zip(&h).map(|(w, v)| w * v).sum::<f64>();
        }
        total += softmax_cross_entropy(&logits, y[s]);
    }
    total
}

/// Backpropagation through the MLP for one sample, by hand: the forward
/// pass keeps `h` and the logits (on the stack), the reverse pass adds
/// `weight · ∂loss/∂logits` and `∂loss/∂(W2·h)` into `d_m`. Returns the loss.
fn mlp_sample_hand(m: &Mlp, d_m: &mut Mlp, x: &[f64; INPUTS], y: usize) -> f64 {
    // forward
    let mut h = [0.0; HIDDEN];
    for ((h, w), b) in h.iter_mut().zip(&m.w1).zip(&m.b1) {
        *h = (b + w.iter().zip(x).map(|(w, v)| w * v).sum::<f64>()).tanh();
    }
    let mut logits = [0.0; CLASSES];
    for ((l, w), b) in logits.iter_mut().zip(&m.w2).zip(&m.b2) {
        *l = b + w.iter().zip(&h).map(|(w, v)| w * v).sum::<f64>();
    }
    // the loss, −log softmax(logits)[y], with the log-sum-exp made stable
    let max = logits.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    let lse = max + logits.iter().map(|l| (l - max).exp()).sum::<f64>().ln();
    let loss = lse - logits[y];

    // reverse: ∂loss/∂logits = softmax(logits) − onehot(y)
    let mut d_logits = [0.0; CLASSES];
    for (d, l) in d_logits.iter_mut().zip(&logits) {
        *d = (l - lse).exp();
    }
    d_logits[y] -= 1.0;
    // output layer: b̄2 += ḡ, W̄2[k] += ḡₖ·h, h̄ = Σₖ ḡₖ·W2[k]
    let mut d_h = [0.0; HIDDEN];
    for (((g, w), dw), db) in d_logits.iter().zip(&m.w2).zip(&mut d_m.w2).zip(&mut d_m.b2) {
        *db += g;
        for (((dw, w), dh), h) in dw.iter_mut().zip(w).zip(&mut d_h).zip(&h) {
            *dw += g * h;
            *dh += g * w;
        }
    }
    // hidden layer: z̄ = h̄·(1 − h²), b̄1 += z̄, W̄1[i] += z̄ᵢ·x
    for (((dh, h), dw), db) in d_h.iter().zip(&h).zip(&mut d_m.w1).zip(&mut d_m.b1) {
        let dz = dh * (1.0 - h * h);
        *db += dz;
        for (dw, v) in dw.iter_mut().zip(x) {
            *dw += dz * v;
        }
    }
    loss
}

/// Hand-written gradient of [`mlp`]: adds `∂loss/∂m` into `d_m`, returns
/// the loss.
pub fn mlp_hand(m: &Mlp, d_m: &mut Mlp, x: &[f64; INPUTS], y: usize) -> f64 {
    assert_shapes(m, d_m);
    mlp_sample_hand(m, d_m, x, y)
}

/// Hand-written gradient of [`mlp_batch`]: the loss is a sum over samples,
/// so its gradient is the sum of theirs; each sample runs forward and back
/// in turn with its intermediates on the stack, adding into `d_m`.
pub fn mlp_batch_hand(m: &Mlp, d_m: &mut Mlp, x: &[[f64; INPUTS]], y: &[usize]) -> f64 {
    assert_shapes(m, d_m);
    x.iter().zip(y).map(|(x, &y)| mlp_sample_hand(m, d_m, x, y)).sum()
}

fn assert_shapes(m: &Mlp, d_m: &Mlp) {
    assert!(
        m.w1.len() == HIDDEN
            && m.b1.len() == HIDDEN
            && m.w2.len() == CLASSES
            && m.b2.len() == CLASSES
            && d_m.w1.len() == HIDDEN
            && d_m.b1.len() == HIDDEN
            && d_m.w2.len() == CLASSES
            && d_m.b2.len() == CLASSES,
        "the MLP and its gradient must be {INPUTS}-{HIDDEN}-{CLASSES}"
    );
}

// ---------------------------------------------------------------------------
// The lesson's network (§3.2): x1, x2 → a1, a2 (W1) → b1, b2 (W2) → out
// (W3), sigmoid activations, squared error.
// ---------------------------------------------------------------------------

/// The lesson's weights: `w1[i][j]` joins input `i` to hidden unit `a_j`,
/// `w2[i][j]` joins `a_i` to `b_j`, `w3[i][0]` joins `b_i` to the output.
#[derive(Params, Clone, Debug, PartialEq)]
pub struct SeedNet {
    /// Inputs x1, x2 to the first hidden layer a1, a2.
    pub w1: [[f64; 2]; 2],
    /// First hidden layer a1, a2 to the second, b1, b2.
    pub w2: [[f64; 2]; 2],
    /// Second hidden layer b1, b2 to the output.
    pub w3: [[f64; 1]; 2],
}

/// The squared error `(out − y)²` of the lesson's network on input `x`:
/// `a_j = Σᵢ xᵢ W1[i,j]`, `b_j = Σᵢ f(aᵢ) W2[i,j]`, `out = Σᵢ f(bᵢ) W3[i,1]`
/// with `f` the sigmoid. Only the weights are differentiated.
#[grad(wrt(net), forward, reverse, hessian)]
pub fn seed_net(net: &SeedNet, x: &[f64; 2], y: f64) -> f64 {
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

/// Hand-written gradient of [`seed_net`], the lesson's layer-by-layer
/// recurrence: keep `f(a)` and `f(b)`, then `∇out = 2(out − y)`,
/// `∇W^l[i,j] = f(a^l_i)·∇a^{l+1}_j`, `∇a^l_i = f'(a^l_i)·Σ_j W^l[i,j]·∇a^{l+1}_j`
/// with `f' = f(1 − f)`. Adds into `d_net`, returns the loss.
pub fn seed_net_hand(net: &SeedNet, d_net: &mut SeedNet, x: &[f64; 2], y: f64) -> f64 {
    let (w1, w2, w3) = (&net.w1, &net.w2, &net.w3);
    // forward
    let fa = [sigmoid(x[0] * w1[0][0] + x[1] * w1[1][0]), sigmoid(x[0] * w1[0][1] + x[1] * w1[1][1])];
    let fb = [sigmoid(fa[0] * w2[0][0] + fa[1] * w2[1][0]), sigmoid(fa[0] * w2[0][1] + fa[1] * w2[1][1])];
    let out = fb[0] * w3[0][0] + fb[1] * w3[1][0];
    let e = out - y;
    let loss = e * e;
    // reverse
    let d_out = 2.0 * e;
    d_net.w3[0][0] += fb[0] * d_out;
    d_net.w3[1][0] += fb[1] * d_out;
    let d_b = [fb[0] * (1.0 - fb[0]) * w3[0][0] * d_out, fb[1] * (1.0 - fb[1]) * w3[1][0] * d_out];
    for i in 0..2 {
        for j in 0..2 {
            d_net.w2[i][j] += fa[i] * d_b[j];
        }
    }
    let d_a = [
        fa[0] * (1.0 - fa[0]) * (w2[0][0] * d_b[0] + w2[0][1] * d_b[1]),
        fa[1] * (1.0 - fa[1]) * (w2[1][0] * d_b[0] + w2[1][1] * d_b[1]),
    ];
    for i in 0..2 {
        for j in 0..2 {
            d_net.w1[i][j] += x[i] * d_a[j];
        }
    }
    loss
}

// ---------------------------------------------------------------------------
// Inputs.
// ---------------------------------------------------------------------------

/// SplitMix64: a tiny deterministic generator for the inputs.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// A uniform number in `[0, 1)`.
    pub fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A uniform number in `[-1, 1)`.
    pub fn next_symmetric(&mut self) -> f64 {
        2.0 * self.next_unit() - 1.0
    }
}

/// `n` numbers uniform in `[lo, hi)`, fixed by `seed`.
pub fn uniform(n: usize, lo: f64, hi: f64, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64(seed);
    (0..n).map(|_| lo + (hi - lo) * rng.next_unit()).collect()
}

impl Mlp {
    /// Random weights of Glorot's scale, uniform in ±√(6 / (fan_in + fan_out)),
    /// and small random biases, fixed by `seed`.
    pub fn new(seed: u64) -> Mlp {
        let mut rng = SplitMix64(seed);
        let limit1 = (6.0 / (INPUTS + HIDDEN) as f64).sqrt();
        let limit2 = (6.0 / (HIDDEN + CLASSES) as f64).sqrt();
        let w1 = (0..HIDDEN).map(|_| std::array::from_fn(|_| limit1 * rng.next_symmetric())).collect();
        let b1 = (0..HIDDEN).map(|_| 0.1 * rng.next_symmetric()).collect();
        let w2 = (0..CLASSES).map(|_| std::array::from_fn(|_| limit2 * rng.next_symmetric())).collect();
        let b2 = (0..CLASSES).map(|_| 0.1 * rng.next_symmetric()).collect();
        Mlp { w1, b1, w2, b2 }
    }
}

/// `n` samples of the MLP's input, pixels uniform in `[0, 1)`, and their
/// classes, fixed by `seed`.
pub fn samples(n: usize, seed: u64) -> (Vec<[f64; INPUTS]>, Vec<usize>) {
    let mut rng = SplitMix64(seed);
    let x = (0..n).map(|_| std::array::from_fn(|_| rng.next_unit())).collect();
    let y = (0..n).map(|s| (s * 7 + 3) % CLASSES).collect();
    (x, y)
}

/// The weights of the lesson's network that the example `seed_network` uses.
pub fn seed_net_weights() -> SeedNet {
    SeedNet { w1: [[0.15, -0.25], [0.20, 0.30]], w2: [[0.40, 0.45], [-0.50, 0.55]], w3: [[0.60], [-0.35]] }
}

/// The input and target of the lesson's network.
pub const SEED_NET_INPUT: ([f64; 2], f64) = ([1.0, -0.5], 1.0);

#[cfg(test)]
mod tests {
    use super::*;

    /// `a` and `b` agree to `1e-10` relative to the larger of the two.
    fn assert_close(what: &str, generated: &[f64], hand: &[f64]) {
        assert_eq!(generated.len(), hand.len());
        for (i, (&g, &h)) in generated.iter().zip(hand).enumerate() {
            let scale = g.abs().max(h.abs());
            assert!((g - h).abs() <= 1e-10 * scale, "{what}[{i}]: generated {g}, hand-written {h}");
        }
    }

    /// Central differences of `f` at the coordinates `which` of `w`.
    fn numeric_at(f: impl Fn(&[f64]) -> f64, w: &[f64], which: &[usize]) -> Vec<f64> {
        which
            .iter()
            .map(|&i| {
                let h = 1e-6 * w[i].abs().max(1.0);
                let (mut up, mut down) = (w.to_vec(), w.to_vec());
                up[i] += h;
                down[i] -= h;
                (f(&up) - f(&down)) / (2.0 * h)
            })
            .collect()
    }

    fn assert_near(what: &str, analytic: &[f64], numeric: &[f64]) {
        for (i, (&a, &n)) in analytic.iter().zip(numeric).enumerate() {
            assert!((a - n).abs() <= 1e-5 * a.abs().max(1.0), "{what}[{i}]: analytic {a}, numeric {n}");
        }
    }

    /// Some coordinates of a vector of `len`: the ends and a spread between.
    fn spread(len: usize) -> Vec<usize> {
        let mut v: Vec<usize> = (0..len).step_by(len.div_ceil(40).max(1)).collect();
        v.extend([1, len - 2, len - 1]);
        v
    }

    #[test]
    fn dot_hand_matches_generated() {
        for n in [0, 1, 7, N] {
            let (x, y) = (uniform(n, -1.0, 1.0, 1), uniform(n, -1.0, 1.0, 2));
            // shadows that already hold something: both must add to it
            let (mut gx, mut gy) = (uniform(n, -1.0, 1.0, 3), uniform(n, -1.0, 1.0, 4));
            let (mut hx, mut hy) = (gx.clone(), gy.clone());
            let g = dot_grad(&x, &mut gx, &y, &mut gy);
            let h = dot_hand(&x, &mut hx, &y, &mut hy);
            assert_close("dot", &[g], &[h]);
            assert_close("dot d_x", &gx, &hx);
            assert_close("dot d_y", &gy, &hy);
            assert_eq!(g, dot(&x, &y));
        }
    }

    #[test]
    fn rosenbrock_hand_matches_generated() {
        for n in [2, 3, 10, N] {
            let x = uniform(n, -1.5, 2.0, 5);
            let mut g = vec![0.0; n];
            let mut h = vec![0.0; n];
            let gv = rosenbrock_grad(&x, &mut g);
            let hv = rosenbrock_hand(&x, &mut h);
            assert_close("rosenbrock", &[gv], &[hv]);
            assert_close("rosenbrock d_x", &g, &h);
            assert_eq!(gv, rosenbrock(&x));
            if n > 10 {
                // the sum of 10⁴ terms is ~10⁵: central differences of it
                // lose too many digits to cancellation to check against
                continue;
            }
            let which = spread(n);
            let num = numeric_at(rosenbrock, &x, &which);
            let picked: Vec<f64> = which.iter().map(|&i| h[i]).collect();
            assert_near("rosenbrock", &picked, &num);
        }
        // the minimum: value and gradient zero
        let ones = vec![1.0; 5];
        let mut h = vec![0.0; 5];
        assert_eq!(rosenbrock_hand(&ones, &mut h), 0.0);
        assert!(h.iter().all(|&d| d == 0.0));
    }

    #[test]
    fn mlp_hand_matches_generated() {
        let m = Mlp::new(7);
        let (x, y) = samples(3, 8);
        for s in 0..3 {
            // gradients that already hold something: both must add to them
            let mut g = Mlp::new(100 + s as u64);
            let mut h = g.clone();
            let gv = mlp_grad(&m, &mut g, &x[s], y[s]);
            let hv = mlp_hand(&m, &mut h, &x[s], y[s]);
            assert_close("mlp", &[gv], &[hv]);
            assert_close("mlp d_m", &g.to_flat(), &h.to_flat());
            assert_eq!(gv, mlp(&m, &x[s], y[s]));
        }
        // against central differences, at a few weights of each field
        let mut d = m.zeros_like();
        mlp_hand(&m, &mut d, &x[0], y[0]);
        let flat = m.to_flat();
        let which = spread(flat.len());
        let num = numeric_at(
            |p| {
                let mut m2 = m.clone();
                m2.copy_from_flat(p);
                mlp(&m2, &x[0], y[0])
            },
            &flat,
            &which,
        );
        let d = d.to_flat();
        let picked: Vec<f64> = which.iter().map(|&i| d[i]).collect();
        assert_near("mlp", &picked, &num);
    }

    #[test]
    fn mlp_batch_hand_matches_generated() {
        let m = Mlp::new(9);
        let (x, y) = samples(BATCH, 10);
        let mut g = Mlp::new(11);
        let mut h = g.clone();
        let gv = mlp_batch_grad(&m, &mut g, &x, &y);
        let hv = mlp_batch_hand(&m, &mut h, &x, &y);
        assert_close("mlp_batch", &[gv], &[hv]);
        assert_close("mlp_batch d_m", &g.to_flat(), &h.to_flat());
        assert_eq!(gv, mlp_batch(&m, &x, &y));
        // the batch is the sum of its samples
        let mut sum = m.zeros_like();
        let mut total = 0.0;
        for s in 0..BATCH {
            total += mlp_hand(&m, &mut sum, &x[s], y[s]);
        }
        let mut batch = m.zeros_like();
        assert_close("mlp_batch sum", &[mlp_batch_hand(&m, &mut batch, &x, &y)], &[total]);
        assert_close("mlp_batch sum d_m", &batch.to_flat(), &sum.to_flat());
    }

    #[test]
    fn seed_net_hand_matches_generated() {
        let (x, y) = SEED_NET_INPUT;
        let mut net = seed_net_weights();
        for round in 0..3 {
            let mut g = net.zeros_like();
            let mut h = net.zeros_like();
            let gv = seed_net_grad(&net, &mut g, &x, y);
            let hv = seed_net_hand(&net, &mut h, &x, y);
            assert_close("seed_net", &[gv], &[hv]);
            assert_close("seed_net d_net", &g.to_flat(), &h.to_flat());
            assert_eq!(gv, seed_net(&net, &x, y));
            let flat = net.to_flat();
            let all: Vec<usize> = (0..flat.len()).collect();
            let num = numeric_at(
                |p| {
                    let mut n2 = net.clone();
                    n2.copy_from_flat(p);
                    seed_net(&n2, &x, y)
                },
                &flat,
                &all,
            );
            assert_near("seed_net", &h.to_flat(), &num);
            // another point: every weight moved differently
            let moved: Vec<f64> =
                flat.iter().enumerate().map(|(i, w)| -0.9 * w + 0.1 * (i as f64 - 4.0) + 0.2 * round as f64).collect();
            net.copy_from_flat(&moved);
        }
    }
}
