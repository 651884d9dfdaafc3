//! `autodiff::Graph`: the graphs `#[grad(graph)]` generates for the
//! examples, checked against the lesson's closed forms; the builder's
//! loops, calls, arrays; DOT read back by the layout crate's parser; SVG
//! read back by an XML parser.

// Both examples bring the module that places their pictures along, so it
// is loaded twice here, once in each.
#![allow(clippy::duplicate_mod)]

#[allow(dead_code)]
#[path = "../examples/computational_graph.rs"]
mod computational_graph;

#[allow(dead_code)]
#[path = "../examples/seed_network.rs"]
mod seed_network;

mod common;

use autodiff::prelude::*;
use autodiff::{ClusterKind, Value};
use common::graph::{adjoint, assert_is_the_lessons_j_graph, node, partial, value};

// ------------------------------------------------------------------ J = 3(a + bc)

#[test]
fn graph_of_j_has_the_lessons_nodes_values_partials_and_adjoints() {
    for (a, b, c) in [(5.0, 3.0, 2.0), (1.0, 2.0, 3.0), (-0.5, 4.0, -1.5)] {
        let g = computational_graph::j_graph(a, b, c);
        assert_is_the_lessons_j_graph(&g, a, b, c);
    }
}

#[test]
fn every_adjoint_is_the_sum_over_children_of_their_adjoint_times_the_edge_partial() {
    // Backpropagation as the lesson states it, checked on every node but the result.
    let g = computational_graph::j_graph(5.0, 3.0, 2.0);
    for id in g.node_ids().filter(|&id| Some(id) != g.result()) {
        let by_edges: f64 = g
            .edges()
            .filter(|e| e.from() == id)
            .map(|e| {
                e.partial().and_then(Value::as_scalar).unwrap() * g.node(e.to()).adjoint().unwrap().as_scalar().unwrap()
            })
            .sum();
        assert_eq!(g.node(id).adjoint().and_then(Value::as_scalar), Some(by_edges), "{}", g.node(id).label());
    }
}

// ------------------------------------------------------------ the 2-2-2-1 network

#[test]
fn network_graph_gives_each_weight_the_lessons_gradient() {
    use seed_network::{by_paths, example_net, forward, network_graph, WEIGHTS, X, Y};
    let nets = [
        (example_net(), X, Y),
        (
            seed_network::Net { w1: [[1.5, -2.0], [0.7, 2.5]], w2: [[-1.2, 0.9], [2.2, -0.4]], w3: [[1.7], [-2.3]] },
            [0.8, 1.9],
            -0.6,
        ),
    ];
    for (net, x, y) in nets {
        let g = network_graph(&net, &x, y);
        let expected = by_paths(&net, &x, y).to_flat();
        for (name, want) in WEIGHTS.iter().zip(expected) {
            let got = adjoint(&g, name);
            assert!((got - want).abs() <= 1e-12 * want.abs().max(1.0), "∇{name}: {got} vs the paths' {want}");
        }
        let run = forward(&net, &x, y);
        assert_eq!(value(&g, "squared_error(out, y)"), run.loss);
        assert!((adjoint(&g, "out = fb1 * w3_11 + fb2 * w3_21") - run.d_out).abs() <= 1e-15);
        assert_eq!(g.node(node(&g, "x1")).adjoint(), None, "the inputs x are constants");
        // x1 flows into a1 and a2 without a derivative.
        for product in ["x1 * w1_11", "x1 * w1_12"] {
            assert_eq!(g.edge(node(&g, "x1"), node(&g, product)).map(|e| e.partial()), Some(None));
        }
        assert_eq!(partial(&g, "w1_11", "x1 * w1_11"), x[0]);
    }
}

// ------------------------------------------------------------------------ builder

