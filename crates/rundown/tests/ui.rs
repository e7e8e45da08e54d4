//! Compile-fail tests: each documented run-down rule that the types enforce, broken on purpose.
//!
//! Every file in `tests/ui/` misuses the API in one way and must fail to compile with the error
//! recorded next to it in a `.stderr` file; every file in `tests/ui/pass/` with the same name is
//! the correct version of that code and must compile and run, so each failure is the rule's doing
//! and not a typo. Each file opens with the rule and the sentence it enforces.
//!
//! The `.stderr` files are rustc's exact output, so a new toolchain may reword them: regenerate
//! with `TRYBUILD=overwrite` and reread every one before accepting it.

// trybuild builds the cases without the caller's RUSTFLAGS, so under `--cfg loom` this would
// only repeat the host run.
#![cfg(not(loom))]

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
