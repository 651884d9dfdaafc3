use autodiff::grad;

#[grad]
fn deriv(s: [f64; 2], k: f64) -> [f64; 2] {
    [s[1], -k * s[0]]
}

#[grad]
fn energy(s: [f64; 2]) -> f64 {
    s[0] * s[0] + s[1] * s[1]
}

// The array is passed straight on: nothing in `f` says that `deriv`
// returns an array, so #[grad] takes its value for a float, and the
// generated code says first how to tell it otherwise (this compiled into
// errors about the adjoint's type only).
#[grad]
fn f(x: f64) -> f64 {
    energy(deriv([x, 1.0], 0.5))
}

fn main() {}
