// A struct passed by value to a #[grad] function is passed again to the
// call's derivative: one that is not `Copy` is refused with the fix
// (rustc reported "use of moved value" in the generated code).
use autodiff::grad;

pub struct Config {
    s: f64,
}

impl Config {
    pub fn new(s: f64) -> Self {
        Config { s }
    }
}

#[grad(wrt(y))]
fn by_value(c: Config, y: f64) -> f64 {
    c.s * y * y
}

#[grad]
fn f(x: f64, y: f64) -> f64 {
    let c = Config::new(2.0);
    by_value(c, y) + x
}

fn main() {}
