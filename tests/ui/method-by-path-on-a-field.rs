// A method called by its type's path on a field of a struct, given a
// differentiated value, is refused with the way out (rustc said "ambiguous
// associated type" in generated code, once per derivative).
use autodiff::prelude::*;

#[derive(Params, Clone)]
struct Lin {
    w: [f64; 2],
}

impl Lin {
    #[grad]
    fn predict(&self, x: &[f64; 2]) -> f64 {
        self.w[0] * x[0] + self.w[1] * x[1]
    }
}

struct Pipe {
    lin: Lin,
}

#[grad(wrt(x))]
fn score(p: &Pipe, x: &[f64; 2]) -> f64 {
    Lin::predict(&p.lin, x)
}

fn main() {}
