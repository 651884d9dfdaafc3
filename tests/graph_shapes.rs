//! The graphs of the shapes `#[grad(graph)]` once refused: a model
//! (`&Model` where `Model: Params`), `&mut` outputs, functions that return
//! nothing, arrays of arrays. Values and adjoints are checked against closed
//! forms and against the generated `NAME_grad` / `NAME_vjp`.

#![allow(clippy::needless_range_loop)]

#[allow(dead_code)]
#[path = "../examples/seed_network.rs"]
mod seed_network;

mod common;

use autodiff::prelude::*;
use autodiff::{NodeKind, Value};
use common::graph::{adjoint, node, value};

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-12 * want.abs().max(1.0)
}

fn array(g: &Graph, label: &str) -> Vec<f64> {
    g.node(node(g, label)).value().as_array().expect("an array value").to_vec()
}

fn array_adjoint(g: &Graph, label: &str) -> Vec<f64> {
    let adjoint = g.node(node(g, label)).adjoint().unwrap_or_else(|| panic!("`{label}` has no adjoint"));
    adjoint.as_array().expect("an array adjoint").to_vec()
}

// ------------------------------------------------------------------- a model

/// The lesson's 2-2-1 network written with a model struct.
#[derive(Params, Clone)]
struct Net {
    w1: [[f64; 2]; 2],
    b1: [f64; 2],
    w2: [f64; 2],
    b2: f64,
}

#[grad(graph, wrt(net))]
fn net_loss(net: &Net, x: &[f64; 2], y: f64) -> f64 {
    let mut out = net.b2;
    for i in 0..2 {
        let z = net.w1[i][0] * x[0] + net.w1[i][1] * x[1] + net.b1[i];
        out += net.w2[i] * autodiff::sigmoid(z);
    }
    (out - y) * (out - y)
}

