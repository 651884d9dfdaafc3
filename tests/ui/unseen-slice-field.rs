// A field holding a reference to floats, passed by value: #[grad] cannot
// see that it is a slice, which the callee takes with a shadow, and asks
// for the type (with it written, `let c: &[f64] = v.coef;`, the call works).
use autodiff::grad;

struct View<'a> {
    coef: &'a [f64],
}

#[grad]
fn poly(x: f64, w: &[f64]) -> f64 {
    w[0] + x * w[1]
}

#[grad(wrt(x))]
fn f(v: &View, x: f64) -> f64 {
    poly(x, v.coef)
}

fn main() {}
