//! `cargo xtask build`: the driver in both flavours and rundownctl, cross-built on Linux into
//! `target/sys/`.
//!
//! The driver source is the same as on Windows. Only the build differs:
//! - Debian's rustc-web with `-Zbuild-std` compiles core and alloc for `x86_64-pc-windows-msvc`;
//! - `standins/cargo-config.toml` patches the five wdk crates with API-compatible stand-ins
//!   (`[patch.crates-io]`), and the patched resolve is kept in `target/sys/Cargo.lock`, so the
//!   committed Cargo.lock stays the Windows one;
//! - lld-link links the image as a kernel driver (the arguments come from the stand-in
//!   wdk-build, as the real one gives them to link.exe).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

use crate::apt;
use crate::cmd::{target_dir, workspace_root};

/// Debian's toolchain, beside rustup's.
pub const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
pub const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const KERNEL_TARGET: &str = "x86_64-pc-windows-msvc";
/// rundownctl's target: `pc-windows-gnu`'s std needs `ProcessPrng`, which Wine 8 lacks
/// (docs/windows-exe-on-linux.md).
const TOOL_TARGET: &str = "x86_64-win7-windows-gnu";

/// One of the driver's two builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// NtosKrnl's own run-down routines (the default features): for Windows.
    Ntoskrnl,
    /// The portable run-down model: for Wine.
    Portable,
}

impl Flavour {
    pub const ALL: [Self; 2] = [Self::Ntoskrnl, Self::Portable];

    fn name(self) -> &'static str {
        match self {
            Self::Ntoskrnl => "ntoskrnl",
            Self::Portable => "portable",
        }
    }

    fn feature_args(self) -> &'static [&'static str] {
        match self {
            Self::Ntoskrnl => &[],
            Self::Portable => &["--no-default-features", "--features", "portable"],
        }
    }

    /// The `pe-check` rules for this flavour.
    pub fn rules(self) -> pe_check::Flavour {
        match self {
            Self::Ntoskrnl => pe_check::Flavour::Ntoskrnl,
            Self::Portable => pe_check::Flavour::Portable,
        }
    }

    /// The owner driver's image name under `target/sys/`.
    pub fn image_name(self) -> &'static str {
        Driver::Owner.image_name(self)
    }
}

/// The two driver packages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    /// The repository root: the driver that owns the shared object.
    Owner,
    /// `crates/peer-driver`: the sample peer.
    Peer,
}

impl Driver {
    pub const ALL: [Self; 2] = [Self::Owner, Self::Peer];

    fn package(self) -> &'static str {
        match self {
            Self::Owner => "rundown-driver",
            Self::Peer => "rundown-peer",
        }
    }

    fn lib_name(self) -> &'static str {
        match self {
            Self::Owner => "rundown_driver",
            Self::Peer => "rundown_peer",
        }
    }

    /// The image's file name under `target/sys/`.
    pub fn image_name(self, flavour: Flavour) -> &'static str {
        match (self, flavour) {
            (Self::Owner, Flavour::Ntoskrnl) => "rundown_driver.sys",
            (Self::Owner, Flavour::Portable) => "rundown_driver_portable.sys",
            (Self::Peer, Flavour::Ntoskrnl) => "rundown_peer.sys",
            (Self::Peer, Flavour::Portable) => "rundown_peer_portable.sys",
        }
    }

    /// Where the image is written.
    pub fn image_path(self, flavour: Flavour) -> PathBuf {
        output_dir().join(self.image_name(flavour))
    }
}

/// `target/sys/`: the images and the tool.
pub fn output_dir() -> PathBuf {
    target_dir().join("sys")
}

/// Where an owner driver image is written.
pub fn image_path(flavour: Flavour) -> PathBuf {
    Driver::Owner.image_path(flavour)
}

/// Where rundownctl is written.
pub fn tool_path() -> PathBuf {
    output_dir().join("rundownctl.exe")
}

/// Installs what is missing (Wine too, which the images are made to run in), then builds both
/// images and the tool.
pub fn run() -> Result<()> {
    apt::ensure(&[&apt::RUSTC_WEB, &apt::LLD, &apt::MINGW, &apt::WINE])?;
    std::fs::create_dir_all(output_dir())?;
    for flavour in Flavour::ALL {
        build_drivers(flavour)?;
    }
    build_tool()?;
    println!(
        "xtask: build: {} holds rundown_driver{{,_portable}}.sys, rundown_peer{{,_portable}}.sys and rundownctl.exe",
        output_dir().display()
    );
    Ok(())
}

