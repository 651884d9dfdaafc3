//! `#[grad]` on methods taking `&self`: a `Params` model differentiated
//! through `self` (shadow `d_self` after `self`), a plain struct of floats
//! as a constant `self` (`wrt` leaving `self` out), in reverse, forward and
//! second-order mode. Each derivative is checked against central
//! differences and against the other mode.

use autodiff::prelude::*;

/// A straight line fitted to points.
#[derive(Params, Clone, Debug)]
struct Line {
    slope: f64,
    intercept: f64,
}

impl Line {
    /// Mean squared error of the line on `(xs, ys)`, differentiated in the
    /// line's parameters only.
    #[grad(forward, reverse, hessian, wrt(self))]
    fn loss(&self, xs: &[f64], ys: &[f64]) -> f64 {
        let mut total = 0.0;
        for (x, y) in xs.iter().zip(ys) {
            let r = self.slope * x + self.intercept - y;
            total += r * r;
        }
        total / xs.len() as f64
    }

    /// A smooth penalty on the line and a float argument, all differentiated:
    /// `self` and `scale`.
    #[grad(forward, reverse, hessian)]
    fn penalty(&self, scale: f64) -> f64 {
        let size = self.slope * self.slope + (self.intercept * scale).sin();
        size * scale
    }
}

/// A spring with constants that are not parameters.
struct Spring {
    stiffness: f64,
    rest: f64,
}

impl Spring {
    /// `½k(x − r)² + ½k(y − r)²`, differentiated in `x` and `y` only.
    #[grad(forward, reverse, wrt(x, y))]
    pub fn energy(&self, x: f64, y: f64) -> f64 {
        let dx = x - self.rest;
        let dy = y - self.rest;
        0.5 * self.stiffness * (dx * dx + dy * dy)
    }
}

const XS: [f64; 4] = [0.0, 1.0, 2.0, 3.5];
const YS: [f64; 4] = [1.0, 2.5, 2.9, 5.0];

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

fn line(flat: &[f64]) -> Line {
    Line { slope: flat[0], intercept: flat[1] }
}

#[test]
fn a_model_method_gets_the_gradient_of_its_parameters() {
    let m = Line { slope: 0.7, intercept: -0.3 };
    let mut d_self = m.zeros_like();
    let value = m.loss_grad(&mut d_self, &XS, &YS);
    assert!(close(value, m.loss(&XS, &YS), 1e-15));
    let numeric = numeric_gradient(|w| line(w).loss(&XS, &YS), &m.to_flat());
    let got = d_self.to_flat();
    for (a, n) in got.iter().zip(&numeric) {
        assert!(close(*a, *n, 1e-6), "{got:?} {numeric:?}");
    }
    // `vjp` scales by the seed, and adds into the shadow.
    let mut d_seeded = m.zeros_like();
    d_seeded.slope = 1.0;
    let seeded = m.loss_vjp(&mut d_seeded, &XS, &YS, 2.0);
    assert!(close(seeded, value, 1e-15));
    assert!(close(d_seeded.slope, 1.0 + 2.0 * got[0], 1e-12));
    assert!(close(d_seeded.intercept, 2.0 * got[1], 1e-12));
}

#[test]
fn a_model_method_forward_and_second_order_agree_with_reverse() {
    let m = Line { slope: 0.7, intercept: -0.3 };
    let v = Line { slope: 0.4, intercept: -1.2 };
    let mut g = m.zeros_like();
    m.loss_grad(&mut g, &XS, &YS);
    let (value, tangent) = m.loss_jvp(&v, &XS, &YS);
    assert!(close(value, m.loss(&XS, &YS), 1e-15));
    assert!(close(tangent, g.slope * v.slope + g.intercept * v.intercept, 1e-12));
    // H·v by central differences of the gradient.
    let h = 1e-5;
    let gradient_at = |t: f64| {
        let shifted = Line { slope: m.slope + t * v.slope, intercept: m.intercept + t * v.intercept };
        let mut d = shifted.zeros_like();
        shifted.loss_grad(&mut d, &XS, &YS);
        d.to_flat()
    };
    let (plus, minus) = (gradient_at(h), gradient_at(-h));
    let mut hv = m.zeros_like();
    let hvp_value = m.loss_hvp(&v, &mut hv, &XS, &YS);
    assert!(close(hvp_value, value, 1e-15));
    for (i, got) in hv.to_flat().iter().enumerate() {
        assert!(close(*got, (plus[i] - minus[i]) / (2.0 * h), 1e-6), "{i}: {got}");
    }
}

#[test]
fn a_method_with_self_and_a_float_returns_the_float_partial() {
    let m = Line { slope: 1.3, intercept: 0.4 };
    let scale = 0.8;
    let mut d_self = m.zeros_like();
    let (value, d_scale) = m.penalty_grad(&mut d_self, scale);
    assert!(close(value, m.penalty(scale), 1e-15));
    let numeric = numeric_gradient(|w| line(w).penalty(w[2]), &[m.slope, m.intercept, scale]);
    let got = [d_self.slope, d_self.intercept, d_scale];
    for (a, n) in got.iter().zip(&numeric) {
        assert!(close(*a, *n, 1e-6), "{got:?} {numeric:?}");
    }
    let v = Line { slope: -0.5, intercept: 0.9 };
    let v_scale = 0.3;
    let (_, tangent) = m.penalty_jvp(&v, scale, v_scale);
    let along = got[0] * v.slope + got[1] * v.intercept + got[2] * v_scale;
    assert!(close(tangent, along, 1e-12));
}

#[test]
fn a_constant_self_is_read_but_not_differentiated() {
    let spring = Spring { stiffness: 3.0, rest: 0.5 };
    let (value, dx, dy) = spring.energy_grad(1.25, -0.5);
    assert!(close(value, spring.energy(1.25, -0.5), 1e-15));
    // ∂x = k(x − r), ∂y = k(y − r).
    assert!(close(dx, 3.0 * 0.75, 1e-15));
    assert!(close(dy, -3.0, 1e-15));
    let (_, tangent) = spring.energy_jvp(1.25, 0.2, -0.5, -0.7);
    assert!(close(tangent, dx * 0.2 + dy * -0.7, 1e-12));
}
