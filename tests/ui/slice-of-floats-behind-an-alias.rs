// A slice whose element type names no float is read as constant data (a
// slice of structs); floats behind an alias would be left out of the
// derivative, so rustc's probe of the elements refuses them.
use autodiff::grad;

type Real = f64;

#[grad(forward, reverse, hessian)]
fn energy(w: &[f64], x: &[Real]) -> f64 {
    w[0] * x[0] + w[1] * x[1]
}

fn main() {}
