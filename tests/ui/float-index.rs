use autodiff::grad;

#[grad]
fn f(x: &[f64], t: f64) -> f64 {
    x[t] * 2.0
}

fn main() {}
