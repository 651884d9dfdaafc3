use autodiff::grad;

pub struct Spring {
    k: f64,
}

impl Spring {
    fn plain_energy(&self, x: f64) -> f64 {
        0.5 * self.k * x * x
    }
}

#[grad]
fn wobble(x: f64) -> f64 {
    x.sin() * x
}

// `y`, a differentiated call's value, is taken for a float (stop 17; it was
// refused for its type), so a plain method given it is named as lacking a
// derivative rather than called as written.
#[grad(wrt(x))]
fn through_plain_method(s: &Spring, x: f64) -> f64 {
    let y = wobble(x);
    s.plain_energy(y) + y
}

fn main() {}
