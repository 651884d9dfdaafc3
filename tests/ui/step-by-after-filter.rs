// `step_by` after `filter` steps over the items the filter keeps; the loop
// #[grad] writes steps over all of them and tests the filter on each pass
// it makes, so the chain is refused with the way out (a counter of kept
// items, `tests/corpus_order.rs`): it gave a wrong value and gradient.
use autodiff::grad;

#[grad]
fn every_other_positive(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for v in x.iter().filter(|v| **v > 0.0).step_by(2) {
        s += v * v;
    }
    s
}

fn main() {}
