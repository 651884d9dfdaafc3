// A struct made by a plain function is lent as a constant when it is
// declared in the function's own block; declared in a nested block (or
// `mut`), its name would be out of scope where the reverse sweep reads it.
use autodiff::grad;

pub struct Config {
    pub a: f64,
}

fn make_config(k: f64) -> Config {
    Config { a: k }
}

#[grad(wrt(x))]
fn energy(cfg: &Config, x: f64) -> f64 {
    cfg.a * x * x
}

#[grad]
fn f(x: f64) -> f64 {
    let y = {
        let cfg: Config = make_config(3.0);
        energy(&cfg, x)
    };
    y * x
}

fn main() {}
