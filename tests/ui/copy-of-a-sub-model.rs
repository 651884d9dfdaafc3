// A model's field copied into a typed `let` is a constant only when its
// type is an enum of settings (`#[derive(Params)]` on an enum): a copy of
// a sub-model would hold weights that the copy does not differentiate, and
// rustc refuses it with the ways out.
use autodiff::prelude::*;

#[derive(Params, Clone, Copy)]
struct Lin {
    a: f64,
    c: f64,
}

#[derive(Params, Clone)]
struct Outer {
    lin: Lin,
}

#[grad]
fn predict(o: &Outer, x: f64) -> f64 {
    let lin: Lin = o.lin;
    lin.a * x + lin.c
}

fn main() {}
