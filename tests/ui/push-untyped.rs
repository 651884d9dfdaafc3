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

fn main() {}
