use autodiff::grad;

#[grad]
fn double_into(x: &[f64], y: &mut [f64]) {
    for i in 0..x.len() {
        y[i] = 2.0 * x[i];
    }
}

// Passing on the caller's own `&mut` output is not supported yet.
#[grad]
fn twice_into(x: &[f64], y: &mut [f64]) {
    double_into(x, &mut y[..]);
    double_into(x, y);
}

fn main() {}
