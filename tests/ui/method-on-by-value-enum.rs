use autodiff::grad;

#[derive(Clone, Copy)]
enum Act {
    Relu,
    Leaky(f64),
}

impl Act {
    #[grad(wrt(x))]
    fn apply(&self, x: f64) -> f64 {
        match *self {
            Act::Relu => x.max(0.0),
            Act::Leaky(a) => x.max(a * x),
        }
    }
}

// A method of an enum taken by value: the error asks for a reference.
#[grad(wrt(x))]
fn layer(x: f64, act: Act) -> f64 {
    act.apply(x)
}

fn main() {}
