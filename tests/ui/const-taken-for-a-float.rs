// A `const` passed by value to a #[grad] function, named in capitals:
// #[grad] cannot see its type and takes it for a float constant unless the
// body uses it as an integer. rustc's probe refuses a guess that is wrong
// (a struct; an integer used as nothing else) with the fix, a typed `let`,
// instead of a call with extra arguments.
use autodiff::grad;

#[derive(Clone, Copy)]
struct Drag {
    c: f64,
}

const AIR: Drag = Drag { c: 0.47 };
const DEGREE: i32 = 3;

#[grad(forward, reverse, hessian, wrt(v))]
fn drag(v: f64, d: Drag) -> f64 {
    d.c * v * v
}

#[grad(forward, reverse, hessian)]
fn in_air(v: f64) -> f64 {
    drag(v, AIR)
}

#[grad(forward, reverse, hessian)]
fn power(x: f64, n: i32) -> f64 {
    x.powi(n)
}

#[grad(forward, reverse, hessian)]
fn cubic(x: f64) -> f64 {
    power(x, DEGREE)
}

// A reference to floats is no float value: the callee would lend it a shadow.
const WEIGHTS: &[f64] = &[1.0, 2.0];

#[grad]
fn dot(x: f64, w: &[f64]) -> f64 {
    x * (w[0] + w[1])
}

#[grad]
fn weighted(x: f64) -> f64 {
    dot(x * x, WEIGHTS)
}

const K: f64 = 2.0;

// An untyped copy of a `const` is as unseen as the `const`.
#[grad(forward, reverse, hessian)]
fn copied(x: f64) -> f64 {
    let k = K;
    two(x, k)
}

#[grad(forward, reverse, hessian)]
fn two(a: f64, b: f64) -> f64 {
    a * b
}

fn main() {}
