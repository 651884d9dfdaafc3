//! Helpers shared by the test files of `tests/`: each one says `mod common;`
//! and uses what it needs.
//!
//! - the comparisons and the kink margin of the property tests, and their
//!   runner ([`check_every_case`]);
//! - [`alloc`]: a counting global allocator, for the tests that count heap
//!   allocations;
//! - [`rows`]: the `case!` / `array_case!` rows of `corpus_regressions.rs`
//!   and `corpus_collections.rs`, and their checks;
//! - [`graph`]: finding nodes, values, adjoints and partials of a `Graph`
//!   by label, and the checks of the lesson's `J = 3(a + bc)` graph.
//!
//! The training tests' network and data set are in `support/training_net.rs`.

// Every test file is its own crate and uses only some of these helpers.
#![allow(dead_code, unused_macros)]

pub mod alloc;
pub mod graph;
#[macro_use]
pub mod rows;

use std::fmt::Debug;
use std::ops::Range;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// `|a − b| ≤ tol · max(1, |b|)`: relative to the expected `b`, with an
/// absolute floor for values near zero.
pub fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

/// Same bits, or both NaN.
pub fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// A margin around kinks and branch boundaries: 1000 finite-difference
/// steps, so `x ± h` never crosses one.
pub const M: f64 = 1e-3;

/// The dot product `v·g` (the reverse side of a dot-product test,
/// `v·(Jᵀ·ā)`) and how far another sum of the same products may lie from
/// it: `tol · Σ|vᵢgᵢ|`, with a floor of `tol`, since both sums round each
/// product once.
pub fn dot_with_allowance(v: &[f64], g: &[f64], tol: f64) -> (f64, f64) {
    let terms: Vec<f64> = v.iter().zip(g).map(|(v, g)| v * g).collect();
    let scale = terms.iter().map(|term| term.abs()).sum::<f64>().max(1.0);
    (terms.iter().sum(), tol * scale)
}

/// Points drawn uniformly from a box: one interval `[lo, hi)` per scalar.
pub fn points_in(domain: &[(f64, f64)]) -> Vec<Range<f64>> {
    domain.iter().map(|&(lo, hi)| lo..hi).collect()
}

/// Directions of `len` scalars, each in `[-1, 1)`.
pub fn directions(len: usize) -> Vec<Range<f64>> {
    vec![-1.0..1.0; len]
}

/// Runs `property` at 96 random draws of `strategy(case)` for every case,
/// and panics listing every case that failed (`failed` names them, e.g.
/// "corpus function(s)"). All cases run, so one bug does not hide another.
pub fn check_every_case<C, S>(
    failed: &str,
    cases: impl IntoIterator<Item = C>,
    name: impl Fn(&C) -> &'static str,
    strategy: impl Fn(&C) -> S,
    property: impl Fn(&C, S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: Debug,
{
    let mut failures = Vec::new();
    for case in cases {
        let config = Config { cases: 96, failure_persistence: None, max_global_rejects: 4096, ..Config::default() };
        let mut runner = TestRunner::new(config);
        if let Err(error) = runner.run(&strategy(&case), |value| property(&case, value)) {
            failures.push(format!("{}: {error}", name(&case)));
        }
    }
    assert!(failures.is_empty(), "{} {failed} failed:\n{}", failures.len(), failures.join("\n"));
}
