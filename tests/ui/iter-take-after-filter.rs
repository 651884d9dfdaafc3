use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    x.iter().filter(|v| **v > 0.0).take(2).sum::<f64>()
}

fn main() {}
