// A sub-slice binding is read through the name it was cut from; cut from a
// `mut` name that is later given another slice, it would read that one
// (it gave a wrong value and gradient). Refused, with the way out.
use autodiff::grad;

#[grad]
fn head_then_other(x: &[f64], y: &[f64]) -> f64 {
    let mut a = x;
    let head = &a[..2];
    a = y;
    head[0] + 10.0 * a[0]
}

fn main() {}
