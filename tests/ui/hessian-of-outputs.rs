use autodiff::grad;

#[grad(hessian)]
fn f(x: &[f64], y: &mut [f64]) {
    for i in 0..x.len() {
        y[i] = x[i] * x[i];
    }
}

fn main() {}
