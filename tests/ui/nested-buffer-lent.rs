// A local buffer of rows lent `&mut` to a #[grad] helper: the message
// says that rows are the problem and names a flat buffer (user round 11:
// it listed the buffers that work and not why this one does not).
use autodiff::grad;

#[grad]
fn outer(a: &[f64; 3], b: &[f64; 3], out: &mut [f64; 9]) {
    for i in 0..3 {
        for j in 0..3 {
            out[i * 3 + j] = a[i] * b[j];
        }
    }
}

#[grad]
fn trace_of_outer(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let mut m = [[0.0; 3]; 3];
    nested(a, b, &mut m);
    m[0][0] + m[1][1] + m[2][2]
}

#[grad]
fn nested(a: &[f64; 3], b: &[f64; 3], out: &mut [[f64; 3]; 3]) {
    for i in 0..3 {
        for j in 0..3 {
            out[i][j] = a[i] * b[j];
        }
    }
}

fn main() {}
