//! The graphs of the shapes `#[grad(graph)]` drew last: calls that write an
//! `&mut` argument, functions that return several floats, arrays taken by
//! value and calls that give several floats. Values, partials and adjoints
//! are checked against closed forms and the generated `NAME_grad` /
//! `NAME_vjp`.

#![allow(clippy::needless_range_loop)]

mod common;

use autodiff::prelude::*;
use autodiff::{NodeKind, Value};
use common::graph::node;

fn array(g: &Graph, label: &str) -> Vec<f64> {
    g.node(node(g, label)).value().as_array().expect("an array value").to_vec()
}

fn array_adjoint(g: &Graph, label: &str) -> Vec<f64> {
    let adjoint = g.node(node(g, label)).adjoint().unwrap_or_else(|| panic!("`{label}` has no adjoint"));
    adjoint.as_array().expect("an array adjoint").to_vec()
}

/// The pictures are drawn: DOT the layout crate parses into a graph of as
/// many nodes, SVG that is well-formed XML holding every node's label.
fn assert_draws(g: &Graph) {
    let dot = g.to_dot();
    let mut parser = layout::gv::DotParser::new(&dot);
    let ast = parser.process().unwrap_or_else(|e| panic!("DOT does not parse: {e}\n{dot}"));
    let mut builder = layout::gv::GraphBuilder::new();
    builder.visit_graph(&ast);
    assert_eq!(builder.get().num_nodes(), g.nodes().len());
    let svg = g.to_svg();
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("SVG is not well-formed XML: {e}"));
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    for n in g.nodes() {
        assert!(texts.iter().any(|t| t.starts_with(n.label())), "no `{}` in the SVG", n.label());
    }
}

fn edge_partial(g: &Graph, from: &str, to: &str) -> Option<Value> {
    let edge = g.edge(node(g, from), node(g, to))?;
    Some(edge.partial().expect("a partial").clone())
}

// ------------------------------------------------- calls that write `&mut`

#[grad]
fn double_into(x: &[f64], y: &mut [f64]) {
    for i in 0..x.len() {
        y[i] = 2.0 * x[i];
    }
}

#[grad]
fn scale_in_place(a: f64, y: &mut [f64]) {
    for i in 0..y.len() {
        y[i] *= a;
    }
}

#[grad(graph)]
fn doubled_product(x: &[f64; 2]) -> f64 {
    let mut y = [0.0; 2];
    double_into(x, &mut y);
    y[0] * y[1]
}

#[test]
fn a_call_writing_a_local_buffer_is_a_call_node_written_into_it() {
    let x = [1.5, -0.5];
    let g = doubled_product_graph(&x);
    assert_draws(&g);
    let call = "double_into(x, &mut y)";
    assert_eq!(g.node(node(&g, call)).kind(), NodeKind::Call);
    // What the call wrote, and the buffer after it.
    assert_eq!(array(&g, call), [2.0 * x[0], 2.0 * x[1]]);
    assert_eq!(array(&g, "y = [0.0; 2]"), [2.0 * x[0], 2.0 * x[1]]);
    // ∂(y₀ + y₁)/∂x = [2, 2] on the edge from x; the call overwrites y,
    // so no edge from y's entry value; an edge from the call into y.
    assert_eq!(edge_partial(&g, "x", call), Some(Value::Array(vec![2.0, 2.0])));
    assert!(g.edge(node(&g, "y = [0.0; 2]"), node(&g, call)).is_none());
    assert!(g.edge(node(&g, call), node(&g, "y = [0.0; 2]")).is_some());
    // f = 4 x₀ x₁: the call's adjoint is ∂f/∂y = [y₁, y₀].
    assert_eq!(array_adjoint(&g, call), [2.0 * x[1], 2.0 * x[0]]);
    let mut d_x = [0.0; 2];
    let f = doubled_product_vjp(&x, &mut d_x, 1.0);
    assert_eq!(g.node(g.result().unwrap()).value().as_scalar(), Some(f));
    assert_eq!(array_adjoint(&g, "x"), d_x);
    assert_eq!(d_x, [4.0 * x[1], 4.0 * x[0]]);
}

#[grad(graph)]
fn scaled_range(a: f64, x: &[f64; 2]) -> f64 {
    let mut y = [0.0; 3];
    y[0] = x[0];
    y[1] = x[1];
    y[2] = 1.0;
    scale_in_place(a, &mut y[1..3]);
    y[0] + y[1] * y[2]
}

