use autodiff::grad;

#[grad]
fn scale_into(a: f64, x: &[f64], y: &mut [f64]) {
    for i in 0..x.len() {
        y[i] = a * x[i];
    }
}

#[grad(graph)]
fn f(x: &[f64; 2]) -> f64 {
    let mut y = [0.0; 2];
    scale_into(x[0], x, &mut y);
    y[0] * y[1]
}

fn main() {}
