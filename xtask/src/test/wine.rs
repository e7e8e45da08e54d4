//! The `wine` step: the integration tests of `tests/wine` (the portable driver loaded in Wine and
//! driven through rundownctl).

use anyhow::Result;

use super::Outcome;
use crate::apt;
use crate::build;
use crate::cmd::Cargo;

/// Installs Wine if missing, builds the images, and runs `cargo test -p rundown-wine-tests`
/// against them, two Wine hosts at a time.
pub fn run() -> Result<Outcome> {
    apt::ensure(&[&apt::WINE])?;
    build::run()?;
    let passed = Cargo::new(&["test", "--package", "rundown-wine-tests", "--", "--test-threads=2"])
        .env("RUNDOWN_SYS_DIR", build::output_dir())
        .run()?;
    Ok(if passed { Outcome::Passed } else { Outcome::Failed })
}
