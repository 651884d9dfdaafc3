use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    x.iter().filter(|v| **v > 0.0).map(|v| v * v).sum::<f64>()
}

fn main() {}