/// `s = 0; for i in 0..n { s = s + x[i] * x[i] }` at x, as generated code
/// would build it; the reverse sweep visits the passes last to first.
fn sum_of_squares_graph(x: &[f64]) -> Graph {
    let mut g = Graph::new("sum_sq");
    let nx = g.input("x", x);
    let mut s = 0.0;
    let mut ns = g.bind("s", "0.0", s, &[]);
    let mut pass_nodes = Vec::new();
    g.begin_loop("for i in 0..x.len()");
    for (i, &xi) in x.iter().enumerate() {
        g.next_pass();
        let read = g.element("x[i]", nx, i);
        let sq = g.op("x[i] * x[i]", xi * xi, &[(read, 2.0 * xi)]);
        s += xi * xi;
        ns = g.bind("s", "s + x[i] * x[i]", s, &[(ns, 1.0), (sq, 1.0)]);
        pass_nodes.push((read, sq, ns));
    }
    g.end_loop();
    g.output(ns);
    // Reverse: ∂out/∂s = 1 in every pass, ∂out/∂(x[i]²) = 1, ∂out/∂x[i] = 2x[i].
    for (i, &(read, sq, ns)) in pass_nodes.iter().enumerate().rev() {
        g.set_adjoint(ns, 1.0);
        g.set_adjoint(sq, 1.0);
        g.set_adjoint(read, 2.0 * x[i]);
    }
    g.set_adjoint(nx, x.iter().map(|v| 2.0 * v).collect::<Vec<_>>());
    g
}

#[test]
fn a_loop_is_one_cluster_holding_its_last_pass() {
    let x = [1.0, -2.0, 3.0, 0.5];
    let g = sum_of_squares_graph(&x);
    // x, s = 0.0, and the body's three nodes once, whatever the number of passes.
    assert_eq!(g.nodes().len(), 5);
    assert_eq!(g.clusters().len(), 1);
    let body = &g.clusters()[0];
    assert_eq!((body.kind(), body.label(), body.passes()), (ClusterKind::Loop, "for i in 0..x.len()", 4));
    assert!(body.note().contains("4 passes"), "{}", body.note());

    // The last pass: x[3] = 0.5, its square 0.25, and s = Σ x².
    let read = node(&g, "x[i]");
    assert_eq!(g.node(read).value(), &Value::Scalar(0.5));
    assert_eq!(g.edge(node(&g, "x"), read).and_then(|e| e.index()), Some(3));
    assert_eq!(value(&g, "x[i] * x[i]"), 0.25);
    let s = node(&g, "s = s + x[i] * x[i]");
    assert_eq!(value(&g, "s = s + x[i] * x[i]"), 1.0 + 4.0 + 9.0 + 0.25);
    assert_eq!(partial(&g, "x[i] * x[i]", "s = s + x[i] * x[i]"), 1.0);
    // s carried from the previous pass: an edge from s to itself, ∂ = 1;
    // the pass that read s = 0.0 is not the last one.
    assert_eq!(g.edge(s, s).and_then(|e| e.partial()), Some(&Value::Scalar(1.0)));
    assert!(g.edge(node(&g, "s = 0.0"), s).is_none());
    // Adjoints of the last pass (the first the reverse sweep sets), not of the first.
    assert_eq!(adjoint(&g, "x[i]"), 2.0 * 0.5);
    assert_eq!(g.node(node(&g, "x")).adjoint(), Some(&Value::Array(vec![2.0, -4.0, 6.0, 1.0])));
    assert!(g.node_ids().all(|id| g.is_current(id)));
}

#[test]
fn a_branch_the_last_pass_did_not_take_is_marked_as_from_an_earlier_pass() {
    let mut g = Graph::new("f");
    let x = g.input("x", 2.0);
    g.begin_loop("for k in 0..2");
    g.next_pass();
    let early = g.op("x * 3.0", 6.0, &[(x, 3.0)]);
    g.next_pass();
    let late = g.op("x * x", 4.0, &[(x, 4.0)]);
    g.end_loop();
    assert!(!g.is_current(early));
    assert!(g.is_current(late));
    assert!(g.to_dot().contains("x * 3.0 (earlier pass)"));
}

#[test]
fn nested_loops_and_calls_reuse_their_clusters_pass_after_pass() {
    let mut g = Graph::new("nested");
    let x = g.input("x", 1.0);
    g.begin_loop("for i in 0..3");
    for i in 0..3 {
        g.next_pass();
        g.begin_loop("for j in 0..i");
        for _ in 0..i {
            g.next_pass();
            g.op("x + 1.0", 2.0, &[(x, 1.0)]);
        }
        g.end_loop();
        g.begin_call("sigmoid(x)");
        g.op("-x", -1.0, &[(x, -1.0)]);
        g.end_call();
    }
    g.end_loop();
    let kinds: Vec<(ClusterKind, usize)> = g.clusters().iter().map(|c| (c.kind(), c.passes())).collect();
    // The inner loop shows the outer loop's last pass, which made 2 passes.
    assert_eq!(kinds, [(ClusterKind::Loop, 3), (ClusterKind::Loop, 2), (ClusterKind::Call, 1)]);
    assert_eq!(g.nodes().len(), 3);
    let inner = g.node(node(&g, "x + 1.0")).cluster().unwrap();
    assert_eq!(
        g.cluster(inner).parent(),
        Some(g.node(node(&g, "-x")).cluster().and_then(|c| g.cluster(c).parent()).unwrap())
    );
    assert_eq!(g.to_dot().matches("subgraph cluster_").count(), 3);
}