#[test]
fn a_call_updating_a_range_in_place_reads_the_buffers_entry_value() {
    let (a, x) = (1.5, [0.25, -2.0]);
    let g = scaled_range_graph(a, &x);
    assert_draws(&g);
    let call = "scale_in_place(a, &mut y[1..3])";
    // It writes y[1..3] = [a x₁, a]; y is then [x₀, a x₁, a].
    assert_eq!(array(&g, call), [a * x[1], a]);
    assert_eq!(array(&g, "y = [0.0; 3]"), [x[0], a * x[1], a]);
    // Partials of the sum of what it writes, a(y₁ + y₂): in a, y₁ + y₂ on
    // entry; in the entry range, [a, a] (it reads it: an edge).
    assert_eq!(edge_partial(&g, "a", call), Some(Value::Scalar(x[1] + 1.0)));
    assert_eq!(edge_partial(&g, "y = [0.0; 3]", call), Some(Value::Array(vec![a, a])));
    // f = x₀ + a² x₁: ∂f/∂(y₁, y₂) after the call is [y₂, y₁] = [a, a x₁].
    assert_eq!(array_adjoint(&g, call), [a, a * x[1]]);
    let mut d_x = [0.0; 2];
    let (f, d_a) = scaled_range_vjp(a, &x, &mut d_x, 1.0);
    assert_eq!(f, x[0] + a * a * x[1]);
    assert_eq!((d_a, d_x), (2.0 * a * x[1], [1.0, a * a]));
    assert_eq!(g.node(node(&g, "a")).adjoint(), Some(&Value::Scalar(d_a)));
    assert_eq!(array_adjoint(&g, "x"), d_x);
}

#[grad(graph)]
fn passed_on(a: f64, x: &[f64], y: &mut [f64]) {
    double_into(x, y);
    for _ in 0..2 {
        scale_in_place(a, &mut y[..]);
    }
}

#[test]
fn an_output_passed_on_is_written_by_each_call_in_a_loop() {
    let (a, x) = (1.5, [0.5, -1.0, 2.0]);
    let mut y = [0.0; 3];
    let g = passed_on_graph(a, &x, &mut y);
    assert_draws(&g);
    // The edge from y into the call closes a cycle (y → call → y): it is
    // drawn back, its head at the call, and each edge has one head.
    let svg = g.to_svg();
    assert_eq!(svg.matches("marker-start=").count() + svg.matches("marker-end=").count(), g.edges().count());
    assert_eq!(svg.matches("marker-start=").count(), 1);
    // The output node holds what the function left: 2a²x.
    let want: Vec<f64> = x.iter().map(|x| 2.0 * a * a * x).collect();
    assert_eq!(array(&g, "y"), want);
    assert_eq!(g.node(node(&g, "y")).kind(), NodeKind::Output);
    assert_eq!(array(&g, "double_into(x, y)"), [2.0 * x[0], 2.0 * x[1], 2.0 * x[2]]);
    // The loop's call node, at the last pass: it read 2a x, wrote 2a²x.
    let call = "scale_in_place(a, &mut y[..])";
    assert_eq!(array(&g, call), want);
    let entry_sum: f64 = x.iter().map(|x| 2.0 * a * x).sum();
    assert_eq!(edge_partial(&g, "a", call), Some(Value::Scalar(entry_sum)));
    assert_eq!(edge_partial(&g, "y", call), Some(Value::Array(vec![a; 3])));
    // The graph of the sum of the outputs: every element seeded 1.
    assert_eq!(array_adjoint(&g, call), [1.0; 3]);
    assert_eq!(array_adjoint(&g, "double_into(x, y)"), [a * a; 3]);
    let (mut d_x, mut y, mut d_y) = ([0.0; 3], [0.0; 3], [1.0; 3]);
    let (d_a,) = passed_on_vjp(a, &x, &mut d_x, &mut y, &mut d_y);
    assert_eq!(d_x, [2.0 * a * a; 3]);
    assert_eq!(g.node(node(&g, "a")).adjoint(), Some(&Value::Scalar(d_a)));
    assert_eq!(d_a, 2.0 * 2.0 * a * x.iter().sum::<f64>());
    assert_eq!(array_adjoint(&g, "x"), d_x);
}

// ------------------------------------------------- several results

