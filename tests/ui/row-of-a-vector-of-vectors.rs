// A whole row stored into a vector of vectors may change its length, which
// #[grad]'s copy element by element would not (review 8: index out of
// bounds at run time, or a stale tail); it is refused with the loop to write.
use autodiff::grad;

#[grad]
fn row_longer(a: f64, b: f64) -> f64 {
    let mut m = vec![vec![0.0; 2]; 2];
    let r = vec![a, b, a * b];
    m[0] = r;
    m[0][2] * m[0][1]
}

fn main() {}
