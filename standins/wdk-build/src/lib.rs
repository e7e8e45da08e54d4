//! Stand-in for [`wdk-build` 0.6.0](https://crates.io/crates/wdk-build) for Linux
//! cross-builds. The real crate cannot be built off Windows: it has a `compile_error!` for other
//! hosts and finds the WDK through the registry. Every other wdk crate is the real one from
//! crates.io, and their build scripts call this crate; so do the drivers':
//!
//! ```ignore
//! // build.rs of a driver
//! fn main() -> Result<(), wdk_build::ConfigError> {
//!     wdk_build::configure_wdk_binary_build()
//! }
//! ```
//!
//! The API is the part of the real crate's that those build scripts call, with the same names
//! and signatures: [`configure_wdk_binary_build`] (drivers), [`configure_wdk_library_build`]
//! (wdk, wdk-alloc, wdk-panic), [`configure_wdk_library_build_and_then`] with [`Config`] and
//! [`DriverConfig`] (the project's wdk-sys build script), and [`ConfigError`].
//!
//! The configuration is found as the real crate finds it: the top-level manifest is the
//! `Cargo.toml` in the first ancestor of `OUT_DIR` that holds a `Cargo.lock` (here: and a
//! `Cargo.toml`, because xtask keeps lockfile copies under `target/` with no manifest beside
//! them), and the driver model is the one `metadata.wdk.driver-model` names in that manifest's
//! package and workspace tables and in its workspace members' packages. Exactly one model must be
//! named; libraries built with none get only the `rustc-check-cfg` list, as with the real crate.
//! The cfg is the real one: `driver_model__driver_type="WDM"`.
//!
//! [`configure_wdk_binary_build`] fails with [`ConfigError::StaticCrtNotEnabled`] unless
//! `crt-static` is a target feature (as the real one does), and for `*-windows-msvc` targets
//! emits the real crate's WDM linker arguments as `cargo::rustc-cdylib-link-arg` (all accepted by
//! lld-link 19), with two additions lld-link needs: `/SUBSYSTEM:NATIVE,10.0` (lld's default
//! subsystem version is 6.0) and `/RELEASE` (lld only writes the PE checksum, which Windows
//! requires of drivers, with `/RELEASE`).
//!
//! Differences from the real crate: WDM only (KMDF and UMDF are reported as
//! [`ConfigError::UnsupportedDriverType`]: mingw-w64 has no WDF headers); the manifests are read
//! as TOML instead of through `cargo metadata` (dependencies' own `metadata.wdk` is not looked
//! at: no crate of the graph has any); no WDK paths, `BuilderExt` (bindgen settings: the
//! project's wdk-sys build script has them) or `cargo_make` API.

use std::collections::BTreeSet;
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

/// The driver model (the real crate's enum also has `Kmdf` and `Umdf`, with their versions).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DriverConfig {
    /// Windows Driver Model.
    Wdm,
}

/// The build's WDK configuration (the real one also holds the WDK's paths and the CPU
/// architecture).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The driver model the top-level manifest names.
    pub driver_config: DriverConfig,
}

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
    /// No manifest of the build names `metadata.wdk.driver-model`.
    NoWdkConfigurationsDetected,
    /// The manifests name more than one driver model.
    MultipleWdkConfigurationsDetected {
        /// The models named.
        driver_types: Vec<String>,
    },
    /// `driver-type` is not `"WDM"` (the stand-in implements only WDM).
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
            Self::MultipleWdkConfigurationsDetected { driver_types } => {
                write!(
                    f,
                    "the manifests name more than one driver model ({}); only one is allowed",
                    driver_types.join(", ")
                )
            }
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
/// [`ConfigError::StaticCrtNotEnabled`] without `crt-static`; [`ConfigError::NoWdkConfigurationsDetected`],
/// [`ConfigError::MultipleWdkConfigurationsDetected`] or [`ConfigError::UnsupportedDriverType`]
/// without exactly one WDM model; I/O and parse errors of the manifests.
pub fn configure_wdk_binary_build() -> Result<(), ConfigError> {
    let target_features = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    if !target_features.split(',').any(|feature| feature == "crt-static") {
        return Err(ConfigError::StaticCrtNotEnabled);
    }
    let config = Config::from_env_auto()?.ok_or(ConfigError::NoWdkConfigurationsDetected)?;
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if target_os == "windows" && target_env == "msvc" {
        for arg in WDM_LINK_ARGS {
            println!("cargo::rustc-cdylib-link-arg={arg}");
        }
    }
    config.emit_cfg_settings();
    Ok(())
}