#[grad(graph)]
fn rotate(s: &[f64; 2], k: f64) -> [f64; 2] {
    [s[1], -k * s[0]]
}

#[grad(graph)]
fn polar(r: f64, t: f64) -> (f64, f64) {
    (r * t.cos(), r * t.sin())
}

#[test]
fn a_function_returning_an_array_is_the_graph_of_the_sum_of_its_elements() {
    let (s, k) = ([0.5, -1.25], 3.0);
    let g = rotate_graph(&s, k);
    assert_draws(&g);
    let result = g.result().expect("a result node");
    assert_eq!(g.node(result).value().as_array(), Some(&[s[1], -k * s[0]][..]));
    assert_eq!(g.node(result).adjoint(), Some(&Value::Array(vec![1.0, 1.0])));
    // Seeded [1, 1]: ∂(s₁ − k s₀)/∂s = [−k, 1], ∂/∂k = −s₀.
    let mut d_s = [0.0; 2];
    let (value, d_k) = rotate_vjp(&s, &mut d_s, k, [1.0, 1.0]);
    assert_eq!(value, [s[1], -k * s[0]]);
    assert_eq!((d_s, d_k), ([-k, 1.0], -s[0]));
    assert_eq!(array_adjoint(&g, "s"), d_s);
    assert_eq!(g.node(node(&g, "k")).adjoint(), Some(&Value::Scalar(d_k)));
}

#[test]
fn a_function_returning_a_tuple_is_the_graph_of_the_sum_of_its_floats() {
    let (r, t) = (2.0, 0.75_f64);
    let g = polar_graph(r, t);
    assert_draws(&g);
    let result = g.result().expect("a result node");
    assert_eq!(g.node(result).value().as_array(), Some(&[r * t.cos(), r * t.sin()][..]));
    let ((x, y), d_r, d_t) = polar_vjp(r, t, (1.0, 1.0));
    assert_eq!((x, y), (r * t.cos(), r * t.sin()));
    assert_eq!(g.node(node(&g, "r")).adjoint(), Some(&Value::Scalar(d_r)));
    assert_eq!(g.node(node(&g, "t")).adjoint(), Some(&Value::Scalar(d_t)));
    let (want_r, want_t) = (t.cos() + t.sin(), r * (t.cos() - t.sin()));
    assert!((d_r - want_r).abs() < 1e-15 && (d_t - want_t).abs() < 1e-15);
}

#[grad(graph, vjp = swap_scaled_vjp)]
fn swap_scaled(k: f64, s: &[f64; 2]) -> [f64; 2] {
    [k * s[1], s[0]]
}

fn swap_scaled_vjp(k: f64, s: &[f64; 2], d_s: &mut [f64; 2], seed: [f64; 2]) -> ([f64; 2], f64) {
    d_s[0] += seed[1];
    d_s[1] += k * seed[0];
    ([k * s[1], s[0]], seed[0] * s[1])
}

#[test]
fn a_custom_vjp_returning_an_array_is_one_call_node_seeded_one_in_each_element() {
    let (k, s) = (2.5, [0.5, -4.0]);
    let g = swap_scaled_graph(k, &s);
    assert_draws(&g);
    let call = g.result().expect("a result node");
    assert_eq!(g.node(call).value().as_array(), Some(&[k * s[1], s[0]][..]));
    assert_eq!(g.node(call).adjoint(), Some(&Value::Array(vec![1.0, 1.0])));
    // ∂(k s₁ + s₀)/∂k = s₁, ∂/∂s = [1, k].
    assert_eq!(g.node(node(&g, "k")).adjoint(), Some(&Value::Scalar(s[1])));
    assert_eq!(array_adjoint(&g, "s"), [1.0, k]);
}

// ------------------------------------------- arrays by value, several results of a call

#[grad]
fn deriv(s: [f64; 2], k: f64) -> [f64; 2] {
    [s[1], -k * s[0]]
}

#[grad]
fn split(x: f64) -> (f64, f64) {
    (x.sin(), x.cos())
}

#[grad(graph)]
fn euler_energy(s: [f64; 2], k: f64, h: f64) -> f64 {
    let d: [f64; 2] = deriv(s, k);
    let next = [s[0] + h * d[0], s[1] + h * d[1]];
    next[0] * next[0] + next[1] * next[1]
}

#[grad(graph)]
fn split_product(x: f64) -> f64 {
    let (a, b) = split(x);
    a * b
}

