// A method is called on a local struct that is a constant (a literal of
// constants, or a plain function's value with its type written); one built
// from a value that varies is refused, with the ways out.
use autodiff::grad;

struct Config {
    scale: f64,
}

impl Config {
    #[grad(wrt(x))]
    fn apply(&self, x: f64) -> f64 {
        self.scale * x.sin()
    }
}

#[grad]
fn f(x: f64) -> f64 {
    let cfg = Config { scale: x };
    cfg.apply(x)
}

fn main() {}
