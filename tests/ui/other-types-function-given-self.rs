// `Other::scale(self, x)` inside `impl Config`: a function of another type,
// given `self`, was taken for `self.scale(x)`, Config's own method, and its
// value and derivative were Config's (review, stop 17). rustc now checks
// that a path call given `self` names `Self`.
use autodiff::grad;

pub struct Config {
    s: f64,
}

impl Config {
    #[grad(wrt(x))]
    pub fn scale(&self, x: f64) -> f64 {
        self.s * x
    }

    #[grad(wrt(x))]
    pub fn cubed(&self, x: f64) -> f64 {
        Other::scale(self, x) * 2.0
    }
}

pub struct Other;

impl Other {
    pub fn scale(c: &Config, x: f64) -> f64 {
        c.s * x * x * x
    }
}

fn main() {}
