use autodiff::grad;

// `wrt(x)` leaves `w` without a shadow in `f_grad`, but the companion that
// other `#[grad]` functions call differentiates every float parameter: its
// shadow of `w` would be `d_w`, the name of the third parameter.
#[grad(wrt(x))]
fn f(x: f64, w: &[f64], d_w: f64) -> f64 {
    x * w[0] + d_w
}

fn main() {}
