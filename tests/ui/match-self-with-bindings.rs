use autodiff::grad;

#[derive(Clone, Copy)]
enum Act {
    Relu,
    Leaky(f64),
}

impl Act {
    // `match self` binds `a` inside a reference: the error suggests `*self`.
    #[grad(wrt(x))]
    fn apply(&self, x: f64) -> f64 {
        match self {
            Act::Relu => x.max(0.0),
            Act::Leaky(a) => x.max(a * x),
        }
    }
}

fn main() {}
