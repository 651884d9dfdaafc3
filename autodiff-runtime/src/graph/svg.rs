//! A standalone SVG picture of a [`Graph`]: `layout-rs` places the nodes
//! and routes the edges (left to right), and a small render backend here
//! draws them the way the lesson does, values in blue and adjoints in red.

use std::fmt::Write;

use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::dot::PARTIAL_COLOUR;
use super::label::{edge_text, node_text, number};
use super::{ClusterId, Graph, NodeId, NodeKind};

/// The colour of forward values (blue, left to right).
const VALUE_COLOUR: &str = "#1f5fbf";
/// The colour of adjoints (red, right to left).
const ADJOINT_COLOUR: &str = "#c0392b";

/// Font size of node text, in pixels.
const NODE_FONT: f64 = 14.0;
/// Font size of edge labels, cluster labels and the legend.
const SMALL_FONT: f64 = 12.0;
/// The advance of an average character of the sans-serif font, per pixel
/// of font size (generous: a box too wide reads better than one too narrow).
const CHAR_WIDTH: f64 = 0.62;
/// Line height, per pixel of font size.
const LINE_HEIGHT: f64 = 1.35;
/// Padding inside a node's box.
const PADDING: f64 = 10.0;
/// Margin around the picture and around a cluster's nodes.
const MARGIN: f64 = 16.0;
/// The font size `layout-rs` sizes an edge label's slot with (it counts one
/// font size per character; the label is drawn at `SMALL_FONT`).
const EDGE_LABEL_LAYOUT_FONT: usize = 8;

/// Up to this many parameters are all drawn in the first column, and named
/// with their values in the title.
const FEW_PARAMETERS: usize = 6;

/// The property string that marks a node's box: `node <index>`.
const NODE_TAG: &str = "node ";

impl Graph {
    /// The graph as a standalone SVG document, laid out left to right
    /// (inputs on the left, the result on the right) by `layout-rs`, with
    /// no external program. Each node shows its expression, its forward
    /// value `= v` in blue and its adjoint `∇ = ∂out/∂node` in red; each
    /// edge its local partial in green; each loop or expanded call a dashed
    /// frame with its note. A legend says what the colours mean.
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
    /// let svg = g.to_svg();
    /// assert!(svg.starts_with("<svg") && svg.contains("x * x") && svg.contains("∇ = 6"));
    /// ```
    pub fn to_svg(&self) -> String {
        self.laid_out().finish(self)
    }

    /// Where layout-rs puts the nodes, edges and labels.
    fn laid_out(&self) -> Canvas {
        let mut visual = VisualGraph::new(Orientation::LeftToRight);
        let handles: Vec<_> = self.node_ids().map(|id| visual.add_node(self.layout_box(id))).collect();
        for edge in self.edges() {
            let look = StyleAttr::new(Color::fast("black"), 1, None, 0, EDGE_LABEL_LAYOUT_FONT);
            let line = if edge.partial().is_some() { LineStyleKind::Normal } else { LineStyleKind::Dashed };
            let text = edge_text(self, edge);
            let arrow = Arrow::new(LineEndKind::None, LineEndKind::Arrow, line, &text, &look, &None, &None);
            visual.add_edge(arrow, handles[edge.from().index()], handles[edge.to().index()]);
        }
        self.pin_parameters_left(&mut visual, &handles);
        self.place_fresh_values_where_written(&mut visual, &handles);
        let mut canvas = Canvas::default();
        if !self.nodes().is_empty() {
            visual.do_it(false, false, false, &mut canvas);
        }
        canvas
    }