#[test]
fn an_array_by_value_is_one_node_and_a_call_giving_an_array_a_call_node_of_it() {
    let (s, k, h) = ([0.75, -0.5], 2.0, 0.1);
    let g = euler_energy_graph(s, k, h);
    assert_draws(&g);
    assert_eq!(g.node(node(&g, "s")).kind(), NodeKind::Input);
    assert_eq!(array(&g, "s"), s);
    let call = "d = deriv(s, k)";
    assert_eq!(g.node(node(&g, call)).kind(), NodeKind::Call);
    assert_eq!(array(&g, call), [s[1], -k * s[0]]);
    // Partials of the sum d₀ + d₁ = s₁ − k s₀: in s, [−k, 1]; in k, −s₀.
    assert_eq!(edge_partial(&g, "s", call), Some(Value::Array(vec![-k, 1.0])));
    assert_eq!(edge_partial(&g, "k", call), Some(Value::Scalar(-s[0])));
    // E = |s + h d|²: ∂E/∂d = 2h (s + h d), the call node's adjoint.
    let next = [s[0] + h * s[1], s[1] - h * k * s[0]];
    assert_eq!(array_adjoint(&g, call), [2.0 * h * next[0], 2.0 * h * next[1]]);
    let (e, d_s, d_k, d_h) = euler_energy_vjp(s, k, h, 1.0);
    assert_eq!(e, next[0] * next[0] + next[1] * next[1]);
    assert_eq!(array_adjoint(&g, "s"), d_s);
    assert_eq!(g.node(node(&g, "k")).adjoint(), Some(&Value::Scalar(d_k)));
    assert_eq!(g.node(node(&g, "h")).adjoint(), Some(&Value::Scalar(d_h)));
    let want_s = [2.0 * next[0] - 2.0 * next[1] * h * k, 2.0 * next[0] * h + 2.0 * next[1]];
    assert!(d_s.iter().zip(want_s).all(|(got, want)| (got - want).abs() < 1e-14), "{d_s:?} vs {want_s:?}");
}

#[test]
fn a_call_giving_a_tuple_is_a_call_node_of_its_floats() {
    let x = 0.4_f64;
    let g = split_product_graph(x);
    assert_draws(&g);
    let call = node(&g, "split(x)");
    assert_eq!(g.node(call).kind(), NodeKind::Call);
    // Each float of the tuple is read from the call's node.
    assert_eq!(g.node(node(&g, "a = split(x).0")).value().as_scalar(), Some(x.sin()));
    assert_eq!(g.node(node(&g, "b = split(x).1")).value().as_scalar(), Some(x.cos()));
    assert_eq!(g.node(call).value().as_array(), Some(&[x.sin(), x.cos()][..]));
    // ∂(sin x + cos x)/∂x on the edge from x; the adjoint ∂(ab)/∂(a, b) = [b, a].
    let from_x = g.edge(node(&g, "x"), call).and_then(|e| e.partial()).and_then(Value::as_scalar);
    assert_eq!(from_x, Some(x.cos() - x.sin()));
    assert_eq!(g.node(call).adjoint(), Some(&Value::Array(vec![x.cos(), x.sin()])));
    let (_, d_x) = split_product_vjp(x, 1.0);
    assert_eq!(g.node(node(&g, "x")).adjoint(), Some(&Value::Scalar(d_x)));
    assert!((d_x - (2.0 * x).cos()).abs() < 1e-15);
}

// ------------------------------------------- a custom vjp with an `&mut` output

#[grad(graph, vjp = double_vjp)]
fn double(x: &[f64], y: &mut [f64]) {
    for i in 0..x.len() {
        y[i] = 2.0 * x[i];
    }
}

fn double_vjp(x: &[f64], d_x: &mut [f64], y: &mut [f64], d_y: &mut [f64]) {
    for i in 0..x.len() {
        y[i] = 2.0 * x[i];
        d_x[i] += 2.0 * d_y[i];
        d_y[i] = 0.0;
    }
}

#[grad(graph, vjp = shift_vjp)]
fn shift(a: f64, y: &mut [f64; 2]) -> f64 {
    y[0] += a;
    y[1] += a;
    a * a
}

