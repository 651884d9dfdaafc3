//! The graphs `#[grad(graph)]` generates: nodes, values, local partials and
//! adjoints checked against closed forms and against the generated
//! `NAME_grad`, for straight-line code, loops, calls and slices.

// The functions are written as the graphs' labels read (`s = s + x[i] * x[i]`).
#![allow(clippy::assign_op_pattern, clippy::needless_range_loop)]

mod common;

use autodiff::prelude::*;
use autodiff::{ClusterKind, NodeKind, Value};
use common::graph::{adjoint, assert_is_the_lessons_j_graph, node, partial, value};

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-12 * want.abs().max(1.0)
}

// ------------------------------------------------------------ straight-line code

#[grad(graph)]
fn j(a: f64, b: f64, c: f64) -> f64 {
    let v = b * c;
    let u = a + v;
    3.0 * u
}

#[test]
fn straight_line_code_has_the_lessons_nodes_values_partials_and_adjoints() {
    for (a, b, c) in [(5.0, 3.0, 2.0), (1.0, 2.0, 3.0), (-0.5, 4.0, -1.5)] {
        let g = j_graph(a, b, c);
        assert_eq!(g.name(), "j");
        assert_is_the_lessons_j_graph(&g, a, b, c);
        // The graph does not change the gradient.
        assert_eq!(j_grad(a, b, c), (3.0 * (a + b * c), 3.0, 3.0 * c, 3.0 * b));
    }
}

/// Nested expressions: a node per temporary, labelled by its expression,
/// and partials of the rule table (sin, exp, division) at the point.
#[grad(graph)]
fn nested(x: f64, y: f64) -> f64 {
    let s = x.sin() * y;
    s / (1.0 + y.exp())
}

#[test]
fn temporaries_are_labelled_by_their_expressions_with_the_rule_tables_partials() {
    let (x, y) = (0.7, -0.4);
    let g = nested_graph(x, y);
    let labels: Vec<&str> = g.nodes().iter().map(|n| n.label()).collect();
    assert_eq!(labels, ["x", "y", "x.sin()", "s = x.sin() * y", "y.exp()", "1.0 + y.exp()", "s / (1.0 + y.exp())"]);
    let d = 1.0 + y.exp();
    assert_eq!(partial(&g, "x", "x.sin()"), x.cos());
    assert_eq!(partial(&g, "x.sin()", "s = x.sin() * y"), y);
    assert_eq!(partial(&g, "y", "s = x.sin() * y"), x.sin());
    assert_eq!(partial(&g, "y", "y.exp()"), y.exp());
    assert!(close(partial(&g, "s = x.sin() * y", "s / (1.0 + y.exp())"), 1.0 / d));
    assert!(close(partial(&g, "1.0 + y.exp()", "s / (1.0 + y.exp())"), -x.sin() * y / (d * d)));
    // ∂f/∂x = cos x · y / d, ∂f/∂y = sin x / d − sin x · y · eʸ / d².
    assert!(close(adjoint(&g, "x"), x.cos() * y / d));
    assert!(close(adjoint(&g, "y"), x.sin() / d - x.sin() * y * y.exp() / (d * d)));
    assert!(close(adjoint(&g, "x.sin()"), y / d));
    let (_, dx, dy) = nested_grad(x, y);
    assert_eq!((adjoint(&g, "x"), adjoint(&g, "y")), (dx, dy));
}

// ------------------------------------------------------------------------ loops

/// A scalar loop: p = xⁿ by n multiplications.
#[grad(graph)]
fn power(x: f64, n: usize) -> f64 {
    let mut p = 1.0;
    for _ in 0..n {
        p = p * x;
    }
    p
}

