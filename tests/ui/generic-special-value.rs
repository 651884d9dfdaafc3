use autodiff::prelude::*;

// `T::neg_infinity()` in a generic function: no literal spells it, so the
// error names it as written and shows the fold to write instead.
#[grad]
fn log_sum_exp<T: Float + std::iter::Sum>(x: &[T]) -> T {
    let m = x.iter().fold(T::neg_infinity(), |a, &b| a.max(b));
    let z: T = x.iter().map(|&v| (v - m).exp()).sum();
    m + z.ln()
}

fn main() {}
