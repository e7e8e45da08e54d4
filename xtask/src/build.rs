//! `cargo xtask build`: the driver in both flavours and rundownctl, cross-built on Linux into
//! `target/sys/`.
//!
//! The driver source is the same as on Windows. Only the build differs (docs/wdk-api-surface.md):
//! - Debian's rustc-web with `-Zbuild-std` compiles core and alloc for `x86_64-pc-windows-msvc`;
//! - wdk, wdk-alloc and wdk-panic are windows-drivers-rs's crates from crates.io; wdk-sys too, with
//!   the project's build script (`wdk-sys-bindings/`) written over its copy's, which generates its
//!   bindings with wdk-build's settings over mingw-w64's DDK headers ([`prepare_wdk_sys`]); wdk-build
//!   is the stand-in in `standins/wdk-build`. Both are patched in with `[patch.crates-io]`, and the
//!   patched resolve is kept in `target/sys/resolve/Cargo.lock`, so the committed Cargo.lock stays
//!   the Windows one;
//! - lld-link links the image as a kernel driver (the arguments come from the wdk-build stand-in,
//!   as the real one gives them to link.exe).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

use crate::apt;
use crate::cmd::{target_dir, workspace_root};
use rundown_wine_tests::file_names;

/// Debian's toolchain, beside rustup's.
pub const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
pub const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const KERNEL_TARGET: &str = "x86_64-pc-windows-msvc";
/// rundownctl's target: `pc-windows-gnu`'s std needs `ProcessPrng`, which Wine 8 lacks
/// (docs/windows-exe-on-linux.md).
const TOOL_TARGET: &str = "x86_64-win7-windows-gnu";

/// One of the driver's two builds: NtosKrnl's own run-down routines (the default features), for
/// Windows, or the portable run-down model, for Wine. One definition, `rundown_abi::DriverFlavour`
/// (what VERSION reports), which pe-check's rules take too.
pub use pe_check::Flavour;

/// Both flavours, in the order they are built.
pub const FLAVOURS: [Flavour; 2] = [Flavour::Ntoskrnl, Flavour::Portable];

