use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    let square = |v: &f64| v * v;
    x.iter().map(square).sum::<f64>()
}

fn main() {}
