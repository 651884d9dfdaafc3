//! Looking up the parts of a [`Graph`] by their labels.

use autodiff::{Graph, NodeId, NodeKind, Value};

/// The node labelled `label`; a panic listing the labels if there is none.
pub fn node(g: &Graph, label: &str) -> NodeId {
    g.find(label).unwrap_or_else(|| {
        let labels: Vec<&str> = g.nodes().iter().map(|n| n.label()).collect();
        panic!("no node `{label}` among {labels:?}")
    })
}

/// The scalar value of the node labelled `label`.
pub fn value(g: &Graph, label: &str) -> f64 {
    g.node(node(g, label)).value().as_scalar().expect("a scalar value")
}

/// The scalar adjoint of the node labelled `label`.
pub fn adjoint(g: &Graph, label: &str) -> f64 {
    g.node(node(g, label)).adjoint().and_then(Value::as_scalar).unwrap_or_else(|| panic!("`{label}` has no adjoint"))
}

/// The scalar partial on the edge `from → to`.
pub fn partial(g: &Graph, from: &str, to: &str) -> f64 {
    let edge = g.edge(node(g, from), node(g, to)).unwrap_or_else(|| panic!("no edge {from} → {to}"));
    edge.partial().and_then(Value::as_scalar).expect("a scalar partial")
}

/// Checks the graph of the lesson's `J = 3(a + bc)` at `(a, b, c)` (as
/// `let v = b * c; let u = a + v; 3.0 * u`) against its closed forms: its
/// nodes, values, edges with their partials, and adjoints.
pub fn assert_is_the_lessons_j_graph(g: &Graph, a: f64, b: f64, c: f64) {
    let labels: Vec<&str> = g.nodes().iter().map(|n| n.label()).collect();
    assert_eq!(labels, ["a", "b", "c", "v = b * c", "u = a + v", "3.0 * u"]);
    let kinds: Vec<NodeKind> = g.nodes().iter().map(|n| n.kind()).collect();
    use NodeKind::{Input, Let, Temporary};
    assert_eq!(kinds, [Input, Input, Input, Let, Let, Temporary]);
    assert_eq!(g.result(), Some(node(g, "3.0 * u")));

    // Forward: v = bc, u = a + bc, J = 3(a + bc).
    assert_eq!(value(g, "v = b * c"), b * c);
    assert_eq!(value(g, "u = a + v"), a + b * c);
    assert_eq!(value(g, "3.0 * u"), 3.0 * (a + b * c));

    // Edges: exactly the five data flows, with ∂v/∂b = c, ∂v/∂c = b,
    // ∂u/∂a = ∂u/∂v = 1, ∂J/∂u = 3.
    assert_eq!(g.edges().count(), 5);
    assert_eq!(partial(g, "b", "v = b * c"), c);
    assert_eq!(partial(g, "c", "v = b * c"), b);
    assert_eq!(partial(g, "a", "u = a + v"), 1.0);
    assert_eq!(partial(g, "v = b * c", "u = a + v"), 1.0);
    assert_eq!(partial(g, "u = a + v", "3.0 * u"), 3.0);

    // Backward: ∂J/∂J = 1, ∂J/∂u = 3, ∂J/∂v = 3, ∂J/∂a = 3, ∂J/∂b = 3c, ∂J/∂c = 3b.
    assert_eq!(adjoint(g, "3.0 * u"), 1.0);
    assert_eq!(adjoint(g, "u = a + v"), 3.0);
    assert_eq!(adjoint(g, "v = b * c"), 3.0);
    assert_eq!(adjoint(g, "a"), 3.0);
    assert_eq!(adjoint(g, "b"), 3.0 * c);
    assert_eq!(adjoint(g, "c"), 3.0 * b);
}
