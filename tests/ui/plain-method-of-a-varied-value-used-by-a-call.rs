// A method kept as a plain call (its argument not known to be a float)
// whose result reaches the output only through a #[grad] call: the
// argument's derivative would be dropped, which activity alone would not
// see (the argument seems useless once the call drops it). Refused in
// both modes.
use autodiff::grad;

pub struct Config {
    scale: f64,
}

impl Config {
    #[grad(forward, reverse, wrt(x))]
    fn apply(&self, x: f64) -> f64 {
        self.scale * x.sin()
    }
}

#[grad(forward, reverse)]
fn helper(a: f64) -> f64 {
    a * a
}

#[grad(reverse, wrt(x))]
fn through_a_call(s: &Config, x: f64) -> f64 {
    let y = helper(x);
    autodiff::sigmoid(s.apply(y))
}

#[grad(forward, wrt(x))]
fn forward_through_a_call(s: &Config, x: f64) -> f64 {
    let y = helper(x);
    helper(s.apply(y))
}

fn main() {}
