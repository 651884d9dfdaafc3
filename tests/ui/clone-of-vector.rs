use autodiff::grad;

// `u.clone()` of a local vector: the error names `to_vec` for a vector and
// a plain copy for an array.
#[grad]
fn smoothed(x: &[f64]) -> f64 {
    let mut u = x.to_vec();
    let prev = u.clone();
    for i in 1..u.len() - 1 {
        u[i] = 0.5 * prev[i] + 0.25 * (prev[i - 1] + prev[i + 1]);
    }
    u.iter().sum()
}

fn main() {}
