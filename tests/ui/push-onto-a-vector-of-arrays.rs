// Rows pushed onto a vector of arrays: refused with the way out (a vector
// made with its length, its rows written), not as a method of an array.
use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    let mut rows: Vec<[f64; 2]> = Vec::new();
    for i in 0..x.len() {
        rows.push([x[i], x[i] * x[i]]);
    }
    rows[0][1]
}

fn main() {}
