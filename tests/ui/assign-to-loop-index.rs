use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        i += 1;
        s += v * x[i];
    }
    s
}

fn main() {}
