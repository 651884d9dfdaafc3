// A float field of a struct left out of `wrt(..)`, passed by value to a
// #[grad] function: the macro cannot see its type, takes it for a value
// without a derivative (as an integer or an enum, which work), and the
// callee's slots for a float would not match (E0308/E0061 in generated
// code); rustc's probe of the field's type fails instead, with the fix.
use autodiff::grad;

pub struct Cfg {
    pub scale: f64,
    pub n: usize,
}

#[grad(forward, reverse, hessian)]
pub fn free2(a: f64, b: f64) -> f64 {
    a * b * b
}

#[grad(forward, reverse, hessian, graph, wrt(x))]
pub fn m1(x: f64, s: &Cfg) -> f64 {
    free2(x, s.scale) * s.n as f64
}

fn main() {}
