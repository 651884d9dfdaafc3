use autodiff::grad;

// Names bound inside a pattern on floats would be constants: each of these
// gave a zero gradient without a word before review 18. The error says to
// read the elements by their index.
#[grad]
fn head_product(xs: &[f64]) -> f64 {
    match xs {
        [a, b, ..] => a * b,
        _ => 0.0,
    }
}

#[grad]
fn guarded(p: [f64; 2]) -> f64 {
    match p {
        [a, b] if a > 0.0 => a * a * b,
        _ => 0.0,
    }
}

#[grad]
fn rows(m: &[[f64; 2]]) -> f64 {
    let mut s = 0.0;
    for r in m {
        match r {
            [a, b] => s += a * b,
        }
    }
    s
}

fn main() {}
