use autodiff::grad;

// `square_into` is not `hessian`: its companion has no second-order methods
// (`tangent`, `tangent_vjp_in_place`), so `f_hvp` cannot differentiate
// through it (rustc names what is missing); `#[grad(reverse, hessian)]` on
// it is the way out.
#[grad]
fn square_into(x: &[f64], y: &mut [f64]) {
    for i in 0..x.len() {
        y[i] = x[i] * x[i];
    }
}

#[grad(reverse, hessian)]
fn f(x: &[f64; 2]) -> f64 {
    let mut y = [0.0; 2];
    square_into(x, &mut y);
    y[0] * y[1]
}

fn main() {}
