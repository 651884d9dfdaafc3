use autodiff::grad;

#[grad]
fn f(x: &[f64]) -> f64 {
    x.iter()
        .map(|v| {
            for k in 0..3 {
                if *v > k as f64 {
                    return *v;
                }
            }
            v * v
        })
        .sum::<f64>()
}

fn main() {}
