// A `mut` name for a struct (`let mut c = n;`, then `c = m;` with `m`
// differentiated) would name a struct chosen as the function runs: the
// derivative in `m` was dropped without a word. Refused.
use autodiff::prelude::*;

#[derive(Params, Clone)]
struct Lin {
    w: [f64; 2],
    b: f64,
}

#[grad(wrt(m, x))]
fn either(m: &Lin, n: &Lin, x: f64) -> f64 {
    let mut c = n;
    if x > 0.0 {
        c = m;
    }
    c.b * x + c.w[0]
}

fn main() {}
