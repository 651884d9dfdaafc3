use autodiff::grad;

#[grad]
fn total(x: &[f64]) -> f64 {
    x.iter().sum()
}

#[grad(graph)]
fn mean(x: &[f64]) -> f64 {
    total(x) / x.len() as f64
}

fn main() {
    let _ = mean_graph(&[1.0, 2.0]);
}
