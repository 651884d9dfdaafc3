// A `&mut` output passed on bare to a call whose value is used is taken for
// read; the callee writes it, which needs a call statement.
use autodiff::grad;

#[grad]
fn polar_into(r: f64, out: &mut [f64]) -> f64 {
    out[0] = r * 0.5;
    r * r
}

#[grad]
fn f(x: f64, y: &mut [f64]) -> f64 {
    let r2 = polar_into(x, y);
    r2 + y[0]
}

fn main() {}
