//! Slices of `bool` flags iterated beside the floats they mark (censoring
//! flags of survival data, masks), as user round 13 wrote them: refused
//! before, while slices of integers were iterated. Each flag is a
//! constant copy, `*m` of `for m in mask.iter()` the flag itself. Checked
//! against closed forms in every mode.

mod common;

use autodiff::prelude::*;
use common::close;

/// The Weibull log-likelihood of right-censored times: an event adds
/// `ln k − ln λ + (k − 1) ln(t/λ)`, every time subtracts `(t/λ)ᵏ`.
#[grad(forward, reverse, hessian, graph, wrt(k, lam))]
fn weibull_loglik(k: f64, lam: f64, times: &[f64], events: &[bool]) -> f64 {
    let mut ll = 0.0;
    for (&t, &e) in times.iter().zip(events) {
        let z = t / lam;
        if e {
            ll += k.ln() - lam.ln() + (k - 1.0) * z.ln();
        }
        ll -= z.powf(k);
    }
    ll
}

/// `Σ_{masked} xᵢ² + (number unmasked)`.
#[grad(forward, reverse, hessian, wrt(x))]
fn masked(x: &[f64], mask: &[bool]) -> f64 {
    let mut s = 0.0;
    for (i, m) in mask.iter().enumerate() {
        if *m {
            s += x[i] * x[i];
        }
    }
    for &m in mask {
        if !m {
            s += 1.0;
        }
    }
    s
}

/// The mean of the squares the mask keeps, over `count()` of the mask
/// (round 14: `count` was refused), plus the number of items (counted as
/// `iter().count()` on purpose).
#[allow(clippy::iter_count)]
#[grad(forward, reverse, hessian, graph, wrt(x))]
fn masked_mean(x: &[f64], mask: &[bool]) -> f64 {
    let kept = mask.iter().filter(|&&m| m).count();
    let mut s = 0.0;
    for (v, &m) in x.iter().zip(mask) {
        if m {
            s += v * v;
        }
    }
    s / kept as f64 + x.iter().count() as f64
}

/// A user's own `count` method is no iterator's (review 20: it was taken
/// for one and refused).
struct Pool {
    size: usize,
}

impl Pool {
    fn count(&self) -> usize {
        self.size
    }
}

#[grad(forward, reverse, wrt(x))]
fn per_member(x: f64, pool: &Pool) -> f64 {
    x * x / pool.count() as f64
}

#[test]
fn a_count_method_of_the_users() {
    let pool = Pool { size: 4 };
    assert!(close(per_member_grad(3.0, &pool).1, 1.5, 1e-12));
    assert!(close(per_member_jvp(3.0, 1.0, &pool).1, 1.5, 1e-12));
}

#[test]
fn a_count_of_flags_in_every_mode() {
    let x = [0.5, -1.5, 2.0, 0.25];
    let mask = [true, false, true, true];
    let mut d_x = [0.0; 4];
    let value = masked_mean_grad(&x, &mut d_x, &mask);
    assert!(close(value, (0.25 + 4.0 + 0.0625) / 3.0 + 4.0, 1e-12));
    let want = [2.0 * 0.5 / 3.0, 0.0, 2.0 * 2.0 / 3.0, 2.0 * 0.25 / 3.0];
    for i in 0..4 {
        assert!(close(d_x[i], want[i], 1e-12));
    }
    assert!(close(masked_mean_jvp(&x, &[1.0; 4], &mask).1, want.iter().sum(), 1e-12));
    let mut hv = [0.0; 4];
    masked_mean_hvp(&x, &[1.0; 4], &mut hv, &mask);
    assert!(close(hv[0], 2.0 / 3.0, 1e-12) && close(hv[1], 0.0, 1e-12));
    let g = masked_mean_graph(&x, &mask);
    let node = g.node(common::graph::node(&g, "x"));
    let adjoint = node.adjoint().and_then(autodiff::Value::as_array).expect("an adjoint of `x`");
    assert!(close(adjoint[2], want[2], 1e-12));
}

#[test]
fn a_censored_likelihood_in_every_mode() {
    let times = [0.7, 1.9, 2.4, 0.3];
    let events = [true, false, true, true];
    let (k, lam) = (1.6, 1.4);
    // ∂/∂k: Σ_events (1/k + ln z) − Σ zᵏ ln z; ∂/∂λ: Σ_events (−k/λ) + Σ k zᵏ/λ.
    let mut dk = 0.0;
    let mut dlam = 0.0;
    for (&t, &e) in times.iter().zip(&events) {
        let z: f64 = t / lam;
        if e {
            dk += 1.0 / k + z.ln();
            dlam -= k / lam;
        }
        dk -= z.powf(k) * z.ln();
        dlam += k * z.powf(k) / lam;
    }
    let (_, gk, glam) = weibull_loglik_grad(k, lam, &times, &events);
    assert!(close(gk, dk, 1e-12) && close(glam, dlam, 1e-12), "{gk} {dk} {glam} {dlam}");
    let (_, tangent) = weibull_loglik_jvp(k, 1.0, lam, -2.0, &times, &events);
    assert!(close(tangent, dk - 2.0 * dlam, 1e-12));
    // H·v against central differences of the gradient along v = (1, −2).
    let h = 1e-5;
    let (_, kp, lp) = weibull_loglik_grad(k + h, lam - 2.0 * h, &times, &events);
    let (_, km, lm) = weibull_loglik_grad(k - h, lam + 2.0 * h, &times, &events);
    let (_, hk, hlam) = weibull_loglik_hvp(k, 1.0, lam, -2.0, &times, &events);
    assert!(close(hk, (kp - km) / (2.0 * h), 1e-6) && close(hlam, (lp - lm) / (2.0 * h), 1e-6));
    let g = weibull_loglik_graph(k, lam, &times, &events);
    assert!(close(common::graph::adjoint(&g, "k"), dk, 1e-12));
}

#[test]
fn a_mask_in_every_mode() {
    let x = [0.5, -1.5, 2.0];
    let mask = [true, false, true];
    let mut d_x = [0.0; 3];
    let value = masked_grad(&x, &mut d_x, &mask);
    assert_eq!(value, 0.25 + 4.0 + 1.0);
    assert_eq!(d_x, [1.0, 0.0, 4.0]);
    let (_, tangent) = masked_jvp(&x, &[1.0, 1.0, 1.0], &mask);
    assert_eq!(tangent, 5.0);
    let mut hv = [0.0; 3];
    masked_hvp(&x, &[1.0, 1.0, 1.0], &mut hv, &mask);
    assert_eq!(hv, [2.0, 0.0, 2.0]);
}
