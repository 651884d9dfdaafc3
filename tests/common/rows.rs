//! The harness of the corpus files whose rows are written with `case!`
//! and `array_case!` (`corpus_regressions.rs`, `corpus_collections.rs`):
//! each row is a function seen as a function of its differentiated
//! scalars, checked against central differences and by the dot-product test.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::{check_every_case, close, directions, dot_with_allowance, points_in, same};
use autodiff::numeric_gradient;

/// One function, seen as a function of its differentiated scalars.
pub struct Case {
    pub name: &'static str,
    pub domain: Vec<(f64, f64)>,
    pub f: fn(&[f64]) -> f64,
    pub grad: fn(&[f64]) -> (f64, Vec<f64>),
    pub vjp: fn(&[f64], f64) -> (f64, Vec<f64>),
    /// `NAME_jvp` along a direction: the value and `∇f · direction`.
    pub jvp: fn(&[f64], &[f64]) -> (f64, f64),
    pub valid: fn(&[f64]) -> bool,
}

thread_local! {
    /// The direction of the `NAME_jvp` call being checked.
    pub static DIRECTION: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The tangent of the `i`-th differentiated parameter: its coordinate of
/// the direction (`case!`'s jvp arguments write `along(i)` after that parameter).
pub fn along(i: usize) -> f64 {
    DIRECTION.with(|direction| direction.borrow()[i])
}

/// What an array row's shadow holds before the call.
pub const PRIOR: f64 = 0.25;

macro_rules! case {
    (
        $f:path, $g:path, $v:path, $j:path; ($($arg:expr),*) [$($jarg:expr),*]; $($p:ident in [$lo:expr, $hi:expr]),+
        $(; where $valid:expr)?
    ) => {
        $crate::common::rows::Case {
            name: stringify!($f),
            domain: vec![$(($lo, $hi)),+],
            f: |w: &[f64]| {
                let mut it = w.iter().copied();
                $(let $p: f64 = it.next().unwrap();)+
                $f($($arg),*)
            },
            grad: |w: &[f64]| {
                let mut it = w.iter().copied();
                $(let $p: f64 = it.next().unwrap();)+
                let (value, $($p),+) = $g($($arg),*);
                (value, vec![$($p),+])
            },
            vjp: |w: &[f64], seed: f64| {
                let mut it = w.iter().copied();
                $(let $p: f64 = it.next().unwrap();)+
                let (value, $($p),+) = $v($($arg,)* seed);
                (value, vec![$($p),+])
            },
            jvp: |w: &[f64], direction: &[f64]| {
                let mut it = w.iter().copied();
                $(let $p: f64 = it.next().unwrap();)+
                $crate::common::rows::DIRECTION.with(|d| *d.borrow_mut() = direction.to_vec());
                $j($($jarg),*)
            },
            valid: |w: &[f64]| {
                let mut it = w.iter().copied();
                $(let $p: f64 = it.next().unwrap();)+
                let _ = ($($p,)+);
                let conditions: &[bool] = &[$($valid)?];
                conditions.iter().all(|&holds| holds)
            },
        }
    };
}

/// A function of one `&[f64; N]`: `grad` and `vjp` add into a shadow
/// holding `PRIOR`, and the partials are what they added.
macro_rules! array_case {
    ($f:path, $g:path, $v:path, $j:path; $n:literal; in [$lo:expr, $hi:expr] $(; where |$x:ident| $valid:expr)?) => {
        $crate::common::rows::Case {
            name: stringify!($f),
            domain: vec![($lo, $hi); $n],
            f: |w: &[f64]| $f(&<[f64; $n]>::try_from(w).unwrap()),
            grad: |w: &[f64]| {
                let mut shadow = [$crate::common::rows::PRIOR; $n];
                let value = $g(&<[f64; $n]>::try_from(w).unwrap(), &mut shadow);
                (value, shadow.iter().map(|d| d - $crate::common::rows::PRIOR).collect())
            },
            vjp: |w: &[f64], seed: f64| {
                let mut shadow = [$crate::common::rows::PRIOR; $n];
                let value = $v(&<[f64; $n]>::try_from(w).unwrap(), &mut shadow, seed);
                (value, shadow.iter().map(|d| d - $crate::common::rows::PRIOR).collect())
            },
            jvp: |w: &[f64], direction: &[f64]| {
                $j(&<[f64; $n]>::try_from(w).unwrap(), &<[f64; $n]>::try_from(direction).unwrap())
            },
            valid: |w: &[f64]| {
                let _ = w;
                $(let $x = w;)?
                let conditions: &[bool] = &[$($valid)?];
                conditions.iter().all(|&holds| holds)
            },
        }
    };
}

/// The tolerances of `tests/corpus.rs`'s default: a central difference with
/// `h = 1e-6` is good to `1e-6` relative (with a floor of 1), and
/// `vjp(s)` agrees with `s·grad` to a few ulps.
const GRADIENT_TOL: f64 = 1e-6;
const VJP_TOL: f64 = 1e-12;

pub fn check(case: &Case, w: &[f64], seed: f64) -> Result<(), TestCaseError> {
    prop_assume!((case.valid)(w));
    let value = (case.f)(w);
    prop_assume!(value.is_finite());
    let (v, g) = (case.grad)(w);
    prop_assert!(same(v, value), "{} at {w:?}: grad's value {v} != f = {value}", case.name);
    prop_assert_eq!(g.len(), w.len(), "{}: one partial per differentiated scalar", case.name);
    let numeric = numeric_gradient(case.f, w);
    for (i, (&a, &n)) in g.iter().zip(&numeric).enumerate() {
        prop_assert!(
            close(a, n, GRADIENT_TOL),
            "{} at {w:?}: ∂{i} = {a}, numeric {n} (error {:e})",
            case.name,
            (a - n).abs()
        );
    }
    let (vv, gv) = (case.vjp)(w, seed);
    prop_assert!(same(vv, value), "{} at {w:?}: vjp's value {vv} != f = {value}", case.name);
    for (i, (&a, &b)) in gv.iter().zip(&g).enumerate() {
        prop_assert!(
            close(a, seed * b, VJP_TOL),
            "{} at {w:?}: vjp(s = {seed}) ∂{i} = {a}, s·grad = {}",
            case.name,
            seed * b
        );
    }
    Ok(())
}

/// The dot-product test: `s·(J·v) = v·(Jᵀ·s)`, `NAME_jvp` along `v` against
/// `NAME_vjp` with seed `s`, and `NAME_jvp`'s value is `f`'s.
pub fn check_transpose(case: &Case, w: &[f64], direction: &[f64], seed: f64) -> Result<(), TestCaseError> {
    prop_assume!((case.valid)(w));
    let value = (case.f)(w);
    prop_assume!(value.is_finite());
    let (jvp_value, tangent) = (case.jvp)(w, direction);
    prop_assert!(same(jvp_value, value), "{} at {w:?}: jvp's value {jvp_value} != f = {value}", case.name);
    let (_, adjoint) = (case.vjp)(w, seed);
    let forward = seed * tangent;
    let (reverse, allowed) = dot_with_allowance(direction, &adjoint, 1e-10);
    prop_assert!(
        (forward - reverse).abs() <= allowed,
        "{} at {w:?} along {direction:?}: s·(J·v) = {forward}, v·(Jᵀ·s) = {reverse}",
        case.name
    );
    Ok(())
}

/// Every row: `NAME_grad` matches central differences at 96 random points,
/// its value is the function's, and `NAME_vjp(.., s)` is `s × NAME_grad`.
/// `failed` names the rows in the panic message.
pub fn rows_match_numeric_gradient(failed: &str, cases: Vec<Case>) {
    check_every_case(
        failed,
        cases,
        |case| case.name,
        |case| (points_in(&case.domain), -4.0..4.0f64),
        |case, (w, seed)| check(case, &w, seed),
    );
}

/// Every row: `NAME_jvp` is the transpose of `NAME_vjp` at 96 random points
/// along random directions.
pub fn rows_jvp_is_the_transpose_of_vjp(failed: &str, cases: Vec<Case>) {
    check_every_case(
        failed,
        cases,
        |case| case.name,
        |case| (points_in(&case.domain), directions(case.domain.len()), -4.0..4.0f64),
        |case, (w, v, seed)| check_transpose(case, &w, &v, seed),
    );
}

/// `hvp(x, v)` against central differences of `grad` along `v`.
pub fn check_hvp(grad: impl Fn(&[f64]) -> Vec<f64>, hvp: impl Fn(&[f64], &[f64]) -> Vec<f64>, x: &[f64], v: &[f64]) {
    let h = 1e-5;
    let moved = |t: f64| -> Vec<f64> { x.iter().zip(v).map(|(x, v)| x + t * v).collect() };
    let (plus, minus) = (grad(&moved(h)), grad(&moved(-h)));
    let got = hvp(x, v);
    for i in 0..x.len() {
        let numeric = (plus[i] - minus[i]) / (2.0 * h);
        assert!(close(got[i], numeric, 1e-6), "(H·v){i} = {}, numeric {numeric} at {x:?} along {v:?}", got[i]);
    }
}
