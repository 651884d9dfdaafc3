// A call's value lent by reference before anything says it is an array:
// the macro sees one function at a time and asks for the type.
use autodiff::grad;

#[grad]
fn deriv(s: [f64; 2], k: f64) -> [f64; 2] {
    [s[1], -k * s[0]]
}

#[grad]
fn energy(s: &[f64; 2]) -> f64 {
    s[0] * s[0] + s[1] * s[1]
}

#[grad]
fn f(x: f64) -> f64 {
    let a = deriv([x, 1.0], 0.5);
    energy(&a)
}

fn main() {}
