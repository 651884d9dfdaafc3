use autodiff::grad;

// `x.last()`: the error asks for the element by its index.
#[grad]
fn span(x: &[f64]) -> f64 {
    let last = *x.last().unwrap();
    last - x[0]
}

fn main() {}
