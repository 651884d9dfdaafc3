// A struct that a plain function makes from a differentiated value would
// carry its derivative away (no derivative goes through a struct): the
// call that makes it is refused, whatever the struct is then used for (a
// method, a field, lent), typed or not, in every mode. A result that holds
// integers only is piecewise constant, and accepted.
use autodiff::grad;

pub struct Config {
    scale: f64,
}

impl Config {
    fn new(k: f64) -> Config {
        Config { scale: k }
    }

    #[grad(forward, reverse, hessian, wrt(x))]
    fn apply(&self, x: f64) -> f64 {
        self.scale * x.sin()
    }
}

fn make(k: f64) -> Config {
    Config { scale: k }
}

#[grad(wrt(x))]
fn use_cfg(c: &Config, x: f64) -> f64 {
    c.scale * x
}

fn bucket(x: f64) -> usize {
    (x.abs() * 3.0) as usize % 3
}

#[grad(forward, reverse, hessian, wrt(x))]
fn method_of_it(x: f64) -> f64 {
    let cfg: Config = make(x);
    cfg.apply(x)
}

#[grad(wrt(x))]
fn field_of_it(x: f64) -> f64 {
    let cfg: Config = Config::new(x * x);
    cfg.scale * x
}

#[grad(wrt(x))]
fn untyped_field_of_it(x: f64) -> f64 {
    let cfg = make(x);
    cfg.scale * x
}

#[grad(forward, reverse, hessian, wrt(x))]
fn untyped_constructed(x: f64) -> f64 {
    let cfg = Config::new(x);
    cfg.apply(x)
}

#[grad(forward, wrt(x))]
fn lent(x: f64) -> f64 {
    let cfg: Config = make(x);
    use_cfg(&cfg, x)
}

#[grad(wrt(x))]
fn lent_untyped_constructed(x: f64) -> f64 {
    let cfg = Config::new(2.0 * x);
    use_cfg(&cfg, x)
}

// Accepted: an integer of a differentiated value, and a struct of constants.
#[grad(wrt(x))]
fn integers_are_fine(x: f64) -> f64 {
    let w = [0.5, 1.5, 2.5];
    let i: usize = bucket(x);
    let cfg: Config = make(2.0);
    w[i] * cfg.apply(x)
}

fn main() {}
