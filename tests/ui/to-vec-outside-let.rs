use autodiff::grad;

fn first(v: Vec<f64>) -> f64 {
    v[0]
}

#[grad]
fn f(x: &[f64]) -> f64 {
    first(x.to_vec()) * x[1]
}

#[grad]
fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for i in 0..y.len() {
        y[i] += a * x[i];
    }
}

// A copy lent to a call: the copy is bound first (round 15: the message
// asked for a value passed by value).
#[grad]
fn doubled(a: f64, y: &mut [f64]) {
    axpy(a * a, &y.to_vec(), y);
}

fn main() {}
