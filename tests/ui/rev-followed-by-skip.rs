// `.rev()` after `take`, then `skip` (review 28 F8): `.rev()` of a chain
// comes last; the message says so, and names nothing after it.
use autodiff::grad;

#[grad]
fn middle_chunks(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for c in x.chunks(3).take(3).rev().skip(1) {
        s += c[0] * c[1];
    }
    s
}

fn main() {}
