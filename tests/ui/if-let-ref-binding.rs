use autodiff::grad;

#[grad]
fn f(x: f64, y: Option<f64>) -> f64 {
    if let Some(ref v) = y {
        x * v
    } else {
        x
    }
}

fn main() {}
