use autodiff::grad;

#[grad(graph, vjp = double_vjp)]
fn double(x: &[f64], y: &mut [f64]) {
    for i in 0..x.len() {
        y[i] = 2.0 * x[i];
    }
}

fn double_vjp(x: &[f64], d_x: &mut [f64], y: &mut [f64], d_y: &mut [f64]) {
    for i in 0..x.len() {
        y[i] = 2.0 * x[i];
        d_x[i] += 2.0 * d_y[i];
        d_y[i] = 0.0;
    }
}

fn main() {}
