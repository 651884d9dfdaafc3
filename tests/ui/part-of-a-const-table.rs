// A part of a `const` table lent to a call names the forms that work
// (user round 8: "`C4` is not a local variable or parameter", no way out).
use autodiff::grad;

const C4: [f64; 4] = [1.0, -0.5, 0.25, 0.125];

#[grad]
fn horner(c: &[f64], x: f64) -> f64 {
    let mut acc = 0.0;
    for &ci in c.iter().rev() {
        acc = acc * x + ci;
    }
    acc
}

#[grad]
fn cubic(x: f64) -> f64 {
    horner(&C4[..3], x)
}

// The way out the message gives.
#[grad]
fn cubic_of_a_copy(x: f64) -> f64 {
    let t: [f64; 4] = C4;
    horner(&t[..3], x) + horner(&C4, x)
}

fn main() {}
