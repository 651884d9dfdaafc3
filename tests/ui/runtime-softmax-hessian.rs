// The runtime's `softmax` has no second derivatives: the message names the
// runtime's functions that have them and the inline form (user round 11:
// it asked to put `hessian` on `autodiff::softmax`).
use autodiff::{grad, softmax};

#[grad(reverse, hessian)]
fn attention(scores: &[f64], values: &[f64]) -> f64 {
    let mut p = vec![0.0; scores.len()];
    softmax(scores, &mut p);
    let mut s = 0.0;
    for i in 0..p.len() {
        s += p[i] * values[i];
    }
    s
}

fn main() {}
