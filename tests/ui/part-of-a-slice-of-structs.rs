// A slice of structs is constant data; a part of it cut by a range is not
// lent to a #[grad] callee (the whole slice and the bounds are).
use autodiff::grad;

#[derive(Clone, Copy)]
pub struct Sample {
    pub x: f64,
    pub y: f64,
}

#[grad(wrt(a))]
fn loss(a: f64, data: &[Sample]) -> f64 {
    let mut l = 0.0;
    for s in data {
        l += (a * s.x - s.y).powi(2);
    }
    l
}

#[grad(wrt(a))]
fn tail_loss(a: f64, data: &[Sample]) -> f64 {
    loss(a, &data[1..])
}

fn main() {}
