use autodiff::grad;

// Arrays pushed onto a vector whose type is not written (round 21, C3): the
// error asked for `Vec<f64>`, which is not what it holds; it asks for the
// vector made with its length instead.
#[grad]
fn paired(x: &[f64]) -> f64 {
    let mut pts = Vec::new();
    for i in 0..x.len() {
        pts.push([x[i], x[i] * x[i]]);
    }
    let mut s = 0.0;
    for p in &pts {
        s += p[0] * p[1];
    }
    s
}

fn main() {}
