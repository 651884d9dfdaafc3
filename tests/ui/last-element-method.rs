use autodiff::grad;

// `x.last()` as an `Option` (read as the element when unwrapped): the error
// asks for the element by its index.
#[grad]
fn span(x: &[f64]) -> f64 {
    let last = *x.last().unwrap_or(&0.0);
    last - x[0]
}

fn main() {}
