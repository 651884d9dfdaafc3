// An untyped copy of a field whose type #[grad] cannot see, passed by
// value to a #[grad] call, gets the same guided error as the field itself
// (user round 12: E0061 inside the generated code).
use autodiff::grad;

#[grad(forward, reverse)]
fn scale(x: f64, k: f64) -> f64 {
    k * x
}

#[grad(forward, reverse, wrt(x))]
fn stiffness(x: f64, edges: &[(usize, f64)]) -> f64 {
    let k = edges[0].1;
    scale(x, k)
}

fn main() {}
