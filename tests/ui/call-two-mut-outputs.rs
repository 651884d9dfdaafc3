use autodiff::grad;

#[grad]
fn split_into(x: &[f64], even: &mut [f64], odd: &mut [f64]) {
    for i in 0..even.len() {
        even[i] = x[2 * i];
        odd[i] = x[2 * i + 1];
    }
}

#[grad]
fn f(x: &[f64; 4]) -> f64 {
    let mut even = [0.0; 2];
    let mut odd = [0.0; 2];
    split_into(x, &mut even, &mut odd);
    even[0] * odd[1]
}

fn main() {}
