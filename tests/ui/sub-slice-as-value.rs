use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    let head = &x[..2];
    let _ = head.first();
    x[1]
}

fn main() {}
