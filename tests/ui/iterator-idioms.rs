use autodiff::grad;

// `std::iter::zip(a, b)`: the error says to zip with the method.
#[grad]
fn zipped(x: &[f64], y: &[f64]) -> f64 {
    std::iter::zip(x, y).map(|(a, b)| a * b).sum::<f64>()
}

// A chain kept in a variable: the error says to consume it where it is written.
#[grad]
fn kept(x: &[f64]) -> f64 {
    let scaled = x.iter().map(|v| v * 3.0);
    scaled.sum::<f64>()
}

// `max_by` then `unwrap`: the error gives the fold that takes a maximum.
#[grad]
fn largest(x: &[f64]) -> f64 {
    let m = *x.iter().max_by(|a, b| a.partial_cmp(b).unwrap()).unwrap();
    m * m
}

fn main() {}
