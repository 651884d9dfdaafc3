use autodiff::grad;

// Arrays may be taken by value (`w: [f64; 3]`); vectors may not.
#[grad]
fn f(x: f64, w: Vec<f64>) -> f64 {
    x * w[0] + w[1] * w[2]
}

fn main() {}
