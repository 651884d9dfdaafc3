use autodiff::grad;

// A search whose `Option` is matched (review 29, F7): refused, and the
// error names the forms that are read.
#[grad]
fn first_above(x: &[f64], t: f64) -> f64 {
    if let Some(k) = x.iter().position(|&v| v > t) {
        x[k] * x[k]
    } else {
        0.0
    }
}

fn main() {}
