use autodiff::grad;

#[grad]
fn f(x: f64, y: Option<f64>) -> f64 {
    let Some(y) = y else { return 0.0 };
    x * y
}

fn main() {}
