use autodiff::grad;

#[grad]
fn f(x: f64, w: [f64; 3]) -> f64 {
    x * w[0] + w[1] * w[2]
}

fn main() {}
