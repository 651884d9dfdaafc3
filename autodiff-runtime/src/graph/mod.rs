//! The computational graph of a function at a point: every value the
//! function computes as a node with its forward value and its adjoint, and
//! every data flow as an edge with its local partial derivative.
//!
//! `#[grad(graph)]` generates `NAME_graph(..)`, which returns a [`Graph`];
//! the [builder methods](Graph#building-a-graph) are what that generated
//! code calls, one per statement, and they can also be called by hand.
//! [`Graph::to_dot`] writes Graphviz DOT and, with the `svg` feature (on by
//! default), [`Graph::to_svg`] writes a standalone SVG laid out left to
//! right, without any external program.
//!
//! # Example
//!
//! The lesson's J(a, b, c) = 3(a + bc) at a = 5, b = 3, c = 2, built
//! statement by statement as `j_graph(5.0, 3.0, 2.0)` builds it:
//!
//! ```
//! use autodiff_runtime::Graph;
//!
//! let (a, b, c) = (5.0, 3.0, 2.0);
//! let mut g = Graph::new("J");
//! // Forward, left to right: each node with its value and, on each edge,
//! // the local partial ∂node/∂parent.
//! let na = g.input("a", a);
//! let nb = g.input("b", b);
//! let nc = g.input("c", c);
//! let nv = g.bind("v", "b * c", b * c, &[(nb, c), (nc, b)]);
//! let nu = g.bind("u", "a + v", a + b * c, &[(na, 1.0), (nv, 1.0)]);
//! let nj = g.op("3 * u", 3.0 * (a + b * c), &[(nu, 3.0)]);
//! g.output(nj);
//! // Backward, right to left: the adjoint ∂J/∂node of each node.
//! for (node, adjoint) in [(nj, 1.0), (nu, 3.0), (nv, 3.0), (na, 3.0), (nb, 3.0 * c), (nc, 3.0 * b)] {
//!     g.set_adjoint(node, adjoint);
//! }
//!
//! assert_eq!(g.node(nv).value().as_scalar(), Some(6.0));
//! assert_eq!(g.edge(nb, nv).and_then(|e| e.partial()).and_then(|p| p.as_scalar()), Some(2.0));
//! assert_eq!(g.node(nb).adjoint().and_then(|p| p.as_scalar()), Some(6.0));
//! assert!(g.to_dot().contains("rankdir=LR"));
//! ```
//!
//! # Loops, calls and arrays
//!
//! - A loop is one [`Cluster`] drawn around its body. The body's nodes are
//!   created once: each pass overwrites their values and incoming edges, so
//!   the graph shows the **last pass** (and the cluster's note says how many
//!   passes ran), however long the loop. A value carried from one pass to
//!   the next (`s = s + x[i]`) is an edge from the node to itself.
//! - A call to another `#[grad]` function is one node labelled by the call
//!   ([`Graph::call`]), or a cluster around the callee's nodes
//!   ([`Graph::begin_call`]).
//! - An array is one node whose value is a [`Value::Array`]; its elements'
//!   reads are nodes of their own ([`Graph::element`]). Pictures show the
//!   values of short arrays and the length and ends of long ones. An array
//!   of arrays is one node of its numbers ([`Value::numbers`]) and a model
//!   one node of its parameters ([`Value::params`]); their reads are
//!   [`Graph::read`] nodes and writes into an array of arrays
//!   [`Graph::write`] edges.
//! - An `&mut` output is an [`NodeKind::Output`] node: the values the
//!   function wrote into it, its adjoint the seed it was given.

mod build;
mod dot;
mod label;
#[cfg(feature = "svg")]
mod svg;

use std::collections::HashMap;
use std::fmt;

use crate::params::Params;

/// A node of a [`Graph`]: an index into [`Graph::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(usize);

