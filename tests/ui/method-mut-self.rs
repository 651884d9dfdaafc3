use autodiff::grad;

struct Counter {
    total: f64,
}

impl Counter {
    #[grad]
    fn add(&mut self, x: f64) -> f64 {
        self.total += x;
        self.total * x
    }
}

fn main() {}
