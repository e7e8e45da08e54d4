//! Stand-in for [`wdk-build` 0.6.0](https://crates.io/crates/wdk-build) for Linux
//! cross-builds, with the real crate's build-script API for WDM drivers:
//!
//! ```ignore
//! // build.rs of a driver
//! fn main() -> Result<(), wdk_build::ConfigError> {
//!     wdk_build::configure_wdk_binary_build()
//! }
//! ```
//!
//! [`configure_wdk_binary_build`] reads `[package.metadata.wdk.driver-model] driver-type` (or
//! `[workspace.metadata.wdk.driver-model]`) of the crate being built, fails with
//! [`ConfigError::StaticCrtNotEnabled`] unless `crt-static` is a target feature (as the real
//! one does), emits the `driver_model__driver_type` cfg and its `rustc-check-cfg` list, and,
//! for `*-windows-msvc` targets, the driver link arguments as `cargo::rustc-cdylib-link-arg`:
//! the real crate's WDM list (all accepted by lld-link 19) with two additions lld-link needs,
//! `/SUBSYSTEM:NATIVE,10.0` (lld's default subsystem version is 6.0) and `/RELEASE` (lld only
//! writes the PE checksum, which Windows requires of drivers, with `/RELEASE`).
//!
//! Differences from the real crate: no WDK discovery (no Windows host, no registry, no
//! `cargo metadata`): the metadata comes from the crate's own manifest, or from the nearest
//! enclosing workspace manifest; WDM only (KMDF and UMDF are reported as
//! [`ConfigError::UnsupportedDriverType`]); no `Config`, `BuilderExt` (bindgen) or
//! `cargo_make` API.

use std::env;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// The driver-model values `rustc-check-cfg` accepts, as in the real crate.
const CHECK_CFG: &str = r#"cargo::rustc-check-cfg=cfg(driver_model__driver_type, values("WDM","KMDF","UMDF"))"#;

/// Linker arguments for a WDM driver: the real wdk-build's list (derived from the WDK's
/// msbuild props), plus `/SUBSYSTEM:NATIVE,10.0` and `/RELEASE` for lld-link (see the crate
/// docs). `/MAP` writes `<image>.map` next to the image, as with the real crate.
const WDM_LINK_ARGS: &[&str] = &[
    "/DRIVER",
    "/NODEFAULTLIB",
    "/SUBSYSTEM:NATIVE,10.0",
    "/KERNEL",
    "/ENTRY:DriverEntry",
    "/IGNORE:4257",
    "/IGNORE:4216",
    "/NXCOMPAT",
    "/DYNAMICBASE",
    "/MAP",
    "/MAPINFO:EXPORTS",
    "/OPT:REF,ICF",
    "/INTEGRITYCHECK",
    "/MANIFEST:NO",
    "/RELEASE",
];