impl NodeId {
    /// The node's position in [`Graph::nodes`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// A cluster of a [`Graph`]: an index into [`Graph::clusters`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClusterId(usize);

impl ClusterId {
    /// The cluster's position in [`Graph::clusters`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// A number or an array of numbers: a node's value or adjoint, an edge's
/// partial.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// One float.
    Scalar(f64),
    /// The elements of an array, in order.
    Array(Vec<f64>),
}

impl Value {
    /// The number, if this is a scalar.
    pub fn as_scalar(&self) -> Option<f64> {
        match self {
            Value::Scalar(x) => Some(*x),
            Value::Array(_) => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[f64]> {
        match self {
            Value::Scalar(_) => None,
            Value::Array(xs) => Some(xs),
        }
    }
}

/// The numbers of a float, an array, a slice or a vector of them, nested
/// to any depth, in order: what a node of an array of arrays shows.
/// [`Value::numbers`] is what `NAME_graph` calls.
pub trait Numbers {
    /// Appends the numbers, in order, to `out`.
    fn push_numbers(&self, out: &mut Vec<f64>);
}

impl Numbers for f64 {
    fn push_numbers(&self, out: &mut Vec<f64>) {
        out.push(*self);
    }
}

impl Numbers for f32 {
    fn push_numbers(&self, out: &mut Vec<f64>) {
        out.push(f64::from(*self));
    }
}

impl<T: Numbers> Numbers for [T] {
    fn push_numbers(&self, out: &mut Vec<f64>) {
        self.iter().for_each(|x| x.push_numbers(out));
    }
}

impl<T: Numbers, const N: usize> Numbers for [T; N] {
    fn push_numbers(&self, out: &mut Vec<f64>) {
        self[..].push_numbers(out);
    }
}

impl<T: Numbers> Numbers for Vec<T> {
    fn push_numbers(&self, out: &mut Vec<f64>) {
        self[..].push_numbers(out);
    }
}

impl<T: Numbers + ?Sized> Numbers for &T {
    fn push_numbers(&self, out: &mut Vec<f64>) {
        (**self).push_numbers(out);
    }
}

impl<T: Numbers + ?Sized> Numbers for &mut T {
    fn push_numbers(&self, out: &mut Vec<f64>) {
        (**self).push_numbers(out);
    }
}

/// A float a graph records: `f32` or `f64`, as an `f64`. A function
/// generic over its float type (`T: Float`) gets `NAME_graph` with the bound
/// `T: Number`.
#[diagnostic::on_unimplemented(
    message = "the graph draws this value as one number, but it is `{Self}`",
    label = "a part of a model read whole (an array), which `NAME_graph` cannot draw",
    note = "the graph draws a model's parts read by value as floats: read its elements (`m.c[0]`, or \
            `let [a, b, c] = m.c;`), or leave `graph` out of this function's attribute (the other modes \
            differentiate it)"
)]
pub trait Number: Numbers + ZeroShadow<Zero = Self> + Copy {
    /// The number as an `f64`.
    fn to_f64(self) -> f64;
}

impl Number for f64 {
    fn to_f64(self) -> f64 {
        self
    }
}

impl Number for f32 {
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

/// `x` as an `f64`: how `NAME_graph` records a value, a partial or an
/// adjoint of the function's float type.
pub fn number<T: Number>(x: T) -> f64 {
    x.to_f64()
}

/// A parent of a node as `NAME_graph` passes it: the parent's node, if it
/// is drawn, and the partial, if a derivative flows from it.
pub type Flow = (Option<NodeId>, Option<f64>);

/// A zero of the shape of a reference argument, of the type its shadow
/// points to (`[f64]` → `Vec<f64>`, `[[f64; N]; M]` → the same array):
/// what `NAME_graph` lends a called `#[grad]` function's `vjp` to add the
/// partials of an array argument into.
pub trait ZeroShadow {
    /// The owned zero.
    type Zero;
    /// A zero of the same shape.
    fn zero_shadow(&self) -> Self::Zero;
}

impl ZeroShadow for f64 {
    type Zero = f64;
    fn zero_shadow(&self) -> f64 {
        0.0
    }
}

impl ZeroShadow for f32 {
    type Zero = f32;
    fn zero_shadow(&self) -> f32 {
        0.0
    }
}

impl<T: ZeroShadow> ZeroShadow for [T] {
    type Zero = Vec<T::Zero>;
    fn zero_shadow(&self) -> Self::Zero {
        self.iter().map(T::zero_shadow).collect()
    }
}

impl<T: ZeroShadow, const N: usize> ZeroShadow for [T; N] {
    type Zero = [T::Zero; N];
    fn zero_shadow(&self) -> Self::Zero {
        self.each_ref().map(T::zero_shadow)
    }
}

impl<T: ZeroShadow> ZeroShadow for Vec<T> {
    type Zero = Vec<T::Zero>;
    fn zero_shadow(&self) -> Self::Zero {
        self[..].zero_shadow()
    }
}

impl Value {
    /// The numbers of `x` (a float, or an array, slice or vector of them,
    /// nested to any depth), in order, as an array.
    ///
    /// ```
    /// use autodiff_runtime::Value;
    ///
    /// assert_eq!(Value::numbers(&[[1.0, 2.0], [3.0, 4.0]]), Value::Array(vec![1.0, 2.0, 3.0, 4.0]));
    /// ```
    pub fn numbers<T: Numbers + ?Sized>(x: &T) -> Value {
        let mut out = Vec::new();
        x.push_numbers(&mut out);
        Value::Array(out)
    }

