// An array of vectors has no zero derivative #[grad] can build; the
// message names the forms that have one (user round 8: it spoke of
// forward mode in a reverse-mode function and suggested `wrt` for a local).
use autodiff::grad;

#[grad(reverse)]
fn rows(x: f64) -> f64 {
    let mut k = [vec![0.0; 3], vec![0.0; 3]];
    k[0][1] = x * x;
    k[0][1] + k[1][2]
}

fn main() {}
