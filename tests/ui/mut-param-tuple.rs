use autodiff::grad;

#[grad]
fn f(x: f64, y: &mut (f64, f64)) -> f64 {
    y.0 = x * x;
    x
}

fn main() {}
