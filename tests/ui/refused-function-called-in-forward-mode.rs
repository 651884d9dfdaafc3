// A function #[grad] refuses is reported once: its forward-mode callers
// find the companion's `jvp` of its stub, rather than adding "no function
// `jvp` found" to the refusal.
use autodiff::grad;

#[grad(forward, reverse)]
fn inner(x: &[f64]) -> f64 {
    x.iter().map(|v| v * 2.0).reduce(f64::max).unwrap()
}

#[grad(forward, reverse)]
fn outer(x: &[f64]) -> f64 {
    inner(x) + 1.0
}

fn main() {}
