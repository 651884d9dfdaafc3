// A field of a struct left out of `wrt(..)` lent by reference to a #[grad]
// function is lent as floats (an array, a vector, a model) with a zero
// shadow; one that holds no floats is refused by rustc's probe of its type.
use autodiff::grad;

pub struct Cfg {
    pub name: String,
    pub v: Vec<f64>,
}

#[grad(forward, reverse, hessian)]
pub fn named(a: f64, w: &str) -> f64 {
    a * w.len() as f64
}

#[grad(forward, reverse, hessian)]
pub fn dot(a: f64, w: &[f64]) -> f64 {
    a * w[0]
}

#[grad(forward, reverse, hessian, wrt(x))]
pub fn c4(x: f64, s: &Cfg) -> f64 {
    named(x, &s.name) + dot(x, &s.v)
}

fn main() {}
