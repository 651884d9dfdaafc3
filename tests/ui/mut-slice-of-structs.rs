// A `&mut` slice of structs is no output #[grad] can write.
use autodiff::grad;

#[derive(Clone, Copy)]
pub struct Sample {
    pub x: f64,
    pub y: f64,
}

#[grad(wrt(a))]
fn label(a: f64, data: &mut [Sample]) -> f64 {
    data[0].y = a;
    a * a
}

fn main() {}