#[test]
fn arrays_are_one_node_with_their_values_and_element_edges() {
    let mut g = Graph::new("f");
    let x = g.input("x", [1.0, 2.0]);
    let y = g.constant("y", vec![0.0; 8]);
    let x1 = g.element("x[1]", x, 1);
    let t = g.op("2.0 * x[1]", 4.0, &[(x1, 2.0)]);
    g.store(y, 7, t);
    assert_eq!(g.node(y).value().as_array().map(|v| v[7]), Some(4.0));
    let write = g.edge(t, y).unwrap();
    assert_eq!((write.index(), write.partial()), (Some(7), Some(&Value::Scalar(1.0))));
    let dot = g.to_dot();
    assert!(dot.contains("= [1, 2]"), "{dot}");
    assert!(dot.contains("= [0, 0, 0, …, 4] (len 8)"), "{dot}");
}

#[test]
fn an_operand_given_twice_is_one_edge_with_the_sum_of_its_partials() {
    // x * x at x = 3: ∂/∂x = x + x = 6, not 3.
    let mut g = Graph::new("square");
    let x = g.input("x", 3.0);
    let y = g.op("x * x", 9.0, &[(x, 3.0), (x, 3.0)]);
    assert_eq!(g.parents(y).len(), 1);
    assert_eq!(g.edge(x, y).and_then(|e| e.partial()), Some(&Value::Scalar(6.0)));
}

#[test]
fn set_adjoint_outside_loops_keeps_the_last_value() {
    let mut g = Graph::new("f");
    let x = g.input("x", 1.0);
    g.set_adjoint(x, 1.0);
    g.set_adjoint(x, 2.0);
    assert_eq!(g.node(x).adjoint(), Some(&Value::Scalar(2.0)));
}

// --------------------------------------------------------------------------- DOT

/// A DOT node statement: its id and label.
type DotNode = (String, String);
/// A DOT edge statement: from, to, label.
type DotEdge = (String, String, String);

/// The nodes and edges of a DOT text, as the layout crate's parser reads
/// them.
fn parse_dot(dot: &str) -> (Vec<DotNode>, Vec<DotEdge>) {
    use layout::gv::parser::ast::{AttributeList, Graph as Ast, Stmt};
    fn label(list: &AttributeList) -> String {
        list.iter().find(|(k, _)| k == "label").map(|(_, v)| v.clone()).unwrap_or_default()
    }
    fn walk(graph: &Ast, nodes: &mut Vec<DotNode>, edges: &mut Vec<DotEdge>) {
        for stmt in &graph.list.list {
            match stmt {
                Stmt::Node(n) => nodes.push((n.id.name.clone(), label(&n.list))),
                Stmt::Edge(e) => {
                    assert_eq!(e.to.len(), 1, "one edge per statement");
                    edges.push((e.from.name.clone(), e.to[0].0.name.clone(), label(&e.list)));
                }
                Stmt::SubGraph(sub) => walk(sub, nodes, edges),
                Stmt::Attribute(_) => {}
            }
        }
    }
    let mut parser = layout::gv::DotParser::new(dot);
    let ast = parser.process().unwrap_or_else(|e| panic!("DOT does not parse: {e}\n{dot}"));
    let (mut nodes, mut edges) = (Vec::new(), Vec::new());
    walk(&ast, &mut nodes, &mut edges);
    // The crate builds its own graph from it, without complaint.
    let mut builder = layout::gv::GraphBuilder::new();
    builder.visit_graph(&ast);
    assert_eq!(builder.get().num_nodes(), nodes.len());
    (nodes, edges)
}

