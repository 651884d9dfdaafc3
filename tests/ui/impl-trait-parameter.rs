// An `impl Trait` argument is refused (round 14: E0283 in the generated code).
use autodiff::prelude::*;
#[grad]
fn implt(x: impl Into<f64>) -> f64 { let y: f64 = x.into(); y * y }

fn main() {}
