// A method called on a part of a model whose type #[grad] cannot see: the
// refusal names the fix, a reference bound with its type
// (`tests/methods_of_model_parts.rs` has it working).
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
    lines: Vec<Line>,
    scale: f64,
}

impl Model {
    #[grad]
    fn loss(&self, x: f64, y: f64) -> f64 {
        let r = self.scale * self.line.predict(x) - y;
        r * r
    }
}

impl Model {
    #[grad]
    fn total(&self, x: f64) -> f64 {
        let mut sum = 0.0;
        for line in &self.lines {
            sum += line.predict(x);
        }
        let first = &self.lines[0];
        sum + first.predict(x)
    }
}

fn main() {}