fn logistic(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

#[test]
fn a_model_is_one_node_of_its_parameters_with_their_gradient() {
    let net = Net { w1: [[0.5, -1.0], [0.25, 2.0]], b1: [0.1, -0.3], w2: [1.5, -0.5], b2: 0.2 };
    let (x, y) = ([0.8, -0.4], 0.3);
    let g = net_loss_graph(&net, &x, y);

    // The model's node: its parameters in the order of the struct's fields.
    let n = node(&g, "net");
    assert_eq!(g.node(n).kind(), NodeKind::Input);
    assert_eq!(array(&g, "net"), [0.5, -1.0, 0.25, 2.0, 0.1, -0.3, 1.5, -0.5, 0.2]);

    // Closed forms: hᵢ = σ(zᵢ), out = b2 + Σ w2ᵢ hᵢ, L = (out − y)².
    let z: Vec<f64> = (0..2).map(|i| net.w1[i][0] * x[0] + net.w1[i][1] * x[1] + net.b1[i]).collect();
    let h: Vec<f64> = z.iter().map(|&z| logistic(z)).collect();
    let out = net.b2 + net.w2[0] * h[0] + net.w2[1] * h[1];
    let r = 2.0 * (out - y);
    let mut want = Vec::new();
    for i in 0..2 {
        let dz = r * net.w2[i] * h[i] * (1.0 - h[i]);
        want.extend([dz * x[0], dz * x[1]]);
    }
    want.extend((0..2).map(|i| r * net.w2[i] * h[i] * (1.0 - h[i])));
    want.extend([r * h[0], r * h[1], r]);
    let got = array_adjoint(&g, "net");
    assert!(got.iter().zip(&want).all(|(&got, &want)| close(got, want)), "{got:?} vs {want:?}");

    // And exactly what `net_loss_grad` adds into the model's shadow.
    let mut d_net = Net { w1: [[0.0; 2]; 2], b1: [0.0; 2], w2: [0.0; 2], b2: 0.0 };
    let loss = net_loss_grad(&net, &mut d_net, &x, y);
    assert_eq!(got, Value::params(&d_net).as_array().unwrap());
    assert_eq!(g.node(g.result().unwrap()).value().as_scalar(), Some(loss));

    // A read of a field is an element node with its value, an edge from the
    // model, and the adjoint of that read (the last pass's, i = 1).
    let read = node(&g, "net.w2[i]");
    assert_eq!(g.node(read).kind(), NodeKind::Element);
    assert_eq!(value(&g, "net.w2[i]"), -0.5);
    assert_eq!(g.edge(n, read).and_then(|e| e.partial()).and_then(Value::as_scalar), Some(1.0));
    assert!(close(adjoint(&g, "net.w2[i]"), r * h[1]));
    assert_eq!(value(&g, "net.b2"), 0.2);
    assert!(close(adjoint(&g, "net.b2"), r));
    assert!(close(adjoint(&g, "net.w1[i][1]"), r * net.w2[1] * h[1] * (1.0 - h[1]) * x[1]));

    // Well-formed pictures that name the model.
    assert!(g.to_dot().contains("\"net\\n"), "{}", g.to_dot());
    assert!(g.to_svg().contains(">net<"));
}

// ----------------------------------------------------------- arrays of arrays

#[grad(graph)]
fn trace_product(m: &[[f64; 2]; 2], v: &[f64; 2]) -> f64 {
    let mut rows = [[0.0; 2]; 2];
    for i in 0..2 {
        for j in 0..2 {
            rows[i][j] = m[i][j] * v[j];
        }
    }
    rows[0][0] + rows[1][1]
}

#[test]
fn an_array_of_arrays_is_one_node_of_its_numbers() {
    let (m, v) = ([[1.0, 2.0], [3.0, 4.0]], [0.5, -2.0]);
    let g = trace_product_graph(&m, &v);
    assert_eq!(array(&g, "m"), [1.0, 2.0, 3.0, 4.0]);
    // `rows` shows the numbers written into it, all of them.
    assert_eq!(array(&g, "rows = [[0.0; 2]; 2]"), [0.5, -4.0, 1.5, -8.0]);
    // f = m₀₀ v₀ + m₁₁ v₁: ∂f/∂m = [[v₀, 0], [0, v₁]], ∂f/∂v = [m₀₀, m₁₁].
    assert_eq!(array_adjoint(&g, "m"), [0.5, 0.0, 0.0, -2.0]);
    assert_eq!(array_adjoint(&g, "v"), [1.0, 4.0]);
    let (mut d_m, mut d_v) = ([[0.0; 2]; 2], [0.0; 2]);
    let f = trace_product_grad(&m, &mut d_m, &v, &mut d_v);
    assert_eq!(f, 0.5 - 8.0);
    assert_eq!(array_adjoint(&g, "m"), Value::numbers(&d_m).as_array().unwrap());
    // Each read of the last pass: m[1][1] = 4 with adjoint v₁.
    assert_eq!(value(&g, "m[i][j]"), 4.0);
    assert_eq!(adjoint(&g, "m[i][j]"), -2.0);
    assert_eq!(value(&g, "rows[1][1]"), -8.0);
    assert_eq!(adjoint(&g, "rows[1][1]"), 1.0);
    assert!(g.to_svg().contains("rows"));
}

/// A result of rows (round 16: its graph's seed was one array of ones, which
/// failed to compile as rows).
#[grad(reverse, graph)]
fn diagonal(x: f64) -> [[f64; 2]; 2] {
    [[x, 0.0], [0.0, x * x]]
}

#[test]
fn a_result_of_rows_is_seeded_one_in_every_number() {
    let x = 1.5;
    let g = diagonal_graph(x);
    // The graph of the numbers' sum: x + x², whose derivative is 1 + 2x.
    assert_eq!(array(&g, "[[x, 0.0], [0.0, x * x]]"), [1.5, 0.0, 0.0, 2.25]);
    assert!(close(adjoint(&g, "x"), 1.0 + 2.0 * x));
    let (_, dx) = diagonal_vjp(x, [[1.0; 2]; 2]);
    assert!(close(adjoint(&g, "x"), dx));
}

/// A call of it, whose rows are seeded one each at the call.
#[grad(reverse, graph)]
fn trace_of_diagonal(x: f64) -> f64 {
    let m: [[f64; 2]; 2] = diagonal(x);
    m[0][0] + m[1][1]
}

#[test]
fn a_call_returning_rows_is_seeded_one_in_every_number() {
    let x = -0.7;
    let g = trace_of_diagonal_graph(x);
    assert!(close(adjoint(&g, "x"), 1.0 + 2.0 * x));
    assert!(close(adjoint(&g, "x"), trace_of_diagonal_grad(x).1));
}

// ------------------------------------------------------------ `&mut` outputs

/// y = 2x element by element, and the sum of squares returned.
#[grad(graph)]
fn double_into(x: &[f64], y: &mut [f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        y[i] = 2.0 * x[i];
        s += x[i] * x[i];
    }
    s
}

#[test]
fn an_output_is_an_output_node_seeded_zero_beside_a_result() {
    let x = [1.0, -0.5, 3.0];
    let mut y = [0.0; 3];
    let g = double_into_graph(&x, &mut y);
    // The graph ran the function: y holds its results, and so does its node.
    assert_eq!(y, [2.0, -1.0, 6.0]);
    let ny = node(&g, "y");
    assert_eq!(g.node(ny).kind(), NodeKind::Output);
    assert_eq!(array(&g, "y"), [2.0, -1.0, 6.0]);
    // The result is seeded 1 and the output 0, as `NAME_grad` with a zero
    // output shadow: ∂s/∂x = 2x.
    assert_eq!(array_adjoint(&g, "y"), [0.0; 3]);
    assert_eq!(array_adjoint(&g, "x"), [2.0, -1.0, 6.0]);
    let (mut d_x, mut d_y, mut y2) = ([0.0; 3], [0.0; 3], [0.0; 3]);
    double_into_grad(&x, &mut d_x, &mut y2, &mut d_y);
    assert_eq!(array_adjoint(&g, "x"), d_x);
    // The element stored into y is an edge into it, carrying its index.
    let stored = node(&g, "2.0 * x[i]");
    assert_eq!(g.edge(stored, ny).and_then(|e| e.index()), Some(2));
}

/// A function that returns nothing: its results are its outputs.
#[grad(graph)]
fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for i in 0..x.len() {
        y[i] += a * x[i];
    }
}

