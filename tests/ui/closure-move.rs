use autodiff::grad;

#[grad]
fn f(x: f64, y: f64) -> f64 {
    let scaled = move |v: f64| v * y;
    scaled(x)
}

fn main() {}
