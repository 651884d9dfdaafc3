use autodiff::grad;

#[grad]
fn polar_into(r: f64, theta: f64, out: &mut [f64]) -> f64 {
    out[0] = r * theta.cos();
    out[1] = r * theta.sin();
    r * r
}

#[grad]
fn f(x: f64) -> f64 {
    let mut out = [0.0; 2];
    let r2 = polar_into(x, 0.5, &mut out);
    r2 + out[0]
}

fn main() {}
