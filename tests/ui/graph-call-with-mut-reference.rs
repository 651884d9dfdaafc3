use autodiff::grad;

#[grad]
fn fill(x: &[f64], y: &mut [f64]) {
    for i in 0..x.len() {
        y[i] = 2.0 * x[i];
    }
}

#[grad(graph)]
fn fill_and_sum(x: &[f64], y: &mut [f64]) -> f64 {
    fill(x, y);
    y[0] + y[1]
}

fn main() {
    let _ = fill_and_sum_graph(&[1.0, 2.0], &mut [0.0; 2]);
}
