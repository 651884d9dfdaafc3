use autodiff::grad;

// Double buffering with `std::mem::swap`: a function with no derivative,
// refused at the call with the copy to write instead.
#[grad(wrt(alpha, u0))]
fn heat(alpha: f64, u0: &[f64], steps: usize) -> f64 {
    let n = u0.len();
    let mut u = u0.to_vec();
    let mut next = vec![0.0; n];
    for _ in 0..steps {
        for i in 1..n - 1 {
            next[i] = u[i] + alpha * (u[i - 1] - 2.0 * u[i] + u[i + 1]);
        }
        std::mem::swap(&mut u, &mut next);
    }
    u.iter().sum()
}

fn main() {}
