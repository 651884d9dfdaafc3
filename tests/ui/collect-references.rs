use autodiff::grad;

// A vector of references (`Vec<&f64>`): the loop `collect` becomes pushes
// values, so the macro asks for the values.
#[grad]
fn references(x: &[f64]) -> f64 {
    let p: Vec<&f64> = x.iter().collect();
    *p[0] * 2.0
}

#[grad]
fn turbofish(x: &[f64]) -> f64 {
    let p = x.iter().collect::<Vec<&f64>>();
    *p[0] * 2.0
}

fn main() {}
