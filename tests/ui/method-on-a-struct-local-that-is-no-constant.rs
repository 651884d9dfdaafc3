// A #[grad] method is called on a local struct as a constant when it is
// declared in the function's own block, not `mut`, before any `return`:
// otherwise the message says which of these it is (it asked to "bind it
// with a typed let", its type written already), and a `mut` literal of
// constants is refused for the `mut` (not for values "that are not
// constants").
#![allow(unused_mut)]
use autodiff::grad;

pub struct Config {
    scale: f64,
}

impl Config {
    #[grad(wrt(x))]
    fn apply(&self, x: f64) -> f64 {
        self.scale * x.sin()
    }
}

fn make(k: f64) -> Config {
    Config { scale: k }
}

#[grad]
fn declared_mut(x: f64) -> f64 {
    let mut cfg: Config = make(2.0);
    cfg.apply(x)
}

#[grad]
fn in_a_loop(x: f64) -> f64 {
    let mut t = 0.0;
    for _ in 0..2 {
        let cfg: Config = make(2.0);
        t += cfg.apply(x);
    }
    t
}

#[grad]
fn after_a_return(x: f64) -> f64 {
    if x > 5.0 {
        return x;
    }
    let cfg: Config = make(2.0);
    cfg.apply(x)
}

#[grad]
fn mut_literal(x: f64) -> f64 {
    let mut cfg = Config { scale: 2.0 };
    cfg.apply(x)
}

fn main() {}
