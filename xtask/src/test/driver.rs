//! The `driver` step: the cross-build of both flavours and rundownctl, and each image checked.

use anyhow::{Context, Result};

use crate::cmd::{Cargo, target_dir};
use pe_check::{DriverImage, Expectations, check};

use super::Outcome;
use crate::build::{self, Driver, FLAVOURS, Flavour};

/// Builds everything `cargo xtask build` builds, then checks each of the four driver images with
/// `pe-check`:
/// PE32+ AMD64, subsystem NATIVE, entry DriverEntry, imports from ntoskrnl.exe (and hal.dll) only,
/// relocations and a correct checksum, and the run-down imports its flavour calls for.
pub fn run() -> Result<Outcome> {
    build::run()?;
    let mut passed = clippy()?;
    for (driver, flavour) in Driver::ALL.into_iter().flat_map(|driver| FLAVOURS.map(|flavour| (driver, flavour))) {
        let path = driver.image_path(flavour);
        let bytes = std::fs::read(&path).with_context(|| format!("could not read {}", path.display()))?;
        let image = DriverImage::parse(&bytes).with_context(|| format!("{} is not a PE image", path.display()))?;
        let violations = check(&image, &expectations(driver, flavour));
        let imports: usize = image.imports.iter().map(|dll| dll.functions.len()).sum();
        let rundown: Vec<&str> = image
            .imported_functions()
            .filter(|(_, function)| function.contains("Rundown"))
            .map(|(_, function)| function)
            .collect();
        println!(
            "{}: {} bytes, {imports} imports from {}; run-down imports: {}",
            driver.image_name(flavour),
            bytes.len(),
            image.imports.iter().map(|dll| dll.dll.as_str()).collect::<Vec<_>>().join(", "),
            if rundown.is_empty() { "none".to_owned() } else { rundown.join(", ") }
        );
        for violation in &violations {
            println!("  FAIL {}: {violation}", driver.image_name(flavour));
        }
        passed &= violations.is_empty();
    }
    Ok(if passed { Outcome::Passed } else { Outcome::Failed })
}

/// Clippy on both drivers' sources, with the workspace's lints and `-D warnings`.
///
/// Debian's rustc-web has no clippy, and rustup's cannot compile Debian's standard library for
/// the kernel target, so clippy checks the driver for the host target (a check, nothing is
/// linked), with the wdk crates patched in as for the kernel build. wdk-sys's bindings are the
/// kernel's, `long` included (see wdk-sys-bindings/build.rs). wdk-build wants the static CRT, as
/// on Windows. The patched resolve goes to its own lockfile (`-Zlockfile-path`, hence
/// `RUSTC_BOOTSTRAP=1`).
///
/// A second run checks the owner with `cache-aware` (its object behind the cache-aware
/// reference), which no image is built with. Then rundown-wdm's host tests: its unit tests and doc examples, against wdk-sys's
/// `test-stubs` (no kernel to call, so the examples that would reach one are defined, not run).
fn clippy() -> Result<bool> {
    let clippy = |selection: &[&str]| -> Result<bool> {
        let cargo = Cargo::new(&["clippy"]).args(selection).args(&["--target", "x86_64-unknown-linux-gnu"]);
        with_wdk_patches(cargo, "driver-clippy")?
            .args(&["--", "-D", "warnings"])
            .env("RUSTFLAGS", "-C target-feature=+crt-static")
            .run()
    };
    let both = clippy(&["--package", "rundown-driver", "--package", "rundown-peer"])?;
    let cache_aware = clippy(&["--package", "rundown-driver", "--features", "cache-aware"])?;
    let wdm_tests = with_wdk_patches(Cargo::new(&["test", "--package", "rundown-wdm"]), "wdm-test")?.run()?;
    Ok(both && cache_aware && wdm_tests)
}

/// `cargo` with the wdk crates patched in as for the kernel build, its own lockfile and target
/// directory (`target/<dir>`).
fn with_wdk_patches(mut cargo: Cargo, dir: &str) -> Result<Cargo> {
    let dir = target_dir().join(dir);
    std::fs::create_dir_all(&dir)?;
    let lockfile = dir.join("Cargo.lock");
    std::fs::copy(crate::cmd::workspace_root().join("Cargo.lock"), &lockfile)?;
    for arg in build::wdk_patches()?.args {
        cargo = cargo.arg(arg);
    }
    Ok(cargo
        .args(&["-Zlockfile-path", "--config"])
        .arg(format!("resolver.lockfile-path={:?}", lockfile.display().to_string()))
        .arg("--target-dir")
        .arg(&dir)
        .env("RUSTC_BOOTSTRAP", "1"))
}

/// The owner wraps all eight basic run-down routines; the peer uses a `RundownRef` for its own
/// worker, so its default flavour imports at least acquire, release and the wait.
fn expectations(driver: Driver, flavour: Flavour) -> Expectations<'static> {
    const PEER_ROUTINES: &[&str] =
        &["ExAcquireRundownProtection", "ExReleaseRundownProtection", "ExWaitForRundownProtectionRelease"];
    // The owner's references come from `Rundown::new`, a `const fn` that writes the zero word
    // `ExInitializeRundownProtection` writes, so it calls every routine but that one (the first).
    const OWNER_ROUTINES: &[&str] = pe_check::RUNDOWN_ROUTINES.split_first().expect("eight routines").1;
    const _: () = assert!(pe_check::RUNDOWN_ROUTINES.len() == OWNER_ROUTINES.len() + 1);
    let defaults = Expectations::for_flavour(flavour);
    match (driver, flavour) {
        (Driver::Owner, Flavour::Ntoskrnl) => Expectations { required_imports: OWNER_ROUTINES, ..defaults },
        (Driver::Peer, Flavour::Ntoskrnl) => Expectations { required_imports: PEER_ROUTINES, ..defaults },
        _ => defaults,
    }
}
