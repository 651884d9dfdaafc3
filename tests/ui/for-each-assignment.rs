use autodiff::grad;

#[grad]
fn f(x: &[f64], y: &mut [f64]) {
    x.iter().enumerate().for_each(|(i, v)| y[i] = v * v);
}

fn main() {}
