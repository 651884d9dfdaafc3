// `to_vec` of a model's field: the way out reads it in place or copies it
// into a typed vector (the message said to call `to_vec` on the model).
use autodiff::prelude::*;

#[derive(Params, Clone)]
pub struct M {
    pub w: Vec<f64>,
}

#[grad]
fn first(m: &M) -> f64 {
    let w = m.w.to_vec();
    w[0] * w[1]
}

fn main() {}