#[test]
fn a_function_without_result_is_drawn_with_each_output_seeded_one() {
    let (a, x) = (1.5, [1.0, -2.0, 0.5]);
    let mut y = [10.0, 20.0, 30.0];
    let g = axpy_graph(a, &x, &mut y);
    assert_eq!(y, [11.5, 17.0, 30.75]);
    assert_eq!(g.result(), None);
    assert_eq!(g.node(node(&g, "y")).kind(), NodeKind::Output);
    assert_eq!(array(&g, "y"), [11.5, 17.0, 30.75]);
    // Seeded with ones: the graph of Σ yᵢ, whose gradient is (Σ xᵢ, a, ..).
    assert_eq!(array_adjoint(&g, "y"), [1.0; 3]);
    assert_eq!(adjoint(&g, "a"), -0.5);
    assert_eq!(array_adjoint(&g, "x"), [a; 3]);
    // As `NAME_vjp` gives them with the same seed.
    let (mut d_x, mut d_y, mut y2) = ([0.0; 3], [1.0; 3], [10.0, 20.0, 30.0]);
    let (da,) = axpy_vjp(a, &x, &mut d_x, &mut y2, &mut d_y);
    assert_eq!((adjoint(&g, "a"), array_adjoint(&g, "x")), (da, d_x.to_vec()));
    assert!(g.to_dot().contains("digraph"));
    assert!(g.to_svg().contains("</svg>"));
}

/// A model left out of `wrt` is a constant the labels name; no node.
#[grad(graph, wrt(x))]
fn scaled_by(net: &Net, x: f64) -> f64 {
    net.b2 * x * x
}

#[test]
fn a_model_left_out_of_wrt_is_a_constant_the_labels_name() {
    let net = Net { w1: [[0.0; 2]; 2], b1: [0.0; 2], w2: [0.0; 2], b2: 3.0 };
    let g = scaled_by_graph(&net, 2.0);
    assert_eq!(g.find("net"), None);
    assert_eq!(value(&g, "net.b2 * x"), 6.0);
    assert_eq!(adjoint(&g, "x"), 12.0);
}

// ------------------------------------------------------ calls with references

