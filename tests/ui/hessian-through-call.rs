use autodiff::grad;

// `square` is not `hessian`: its companion has no `tangent_*` methods, so
// `f_hvp` cannot differentiate through it. Besides rustc's errors naming
// what is missing, `guards::SecondOrder` names the fix.
#[grad]
fn square(x: f64) -> f64 {
    x * x
}

#[grad(hessian)]
fn f(x: f64, y: f64) -> f64 {
    square(x) * y
}

fn main() {}
