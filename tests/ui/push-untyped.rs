use autodiff::grad;

fn weight(i: usize) -> f64 {
    1.0 / (i as f64 + 1.0)
}

// The first push is of a value whose type the macro cannot see (a plain
// function's result): floats or not?
#[grad]
fn f(x: &[f64]) -> f64 {
    let mut weights = Vec::new();
    for i in 0..x.len() {
        weights.push(weight(i));
    }
    weights[0] * x[0]
}

// The same, for a vector named as an earlier binding (the closure's `t`):
// the message names it as written.
#[grad]
fn g(x: &[f64]) -> f64 {
    let sq = |t: f64| t * t;
    let mut t = Vec::new();
    t.push(weight(0));
    sq(t[0] * x[0])
}

fn main() {}