#[grad]
fn dot(w: &[f64], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..w.len() {
        s += w[i] * x[i];
    }
    s
}

/// Whole slices and sub-slices passed to another `#[grad]` function.
#[grad(graph)]
fn scored(w: &[f64], x: &[f64], b: f64) -> f64 {
    let s = dot(w, x) + b;
    let t = dot(&w[1..], &x[1..]);
    s * t
}

#[test]
fn a_call_with_slices_is_one_node_with_the_callees_partials_in_each_slice() {
    let (w, x, b) = ([0.5, -1.0, 2.0], [1.0, 3.0, -0.5], 0.25);
    let g = scored_graph(&w, &x, b);
    let s = 0.5 - 3.0 - 1.0 + b;
    let t = -3.0 - 1.0;
    let whole = node(&g, "dot(w, x)");
    assert_eq!(g.node(whole).kind(), NodeKind::Call);
    assert_eq!(value(&g, "dot(w, x)"), s - b);
    // ∂dot/∂w = x and ∂dot/∂x = w, as arrays on the edges.
    let partial_array = |from: &str, to: &str| {
        let edge = g.edge(node(&g, from), node(&g, to)).unwrap_or_else(|| panic!("no edge {from} → {to}"));
        edge.partial().and_then(Value::as_array).expect("an array partial").to_vec()
    };
    assert_eq!(partial_array("w", "dot(w, x)"), x);
    assert_eq!(partial_array("x", "dot(w, x)"), w);
    // A sub-slice: the partials in the part it takes.
    assert_eq!(value(&g, "t = dot(&w[1..], &x[1..])"), t);
    assert_eq!(partial_array("w", "t = dot(&w[1..], &x[1..])"), x[1..]);
    assert_eq!(partial_array("x", "t = dot(&w[1..], &x[1..])"), w[1..]);
    // The adjoints: f = s·t, ∂f/∂(dot(w, x)) = t, ∂f/∂t = s.
    assert_eq!(adjoint(&g, "dot(w, x)"), t);
    assert_eq!(adjoint(&g, "t = dot(&w[1..], &x[1..])"), s);
    let (mut d_w, mut d_x) = ([0.0; 3], [0.0; 3]);
    let (f, db) = scored_grad(&w, &mut d_w, &x, &mut d_x, b);
    assert_eq!(f, s * t);
    assert_eq!((adjoint(&g, "b"), array_adjoint(&g, "w"), array_adjoint(&g, "x")), (db, d_w.to_vec(), d_x.to_vec()));
    // ∂f/∂w = t·x + s·(0, x₁, x₂).
    let want: Vec<f64> = (0..3).map(|i| t * x[i] + if i > 0 { s * x[i] } else { 0.0 }).collect();
    assert_eq!(d_w.to_vec(), want);
}

#[grad]
fn predict(net: &Net, x: &[f64; 2]) -> f64 {
    let mut out = net.b2;
    for i in 0..2 {
        let z = net.w1[i][0] * x[0] + net.w1[i][1] * x[1] + net.b1[i];
        out += net.w2[i] * autodiff::sigmoid(z);
    }
    out
}

#[grad]
fn quadratic(m: &[[f64; 2]; 2], v: &[f64; 2]) -> f64 {
    v[0] * (m[0][0] * v[0] + m[0][1] * v[1]) + v[1] * (m[1][0] * v[0] + m[1][1] * v[1])
}

/// The network's loss through a `predict` that takes the model, and an
/// array of arrays passed whole.
#[grad(graph)]
fn model_error(net: &Net, x: &[f64; 2], y: f64, m: &[[f64; 2]; 2]) -> f64 {
    let p = predict(net, x);
    (p - y) * (p - y) + quadratic(m, x)
}

