//! The `driver` step: the cross-build of both flavours and rundownctl, and each image checked.

use anyhow::{Context, Result};

use crate::cmd::{Cargo, target_dir};
use pe_check::{DriverImage, check_driver};

use super::Outcome;
use crate::build::{self, Flavour};

/// Builds everything `cargo xtask build` builds, then checks each driver image with `pe-check`:
/// PE32+ AMD64, subsystem NATIVE, entry DriverEntry, imports from ntoskrnl.exe (and hal.dll) only,
/// relocations and a correct checksum, and the run-down imports its flavour calls for.
pub fn run() -> Result<Outcome> {
    build::run()?;
    let mut passed = clippy()?;
    for flavour in Flavour::ALL {
        let path = build::image_path(flavour);
        let bytes = std::fs::read(&path).with_context(|| format!("could not read {}", path.display()))?;
        let image = DriverImage::parse(&bytes).with_context(|| format!("{} is not a PE image", path.display()))?;
        let violations = check_driver(&image, flavour.rules());
        let imports: usize = image.imports.iter().map(|dll| dll.functions.len()).sum();
        let rundown: Vec<&str> = image
            .imported_functions()
            .filter(|(_, function)| function.contains("Rundown"))
            .map(|(_, function)| function)
            .collect();
        println!(
            "{}: {} bytes, {imports} imports from {}; run-down imports: {}",
            flavour.image_name(),
            bytes.len(),
            image.imports.iter().map(|dll| dll.dll.as_str()).collect::<Vec<_>>().join(", "),
            if rundown.is_empty() { "none".to_owned() } else { rundown.join(", ") }
        );
        for violation in &violations {
            println!("  FAIL {}: {violation}", flavour.image_name());
        }
        passed &= violations.is_empty();
    }
    Ok(if passed { Outcome::Passed } else { Outcome::Failed })
}

/// Clippy on the driver source, with the workspace's lints and `-D warnings`.
///
/// Debian's rustc-web has no clippy, and rustup's cannot compile Debian's standard library for
/// the kernel target, so clippy checks the driver for the host target against the stand-ins (a
/// check, nothing is linked). wdk-build wants the static CRT, as on Windows. The patched resolve
/// goes to its own lockfile (`-Zlockfile-path`, hence `RUSTC_BOOTSTRAP=1`).
fn clippy() -> Result<bool> {
    let dir = target_dir().join("driver-clippy");
    std::fs::create_dir_all(&dir)?;
    let lockfile = dir.join("Cargo.lock");
    std::fs::copy(crate::cmd::workspace_root().join("Cargo.lock"), &lockfile)?;
    Cargo::new(&["clippy", "--package", "rundown-driver", "--target", "x86_64-unknown-linux-gnu"])
        .args(&["--config", "standins/cargo-config.toml", "-Zlockfile-path", "--config"])
        .arg(format!("resolver.lockfile-path={:?}", lockfile.display().to_string()))
        .arg("--target-dir")
        .arg(&dir)
        .args(&["--", "-D", "warnings"])
        .env("RUSTC_BOOTSTRAP", "1")
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .run()
}
