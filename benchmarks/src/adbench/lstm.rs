//! ADBench's LSTM objective, written from the math (see
//! `shared/adbench/README.md`, objective 3), and its hand-written adjoint.
//!
//! The LSTM cell is ADBench's `lstm_model`, a `#[grad]` function
//! ([`lstm_cell`]) that updates one layer's state in place. It takes the
//! hidden and the cell state as one buffer, not two: ADBench passes two
//! pointers into one array, which Rust lends as two `&mut` ranges of one
//! slice only through `split_at_mut`, and `#[grad]` refuses a call that
//! writes two ranges of one buffer. ADBench's `lstm_predict`, which writes
//! the state and the prediction, is [`lstm_predict`].

use autodiff::grad;

use super::data::LstmInput;

/// The logistic function `1 / (1 + e⁻ˣ)`.
#[grad]
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// ADBench's `logsumexp`: `ln(Σⱼ exp(vⱼ) + 2)`, the `+ 2` and the missing
/// max-shift included (they are in the reference values).
#[grad]
pub fn lstm_log_sum_exp(v: &[f64]) -> f64 {
    let mut sum = 0.0;
    for i in 0..v.len() {
        sum += v[i].exp();
    }
    (sum + 2.0).ln()
}

/// One step of one layer: `state` holds its hidden state (`b` values)
/// then its cell state (`b`), both updated in place from `input`, with the
/// layer's diagonal `weight`s and `bias`es for the forget, input and output
/// gates and the candidate (`b` each, in that order).
#[grad]
pub fn lstm_cell(weight: &[f64], bias: &[f64], input: &[f64], state: &mut [f64]) {
    let b = input.len();
    for i in 0..b {
        let forget = sigmoid(input[i] * weight[i] + bias[i]);
        let ingate = sigmoid(state[i] * weight[b + i] + bias[b + i]);
        let outgate = sigmoid(input[i] * weight[2 * b + i] + bias[2 * b + i]);
        let change = (state[i] * weight[3 * b + i] + bias[3 * b + i]).tanh();
        state[b + i] = state[b + i] * forget + ingate * change;
        state[i] = outgate * state[b + i].tanh();
    }
}

/// One step of the `l`-layer LSTM: the character `x` (`b` bits) scaled by
/// the input weights, through every layer (updating its part of `state`,
/// hidden then cell, `2b` values per layer), then the last hidden state
/// through the output weights and biases into `ypred`. As in ADBench,
/// `ypred` holds each layer's input on the way (no other buffer).
#[grad(wrt(main_params, extra_params))]
pub fn lstm_predict(
    l: usize,
    b: usize,
    main_params: &[f64],
    extra_params: &[f64],
    state: &mut [f64],
    x: &[f64],
    ypred: &mut [f64],
) {
    for i in 0..b {
        ypred[i] = x[i] * extra_params[i];
    }
    for layer in 0..l {
        let weight = layer * 8 * b;
        let bias = weight + 4 * b;
        let hidden = layer * 2 * b;
        lstm_cell(
            &main_params[weight..bias],
            &main_params[bias..bias + 4 * b],
            &ypred[..],
            &mut state[hidden..hidden + 2 * b],
        );
        // the next layer's input
        for i in 0..b {
            ypred[i] = state[hidden + i];
        }
    }
    for i in 0..b {
        ypred[i] = ypred[i] * extra_params[b + i] + extra_params[2 * b + i];
    }
}

/// The loss of an `l`-layer diagonal LSTM predicting each of the `c`
/// characters (`b` bits each) of `sequence` from the one before.
#[grad(wrt(main_params, extra_params))]
pub fn lstm_objective(
    l: usize,
    c: usize,
    b: usize,
    main_params: &[f64],
    extra_params: &[f64],
    state: &[f64],
    sequence: &[f64],
) -> f64 {
    // per layer: hidden (b), then cell (b); a copy, the caller's is not changed
    let mut st = state.to_vec();
    let mut ypred = vec![0.0; b];
    let mut total = 0.0;
    for t in 0..c - 1 {
        lstm_predict(l, b, main_params, extra_params, &mut st, &sequence[t * b..(t + 1) * b], &mut ypred);
        let lse = lstm_log_sum_exp(&ypred);
        for i in 0..b {
            total += sequence[(t + 1) * b + i] * (ypred[i] - lse);
        }
    }
    -total / ((c - 1) * b) as f64
}

/// [`lstm_objective`] of a parsed input.
pub fn lstm_of(input: &LstmInput) -> f64 {
    let s = input;
    lstm_objective(s.l, s.c, s.b, &s.main_params, &s.extra_params, &s.state, &s.sequence)
}

/// The generated gradient of a parsed input, added into `d_main` and
/// `d_extra`.
pub fn lstm_generated(input: &LstmInput, d_main: &mut [f64], d_extra: &mut [f64]) -> f64 {
    let s = input;
    lstm_objective_grad(s.l, s.c, s.b, &s.main_params, d_main, &s.extra_params, d_extra, &s.state, &s.sequence)
}

