// `reduce(f64::max).unwrap()`: the refusal names `reduce` (it named the
// `unwrap` after it) and the fold that computes a maximum.
use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    x.iter().copied().reduce(f64::max).unwrap() * 2.0
}

fn main() {}
