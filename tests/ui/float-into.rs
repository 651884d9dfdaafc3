// A float converted by `into`: refused with the cast that says the same.
use autodiff::grad;

#[grad]
fn f(x: f32) -> f64 {
    let y: f64 = x.into();
    y * y
}

fn main() {}
