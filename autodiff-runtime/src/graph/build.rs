//! The builder: what `NAME_graph` calls, one call per statement of the
//! function, as it runs the function's forward and reverse sweeps.

use std::collections::HashMap;

use super::{Cluster, ClusterId, ClusterKind, Edge, Graph, Node, NodeId, NodeKind, SlotGroup, Value};

/// # Building a graph
///
/// This is the contract between `#[grad(graph)]` and the runtime: the
/// generated `NAME_graph` runs the same forward and reverse sweeps as
/// `NAME_vjp` and calls these methods beside their statements.
///
/// - **Forward sweep**, in the order the function computes: [`input`]
///   (differentiated parameter), [`output_parameter`] (`&mut` output) or
///   [`constant`] for each parameter; then
///   per statement [`bind`] (`let v = b * c`), [`op`] (a temporary of a
///   nested expression), [`call`] (a call to another `#[grad]` function),
///   [`element`] (`x[i]`), [`read`] (`m.w[0]`), [`store`] (`y[i] = v`)
///   and [`write`] (`h[t][j] = v`), each given the value
///   it computed and the local partial ∂node/∂parent for each
///   differentiated operand (constants flow in through [`link`] with no
///   partial); finally [`output`] on the result's node.
/// - **Loops**: [`begin_loop`] before the loop, [`next_pass`] at the start
///   of every pass, [`end_loop`] after it. Inside a loop, the k-th node of a
///   given label in a pass *is* the k-th node of that label in the previous
///   pass, overwritten (value, incoming edges): the graph holds the last
///   pass, in space bounded by the body, however many passes run. A
///   parent from the previous pass is then the node itself: an edge from
///   the node to itself. **Calls** expanded into a cluster:
///   [`begin_call`] ... [`end_call`] around the callee's nodes.
/// - **Reverse sweep**: [`set_adjoint`] for each node once its adjoint is
///   final (where the reverse sweep propagates it to the node's parents),
///   and for each input at the end. Inside a loop the first adjoint set
///   for a node is kept: the reverse sweep reaches the last pass first, so
///   the node's adjoint and value belong to the same pass.
///
/// Every method takes labels as written in the source (`"b * c"`); the
/// generated code passes string literals.
///
/// [`input`]: Graph::input
/// [`constant`]: Graph::constant
/// [`bind`]: Graph::bind
/// [`op`]: Graph::op
/// [`call`]: Graph::call
/// [`element`]: Graph::element
/// [`store`]: Graph::store
/// [`read`]: Graph::read
/// [`write`]: Graph::write
/// [`output_parameter`]: Graph::output_parameter
/// [`link`]: Graph::link
/// [`output`]: Graph::output
/// [`begin_loop`]: Graph::begin_loop
/// [`next_pass`]: Graph::next_pass
/// [`end_loop`]: Graph::end_loop
/// [`begin_call`]: Graph::begin_call
/// [`end_call`]: Graph::end_call
/// [`set_adjoint`]: Graph::set_adjoint
impl Graph {
    /// An empty graph of the function `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Graph { name: name.into(), nodes: Vec::new(), clusters: Vec::new(), output: None, open: Vec::new(), serial: 0 }
    }

    /// A differentiated parameter `name` with its value; its adjoint is the
    /// function's partial with respect to it.
    pub fn input(&mut self, name: &str, value: impl Into<Value>) -> NodeId {
        self.add_node(NodeKind::Input, Some(name), name.to_string(), value.into())
    }

    /// A parameter (or a named constant) that is not differentiated.
    pub fn constant(&mut self, name: &str, value: impl Into<Value>) -> NodeId {
        self.add_node(NodeKind::Constant, Some(name), name.to_string(), value.into())
    }

    /// An `&mut` parameter `name` the function writes its results into,
    /// with its value on entry; [`Graph::store`] and [`Graph::write`] then
    /// update it, and its adjoint is the seed of the outputs.
    pub fn output_parameter(&mut self, name: &str, value: impl Into<Value>) -> NodeId {
        self.add_node(NodeKind::Output, Some(name), name.to_string(), value.into())
    }

    /// A temporary: the value of the nested expression `expr`, computed from
    /// `parents`, each with the local partial ∂value/∂parent (an operand
    /// that appears twice may be given twice: its partials add up).
    pub fn op(&mut self, expr: &str, value: impl Into<Value>, parents: &[(NodeId, f64)]) -> NodeId {
        let node = self.add_node(NodeKind::Temporary, None, expr.to_string(), value.into());
        self.add_parents(node, parents);
        node
    }

    /// `let name = expr` (or `name = expr`): like [`Graph::op`], for a value
    /// the function names; labelled `name = expr`.
    pub fn bind(&mut self, name: &str, expr: &str, value: impl Into<Value>, parents: &[(NodeId, f64)]) -> NodeId {
        let node = self.add_node(NodeKind::Let, Some(name), format!("{name} = {expr}"), value.into());
        self.add_parents(node, parents);
        node
    }

    /// A call to another `#[grad]` function, `expr` as written
    /// (`sigmoid(z)`), as one node; `parents` with the callee's partials.
    pub fn call(&mut self, expr: &str, value: impl Into<Value>, parents: &[(NodeId, f64)]) -> NodeId {
        let node = self.add_node(NodeKind::Call, None, expr.to_string(), value.into());
        self.add_parents(node, parents);
        node
    }

    /// The read `expr` (`x[i]`, as written) of element `index` of `array`:
    /// a node with the element's value and an edge from the array, with
    /// partial 1, that carries `index`.
    ///
    /// # Panics
    ///
    /// If `array` is not an array node or `index` is out of its bounds.
    pub fn element(&mut self, expr: &str, array: NodeId, index: usize) -> NodeId {
        let source = &self.nodes[array.0];
        let value = source.value.as_array().and_then(|xs| xs.get(index)).copied();
        let value = value.unwrap_or_else(|| panic!("autodiff graph: `{}[{index}]` is no element", source.label));
        let node = self.add_node(NodeKind::Element, None, expr.to_string(), Value::Scalar(value));
        self.add_edge(array, node, Some(Value::Scalar(1.0)), Some(index));
        node
    }

    /// The read `expr` (`m.w[0]`, `w[i][j]`, as written) of one number,
    /// `value`, of `aggregate`, a model or an array of arrays: a node with
    /// the number and an edge from the aggregate, with partial 1, that
    /// carries no index (the aggregate's numbers are flattened).
    pub fn read(&mut self, expr: &str, aggregate: NodeId, value: f64) -> NodeId {
        let node = self.add_node(NodeKind::Element, None, expr.to_string(), Value::Scalar(value));
        self.add_edge(aggregate, node, Some(Value::Scalar(1.0)), None);
        node
    }

    /// The write of the value of `from` into one number of `aggregate`, an
    /// array of arrays (`h[t][j] = v`): the aggregate's numbers become
    /// `numbers` (all of them, after the write), and an edge carries the
    /// value, with partial 1 and no index.
    pub fn write(&mut self, aggregate: NodeId, from: NodeId, numbers: impl Into<Value>) {
        self.nodes[aggregate.0].value = numbers.into();
        self.add_edge(from, aggregate, Some(Value::Scalar(1.0)), None);
    }

    /// The write `array[index] = value of from`: the array node's element
    /// takes the value of `from`, and an edge carries it, with partial 1.
    /// A store past the end grows the node (zeros up to `index`): a vector
    /// the function grows with `push` is bound empty, then written element
    /// by element.
    ///
    /// # Panics
    ///
    /// If `array` is not an array node, or `from` is not a scalar.
    pub fn store(&mut self, array: NodeId, index: usize, from: NodeId) {
        let value = self.nodes[from.0].value.as_scalar().expect("autodiff graph: an array element is a scalar");
        match &mut self.nodes[array.0].value {
            Value::Array(xs) => {
                if index >= xs.len() {
                    xs.resize(index + 1, 0.0);
                }
                xs[index] = value;
            }
            Value::Scalar(_) => panic!("autodiff graph: `{}` is no array", self.nodes[array.0].label),
        }
        self.add_edge(from, array, Some(Value::Scalar(1.0)), Some(index));
    }

    /// An edge from `from` into `to` with the local partial ∂to/∂from
    /// (`None` for a flow that is not differentiated: a constant operand).
    /// For partials that are arrays, and operands [`Graph::op`] cannot take.
    pub fn link(&mut self, from: NodeId, to: NodeId, partial: Option<Value>) {
        self.add_edge(from, to, partial, None);
    }

    /// Marks `node` as the function's result.
    pub fn output(&mut self, node: NodeId) {
        self.output = Some(node);
    }

    /// Sets the adjoint ∂out/∂node. Outside loops the last call wins;
    /// inside a loop the first does (see [Building a graph](Graph#building-a-graph)).
    /// A zero is recorded as 0, never -0 (an adjoint nothing reached).
    pub fn set_adjoint(&mut self, node: NodeId, adjoint: impl Into<Value>) {
        let in_loop = self.in_loop(self.nodes[node.0].cluster);
        let slot = &mut self.nodes[node.0].adjoint;
        if !(in_loop && slot.is_some()) {
            *slot = Some(without_negative_zero(adjoint.into()));
        }
    }

    /// Opens the cluster of a loop, `header` as written (`for i in 0..n`).
    /// Call [`Graph::next_pass`] at the start of each pass and
    /// [`Graph::end_loop`] after the loop.
    pub fn begin_loop(&mut self, header: &str) -> ClusterId {
        self.open_cluster(ClusterKind::Loop, header)
    }

    /// Starts a pass of the innermost open loop: the nodes it creates
    /// overwrite those of the previous pass.
    ///
    /// # Panics
    ///
    /// If no loop is open.
    pub fn next_pass(&mut self) {
        let id = *self.open.last().expect("autodiff graph: next_pass outside a loop");
        self.serial += 1;
        let cluster = &mut self.clusters[id.0];
        assert_eq!(cluster.kind, ClusterKind::Loop, "autodiff graph: next_pass inside a call cluster");
        cluster.passes += 1;
        cluster.serial = self.serial;
    }

    /// Closes the innermost loop.
    ///
    /// # Panics
    ///
    /// If the innermost open cluster is not a loop.
    pub fn end_loop(&mut self) {
        self.close_cluster(ClusterKind::Loop);
    }

    /// Opens a cluster for the nodes of a called `#[grad]` function,
    /// `expr` as written (`sigmoid(z)`).
    pub fn begin_call(&mut self, expr: &str) -> ClusterId {
        let id = self.open_cluster(ClusterKind::Call, expr);
        self.serial += 1;
        let cluster = &mut self.clusters[id.0];
        cluster.passes = 1;
        cluster.serial = self.serial;
        id
    }

    /// Closes the innermost call cluster.
    ///
    /// # Panics
    ///
    /// If the innermost open cluster is not a call.
    pub fn end_call(&mut self) {
        self.close_cluster(ClusterKind::Call);
    }

    /// A node of the innermost open cluster: the one of the same label that
    /// the previous pass created, overwritten, or a new one.
    fn add_node(&mut self, kind: NodeKind, name: Option<&str>, label: String, value: Value) -> NodeId {
        let cluster = self.open.last().copied();
        let serial = cluster.map_or(0, |c| self.clusters[c.0].serial);
        let reused = cluster.and_then(|c| take_slot(&mut self.clusters[c.0], Slots::Nodes, &label)).map(NodeId);
        let node = Node {
            kind,
            name: name.map(str::to_string),
            label,
            value,
            adjoint: None,
            cluster,
            incoming: Vec::new(),
            serial,
        };
        match reused {
            Some(id) => {
                self.nodes[id.0] = node;
                id
            }
            None => {
                let id = NodeId(self.nodes.len());
                self.nodes.push(node);
                if let Some(c) = cluster {
                    record_slot(&mut self.clusters[c.0], Slots::Nodes, &self.nodes[id.0].label, id.0);
                }
                id
            }
        }
    }

    /// The edges into a node just created. An operand given twice (`x * x`
    /// gives `(x, x)` and `(x, x)`) is one edge whose partial is the sum.
    fn add_parents(&mut self, node: NodeId, parents: &[(NodeId, f64)]) {
        for (k, &(parent, _)) in parents.iter().enumerate() {
            if parents[..k].iter().any(|&(earlier, _)| earlier == parent) {
                continue;
            }
            let partial = parents.iter().filter(|&&(p, _)| p == parent).map(|&(_, d)| d).sum();
            self.add_edge(parent, node, Some(Value::Scalar(partial)), None);
        }
    }

    /// Adds the edge, or updates it if `from` already flows into `to`.
    fn add_edge(&mut self, from: NodeId, to: NodeId, partial: Option<Value>, index: Option<usize>) {
        assert!(from.0 < self.nodes.len(), "autodiff graph: no node {}", from.0);
        let edge = Edge { from, to, partial, index };
        let incoming = &mut self.nodes[to.0].incoming;
        match incoming.iter_mut().find(|e| e.from == from) {
            Some(old) => *old = edge,
            None => incoming.push(edge),
        }
    }

    fn open_cluster(&mut self, kind: ClusterKind, label: &str) -> ClusterId {
        let parent = self.open.last().copied();
        let reused = parent.and_then(|c| take_slot(&mut self.clusters[c.0], Slots::Clusters, label)).map(ClusterId);
        let id = match reused {
            Some(id) => {
                // A loop nested in a loop shows the passes of the outer loop's last pass.
                self.clusters[id.0].passes = 0;
                id
            }
            None => {
                let id = ClusterId(self.clusters.len());
                let serial = parent.map_or(0, |c| self.clusters[c.0].serial);
                self.clusters.push(Cluster {
                    kind,
                    label: label.to_string(),
                    parent,
                    passes: 0,
                    serial,
                    node_slots: HashMap::new(),
                    cluster_slots: HashMap::new(),
                });
                if let Some(p) = parent {
                    record_slot(&mut self.clusters[p.0], Slots::Clusters, label, id.0);
                }
                id
            }
        };
        self.open.push(id);
        id
    }

    fn close_cluster(&mut self, kind: ClusterKind) {
        let id = self.open.pop().expect("autodiff graph: no cluster to close");
        assert_eq!(self.clusters[id.0].kind, kind, "autodiff graph: clusters closed out of order");
    }

    /// Whether `cluster` is, or is nested in, a loop.
    fn in_loop(&self, mut cluster: Option<ClusterId>) -> bool {
        while let Some(c) = cluster {
            if self.clusters[c.0].kind == ClusterKind::Loop {
                return true;
            }
            cluster = self.clusters[c.0].parent;
        }
        false
    }
}

