// A method called with a differentiated argument on a local struct whose
// type is not written: #[grad] cannot tell it has a derivative, and asks
// for the type rather than dropping the derivative.
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

fn make(scale: f64) -> Config {
    Config { scale }
}

#[grad]
fn f(x: f64) -> f64 {
    let cfg = make(2.0);
    let bias = cfg.scale;
    cfg.apply(x) + bias
}

fn main() {}