/// What the forward pass keeps of one layer at one step, `b` values each:
/// the layer's input, its state before the step, its gates and
/// `tanh` of its new cell.
#[derive(Clone, Copy, Default)]
struct Saved {
    input: f64,
    hidden: f64,
    cell: f64,
    forget: f64,
    ingate: f64,
    outgate: f64,
    change: f64,
    tanh_cell: f64,
}

/// Hand-written gradient of [`lstm_objective`], added into `d_main` and
/// `d_extra`; returns the loss.
///
/// The forward pass keeps, per step and layer and bit, the layer's input,
/// its state before the step, the four gates and `tanh` of the new cell
/// ([`Saved`], 8 values), and per step the prediction `y`. The reverse pass
/// walks the steps backwards carrying the adjoints of every layer's hidden
/// and cell state.
pub fn lstm_hand(input: &LstmInput, d_main: &mut [f64], d_extra: &mut [f64]) -> f64 {
    let LstmInput { l, c, b, ref main_params, ref extra_params, ref state, ref sequence } = *input;
    let steps = c - 1;
    let mut st = state.clone();
    let mut saved = vec![Saved::default(); steps * l * b];
    let mut ypred = vec![0.0; steps * b];
    let mut total = 0.0;
    let mut layer_input = vec![0.0; b];
    // forward
    for t in 0..steps {
        for i in 0..b {
            layer_input[i] = sequence[t * b + i] * extra_params[i];
        }
        for layer in 0..l {
            let (w, bias) = (&main_params[layer * 8 * b..], &main_params[(layer * 8 + 4) * b..]);
            let (hidden, cell) = st[layer * 2 * b..(layer + 1) * 2 * b].split_at_mut(b);
            let saved = &mut saved[(t * l + layer) * b..(t * l + layer + 1) * b];
            for i in 0..b {
                let z = layer_input[i];
                let forget = sigmoid_plain(z * w[i] + bias[i]);
                let ingate = sigmoid_plain(hidden[i] * w[b + i] + bias[b + i]);
                let outgate = sigmoid_plain(z * w[2 * b + i] + bias[2 * b + i]);
                let change = (hidden[i] * w[3 * b + i] + bias[3 * b + i]).tanh();
                let new_cell = cell[i] * forget + ingate * change;
                let tanh_cell = new_cell.tanh();
                saved[i] =
                    Saved { input: z, hidden: hidden[i], cell: cell[i], forget, ingate, outgate, change, tanh_cell };
                cell[i] = new_cell;
                hidden[i] = outgate * tanh_cell;
                layer_input[i] = hidden[i];
            }
        }
        let y = &mut ypred[t * b..(t + 1) * b];
        for i in 0..b {
            y[i] = layer_input[i] * extra_params[b + i] + extra_params[2 * b + i];
        }
        let lse = (y.iter().map(|v| v.exp()).sum::<f64>() + 2.0).ln();
        total += sequence[(t + 1) * b..(t + 2) * b].iter().zip(y.iter()).map(|(g, y)| g * (y - lse)).sum::<f64>();
    }
    let loss = -total / (steps * b) as f64;

    // reverse: the adjoints of every layer's hidden and cell state
    let d_total = -1.0 / (steps * b) as f64;
    let mut d_hidden = vec![0.0; l * b];
    let mut d_cell = vec![0.0; l * b];
    let (d_in_weight, rest) = d_extra.split_at_mut(b);
    let (d_out_weight, d_out_bias) = rest.split_at_mut(b);
    for t in (0..steps).rev() {
        // total += Σ gold·(y − lse): ∂y = d_total·(gold − Σgold·exp(y)/(Σexp(y) + 2))
        let y = &ypred[t * b..(t + 1) * b];
        let gold = &sequence[(t + 1) * b..(t + 2) * b];
        let sum_exp = y.iter().map(|v| v.exp()).sum::<f64>() + 2.0;
        let sum_gold: f64 = gold.iter().sum();
        let last = (l - 1) * b;
        for i in 0..b {
            let d_y = d_total * (gold[i] - sum_gold * y[i].exp() / sum_exp);
            // y = h·v + β, h the last layer's new hidden state
            let h = saved[(t * l + l - 1) * b + i].outgate * saved[(t * l + l - 1) * b + i].tanh_cell;
            d_out_weight[i] += d_y * h;
            d_out_bias[i] += d_y;
            d_hidden[last + i] += d_y * extra_params[b + i];
        }
        for layer in (0..l).rev() {
            let (w, d_w) = (&main_params[layer * 8 * b..], layer * 8 * b);
            let d_bias = d_w + 4 * b;
            for i in 0..b {
                let s = saved[(t * l + layer) * b + i];
                let dh = d_hidden[layer * b + i];
                // h = o·tanh(c), c = c_prev·f + i·g
                let d_outgate = dh * s.tanh_cell;
                let dc = d_cell[layer * b + i] + dh * s.outgate * (1.0 - s.tanh_cell * s.tanh_cell);
                let d_forget = dc * s.cell;
                let d_ingate = dc * s.change;
                let d_change = dc * s.ingate;
                // through the sigmoids and the tanh, to their arguments
                let a_forget = d_forget * s.forget * (1.0 - s.forget);
                let a_ingate = d_ingate * s.ingate * (1.0 - s.ingate);
                let a_outgate = d_outgate * s.outgate * (1.0 - s.outgate);
                let a_change = d_change * (1.0 - s.change * s.change);
                d_main[d_w + i] += a_forget * s.input;
                d_main[d_w + b + i] += a_ingate * s.hidden;
                d_main[d_w + 2 * b + i] += a_outgate * s.input;
                d_main[d_w + 3 * b + i] += a_change * s.hidden;
                d_main[d_bias + i] += a_forget;
                d_main[d_bias + b + i] += a_ingate;
                d_main[d_bias + 2 * b + i] += a_outgate;
                d_main[d_bias + 3 * b + i] += a_change;
                // the state before the step, and the layer's input
                d_hidden[layer * b + i] = a_ingate * w[b + i] + a_change * w[3 * b + i];
                d_cell[layer * b + i] = dc * s.forget;
                let d_input = a_forget * w[i] + a_outgate * w[2 * b + i];
                if layer > 0 {
                    d_hidden[(layer - 1) * b + i] += d_input;
                } else {
                    d_in_weight[i] += d_input * sequence[t * b + i];
                }
            }
        }
    }
    loss
}

