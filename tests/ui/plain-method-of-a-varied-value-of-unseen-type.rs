// A method kept as a plain call (its argument not known to be a float when
// the call is lowered) whose result reaches the output: the argument's
// derivative would be dropped. Refused in both modes. (A call's value given
// a differentiated argument, `let y = total(x);`, is taken for a float:
// `tests/method_calls.rs`.)
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

fn start() -> f64 {
    0.5
}

#[grad(reverse, wrt(x))]
fn through_a_sum(s: &Config, x: f64) -> f64 {
    let mut y = start();
    y += x;
    autodiff::sigmoid(s.apply(y))
}

#[grad(forward, wrt(x))]
fn forward_through_a_sum(s: &Config, x: f64) -> f64 {
    let mut y = start();
    y *= x;
    s.apply(y)
}

fn main() {}