/// The cargo arguments that select `flavour`'s features.
fn feature_args(flavour: Flavour) -> &'static [&'static str] {
    match flavour {
        Flavour::Ntoskrnl => &[],
        Flavour::Portable => &["--no-default-features", "--features", "portable"],
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
            (Self::Owner, Flavour::Ntoskrnl) => file_names::OWNER_NTOSKRNL,
            (Self::Owner, Flavour::Portable) => file_names::OWNER_PORTABLE,
            (Self::Peer, Flavour::Ntoskrnl) => file_names::PEER_NTOSKRNL,
            (Self::Peer, Flavour::Portable) => file_names::PEER_PORTABLE,
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
    output_dir().join(file_names::TOOL)
}

/// Installs what is missing (Wine too, which the images are made to run in), then builds both
/// images and the tool.
pub fn run() -> Result<()> {
    apt::ensure(&[&apt::RUSTC_WEB, &apt::LLD, &apt::MINGW, &apt::LIBCLANG, &apt::WINE])?;
    std::fs::create_dir_all(output_dir())?;
    let patches = wdk_patches()?;
    for flavour in FLAVOURS {
        build_drivers(flavour, &patches)?;
    }
    build_tool()?;
    let built = [
        file_names::OWNER_NTOSKRNL,
        file_names::OWNER_PORTABLE,
        file_names::PEER_NTOSKRNL,
        file_names::PEER_PORTABLE,
        file_names::TOOL,
        file_names::TEST_TOOL,
    ];
    println!("xtask: build: {} holds {}", output_dir().display(), built.join(", "));
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
fn build_drivers(flavour: Flavour, patches: &WdkPatches) -> Result<()> {
    let lockfile = patches.lockfile()?;
    let target_dir = output_dir().join("build").join(flavour.name());
    let mut command = debian_cargo();
    command
        .args(["build", "--release", "--target", KERNEL_TARGET])
        .args(Driver::ALL.iter().flat_map(|driver| ["--package", driver.package()]))
        .args(feature_args(flavour))
        .args(["-Zbuild-std=core,alloc,compiler_builtins", "-Zbuild-std-features=compiler-builtins-mem"])
        .args(["-Zlockfile-path", "--config"])
        .arg(format!("resolver.lockfile-path={}", toml_string(&lockfile)))
        .args(&patches.args)
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
        .args(["build", "--release", "--package", "rundownctl", "--package", "rundown-stress", "--target", TOOL_TARGET])
        .args(["-Zbuild-std=std,panic_abort", "--config"])
        .arg(format!("build.rustc={}", toml_string(Path::new(DEBIAN_RUSTC))))
        .args(["--config", &format!("target.{TOOL_TARGET}.linker=\"x86_64-w64-mingw32-gcc\"")])
        // The workspace's release profile keeps line tables for the host benchmarks; a shipped
        // tool does not need them (they were 13.9 MB of its 16.5).
        .args(["--config", "profile.release.debug=0", "--config", "profile.release.strip=\"symbols\""])
        .arg("--target-dir")
        .arg(&target_dir);
    run_logged(command, "the rundownctl build")?;
    let built = target_dir.join(TOOL_TARGET).join("release").join(file_names::TOOL);
    let size = std::fs::metadata(&built).with_context(|| format!("could not read {}", built.display()))?.len();
    ensure!(size <= MAX_TOOL_BYTES, "{} is {size} bytes, over the {MAX_TOOL_BYTES}-byte budget", file_names::TOOL);
    std::fs::copy(&built, tool_path()).with_context(|| format!("could not copy {}", built.display()))?;
    // The test tool (stress, sessions, churn) beside it: the Wine tests and `xtask stress` run it.
    let test_tool = target_dir.join(TOOL_TARGET).join("release").join(file_names::TEST_TOOL);
    std::fs::copy(&test_tool, output_dir().join(file_names::TEST_TOOL))
        .with_context(|| format!("could not copy {}", test_tool.display()))?;
    Ok(())
}

/// The most `rundownctl.exe` may weigh: a tool copied onto test VMs stays small.
const MAX_TOOL_BYTES: u64 = 2 * 1024 * 1024;

/// A path as a TOML string for `--config key=value`.
fn toml_string(path: &Path) -> String {
    format!("{:?}", path.display().to_string())
}

/// How a driver build gets its wdk crates: the `--config` arguments that patch them in, and where
/// the patched resolve is kept.
pub struct WdkPatches {
    /// `--config` arguments for cargo.
    pub args: Vec<OsString>,
    /// The lockfile of the patched resolve (`-Zlockfile-path`), so that the committed Cargo.lock
    /// stays the Windows one.
    lockfile: PathBuf,
}

impl WdkPatches {
    /// The patched resolve's lockfile, first copied from the committed one so that shared crates
    /// keep their versions.
    pub fn lockfile(&self) -> Result<PathBuf> {
        if !self.lockfile.exists() {
            let dir = self.lockfile.parent().context("a lockfile path has a parent")?;
            std::fs::create_dir_all(dir)?;
            std::fs::copy(workspace_root().join("Cargo.lock"), &self.lockfile).context("could not copy Cargo.lock")?;
        }
        Ok(self.lockfile.clone())
    }
}

/// The wdk crates for a driver build: wdk, wdk-alloc and wdk-panic from crates.io, wdk-sys from
/// crates.io with the project's build script ([`prepare_wdk_sys`]), and the wdk-build stand-in
/// (`standins/cargo-config.toml`).
pub fn wdk_patches() -> Result<WdkPatches> {
    let wdk_sys = prepare_wdk_sys()?;
    let args = vec![
        "--config".into(),
        workspace_root().join("standins/cargo-config.toml").into_os_string(),
        "--config".into(),
        format!("patch.crates-io.wdk-sys.path={}", toml_string(&wdk_sys)).into(),
    ];
    Ok(WdkPatches { args, lockfile: output_dir().join("resolve").join("Cargo.lock") })
}

/// The project's wdk-sys build script and the declarations mingw-w64 lacks (`wdk-sys-bindings/`).
const WDK_SYS_BUILD_FILES: [&str; 2] = ["build.rs", "mingw-w64-additions.h"];

/// Copies the wdk-sys that cargo downloaded for the committed resolve to
/// `target/wdk-crates/wdk-sys-<version>/`, writes the project's build script over the copy's, and
/// returns the copy's directory. Only files whose content changed are written, so that an
/// unchanged copy does not rebuild.
pub fn prepare_wdk_sys() -> Result<PathBuf> {
    let source = downloaded_package("wdk-sys")?;
    let name = source.file_name().context("a package directory has a name")?;
    let copy = target_dir().join("wdk-crates").join(name);
    copy_tree(&source, &copy, &WDK_SYS_BUILD_FILES)?;
    let bindings = workspace_root().join("wdk-sys-bindings");
    for file in WDK_SYS_BUILD_FILES {
        let contents =
            std::fs::read(bindings.join(file)).with_context(|| format!("could not read wdk-sys-bindings/{file}"))?;
        write_if_changed(&copy.join(file), &contents)?;
    }
    Ok(copy)
}

/// The source directory of a package of the committed resolve, downloaded by cargo if needed.
fn downloaded_package(name: &str) -> Result<PathBuf> {
    let output = Command::new(DEBIAN_CARGO)
        .current_dir(workspace_root())
        .args(["metadata", "--format-version", "1", "--filter-platform", KERNEL_TARGET])
        .env("RUSTC", DEBIAN_RUSTC)
        .output()
        .with_context(|| format!("could not start {DEBIAN_CARGO} metadata"))?;
    ensure!(output.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).context("cargo metadata's output")?;
    let manifest = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|package| package["name"] == name)
        .and_then(|package| package["manifest_path"].as_str())
        .with_context(|| format!("{name} is not in the workspace's resolve"))?;
    Ok(Path::new(manifest).parent().context("a manifest has a directory")?.to_path_buf())
}

/// Copies `from` into `to` recursively, writing only files whose content differs, except the
/// top-level files named in `skip` (written afterwards by the caller: writing them twice would
/// make cargo rebuild).
fn copy_tree(from: &Path, to: &Path, skip: &[&str]) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("could not create {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("could not read {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if skip.iter().any(|name| entry.file_name() == *name) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target, &[])?;
        } else {
            write_if_changed(&target, &std::fs::read(entry.path())?)?;
        }
    }
    Ok(())
}

fn write_if_changed(path: &Path, contents: &[u8]) -> Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    std::fs::write(path, contents).with_context(|| format!("could not write {}", path.display()))
}
