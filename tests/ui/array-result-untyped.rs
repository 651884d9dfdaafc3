use autodiff::grad;

#[grad]
fn deriv(s: [f64; 2], k: f64) -> [f64; 2] {
    [s[1], -k * s[0]]
}

// `let k1 = deriv(..);` then `k1[0]` is the array `deriv` returns; a copy
// of it (`k2`) is not known to be one.
#[grad]
fn f(x: f64) -> f64 {
    let k1 = deriv([x, 1.0], 0.5);
    let k2 = k1;
    k1[0] * k2[1]
}

fn main() {}
