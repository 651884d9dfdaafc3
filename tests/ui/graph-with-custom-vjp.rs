use autodiff::grad;

#[grad(graph, vjp = f_vjp)]
fn f(x: f64) -> f64 {
    x * x
}

fn f_vjp(x: f64, seed: f64) -> (f64, f64) {
    (x * x, 2.0 * x * seed)
}

fn main() {}