    /// The parameters of a model, in the order of
    /// [`Params::for_each_slice`], as an array.
    ///
    /// ```
    /// use autodiff_runtime::Value;
    ///
    /// assert_eq!(Value::params(&vec![[1.0, 2.0], [3.0, 4.0]]), Value::Array(vec![1.0, 2.0, 3.0, 4.0]));
    /// ```
    pub fn params<P: Params + ?Sized>(model: &P) -> Value {
        let mut out = Vec::with_capacity(model.num_params());
        model.for_each_slice(&mut |slice| out.extend_from_slice(slice));
        Value::Array(out)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Scalar(x)
    }
}

impl From<f32> for Value {
    fn from(x: f32) -> Self {
        Value::Scalar(f64::from(x))
    }
}

impl From<&[f64]> for Value {
    fn from(xs: &[f64]) -> Self {
        Value::Array(xs.to_vec())
    }
}

impl From<&[f32]> for Value {
    fn from(xs: &[f32]) -> Self {
        Value::Array(xs.iter().map(|&x| f64::from(x)).collect())
    }
}

impl<const N: usize> From<[f64; N]> for Value {
    fn from(xs: [f64; N]) -> Self {
        Value::Array(xs.to_vec())
    }
}

impl<const N: usize> From<&[f64; N]> for Value {
    fn from(xs: &[f64; N]) -> Self {
        Value::Array(xs.to_vec())
    }
}

impl From<Vec<f64>> for Value {
    fn from(xs: Vec<f64>) -> Self {
        Value::Array(xs)
    }
}

impl fmt::Display for Value {
    /// Short enough for a picture: 4 significant digits; an array shows
    /// all its elements up to 6 of them, then its ends and its length.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&label::value(self))
    }
}

/// What a node stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// A differentiated parameter: its adjoint is the function's partial.
    Input,
    /// A parameter or value the function is not differentiated with
    /// respect to: it has a value but no adjoint.
    Constant,
    /// A value the function names with `let` (or assigns).
    Let,
    /// A temporary of a nested expression, labelled by the expression.
    Temporary,
    /// The result of a call to another `#[grad]` function.
    Call,
    /// An element read from an array node (`x[i]`), or a number read from
    /// a model or an array of arrays (`m.w[0]`, `w[i][j]`).
    Element,
    /// An `&mut` parameter the function writes its results into: its
    /// value is what the function left in it, its adjoint the seed.
    Output,
}

/// A value of the function at the point: its label, forward value and
/// adjoint.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    kind: NodeKind,
    name: Option<String>,
    label: String,
    value: Value,
    adjoint: Option<Value>,
    cluster: Option<ClusterId>,
    /// The edges into this node (each one's `to` is this node).
    incoming: Vec<Edge>,
    /// The pass of its cluster that last wrote the node (see [`Cluster`]).
    serial: usize,
}

impl Node {
    /// What the node stands for.
    pub fn kind(&self) -> NodeKind {
        self.kind
    }

    /// The variable the node is bound to, if any (`v` in `let v = b * c`).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// What the picture writes on the node: `v = b * c` for a `let`, the
    /// expression for a temporary, the name for a parameter.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The forward value.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The adjoint ∂out/∂node, if the node is differentiated and the
    /// reverse sweep reached it.
    pub fn adjoint(&self) -> Option<&Value> {
        self.adjoint.as_ref()
    }

    /// The innermost cluster (loop or call) the node belongs to.
    pub fn cluster(&self) -> Option<ClusterId> {
        self.cluster
    }
}

/// A data flow from a parent node into a child node, with the local
/// partial derivative ∂child/∂parent at the point.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    from: NodeId,
    to: NodeId,
    partial: Option<Value>,
    index: Option<usize>,
}

impl Edge {
    /// The parent, whose value flows in.
    pub fn from(&self) -> NodeId {
        self.from
    }

    /// The child, computed from it.
    pub fn to(&self) -> NodeId {
        self.to
    }

    /// ∂child/∂parent at the point; `None` on a flow that is not
    /// differentiated (from a constant, or an index).
    pub fn partial(&self) -> Option<&Value> {
        self.partial.as_ref()
    }

    /// The array element the edge carries: `Some(i)` on the edge from `x`
    /// into a read `x[i]`, and on the edge into `y` from a value written to
    /// `y[i]`.
    pub fn index(&self) -> Option<usize> {
        self.index
    }
}

