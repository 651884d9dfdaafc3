// A float field of a constant struct passed, with a differentiated value,
// to a function without a derivative: rustc reports the missing
// derivative alone (its path), not the field as well, whose check is a
// method of the callee's companion, which does not exist.
use autodiff::grad;

pub struct Cfg {
    pub scale: f64,
    pub v: Vec<f64>,
}

fn plain(a: f64, b: f64) -> f64 {
    a * b
}

fn plain_slice(a: f64, w: &[f64]) -> f64 {
    a * w[0]
}

#[grad(forward, reverse, hessian, wrt(x))]
fn f(x: f64, s: &Cfg) -> f64 {
    plain(x, s.scale) + plain_slice(x, &s.v)
}

fn main() {}
