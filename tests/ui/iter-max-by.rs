use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    let m = x.iter().max_by(|a, b| a.total_cmp(b));
    x[0] * 2.0
}

fn main() {}
