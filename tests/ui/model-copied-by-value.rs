// A model is differentiated through references: a copy of it (`*m`, `let
// mm: Lin = *m;`) passed by value is refused with the way out, naming the
// model rather than a temporary of the macro's (user round 8: "cannot tell
// the shape of `__t1`").
use autodiff::prelude::*;

#[derive(Params, Clone, Copy)]
pub struct Lin {
    pub w: f64,
    pub b: f64,
}

#[grad(wrt(x))]
fn predict_by_value(m: Lin, x: f64) -> f64 {
    m.w * x + m.b
}

#[grad]
fn loss(m: &Lin, x: f64, y: f64) -> f64 {
    let p = predict_by_value(*m, x);
    (p - y).powi(2)
}

#[grad]
fn loss_of_a_copy(m: &Lin, x: f64, y: f64) -> f64 {
    let mm: Lin = *m;
    let p = predict_by_value(mm, x);
    (p - y).powi(2)
}

impl Lin {
    // In a method, the model is `self` (review 9: the message named the
    // macro's `__self`).
    #[grad]
    fn loss_of_self(&self, x: f64, y: f64) -> f64 {
        let p = predict_by_value(*self, x);
        (p - y).powi(2)
    }
}

fn main() {}
