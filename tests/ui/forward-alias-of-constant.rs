use autodiff::grad;

// `z` is `x` (differentiated) or `y` (not): forward mode would need a zero
// tangent of `y`'s length for it, which it cannot lend.
#[grad(forward, wrt(x))]
fn pick(x: &[f64], y: &[f64], c: bool) -> f64 {
    let z = if c { x } else { y };
    z[0] * z[1]
}

fn main() {}
