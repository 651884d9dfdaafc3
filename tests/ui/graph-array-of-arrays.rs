use autodiff::grad;

#[grad(graph)]
fn trace(m: &[[f64; 2]; 2]) -> f64 {
    m[0][0] + m[1][1]
}

fn main() {}
