// A float array field of a struct left out of `wrt(..)`, passed by value
// to a #[grad] function whose parameter has a partial (an array): refused
// by rustc's probe of the field's type, with the fix (a typed `let`).
use autodiff::grad;

pub struct Cfg {
    pub ws: [f64; 3],
}

#[grad(forward, reverse)]
pub fn arr3(a: f64, w: [f64; 3]) -> f64 {
    a * w[0] + w[1]
}

#[grad(forward, reverse, wrt(x))]
pub fn c3(x: f64, s: &Cfg) -> f64 {
    arr3(x, s.ws)
}

fn main() {}
