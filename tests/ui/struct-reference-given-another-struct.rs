// A `mut` struct reference given another struct would decide at run time
// which struct the calls after it lend, with a shadow or without: refused.
use autodiff::prelude::*;

#[derive(Params, Clone)]
struct Lin {
    w: [f64; 2],
    b: f64,
}

#[grad]
fn predict(m: &Lin, x: f64) -> f64 {
    m.w[0] * x * x + m.b
}

#[grad(wrt(m, x))]
fn either<'a>(m: &'a Lin, mut c: &'a Lin, x: f64) -> f64 {
    if x > 0.0 {
        c = m;
    }
    predict(c, x)
}

fn main() {}