#[test]
fn dot_round_trips_through_the_layout_crates_parser() {
    for g in [
        computational_graph::j_graph(5.0, 3.0, 2.0),
        seed_network::network_graph(&seed_network::example_net(), &seed_network::X, seed_network::Y),
        sum_of_squares_graph(&[1.0, 2.0]),
    ] {
        let dot = g.to_dot();
        assert!(dot.contains("rankdir=LR"));
        let (nodes, edges) = parse_dot(&dot);
        assert_eq!(nodes.len(), g.nodes().len());
        for (id, (name, label)) in g.node_ids().zip(&nodes) {
            assert_eq!(name, &format!("n{}", id.index()));
            let n = g.node(id);
            let mut lines = vec![n.label().to_string(), format!("= {}", n.value())];
            lines.extend(n.adjoint().map(|a| format!("∇ = {a}")));
            assert_eq!(label, &lines.join("\n"));
        }
        let mut expected: Vec<(String, String)> =
            g.edges().map(|e| (format!("n{}", e.from().index()), format!("n{}", e.to().index()))).collect();
        let mut parsed: Vec<(String, String)> = edges.iter().map(|(f, t, _)| (f.clone(), t.clone())).collect();
        expected.sort();
        parsed.sort();
        assert_eq!(parsed, expected);
    }
    // J's partials, read back from the DOT text.
    let (_, edges) = parse_dot(&computational_graph::j_graph(5.0, 3.0, 2.0).to_dot());
    let labels: Vec<&str> = edges.iter().map(|(_, _, l)| l.as_str()).collect();
    for want in ["∂v/∂b = 2", "∂v/∂c = 3", "∂u/∂a = 1", "∂u/∂v = 1", "∂j/∂u = 3"] {
        assert!(labels.contains(&want), "{want} not in {labels:?}");
    }
}

#[test]
fn dot_escapes_quotes_and_backslashes_in_labels() {
    let mut g = Graph::new("say \"hi\"");
    let x = g.input("x", 1.0);
    g.op("x \\ \"q\"", 1.0, &[(x, 1.0)]);
    let (nodes, _) = parse_dot(&g.to_dot());
    assert!(nodes[1].1.starts_with("x \\ \"q\"\n"), "{:?}", nodes[1]);
}

// --------------------------------------------------------------------------- SVG

/// The texts of an SVG document, which must be well-formed XML, with the
/// fill colour of each.
fn svg_texts(svg: &str) -> Vec<(String, Option<String>)> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("SVG is not well-formed XML: {e}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert_eq!(doc.root_element().tag_name().namespace(), Some("http://www.w3.org/2000/svg"));
    doc.descendants()
        .filter(|n| n.has_tag_name("text") || n.has_tag_name("tspan"))
        .filter_map(|n| Some((n.text()?.to_string(), n.attribute("fill").map(str::to_string))))
        .collect()
}

#[test]
fn svg_is_well_formed_and_shows_every_label_value_and_adjoint_in_their_colours() {
    for g in [
        computational_graph::j_graph(5.0, 3.0, 2.0),
        seed_network::network_graph(&seed_network::example_net(), &seed_network::X, seed_network::Y),
        sum_of_squares_graph(&[1.0, 2.0, 3.0]),
    ] {
        let svg = g.to_svg();
        // Kept for a look (`.ci/render-pictures` turns them into PNGs).
        let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("graph-{}.svg", g.name()));
        std::fs::write(&path, &svg).unwrap();
        let texts = svg_texts(&svg);
        let has = |text: &str| texts.iter().any(|(t, _)| t == text);
        let colour_of = |text: &str| texts.iter().find(|(t, _)| t == text).and_then(|(_, c)| c.clone());
        for n in g.nodes() {
            assert!(has(n.label()), "no label `{}`", n.label());
            let value = format!("= {}", n.value());
            assert!(has(&value), "no `{value}` for `{}`", n.label());
            assert_eq!(colour_of(&value).as_deref(), Some("#1f5fbf"), "values are blue");
            if let Some(a) = n.adjoint() {
                let adjoint = format!("∇ = {a}");
                assert!(has(&adjoint), "no `{adjoint}` for `{}`", n.label());
                assert_eq!(colour_of(&adjoint).as_deref(), Some("#c0392b"), "adjoints are red");
            }
        }
        for c in g.clusters() {
            assert!(has(c.label()) && has(&c.note()), "no cluster `{}`", c.label());
        }
    }
    let texts = svg_texts(&computational_graph::j_graph(5.0, 3.0, 2.0).to_svg());
    assert!(texts.iter().any(|(t, c)| t == "∂v/∂b = 2" && c.as_deref() == Some("#2e7d32")), "partials are green");
}

