use autodiff::prelude::*;

#[derive(Params)]
struct Line {
    w: [f64; 2],
}

#[grad(graph)]
fn loss(line: &Line, x: f64) -> f64 {
    line.w[0] * x + line.w[1]
}

fn main() {
    let _ = loss_graph(&Line { w: [1.0, 2.0] }, 3.0);
}
