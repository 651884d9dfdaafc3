// A local struct a plain function made is lent (`&cfg`) to the derivative
// of each #[grad] method called on it, in the reverse sweep too, which runs
// after the function's own code: moving it into a call is refused (it
// failed to compile with "borrow of moved value"), with the ways out.
use autodiff::grad;

pub struct Config {
    scale: f64,
}

impl Config {
    #[grad(forward, reverse, hessian, wrt(x))]
    fn apply(&self, x: f64) -> f64 {
        self.scale * x.sin()
    }
}

fn make(k: f64) -> Config {
    Config { scale: k }
}

fn total(c: Config) -> f64 {
    c.scale * 2.0
}

#[grad(forward, reverse, hessian)]
fn moved(x: f64) -> f64 {
    let cfg: Config = make(2.0);
    let y = cfg.apply(x);
    let s = total(cfg);
    y * s
}

// The same under a raw name (the fuzzer's: the message's span panicked).
#[grad(forward, reverse, hessian)]
fn moved_raw(x: f64) -> f64 {
    let r#loop: Config = make(2.0);
    let y = r#loop.apply(x);
    let s = total(r#loop);
    y * s
}

fn main() {}
