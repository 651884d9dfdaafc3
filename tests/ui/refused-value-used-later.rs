// A refused construct is reported once: its closure argument, and the
// later uses of the value it would have given (an index, a method called on
// it), report nothing more.
use autodiff::grad;

#[grad]
fn f(x: &[f64], t: f64) -> f64 {
    let i = x.partition_point(|&v| v < t);
    let j = i + 1;
    let k = j.min(3);
    let first = x.first().unwrap();
    x[i] * t + x[k] * first
}

fn main() {}
