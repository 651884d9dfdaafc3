use autodiff::prelude::*;

#[derive(Params, Clone)]
struct Line {
    slope: f64,
    intercept: f64,
}

impl Line {
    #[grad]
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
