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

#[grad(forward, reverse)]
fn total(v: &[f64]) -> f64 {
    v.iter().sum()
}

// `y` of a call given a slice: its type is unseen (a call given a float is
// taken for a float since stop 17, see corpus_methods' through_call_values).
#[grad(reverse, wrt(x))]
fn through_a_call(s: &Config, x: &[f64]) -> f64 {
    let y = total(x);
    autodiff::sigmoid(s.apply(y))
}

#[grad(forward, wrt(x))]
fn forward_through_a_call(s: &Config, x: &[f64]) -> f64 {
    let y = total(x);
    helper(s.apply(y))
}

fn main() {}
