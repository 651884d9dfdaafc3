// A model's field that holds no float (an activation enum) passed by value
// to a #[grad] function: #[grad] cannot see the model's struct and takes
// the field for a float, which rustc checks; its first error names the way
// out (a method of the model that matches the field), where before the
// call failed in generated code (round 15).
use autodiff::prelude::*;

#[derive(Params, Clone, Copy)]
enum Act {
    Relu,
    Leaky(f64),
}

#[grad(wrt(z))]
fn activate(z: f64, act: Act) -> f64 {
    match act {
        Act::Relu => z.max(0.0),
        Act::Leaky(a) => z.max(a * z),
    }
}

#[derive(Params, Clone)]
struct Layer {
    w: f64,
    act: Act,
}

impl Layer {
    #[grad]
    fn forward(&self, x: f64) -> f64 {
        activate(self.w * x, self.act)
    }
}

fn main() {}