/// What a cluster groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClusterKind {
    /// The body of a loop: its nodes hold the values of the last pass.
    Loop,
    /// The nodes of a called `#[grad]` function.
    Call,
}

/// A group of nodes drawn together: a loop's body or a callee.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    kind: ClusterKind,
    label: String,
    parent: Option<ClusterId>,
    passes: usize,
    /// The pass being built or last built (a number unique in the graph).
    serial: usize,
    /// The nodes created in a pass, by label, so that the next pass reuses
    /// them (see the builder's loop methods).
    node_slots: HashMap<String, SlotGroup>,
    /// The same for the clusters nested in this one.
    cluster_slots: HashMap<String, SlotGroup>,
}

impl Cluster {
    /// A loop or a call.
    pub fn kind(&self) -> ClusterKind {
        self.kind
    }

    /// The loop's header (`for i in 0..n`) or the call (`sigmoid(z)`).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The cluster this one is nested in.
    pub fn parent(&self) -> Option<ClusterId> {
        self.parent
    }

    /// For a loop, how many passes ran (the nodes show the last); for a
    /// call, 1.
    pub fn passes(&self) -> usize {
        self.passes
    }

    /// The note the pictures print under the label.
    pub fn note(&self) -> String {
        match (self.kind, self.passes) {
            (ClusterKind::Call, _) => "call".to_string(),
            (ClusterKind::Loop, 0) => "no pass ran".to_string(),
            (ClusterKind::Loop, 1) => "1 pass".to_string(),
            (ClusterKind::Loop, n) => format!("{n} passes; values of the last"),
        }
    }
}

/// The nodes (or clusters) of one label in a cluster: the k-th of that
/// label in a pass reuses `items[k]`, an index into the graph's nodes (or
/// clusters).
#[derive(Clone, Debug, PartialEq, Default)]
struct SlotGroup {
    items: Vec<usize>,
    /// How many of `items` the pass `serial` has used.
    used: usize,
    serial: usize,
}

/// The computational graph of a function at a point. See the [module
/// documentation](self).
#[derive(Clone, Debug, PartialEq)]
pub struct Graph {
    name: String,
    nodes: Vec<Node>,
    clusters: Vec<Cluster>,
    output: Option<NodeId>,
    /// The clusters open while building, innermost last.
    open: Vec<ClusterId>,
    /// The last pass serial handed out.
    serial: usize,
}

/// Reading a graph.
impl Graph {
    /// The function's name, the title of the pictures.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every node, in the order the function computes them.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The node `id`.
    ///
    /// # Panics
    ///
    /// If `id` is not a node of this graph.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0]
    }

    /// The ids of the nodes, in order.
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.nodes.len()).map(NodeId)
    }

    /// The first node with this label, if any.
    pub fn find(&self, label: &str) -> Option<NodeId> {
        self.nodes.iter().position(|n| n.label == label).map(NodeId)
    }

    /// Every edge, grouped by child in the order of the nodes.
    pub fn edges(&self) -> impl Iterator<Item = &Edge> + '_ {
        self.nodes.iter().flat_map(|n| &n.incoming)
    }

    /// The edge from `from` into `to`, if the value of `from` flows into `to`.
    pub fn edge(&self, from: NodeId, to: NodeId) -> Option<&Edge> {
        self.nodes.get(to.0)?.incoming.iter().find(|e| e.from == from)
    }

    /// The edges into `node`: the values it is computed from.
    ///
    /// # Panics
    ///
    /// If `node` is not a node of this graph.
    pub fn parents(&self, node: NodeId) -> &[Edge] {
        &self.nodes[node.0].incoming
    }

    /// Whether `node` holds the values of its loop's last pass; `false` for
    /// a node of a loop body that the last pass did not reach (a branch
    /// taken in an earlier pass only). Nodes outside loops are always
    /// current.
    pub fn is_current(&self, node: NodeId) -> bool {
        let node = self.node(node);
        node.cluster.is_none_or(|c| self.cluster(c).serial == node.serial)
    }

    /// Every cluster (loops and expanded calls).
    pub fn clusters(&self) -> &[Cluster] {
        &self.clusters
    }

    /// The cluster `id`.
    ///
    /// # Panics
    ///
    /// If `id` is not a cluster of this graph.
    pub fn cluster(&self, id: ClusterId) -> &Cluster {
        &self.clusters[id.0]
    }

    /// The node of the function's result, once [`Graph::output`] marked it.
    pub fn result(&self) -> Option<NodeId> {
        self.output
    }
}
