// A call's tuple bound whole and read by position: #[grad] cannot see the
// type (it said `[f64; 2]` and asked for an array's type), and asks once
// for the `let` that takes the tuple apart.
use autodiff::grad;

#[grad]
fn two(x: f64) -> (f64, f64) {
    (x.sin(), x * x)
}

#[grad]
fn f(x: f64) -> f64 {
    let t = two(x);
    t.0 * t.1
}

fn main() {}
