// A row copied into an untyped local (a row swap of Gaussian elimination):
// its derivative needs its shape. One error, at the user's name, in every
// mode: `NAME_hvp` also told it for the generated tangent `__dot_row`, at
// the attribute (round 17).
use autodiff::grad;

#[grad(reverse, hessian)]
fn swapped(a: &[[f64; 2]; 2]) -> f64 {
    let mut m = *a;
    for k in 0..2 {
        if m[1][k] > m[0][k] {
            let row = m[0];
            m[0] = m[1];
            m[1] = row;
        }
    }
    m[0][0] * m[1][1]
}

// A second `row`, which lowering renames `row_1`, is told by the name the
// user wrote (review 24).
#[grad(hessian)]
fn shadowed(a: &[[f64; 2]; 2]) -> f64 {
    let mut m = *a;
    let mut s = 0.0;
    {
        let row = m[0];
        s += row[0];
    }
    let row = m[1];
    m[1] = m[0];
    m[0] = row;
    s + m[0][1] * m[1][0]
}

fn main() {}
