use autodiff::grad;

// A tuple `let` takes a tuple of values or a call's result, not a tuple
// computed another way.
#[grad]
fn f(x: f64, y: f64) -> f64 {
    let (big, small) = if x > y { (x, y) } else { (y, x) };
    big * y + small
}

fn main() {}
