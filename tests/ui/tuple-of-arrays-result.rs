// A result of several arrays (a Kalman filter's prediction): the message
// names the `&mut` outputs that give them (user round 11).
use autodiff::grad;

#[grad]
fn predict(x: &[f64; 2], p: &[f64; 4], q: f64) -> ([f64; 2], [f64; 4]) {
    ([x[0] + x[1], x[1]], [p[0] + q, p[1], p[2], p[3] + q])
}

fn main() {}
