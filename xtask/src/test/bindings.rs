//! The `bindings` step: the wdk-build stand-in's tests, and wdk-sys's generated bindings checked
//! against mingw-w64's DDK headers.

use anyhow::Result;

use super::Outcome;
use crate::apt;
use crate::build;
use crate::cmd::{Cargo, target_dir, workspace_root};

/// `cargo test` and `cargo clippy` on `standins/` (the wdk-build stand-in, its own workspace),
/// then `cargo test` and `cargo clippy` on `wdk-sys-bindings/layout/` with the wdk crates patched
/// in as for the driver build: the layout test there compiles the bindings' layouts and
/// constants as C static assertions against mingw-w64's headers. mingw-w64 and libclang are
/// installed first if missing.
pub fn run() -> Result<Outcome> {
    apt::ensure(&[&apt::MINGW, &apt::LIBCLANG])?;
    let stand_in = lint_and_test(&["--manifest-path", "standins/Cargo.toml"], "standins", None)?;
    let patches = build::wdk_patches()?;
    let layout =
        lint_and_test(&["--manifest-path", "wdk-sys-bindings/layout/Cargo.toml"], "wdk-sys-layout", Some(&patches))?;
    Ok(if stand_in && layout { Outcome::Passed } else { Outcome::Failed })
}

/// `cargo test` then `cargo clippy --all-targets -D warnings` on one manifest, in
/// `<target>/<dir>`; with `patches`, the wdk crates are patched in and the patched resolve is
/// kept in `<target>/<dir>/Cargo.lock`, first copied from the committed one (`-Zlockfile-path`,
/// hence `RUSTC_BOOTSTRAP=1`).
fn lint_and_test(manifest: &[&str], dir: &str, patches: Option<&build::WdkPatches>) -> Result<bool> {
    let target = target_dir().join(dir);
    let command = |verb: &[&str]| -> Result<Cargo> {
        let mut cargo = Cargo::new(verb).args(manifest).arg("--target-dir").arg(&target);
        if let Some(patches) = patches {
            std::fs::create_dir_all(&target)?;
            let lockfile = target.join("Cargo.lock");
            if !lockfile.exists() {
                std::fs::copy(workspace_root().join("Cargo.lock"), &lockfile)?;
            }
            for arg in &patches.args {
                cargo = cargo.arg(arg);
            }
            cargo = cargo
                .args(&["-Zlockfile-path", "--config"])
                .arg(format!("resolver.lockfile-path={:?}", lockfile.display().to_string()))
                .env("RUSTC_BOOTSTRAP", "1");
        }
        Ok(cargo)
    };
    let tests = command(&["test"])?.run()?;
    let lints = command(&["clippy"])?.args(&["--all-targets", "--", "-D", "warnings"]).run()?;
    Ok(tests && lints)
}