#[test]
fn a_call_taking_a_model_or_an_array_of_arrays_gets_their_partials() {
    let net = Net { w1: [[0.5, -1.0], [0.25, 2.0]], b1: [0.1, -0.3], w2: [1.5, -0.5], b2: 0.2 };
    let (x, y, m) = ([0.8, -0.4], 0.3, [[1.0, 2.0], [3.0, 4.0]]);
    let g = model_error_graph(&net, &x, y, &m);
    let p = predict(&net, &x);
    assert_eq!(value(&g, "p = predict(net, x)"), p);
    // ∂predict/∂net, as `predict_grad` gives it, on the edge from the model.
    let mut d_net = Net { w1: [[0.0; 2]; 2], b1: [0.0; 2], w2: [0.0; 2], b2: 0.0 };
    let mut d_x = [0.0; 2];
    predict_grad(&net, &mut d_net, &x, &mut d_x);
    let edge = g.edge(node(&g, "net"), node(&g, "p = predict(net, x)")).unwrap();
    assert_eq!(edge.partial(), Some(&Value::params(&d_net)));
    // ∂(vᵀMv)/∂M = v vᵀ, flattened row by row.
    let edge = g.edge(node(&g, "m"), node(&g, "quadratic(m, x)")).unwrap();
    let outer = [x[0] * x[0], x[0] * x[1], x[1] * x[0], x[1] * x[1]];
    assert_eq!(edge.partial(), Some(&Value::Array(outer.to_vec())));
    // The model's adjoint: 2(p − y)·∂predict/∂net.
    let want: Vec<f64> = Value::params(&d_net).as_array().unwrap().iter().map(|d| 2.0 * (p - y) * d).collect();
    let got = array_adjoint(&g, "net");
    assert!(got.iter().zip(&want).all(|(&got, &want)| close(got, want)), "{got:?} vs {want:?}");
    assert_eq!(array_adjoint(&g, "m"), outer);
}

// ------------------------------------------- element reads stored into arrays

#[grad(graph)]
fn gather(x: &[f64], a: f64) -> f64 {
    let pair = [x[0], a * x[2]];
    let mut y = [0.0; 2];
    y[0] = x[1];
    y[1] = pair[0];
    pair[0] * pair[1] + y[0] * y[0] * y[1]
}

#[test]
fn element_reads_in_array_literals_and_stores_have_adjoints() {
    let (x, a) = ([2.0, -3.0, 0.5], 1.5);
    let g = gather_graph(&x, a);
    // pair = [x₀, a x₂], y = [x₁, x₀], f = x₀ a x₂ + x₁² x₀.
    assert_eq!(array(&g, "pair = [x[0], a * x[2]]"), [x[0], a * x[2]]);
    assert_eq!(array(&g, "y = [0.0; 2]"), [x[1], x[0]]);
    // The literal's x[0] is pair[0], read twice: ∂f/∂pair₀ = a x₂ + x₁².
    assert_eq!(adjoint(&g, "x[0]"), a * x[2] + x[1] * x[1]);
    // The element stored into y[0] has y₀'s adjoint, 2 y₀ y₁ = 2 x₁ x₀;
    // the one stored into y[1] has y₁'s, y₀² = x₁².
    assert_eq!(adjoint(&g, "x[1]"), 2.0 * x[1] * x[0]);
    assert_eq!(adjoint(&g, "pair[0]"), x[1] * x[1]);
    let mut d_x = [0.0; 3];
    let (f, da) = gather_grad(&x, &mut d_x, a);
    assert_eq!(f, x[0] * a * x[2] + x[1] * x[1] * x[0]);
    assert_eq!((adjoint(&g, "a"), array_adjoint(&g, "x")), (da, d_x.to_vec()));
    assert_eq!(d_x, [a * x[2] + x[1] * x[1], 2.0 * x[1] * x[0], x[0] * a]);
}

// --------------------------------------------------------- a custom `vjp`

/// w₀ eˣ + w₁, with its derivative written by hand.
#[grad(graph, vjp = scaled_exp_vjp)]
fn scaled_exp(x: f64, w: &[f64; 2], n: usize) -> f64 {
    w[0] * x.exp() + w[1] * n as f64
}

fn scaled_exp_vjp(x: f64, w: &[f64; 2], d_w: &mut [f64; 2], n: usize, seed: f64) -> (f64, f64) {
    d_w[0] += seed * x.exp();
    d_w[1] += seed * n as f64;
    (scaled_exp(x, w, n), seed * w[0] * x.exp())
}

