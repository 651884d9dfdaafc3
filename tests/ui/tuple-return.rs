use autodiff::grad;

// Arrays of results are supported (`-> [f64; 2]`); tuples not yet.
#[grad]
fn split(x: f64) -> (f64, f64) {
    (x.sin(), x.cos())
}

fn main() {}