    /// Puts the parameters in the first column when they are few, as the
    /// lesson draws J(a, b, c); more of them (the weights of a network)
    /// stay beside their first use, each layer's weights beside the layer,
    /// as the lesson draws its network, rather than all far left with long
    /// edges across the picture.
    ///
    /// layout-rs moves a node with as many edges out as in next to its
    /// first use, so each parameter gets more invisible edges in, from
    /// invisible anchors, than it has edges out.
    fn pin_parameters_left(&self, visual: &mut VisualGraph, handles: &[layout::adt::dag::NodeHandle]) {
        let parameters: Vec<NodeId> = self
            .node_ids()
            .filter(|&id| matches!(self.node(id).kind(), NodeKind::Input | NodeKind::Constant))
            .filter(|&id| self.parents(id).is_empty())
            .collect();
        if parameters.is_empty() || parameters.len() > FEW_PARAMETERS {
            return;
        }
        let uses = |id: NodeId| self.edges().filter(|e| e.from() == id && e.to() != id).count();
        let anchors = 1 + parameters.iter().map(|&id| uses(id)).max().unwrap_or(0);
        for _ in 0..anchors {
            let nothing =
                Element::create(ShapeKind::None, StyleAttr::simple(), Orientation::TopToBottom, Point::splat(1.0));
            let anchor = visual.add_node(nothing);
            for &id in &parameters {
                let invisible = Arrow::new(
                    LineEndKind::None,
                    LineEndKind::None,
                    LineStyleKind::None,
                    "",
                    &StyleAttr::simple(),
                    &None,
                    &None,
                );
                visual.add_edge(invisible, anchor, handles[id.index()]);
            }
        }
    }

    /// A value the body sets from nothing (`let mut a = 0.0;` before a sum)
    /// has no edge in, so layout-rs would put it in the first column, and a
    /// loop it belongs to would be framed from the picture's left edge over
    /// everything between. Invisible edges from the inputs of the value
    /// computed next in program order put it in that value's column.
    fn place_fresh_values_where_written(&self, visual: &mut VisualGraph, handles: &[layout::adt::dag::NodeHandle]) {
        let fresh = |id: NodeId| {
            !matches!(self.node(id).kind(), NodeKind::Input | NodeKind::Constant | NodeKind::Output)
                && self.parents(id).is_empty()
        };
        for id in self.node_ids().filter(|&id| fresh(id)) {
            let Some(next) = self.node_ids().skip(id.index() + 1).find(|&n| !self.parents(n).is_empty()) else {
                continue;
            };
            let reached = self.reachable_from(id);
            for edge in self.parents(next) {
                // An edge from a value `id` leads to would close a cycle.
                if edge.from() != id && !reached[edge.from().index()] {
                    let invisible = Arrow::new(
                        LineEndKind::None,
                        LineEndKind::None,
                        LineStyleKind::None,
                        "",
                        &StyleAttr::simple(),
                        &None,
                        &None,
                    );
                    visual.add_edge(invisible, handles[edge.from().index()], handles[id.index()]);
                }
            }
        }
    }

    /// Which nodes a path of edges leads to from `start` (itself included).
    fn reachable_from(&self, start: NodeId) -> Vec<bool> {
        let mut children = vec![Vec::new(); self.nodes().len()];
        for edge in self.edges() {
            children[edge.from().index()].push(edge.to());
        }
        let mut reached = vec![false; self.nodes().len()];
        let mut stack = vec![start];
        while let Some(node) = stack.pop() {
            if !std::mem::replace(&mut reached[node.index()], true) {
                stack.extend(children[node.index()].iter().copied());
            }
        }
        reached
    }

    /// The `layout-rs` box of a node, sized for its text.
    fn layout_box(&self, id: NodeId) -> Element {
        let text = node_text(self, id);
        let lines = text.lines();
        let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(1) as f64;
        let size = Point::new(
            widest * NODE_FONT * CHAR_WIDTH + 2.0 * PADDING,
            lines.len() as f64 * NODE_FONT * LINE_HEIGHT + 2.0 * PADDING,
        );
        let look = StyleAttr::new(Color::fast("black"), 1, Some(Color::fast("white")), 6, NODE_FONT as usize);
        // In a left-to-right graph layout-rs lays out top to bottom and
        // turns the picture; its own DOT builder gives nodes the turned
        // orientation too.
        let shape = ShapeKind::Box(lines.join("\n"));
        Element::create_with_properties(
            shape,
            look,
            Orientation::TopToBottom,
            size,
            format!("{NODE_TAG}{}", id.index()),
        )
    }
}

