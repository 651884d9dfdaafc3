// `let Sample { x, y } = ..;` takes a struct apart where it is stored; a
// value made by a call is bound to a name first, and a pattern may not
// rebind a name the place it reads is indexed by.
use autodiff::grad;

#[derive(Clone, Copy)]
struct Sample {
    x: f64,
    i: usize,
}

fn make(a: f64) -> Sample {
    Sample { x: a, i: 0 }
}

#[grad(wrt(a))]
fn of_a_call(a: f64) -> f64 {
    let Sample { x, .. } = make(a);
    a * x
}

#[grad(wrt(a))]
fn rebinding(a: f64, data: &[Sample], i: usize) -> f64 {
    let Sample { x, i } = data[i];
    a * x * i as f64
}

fn main() {}
