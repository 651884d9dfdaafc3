use autodiff::grad;

fn foo(x: f64) -> f64 {
    x * x
}

#[grad]
fn f(x: f64) -> f64 {
    foo(x) + 1.0
}

fn main() {}
