use autodiff::grad;

#[grad]
fn f(x: f64) -> f64 {
    let v = vec![x, 2.0 * x];
    v[0] * v[1]
}

fn main() {}
