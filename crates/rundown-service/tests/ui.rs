//! Compile-fail tests: the service's IRQL rules that its types enforce, broken on purpose, each
//! beside a passing twin in `tests/ui/pass/` (see `crates/rundown/tests/ui.rs` for the scheme).

// trybuild builds the cases without the caller's RUSTFLAGS, so under `--cfg loom` this would
// only repeat the host run.
#![cfg(not(loom))]

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
