use autodiff::grad;

// `step_by` before `enumerate`: moving it would renumber the items, so the
// error does not suggest it.
#[grad]
fn every_other(x: &[f64]) -> f64 {
    x.iter().step_by(2).enumerate().map(|(i, v)| v * i as f64).sum()
}

fn main() {}
