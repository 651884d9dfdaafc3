// A tuple struct's literal is supported bound by `let`; elsewhere it is
// refused, rather than taken for a call of a function named `Point`.
use autodiff::grad;

struct Point(f64, f64);

fn norm(p: Point) -> f64 {
    p.0.hypot(p.1)
}

#[grad]
fn f(x: f64, y: f64) -> f64 {
    norm(Point(x, y))
}

fn main() {}
