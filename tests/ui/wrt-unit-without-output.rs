use autodiff::grad;

// Returns `()` and writes no `&mut` float output: nothing to differentiate.
#[grad(wrt(cam, point))]
fn f(cam: &[f64], point: &[f64], n: usize) {
    let _ = cam[n] * point[n];
}

fn main() {}
