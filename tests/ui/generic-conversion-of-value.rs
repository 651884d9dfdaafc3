use autodiff::{grad, Float};

#[grad]
fn f<T: Float>(x: T, y: T) -> T {
    x * T::from(y).unwrap()
}

// An integer parameter's name given to a `T` value: converting it is no
// integer conversion (review 26, B2: rustc's "non-primitive cast" before).
#[grad]
fn shadowed<T: autodiff::num_traits::Float>(x: T, n: usize) -> T {
    let n = x * x + T::from(n).unwrap();
    T::from(n).unwrap()
}

// A name in capitals the function binds is no `const` (review 27, B1:
// rustc's "non-primitive cast" before).
#[grad]
fn capital_local<T: autodiff::num_traits::Float>(x: T) -> T {
    #[allow(non_snake_case)]
    let K = x * x;
    T::from(K).unwrap()
}

fn main() {}