/// Configures the build of a library that uses the WDK (call it from its build script): emits
/// the driver-model cfg if the build names one, and only the `rustc-check-cfg` list otherwise
/// (as the real crate does for libraries built on their own).
///
/// # Errors
///
/// As [`configure_wdk_library_build_and_then`].
pub fn configure_wdk_library_build() -> Result<(), ConfigError> {
    configure_wdk_library_build_and_then(|_| Ok(()))
}

/// Configures the build of a library that uses the WDK, then calls `f` with the configuration;
/// without a configuration, emits only the `rustc-check-cfg` list and does not call `f`.
///
/// # Errors
///
/// [`ConfigError::MultipleWdkConfigurationsDetected`] or [`ConfigError::UnsupportedDriverType`];
/// I/O and parse errors of the manifests; whatever `f` returns.
pub fn configure_wdk_library_build_and_then<F, E>(mut f: F) -> Result<(), E>
where
    F: FnMut(Config) -> Result<(), E>,
    E: From<ConfigError>,
{
    match Config::from_env_auto()? {
        Some(config) => {
            config.emit_cfg_settings();
            f(config)
        }
        None => {
            println!("cargo::warning=wdk-build stand-in: no WDK configuration detected");
            println!("{CHECK_CFG}");
            Ok(())
        }
    }
}

impl Config {
    /// The configuration the top-level manifest and its workspace name, if any.
    fn from_env_auto() -> Result<Option<Self>, ConfigError> {
        let mut driver_types = BTreeSet::new();
        for manifest in build_manifests()? {
            for section in ["package", "workspace"] {
                driver_types.extend(driver_type_in(&manifest, section));
            }
        }
        let mut driver_types = driver_types.into_iter();
        match (driver_types.next(), driver_types.next()) {
            (None, _) => Ok(None),
            (Some(first), Some(second)) => Err(ConfigError::MultipleWdkConfigurationsDetected {
                driver_types: [first, second].into_iter().chain(driver_types).collect(),
            }),
            (Some(driver_type), None) if driver_type == "WDM" => Ok(Some(Self { driver_config: DriverConfig::Wdm })),
            (Some(driver_type), None) => Err(ConfigError::UnsupportedDriverType { driver_type }),
        }
    }

    fn emit_cfg_settings(&self) {
        println!("{CHECK_CFG}");
        let driver_type = match self.driver_config {
            DriverConfig::Wdm => "WDM",
        };
        println!(r#"cargo::rustc-cfg=driver_model__driver_type="{driver_type}""#);
    }
}

/// The top-level manifest and its workspace members' manifests.
fn build_manifests() -> Result<Vec<toml::Table>, ConfigError> {
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR for build scripts"));
    let Some(root) = top_level_dir(&out_dir) else {
        return Ok(Vec::new());
    };
    let top = read_manifest(&root.join("Cargo.toml"))?;
    let mut manifests = Vec::new();
    for member in workspace_members(&top, root) {
        let path = member.join("Cargo.toml");
        if path.is_file() {
            manifests.push(read_manifest(&path)?);
        }
    }
    manifests.push(top);
    Ok(manifests)
}

/// The first ancestor of `out_dir` holding a `Cargo.lock` and a `Cargo.toml`.
fn top_level_dir(out_dir: &Path) -> Option<&Path> {
    out_dir.ancestors().find(|dir| dir.join("Cargo.lock").is_file() && dir.join("Cargo.toml").is_file())
}

/// The directories `workspace.members` lists (plain paths, and `dir/*` globs).
fn workspace_members(manifest: &toml::Table, root: &Path) -> Vec<PathBuf> {
    let members = manifest.get("workspace").and_then(|workspace| workspace.get("members")).and_then(|m| m.as_array());
    let mut dirs = Vec::new();
    for member in members.into_iter().flatten().filter_map(toml::Value::as_str) {
        if let Some(parent) = member.strip_suffix("/*") {
            let entries = fs::read_dir(root.join(parent)).into_iter().flatten().flatten();
            dirs.extend(entries.map(|entry| entry.path()).filter(|path| path.is_dir()));
        } else if member != "." {
            dirs.push(root.join(member));
        }
    }
    dirs
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
    use std::path::Path;

    use super::{ConfigError, driver_type_in, top_level_dir, workspace_members};

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
    fn members_are_plain_paths_and_globs() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("standins/");
        let manifest = table("[workspace]\nmembers = [\".\", \"wdk-build\", \"nowhere/*\"]\n");
        assert_eq!(workspace_members(&manifest, root), vec![root.join("wdk-build")]);
    }

    #[test]
    fn the_top_level_dir_has_a_lockfile_and_a_manifest() {
        // This crate's own directory has a manifest but no lockfile; standins/ has both.
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(top_level_dir(&here.join("src")), here.parent());
    }

    #[test]
    fn static_crt_message_names_the_fix() {
        assert!(ConfigError::StaticCrtNotEnabled.to_string().contains("target-feature=+crt-static"));
    }
}
