use autodiff::{grad, Float};

#[grad]
fn f<T: Float, U: Float>(x: T, y: U) -> T {
    x * T::from(y).unwrap()
}

fn main() {}
