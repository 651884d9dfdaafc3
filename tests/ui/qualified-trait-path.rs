use autodiff::grad;

trait Twice {
    fn twice(self) -> Self;
}

impl Twice for f64 {
    fn twice(self) -> f64 {
        2.0 * self
    }
}

#[grad]
fn f(x: f64) -> f64 {
    <f64 as Twice>::twice(x)
}

fn main() {}
