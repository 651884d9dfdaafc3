use autodiff::grad;

// Tuples of floats are supported (`-> (f64, f64)`); of anything else not.
#[grad]
fn split(x: f64) -> (f64, usize) {
    (x.sin(), 2)
}

fn my_vjp(x: f64, seed: (f64, f64)) -> ((f64, f64), f64) {
    ((x, x), seed.0 + seed.1)
}

// Nor a custom derivative of a tuple: return an array.
#[grad(vjp = my_vjp)]
fn pair(x: f64) -> (f64, f64) {
    (x, x)
}

fn main() {}