#[test]
fn a_function_with_a_custom_vjp_is_one_call_node_with_its_partials() {
    let (x, w) = (0.5, [2.0, -1.0]);
    let g = scaled_exp_graph(x, &w, 3);
    let labels: Vec<&str> = g.nodes().iter().map(|n| n.label()).collect();
    assert_eq!(labels, ["x", "w", "scaled_exp(x, w, n)"]);
    let call = node(&g, "scaled_exp(x, w, n)");
    assert_eq!(g.node(call).kind(), NodeKind::Call);
    assert_eq!(g.result(), Some(call));
    assert_eq!(value(&g, "scaled_exp(x, w, n)"), 2.0 * x.exp() - 3.0);
    // The partials are the custom vjp's: ∂f/∂x = w₀ eˣ, ∂f/∂w = (eˣ, n).
    let edge = g.edge(node(&g, "x"), call).unwrap();
    assert_eq!(edge.partial(), Some(&Value::Scalar(2.0 * x.exp())));
    let edge = g.edge(node(&g, "w"), call).unwrap();
    assert_eq!(edge.partial(), Some(&Value::Array(vec![x.exp(), 3.0])));
    assert_eq!(adjoint(&g, "x"), 2.0 * x.exp());
    assert_eq!(array_adjoint(&g, "w"), [x.exp(), 3.0]);
    assert_eq!(adjoint(&g, "scaled_exp(x, w, n)"), 1.0);
    let mut d_w = [0.0; 2];
    assert_eq!(scaled_exp_grad(x, &w, &mut d_w, 3).1, adjoint(&g, "x"));
    assert!(g.to_svg().contains("scaled_exp(x, w, n)"));
}

// ------------------------------------------- the lesson's network as a model

/// The lesson's 2-2-2-1 network as `seed_network::loss` writes it: loops
/// over the weight arrays of a `#[derive(Params)]` struct.
#[grad(graph, wrt(net))]
fn network_loss(net: &seed_network::Net, x: &[f64; 2], y: f64) -> f64 {
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

#[test]
fn the_lessons_network_written_with_a_model_gives_each_weight_the_lessons_gradient() {
    use seed_network::{by_paths, example_net, forward, X, Y};
    let net = example_net();
    let g = network_loss_graph(&net, &X, Y);
    let run = forward(&net, &X, Y);
    assert_eq!(g.node(g.result().unwrap()).value().as_scalar(), Some(run.loss));
    // The model's node: the ten weights, their gradient the lesson's sum
    // over paths.
    assert_eq!(array(&g, "net"), Value::params(&net).as_array().unwrap());
    let want = Value::params(&by_paths(&net, &X, Y));
    let got = array_adjoint(&g, "net");
    assert!(got.iter().zip(want.as_array().unwrap()).all(|(&got, &want)| close(got, want)), "{got:?} vs {want:?}");
    // The last pass of the output loop read W3[2,1], whose adjoint is
    // f(b₂)·∇out.
    assert_eq!(value(&g, "net.w3[i][0]"), net.w3[1][0]);
    assert!(close(adjoint(&g, "net.w3[i][0]"), logistic(run.b[1]) * run.d_out));
    // Each loop's index is labelled as written, though lowering renamed
    // the second `i` and `j` (they shadow the first loop's).
    assert!(g.find("fa[i] * net.w2[i][j]").is_some());
    // x is a constant: its node has no adjoint.
    assert_eq!(g.node(node(&g, "x")).kind(), NodeKind::Constant);
    // The pictures: DOT that the layout crate parses, SVG that is XML with
    // every node's label.
    let dot = g.to_dot();
    let mut parser = layout::gv::DotParser::new(&dot);
    parser.process().unwrap_or_else(|e| panic!("DOT does not parse: {e}\n{dot}"));
    let svg = g.to_svg();
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("SVG is not well-formed XML: {e}"));
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    for n in g.nodes() {
        assert!(texts.contains(&n.label()), "no label `{}`", n.label());
    }
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("graph-network_loss.svg");
    std::fs::write(path, &svg).unwrap();
}

// ------------------------------------------------ the shapes together, in f32

#[grad]
fn row_dot(w: &[f32; 3], x: &[f32]) -> f32 {
    w[0] * x[0] + w[1] * x[1] + w[2] * x[2]
}

