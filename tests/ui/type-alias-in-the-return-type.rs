// A type alias in the return type: the message names the alias case (it
// spoke only of an `impl` block's type parameter).
use autodiff::grad;

type M2 = [[f64; 2]; 2];

#[grad]
fn twice(a: &[[f64; 2]; 2]) -> M2 {
    [[2.0 * a[0][0], 2.0 * a[0][1]], [2.0 * a[1][0], 2.0 * a[1][1]]]
}

fn main() {}
