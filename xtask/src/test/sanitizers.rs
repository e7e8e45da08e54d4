//! The sanitizer steps: `tests/stress.rs` and the unit tests under AddressSanitizer and
//! ThreadSanitizer.
//!
//! `-Zsanitizer` needs a nightly toolchain; without one the steps are skipped, not failed. The
//! standard library is not rebuilt (`-Zbuild-std` needs rust-src), so it runs uninstrumented:
//! ThreadSanitizer then needs `-Cunsafe-allow-abi-mismatch=sanitizer` to link against it, and
//! `crates/rundown/tests/tsan.supp` silences the reports that come from libtest's own
//! synchronization, which it cannot see. Each sanitizer builds for the explicit host target (so
//! that build scripts and proc macros stay uninstrumented) in its own target directory.

use std::process::Command;

use anyhow::Result;

use super::Outcome;
use crate::cmd::{Cargo, target_dir, workspace_root};

const TOOLCHAIN: &str = "nightly";

/// Hosts whose nightly toolchain ships both sanitizer runtimes and that this was checked on
/// (x86_64) or is known to work the same way (aarch64).
const HOSTS: &[&str] = &["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"];

#[derive(Clone, Copy)]
pub enum Sanitizer {
    Address,
    Thread,
}

/// Runs the stress test (and the unit tests) under `sanitizer`, or skips when it cannot.
pub fn run(sanitizer: Sanitizer) -> Result<Outcome> {
    let Some(host) = nightly_host() else {
        return Ok(Outcome::Skipped("no nightly toolchain: sanitizer runs need one".to_owned()));
    };
    if !HOSTS.contains(&host.as_str()) {
        return Ok(Outcome::Skipped(format!("sanitizer runs are set up for {} only, not {host}", HOSTS.join(" and "))));
    }
    let (directory, rustflags, options_variable, options) = match sanitizer {
        Sanitizer::Address => (
            "asan",
            "-Zsanitizer=address",
            "ASAN_OPTIONS",
            // The wait block lives in the waiter's stack frame: catch a release that touches it
            // after the wait returned.
            "detect_stack_use_after_return=1".to_owned(),
        ),
        Sanitizer::Thread => (
            "tsan",
            "-Zsanitizer=thread -Cunsafe-allow-abi-mismatch=sanitizer",
            "TSAN_OPTIONS",
            format!("suppressions=\"{}\"", workspace_root().join("crates/rundown/tests/tsan.supp").display()),
        ),
    };
    let passed = Cargo::with_toolchain(
        TOOLCHAIN,
        &["test", "-p", "rundown", "--lib", "--test", "stress", "--target", &host, "--target-dir"],
    )
    .arg(target_dir().join(directory))
    .env("RUSTFLAGS", rustflags)
    .env(options_variable, options)
    .run()?;
    Ok(if passed { Outcome::Passed } else { Outcome::Failed })
}

/// The host triple of the nightly toolchain, if one is installed.
fn nightly_host() -> Option<String> {
    Cargo::with_toolchain(TOOLCHAIN, &["--version"]).probe()?;
    let output = Command::new("rustc").arg(format!("+{TOOLCHAIN}")).arg("-vV").output().ok()?;
    if !output.status.success() {
        return None;
    }
    let version = String::from_utf8_lossy(&output.stdout).into_owned();
    version.lines().find_map(|line| line.strip_prefix("host: ")).map(str::to_owned)
}
