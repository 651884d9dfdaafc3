use autodiff::prelude::*;

struct Spring<T> {
    k: T,
}

// `T` belongs to the `impl` block, which the attribute on the method
// cannot see: the errors say so and show the free function to write.
impl<T: Float> Spring<T> {
    #[grad(wrt(x))]
    fn energy(&self, x: T) -> T {
        self.k * x * x
    }
}

fn main() {}
