use autodiff::{grad, Float};

#[grad(graph)]
fn f<T: Float>(x: T) -> T {
    x * x
}

fn main() {}
