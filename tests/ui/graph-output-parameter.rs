use autodiff::grad;

#[grad(graph)]
fn scale(x: &[f64], y: &mut [f64]) -> f64 {
    for i in 0..x.len() {
        y[i] = 2.0 * x[i];
    }
    y[0]
}

fn main() {}