#[test]
fn a_loop_is_one_cluster_showing_its_last_pass() {
    let (x, n) = (1.3, 4);
    let g = power_graph(x, n);
    assert_eq!(g.clusters().len(), 1);
    let cluster = &g.clusters()[0];
    assert_eq!(cluster.kind(), ClusterKind::Loop);
    assert_eq!(cluster.label(), "for _ in 0..n");
    assert_eq!(cluster.passes(), n);
    assert_eq!(cluster.note(), "4 passes; values of the last");
    // One node for the body's statement, holding the last pass: p = x⁴,
    // from the previous p = x³ (a self-edge with ∂/∂p = x) and x (∂/∂x = x³).
    let p = node(&g, "p = p * x");
    assert_eq!(g.nodes().iter().filter(|n| n.label() == "p = p * x").count(), 1);
    assert_eq!(g.node(p).cluster().map(|c| g.cluster(c).kind()), Some(ClusterKind::Loop));
    assert!(close(value(&g, "p = p * x"), x.powi(4)));
    assert!(close(partial(&g, "p = p * x", "p = p * x"), x));
    assert!(close(partial(&g, "x", "p = p * x"), x.powi(3)));
    // Adjoints of the last pass: ∂out/∂p₄ = 1; the input's is the gradient.
    assert_eq!(adjoint(&g, "p = p * x"), 1.0);
    assert_eq!(g.result(), Some(p));
    let (value, dx) = power_grad(x, n);
    assert!(close(value, x.powi(4)));
    assert!(close(adjoint(&g, "x"), 4.0 * x.powi(3)));
    assert_eq!(adjoint(&g, "x"), dx);
}

/// A slice parameter, read element by element in a loop.
#[grad(graph)]
fn sum_sq(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        s = s + x[i] * x[i];
    }
    s
}

#[test]
fn a_slice_is_one_node_and_its_reads_are_element_nodes() {
    let x = [1.0, -2.0, 0.5];
    let g = sum_sq_graph(&x);
    let nx = node(&g, "x");
    assert_eq!(g.node(nx).kind(), NodeKind::Input);
    assert_eq!(g.node(nx).value(), &Value::Array(x.to_vec()));
    // The adjoint of the array is the gradient 2x, as `sum_sq_grad` gives it.
    let mut d_x = [0.0; 3];
    let total = sum_sq_grad(&x, &mut d_x);
    assert_eq!(d_x, [2.0, -4.0, 1.0]);
    assert_eq!(g.node(nx).adjoint(), Some(&Value::Array(d_x.to_vec())));
    // The last pass read x[2] = 0.5 (once: the element read is shared).
    let element = node(&g, "x[i]");
    assert_eq!(g.node(element).kind(), NodeKind::Element);
    assert_eq!(value(&g, "x[i]"), 0.5);
    assert_eq!(g.edge(nx, element).and_then(|e| e.index()), Some(2));
    assert_eq!(adjoint(&g, "x[i]"), 2.0 * 0.5);
    assert_eq!(partial(&g, "x[i]", "x[i] * x[i]"), 2.0 * 0.5);
    assert_eq!(value(&g, "s = s + x[i] * x[i]"), total);
    assert_eq!(g.node(g.result().unwrap()).value().as_scalar(), Some(total));
    assert_eq!(g.clusters()[0].label(), "for i in 0..x.len()");
    assert_eq!(g.clusters()[0].passes(), 3);
}

// ------------------------------------------------------------------------ calls

#[grad]
fn square(z: f64) -> f64 {
    z * z
}

/// A call of another `#[grad]` function and of a runtime activation.
#[grad(graph)]
fn squashed(x: f64, w: f64) -> f64 {
    let y = square(x * w);
    autodiff::sigmoid(y) * 2.0
}

