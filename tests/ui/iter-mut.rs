use autodiff::grad;

#[grad]
fn f(x: &[f64], y: &mut [f64]) {
    for v in y.iter_mut() {
        *v = x[0] * 2.0;
    }
}

fn main() {}