/// What `layout-rs` asked to draw, kept to be drawn in our style.
#[derive(Default)]
struct Canvas {
    /// Each node's index and box (top-left corner, size).
    boxes: Vec<(usize, Point, Point)>,
    /// Each edge's label and where its middle is.
    labels: Vec<(Point, String)>,
    /// Each edge's path.
    arrows: Vec<EdgePath>,
}

/// An edge as layout-rs routes it.
struct EdgePath {
    /// A start, then bezier control pairs (see `RenderBackend::draw_arrow`).
    path: Vec<(Point, Point)>,
    dashed: bool,
    /// Which ends have the head: layout-rs routes a back edge, one that
    /// closes a cycle, from its end to its start, the head at the start.
    heads: (bool, bool),
}

impl RenderBackend for Canvas {
    fn draw_rect(&mut self, xy: Point, size: Point, _: &StyleAttr, properties: Option<String>, _: Option<ClipHandle>) {
        if let Some(index) = properties.and_then(|p| p.strip_prefix(NODE_TAG)?.parse().ok()) {
            self.boxes.push((index, xy, size));
        }
    }

    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}

    fn draw_circle(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}

    fn draw_text(&mut self, xy: Point, text: &str, look: &StyleAttr) {
        // Node text is drawn from the graph itself; what is left is the
        // label of an edge, drawn by layout-rs in the edge's slot.
        if look.fill_color.is_none() && !text.is_empty() {
            self.labels.push((xy, text.to_string()));
        }
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        dashed: bool,
        heads: (bool, bool),
        _: &StyleAttr,
        _: Option<String>,
        _: &str,
    ) {
        self.arrows.push(EdgePath { path: path.to_vec(), dashed, heads });
    }

    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}

/// An axis-aligned box: left, top, right, bottom.
#[derive(Clone, Copy)]
struct Bounds {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

impl Bounds {
    fn of(xy: Point, size: Point) -> Self {
        Bounds { left: xy.x, top: xy.y, right: xy.x + size.x, bottom: xy.y + size.y }
    }

    fn union(self, other: Bounds) -> Self {
        Bounds {
            left: self.left.min(other.left),
            top: self.top.min(other.top),
            right: self.right.max(other.right),
            bottom: self.bottom.max(other.bottom),
        }
    }

