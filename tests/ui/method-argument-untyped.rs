use autodiff::{grad, Params};

pub struct Spring {
    k: f64,
}

impl Spring {
    #[grad(wrt(x))]
    fn energy(&self, x: f64) -> f64 {
        0.5 * self.k * x * x
    }

    fn plain_energy(&self, x: f64) -> f64 {
        0.5 * self.k * x * x
    }
}

#[grad]
fn wobble(x: f64) -> f64 {
    x.sin() * x
}

// `y` is the result of a call: not known to be a float where it is passed.
#[grad(forward, reverse, wrt(x))]
fn through_grad_method(s: &Spring, x: f64) -> f64 {
    let y = wobble(x);
    s.energy(y)
}

#[grad(wrt(x))]
fn through_plain_method(s: &Spring, x: f64) -> f64 {
    let y = wobble(x);
    s.plain_energy(y) + y
}

#[grad(wrt(x))]
fn call_as_argument(s: &Spring, x: f64) -> f64 {
    s.energy(wobble(x))
}

#[derive(Params, Clone)]
pub struct Curve {
    a: f64,
}

impl Curve {
    #[grad]
    fn predict(&self, x: f64) -> f64 {
        self.a * x * x
    }
}

// A model left out of `wrt` is a constant receiver too.
#[grad(wrt(x))]
fn through_constant_model(m: &Curve, x: f64) -> f64 {
    let y = wobble(x);
    m.predict(y)
}

fn main() {}
