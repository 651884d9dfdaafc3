use autodiff::grad;

enum Shape {
    Poly(Vec<f64>),
    Line(f64),
}

// A name bound on a reference is copied out; a `Vec` cannot be: the error
// says to take the value itself or pass the vector as a parameter.
#[grad(wrt(x))]
fn eval(shape: &Shape, x: f64) -> f64 {
    match shape {
        Shape::Poly(c) => c[0] + c[1] * x,
        Shape::Line(k) => k * x,
    }
}

fn main() {}
