//! `match`, `if let` and `let .. else` with bindings on a reference
//! (`act: &Act`, `&self`, `scale: &Option<f64>`, an element of `&[Act]`),
//! as Rust code matches them: the names are bound to references into the
//! value, used as numbers (`s * x`) or dereferenced (`*k`). `#[grad]`
//! holds a copy of each; a payload it cannot copy (a `Vec`) is refused
//! with the fix (`tests/ui/match-reference-to-a-vec.rs`). Each function is
//! checked against its closed form in every mode it has.

#![deny(warnings)]
// An index loop over the slice is among the forms under test.
#![allow(clippy::needless_range_loop)]

mod common;

use autodiff::prelude::*;
use common::close;

#[derive(Clone, Copy)]
enum Act {
    Relu,
    Leaky(f64),
    Pow(i32),
    Band { lo: f64, hi: f64 },
}

impl Act {
    /// `match self` on `&self`.
    #[grad(forward, reverse, hessian, wrt(x))]
    fn apply(&self, x: f64) -> f64 {
        match self {
            Act::Relu => x.max(0.0),
            Act::Leaky(a) => x.max(a * x),
            Act::Pow(k) => x.powi(*k),
            Act::Band { lo, hi } => x.clamp(*lo, *hi) * hi,
        }
    }
}

/// Bound names used as numbers and dereferenced, both as Rust allows.
#[grad(forward, reverse, hessian, graph, wrt(x))]
fn activate(act: &Act, x: f64) -> f64 {
    match act {
        Act::Relu => x.max(0.0),
        Act::Leaky(a) => {
            if x > 0.0 {
                x
            } else {
                a * x
            }
        }
        Act::Pow(k) => x.powi(*k),
        Act::Band { lo, hi } => x.clamp(*lo, *hi) * hi,
    }
}

/// Or-patterns of `&` patterns bind the values themselves too (review 18:
/// E0308 in the generated code).
#[grad(forward, reverse, hessian, wrt(x))]
fn or_of_reference_patterns(act: &Act, x: f64) -> f64 {
    match act {
        &Act::Leaky(a) | &Act::Band { lo: a, .. } => a * x * x,
        _ => x,
    }
}

/// `match *act`, a copy of the enum (review 18: its graph failed to
/// compile, drawing the copy as a model).
#[grad(forward, reverse, hessian, graph, wrt(x))]
fn match_on_a_copy(act: &Act, x: f64) -> f64 {
    match *act {
        Act::Leaky(a) => a * x * x,
        _ => x,
    }
}

/// A bound name copied by `let` (`let c = *a;`, `let j: i32 = *k;`, review
/// 19: E0614), and passed on to a `#[grad]` call through a typed `let`
/// (round 14: passed bare, its type unseen, it gets rustc's request for
/// one, `tests/ui/payload-passed-to-a-call.rs`).
#[grad(forward, reverse, hessian, wrt(x))]
fn copied_by_let(act: &Act, x: f64) -> f64 {
    match act {
        Act::Leaky(a) => {
            let c = *a;
            let slope: f64 = *a;
            scaled(x * x, slope) * c
        }
        Act::Pow(k) => {
            let j: i32 = *k;
            x.powi(j)
        }
        _ => x,
    }
}

#[grad(forward, reverse, hessian)]
fn scaled(v: f64, k: f64) -> f64 {
    v * k
}

/// The explicit `&` pattern binds the value itself.
#[grad(forward, reverse, hessian, wrt(x))]
fn explicit_reference_pattern(act: &Act, x: f64) -> f64 {
    match act {
        &Act::Leaky(a) => a * x * x,
        _ => x,
    }
}

#[grad(forward, reverse, hessian, wrt(x))]
fn if_let_on_a_reference(scale: &Option<f64>, x: f64) -> f64 {
    if let Some(s) = scale {
        s * x.sin()
    } else {
        x
    }
}

#[grad(forward, reverse, hessian, wrt(x))]
fn let_else_on_a_reference(scale: &Option<f64>, x: f64) -> f64 {
    let Some(s) = scale else { return x };
    x * x * *s
}

/// Each element of a slice of enums, by iterator and by index.
#[grad(forward, reverse, hessian, graph, wrt(x))]
fn layer(acts: &[Act], x: f64) -> f64 {
    let mut total = 0.0;
    for act in acts {
        total += match act {
            Act::Leaky(a) => a * x,
            Act::Pow(k) => x.powi(*k),
            _ => x,
        };
    }
    for i in 0..acts.len() {
        total += acts[i].apply(x);
    }
    total
}

/// `activate'(x)` and `activate''(x)`, from the math.
fn activate_derivatives(act: Act, x: f64) -> (f64, f64) {
    match act {
        Act::Relu => (if x > 0.0 { 1.0 } else { 0.0 }, 0.0),
        Act::Leaky(a) => (if x > 0.0 { 1.0 } else { a }, 0.0),
        Act::Pow(k) => (k as f64 * x.powi(k - 1), (k * (k - 1)) as f64 * x.powi(k - 2)),
        Act::Band { lo, hi } => (if lo < x && x < hi { hi } else { 0.0 }, 0.0),
    }
}

const ACTS: [Act; 5] =
    [Act::Relu, Act::Leaky(0.1), Act::Pow(3), Act::Band { lo: -1.0, hi: 2.0 }, Act::Band { lo: -0.5, hi: 0.5 }];

