//! Build script of the wdk-sys stand-in (Linux cross-builds only).
//!
//! 1. The driver-model cfg. The real wdk-sys learns the model from the top-level manifest through
//!    `wdk_build::configure_wdk_library_build()` (`cargo metadata`); the stand-ins implement only
//!    WDM, so this script always emits `driver_model__driver_type="WDM"` (and the same
//!    `rustc-check-cfg` list as the real wdk-build).
//! 2. The ntoskrnl.exe import library. The real crate links `ntoskrnl.lib` from the WDK; here,
//!    when the target is `*-pc-windows-msvc`, mingw-w64's `libntoskrnl.a` is copied to
//!    `OUT_DIR/ntoskrnl.lib` and `OUT_DIR` is added to the native search path. lld-link reads
//!    that GNU-style import library directly and the image imports from `ntoskrnl.exe`. The same
//!    library also resolves the routines that other crates of the driver (e.g. `rundown`) declare
//!    themselves without a `#[link]` attribute.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

/// Where Debian's mingw-w64-x86-64-dev (pulled in by gcc-mingw-w64-x86-64) installs the import
/// libraries; `WDK_STANDIN_MINGW_LIB_DIR` overrides it.
const MINGW_LIB_DIRS: &[&str] = &["/usr/x86_64-w64-mingw32/lib", "/usr/lib/x86_64-w64-mingw32/lib"];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=WDK_STANDIN_MINGW_LIB_DIR");
    println!(r#"cargo::rustc-check-cfg=cfg(driver_model__driver_type, values("WDM","KMDF","UMDF"))"#);
    println!(r#"cargo::rustc-cfg=driver_model__driver_type="WDM""#);

    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let suppressed = env::var_os("CARGO_FEATURE_SUPPRESS_WDK_LINKING").is_some();
    if target_os != "windows" || target_env != "msvc" || suppressed {
        // Host builds (the layout test) and `suppress-wdk-linking` builds link nothing.
        return;
    }

    let target_arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    assert!(
        target_arch == "x86_64",
        "wdk-sys stand-in: only x86_64-pc-windows-msvc is supported (target arch is {target_arch})"
    );

    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts"));
    let source = find_mingw_ntoskrnl();
    println!("cargo::rerun-if-changed={}", source.display());
    let dest = out_dir.join("ntoskrnl.lib");
    if let Err(error) = fs::copy(&source, &dest) {
        panic!("wdk-sys stand-in: cannot copy {} to {}: {error}", source.display(), dest.display());
    }
    println!("cargo::rustc-link-search=native={}", out_dir.display());
}

/// mingw-w64's `libntoskrnl.a`, or a build failure that names the package to install.
fn find_mingw_ntoskrnl() -> PathBuf {
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(dir) = env::var_os("WDK_STANDIN_MINGW_LIB_DIR") {
        dirs.push(PathBuf::from(dir));
    }
    dirs.extend(MINGW_LIB_DIRS.iter().map(PathBuf::from));
    for dir in &dirs {
        let candidate = dir.join("libntoskrnl.a");
        if Path::new(&candidate).is_file() {
            return candidate;
        }
    }
    let searched: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
    panic!(
        "wdk-sys stand-in: mingw-w64's ntoskrnl.exe import library (libntoskrnl.a) was not found in \
         {}.\nInstall it with `apt-get install gcc-mingw-w64-x86-64` (its dependency \
         mingw-w64-x86-64-dev ships /usr/x86_64-w64-mingw32/lib/libntoskrnl.a), or point \
         WDK_STANDIN_MINGW_LIB_DIR at a directory that holds libntoskrnl.a.",
        searched.join(", ")
    );
}