#[test]
fn the_readme_picture_is_the_examples_current_rendering() {
    let current = computational_graph::j_graph(computational_graph::A, computational_graph::B, computational_graph::C);
    assert!(
        include_str!("../docs/computational_graph.svg") == current.to_svg(),
        "docs/computational_graph.svg is stale: cargo run --example computational_graph -- docs"
    );
}

#[test]
fn svg_reads_left_to_right_inputs_first_result_last() {
    // Each node's box is a <rect> followed by its label's <text>: the
    // inputs' boxes are left of v's, v's left of u's, u's left of J's.
    let svg = computational_graph::j_graph(5.0, 3.0, 2.0).to_svg();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let x_of = |label: &str| {
        let text = doc.descendants().find(|n| n.has_tag_name("text") && n.text() == Some(label)).unwrap();
        text.attribute("x").unwrap().parse::<f64>().unwrap()
    };
    let (a, b, c) = (x_of("a"), x_of("b"), x_of("c"));
    assert!(a == b && b == c, "the inputs share the first column: {a} {b} {c}");
    assert!(a < x_of("v = b * c") && x_of("v = b * c") < x_of("u = a + v") && x_of("u = a + v") < x_of("3.0 * u"));
}

#[test]
fn an_empty_graph_is_an_empty_picture() {
    let g = Graph::new("nothing");
    assert!(svg_texts(&g.to_svg()).iter().any(|(t, _)| t == "nothing"));
    assert_eq!(parse_dot(&g.to_dot()).0.len(), 0);
}

// ------------------------------------------------------------ any shape of graph

mod any_graph {
    use super::*;
    use proptest::prelude::*;

    /// One builder call: a node from up to three earlier nodes, or a loop
    /// around the next calls.
    #[derive(Clone, Debug)]
    enum Step {
        Op { label: u8, parents: Vec<(usize, i8)> },
        Loop { passes: u8, body: Vec<(u8, Vec<usize>)> },
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0u8..6, prop::collection::vec((0usize..64, -3i8..4), 0..4))
                .prop_map(|(label, parents)| Step::Op { label, parents }),
            (0u8..4, prop::collection::vec((0u8..4, prop::collection::vec(0usize..64, 0..3)), 1..4))
                .prop_map(|(passes, body)| Step::Loop { passes, body }),
        ]
    }

    fn build(steps: &[Step]) -> Graph {
        let mut g = Graph::new("any");
        let mut nodes = vec![g.input("x", 1.0), g.constant("k", 2.0)];
        for step in steps {
            match step {
                Step::Op { label, parents } => {
                    let parents: Vec<(NodeId, f64)> =
                        parents.iter().map(|&(p, d)| (nodes[p % nodes.len()], f64::from(d))).collect();
                    let node = g.op(&format!("t{label}"), f64::from(*label), &parents);
                    nodes.push(node);
                }
                Step::Loop { passes, body } => {
                    g.begin_loop("for i in 0..n");
                    for _ in 0..*passes {
                        g.next_pass();
                        for (label, parents) in body {
                            let parents: Vec<(NodeId, f64)> =
                                parents.iter().map(|&p| (nodes[p % nodes.len()], 0.5)).collect();
                            let node = g.bind("s", &format!("e{label}"), 1.0, &parents);
                            nodes.push(node);
                        }
                    }
                    g.end_loop();
                }
            }
            let last = *nodes.last().unwrap();
            g.set_adjoint(last, 1.0);
        }
        g.output(*nodes.last().unwrap());
        g
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Whatever the builder was asked, the pictures are drawn: DOT that
        /// parses, SVG that is XML with every node's label.
        #[test]
        fn every_graph_draws(steps in prop::collection::vec(step(), 0..12)) {
            let g = build(&steps);
            let (nodes, _) = parse_dot(&g.to_dot());
            prop_assert_eq!(nodes.len(), g.nodes().len());
            let texts = svg_texts(&g.to_svg());
            for n in g.nodes() {
                prop_assert!(texts.iter().any(|(t, _)| t.starts_with(n.label())), "no `{}`", n.label());
            }
        }
    }
}