    fn grow(self, by: f64) -> Self {
        Bounds { left: self.left - by, top: self.top - by, right: self.right + by, bottom: self.bottom + by }
    }
}

impl Canvas {
    /// The SVG document: clusters, edges, nodes, edge labels, legend.
    fn finish(&self, graph: &Graph) -> String {
        let clusters = self.cluster_frames(graph);
        let content = self.content_bounds(&clusters);
        let title_height = NODE_FONT * 2.0;
        let legend_height = SMALL_FONT * LINE_HEIGHT * 3.0 + MARGIN;
        let (dx, dy) = (MARGIN - content.left, MARGIN + title_height - content.top);
        let legend_width = 64.0 * SMALL_FONT * CHAR_WIDTH;
        let width = (content.right - content.left + 2.0 * MARGIN).max(legend_width + 2.0 * MARGIN);
        let height = content.bottom - content.top + 2.0 * MARGIN + title_height + legend_height;

        let mut svg = String::new();
        let _ = writeln!(
            svg,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" \
             font-family=\"Helvetica, Arial, sans-serif\">",
            w = width.ceil(),
            h = height.ceil()
        );
        let _ = writeln!(svg, "<title>{}</title>", escape(&format!("computational graph of {}", graph.name())));
        svg.push_str(
            "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" \
             markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#555\"/></marker></defs>\n",
        );
        let _ = writeln!(svg, "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"white\"/>");
        let _ = writeln!(
            svg,
            "<text x=\"{MARGIN}\" y=\"{:.1}\" font-size=\"{}\" font-weight=\"bold\">{}</text>",
            MARGIN + NODE_FONT,
            NODE_FONT + 2.0,
            escape(&title(graph))
        );
        let _ = writeln!(svg, "<g transform=\"translate({dx:.1} {dy:.1})\">");
        for (id, frame) in &clusters {
            write_cluster(&mut svg, graph, *id, *frame);
        }
        for arrow in &self.arrows {
            write_arrow(&mut svg, arrow);
        }
        for &(index, xy, size) in &self.boxes {
            write_node(&mut svg, graph, NodeId(index), xy, size);
        }
        for (xy, text) in &self.labels {
            let width = text.chars().count() as f64 * SMALL_FONT * CHAR_WIDTH + 6.0;
            let _ = writeln!(
                svg,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"{:.1}\" rx=\"3\" fill=\"white\" \
                 fill-opacity=\"0.9\"/>",
                xy.x - width / 2.0,
                xy.y - SMALL_FONT * 0.75,
                SMALL_FONT * 1.5
            );
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{SMALL_FONT}\" text-anchor=\"middle\" \
                 dominant-baseline=\"central\" fill=\"{PARTIAL_COLOUR}\">{}</text>",
                xy.x,
                xy.y,
                escape(text)
            );
        }
        svg.push_str("</g>\n");
        write_legend(&mut svg, graph, height - legend_height + SMALL_FONT);
        svg.push_str("</svg>\n");
        svg
    }

    /// The frame of each cluster: around its nodes and nested clusters.
    fn cluster_frames(&self, graph: &Graph) -> Vec<(ClusterId, Bounds)> {
        let mut frames = Vec::new();
        for index in 0..graph.clusters().len() {
            let id = ClusterId(index);
            let members = self
                .boxes
                .iter()
                .filter(|(node, _, _)| within(graph, graph.node(NodeId(*node)).cluster(), id))
                .map(|&(_, xy, size)| Bounds::of(xy, size));
            if let Some(bounds) = members.reduce(Bounds::union) {
                let depth = nesting_depth(graph, id);
                frames.push((id, (bounds.grow(MARGIN / (depth as f64 + 1.0))), depth));
            }
        }
        // Outer frames grow around inner ones: draw and size them first.
        frames.sort_by_key(|&(_, _, depth)| depth);
        let mut sized: Vec<(ClusterId, Bounds)> = Vec::new();
        for (id, bounds, _) in frames.into_iter().rev() {
            let inner = sized.iter().filter(|(c, _)| graph.cluster(*c).parent() == Some(id)).map(|(_, b)| b.grow(8.0));
            let bounds = inner.fold(bounds, Bounds::union);
            sized.push((id, Bounds { top: bounds.top - 2.0 * SMALL_FONT * LINE_HEIGHT, ..bounds }));
        }
        sized.reverse();
        sized
    }

    /// Everything drawn: boxes, edge paths, labels and cluster frames.
    fn content_bounds(&self, clusters: &[(ClusterId, Bounds)]) -> Bounds {
        let boxes = self.boxes.iter().map(|&(_, xy, size)| Bounds::of(xy, size));
        let points = self.arrows.iter().flat_map(|arrow| &arrow.path).flat_map(|&(a, b)| [a, b]);
        let points = points.map(|p| Bounds::of(p, Point::zero()));
        let labels = self.labels.iter().map(|(xy, text)| {
            let half = text.chars().count() as f64 * SMALL_FONT * CHAR_WIDTH / 2.0;
            Bounds { left: xy.x - half, top: xy.y - SMALL_FONT, right: xy.x + half, bottom: xy.y + SMALL_FONT }
        });
        let frames = clusters.iter().map(|&(_, b)| b);
        boxes.chain(points).chain(labels).chain(frames).reduce(Bounds::union).unwrap_or(Bounds {
            left: 0.0,
            top: 0.0,
            right: 0.0,
            bottom: 0.0,
        })
    }
}

