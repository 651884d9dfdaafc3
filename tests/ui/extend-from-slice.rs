// A vector grown by a slice: the message names `push` in a loop, which
// #[grad] supports (user round 10: it spoke of an array and named no way
// out).
use autodiff::grad;

#[grad]
fn features(a: &[f64], b: &[f64]) -> f64 {
    let mut f: Vec<f64> = Vec::new();
    f.extend_from_slice(a);
    f.extend_from_slice(b);
    f.iter().map(|v| v * v).sum()
}

fn main() {}
