// `rev` of a zip before `enumerate`: the zip's reverse starts at the end
// of the shorter slice, which #[grad] does not track (a single slice
// reversed, `x.iter().rev().enumerate()`, is supported).
use autodiff::grad;

#[grad]
fn f(x: &[f64], y: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, (a, b)) in x.iter().zip(y.iter()).rev().enumerate() {
        s += (i as f64) * a * b;
    }
    s
}

fn main() {}
