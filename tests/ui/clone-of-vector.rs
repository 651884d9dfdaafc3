use autodiff::grad;

#[grad]
fn total(v: &[f64]) -> f64 {
    v.iter().sum()
}

// A copy made by `clone` where no name takes it (an argument): the error
// says where a copy is made (`let`, or a name given it).
#[grad]
fn smoothed(x: &[f64]) -> f64 {
    let u = x.to_vec();
    total(&u.clone()) * x[0]
}

fn main() {}
