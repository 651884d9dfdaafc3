use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    let head = &x[..2];
    let copy = head.to_vec();
    copy[0] * x[1]
}

fn main() {}
