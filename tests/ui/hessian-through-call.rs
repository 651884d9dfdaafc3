use autodiff::grad;

#[grad]
fn square(x: f64) -> f64 {
    x * x
}

#[grad(hessian)]
fn f(x: f64, y: f64) -> f64 {
    square(x) * y
}

fn main() {}
