// A softmax returning `Vec<f64>` (round 21 D7): refused, with the output
// parameter that carries a vector of results and their adjoints.
use autodiff::grad;

#[grad]
fn softmax(x: &[f64]) -> Vec<f64> {
    let s: f64 = x.iter().map(|v| v.exp()).sum();
    x.iter().map(|v| v.exp() / s).collect()
}

fn main() {}
