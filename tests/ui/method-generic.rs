// A method with generic parameters of its own is refused with the ways
// out (its companions, methods beside it, could not take them; it read as
// "holds no floats").
use autodiff::{grad, Float};

pub struct Config {
    scale: f64,
}

impl Config {
    #[grad(reverse, wrt(x))]
    pub fn gen<T: Float>(&self, x: T, k: T) -> T {
        k * x * x
    }
}

fn main() {}
