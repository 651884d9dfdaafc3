//! An enum value made of constants chosen by a branch (`Pen::L1(-(0.5))`,
//! `Pen::L2(2.0 * LAMBDA)`, review 17): a constant of the enum's type,
//! with no derivative, matched later. Refused before, unless the payload
//! was a bare literal. One computed from a variable stays refused
//! (`tests/ui`), since the enum would carry its derivative away.

mod common;

use autodiff::prelude::*;
use common::close;

const LAMBDA: f64 = 0.3;

#[derive(Clone, Copy)]
enum Pen {
    L1(f64),
    L2(f64),
}

/// `-0.5·x²` for `x > 0`, else `0.6·x`.
#[grad(forward, reverse, hessian)]
fn penalty(x: f64) -> f64 {
    let pen = if x > 0.0 { Pen::L1(-(0.5)) } else { Pen::L2(2.0 * LAMBDA) };
    match pen {
        Pen::L1(a) => a * x * x,
        Pen::L2(b) => b * x,
    }
}

#[test]
fn enum_values_of_constants_in_every_mode() {
    for (x, slope, curvature) in [(0.8, -0.8, -1.0), (-0.8, 0.6, 0.0)] {
        assert!(close(penalty_grad(x).1, slope, 1e-12));
        assert!(close(penalty_jvp(x, 1.0).1, slope, 1e-12));
        assert!(close(penalty_hvp(x, 1.0).1, curvature, 1e-12));
    }
}
