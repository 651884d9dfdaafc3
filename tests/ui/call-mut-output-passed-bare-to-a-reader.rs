// A `&mut` output passed on bare to a call statement is taken for an
// output the call writes; the callee only reads it. #[grad] cannot see the
// callee's signature, so rustc reports it, with the fix (`&y[..]`).
use autodiff::grad;

#[grad]
fn copy_into(x: &[f64], out: &mut [f64]) {
    for i in 0..x.len() {
        out[i] = 2.0 * x[i];
    }
}

#[grad]
fn doubled(x: &[f64], y: &mut [f64], z: &mut [f64]) {
    y[0] = x[0] * 2.0;
    copy_into(y, z);
}

fn main() {}
