use autodiff::grad;

type Real = f64;

// `Real` may be a float (the derivative passes through the cast) or an
// integer (it is cut): the macro cannot tell, so it asks.
#[grad]
fn f(x: f64, k: Real) -> f64 {
    let y = x as Real;
    y * k
}

fn main() {}
