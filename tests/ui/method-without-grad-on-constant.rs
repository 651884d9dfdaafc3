// A method without #[grad], called on a value that is not differentiated
// (here `self`, left out of `wrt`) with an argument that is: rustc reports
// the missing derivative, the twin `__stretch_constant_self` (its `_fwd`
// and `_rev`) that #[grad] on `stretch` would have written. The macro sees
// one function at a time and cannot tell that `stretch` has none; the
// README names both fixes: put #[grad] on `stretch`, or pass it a constant.
use autodiff::grad;

struct Spring {
    k: f64,
}

impl Spring {
    fn stretch(&self, x: f64) -> f64 {
        self.k * x * x
    }

    #[grad(wrt(x))]
    fn energy(&self, x: f64) -> f64 {
        self.stretch(x) + x
    }
}

fn main() {}