fn shift_vjp(a: f64, y: &mut [f64; 2], d_y: &mut [f64; 2], seed: f64) -> (f64, f64) {
    y[0] += a;
    y[1] += a;
    // y is updated in place: its adjoint passes through to its entry value.
    (a * a, 2.0 * a * seed + d_y[0] + d_y[1])
}

#[test]
fn a_custom_vjp_writing_an_output_is_a_call_node_written_into_it() {
    let x = [0.5, -1.5];
    let mut y = [7.0; 2];
    let g = double_graph(&x, &mut y);
    assert_draws(&g);
    // The call wrote 2x into y, which the graph function wrote too.
    assert_eq!(y, [1.0, -3.0]);
    let call = "double(x, y)";
    assert_eq!(array(&g, call), [1.0, -3.0]);
    assert_eq!(array(&g, "y"), [1.0, -3.0]);
    assert_eq!(g.node(node(&g, "y")).kind(), NodeKind::Output);
    // Nothing returned: each output element seeded 1 (the graph of the sum).
    assert_eq!(array_adjoint(&g, call), [1.0, 1.0]);
    assert_eq!(array_adjoint(&g, "y"), [1.0, 1.0]);
    assert_eq!(array_adjoint(&g, "x"), [2.0, 2.0]);
    // The call overwrites y: no edge from its entry value; one into it.
    assert!(g.edge(node(&g, "y"), node(&g, call)).is_none());
    assert!(g.edge(node(&g, call), node(&g, "y")).is_some());
}

#[test]
fn a_custom_vjp_with_a_result_and_an_output_seeds_the_result() {
    let a = 1.25;
    let mut y = [1.0, 2.0];
    let g = shift_graph(a, &mut y);
    assert_draws(&g);
    assert_eq!(y, [1.0 + a, 2.0 + a]);
    let call = g.result().expect("the call is the result");
    assert_eq!(g.node(call).value().as_scalar(), Some(a * a));
    assert_eq!(array(&g, "y"), [1.0 + a, 2.0 + a]);
    // The result seeded 1, the output 0: ∂(a²)/∂a = 2a.
    assert_eq!(g.node(node(&g, "a")).adjoint(), Some(&Value::Scalar(2.0 * a)));
    assert_eq!(array_adjoint(&g, "y"), [0.0, 0.0]);
    // The call node is the result, which does not read y's entry value:
    // no edge from it, an edge into y (the call writes it).
    assert!(g.edge(node(&g, "y"), call).is_none());
    assert!(g.edge(call, node(&g, "y")).is_some());
}

// ------------------------------------------------------------ generic floats

#[grad]
fn rot<T: Float>(s: [T; 2], k: T) -> [T; 2] {
    [s[1] * k, -s[0]]
}

#[grad(graph)]
fn use_rot<T: Float>(w: &[T; 2]) -> T {
    let r: [T; 2] = rot([w[0], w[1]], w[0]);
    r[0] * r[1]
}

#[grad]
fn fill<T: Float>(x: &[T], out: &mut [T]) {
    for i in 0..x.len() {
        out[i] = x[i] * x[i];
    }
}

#[grad(graph)]
fn use_fill<T: Float>(w: &[T; 2]) -> T {
    let mut out = [T::zero(); 2];
    fill(w, &mut out);
    out[0] * out[1]
}

#[test]
fn generic_functions_draw_these_calls_at_f64_and_at_f32() {
    let (x, y) = (1.5, -0.5);
    // use_rot = (y·x)(−x) = −x²y; use_fill = x²y².
    let g = use_rot_graph(&[x, y]);
    assert_draws(&g);
    assert_eq!(array_adjoint(&g, "w"), [-2.0 * x * y, -x * x]);
    let g = use_rot_graph(&[x as f32, y as f32]);
    assert_eq!(array_adjoint(&g, "w"), [-2.0 * x * y, -x * x]);
    let g = use_fill_graph(&[x as f32, y as f32]);
    assert_draws(&g);
    assert_eq!(array(&g, "fill(w, &mut out)"), [x * x, y * y]);
    assert_eq!(array_adjoint(&g, "w"), [2.0 * x * y * y, 2.0 * x * x * y]);
}

// ------------------------- element reads passed to calls of several floats

#[grad]
fn scale_into(a: f64, x: &[f64], y: &mut [f64]) {
    for i in 0..x.len() {
        y[i] += a * x[i];
    }
}