#[test]
fn a_call_is_one_node_with_the_callees_partials() {
    let (x, w) = (0.8, -1.1);
    let g = squashed_graph(x, w);
    let y = (x * w) * (x * w);
    let call = node(&g, "y = square(x * w)");
    assert_eq!(g.node(call).kind(), NodeKind::Call);
    assert_eq!(value(&g, "y = square(x * w)"), y);
    assert!(close(partial(&g, "x * w", "y = square(x * w)"), 2.0 * x * w));
    let sigma = 1.0 / (1.0 + (-y).exp());
    let activation = node(&g, "autodiff::sigmoid(y)");
    assert_eq!(g.node(activation).kind(), NodeKind::Call);
    assert!(close(value(&g, "autodiff::sigmoid(y)"), sigma));
    assert!(close(partial(&g, "y = square(x * w)", "autodiff::sigmoid(y)"), sigma * (1.0 - sigma)));
    // ∂out/∂x = 2σ'(y) · 2xw · w.
    let dx = 2.0 * sigma * (1.0 - sigma) * 2.0 * x * w * w;
    assert!(close(adjoint(&g, "x"), dx));
    let (_, grad_x, grad_w) = squashed_grad(x, w);
    assert_eq!((adjoint(&g, "x"), adjoint(&g, "w")), (grad_x, grad_w));
}

// ---------------------------------------------------------- every mode, and wrt

#[grad(forward, reverse, graph, wrt(x))]
fn scaled(x: f64, k: f64) -> f64 {
    k * x.exp()
}

#[test]
fn graph_combines_with_the_modes_and_draws_the_rest_as_constants() {
    let g = scaled_graph(0.5, 3.0);
    assert_eq!(g.node(node(&g, "k")).kind(), NodeKind::Constant);
    assert_eq!(g.node(node(&g, "k")).adjoint(), None);
    // k flows in without a derivative; x.exp() with ∂(k·eˣ)/∂eˣ = k.
    assert_eq!(g.edge(node(&g, "k"), node(&g, "k * x.exp()")).map(|e| e.partial()), Some(None));
    assert_eq!(partial(&g, "x.exp()", "k * x.exp()"), 3.0);
    assert!(close(adjoint(&g, "x"), 3.0 * 0.5f64.exp()));
    assert_eq!(scaled_grad(0.5, 3.0).1, adjoint(&g, "x"));
    assert_eq!(scaled_jvp(0.5, 1.0, 3.0).1, adjoint(&g, "x"));
}

/// Backpropagation read off the generated graphs: every node's adjoint but
/// the result's is the sum over its children of their adjoint times the
/// edge's partial.
#[test]
fn every_adjoint_is_the_sum_over_children_of_their_adjoint_times_the_edge_partial() {
    for g in [j_graph(5.0, 3.0, 2.0), nested_graph(0.3, 1.2), squashed_graph(0.4, 0.9)] {
        for id in g.node_ids().filter(|&id| Some(id) != g.result()) {
            let child_adjoint = |to: NodeId| g.node(to).adjoint().and_then(Value::as_scalar).unwrap();
            let by_edges: f64 = g
                .edges()
                .filter(|e| e.from() == id)
                .map(|e| e.partial().and_then(Value::as_scalar).unwrap() * child_adjoint(e.to()))
                .sum();
            let own = g.node(id).adjoint().and_then(Value::as_scalar).unwrap();
            assert!(close(own, by_edges), "{}: {own} vs {by_edges}", g.node(id).label());
        }
    }
}

// ------------------------------------------------- every shape of the subset

#[grad(graph)]
fn halve(x: f64) -> f64 {
    let mut v = x;
    while v > 1.0 {
        v = v.sqrt() * 0.9;
    }
    v
}

#[grad(graph)]
fn branchy(x: f64, y: f64) -> f64 {
    let mut s = 0.0;
    s += x * y;
    if x > 0.0 {
        return s.sin() * 2.0;
    }
    let z = if y > 1.0 { y.exp() } else { y * y };
    s = s * s;
    s + z + f64::powf(2.0, x) + x.max(y)
}

#[grad(graph)]
fn narrow(x: f32, w: &[f32; 3]) -> f32 {
    let mut acc = 0.0f32;
    for (j, &wj) in w.iter().enumerate() {
        acc += wj * x.powi(j as i32);
    }
    acc.tanh()
}

