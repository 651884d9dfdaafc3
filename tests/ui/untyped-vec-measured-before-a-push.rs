// A vector made by `Vec::new()` without its type, measured before its
// first `push`: the message names the vector's type among the fixes (it
// offered an integer or a struct).
use autodiff::grad;

#[grad]
fn running(x: &[f64]) -> f64 {
    let mut v = Vec::new();
    let mut s = 0.0;
    for i in 0..x.len() {
        if !v.is_empty() {
            s += 1.0;
        }
        v.push(x[i] * s);
    }
    v[0]
}

fn main() {}
