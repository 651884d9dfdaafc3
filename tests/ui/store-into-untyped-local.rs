use autodiff::grad;

fn zeros(n: usize) -> Vec<[f64; 2]> {
    vec![[0.0; 2]; n]
}

// `h` comes from a plain function: #[grad] cannot tell it holds floats, so
// the product written into it would lose its derivative.
#[grad]
fn from_call(x: &[f64]) -> f64 {
    let mut h = zeros(2);
    h[1][0] = x[0] * x[1];
    h[1][0]
}

fn main() {}