/// Why a build could not be configured.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// A manifest could not be read.
    IoError {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A manifest is not valid TOML.
    ManifestParseError {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        message: String,
    },
    /// Neither the crate's manifest nor its workspace's has `metadata.wdk.driver-model`.
    NoWdkConfigurationsDetected,
    /// `driver-type` is not `"WDM"` (the stand-ins implement only WDM).
    UnsupportedDriverType {
        /// The value found.
        driver_type: String,
    },
    /// The C runtime is not linked statically (`-C target-feature=+crt-static` is missing).
    StaticCrtNotEnabled,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::IoError { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::ManifestParseError { path, message } => {
                write!(f, "cannot parse {}: {message}", path.display())
            }
            Self::NoWdkConfigurationsDetected => f.write_str(
                "no WDK configuration found: add [package.metadata.wdk.driver-model] \
                 driver-type = \"WDM\" to the driver's Cargo.toml",
            ),
            Self::UnsupportedDriverType { driver_type } => {
                write!(f, "driver-type = \"{driver_type}\" is not supported by the wdk-build stand-in (WDM only)")
            }
            Self::StaticCrtNotEnabled => f.write_str(
                "the C runtime is not properly configured to be statically linked. This is \
                 required for building WDK drivers. The recommended solution is to add the \
                 following snippet to a `.cargo/config.toml` file:\n[build]\nrustflags = \
                 [\"-C\", \"target-feature=+crt-static\"]\n",
            ),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::IoError { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Configures the build of a driver binary (call it from the driver's build script).
///
/// # Errors
///
/// [`ConfigError::StaticCrtNotEnabled`] without `crt-static`;
/// [`ConfigError::NoWdkConfigurationsDetected`] or [`ConfigError::UnsupportedDriverType`]
/// without WDM metadata; I/O and parse errors of the manifests.
pub fn configure_wdk_binary_build() -> Result<(), ConfigError> {
    let target_features = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    if !target_features.split(',').any(|feature| feature == "crt-static") {
        return Err(ConfigError::StaticCrtNotEnabled);
    }
    let driver_type = find_driver_type()?.ok_or(ConfigError::NoWdkConfigurationsDetected)?;
    require_wdm(&driver_type)?;

    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if target_os == "windows" && target_env == "msvc" {
        for arg in WDM_LINK_ARGS {
            println!("cargo::rustc-cdylib-link-arg={arg}");
        }
    }
    emit_cfg(Some(&driver_type));
    Ok(())
}

/// Configures the build of a library that uses the WDK (call it from its build script): emits
/// the driver-model cfg if the crate or its workspace declares one, and only the
/// `rustc-check-cfg` list otherwise (as the real crate does for libraries built on their own).
///
/// # Errors
///
/// [`ConfigError::UnsupportedDriverType`] for a model other than WDM; I/O and parse errors of
/// the manifests.
pub fn configure_wdk_library_build() -> Result<(), ConfigError> {
    let driver_type = find_driver_type()?;
    if let Some(driver_type) = &driver_type {
        require_wdm(driver_type)?;
    }
    emit_cfg(driver_type.as_deref());
    Ok(())
}

fn require_wdm(driver_type: &str) -> Result<(), ConfigError> {
    if driver_type == "WDM" {
        Ok(())
    } else {
        Err(ConfigError::UnsupportedDriverType { driver_type: driver_type.to_owned() })
    }
}

fn emit_cfg(driver_type: Option<&str>) {
    println!("{CHECK_CFG}");
    if let Some(driver_type) = driver_type {
        println!(r#"cargo::rustc-cfg=driver_model__driver_type="{driver_type}""#);
    }
}

/// `driver-type` from the crate's manifest (package or workspace metadata), else from the
/// nearest enclosing workspace manifest.
fn find_driver_type() -> Result<Option<String>, ConfigError> {
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR for build scripts"));
    let own = manifest_dir.join("Cargo.toml");
    let manifest = read_manifest(&own)?;
    if let Some(driver_type) = driver_type_in(&manifest, "package").or_else(|| driver_type_in(&manifest, "workspace")) {
        return Ok(Some(driver_type));
    }
    if manifest.contains_key("workspace") {
        return Ok(None);
    }
    for dir in manifest_dir.ancestors().skip(1) {
        let candidate = dir.join("Cargo.toml");
        if !candidate.is_file() {
            continue;
        }
        let manifest = read_manifest(&candidate)?;
        if manifest.contains_key("workspace") {
            return Ok(driver_type_in(&manifest, "workspace"));
        }
    }
    Ok(None)
}

fn read_manifest(path: &Path) -> Result<toml::Table, ConfigError> {
    println!("cargo::rerun-if-changed={}", path.display());
    let text = fs::read_to_string(path).map_err(|source| ConfigError::IoError { path: path.to_owned(), source })?;
    text.parse::<toml::Table>()
        .map_err(|error| ConfigError::ManifestParseError { path: path.to_owned(), message: error.to_string() })
}

/// `<section>.metadata.wdk.driver-model.driver-type`.
fn driver_type_in(manifest: &toml::Table, section: &str) -> Option<String> {
    manifest
        .get(section)?
        .get("metadata")?
        .get("wdk")?
        .get("driver-model")?
        .get("driver-type")?
        .as_str()
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::{ConfigError, driver_type_in};

    fn table(text: &str) -> toml::Table {
        text.parse().expect("test TOML parses")
    }

    #[test]
    fn reads_package_and_workspace_metadata() {
        let package = table("[package]\nname = \"d\"\n[package.metadata.wdk.driver-model]\ndriver-type = \"WDM\"\n");
        assert_eq!(driver_type_in(&package, "package").as_deref(), Some("WDM"));
        let workspace = table("[workspace.metadata.wdk.driver-model]\ndriver-type = \"KMDF\"\n");
        assert_eq!(driver_type_in(&workspace, "workspace").as_deref(), Some("KMDF"));
        assert_eq!(driver_type_in(&workspace, "package"), None);
    }

    #[test]
    fn static_crt_message_names_the_fix() {
        assert!(ConfigError::StaticCrtNotEnabled.to_string().contains("target-feature=+crt-static"));
    }
}
