use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    let mut squares = Vec::new();
    for &v in x {
        squares.push(v * v);
    }
    squares[0]
}

fn main() {}
