use autodiff::{grad, Params};

#[derive(Params, Clone)]
struct Layer {
    w: Vec<f64>,
    sizes: Vec<usize>,
}

// `m.sizes[0] as f64` alone does not say the field holds integers (`as`
// converts floats too): the error says to read it through a typed `let`.
#[grad(forward)]
fn scaled(m: &Layer, x: &[f64]) -> f64 {
    m.w[0] * x[0] * (m.sizes[0] as f64)
}

// The way out.
#[grad(forward)]
fn typed(m: &Layer, x: &[f64]) -> f64 {
    let n: usize = m.sizes[0];
    m.w[0] * x[0] * (n as f64)
}

fn main() {}
