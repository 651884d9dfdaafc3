// A parameter left out of `wrt(..)` is a constant everywhere, for callers
// too: a caller that passes it a value with a derivative is stopped, since
// the callee does not compute that derivative.
use autodiff::grad;

#[grad(wrt(x))]
fn f(x: f64, k: f64) -> f64 {
    x * k
}

#[grad]
fn g(a: f64) -> f64 {
    f(2.0, a)
}

fn main() {}
