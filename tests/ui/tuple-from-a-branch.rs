// A tuple `let` from a branch, or a `fold` with a tuple accumulator, takes
// a tuple from each arm where it is made: an arm giving a tuple held in a
// name, or a closure giving its tuple by `return`, is refused.
use autodiff::grad;

#[grad]
fn held(x: f64, c: bool) -> f64 {
    let pair = (x, 2.0 * x);
    let (a, b) = if c { (x, x) } else { pair };
    a * b
}

#[grad]
fn returned(x: &[f64]) -> f64 {
    let (s, q) = x.iter().fold((0.0, 0.0), |(s, q), &v| {
        if v < 0.0 {
            return (s, q);
        }
        (s + v, q + v * v)
    });
    s * q
}

// A slice chosen in a tuple has no shape to take apart (review 25: it
// failed to compile in the generated code); the fixes are in the message.
#[grad]
fn pick(x: &[f64], y: &[f64], c: bool) -> f64 {
    let (r, s): (&[f64], f64) = if c { (x, 1.0) } else { (y, 2.0) };
    r[0] * r[1] * s
}

fn main() {}
