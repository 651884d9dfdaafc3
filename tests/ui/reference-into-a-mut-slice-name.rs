// `let p = &a[i];` of a `mut` slice name, which may be given another
// slice, is refused with the way out.
use autodiff::grad;

#[grad]
fn pick(x: &[f64], y: &[f64]) -> f64 {
    let mut a = x;
    let p = &a[0];
    if x[0] > 0.0 {
        a = y;
    }
    p * a[0]
}

fn main() {}
