// `vec![a, b]` is supported bound by a `let`; elsewhere (here lent to a
// call) the message says so.
use autodiff::grad;

#[grad]
fn total(v: &[f64]) -> f64 {
    v[0] + v[1]
}

#[grad]
fn f(x: f64) -> f64 {
    total(&vec![x, 2.0 * x])
}

// Reduced in place: reported once (a second error named a temporary).
#[grad]
fn g(x: f64) -> f64 {
    vec![x, 2.0 * x].iter().sum::<f64>()
}

fn main() {}
