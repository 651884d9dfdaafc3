use autodiff::{grad, Float};

#[grad]
fn f<T: Float>(x: T, y: T) -> T {
    x * T::from(y).unwrap()
}

fn main() {}
