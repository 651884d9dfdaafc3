// The slice methods clippy suggests for hand-written copies, swaps and fills:
// each refused with the loop to write.
use autodiff::grad;

#[grad]
fn copy_back(x: &[f64]) -> f64 {
    let mut u = x.to_vec();
    let next = vec![1.0; x.len()];
    u.copy_from_slice(&next);
    u[0] * x[0]
}

#[grad]
fn swapped(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.swap(0, 1);
    v[0] * 2.0
}

#[grad]
fn fill(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.fill(0.0);
    v[0] + x[0]
}

fn main() {}
