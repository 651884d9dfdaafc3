// An element of a `const` table in capitals passed by value to a #[grad]
// call is taken for a float (or a row of floats); rustc checks the guess.
// A table of integers used as nothing else, or of structs, gets one error
// at the table with the typed `let` that fixes it.
use autodiff::grad;

const IDX: [usize; 2] = [2, 0];

#[derive(Clone, Copy)]
struct Spring {
    k: f64,
}

const SPRINGS: [Spring; 2] = [Spring { k: 1.0 }, Spring { k: 2.0 }];

#[grad]
fn pick(x: &[f64], i: usize) -> f64 {
    x[i] * x[i]
}

#[grad]
fn picked(x: &[f64]) -> f64 {
    pick(x, IDX[1])
}

#[grad(wrt(x))]
fn stretch(x: f64, s: Spring) -> f64 {
    0.5 * s.k * x * x
}

#[grad]
fn energy(x: f64) -> f64 {
    stretch(x, SPRINGS[1])
}

fn main() {}
