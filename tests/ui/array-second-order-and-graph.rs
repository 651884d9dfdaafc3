use autodiff::grad;

#[grad(reverse, hessian)]
fn energy(s: [f64; 2], k: f64) -> f64 {
    k * s[0] * s[1]
}

fn main() {}
