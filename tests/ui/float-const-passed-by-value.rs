// A `const` passed by value to a #[grad] function: #[grad] cannot see its
// type, so it passes it as no float; rustc's probe refuses a float with
// the fix (a typed `let`), instead of a call with missing arguments.
use autodiff::grad;

const K: f64 = 2.0;

#[grad(forward, reverse, hessian)]
fn two(a: f64, b: f64) -> f64 {
    a * b * b
}

#[grad(forward, reverse, hessian)]
fn scaled(s: f64) -> f64 {
    two(s, K)
}

fn main() {}
