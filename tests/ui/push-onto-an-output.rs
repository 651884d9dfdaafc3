// `clear` and `push` on a `&mut Vec<f64>` output (round 21 D7): refused
// with the reason (an output keeps its caller's length, which its shadow
// has), not as a `push` onto a vector of arrays.
use autodiff::grad;

#[grad]
fn squares(x: &[f64], out: &mut Vec<f64>) {
    out.clear();
    for v in x {
        out.push(v * v);
    }
}

fn main() {}
