// A method without #[grad], called on a value that is not differentiated
// (here `self`, left out of `wrt`) with an argument that is: the macro sees
// one function at a time and cannot tell that `stretch` has no derivative,
// so the generated code declares a fallback that rustc finds only when
// `stretch`'s derivative (the twin #[grad] would write) is missing, and
// whose unmet bound names the method and the fixes.
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
