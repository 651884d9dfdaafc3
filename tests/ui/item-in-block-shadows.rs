use autodiff::grad;

const K: f64 = 2.0;

// Moved to the top of the generated functions, the inner `K` would also be
// the `K` of `K * x`; and the two `C`s would clash.
#[grad]
fn f(x: f64) -> f64 {
    let mut r = K * x;
    if x > 0.0 {
        const K: f64 = 3.0;
        r += K * x;
    }
    let a = {
        const C: f64 = 1.0;
        C * x
    };
    let b = {
        const C: f64 = 5.0;
        C * x
    };
    r + a + b
}

fn main() {}
