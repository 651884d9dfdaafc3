// A slice parameter given another slice would need its shadow to follow
// the name (round 9: rustc's errors inside the generated code, none naming
// the parameter); a local name bound to it may be reassigned.
use autodiff::grad;

#[grad]
fn mut_slice_param<'a>(mut a: &'a [f64], b: &'a [f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..4 {
        s += a[i % a.len()] * b[(i + 1) % b.len()];
        if s > 0.2 {
            a = b;
        }
    }
    s * s
}

// The way out the message gives.
#[grad]
fn through_a_local<'a>(a: &'a [f64], b: &'a [f64]) -> f64 {
    let mut src = a;
    let mut s = 0.0;
    for i in 0..4 {
        s += src[i % src.len()] * b[(i + 1) % b.len()];
        if s > 0.2 {
            src = b;
        }
    }
    s * s
}

fn main() {}
