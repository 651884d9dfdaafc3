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
}

#[derive(Params, Clone)]
struct Model {
    line: Line,
    scale: f64,
}

impl Model {
    #[grad]
    fn loss(&self, x: f64, y: f64) -> f64 {
        let r = self.scale * self.line.predict(x) - y;
        r * r
    }
}

fn main() {}
