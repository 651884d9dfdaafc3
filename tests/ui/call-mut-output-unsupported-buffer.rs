use autodiff::grad;

#[grad]
fn double_into(x: &[f64], y: &mut [f64]) {
    for i in 0..x.len() {
        y[i] = 2.0 * x[i];
    }
}

// A row of a matrix is not a buffer #[grad] lends as an output yet.
#[grad]
fn into_a_row(x: &[f64; 2]) -> f64 {
    let mut m = [[0.0; 2]; 2];
    double_into(x, &mut m[1]);
    m[1][0] + m[0][1]
}

fn main() {}
