use autodiff::grad;

#[grad]
fn f(x: f64, n: usize) -> f64 {
    let double = move |v: f64| 2.0 * v;
    println!("{x}");
    let y = x.foo();
    match n {
        0 => x,
        ref k => y * *k as f64,
    }
}

fn main() {}
