//! A `const` passed by value to a `#[grad]` function, as simulation code
//! writes it (`step(s, DT)`, `scale(x, K)`): `#[grad]` cannot see its type
//! and took it for no float, so the first try failed to compile with a
//! request for a typed `let` (round 12 found it in most simulation
//! programs). A name in capitals is now taken for a float constant (or an
//! array of them) unless the body uses it as an integer; rustc checks the
//! guess (`tests/ui/const-taken-for-a-float.rs`). Each function is
//! checked in every mode it has against its closed form.

mod common;

use autodiff::prelude::*;
use common::close;

const K: f64 = 2.5;
const DT: f64 = 0.1;
const STEPS: usize = 4;
const COEFFS: [f64; 3] = [1.0, -2.0, 0.5];

mod physics {
    pub const G: f32 = 9.81;
}

#[grad(forward, reverse, hessian)]
fn scale(x: f64, k: f64) -> f64 {
    x * k
}

/// `K·x² + DT·x³`.
#[grad(forward, reverse, hessian)]
fn scaled(x: f64) -> f64 {
    scale(x * x, K) + scale(x * x * x, DT)
}

#[test]
fn a_float_const_passed_by_value_in_every_mode() {
    let x = 0.7;
    let slope = 2.0 * K * x + 3.0 * DT * x * x;
    let curvature = 2.0 * K + 6.0 * DT * x;
    assert!(close(scaled_grad(x).1, slope, 1e-12));
    assert!(close(scaled_jvp(x, 1.0).1, slope, 1e-12));
    assert!(close(scaled_hvp(x, 1.0).1, curvature, 1e-12));
}

/// One explicit Euler step of `x' = -x·v`, `v' = -x`.
#[grad(forward, reverse, hessian)]
fn step(s: [f64; 2], dt: f64) -> [f64; 2] {
    [s[0] - dt * s[0] * s[1], s[1] - dt * s[0]]
}

/// `STEPS` Euler steps of size `DT` from `(x, 1)`; the final `x`. The
/// integer `STEPS` bounds a range, so it stays an integer.
#[grad(forward, reverse, hessian)]
fn simulate(x: f64) -> f64 {
    let mut s = [x, 1.0];
    for _ in 0..STEPS {
        s = step(s, DT);
    }
    s[0]
}

/// `simulate` written out by hand, with its derivative along `(ẋ, v̇) = (1, 0)`.
fn simulate_by_hand(x: f64) -> (f64, f64) {
    let (mut s, mut ds) = ([x, 1.0], [1.0, 0.0]);
    for _ in 0..STEPS {
        let next = [s[0] - DT * s[0] * s[1], s[1] - DT * s[0]];
        ds = [ds[0] - DT * (ds[0] * s[1] + s[0] * ds[1]), ds[1] - DT * ds[0]];
        s = next;
    }
    (s[0], ds[0])
}

#[test]
fn a_step_size_passed_to_a_step_in_a_loop_in_every_mode() {
    let x = 0.8;
    let (value, slope) = simulate_by_hand(x);
    assert!(close(simulate(x), value, 1e-14));
    assert!(close(simulate_grad(x).1, slope, 1e-12));
    assert!(close(simulate_jvp(x, 1.0).1, slope, 1e-12));
    let h = 1e-5;
    let curvature = (simulate_by_hand(x + h).1 - simulate_by_hand(x - h).1) / (2.0 * h);
    assert!(close(simulate_hvp(x, 1.0).1, curvature, 1e-7));
}

#[grad(forward, reverse, hessian)]
fn horner(x: f64, c: [f64; 3]) -> f64 {
    c[0] + x * (c[1] + x * c[2])
}

/// A `const` array passed by value: its slots take the parameter's shape.
#[grad(forward, reverse, hessian)]
fn quadratic(x: f64) -> f64 {
    horner(x, COEFFS)
}

#[test]
fn a_const_array_passed_by_value_in_every_mode() {
    let x = 1.3;
    let slope = COEFFS[1] + 2.0 * COEFFS[2] * x;
    assert!(close(quadratic_grad(x).1, slope, 1e-12));
    assert!(close(quadratic_jvp(x, 1.0).1, slope, 1e-12));
    assert!(close(quadratic_hvp(x, 1.0).1, 2.0 * COEFFS[2], 1e-12));
}

#[grad(forward, reverse, hessian)]
fn fall(t: f32, g: f32) -> f32 {
    0.5 * g * t * t
}

/// A module's `f32` constant, by its path.
#[grad(forward, reverse, hessian)]
fn fallen(t: f32) -> f32 {
    fall(t, physics::G)
}

