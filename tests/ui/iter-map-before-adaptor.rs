// `map` is read just before the reduction; another adaptor after it is
// refused with the order that works.
use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    let mut total = 0.0;
    x.iter().map(|v| v * v).enumerate().for_each(|(i, sq)| total += sq * i as f64);
    total
}

fn main() {}
