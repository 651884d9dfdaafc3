// Rust iterates the value a source had when the loop began: the array
// `for v in a` copied, the slice `a.iter()` borrowed before `a = y`. The
// loop #[grad] writes reads its source in place on every pass, so a body
// that changes what it iterates is refused with the way out (iterate a
// copy, `tests/corpus_order.rs`): both gave a wrong value and gradient.
use autodiff::grad;

#[grad]
fn new_from_old(x: &[f64]) -> f64 {
    let mut a = [x[0], x[1], x[2]];
    let mut s = 0.5;
    for v in a {
        a[2] = s * 3.0;
        s = s * v + 1.0;
    }
    s + a[2]
}

#[grad]
fn renamed_while_iterated(x: &[f64], y: &[f64]) -> f64 {
    let mut a = x;
    let mut s = 0.0;
    for v in a.iter() {
        s = s * v + a[0];
        a = y;
    }
    s
}

fn main() {}
