//! The text the pictures write: numbers short enough to read, and the
//! lines of a node and of an edge.

use super::{Edge, Graph, NodeId, Value};

/// Arrays up to this length are written in full.
const SHORT_ARRAY: usize = 6;

/// `x` with at most 4 significant digits, without trailing zeros: `33`,
/// `0.25`, `0.5498`, `-1.5e-7`, `NaN`, `inf`.
pub(super) fn number(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    if x == 0.0 {
        return "0".to_string(); // and not -0
    }
    if x == x.trunc() && x.abs() < 1e6 {
        return format!("{x:.0}");
    }
    let magnitude = x.abs();
    if !(1e-3..1e6).contains(&magnitude) {
        return format!("{x:.3e}");
    }
    let decimals = (3 - magnitude.log10().floor() as i32).max(0) as usize;
    let text = format!("{x:.decimals$}");
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { &text };
    text.to_string()
}

/// A value as the pictures show it.
pub(super) fn value(v: &Value) -> String {
    match v {
        Value::Scalar(x) => number(*x),
        Value::Array(xs) if xs.len() <= SHORT_ARRAY => {
            format!("[{}]", xs.iter().map(|&x| number(x)).collect::<Vec<_>>().join(", "))
        }
        Value::Array(xs) => {
            let head: Vec<String> = xs[..3].iter().map(|&x| number(x)).collect();
            format!("[{}, …, {}] (len {})", head.join(", "), number(xs[xs.len() - 1]), xs.len())
        }
    }
}

/// The lines written on a node: its label, `= value`, and `∇ = adjoint`
/// when it has one (∇ as in the lesson: ∇out, ∇b1).
pub(super) struct NodeText {
    pub label: String,
    pub value: String,
    pub adjoint: Option<String>,
}

pub(super) fn node_text(graph: &Graph, id: NodeId) -> NodeText {
    let node = graph.node(id);
    let mut label = node.label().to_string();
    if !graph.is_current(id) {
        label.push_str(" (earlier pass)");
    }
    NodeText {
        label,
        value: format!("= {}", value(node.value())),
        adjoint: node.adjoint().map(|a| format!("∇ = {}", value(a))),
    }
}

impl NodeText {
    pub fn lines(&self) -> Vec<&str> {
        let mut lines = vec![self.label.as_str(), self.value.as_str()];
        lines.extend(self.adjoint.as_deref());
        lines
    }
}

/// The text on an edge: the local partial, `∂v/∂b = 2` when both ends
/// have names, else `∂ = 2`; `[i]` in front when it carries an element;
/// empty when the flow is not differentiated.
pub(super) fn edge_text(graph: &Graph, edge: &Edge) -> String {
    let Some(partial) = edge.partial() else { return String::new() };
    let element = edge.index().map_or(String::new(), |i| format!("[{i}] "));
    // The result is called after the function when it has no name of its own.
    let name = |id| graph.node(id).name().or_else(|| (graph.result() == Some(id)).then(|| graph.name()));
    let (child, parent) = (name(edge.to()), name(edge.from()));
    match (child, parent) {
        (Some(c), Some(p)) if edge.from() != edge.to() => format!("{element}∂{c}/∂{p} = {}", value(partial)),
        _ => format!("{element}∂ = {}", value(partial)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(number(33.0), "33");
        assert_eq!(number(-2.0), "-2");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(0.549_833_997), "0.5498");
        assert_eq!(number(12.345_67), "12.35");
        assert_eq!(number(1.5e-7), "1.500e-7");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn long_arrays_show_their_ends_and_length() {
        assert_eq!(value(&Value::Array(vec![1.0, 2.0])), "[1, 2]");
        let long: Vec<f64> = (0..10).map(f64::from).collect();
        assert_eq!(value(&Value::Array(long)), "[0, 1, 2, …, 9] (len 10)");
    }
}
