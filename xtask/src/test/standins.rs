//! The `standins` step: the wdk stand-ins' own tests and lints.

use anyhow::Result;

use super::Outcome;
use crate::apt;
use crate::cmd::Cargo;

/// `cargo test` and `cargo clippy` on `standins/` (its own workspace). The layout test compiles a
/// C file of static assertions with mingw-w64, installed first if missing.
pub fn run() -> Result<Outcome> {
    apt::ensure(&[&apt::MINGW])?;
    let manifest = "standins/Cargo.toml";
    let target = crate::cmd::target_dir().join("standins");
    let target = target.to_string_lossy();
    let tests = Cargo::new(&["test", "--manifest-path", manifest, "--target-dir", &target]).run()?;
    let lints = Cargo::new(&[
        "clippy",
        "--manifest-path",
        manifest,
        "--target-dir",
        &target,
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])
    .run()?;
    Ok(if tests && lints { Outcome::Passed } else { Outcome::Failed })
}
