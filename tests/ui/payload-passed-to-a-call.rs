use autodiff::grad;

#[grad]
fn huber(r: f64, delta: f64) -> f64 {
    if r.abs() <= delta {
        0.5 * r * r
    } else {
        delta * (r.abs() - 0.5 * delta)
    }
}

#[derive(Clone, Copy)]
enum Loss {
    Mse,
    Huber(f64),
}

// What a pattern binds inside an enum has a type the macro cannot see;
// passed to a `#[grad]` call, rustc asks for a typed `let` (round 14: the
// call's slots did not match, E0061 in the generated code).
#[grad(wrt(p))]
fn eval(loss: &Loss, p: f64) -> f64 {
    match loss {
        Loss::Mse => p * p,
        Loss::Huber(d) => huber(p, *d),
    }
}

fn main() {}
