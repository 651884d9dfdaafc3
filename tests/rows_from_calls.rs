//! A row of a local array of arrays assigned from a call whose result is
//! not typed (`k[st] = f(y, a);`, or `let ks = f(y, a); k[st] = ks;`): the
//! stages of an explicit Runge–Kutta step kept in a table, as user round
//! 13 wrote them. The macro refused both, asking for the type of a
//! temporary the user never wrote; a row stored into a row has that row's
//! type, so the value is an array. Checked against closed forms in every
//! mode.

// The stages are indexed, as a Butcher table's are.
#![allow(clippy::needless_range_loop)]

mod common;

use autodiff::prelude::*;
use common::close;

/// The pendulum-like field `[v, −a·p]` of `y = [p, v]`.
#[grad(forward, reverse, hessian, graph)]
fn field(y: [f64; 2], a: f64) -> [f64; 2] {
    [y[1], -a * y[0]]
}

/// Both stages are `field([x, 1], a) = [1, −a·x]`: `k[0][0] + k[1][1] = 1 − a·x`.
#[grad(forward, reverse, hessian, graph)]
fn stages_through_a_local(x: f64, a: f64) -> f64 {
    let mut k = [[0.0; 2]; 2];
    for st in 0..2 {
        let ks = field([x, 1.0], a);
        k[st] = ks;
    }
    k[0][0] + k[1][1]
}

/// Stage `st` is `field([st·x, 1], a) = [1, −a·st·x]`: `k[0][0] + k[1][1]·k[1][0] = 1 − a·x`.
#[grad(forward, reverse, hessian, graph)]
fn stages_in_place(x: f64, a: f64) -> f64 {
    let mut k = [[0.0; 2]; 2];
    for st in 0..2 {
        k[st] = field([x * st as f64, 1.0], a);
    }
    k[0][0] + k[1][1] * k[1][0]
}

/// One explicit Euler step of `y' = field(y)` taken with the stage table of
/// RK2 (Heun): `y + h/2 · (k₀ + k₁)`, `k₁ = field(y + h·k₀)`. Its first
/// component is `p + h·v − h²·a·p/2`.
#[grad(forward, reverse, hessian)]
fn heun_position(p: f64, v: f64, a: f64, h: f64) -> f64 {
    let mut k = [[0.0; 2]; 2];
    k[0] = field([p, v], a);
    k[1] = field([p + h * k[0][0], v + h * k[0][1]], a);
    p + 0.5 * h * (k[0][0] + k[1][0])
}

type Stages = (fn(f64, f64) -> (f64, f64, f64), fn(f64, f64, f64, f64) -> (f64, f64));

#[test]
fn stages_assigned_from_calls_in_every_mode() {
    let (x, a) = (0.7, 1.9);
    let cases: [(&str, Stages); 2] = [
        ("through a local", (stages_through_a_local_grad, stages_through_a_local_jvp)),
        ("in place", (stages_in_place_grad, stages_in_place_jvp)),
    ];
    for (name, (grad, jvp)) in cases {
        let (value, dx, da) = grad(x, a);
        assert!(close(value, 1.0 - a * x, 1e-12), "{name}");
        assert!(close(dx, -a, 1e-12) && close(da, -x, 1e-12), "{name}: {dx} {da}");
        // Along (1, 2): −a − 2x.
        assert!(close(jvp(x, 1.0, a, 2.0).1, -a - 2.0 * x, 1e-12), "{name}");
    }
    // H = [[0, −1], [−1, 0]]: H·(1, 2) = (−2, −1).
    let (_, hx, ha) = stages_through_a_local_hvp(x, 1.0, a, 2.0);
    assert!(close(hx, -2.0, 1e-12) && close(ha, -1.0, 1e-12));
    let (_, hx, ha) = stages_in_place_hvp(x, 1.0, a, 2.0);
    assert!(close(hx, -2.0, 1e-12) && close(ha, -1.0, 1e-12));
    let g = stages_in_place_graph(x, a);
    assert!(close(common::graph::adjoint(&g, "x"), -a, 1e-12));
    let g = stages_through_a_local_graph(x, a);
    assert!(close(common::graph::adjoint(&g, "a"), -x, 1e-12));
}

#[test]
fn a_heun_step_from_its_stage_table() {
    let (p, v, a, h) = (0.4, -1.1, 2.5, 0.1);
    let (value, dp, dv, da, dh) = heun_position_grad(p, v, a, h);
    assert!(close(value, p + h * v - h * h * a * p / 2.0, 1e-12));
    assert!(close(dp, 1.0 - h * h * a / 2.0, 1e-12));
    assert!(close(dv, h, 1e-12));
    assert!(close(da, -h * h * p / 2.0, 1e-12));
    assert!(close(dh, v - h * a * p, 1e-12));
    let (_, tangent) = heun_position_jvp(p, 1.0, v, 0.0, a, 0.0, h, 0.0);
    assert!(close(tangent, dp, 1e-12));
    // ∂²/∂a∂p = −h²/2.
    let (_, hp, _, ha, _) = heun_position_hvp(p, 0.0, v, 0.0, a, 1.0, h, 0.0);
    assert!(close(hp, -h * h / 2.0, 1e-12) && close(ha, 0.0, 1e-12));
}
