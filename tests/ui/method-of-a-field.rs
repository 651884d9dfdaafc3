// A #[grad] method called on a field of `self`: #[grad] cannot see the
// field's type, so the call would be kept as written. The message named the
// argument's type, which is written; it names the receiver now.
use autodiff::grad;

pub struct Settings {
    k: f64,
}

impl Settings {
    #[grad(wrt(x))]
    pub fn apply(&self, x: f64) -> f64 {
        self.k * x.sin()
    }
}

pub struct Outer {
    inner: Settings,
}

impl Outer {
    #[grad(wrt(x))]
    pub fn run(&self, x: f64) -> f64 {
        self.inner.apply(x)
    }
}

fn main() {}
