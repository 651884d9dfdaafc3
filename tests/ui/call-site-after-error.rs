use autodiff::grad;

#[grad]
fn f(x: f64, n: i32) -> f64 {
    println!("{x}");
    x.powi(n)
}

fn main() {
    let _: f64 = f(1.0, 2);
    let (_value, _dx): (f64, f64) = f_grad(1.0, 2);
    let (_value, _dx): (f64, f64) = f_vjp(1.0, 2, 0.5);
}
