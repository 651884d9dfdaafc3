// A name bound to a sub-slice cannot be given another slice: the error
// says so (it spoke of a local closure).
use autodiff::grad;

#[grad]
fn pick(x: &[f64], y: &[f64]) -> f64 {
    let mut h = &x[1..];
    if x[0] > 0.0 {
        h = y;
    }
    h[0] * 2.0
}

fn main() {}
