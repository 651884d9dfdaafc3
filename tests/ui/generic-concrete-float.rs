use autodiff::{grad, Float};

#[grad]
fn f<T: Float>(x: T) -> T {
    let scale: f64 = 2.0;
    x * T::from_f64(scale)
}

fn main() {}
