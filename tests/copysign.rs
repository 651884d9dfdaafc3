//! `copysign`, which user rounds asked for (a magnitude given the sign of
//! another value: a friction force against the velocity, a signed square
//! root): `±1` in the magnitude, 0 where it is 0 (as `abs`), nothing
//! through the sign. Checked against closed forms in every mode.

mod common;

use autodiff::prelude::*;
use common::close;

/// Coulomb friction against the velocity plus a quadratic drag:
/// `-(μ·n).copysign(v) - c·v·|v|`.
#[grad(forward, reverse, hessian, graph)]
fn friction(mu: f64, n: f64, v: f64, c: f64) -> f64 {
    -(mu * n).copysign(v) - c * v * v.abs()
}

/// A signed square root, `√|x|` with the sign of `x`, of a product.
#[grad(forward, reverse, hessian)]
fn signed_root(x: f64, y: f64) -> f64 {
    f64::copysign((x * y).abs().sqrt(), x * y)
}

#[test]
fn friction_in_every_mode() {
    for v in [0.8_f64, -0.8] {
        let (mu, n, c) = (0.3, 2.0, 0.5);
        let s = v.signum();
        // ∂/∂μ = −n·s, ∂/∂n = −μ·s, ∂/∂v = −2c|v|, ∂/∂c = −v|v|.
        let (_, dmu, dn, dv, dc) = friction_grad(mu, n, v, c);
        assert!(close(dmu, -n * s, 1e-12) && close(dn, -mu * s, 1e-12));
        assert!(close(dv, -2.0 * c * v.abs(), 1e-12) && close(dc, -v * v.abs(), 1e-12));
        let (_, tangent) = friction_jvp(mu, 1.0, n, 0.0, v, 1.0, c, 0.0);
        assert!(close(tangent, dmu + dv, 1e-12));
        // H·e_μ: ∂²/∂μ∂n = −s, nothing else; H·e_v: ∂²/∂v² = −2c·s, ∂²/∂v∂c = −2|v|.
        let (_, hmu, hn, hv, hc) = friction_hvp(mu, 1.0, n, 0.0, v, 0.0, c, 0.0);
        assert!(close(hmu, 0.0, 1e-12) && close(hn, -s, 1e-12) && close(hv, 0.0, 1e-12) && close(hc, 0.0, 1e-12));
        let (_, hmu, hn, hv, hc) = friction_hvp(mu, 0.0, n, 0.0, v, 1.0, c, 0.0);
        assert!(close(hmu, 0.0, 1e-12) && close(hn, 0.0, 1e-12));
        assert!(close(hv, -2.0 * c * s, 1e-12) && close(hc, -2.0 * v.abs(), 1e-12));
        let g = friction_graph(mu, n, v, c);
        assert!(close(common::graph::adjoint(&g, "mu"), dmu, 1e-12));
    }
}

#[test]
fn a_signed_root_in_every_mode() {
    for (x, y) in [(2.0_f64, 0.5_f64), (-2.0, 0.5), (2.0, -0.5)] {
        // f = sign(xy)·√|xy|: ∂f/∂x = y / (2√|xy|), ∂f/∂y = x / (2√|xy|).
        let r = (x * y).abs().sqrt();
        let (value, dx, dy) = signed_root_grad(x, y);
        assert!(close(value, (x * y).signum() * r, 1e-12));
        assert!(close(dx, y / (2.0 * r), 1e-12) && close(dy, x / (2.0 * r), 1e-12), "{dx} {dy}");
        assert!(close(signed_root_jvp(x, 1.0, y, 0.0).1, dx, 1e-12));
        // ∂²f/∂x² = −y²·sign(xy) / (4|xy|^{3/2}).
        let (_, hx, _) = signed_root_hvp(x, 1.0, y, 0.0);
        assert!(close(hx, -y * y * (x * y).signum() / (4.0 * r * r * r), 1e-12), "{hx}");
    }
}
