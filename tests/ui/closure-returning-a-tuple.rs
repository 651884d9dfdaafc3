// A closure returning a tuple: the message says where tuples are taken
// apart and what to write instead (it said "tuples are not supported").
use autodiff::grad;

#[grad]
fn polar_area(r: f64, theta: f64) -> f64 {
    let sc = |t: f64| (t.sin(), t.cos());
    let (s, c) = sc(theta);
    r * r * s * c
}

fn main() {}
