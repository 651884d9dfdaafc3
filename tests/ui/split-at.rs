// `split_at` is refused once, with the sub-slices that mean the same; the
// names it would bind report nothing more.
use autodiff::grad;

#[grad]
fn halves(x: &[f64]) -> f64 {
    let (left, right) = x.split_at(x.len() / 2);
    left.iter().sum::<f64>() - right.iter().sum::<f64>()
}

fn main() {}
