use autodiff::grad;

// `windows` as the argument of `zip`: the error asks for `enumerate`.
#[grad]
fn products(x: &[f64]) -> f64 {
    let mut y = vec![0.0; x.len() - 1];
    for (o, w) in y.iter_mut().zip(x.windows(2)) {
        *o = w[0] * w[1];
    }
    y.iter().sum()
}

fn main() {}