/// `J at a = 5, b = 3, c = 2`: the function and its scalar parameters.
fn title(graph: &Graph) -> String {
    let point: Vec<String> = graph
        .nodes()
        .iter()
        .filter(|n| matches!(n.kind(), NodeKind::Input | NodeKind::Constant))
        .filter_map(|n| Some(format!("{} = {}", n.name()?, n.value().as_scalar().map(number)?)))
        .collect();
    if point.is_empty() || point.len() > FEW_PARAMETERS {
        graph.name().to_string()
    } else {
        format!("{} at {}", graph.name(), point.join(", "))
    }
}

/// Whether the cluster `inner` is `outer` or nested in it.
fn within(graph: &Graph, mut inner: Option<ClusterId>, outer: ClusterId) -> bool {
    while let Some(c) = inner {
        if c == outer {
            return true;
        }
        inner = graph.cluster(c).parent();
    }
    false
}

fn nesting_depth(graph: &Graph, id: ClusterId) -> usize {
    std::iter::successors(graph.cluster(id).parent(), |&c| graph.cluster(c).parent()).count()
}

fn write_cluster(svg: &mut String, graph: &Graph, id: ClusterId, b: Bounds) {
    let cluster = graph.cluster(id);
    let _ = writeln!(
        svg,
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"10\" fill=\"#f7f7f2\" \
         stroke=\"#888\" stroke-dasharray=\"6 4\"/>",
        b.left,
        b.top,
        b.right - b.left,
        b.bottom - b.top
    );
    let line = SMALL_FONT * LINE_HEIGHT;
    let _ = writeln!(
        svg,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{SMALL_FONT}\" fill=\"#444\"><tspan font-weight=\"bold\">{}</tspan>\
         <tspan x=\"{:.1}\" dy=\"{line:.1}\" font-style=\"italic\">{}</tspan></text>",
        b.left + 8.0,
        b.top + line,
        escape(cluster.label()),
        b.left + 8.0,
        escape(&cluster.note())
    );
}

fn write_arrow(svg: &mut String, EdgePath { path, dashed, heads: (head_at_start, head_at_end) }: &EdgePath) {
    let Some(((start, control), rest)) = path.split_first().map(|(first, rest)| (*first, rest)) else { return };
    let mut d = format!("M {:.1} {:.1}", start.x, start.y);
    if let Some(((point, entry), more)) = rest.split_first().map(|(first, more)| (*first, more)) {
        let _ = write!(
            d,
            " C {:.1} {:.1}, {:.1} {:.1}, {:.1} {:.1}",
            control.x, control.y, point.x, point.y, entry.x, entry.y
        );
        for (point, entry) in more {
            let _ = write!(d, " S {:.1} {:.1}, {:.1} {:.1}", point.x, point.y, entry.x, entry.y);
        }
    }
    let dash = if *dashed { " stroke-dasharray=\"5 4\"" } else { "" };
    let start = if *head_at_start { " marker-start=\"url(#arrow)\"" } else { "" };
    let end = if *head_at_end { " marker-end=\"url(#arrow)\"" } else { "" };
    let _ = writeln!(svg, "<path d=\"{d}\" fill=\"none\" stroke=\"#555\" stroke-width=\"1.3\"{dash}{start}{end}/>");
}

