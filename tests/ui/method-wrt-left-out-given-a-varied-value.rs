// A parameter a method leaves out of `wrt(..)` is a constant for its
// callers too, as for a free function: a caller that passes it a value with
// a derivative is stopped, on a constant struct and on a differentiated
// model alike.
use autodiff::prelude::*;

struct Spring {
    rest: f64,
}

impl Spring {
    #[grad(wrt(x))]
    fn energy(&self, x: f64, k: f64) -> f64 {
        k * (x - self.rest).powi(2)
    }
}

#[grad(wrt(a))]
fn on_a_constant(s: &Spring, a: f64) -> f64 {
    s.energy(2.0, a)
}

#[derive(Params, Clone)]
struct Gain {
    w: f64,
}

impl Gain {
    #[grad(wrt(self, x))]
    fn apply(&self, x: f64, k: f64) -> f64 {
        self.w * x * k
    }

    #[grad]
    fn on_the_model(&self, a: f64) -> f64 {
        self.apply(1.0, a * a)
    }
}

fn main() {}
