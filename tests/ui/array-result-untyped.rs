use autodiff::grad;

#[grad]
fn deriv(s: [f64; 2], k: f64) -> [f64; 2] {
    [s[1], -k * s[0]]
}

#[grad]
fn f(x: f64) -> f64 {
    let k1 = deriv([x, 1.0], 0.5);
    k1[0] * k1[1]
}

fn main() {}
