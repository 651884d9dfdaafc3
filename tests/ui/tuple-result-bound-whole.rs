// The tuple of floats a #[grad] function returns is differentiated where
// it is taken apart as it is bound; bound whole with its type written, the
// error says so (it said the callee was not differentiated through).
use autodiff::grad;

#[grad]
fn mean_var(x: &[f64]) -> (f64, f64) {
    let m = (x[0] + x[1]) / 2.0;
    (m, (x[0] - m).powi(2) + (x[1] - m).powi(2))
}

#[grad]
fn scaled_spread(x: &[f64]) -> f64 {
    let mv: (f64, f64) = mean_var(x);
    mv.0 * mv.1
}

fn main() {}
