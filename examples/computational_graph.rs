//! The computational graph of J(a, b, c) = 3(a + bc): the forward pass node
//! by node, then backpropagation of the adjoints from right to left.
//!
//! This example follows §3.1 of the lesson ("计算图和反向传播", computational
//! graphs and backpropagation). J is split into the nodes v = bc, u = a + v,
//! J = 3u and evaluated at a = 5, b = 3, c = 2 (the values of the classic
//! figure the lesson draws; its text gives none): forward, left to right,
//! v = 6, u = 11, J = 33. Backward, right to left, each adjoint is the
//! adjoint of the node's consumer times the partial on the edge between
//! them: dJ/dJ = 1, dJ/du = 3, dJ/dv = 3·1 = 3, dJ/da = 3·1 = 3,
//! dJ/db = 3·1·c = 6, dJ/dc = 3·1·b = 9.
//!
//! Every node is its own `#[grad]` function, so both the local partials on
//! the edges (from `NODE_grad`) and the adjoints (by chaining `NODE_vjp`
//! from J back to the inputs, which is exactly backpropagation) come from
//! generated code. They are printed beside the lesson's hand chain rule
//! and the gradient of the whole function `j_grad`.
//!
//! The whole function is `#[grad(graph)]`, so `#[grad]` also generates
//! `j_graph`, its computational graph at a point, which the example writes
//! as a picture, `computational_graph.svg`, with each node's value and
//! adjoint and each edge's partial (under
//! `autodiff-pictures/` in the build's `target` directory unless a
//! directory is given:
//! `cargo run --example computational_graph -- DIR`).
//!
//! Run it with `cargo run --example computational_graph`.

use autodiff::grad;

#[path = "support/pictures.rs"]
mod pictures;

/// The node v = bc.
#[grad]
pub fn node_v(b: f64, c: f64) -> f64 {
    b * c
}

/// The node u = a + v.
#[grad]
pub fn node_u(a: f64, v: f64) -> f64 {
    a + v
}

/// The output node J = 3u.
#[grad]
pub fn node_j(u: f64) -> f64 {
    3.0 * u
}

/// The whole function J(a, b, c) = 3(a + bc), split into the lesson's
/// nodes. `#[grad(graph)]` adds `j_graph(a, b, c)`, its computational
/// graph at (a, b, c): a node per parameter and per `let`, one for 3u, each
/// with its value and its adjoint ∂J/∂node from the reverse sweep, and on
/// each edge the local partial from the rule table.
#[grad(graph)]
pub fn j(a: f64, b: f64, c: f64) -> f64 {
    let v = b * c;
    let u = a + v;
    3.0 * u
}

/// The inputs of the lesson's figure.
pub const A: f64 = 5.0;
/// See [`A`].
pub const B: f64 = 3.0;
/// See [`A`].
pub const C: f64 = 2.0;

/// The values at the nodes, in the forward order (left to right).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Forward {
    pub a: f64,
    pub b: f64,
    pub c: f64,
    pub v: f64,
    pub u: f64,
    pub j: f64,
}

/// The local partial derivative on each edge of the graph, from the
/// nodes' generated `NODE_grad`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Edges {
    /// ∂J/∂u on the edge u → J.
    pub dj_du: f64,
    /// ∂u/∂a on the edge a → u.
    pub du_da: f64,
    /// ∂u/∂v on the edge v → u.
    pub du_dv: f64,
    /// ∂v/∂b on the edge b → v.
    pub dv_db: f64,
    /// ∂v/∂c on the edge c → v.
    pub dv_dc: f64,
}

/// The adjoint dJ/d(node) of one node, three ways.
#[derive(Clone, Debug, PartialEq)]
pub struct Adjoint {
    /// The node's name.
    pub node: &'static str,
    /// The lesson's product of edge partials, e.g. "3 × 1 × c".
    pub chain: &'static str,
    /// That product evaluated by hand.
    pub by_hand: f64,
    /// Backpropagated with the nodes' generated `NODE_vjp`.
    pub backprop: f64,
    /// From the whole function's `j_grad` (inputs only).
    pub whole: Option<f64>,
}

/// The forward pass, backward pass and edge partials of J at (a, b, c).
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub forward: Forward,
    pub edges: Edges,
    /// The adjoints, right to left: J, u, v, a, b, c.
    pub backward: Vec<Adjoint>,
}

/// Evaluates the graph at (a, b, c), forward then backward.
pub fn run(a: f64, b: f64, c: f64) -> Report {
    // Forward, left to right.
    let v = node_v(b, c);
    let u = node_u(a, v);
    let j = node_j(u);
    let forward = Forward { a, b, c, v, u, j };

    // The local partials on the edges.
    let (_, dj_du) = node_j_grad(u);
    let (_, du_da, du_dv) = node_u_grad(a, v);
    let (_, dv_db, dv_dc) = node_v_grad(b, c);
    let edges = Edges { dj_du, du_da, du_dv, dv_db, dv_dc };

    // Backward, right to left: each NODE_vjp takes the adjoint of the node's
    // output as its seed and returns the adjoints of the node's inputs.
    let adj_j = 1.0;
    let (_, adj_u) = node_j_vjp(u, adj_j);
    let (_, adj_a, adj_v) = node_u_vjp(a, v, adj_u);
    let (_, adj_b, adj_c) = node_v_vjp(b, c, adj_v);

    // The whole function differentiated at once.
    let (_, whole_a, whole_b, whole_c) = j_grad(a, b, c);

    // The lesson's hand chain rule: dJ/du = 3, du/da = du/dv = 1, dv/db = c, dv/dc = b.
    let backward = vec![
        Adjoint { node: "J", chain: "1", by_hand: 1.0, backprop: adj_j, whole: None },
        Adjoint { node: "u", chain: "3", by_hand: 3.0, backprop: adj_u, whole: None },
        Adjoint { node: "v", chain: "3 × 1", by_hand: 3.0 * 1.0, backprop: adj_v, whole: None },
        Adjoint { node: "a", chain: "3 × 1", by_hand: 3.0 * 1.0, backprop: adj_a, whole: Some(whole_a) },
        Adjoint { node: "b", chain: "3 × 1 × c", by_hand: 3.0 * 1.0 * c, backprop: adj_b, whole: Some(whole_b) },
        Adjoint { node: "c", chain: "3 × 1 × b", by_hand: 3.0 * 1.0 * b, backprop: adj_c, whole: Some(whole_c) },
    ];

    Report { forward, edges, backward }
}

