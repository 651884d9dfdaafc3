// A slice of models, of floats behind an alias of an array or of tuples of
// floats is not read as constant data unless `wrt(..)` leaves it out:
// rustc's probe of the elements refuses it with the ways out, rather than
// drop its derivative.
use autodiff::prelude::*;

#[derive(Params, Clone)]
pub struct Lin {
    pub w: f64,
    pub b: f64,
}

type Vec3 = [f64; 3];

#[grad]
fn models(a: f64, ms: &[Lin]) -> f64 {
    a * ms[0].w + ms[1].b
}

#[grad]
fn points(k: f64, pos: &[Vec3]) -> f64 {
    k * pos[0][0] * pos[1][2]
}

#[grad]
fn pairs(a: f64, pairs: &[(f64, f64)]) -> f64 {
    a * pairs[0].0
}

// Left out of `wrt(..)`, they are constants by the user's word.
#[grad(wrt(a))]
fn models_left_out(a: f64, ms: &[Lin]) -> f64 {
    a * ms[0].w
}

fn main() {}
