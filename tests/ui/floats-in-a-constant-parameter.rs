// A parameter whose type visibly holds floats that #[grad] does not
// differentiate (a tuple, a reference to one, borrowed rows, a reference to
// a slice) is refused without `wrt(..)`, rather than left out of the
// derivative; so is a model or floats behind an alias taken by value,
// which rustc's probe sees (user round 8: each compiled, and its partials
// were silently missing).
use autodiff::prelude::*;

#[grad]
fn pair(p: (f64, f64), y: f64) -> f64 {
    p.0 * p.1 * y
}

#[grad]
fn pair_ref(p: &(f64, f64), y: f64) -> f64 {
    p.0 * y
}

#[grad]
fn borrowed_rows(m: &[&[f64]], y: f64) -> f64 {
    m[0][1] * y
}

#[grad]
fn slice_ref(x: &&[f64], y: f64) -> f64 {
    x[0] * y
}

#[derive(Params, Clone, Copy)]
struct Lin {
    w: f64,
    b: f64,
}

#[grad]
fn model_by_value(m: Lin, x: f64) -> f64 {
    m.w * x + m.b
}

type Vec3 = [f64; 3];

#[grad]
fn alias_by_value(p: Vec3, x: f64) -> f64 {
    p[0] * x
}

// Named out of `wrt(..)`, each is a constant by the user's word.
#[grad(wrt(y))]
fn pair_left_out(p: (f64, f64), y: f64) -> f64 {
    p.0 * p.1 * y
}

#[grad(wrt(x))]
fn model_left_out(m: Lin, x: f64) -> f64 {
    m.w * x + m.b
}

fn main() {}