/// Rows of an array of arrays passed to a call in a loop, written into an
/// output in place and read back.
#[grad(graph)]
fn layer_into(w: &[[f32; 3]; 2], x: &[f32], h: &mut [f32; 2]) -> f32 {
    for i in 0..2 {
        h[i] += row_dot(&w[i], x).tanh();
    }
    h[0] * h[1]
}

#[test]
fn rows_of_an_array_of_arrays_passed_to_a_call_into_an_f32_output() {
    let (w, x) = ([[0.5f32, -1.0, 0.25], [1.5, 0.5, -0.75]], [1.0f32, 2.0, -0.5]);
    let mut h = [0.1f32, -0.2];
    let g = layer_into_graph(&w, &x, &mut h);
    let z: Vec<f32> = (0..2).map(|i| row_dot(&w[i], &x)).collect();
    let want_h = [0.1 + z[0].tanh(), -0.2 + z[1].tanh()];
    assert_eq!(h, want_h);
    let as_f64 = |xs: &[f32]| xs.iter().map(|&v| f64::from(v)).collect::<Vec<f64>>();
    assert_eq!(array(&g, "h"), as_f64(&want_h));
    // The call's edge from w carries ∂row_dot/∂w[i] = x in the row it takes.
    let call = node(&g, "row_dot(&w[i], x)");
    let edge = g.edge(node(&g, "w"), call).unwrap();
    assert_eq!(edge.partial(), Some(&Value::Array(as_f64(&x))));
    // The adjoints are those `NAME_grad` gives, with a zero output shadow.
    let (mut d_w, mut d_x, mut d_h, mut h2) = ([[0.0f32; 3]; 2], [0.0f32; 3], [0.0f32; 2], [0.1f32, -0.2]);
    let value = layer_into_grad(&w, &mut d_w, &x, &mut d_x, &mut h2, &mut d_h);
    assert_eq!(g.node(g.result().unwrap()).value().as_scalar(), Some(f64::from(value)));
    assert_eq!(array_adjoint(&g, "w"), Value::numbers(&d_w).as_array().unwrap());
    assert_eq!(array_adjoint(&g, "x"), as_f64(&d_x));
    // ∂(h₀h₁)/∂w₀ⱼ = h₁ (1 − tanh² z₀) xⱼ.
    let dz0 = f64::from(want_h[1]) * (1.0 - f64::from(z[0].tanh()).powi(2));
    let got = array_adjoint(&g, "w");
    for j in 0..3 {
        assert!((got[j] - dz0 * f64::from(x[j])).abs() < 1e-5, "{got:?}");
    }
}

// --------------------------------------------------- generic float functions

#[grad]
fn half_square<T: autodiff::Float>(z: T) -> T {
    z * z * T::from_f64(0.5)
}

/// A function generic over its float, with a loop over a slice, a call of
/// another generic function and a literal: f = tanh(k Σ xᵢ²)².
#[grad(graph)]
fn generic_energy<T: autodiff::Float>(x: &[T], k: T) -> T {
    let mut e = T::zero();
    for i in 0..x.len() {
        e += k * x[i] * x[i];
    }
    half_square(e.tanh()) * T::from_f64(2.0)
}

#[test]
fn a_generic_function_draws_at_f64_and_at_f32() {
    let (x, k) = ([0.5, -0.25], 1.5);
    let squares: f64 = 0.25 + 0.0625;
    let t = (k * squares).tanh();
    let g = generic_energy_graph(&x, k);
    assert!(close(g.node(g.result().unwrap()).value().as_scalar().unwrap(), t * t));
    assert!(close(value(&g, "half_square(e.tanh())"), t * t / 2.0));
    // ∂f/∂e = 2t(1 − t²): ∂f/∂k = that·Σx², ∂f/∂xᵢ = that·2kxᵢ.
    let de = 2.0 * t * (1.0 - t * t);
    assert!(close(adjoint(&g, "k"), de * squares));
    let dx = array_adjoint(&g, "x");
    assert!(close(dx[0], de * 2.0 * k * x[0]) && close(dx[1], de * 2.0 * k * x[1]), "{dx:?}");
    let mut d_x = [0.0; 2];
    assert_eq!(generic_energy_grad(&x, &mut d_x, k).1, adjoint(&g, "k"));
    assert_eq!(dx, d_x);

    // At f32: the same graph, its numbers those of the f32 computation.
    let (x32, k32) = ([0.5f32, -0.25], 1.5f32);
    let g32 = generic_energy_graph(&x32, k32);
    let mut d_x32 = [0.0f32; 2];
    let (value, dk) = generic_energy_grad(&x32, &mut d_x32, k32);
    assert_eq!(g32.node(g32.result().unwrap()).value().as_scalar(), Some(f64::from(value)));
    assert_eq!(adjoint(&g32, "k"), f64::from(dk));
    let labels = |g: &Graph| g.nodes().iter().map(|n| n.label().to_string()).collect::<Vec<_>>();
    assert_eq!(labels(&g32), labels(&g));
}

