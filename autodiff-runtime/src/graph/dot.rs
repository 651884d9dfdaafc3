//! Graphviz DOT: `dot -Tsvg` draws it with clusters; the pictures of
//! [`Graph::to_svg`] come from the same text.

use std::fmt::Write;

use super::label::{edge_text, node_text};
use super::{ClusterId, ClusterKind, Graph, NodeId, NodeKind};

/// The colour of the local partials on the edges.
pub(super) const PARTIAL_COLOUR: &str = "#2e7d32";

impl Graph {
    /// The graph as Graphviz DOT, laid out left to right (`rankdir=LR`):
    /// inputs on the left, the result on the right. Each node's label has
    /// three lines, the expression, `= value` and `∇ = adjoint` (∂out/∂node);
    /// each edge is labelled with its local partial; loops and expanded
    /// calls are `cluster_` subgraphs.
    ///
    /// # Example
    ///
    /// ```
    /// let mut g = autodiff_runtime::Graph::new("square");
    /// let x = g.input("x", 3.0);
    /// let y = g.op("x * x", 9.0, &[(x, 6.0)]);
    /// g.output(y);
    /// g.set_adjoint(y, 1.0);
    /// g.set_adjoint(x, 6.0);
    /// let dot = g.to_dot();
    /// assert!(dot.starts_with("digraph \"square\" {"));
    /// assert!(dot.contains("n0 -> n1 [label=\"∂square/∂x = 6\"]"));
    /// ```
    pub fn to_dot(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "digraph {} {{", quote(&self.name));
        out.push_str("  rankdir=LR;\n");
        out.push_str("  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n");
        let _ = writeln!(out, "  edge [fontname=\"Helvetica\", fontcolor=\"{PARTIAL_COLOUR}\", fontsize=11];");
        for id in self.node_ids().filter(|&id| self.node(id).cluster().is_none()) {
            self.write_node(&mut out, id, 1);
        }
        for (index, cluster) in self.clusters().iter().enumerate() {
            if cluster.parent().is_none() {
                self.write_cluster(&mut out, ClusterId(index), 1);
            }
        }
        for edge in self.edges() {
            let text = edge_text(self, edge);
            let style = if edge.partial().is_none() { ", style=dashed" } else { "" };
            let _ =
                writeln!(out, "  n{} -> n{} [label={}{style}];", edge.from().index(), edge.to().index(), quote(&text));
        }
        out.push_str("}\n");
        out
    }

    fn write_node(&self, out: &mut String, id: NodeId, depth: usize) {
        let node = self.node(id);
        let text = node_text(self, id);
        let mut attrs = format!("label={}", quote(&text.lines().join("\n")));
        if self.result() == Some(id) || node.kind() == NodeKind::Output {
            attrs.push_str(", peripheries=2, penwidth=2");
        }
        match node.kind() {
            NodeKind::Input => attrs.push_str(", style=\"rounded,filled\", fillcolor=\"#eef3fb\""),
            NodeKind::Constant => attrs.push_str(", style=\"rounded,dashed\""),
            _ => {}
        }
        let _ = writeln!(out, "{}n{} [{attrs}];", "  ".repeat(depth), id.index());
    }

    fn write_cluster(&self, out: &mut String, id: ClusterId, depth: usize) {
        let cluster = self.cluster(id);
        let indent = "  ".repeat(depth);
        let _ = writeln!(out, "{indent}subgraph cluster_{} {{", id.index());
        let title = format!("{}\n{}", cluster.label(), cluster.note());
        let _ = writeln!(out, "{indent}  label={};", quote(&title));
        let style = match cluster.kind() {
            ClusterKind::Loop => "dashed",
            ClusterKind::Call => "dotted",
        };
        let _ = writeln!(out, "{indent}  style={style};");
        for node in self.node_ids().filter(|&n| self.node(n).cluster() == Some(id)) {
            self.write_node(out, node, depth + 1);
        }
        for (index, inner) in self.clusters().iter().enumerate() {
            if inner.parent() == Some(id) {
                self.write_cluster(out, ClusterId(index), depth + 1);
            }
        }
        let _ = writeln!(out, "{indent}}}");
    }
}

/// `text` as a DOT quoted string: `"` and `\` escaped, newlines as `\n`.
fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quoting_escapes_quotes_backslashes_and_newlines() {
        assert_eq!(quote("a \"b\"\\c\nd"), "\"a \\\"b\\\"\\\\c\\nd\"");
    }
}
