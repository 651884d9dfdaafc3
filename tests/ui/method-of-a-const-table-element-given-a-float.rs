// A method of a `const` table's element given a float: the element's type
// is not in sight, so the way out copies it into a typed local.
use autodiff::grad;

#[derive(Clone, Copy)]
pub struct Sample {
    pub x: f64,
}

impl Sample {
    #[grad(wrt(a))]
    pub fn scaled(&self, a: f64) -> f64 {
        a * self.x
    }
}

const DATA: [Sample; 2] = [Sample { x: 1.0 }, Sample { x: -0.5 }];

#[grad]
fn f(a: f64) -> f64 {
    DATA[1].scaled(a)
}

fn main() {}
