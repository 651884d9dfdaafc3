use autodiff::prelude::*;
use autodiff::{NodeId, Value};

#[grad(graph)]
fn j(a: f64, b: f64, c: f64) -> f64 {
    let v = b * c;
    let u = a + v;
    3.0 * u
}

#[test]
fn scratch() {
    let g = j_graph(5.0, 3.0, 2.0);
    for n in g.nodes() {
        println!("{:?} {} {:?} {:?}", n.kind(), n.label(), n.value(), n.adjoint());
    }
    for e in g.edges() {
        println!("{:?}", e);
    }
    let _ = (NodeId::index, Value::as_scalar);
}
