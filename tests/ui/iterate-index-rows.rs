// A slice of index rows (BPR triples, `&[[usize; 3]]`) is not iterated;
// the message names the index loop that reads it (user round 10: it named
// no way out).
use autodiff::grad;

#[grad(wrt(u))]
fn bpr(u: &[f64], triples: &[[usize; 3]]) -> f64 {
    let mut loss = 0.0;
    for t in triples {
        loss += u[t[0]] * u[t[1]] - u[t[2]];
    }
    loss
}

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
