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

/// Debian's rustdoc, which documents with the standard library rustc-web built.
const DEBIAN_RUSTDOC: &str = "/usr/bin/rustdoc";

/// The x64 kernel target every driver build uses.
const X64: &str = "x86_64-pc-windows-msvc";
/// The ARM64 kernel target, checked (not built: no ARM64 linker or image here).
const ARM64: &str = "aarch64-pc-windows-msvc";

/// Builds `rundown-abi`, and `rundown` (codegen included, so the `CR8` assembly is checked) with
/// `--features kernel` (portable model, KEVENT waits) and `--features ntoskrnl` (NtosKrnl's
/// routines) for `x86_64-pc-windows-msvc`; checks both for `aarch64-pc-windows-msvc`; shows
/// that a kernel-target build that forgot the feature fails with a message naming it; and
/// documents the kernel build as docs.rs does.
pub fn run() -> Result<Outcome> {
    crate::apt::ensure(&[&crate::apt::RUSTC_WEB])?;
    let builds: [(&str, &str, &[&str]); 5] = [
        ("build", X64, &["-p", "rundown", "--no-default-features", "--features", "kernel"]),
        ("build", X64, &["-p", "rundown", "--no-default-features", "--features", "ntoskrnl"]),
        ("build", X64, &["-p", "rundown-abi"]),
        ("check", ARM64, &["-p", "rundown", "--no-default-features", "--features", "kernel"]),
        ("check", ARM64, &["-p", "rundown", "--no-default-features", "--features", "ntoskrnl"]),
    ];
    let mut all_passed = true;
    for (verb, target, package) in builds {
        all_passed &= debian_cargo(verb, target, package).status().context("could not start Debian's cargo")?.success();
    }
    all_passed &= forgotten_feature_is_refused()?;
    // What docs.rs builds (`[package.metadata.docs.rs]`): the kernel providers' documentation.
    let mut doc =
        debian_cargo("doc", X64, &["-p", "rundown", "--no-deps", "--no-default-features", "--features", "ntoskrnl"]);
    all_passed &= doc
        .env("RUSTDOC", DEBIAN_RUSTDOC)
        .env("RUSTDOCFLAGS", "-D warnings")
        .status()
        .context("could not start Debian's cargo")?
        .success();
    Ok(if all_passed { Outcome::Passed } else { Outcome::Failed })
}

/// `rundown` for the kernel target without `kernel`: the build must fail, naming the feature.
fn forgotten_feature_is_refused() -> Result<bool> {
    let output = debian_cargo("check", X64, &["-p", "rundown", "--no-default-features"])
        .output()
        .context("could not start Debian's cargo")?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let named = stderr.contains("needs `features = [\"kernel\"]`");
    println!(
        "a kernel-target build without the `kernel` feature: {}",
        match (output.status.success(), named) {
            (false, true) => "refused, naming the feature (as it must be)",
            (true, _) => "BUILT: the host model would go into a driver",
            (false, false) => "failed, but without the message that names the feature",
        }
    );
    if !named {
        eprintln!("{stderr}");
    }
    Ok(!output.status.success() && named)
}

fn debian_cargo(verb: &str, target: &str, package: &[&str]) -> Command {
    let mut command = Command::new(DEBIAN_CARGO);
    command
        .current_dir(workspace_root())
        .arg(verb)
        .args(package)
        .args(["--target", target, "-Zbuild-std=core,alloc", "--target-dir"])
        .arg(target_dir().join("kernel"))
        .env("RUSTC", DEBIAN_RUSTC)
        .env("RUSTC_BOOTSTRAP", "1")
        .env_remove("RUSTFLAGS");
    println!(
        "$ RUSTC={DEBIAN_RUSTC} RUSTC_BOOTSTRAP=1 {DEBIAN_CARGO} {verb} {} --target {target} -Zbuild-std=core,alloc",
        package.join(" ")
    );
    command
}
