// A loop binds each integer it gives as a copy, so writes through it
// (`iter_mut()`, `&mut v`, a `&mut` parameter iterated) would be lost:
// refused, with the loop that writes by index (review 26, A1: the rows of
// a table were rewritten in a copy, and the gradient was wrong).
use autodiff::grad;

#[grad(wrt(x))]
fn rows_rewritten(x: &[f64]) -> f64 {
    let mut tris: Vec<[usize; 2]> = vec![[0, 1], [1, 2]];
    for t in tris.iter_mut() {
        t[1] = 0;
    }
    x[tris[0][1]] * x[tris[1][1]] + x[2]
}

#[grad(wrt(x))]
fn parameter_rewritten(x: &[f64], tris: &mut [[usize; 2]], idx: &mut [usize]) -> f64 {
    for t in tris {
        t[0] = 0;
    }
    for i in &mut *idx {
        *i = 1;
    }
    x[idx[0]]
}

fn main() {}
