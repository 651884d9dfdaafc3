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

#[grad]
fn pair(x: f64) -> [f64; 2] {
    [x * x, 3.0 * x]
}

// A call's value whose type is not written, known to be an array only from
// a later index (review 19: zero derivatives, when checked before types
// were inferred).
#[grad]
fn indexed_later(x: f64) -> f64 {
    let k = pair(x);
    let r = match k {
        [a, b] => a * b,
    };
    r + k[0]
}

// A slice of settings left out of `wrt(..)` is a constant: its pattern is fine.
#[grad(wrt(x))]
fn constant_pair(x: f64, p: [f64; 2]) -> f64 {
    match p {
        [a, b] => a * x + b,
    }
}

// An enum of settings differentiated as a model (no `wrt`): the error
// says to leave it out.
#[derive(Clone, Copy)]
enum Act {
    Leaky(f64),
}

#[grad]
fn activate(act: &Act, z: f64) -> f64 {
    match act {
        Act::Leaky(a) => a * z,
    }
}

// A sub-model matched by a braced pattern (review 20: zero derivatives,
// as at stop 21): its fields are weights, however its path reads.
pub mod nn {
    #[derive(autodiff::Params, Clone)]
    pub struct Lin {
        pub w: f64,
        pub b: f64,
    }
}

#[derive(autodiff::Params, Clone)]
struct Net {
    lin: nn::Lin,
}

#[grad]
fn through_a_sub_model(m: &Net, x: f64) -> f64 {
    match m.lin {
        nn::Lin { w, b } => w * x + b,
    }
}

fn main() {}
