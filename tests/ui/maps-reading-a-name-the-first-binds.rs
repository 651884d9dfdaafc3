use autodiff::grad;

// The second closure reads `v` from outside, which the first closure's
// argument binds (review 29: fused, it read the argument, a silent wrong
// value): not fused, and the error says why.
#[grad]
fn scaled_by_the_first(x: &[f64]) -> f64 {
    let v = x[0];
    x.iter().map(|v| v * 2.0).map(|w| w * v).sum::<f64>()
}

fn main() {}
