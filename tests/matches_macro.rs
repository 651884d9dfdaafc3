//! `matches!(value, pattern)` and `matches!(value, pattern if guard)` in
//! `#[grad]` code (user round 13 found them refused, though every `match`
//! arm is tested so): lowered as the `match` they stand for, a constant
//! `bool`. Checked against closed forms in every mode.

mod common;

use autodiff::prelude::*;
use common::close;

#[derive(Clone, Copy)]
enum Act {
    Relu,
    Leaky(f64),
}

/// `w·x₀²`, `w` 1 when `len % 3` is 0 or 1, else 2.
#[grad(forward, reverse, hessian, graph)]
fn weighted(x: &[f64]) -> f64 {
    let n = x.len();
    let w = if matches!(n % 3, 0 | 1) { 1.0 } else { 2.0 };
    w * x[0] * x[0]
}

/// A leaky unit with a positive slope (a guard over the variant's value),
/// at a negative input (a guard over a float): `0.1·x`, else `x²`.
#[grad(forward, reverse, hessian, graph, wrt(x))]
fn leaky_below_zero(act: Act, x: f64) -> f64 {
    let leaky = matches!(act, Act::Leaky(s) if s > 0.0);
    if leaky && matches!(x, v if v <= 0.0) {
        0.1 * x
    } else {
        x * x
    }
}

#[test]
fn matches_in_every_mode() {
    for (x, w) in [(vec![1.5, 0.0, 0.0], 1.0), (vec![1.5, 0.0], 2.0)] {
        let mut d_x = vec![0.0; x.len()];
        weighted_grad(&x, &mut d_x);
        assert!(close(d_x[0], 2.0 * w * 1.5, 1e-12));
        let v = vec![1.0; x.len()];
        assert!(close(weighted_jvp(&x, &v).1, 2.0 * w * 1.5, 1e-12));
        let mut hv = vec![0.0; x.len()];
        weighted_hvp(&x, &v, &mut hv);
        assert!(close(hv[0], 2.0 * w, 1e-12));
        let g = weighted_graph(&x);
        assert!(close(g.node(common::graph::node(&g, "x")).adjoint().unwrap().as_array().unwrap()[0], 3.0 * w, 1e-12));
    }
    for (act, x, slope, curvature) in [
        (Act::Leaky(0.3), -0.5, 0.1, 0.0),
        (Act::Leaky(0.3), 0.5, 1.0, 2.0),
        (Act::Leaky(-0.3), -0.5, -1.0, 2.0),
        (Act::Relu, -0.5, -1.0, 2.0),
    ] {
        assert!(close(leaky_below_zero_grad(act, x).1, slope, 1e-12));
        assert!(close(leaky_below_zero_jvp(act, x, 1.0).1, slope, 1e-12));
        assert!(close(leaky_below_zero_hvp(act, x, 1.0).1, curvature, 1e-12));
        assert!(close(common::graph::adjoint(&leaky_below_zero_graph(act, x), "x"), slope, 1e-12));
    }
}
