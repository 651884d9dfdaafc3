use autodiff::grad;

/// Writes `2x` into `y` and returns `Σ x`.
#[grad(forward, vjp = scale_vjp)]
fn scale(x: &[f64], y: &mut [f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        y[i] = 2.0 * x[i];
        s += x[i];
    }
    s
}

fn scale_vjp(x: &[f64], d_x: &mut [f64], y: &mut [f64], d_y: &mut [f64], seed: f64) -> f64 {
    let value = scale(x, y);
    for i in 0..x.len() {
        d_x[i] += seed + 2.0 * d_y[i];
        d_y[i] = 0.0;
    }
    value
}

fn main() {}
