use autodiff::grad;

// `u = next.clone();` of a local vector, outside a `let` (where it is the
// copy `to_vec` makes): the error names `to_vec` for a vector and a plain
// copy for an array.
#[grad]
fn smoothed(x: &[f64]) -> f64 {
    let mut u = x.to_vec();
    let mut next = x.to_vec();
    for i in 1..u.len() - 1 {
        next[i] = 0.5 * u[i] + 0.25 * (u[i - 1] + u[i + 1]);
    }
    u = next.clone();
    u.iter().sum()
}

fn main() {}
