// `Other::scale(&c, x)` with `c` a constant `Config`: a function of another
// type, taken for `c.scale(x)` (review, stop 17: a wrong value and
// derivative, silently). rustc now checks that the path names the
// receiver's type (an alias of it, `Cf::scale(&c, x)`, passes).
use autodiff::grad;

pub struct Config {
    s: f64,
}

impl Config {
    pub fn new(s: f64) -> Self {
        Config { s }
    }

    #[grad(wrt(x))]
    pub fn scale(&self, x: f64) -> f64 {
        self.s * x
    }
}

pub struct Other;

impl Other {
    pub fn scale(c: &Config, x: f64) -> f64 {
        c.s * x * x * x
    }
}

#[grad]
fn f(x: f64) -> f64 {
    let c = Config::new(2.0);
    Other::scale(&c, x)
}

fn main() {}
