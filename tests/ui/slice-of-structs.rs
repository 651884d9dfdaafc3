// A slice of structs is refused with the way out (its fields as slices);
// the message said only that a type alias hid the elements.
use autodiff::grad;

#[derive(Clone, Copy)]
struct Sample {
    x: [f64; 2],
    y: f64,
}

#[grad(wrt(w))]
fn loss(w: &[f64], data: &[Sample]) -> f64 {
    let mut s = 0.0;
    for i in 0..data.len() {
        s += (w[0] * data[i].x[0] + w[1] * data[i].x[1] - data[i].y).powi(2);
    }
    s
}

fn main() {}