#[grad(graph)]
fn layer(w: &[f64], x: &[f64], n: usize) -> f64 {
    let mut h = vec![0.0; n];
    for i in 0..n {
        let mut z = 0.0;
        for j in 0..x.len() {
            z += w[i * x.len() + j] * x[j];
        }
        h[i] = autodiff::relu(z) + 0.1 * z;
    }
    let local = [h[0], 2.0 * h[n - 1]];
    h.iter().map(|v| v * v).sum::<f64>() + local[1] - x.iter().fold(0.0, |a, b| a + b * b)
}

#[test]
fn every_shape_of_the_subset_draws_and_its_inputs_adjoints_are_the_gradient() {
    for x in [0.3, 5.0] {
        let g = halve_graph(x);
        assert_eq!(adjoint(&g, "x"), halve_grad(x).1, "halve({x})");
    }
    // halve(5): 5 → 2.012 → 1.277 → 1.017 → 0.9077: 4 passes of the body.
    let g = halve_graph(5.0);
    let body = node(&g, "v = v.sqrt() * 0.9");
    assert_eq!(g.cluster(g.node(body).cluster().unwrap()).passes(), 4);
    assert!(g.is_current(body));
    for (x, y) in [(0.5, 2.0), (-0.5, 2.0), (-0.5, 0.5)] {
        let g = branchy_graph(x, y);
        let (_, dx, dy) = branchy_grad(x, y);
        assert_eq!((adjoint(&g, "x"), adjoint(&g, "y")), (dx, dy), "branchy({x}, {y})");
    }
    let w = [0.5f32, -1.0, 2.0];
    let g = narrow_graph(0.7, &w);
    let mut d_w = [0.0f32; 3];
    let (_, dx) = narrow_grad(0.7, &w, &mut d_w);
    assert_eq!(adjoint(&g, "x"), f64::from(dx));
    let d_w: Vec<f64> = d_w.iter().map(|&d| f64::from(d)).collect();
    assert_eq!(g.node(node(&g, "w")).adjoint(), Some(&Value::Array(d_w)));

    let (w, x) = ([0.5, -1.0, 2.0, 0.25, 1.5, -0.75], [1.0, -2.0, 0.5]);
    let g = layer_graph(&w, &x, 2);
    let (mut d_w, mut d_x) = ([0.0; 6], [0.0; 3]);
    let value = layer_grad(&w, &mut d_w, &x, &mut d_x, 2);
    assert_eq!(g.node(g.result().unwrap()).value().as_scalar(), Some(value));
    assert_eq!(g.node(node(&g, "w")).adjoint(), Some(&Value::Array(d_w.to_vec())));
    assert_eq!(g.node(node(&g, "x")).adjoint(), Some(&Value::Array(d_x.to_vec())));
    assert_eq!(g.clusters().iter().filter(|c| c.kind() == ClusterKind::Loop).count(), 4);
}

// ------------------------------------------------------------------------ tables

const TABLE_W: [f64; 2] = [3.0, -2.0];

#[grad(graph)]
fn weighted(v: &[f64], w: &[f64]) -> f64 {
    v[0] * w[0] + v[1] * w[1]
}

/// A `const` table reads as its name where it is indexed and lent (review
/// 8: the labels showed the macro's reference to it, `__table_TABLE_W`).
#[grad(graph)]
fn with_a_table(x: f64) -> f64 {
    let v = [x, x * x];
    weighted(&v, &TABLE_W) + TABLE_W[1] * x
}

#[test]
fn a_const_table_is_labelled_as_written() {
    let g = with_a_table_graph(0.5);
    let labels: Vec<&str> = g.nodes().iter().map(|n| n.label()).collect();
    assert!(labels.iter().any(|label| label.contains("weighted(&v, &TABLE_W)")), "{labels:?}");
    assert!(labels.iter().any(|label| label.contains("TABLE_W[1] * x")), "{labels:?}");
    assert!(labels.iter().all(|label| !label.contains("__table")), "{labels:?}");
    // f = 3x − 2x² − 2x: f' = 1 − 4x.
    assert!(close(adjoint(&g, "x"), 1.0 - 4.0 * 0.5));
}
