use autodiff::grad;

#[grad]
fn f(x: f64, y: &mut f64) {
    *y = x * x;
}

fn main() {}
