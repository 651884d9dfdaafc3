use autodiff::grad;

#[grad(hessian)]
fn f(x: f64) -> f64 {
    x * x
}

fn main() {}