pub fn main() {
    let r = run(A, B, C);
    let f = r.forward;
    let e = r.edges;

    println!("J(a, b, c) = 3(a + bc) with v = bc, u = a + v, J = 3u\n");
    println!("The graph, with the forward value on each node:\n");
    let label = |name: &str, value: f64| format!("{name} = {value}");
    println!(
        "{}",
        draw(
            [&label("a", f.a), &label("b", f.b), &label("c", f.c)],
            &label("v = bc", f.v),
            &label("u = a + v", f.u),
            &label("J = 3u", f.j),
            false
        )
    );
    println!("\nForward pass, left to right:\n");
    println!("{:<6} {:<10} {:>8}", "node", "expression", "value");
    println!("{}", "─".repeat(26));
    for (node, expr, value) in [
        ("a", "input", f.a),
        ("b", "input", f.b),
        ("c", "input", f.c),
        ("v", "b·c", f.v),
        ("u", "a + v", f.u),
        ("J", "3·u", f.j),
    ] {
        println!("{node:<6} {expr:<10} {value:>8}");
    }

    println!("\nLocal partials on the edges (from each node's NODE_grad):\n");
    println!("{:<8} {:<8} {:>8} {:>9}", "edge", "partial", "#[grad]", "by hand");
    println!("{}", "─".repeat(36));
    for (edge, partial, value, by_hand) in [
        ("u → J", "∂J/∂u", e.dj_du, "3".to_string()),
        ("v → u", "∂u/∂v", e.du_dv, "1".to_string()),
        ("a → u", "∂u/∂a", e.du_da, "1".to_string()),
        ("c → v", "∂v/∂c", e.dv_dc, format!("b = {}", f.b)),
        ("b → v", "∂v/∂b", e.dv_db, format!("c = {}", f.c)),
    ] {
        println!("{edge:<8} {partial:<8} {value:>8} {by_hand:>9}");
    }

    println!("\nBackward pass, right to left (adjoint = consumer's adjoint × edge partial):\n");
    println!(
        "{:<6} {:<11} {:>9} {:>16} {:>10} {:>8}",
        "dJ/d·", "chain", "by hand", "backprop (vjp)", "j_grad", "|diff|"
    );
    println!("{}", "─".repeat(65));
    for adj in &r.backward {
        let whole = adj.whole.map_or("—".to_string(), |w| w.to_string());
        let diff = (adj.backprop - adj.by_hand).abs().max(adj.whole.map_or(0.0, |w| (w - adj.by_hand).abs()));
        println!(
            "dJ/d{:<2} {:<11} {:>9} {:>16} {:>10} {:>8.1e}",
            adj.node, adj.chain, adj.by_hand, adj.backprop, whole, diff
        );
    }

    println!("\nThe same graph with the adjoint dJ/d(node) on each node, computed right to left:\n");
    let adjoint = |node: &str| {
        let adj = r.backward.iter().find(|adj| adj.node == node).expect("every node has an adjoint");
        format!("dJ/d{node} = {}", adj.backprop)
    };
    println!(
        "{}",
        draw([&adjoint("a"), &adjoint("b"), &adjoint("c")], &adjoint("v"), &adjoint("u"), &adjoint("J"), true)
    );

    println!();
    pictures::write_picture(
        "computational_graph.svg",
        "The graph with values, partials and adjoints",
        &j_graph(A, B, C).to_svg(),
    );
}

/// Draws the graph of J: the inputs `[a, b, c]` on the left, then v = bc,
/// u = a + v and J, with arrows pointing forward (left to right) or
/// backward (right to left).
fn draw(inputs: [&str; 3], v: &str, u: &str, j: &str, backward: bool) -> String {
    let width = inputs.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let (leaf, fork, link) = if backward {
        (" ◀─", "├─── ", " ◀── ")
    } else {
        (" ──", "├──▶ ", " ──▶ ")
    };
    let len = |s: &str| s.chars().count();

    let line_b = format!("  {:<width$}{leaf}┐", inputs[1]);
    let line_v = format!("{}{fork}{v} ─┘", " ".repeat(len(&line_b) - 1));
    let bar = len(&line_v) - 1; // the column of the ┘ that joins v into u
    let line_a = format!("  {:<width$}{leaf}", inputs[0]);
    let line_a = format!("{line_a}{}┐", "─".repeat(bar - len(&line_a)));
    let line_u = format!("{}{fork}{u}{link}{j}", " ".repeat(bar));
    let line_b = format!("{line_b}{}│", " ".repeat(bar - len(&line_b)));
    let line_c = format!("  {:<width$}{leaf}┘", inputs[2]);
    [line_a, line_u, line_b, line_v, line_c].join("\n")
}
