//! The `kernel` step: the crate builds for the Windows kernel target with both providers.
//!
//! Only Debian's `rustc-web` has a standard library source that `-Zbuild-std` can compile for
//! `x86_64-pc-windows-msvc` here (field notes, section 2), so the step installs it with apt-get
//! when it is missing.

use std::process::Command;

use anyhow::{Context, Result};

use super::Outcome;
use crate::cmd::{target_dir, workspace_root};

/// Debian's rustc-web toolchain, beside rustup's.
use crate::build::{DEBIAN_CARGO, DEBIAN_RUSTC};

/// Builds `rundown-abi`, and `rundown` (codegen included, so the `CR8` assembly is checked) with `--features kernel` (portable model, KEVENT waits) and
/// `--features ntoskrnl` (NtosKrnl's routines) for `x86_64-pc-windows-msvc`.
pub fn run() -> Result<Outcome> {
    crate::apt::ensure(&[&crate::apt::RUSTC_WEB])?;
    let builds: [&[&str]; 3] = [
        &["-p", "rundown", "--no-default-features", "--features", "kernel"],
        &["-p", "rundown", "--no-default-features", "--features", "ntoskrnl"],
        &["-p", "rundown-abi"],
    ];
    let mut all_passed = true;
    for package in builds {
        let mut command = Command::new(DEBIAN_CARGO);
        command
            .current_dir(workspace_root())
            .arg("build")
            .args(package)
            .args(["--target", "x86_64-pc-windows-msvc", "-Zbuild-std=core,alloc", "--target-dir"])
            .arg(target_dir().join("kernel"))
            .env("RUSTC", DEBIAN_RUSTC)
            .env("RUSTC_BOOTSTRAP", "1")
            .env_remove("RUSTFLAGS");
        println!(
            "$ RUSTC={DEBIAN_RUSTC} RUSTC_BOOTSTRAP=1 {DEBIAN_CARGO} build {} --target x86_64-pc-windows-msvc -Zbuild-std=core,alloc",
            package.join(" ")
        );
        all_passed &= command.status().context("could not start Debian's cargo")?.success();
    }
    Ok(if all_passed { Outcome::Passed } else { Outcome::Failed })
}