/// A command of Debian's cargo, run from the workspace root.
fn debian_cargo() -> Command {
    let mut command = Command::new(DEBIAN_CARGO);
    command
        .current_dir(workspace_root())
        .env("RUSTC", DEBIAN_RUSTC)
        .env("RUSTC_BOOTSTRAP", "1")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_TARGET_DIR");
    command
}

fn run_logged(mut command: Command, what: &str) -> Result<()> {
    let shown: Vec<String> = command.get_args().map(|arg| arg.to_string_lossy().into_owned()).collect();
    println!("$ RUSTC_BOOTSTRAP=1 {DEBIAN_CARGO} {}", shown.join(" "));
    let status = command.status().with_context(|| format!("could not start {DEBIAN_CARGO}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Builds both driver packages in one flavour (one cargo invocation, one build-std).
fn build_drivers(flavour: Flavour) -> Result<()> {
    let root = workspace_root();
    let lockfile = output_dir().join("Cargo.lock");
    if !lockfile.exists() {
        // Start from the committed resolve, so shared crates keep their versions.
        std::fs::copy(root.join("Cargo.lock"), &lockfile).context("could not copy Cargo.lock")?;
    }
    let target_dir = output_dir().join("build").join(flavour.name());
    let mut command = debian_cargo();
    command
        .args(["build", "--release", "--target", KERNEL_TARGET])
        .args(Driver::ALL.iter().flat_map(|driver| ["--package", driver.package()]))
        .args(flavour.feature_args())
        .args(["-Zbuild-std=core,alloc,compiler_builtins", "-Zbuild-std-features=compiler-builtins-mem"])
        .args(["-Zlockfile-path", "--config"])
        .arg(format!("resolver.lockfile-path={}", toml_string(&lockfile)))
        .arg("--config")
        .arg(root.join("standins/cargo-config.toml"))
        .args(["--config", &format!("build.rustc={}", toml_string(Path::new(DEBIAN_RUSTC)))])
        .args(["--config", &format!("target.{KERNEL_TARGET}.linker=\"lld-link-19\"")])
        // windows-drivers-rs's sample builds drivers with LTO; the workspace profile leaves it
        // off for the host crates' benchmarks.
        .args(["--config", "profile.release.lto=true"])
        .arg("--target-dir")
        .arg(&target_dir);
    run_logged(command, &format!("the {} driver build", flavour.name()))?;
    for driver in Driver::ALL {
        let built = target_dir.join(KERNEL_TARGET).join("release").join(format!("{}.dll", driver.lib_name()));
        let image = driver.image_path(flavour);
        std::fs::copy(&built, &image)
            .with_context(|| format!("could not copy {} to {}", built.display(), image.display()))?;
    }
    Ok(())
}

fn build_tool() -> Result<()> {
    let target_dir = output_dir().join("build").join("rundownctl");
    let mut command = debian_cargo();
    command
        .args(["build", "--release", "--package", "rundownctl", "--target", TOOL_TARGET])
        .args(["-Zbuild-std=std,panic_abort", "--config"])
        .arg(format!("build.rustc={}", toml_string(Path::new(DEBIAN_RUSTC))))
        .args(["--config", &format!("target.{TOOL_TARGET}.linker=\"x86_64-w64-mingw32-gcc\"")])
        // The workspace's release profile keeps line tables for the host benchmarks; a shipped
        // tool does not need them (they were 13.9 MB of its 16.5).
        .args(["--config", "profile.release.debug=0", "--config", "profile.release.strip=\"symbols\""])
        .arg("--target-dir")
        .arg(&target_dir);
    run_logged(command, "the rundownctl build")?;
    let built = target_dir.join(TOOL_TARGET).join("release").join("rundownctl.exe");
    let size = std::fs::metadata(&built).with_context(|| format!("could not read {}", built.display()))?.len();
    ensure!(size <= MAX_TOOL_BYTES, "rundownctl.exe is {size} bytes, over the {MAX_TOOL_BYTES}-byte budget");
    std::fs::copy(&built, tool_path()).with_context(|| format!("could not copy {}", built.display()))?;
    Ok(())
}

/// The most `rundownctl.exe` may weigh: a tool copied onto test VMs stays small.
const MAX_TOOL_BYTES: u64 = 2 * 1024 * 1024;

/// A path as a TOML string for `--config key=value`.
fn toml_string(path: &Path) -> String {
    format!("{:?}", path.display().to_string())
}
