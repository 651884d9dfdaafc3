use autodiff::grad;

#[derive(Clone, Copy)]
enum Pen {
    L2(f64),
}

// The payload is computed from `x`: the enum would carry its derivative
// away, so the value is refused (a constant payload is accepted).
#[grad]
fn f(x: f64) -> f64 {
    let pen = Pen::L2(2.0 * x);
    match pen {
        Pen::L2(b) => b * x,
    }
}

fn main() {}
