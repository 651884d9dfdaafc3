use autodiff::grad;

// An arm naming the whole tuple: the parts are matched one by one.
#[grad]
fn f(x: f64, y: f64) -> f64 {
    match (x > 0.0, y > 0.0) {
        (true, true) => x * y,
        pair => {
            let _ = pair;
            x + y
        }
    }
}

fn main() {}
