use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for pair in x.chunks(2) {
        s += pair[0] * pair[pair.len() - 1];
    }
    s
}

fn main() {}