#[test]
fn a_match_on_a_reference_binds_copies_in_every_mode() {
    for act in ACTS {
        for x in [-0.7, 1.3] {
            let (d, d2) = activate_derivatives(act, x);
            assert!(close(activate_grad(&act, x).1, d, 1e-12));
            assert!(close(activate_jvp(&act, x, 0.5).1, 0.5 * d, 1e-12));
            assert!(close(activate_hvp(&act, x, 0.5).1, 0.5 * d2, 1e-12));
            let graph = activate_graph(&act, x);
            let adjoint = common::graph::adjoint(&graph, "x");
            assert!(close(adjoint, d, 1e-12));
            assert!(close(act.apply_grad(x).1, d, 1e-12));
            assert!(close(act.apply_jvp(x, 2.0).1, 2.0 * d, 1e-12));
            assert!(close(act.apply_hvp(x, 1.0).1, d2, 1e-12));
        }
    }
}

#[test]
fn an_explicit_reference_pattern_binds_the_value() {
    let x = 0.8;
    assert!(close(explicit_reference_pattern_grad(&Act::Leaky(1.5), x).1, 3.0 * x, 1e-12));
    assert!(close(explicit_reference_pattern_jvp(&Act::Leaky(1.5), x, 1.0).1, 3.0 * x, 1e-12));
    assert!(close(explicit_reference_pattern_hvp(&Act::Leaky(1.5), x, 1.0).1, 3.0, 1e-12));
    assert!(close(explicit_reference_pattern_grad(&Act::Relu, x).1, 1.0, 1e-12));
    assert!(close(match_on_a_copy_grad(&Act::Leaky(1.5), x).1, 3.0 * x, 1e-12));
    assert!(close(match_on_a_copy_hvp(&Act::Leaky(1.5), x, 1.0).1, 3.0, 1e-12));
    assert!(close(common::graph::adjoint(&match_on_a_copy_graph(&Act::Leaky(1.5), x), "x"), 3.0 * x, 1e-12));
    // a²·x² and its derivatives; x³.
    assert!(close(copied_by_let_grad(&Act::Leaky(1.5), x).1, 2.0 * 2.25 * x, 1e-12));
    assert!(close(copied_by_let_jvp(&Act::Leaky(1.5), x, 1.0).1, 2.0 * 2.25 * x, 1e-12));
    assert!(close(copied_by_let_hvp(&Act::Leaky(1.5), x, 1.0).1, 2.0 * 2.25, 1e-12));
    assert!(close(copied_by_let_grad(&Act::Pow(3), x).1, 3.0 * x * x, 1e-12));
    let band = Act::Band { lo: 1.5, hi: 4.0 };
    assert!(close(or_of_reference_patterns_grad(&band, x).1, 3.0 * x, 1e-12));
    assert!(close(or_of_reference_patterns_jvp(&Act::Leaky(1.5), x, 1.0).1, 3.0 * x, 1e-12));
    assert!(close(or_of_reference_patterns_hvp(&band, x, 1.0).1, 3.0, 1e-12));
}

#[test]
fn if_let_and_let_else_on_a_reference() {
    let x: f64 = 0.6;
    assert!(close(if_let_on_a_reference_grad(&Some(2.5), x).1, 2.5 * x.cos(), 1e-12));
    assert!(close(if_let_on_a_reference_jvp(&Some(2.5), x, 1.0).1, 2.5 * x.cos(), 1e-12));
    assert!(close(if_let_on_a_reference_hvp(&Some(2.5), x, 1.0).1, -2.5 * x.sin(), 1e-12));
    assert!(close(if_let_on_a_reference_grad(&None, x).1, 1.0, 1e-12));
    assert!(close(let_else_on_a_reference_grad(&Some(3.0), x).1, 6.0 * x, 1e-12));
    assert!(close(let_else_on_a_reference_jvp(&Some(3.0), x, 1.0).1, 6.0 * x, 1e-12));
    assert!(close(let_else_on_a_reference_hvp(&Some(3.0), x, 1.0).1, 6.0, 1e-12));
    assert!(close(let_else_on_a_reference_grad(&None, x).1, 1.0, 1e-12));
}

#[test]
fn elements_of_a_slice_of_enums_are_matched_by_reference() {
    for x in [-0.7_f64, 1.3] {
        // The first loop: `Leaky`'s slope, `Pow`'s power rule, 1 for the rest.
        let first: f64 = ACTS
            .iter()
            .map(|act| match *act {
                Act::Leaky(a) => a,
                Act::Pow(k) => k as f64 * x.powi(k - 1),
                _ => 1.0,
            })
            .sum();
        let second: f64 = ACTS.iter().map(|act| activate_derivatives(*act, x).0).sum();
        let curvature: f64 = ACTS.iter().map(|act| activate_derivatives(*act, x).1).sum::<f64>() + 6.0 * x;
        assert!(close(layer_grad(&ACTS, x).1, first + second, 1e-12));
        assert!(close(layer_jvp(&ACTS, x, 1.0).1, first + second, 1e-12));
        assert!(close(layer_hvp(&ACTS, x, 1.0).1, curvature, 1e-12));
        let graph = layer_graph(&ACTS, x);
        let adjoint = common::graph::adjoint(&graph, "x");
        assert!(close(adjoint, first + second, 1e-12));
    }
}
