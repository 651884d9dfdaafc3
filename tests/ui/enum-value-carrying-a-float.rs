// An enum value built from a float inside #[grad] code carries the float
// where #[grad] cannot follow it: refused with the way out, where rustc
// reported a float "taken for" the enum and mismatched types.
use autodiff::grad;

#[derive(Clone, Copy)]
enum Shape {
    Circle(f64),
    Empty,
}

#[grad]
fn area(x: &[f64]) -> f64 {
    let s = Shape::Circle(x[0]);
    match s {
        Shape::Circle(r) => r * r,
        Shape::Empty => 0.0,
    }
}

#[grad]
fn doubled(x: &[f64]) -> f64 {
    let s = Some(x[0] * 2.0);
    match s {
        Some(r) => r * r,
        None => 0.0,
    }
}

fn main() {}
