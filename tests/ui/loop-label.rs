use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    let mut s = 0.0;
    'rows: for i in 0..x.len() {
        for j in 0..x.len() {
            if x[i] * x[j] > 1.0 {
                break 'rows;
            }
            s += x[i] * x[j];
        }
    }
    s
}

fn main() {}
