//! Locals named like the parameters the generated functions add beside a
//! reference parameter `x`: its shadow `d_x`, and `NAME_hvp`'s direction
//! `v_x` and product `hv_x` (`d_self`, `v_self`, `hv_self` in a method).
//! Round 16: a local `v_x` replaced the direction, a silent wrong `H·v`
//! (`H·x`), and `hv_x` the product (zeros); the user's local is renamed in
//! the generated code now. Checked against closed forms.

mod common;

use autodiff::prelude::*;
use common::close;

/// `x₀²x₁²`, read through a copy named like the direction.
#[grad(forward, reverse, hessian)]
fn copy_named_like_the_direction(x: &[f64]) -> f64 {
    let v_x = x.to_vec();
    v_x[0] * v_x[0] * v_x[1] * v_x[1]
}

/// `x₀²x₁²` again, with a buffer named like the product.
#[grad(forward, reverse, hessian)]
fn buffer_named_like_the_product(x: &[f64]) -> f64 {
    let mut hv_x = x.to_vec();
    hv_x[0] *= x[0];
    hv_x[1] *= x[1];
    hv_x[0] * hv_x[1]
}

/// `H·v` of `x₀²x₁²` at `x`.
fn product(x: [f64; 2], v: [f64; 2]) -> [f64; 2] {
    let h = [[2.0 * x[1] * x[1], 4.0 * x[0] * x[1]], [4.0 * x[0] * x[1], 2.0 * x[0] * x[0]]];
    [h[0][0] * v[0] + h[0][1] * v[1], h[1][0] * v[0] + h[1][1] * v[1]]
}

#[test]
fn locals_named_like_the_direction_or_the_product() {
    let (x, v) = ([1.0, 3.0], [1.0, -0.5]);
    let want = product(x, v);
    for f in [copy_named_like_the_direction_hvp, buffer_named_like_the_product_hvp] {
        let mut hv = [0.0; 2];
        let value = f(&x, &v, &mut hv);
        assert!(close(value, 9.0, 1e-15));
        assert!(close(hv[0], want[0], 1e-12) && close(hv[1], want[1], 1e-12), "{hv:?} vs {want:?}");
    }
    let mut d_x = [0.0; 2];
    copy_named_like_the_direction_grad(&x, &mut d_x);
    assert!(close(d_x[0], 18.0, 1e-12) && close(d_x[1], 6.0, 1e-12));
}

#[derive(Params, Clone)]
struct Pair {
    a: f64,
    b: f64,
}

impl Pair {
    /// `a²b·t`, through locals named like the method's generated parameters.
    #[grad(forward, reverse, hessian)]
    fn energy(&self, t: f64) -> f64 {
        let d_self = self.a * self.a;
        let v_self = d_self * self.b;
        let hv_self = v_self * t;
        hv_self + 0.0 * d_self
    }
}

#[test]
fn a_methods_locals_named_like_its_generated_parameters() {
    let m = Pair { a: 2.0, b: 3.0 };
    let t = 0.5;
    let mut d = m.zeros_like();
    let (value, dt) = m.energy_grad(&mut d, t);
    assert!(close(value, 6.0, 1e-15) && close(dt, 12.0, 1e-12));
    assert!(close(d.a, 2.0 * 2.0 * 3.0 * t, 1e-12) && close(d.b, 4.0 * t, 1e-12));
    // H·v along (a, b, t) = (1, 0, 0): ∂/∂a of the gradient (2abt, a²t, a²b).
    let direction = Pair { a: 1.0, b: 0.0 };
    let mut hv = m.zeros_like();
    let (_, hv_t) = m.energy_hvp(&direction, &mut hv, t, 0.0);
    assert!(close(hv.a, 2.0 * 3.0 * t, 1e-12) && close(hv.b, 2.0 * 2.0 * t, 1e-12));
    assert!(close(hv_t, 2.0 * 2.0 * 3.0, 1e-12));
}
