use autodiff::grad;
use autodiff::num_traits::Float as NFloat;

// A float type parameter bounded by a renamed `Float` (round 21, C1): the
// error said the return type was wrong; it says which bound to write.
#[grad]
fn spring_energy<T: NFloat>(x: T, k: T) -> T {
    T::from(0.5).unwrap() * k * x * x
}

fn main() {}