/// The logistic function, for the hand-written gradient.
fn sigmoid_plain(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::super::data::{expected, expected_floats};
    use super::super::test_support::{assert_close, assert_near_numeric};
    use super::*;

    /// The first `c` characters of the shipped `l2_c1024` input.
    fn truncated(c: usize) -> LstmInput {
        let mut input = LstmInput::load("lstm/lstm_l2_c1024.txt");
        input.c = c;
        input.sequence.truncate(c * input.b);
        input
    }

    /// A 3-layer problem from the 2-layer file: the third layer repeats
    /// the second's parameters and state, scaled.
    fn three_layers(c: usize) -> LstmInput {
        let mut input = truncated(c);
        let b = input.b;
        let layer: Vec<f64> = input.main_params[8 * b..].iter().map(|v| 0.9 * v).collect();
        input.main_params.extend(layer);
        let state: Vec<f64> = input.state[2 * b..].iter().map(|v| 1.1 * v).collect();
        input.state.extend(state);
        input.l = 3;
        input
    }

    fn generated(input: &LstmInput) -> (f64, Vec<f64>) {
        let (mut d_main, mut d_extra) = (vec![0.0; input.main_params.len()], vec![0.0; input.extra_params.len()]);
        let value = lstm_generated(input, &mut d_main, &mut d_extra);
        (value, [d_main, d_extra].concat())
    }

    fn hand(input: &LstmInput) -> (f64, Vec<f64>) {
        let (mut d_main, mut d_extra) = (vec![0.0; input.main_params.len()], vec![0.0; input.extra_params.len()]);
        let value = lstm_hand(input, &mut d_main, &mut d_extra);
        (value, [d_main, d_extra].concat())
    }

    #[test]
    fn lstm_matches_adbench_reference() {
        let input = LstmInput::load("lstm/lstm_l2_c1024.txt");
        let reference = expected("lstm_l2_c1024.expected.json");
        // given to 8 significant digits
        let objective = reference["objective"].as_f64().expect("objective");
        let gradient = expected_floats(&reference, "gradient");
        assert!((lstm_of(&input) - objective).abs() <= 5e-9, "objective {}", lstm_of(&input));
        for (what, (value, grad)) in [("generated", generated(&input)), ("hand", hand(&input))] {
            assert!((value - objective).abs() <= 5e-9, "{what} value {value}");
            assert_close(what, &grad, &gradient, 1e-8);
        }
    }

    #[test]
    fn lstm_gradient_matches_numeric() {
        let input = truncated(6);
        let (_, grad) = generated(&input);
        let params = [&input.main_params[..], &input.extra_params].concat();
        let split = input.main_params.len();
        let numeric = autodiff::numeric_gradient(
            |p| {
                let s = &input;
                lstm_objective(s.l, s.c, s.b, &p[..split], &p[split..], &s.state, &s.sequence)
            },
            &params,
        );
        assert_near_numeric("lstm", &grad, &numeric);
    }

    /// With zero weights and biases every gate is ½ and the candidate 0:
    /// `c ← c/2`, `h ← tanh(c)/2`.
    #[test]
    fn lstm_cell_with_zero_parameters_halves_the_cell() {
        let mut state = [1.0, -3.0, 2.0, 4.0];
        lstm_cell(&[0.0; 8], &[0.0; 8], &[0.7, 0.2], &mut state);
        assert_eq!(state, [0.5 * 1f64.tanh(), 0.5 * 2f64.tanh(), 1.0, 2.0]);
    }

    #[test]
    fn lstm_hand_matches_generated() {
        for input in [truncated(2), truncated(40), three_layers(12)] {
            let (value, grad) = generated(&input);
            let (hand_value, hand_grad) = hand(&input);
            assert_close("lstm value", &[value], &[hand_value], 1e-10);
            assert_close("lstm gradient", &grad, &hand_grad, 1e-10);
            assert_eq!(value, lstm_of(&input));
        }
    }
}
