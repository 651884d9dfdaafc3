// A slice the macro does not iterate (options, here) gets a message naming
// the index loop that reads it (user round 10: it named no way out; rows
// of indices, `&[[usize; 3]]`, are iterated since round 19:
// `tests/index_rows.rs`).
use autodiff::grad;

// Through `.iter().enumerate()` of a slice of options (round 14: the fix
// named `ws.iter().len()`).
#[grad(wrt(x))]
fn optional_weights(x: f64, ws: &[Option<f64>]) -> f64 {
    let mut s = 0.0;
    for (i, w) in ws.iter().enumerate() {
        if let Some(w) = w {
            s += w * x * i as f64;
        }
    }
    s
}

fn main() {}