/// Vectors of rows and slices of rows: one node each, their numbers row by
/// row, their gradient as `NAME_grad` adds it (`&Vec` is the point here).
#[allow(clippy::ptr_arg)]
#[grad(graph)]
fn rows_product(a: &Vec<[f64; 2]>, b: &[[f64; 2]], c: &Vec<f64>) -> f64 {
    let mut s = 0.0;
    for i in 0..a.len() {
        s += a[i][0] * b[i][1] * c[i];
    }
    s
}

#[test]
fn vectors_and_slices_of_rows_are_nodes_with_their_gradient() {
    let (a, b, c) = (vec![[1.0, 2.0], [3.0, 4.0]], [[0.5, -1.0], [2.0, 0.25]], vec![2.0, -3.0]);
    let g = rows_product_graph(&a, &b, &c);
    assert_eq!(array(&g, "a"), [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(array(&g, "b"), [0.5, -1.0, 2.0, 0.25]);
    // s = Σ aᵢ₀ bᵢ₁ cᵢ: ∂s/∂aᵢ₀ = bᵢ₁ cᵢ, ∂s/∂bᵢ₁ = aᵢ₀ cᵢ, ∂s/∂cᵢ = aᵢ₀ bᵢ₁.
    let (b01, b11) = (b[0][1], b[1][1]);
    assert_eq!(array_adjoint(&g, "a"), [b01 * c[0], 0.0, b11 * c[1], 0.0]);
    assert_eq!(array_adjoint(&g, "b"), [0.0, a[0][0] * c[0], 0.0, a[1][0] * c[1]]);
    assert_eq!(array_adjoint(&g, "c"), [a[0][0] * b01, a[1][0] * b11]);
    let (mut d_a, mut d_b, mut d_c) = (vec![[0.0; 2]; 2], [[0.0; 2]; 2], vec![0.0; 2]);
    let s = rows_product_grad(&a, &mut d_a, &b, &mut d_b, &c, &mut d_c);
    assert_eq!(g.node(g.result().unwrap()).value().as_scalar(), Some(s));
    assert_eq!(array_adjoint(&g, "a"), Value::numbers(&d_a).as_array().unwrap());
    assert_eq!(array_adjoint(&g, "b"), Value::numbers(&d_b).as_array().unwrap());
    assert_eq!(array_adjoint(&g, "c"), d_c);
}

/// A method of a model: `self` is the model's node.
#[derive(Params)]
struct Line {
    w: [f64; 2],
}

impl Line {
    #[grad(graph)]
    fn squared(&self, x: f64) -> f64 {
        let p = self.w[0] * x + self.w[1];
        p * p
    }
}

#[test]
fn a_methods_self_is_the_models_node() {
    let line = Line { w: [1.0, 2.0] };
    let g = line.squared_graph(3.0);
    // p = w₀x + w₁ = 5: ∂/∂w = 2p·(x, 1), ∂/∂x = 2p·w₀.
    assert_eq!(array(&g, "self"), [1.0, 2.0]);
    assert_eq!(array_adjoint(&g, "self"), [30.0, 10.0]);
    assert_eq!(adjoint(&g, "x"), 10.0);
    assert_eq!(value(&g, "p = self.w[0] * x + self.w[1]"), 5.0);
}
