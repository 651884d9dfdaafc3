// A call's value iterated before anything says it is an array: the macro
// sees one function at a time and asks for the type.
use autodiff::grad;

#[grad]
fn logits(x: &[f64; 2]) -> [f64; 3] {
    [x[0], x[1], x[0] * x[1]]
}

#[grad]
fn log_sum_exp3(x: &[f64; 2]) -> f64 {
    let z = logits(x);
    z.iter().map(|v| v.exp()).sum::<f64>().ln()
}

fn main() {}
