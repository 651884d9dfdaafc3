// A method that leaves `self` out of `wrt` has no derivative in its model:
// calling it on a differentiated model is a compile error, not a gradient
// that silently misses the model's part. The error names the method and
// the fix.
use autodiff::prelude::*;

#[derive(Params, Clone)]
struct Line {
    slope: f64,
    intercept: f64,
}

impl Line {
    #[grad(wrt(x))]
    fn predict(&self, x: f64) -> f64 {
        self.slope * x + self.intercept
    }

    #[grad]
    fn loss(&self, x: f64, y: f64) -> f64 {
        let r = self.predict(x) - y;
        r * r
    }
}

fn main() {}
