//! Inputs for testing the `#[grad]` macro: functions generated from a
//! grammar of the supported subset (`grammar`), and the project's own
//! `#[grad]` functions, read from its sources and mutated (`mutate`).
//!
//! The fuzzer that feeds them to the expansion lives in
//! `autodiff-macros/src/fuzz.rs` (it calls the expansion directly); the
//! differential checker is `tests/differential.rs` here. TESTING.md at the
//! root says how to run both.

pub mod corpus;
pub mod grammar;
pub mod mutate;
