use autodiff::grad;

fn first(v: Vec<f64>) -> f64 {
    v[0]
}

#[grad]
fn f(x: &[f64]) -> f64 {
    first(x.to_vec()) * x[1]
}

fn main() {}
