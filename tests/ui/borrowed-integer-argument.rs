use autodiff::grad;

fn scale(n: &usize) -> f64 {
    *n as f64
}

#[grad]
fn f(x: f64, n: usize) -> f64 {
    x * scale(&n)
}

fn main() {}
