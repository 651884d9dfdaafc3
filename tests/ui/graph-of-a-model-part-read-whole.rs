// `NAME_graph` draws a model's parts read by value as floats; an array read
// whole gets a message with the ways out (the other modes differentiate
// it), where rustc said only that `[f64; 3]: Number` does not hold.
use autodiff::prelude::*;

#[derive(Params, Clone)]
struct Particles {
    c: [f64; 3],
}

#[grad(reverse, graph)]
fn spread(m: &Particles) -> f64 {
    let c: [f64; 3] = m.c;
    c[0] * c[1]
}

fn main() {}
