// A row of a `const` table passed by value to a #[grad] call: rustc's
// probe asks for a typed `let`, pointing at the table (it pointed at the
// attribute and spoke of a field).
use autodiff::grad;

const W: [[f64; 3]; 2] = [[1.0, 2.0, 2.0], [0.0, 3.0, 4.0]];

#[grad(forward, reverse, hessian)]
fn wnorm(k: f64, v: [f64; 3]) -> f64 {
    (k * v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

#[grad]
fn second_row(s: f64) -> f64 {
    wnorm(s, W[1])
}

const DATA: [f64; 3] = [1.0, 2.0, 3.0];

#[grad]
fn sq(a: f64, b: f64) -> f64 {
    a * b
}

// The elements of a table iterated by value (round 16: raw errors, the
// element was lent by reference).
#[grad]
fn by_value(x: f64) -> f64 {
    let mut s = 0.0;
    for y in DATA {
        s += sq(x, y);
    }
    s
}

fn main() {}
