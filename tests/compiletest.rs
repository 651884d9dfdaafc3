//! ui tests: what `#[grad]` rejects, and how. Each `tests/ui/*.rs` must fail
//! to compile with exactly the diagnostics of its `.stderr`: one error per
//! offending construct, its caret on that construct, a message that names
//! it and the way out. Regenerate with
//! `TRYBUILD=overwrite cargo test --test compiletest` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
