use autodiff::grad;

#[grad]
fn g(x: f64) -> f64 {
    x * x
}

#[grad]
fn f(x: f64) -> f64 {
    g_grad(x).1 * x
}

fn main() {}
