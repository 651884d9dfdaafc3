// A tuple, an `Option` or a `Box` that a plain call makes from a
// differentiated value would carry its derivative away, as a struct would:
// the call is refused, with the ways out of a value #[grad] cannot see
// into (return the floats from a #[grad] function), not those of a struct.
use autodiff::grad;

fn plain_pair(x: f64) -> (f64, f64) {
    (x * 3.0, x)
}

fn plain_maybe(x: f64) -> Option<f64> {
    Some(x * 3.0)
}

#[grad]
fn through_a_tuple(x: f64) -> f64 {
    let t: (f64, f64) = plain_pair(x);
    t.0 * x
}

#[grad]
fn through_an_option(x: f64) -> f64 {
    let o: Option<f64> = plain_maybe(x);
    o.unwrap_or(0.0) * x
}

#[grad]
fn through_a_box(x: f64) -> f64 {
    let b: Box<f64> = Box::new(x * 3.0);
    *b * x
}

fn main() {}
