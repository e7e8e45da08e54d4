//! The `kernel` step: the crate builds for the Windows kernel target with both providers.
//!
//! Only Debian's `rustc-web` has a standard library source that `-Zbuild-std` can compile for
//! `x86_64-pc-windows-msvc` here (field notes, section 2), so the step installs it with apt-get
//! when it is missing.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

use super::Outcome;
use crate::cmd::{target_dir, workspace_root};

/// Debian's rustc-web toolchain, beside rustup's.
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const PACKAGES: [&str; 3] = ["rustc-web", "cargo-web", "rust-web-src"];

/// Builds `rundown-abi`, and `rundown` (codegen included, so the `CR8` assembly is checked) with `--features kernel` (portable model, KEVENT waits) and
/// `--features ntoskrnl` (NtosKrnl's routines) for `x86_64-pc-windows-msvc`.
pub fn run() -> Result<Outcome> {
    ensure_debian_toolchain()?;
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

fn ensure_debian_toolchain() -> Result<()> {
    let installed = Command::new(DEBIAN_RUSTC).arg("--version").output().is_ok_and(|output| output.status.success())
        && Path::new(DEBIAN_CARGO).exists()
        && Path::new("/usr/src").read_dir().is_ok_and(|mut dir| {
            dir.any(|entry| entry.is_ok_and(|entry| entry.file_name().to_string_lossy().starts_with("rustc-")))
        });
    if installed {
        return Ok(());
    }
    println!("$ apt-get update && apt-get install -y {}", PACKAGES.join(" "));
    let update = Command::new("apt-get").arg("update").arg("-qq").status().context("could not run apt-get")?;
    let install = Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(PACKAGES)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .context("could not run apt-get")?;
    if !update.success() || !install.success() {
        bail!("apt-get could not install {} (run as root on Debian 12 with bookworm-security)", PACKAGES.join(", "));
    }
    Ok(())
}
