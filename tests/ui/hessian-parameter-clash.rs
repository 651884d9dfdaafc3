use autodiff::grad;

// `NAME_hvp` takes `w`, its direction `v_w` and its product `hv_w`.
#[grad(hessian)]
fn f(w: &[f64], v_w: f64) -> f64 {
    w[0] * v_w
}

fn main() {}
