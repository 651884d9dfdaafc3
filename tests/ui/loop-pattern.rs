use autodiff::grad;

#[grad]
fn f(r: &Vec<[f64; 2]>) -> f64 {
    let mut s = 0.0;
    for &[a, b] in r.iter() {
        s += a * b;
    }
    s
}

fn main() {}
