use autodiff::grad;

fn table(i: usize) -> f64 {
    [0.5, 1.5, 2.5][i]
}

// `Vec<_>` of items the macro cannot type: floats or not?
#[grad]
fn untyped(x: &[f64], idx: &[usize]) -> f64 {
    let weights: Vec<_> = idx.iter().map(|&i| table(i)).collect();
    weights[0] * x[0]
}

#[grad]
fn helper(v: &[f64]) -> f64 {
    v[0]
}

// Outside a `let`: bind it first.
#[grad]
fn passed_on(x: &[f64]) -> f64 {
    helper(&x.iter().map(|v| v * v).collect::<Vec<f64>>())
}

// Pairs: `zip` and `enumerate` items are not floats.
#[grad]
fn pairs(x: &[f64], y: &[f64]) -> f64 {
    let _p: Vec<_> = x.iter().zip(y.iter()).collect();
    let _q = x.iter().enumerate().skip(1).collect::<Vec<_>>();
    x[0]
}

fn main() {}
