use autodiff::grad;

#[grad]
fn deriv(s: [f64; 2], k: f64) -> [f64; 2] {
    [s[1], -k * s[0]]
}

#[grad]
fn energy(s: [f64; 2]) -> f64 {
    s[0] * s[0] + s[1] * s[1]
}

// `a` is only passed on: nothing in `f` says that `deriv` returns an array,
// so #[grad] takes `a` for a float, and the generated code says how to
// tell it otherwise.
#[grad]
fn f(x: f64) -> f64 {
    let a = deriv([x, 1.0], 0.5);
    energy(a)
}

fn main() {}
