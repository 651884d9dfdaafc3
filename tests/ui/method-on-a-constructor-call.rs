// A method called on a constructor's value directly: #[grad] calls
// methods on named values, and says how to name this one (the `let` it
// asks for is then taken for the constructor's type).
use autodiff::grad;

struct Config {
    scale: f64,
}

impl Config {
    fn new(scale: f64) -> Config {
        Config { scale }
    }

    #[grad(wrt(x))]
    fn apply(&self, x: f64) -> f64 {
        self.scale * x.sin()
    }
}

#[grad]
fn f(x: f64) -> f64 {
    Config::new(2.0).apply(x)
}

fn main() {}