#[grad(graph)]
fn split_of_elements(w: &[f64; 2]) -> f64 {
    let (a, b) = split(w[0] * w[1]);
    let s: [f64; 2] = deriv([w[1], 1.0], w[0]);
    a * b + s[0] * s[1]
}

#[grad(graph)]
fn scaled_by_element(x: &[f64; 2]) -> f64 {
    let mut y = [1.0, 2.0];
    scale_into(x[0], x, &mut y);
    y[0] * y[1]
}

#[test]
fn an_element_read_passed_to_a_call_of_several_floats_gets_the_adjoint_through_each() {
    let w = [0.7, -1.1];
    let g = split_of_elements_graph(&w);
    assert_draws(&g);
    let mut d_w = [0.0; 2];
    let f = split_of_elements_vjp(&w, &mut d_w, 1.0);
    assert_eq!(g.node(g.result().unwrap()).value().as_scalar(), Some(f));
    assert_eq!(array_adjoint(&g, "w"), d_w);
    // deriv([w₁, 1], w₀) = [1, −w₀ w₁]: s₀ s₁ = −w₀ w₁, whose partial in
    // the read w[0] passed as k is −w₁ (the adjoint of that read node).
    let k = g
        .edges()
        .find(|e| g.node(e.to()).label() == "s = deriv([w[1], 1.0], w[0])" && g.node(e.from()).label() == "w[0]")
        .expect("an edge from the read w[0]");
    assert_eq!(g.node(k.from()).adjoint(), Some(&Value::Scalar(-w[1])));
    // Its edge carries the partial of the sum of the floats: ∂(1 − w₀ w₁)/∂k = −w₁.
    assert_eq!(k.partial(), Some(&Value::Scalar(-w[1])));

    let x = [0.5, -1.5];
    let g = scaled_by_element_graph(&x);
    assert_draws(&g);
    // y = [x₀² + 1, x₀ x₁ + 2]; f = y₀ y₁: through a = x₀ alone,
    // ∂f/∂a = x₀ y₁ + x₁ y₀, the adjoint of the read x[0] passed as a.
    let y = [x[0] * x[0] + 1.0, x[0] * x[1] + 2.0];
    let read = g
        .edges()
        .find(|e| g.node(e.to()).label() == "scale_into(x[0], x, &mut y)" && g.node(e.from()).label() == "x[0]")
        .expect("an edge from the read x[0]");
    let want = x[0] * y[1] + x[1] * y[0];
    let got = g.node(read.from()).adjoint().and_then(Value::as_scalar).unwrap();
    assert!((got - want).abs() < 1e-14, "{got} vs {want}");
    let mut d_x = [0.0; 2];
    scaled_by_element_vjp(&x, &mut d_x, 1.0);
    assert_eq!(array_adjoint(&g, "x"), d_x);
}

// ------------------------------------- vectors grown by `push` or `collect`

/// `Σ 2xᵢ²` through a vector built by `collect`, doubled through
/// `iter_mut`, and a vector grown by `push`.
#[grad(graph)]
fn grown(x: &[f64; 3]) -> f64 {
    let mut y: Vec<f64> = x.iter().map(|v| v * v).collect();
    for o in y.iter_mut() {
        *o *= 2.0;
    }
    let mut z: Vec<f64> = Vec::new();
    for v in y.iter() {
        z.push(v + 0.0);
    }
    z.iter().sum()
}

#[test]
fn vectors_grown_by_push_and_collect_are_drawn_with_their_values_and_adjoints() {
    let x = [1.0, -2.0, 0.5];
    let g = grown_graph(&x);
    assert_draws(&g);
    // The vectors' nodes end holding every element pushed.
    assert_eq!(array(&g, "z = Vec::new()"), vec![2.0, 8.0, 0.5]);
    // ∂/∂xᵢ = 4xᵢ; a read of z (the last pass's) has adjoint 1, while the
    // node of `z` itself holds the adjoint of what it was bound to: every
    // element is written by a push, so nothing of that reaches the result.
    assert_eq!(array_adjoint(&g, "x"), vec![4.0, -8.0, 2.0]);
    assert_eq!(common::graph::adjoint(&g, "z[_]"), 1.0);
    assert_eq!(array_adjoint(&g, "z = Vec::new()"), vec![0.0, 0.0, 0.0]);
    let mut d_x = [0.0; 3];
    grown_grad(&x, &mut d_x);
    assert_eq!(array_adjoint(&g, "x"), d_x.to_vec());
}