fn write_node(svg: &mut String, graph: &Graph, id: NodeId, xy: Point, size: Point) {
    let node = graph.node(id);
    let (fill, stroke_width) = match node.kind() {
        NodeKind::Input => ("#eef3fb", 1.5),
        NodeKind::Constant => ("#f4f4f4", 1.0),
        _ => ("white", 1.5),
    };
    // The result and the outputs the function writes: what it computes.
    let is_result = graph.result() == Some(id) || node.kind() == NodeKind::Output;
    let stroke_width = if is_result { 3.0 } else { stroke_width };
    let dash =
        if node.kind() == NodeKind::Constant || !graph.is_current(id) { " stroke-dasharray=\"4 3\"" } else { "" };
    let _ = writeln!(
        svg,
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\" fill=\"{fill}\" stroke=\"#222\" \
         stroke-width=\"{stroke_width}\"{dash}/>",
        xy.x, xy.y, size.x, size.y
    );
    let text = node_text(graph, id);
    let lines = [Some((text.label.as_str(), "#111")), Some((text.value.as_str(), VALUE_COLOUR))];
    let lines = lines.into_iter().chain([text.adjoint.as_deref().map(|a| (a, ADJOINT_COLOUR))]).flatten();
    let line = NODE_FONT * LINE_HEIGHT;
    let count = if text.adjoint.is_some() { 3.0 } else { 2.0 };
    let first = xy.y + size.y / 2.0 - (count - 1.0) * line / 2.0;
    for (k, (content, colour)) in lines.enumerate() {
        let weight = if k == 0 { " font-weight=\"bold\"" } else { "" };
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"{NODE_FONT}\" text-anchor=\"middle\" dominant-baseline=\"central\" \
             fill=\"{colour}\"{weight}>{}</text>",
            xy.x + size.x / 2.0,
            first + k as f64 * line,
            escape(content)
        );
    }
}

fn write_legend(svg: &mut String, graph: &Graph, top: f64) {
    let out = graph.result().and_then(|r| graph.node(r).name()).unwrap_or(graph.name());
    let entries = [
        (VALUE_COLOUR, "= value: computed forward, left to right".to_string()),
        (ADJOINT_COLOUR, format!("∇ = ∂{out}/∂node: the adjoint, propagated backward, right to left")),
        (PARTIAL_COLOUR, "on an edge: the local partial ∂child/∂parent".to_string()),
    ];
    for (k, (colour, text)) in entries.iter().enumerate() {
        let _ = writeln!(
            svg,
            "<text x=\"{MARGIN}\" y=\"{:.1}\" font-size=\"{SMALL_FONT}\" fill=\"{colour}\">{}</text>",
            top + k as f64 * SMALL_FONT * LINE_HEIGHT,
            escape(text)
        );
    }
}

/// `text` with the characters XML reserves escaped.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_is_framed_around_its_own_nodes_only() {
        // y = 2x and z = y + 1 come before the loop; s starts from nothing
        // inside it, as `let mut s = 0.0;` does.
        let mut g = Graph::new("f");
        let x = g.input("x", 1.0);
        let y = g.bind("y", "2.0 * x", 2.0, &[(x, 2.0)]);
        let z = g.bind("z", "y + 1.0", 3.0, &[(y, 1.0)]);
        g.begin_loop("for i in 0..2");
        g.next_pass();
        let s = g.bind("s", "0.0", 0.0, &[]);
        let sum = g.bind("s", "s + z", 3.0, &[(s, 1.0), (z, 1.0)]);
        g.end_loop();
        g.output(sum);
        let canvas = g.laid_out();
        let frames = canvas.cluster_frames(&g);
        assert_eq!(frames.len(), 1);
        let frame = frames[0].1;
        for &(index, xy, size) in &canvas.boxes {
            let inside = g.node(NodeId(index)).cluster().is_some();
            let b = Bounds::of(xy, size);
            let overlaps = b.left < frame.right && b.right > frame.left && b.top < frame.bottom && b.bottom > frame.top;
            assert_eq!(overlaps, inside, "node {index} ({}) and the loop's frame", g.node(NodeId(index)).label());
        }
    }
}
