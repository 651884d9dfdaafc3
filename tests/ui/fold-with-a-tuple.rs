// A fold whose accumulator is a tuple (one-pass mean and variance) is
// refused once, at the tuple (round 9: a second error asked to name the
// accumulator, which the tuple pattern names).
use autodiff::grad;

#[grad]
fn variance(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (s, s2) = x.iter().fold((0.0, 0.0), |(s, s2), v| (s + v, s2 + v * v));
    s2 / n - (s / n) * (s / n)
}

fn main() {}
