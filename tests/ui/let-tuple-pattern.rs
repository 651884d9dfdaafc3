use autodiff::grad;

fn split(x: f64) -> (f64, f64) {
    (x.floor(), x.fract())
}

#[grad]
fn f(x: f64, y: f64) -> f64 {
    let (whole, part) = split(x);
    whole * y + part
}

fn main() {}
