// A model's array field bound without its type and indexed: the message
// asks for the type where it is bound, naming a model's field among the
// reasons (it spoke only of a function's result).
use autodiff::prelude::*;

#[derive(Params, Clone)]
pub struct M {
    pub c: [f64; 3],
}

#[grad]
fn corner(m: &M) -> f64 {
    let c = m.c;
    c[0] * c[2]
}

fn main() {}
