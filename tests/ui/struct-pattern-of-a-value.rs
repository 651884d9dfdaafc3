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

// An index with an effect would run once per field (review 8: the value
// and the derivative of another function).
#[grad(wrt(a))]
fn effect_in_the_index(a: f64, data: &[Sample]) -> f64 {
    let mut k = 0;
    let Sample { x, .. } = data[{
        k += 1;
        k - 1
    }];
    a * x + k as f64
}

fn main() {}
