use autodiff::grad;

#[grad]
fn f(x: f64, bias: Option<f64>) -> f64 {
    match bias {
        Some(mut b) => {
            b *= 2.0;
            x + b
        }
        None => x,
    }
}

fn main() {}