/// `value` with each -0 made 0: `x + 0.0` is `x` but for -0.
fn without_negative_zero(value: Value) -> Value {
    match value {
        Value::Scalar(x) => Value::Scalar(x + 0.0),
        Value::Array(xs) => Value::Array(xs.into_iter().map(|x| x + 0.0).collect()),
    }
}

/// Which of a cluster's slot tables.
#[derive(Clone, Copy)]
enum Slots {
    Nodes,
    Clusters,
}

fn slot_table(cluster: &mut Cluster, which: Slots) -> &mut HashMap<String, SlotGroup> {
    match which {
        Slots::Nodes => &mut cluster.node_slots,
        Slots::Clusters => &mut cluster.cluster_slots,
    }
}

/// The next slot of `label` the current pass of `cluster` has not used, if
/// an earlier pass created one.
fn take_slot(cluster: &mut Cluster, which: Slots, label: &str) -> Option<usize> {
    let serial = cluster.serial;
    let group = slot_table(cluster, which).get_mut(label)?;
    if group.serial != serial {
        group.serial = serial;
        group.used = 0;
    }
    let slot = group.items.get(group.used).copied()?;
    group.used += 1;
    Some(slot)
}

/// Records the slot `index`, just created by the current pass of `cluster`.
fn record_slot(cluster: &mut Cluster, which: Slots, label: &str, index: usize) {
    let serial = cluster.serial;
    let group = slot_table(cluster, which).entry(label.to_string()).or_default();
    if group.serial != serial {
        group.serial = serial;
        group.used = 0;
    }
    group.items.push(index);
    group.used += 1;
}
