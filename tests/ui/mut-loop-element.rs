use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for &(mut v) in x {
        v *= 2.0;
        s += v;
    }
    s
}

fn main() {}