#[test]
fn a_modules_f32_const_in_every_mode() {
    let t = 1.5f32;
    assert!((fallen_grad(t).1 - physics::G * t).abs() < 1e-5);
    assert!((fallen_jvp(t, 1.0).1 - physics::G * t).abs() < 1e-5);
    assert!((fallen_hvp(t, 1.0).1 - physics::G).abs() < 1e-5);
}

struct Oscillator;

impl Oscillator {
    const STIFFNESS: f64 = 3.0;

    #[grad(forward, reverse, wrt(x))]
    fn energy(&self, x: f64, k: f64) -> f64 {
        0.5 * k * x * x
    }

    /// An associated constant, `Self::STIFFNESS`, passed to a method.
    #[grad(forward, reverse, wrt(x))]
    fn stored(&self, x: f64) -> f64 {
        self.energy(x, Self::STIFFNESS)
    }
}

#[test]
fn an_associated_const_passed_to_a_method() {
    let x = 0.4;
    assert!(close(Oscillator.stored_grad(x).1, Oscillator::STIFFNESS * x, 1e-12));
    assert!(close(Oscillator.stored_jvp(x, 1.0).1, Oscillator::STIFFNESS * x, 1e-12));
}

const DEGREE: i32 = 3;

#[grad(forward, reverse, hessian)]
fn power(x: f64, n: i32) -> f64 {
    x.powi(n)
}

/// An integer `const` used as one (`DEGREE - 1`) stays an integer.
#[grad(forward, reverse, hessian)]
fn cubic_and_square(x: f64) -> f64 {
    let lower = DEGREE - 1;
    power(x, DEGREE) + power(x, lower)
}

#[test]
fn an_integer_const_used_as_an_integer_stays_one() {
    let x = 1.1;
    let slope = 3.0 * x * x + 2.0 * x;
    assert!(close(cubic_and_square_grad(x).1, slope, 1e-12));
    assert!(close(cubic_and_square_jvp(x, 1.0).1, slope, 1e-12));
    assert!(close(cubic_and_square_hvp(x, 1.0).1, 6.0 * x + 2.0, 1e-12));
}

/// A backward step, `-DT`, is the constant negated (review 21, round 15:
/// it failed to compile, in every mode).
#[grad(forward, reverse, hessian)]
fn backward(x: f64) -> f64 {
    scale(x * x, -DT) + scale(x, -(K))
}

#[test]
fn a_negated_const_in_every_mode() {
    let x = 0.6;
    let slope = -2.0 * DT * x - K;
    assert!(close(backward_grad(x).1, slope, 1e-12));
    assert!(close(backward_jvp(x, 1.0).1, slope, 1e-12));
    assert!(close(backward_hvp(x, 1.0).1, -2.0 * DT, 1e-12));
}

#[grad(forward, reverse, hessian, wrt(x))]
fn repeated(x: f64, n: usize) -> f64 {
    let mut s = 0.0;
    for _ in 0..n {
        s += x * x;
    }
    s
}

/// Constants whose type is written in sight keep it (review 21: taken for
/// floats, they failed to compile): a `const` of the body, a const generic.
#[grad(forward, reverse, hessian)]
fn body_constants(x: f64) -> f64 {
    const TIMES: usize = 3;
    const HALF: f64 = 0.5;
    repeated(x, TIMES) + scale(x, HALF)
}

#[grad(reverse)]
fn first_repeated<const N: usize>(x: [f64; N]) -> f64 {
    repeated(x[0], N)
}

#[test]
fn constants_of_written_types_keep_them() {
    let x = 0.9;
    assert!(close(body_constants_grad(x).1, 6.0 * x + 0.5, 1e-12));
    assert!(close(body_constants_jvp(x, 1.0).1, 6.0 * x + 0.5, 1e-12));
    assert!(close(body_constants_hvp(x, 1.0).1, 6.0, 1e-12));
    assert!(close(first_repeated_grad([x, 2.0]).1[0], 4.0 * x, 1e-12));
}

#[derive(Clone, Copy)]
enum Axis {
    X,
    Y,
}

#[grad(forward, reverse, hessian, wrt(x))]
fn along(x: f64, axis: Axis) -> f64 {
    match axis {
        Axis::X => x * x,
        Axis::Y => x,
    }
}

/// A variant of one letter, `Axis::X`, is a variant, not a `const`
/// (review 21: taken for a float, it failed to compile).
#[grad(forward, reverse, hessian)]
fn along_x(x: f64) -> f64 {
    along(x, Axis::X) + along(x, Axis::Y)
}

#[test]
fn a_variant_of_one_letter_stays_a_variant() {
    let x = 0.3;
    assert!(close(along_x_grad(x).1, 2.0 * x + 1.0, 1e-12));
    assert!(close(along_x_jvp(x, 1.0).1, 2.0 * x + 1.0, 1e-12));
    assert!(close(along_x_hvp(x, 1.0).1, 2.0, 1e-12));
}
