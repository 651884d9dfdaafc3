// An element of a float array field of a `self` that is no model, passed
// by value to a #[grad] method: refused by rustc's probe of its type, with
// the fix (a typed `let`), once, in every mode.
use autodiff::grad;

pub struct Cfg {
    pub scale: f64,
    pub ws: [f64; 3],
}

impl Cfg {
    #[grad(forward, reverse, hessian, wrt(x))]
    pub fn apply(&self, x: f64, b: f64) -> f64 {
        x * b + self.scale
    }

    #[grad(forward, reverse, hessian, wrt(x))]
    pub fn m3(&self, x: f64) -> f64 {
        self.apply(x, self.ws[1])
    }
}

fn main() {}
