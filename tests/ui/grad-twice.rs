use autodiff::grad;

#[grad]
#[grad(wrt(x))]
fn f(x: f64, y: f64) -> f64 {
    x * y
}

fn main() {
    let _ = f_grad(1.0, 2.0);
}
