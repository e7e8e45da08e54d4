//! Debian packages the cross-build and the Wine runs need, installed with apt-get when missing.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// A tool the project needs and the Debian packages that provide it.
pub struct Requirement {
    /// What it is for, for messages.
    pub purpose: &'static str,
    /// A file whose presence means the packages are installed.
    pub probe: &'static str,
    /// The packages.
    pub packages: &'static [&'static str],
}

/// Debian's rustc-web 1.96 with its standard-library source: the only toolchain here whose
/// `-Zbuild-std` compiles for `x86_64-pc-windows-msvc` (field notes, section 2).
pub const RUSTC_WEB: Requirement = Requirement {
    purpose: "Debian's rustc-web (build-std for the kernel target)",
    probe: "/usr/src/rustc-1.96.0/library/core/Cargo.toml",
    packages: &["rustc-web", "cargo-web", "rust-web-src"],
};

/// lld's MSVC-compatible linker, which links the driver as a kernel image.
pub const LLD: Requirement = Requirement { purpose: "lld-link", probe: "/usr/bin/lld-link-19", packages: &["lld-19"] };

/// mingw-w64: the DDK headers wdk-sys's bindings are generated from (and the layout check compiles
/// against), ntoskrnl's import library, and the linker for rundownctl.
pub const MINGW: Requirement = Requirement {
    purpose: "mingw-w64",
    probe: "/usr/bin/x86_64-w64-mingw32-gcc",
    packages: &["gcc-mingw-w64-x86-64", "binutils-mingw-w64-x86-64"],
};

/// libclang for bindgen, which generates wdk-sys's bindings over mingw-w64's DDK headers when the
/// driver builds (Debian 12's `libclang-dev` is clang 14; bindgen loads it at run time).
pub const LIBCLANG: Requirement = Requirement {
    purpose: "libclang (wdk-sys's bindings)",
    probe: "/usr/lib/llvm-14/lib/libclang.so",
    packages: &["libclang-dev"],
};

/// Wine 8, the load-and-IOCTL host.
pub const WINE: Requirement = Requirement { purpose: "Wine", probe: "/usr/bin/wine", packages: &["wine", "wine64"] };

/// Installs, with one `apt-get update` and one `apt-get install`, whichever of `requirements`
/// are missing.
pub fn ensure(requirements: &[&Requirement]) -> Result<()> {
    let missing: Vec<&Requirement> =
        requirements.iter().copied().filter(|requirement| !Path::new(requirement.probe).exists()).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let packages: Vec<&str> = missing.iter().flat_map(|requirement| requirement.packages.iter().copied()).collect();
    let purposes: Vec<&str> = missing.iter().map(|requirement| requirement.purpose).collect();
    println!(
        "$ apt-get update && apt-get install -y --no-install-recommends {}  # {}",
        packages.join(" "),
        purposes.join(", ")
    );
    let update = Command::new("apt-get").args(["update", "-qq"]).status().context("could not run apt-get")?;
    let install = Command::new("apt-get")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&packages)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .context("could not run apt-get")?;
    if !update.success() || !install.success() {
        bail!("apt-get could not install {} (run as root on Debian 12 with bookworm-security)", packages.join(", "));
    }
    for requirement in missing {
        if !Path::new(requirement.probe).exists() {
            bail!("{} is still missing after installing {}", requirement.probe, requirement.packages.join(", "));
        }
    }
    Ok(())
}
