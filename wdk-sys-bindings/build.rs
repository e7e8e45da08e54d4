//! The project's build script for wdk-sys 0.5.2 (crates.io), for the Linux cross-build.
//!
//! `cargo xtask build` copies the wdk-sys that cargo downloaded to `target/wdk-crates/`, writes this
//! file over the copy's `build.rs` (and `mingw-w64-additions.h` beside it), and patches the copy
//! in. Everything else of the crate is unchanged. The real build script cannot run here: it calls
//! wdk-build, which finds the WDK through the Windows registry and has a `compile_error!` on other
//! hosts.
//!
//! It does what the real one does for a WDM driver, with mingw-w64's DDK headers in place of the
//! WDK's:
//!
//! - the driver-model cfg, through wdk-build (the project's stand-in) and
//!   `configure_wdk_library_build_and_then`, as the real script;
//! - bindgen over one input that includes `ntifs.h`, `ntddk.h` and `ntstrsafe.h`, in three passes
//!   run in parallel: VARS to `constants.rs`, TYPES to `types.rs`, the rest to `ntddk.rs`;
//! - [`wdk_default`]: wdk-build 0.6.0's `BuilderExt::wdk_default`, setting for setting, except the
//!   include paths (mingw-w64's) and the flags mingw's headers need (see [`MINGW_CLANG_ARGS`]);
//! - the link directives wdk-build puts in `ntddk.rs`, for the import libraries mingw-w64 has
//!   (`ntoskrnl`, `hal`, `wmilib`).
//!
//! What mingw-w64 10 lacks, supplied here and nothing more:
//! - two declarations wdk-sys or its users name: `POOL_FLAGS` and `ExAllocatePool2`
//!   (`mingw-w64-additions.h`, appended to bindgen's input);
//! - on the link side, the import libraries are made from mingw-w64's export lists with
//!   `ExAllocatePool2` added, and ntoskrnl.exe's variables (`IoFileObjectType`) as `CONSTANT`
//!   exports, as the WDK's ntoskrnl.lib has them (see [`link_import_libraries`]).
//!
//! One flag on top of wdk-build's: `-resource-dir`, because wdk-build turns off bindgen's include
//! detection and Debian's libclang does not find its own headers without it
//! ([`clang_resource_dir`]).
//!
//! Host builds (the drivers' clippy and the layout check, both on x86_64 Linux): the bindings are
//! the same MSVC x64 bindings, with the two C types whose size differs between the targets spelled
//! out: `long` is 32 bits on Windows and 64 on Linux, so `c_long`/`c_ulong` become `i32`/`u32`.
//! bindgen's own layout assertions (clang's MSVC sizes and offsets of every struct) then hold on
//! the host too, which the layout check relies on.
//!
//! Environment: `WDK_SYS_MINGW_INCLUDE` (default `/usr/share/mingw-w64/include`, which holds
//! `ddk/`) and `WDK_SYS_MINGW_LIB` (default `/usr/x86_64-w64-mingw32/lib`). libclang comes from
//! Debian's `libclang-dev` (`cargo xtask build` installs it).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use bindgen::CodegenConfig;
use wdk_build::{Config, DriverConfig};

/// The declarations mingw-w64 lacks.
const ADDITIONS: &str = include_str!("mingw-w64-additions.h");

/// wdk-build's base headers for WDM and KMDF (`Config::base_headers`).
const BASE_HEADERS: [&str; 3] = ["ntifs.h", "ntddk.h", "ntstrsafe.h"];

/// wdk-build's base libraries for WDM (`Config::base_libraries`) that mingw-w64 has an import
/// library for. `BufferOverflowFastFailK` (the `/GS` cookie check) has none; Rust code never
/// calls it.
const BASE_LIBRARIES: [&str; 3] = ["ntoskrnl", "hal", "wmilib"];

/// The DLLs of [`BASE_LIBRARIES`].
const BASE_LIBRARY_DLLS: [&str; 3] = ["ntoskrnl.exe", "hal.dll", "wmilib.sys"];

/// The routines `mingw-w64-additions.h` declares, all ntoskrnl.exe exports, which mingw-w64's
/// import library lacks too.
const ADDED_ROUTINES: [&str; 1] = ["ExAllocatePool2"];

/// What mingw-w64's headers need beyond wdk-build's flags:
/// - the target is explicit, because host builds (clippy, the layout check) must parse the
///   headers as the kernel build does (wdk-build gets it from cargo's `TARGET`);
/// - `-fgnuc-version=4.2.1` defines `__GNUC__`: without it, `_mingw.h` defines `__attribute__(x)`
///   away, and with it the `packed`/`aligned` attributes that give structs their NT layout.
const MINGW_CLANG_ARGS: [&str; 2] = ["--target=x86_64-pc-windows-msvc", "-fgnuc-version=4.2.1"];

/// wdk-build's preprocessor definitions for AMD64 and WDM (`Config::preprocessor_definitions`).
const DEFINITIONS: [&str; 4] = ["_WIN64", "_AMD64_", "AMD64", "_KERNEL_MODE"];

/// wdk-build's clang flags (`Config::wdk_bindgen_compiler_flags`).
const WDK_COMPILER_FLAGS: [&str; 13] = [
    "-fms-compatibility",
    "-fms-extensions",
    "-fdelayed-template-parsing",
    "--warn-=no-nonportable-include-path",
    "--warn-=no-pragma-pack",
    "--warn-=no-ignored-attributes",
    "--warn-=no-ignored-pragma-intrinsic",
    "--warn-=no-visibility",
    "--warn-=no-switch",
    "--warn-=no-comment",
    "--warn-=no-deprecated-declarations",
    "--warn-=no-invalid-token-paste",
    "--warn-=no-microsoft",
];

fn main() -> Result<()> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=mingw-w64-additions.h");
    println!("cargo::rerun-if-env-changed=WDK_SYS_MINGW_INCLUDE");
    println!("cargo::rerun-if-env-changed=WDK_SYS_MINGW_LIB");
    wdk_build::configure_wdk_library_build_and_then(|config| build(&config))
}

fn build(config: &Config) -> Result<()> {
    if !matches!(config.driver_config, DriverConfig::Wdm) {
        bail!("wdk-sys on Linux: only WDM drivers can be built (mingw-w64 has no WDF headers)");
    }
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").context("cargo sets OUT_DIR")?);
    let target = env::var("TARGET").context("cargo sets TARGET")?;
    let kernel_build = target.ends_with("-pc-windows-msvc");
    let include = mingw_include_dir()?;
    let resource_dir = clang_resource_dir()?;
    let header = format!(
        "{}{ADDITIONS}",
        BASE_HEADERS.iter().map(|header| format!("#include \"{header}\"\n")).collect::<String>()
    );

    let started = Instant::now();
    let passes: [(&str, CodegenConfig); 3] = [
        ("constants", CodegenConfig::VARS),
        ("types", CodegenConfig::TYPES),
        ("ntddk", (CodegenConfig::TYPES | CodegenConfig::VARS).complement()),
    ];
    thread::scope(|scope| {
        let handles: Vec<_> = passes
            .into_iter()
            .map(|(name, codegen)| {
                let (include, resource_dir, header, out_dir) = (&include, &resource_dir, &header, &out_dir);
                scope.spawn(move || generate(name, codegen, include, resource_dir, header, out_dir, kernel_build))
            })
            .collect();
        handles.into_iter().try_for_each(|handle| handle.join().expect("a bindgen pass panicked"))
    })?;
    println!("cargo::warning=wdk-sys: bindings generated in {:.1} s", started.elapsed().as_secs_f64());

    if kernel_build {
        link_import_libraries(&out_dir)?;
    }
    Ok(())
}

/// One pass: `<name>.rs` in `OUT_DIR`.
fn generate(
    name: &str,
    codegen: CodegenConfig,
    include: &Path,
    resource_dir: &Path,
    header: &str,
    out_dir: &Path,
    kernel_build: bool,
) -> Result<()> {
    let mut builder = wdk_default(include)
        .clang_arg(format!("-resource-dir={}", resource_dir.display()))
        .with_codegen_config(codegen)
        .header_contents(&format!("{name}-input.h"), header);
    if name == "ntddk" {
        builder = builder.raw_line(link_raw_lines());
    }
    let bindings = builder.generate().with_context(|| format!("bindgen could not generate {name}.rs"))?;
    let mut text = bindings.to_string();
    if !kernel_build {
        text = msvc_long_on_host(&text);
    }
    let path = out_dir.join(format!("{name}.rs"));
    fs::write(&path, text).with_context(|| format!("could not write {}", path.display()))
}

/// wdk-build 0.6.0's `BuilderExt::wdk_default` for WDM on AMD64, with mingw-w64's include paths
/// and [`MINGW_CLANG_ARGS`]. Not carried over: the WDF function-table name callback (KMDF/UMDF
/// only), the UMDF-only opaque type, and the rust target/edition lookups, which give wdk-build's
/// own MSRV (1.91) and edition (2024), written here.
fn wdk_default(include: &Path) -> bindgen::Builder {
    let include_paths = [include.join("ddk"), include.to_path_buf()];
    bindgen::Builder::default()
        .use_core()
        .derive_default(true)
        .generate_cstr(true)
        .detect_include_paths(false)
        .clang_arg("-fno-builtin")
        .clang_args(include_paths.iter().map(|path| format!("--include-directory={}", path.display())))
        .clang_args(DEFINITIONS.iter().map(|name| format!("--define-macro={name}")))
        .clang_args(WDK_COMPILER_FLAGS)
        .clang_args(MINGW_CLANG_ARGS)
        .blocklist_item("ExAllocatePoolWithTag") // Deprecated
        .blocklist_item("ExAllocatePoolWithQuotaTag") // Deprecated
        .blocklist_item("ExAllocatePoolWithTagPriority") // Deprecated
        .blocklist_item("ExAllocatePool") // Deprecated
        .blocklist_item("USBD_CalculateUsbBandwidth") // Deprecated
        .blocklist_item("USBD_CreateConfigurationRequest") // Deprecated
        .blocklist_item("USBD_Debug_LogEntry") // Deprecated
        .blocklist_item("USBD_GetUSBDIVersion") // Deprecated
        .blocklist_item("USBD_ParseConfigurationDescriptor") // Deprecated
        .blocklist_item("USBD_QueryBusTime") // Deprecated
        .blocklist_item("USBD_RegisterHcFilter") // Deprecated
        .blocklist_item("IOCTL_USB_DIAG_IGNORE_HUBS_OFF") // Deprecated/Internal-Use-Only
        .blocklist_item("IOCTL_USB_DIAG_IGNORE_HUBS_ON") // Deprecated/Internal-Use-Only
        .blocklist_item("IOCTL_USB_DIAGNOSTIC_MODE_OFF") // Deprecated/Internal-Use-Only
        .blocklist_item("IOCTL_USB_DIAGNOSTIC_MODE_ON") // Deprecated/Internal-Use-Only
        .blocklist_item("IOCTL_USB_GET_HUB_CAPABILITIES") // Deprecated/Internal-Use-Only
        .blocklist_item("IOCTL_USB_HCD_DISABLE_PORT") // Deprecated/Internal-Use-Only
        .blocklist_item("IOCTL_USB_HCD_ENABLE_PORT") // Deprecated/Internal-Use-Only
        .blocklist_item("IOCTL_USB_HCD_GET_STATS_1") // Deprecated/Internal-Use-Only
        .blocklist_item("IOCTL_USB_HCD_GET_STATS_2") // Deprecated/Internal-Use-Only
        .blocklist_item("IOCTL_USB_RESET_HUB") // Deprecated/Internal-Use-Only
        .opaque_type("_KGDTENTRY64") // No definition in WDK
        .opaque_type("_KIDTENTRY64") // No definition in WDK
        .blocklist_item(".*MCG_CAP(?:__bindgen.*)?")
        .blocklist_item(".*WHEA_XPF_MCA_SECTION")
        .blocklist_item(".*WHEA_ARM_BUS_ERROR(?:__bindgen.*)?")
        .blocklist_item(".*WHEA_ARM_PROCESSOR_ERROR")
        .blocklist_item(".*WHEA_ARM_CACHE_ERROR")
        .blocklist_item(".*ADDRESS0_OWNERSHIP_ACQUIRE")
        .blocklist_item(".*USBDEVICE_ABORTIO")
        .blocklist_item(".*USBDEVICE_STARTIO")
        .blocklist_item(".*USBDEVICE_TREE_PURGEIO")
        .no_default(".*tagMONITORINFOEXA")
        .must_use_type("NTSTATUS")
        .must_use_type("HRESULT")
        .default_enum_style(bindgen::EnumVariation::ModuleConsts)
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()))
        .formatter(bindgen::Formatter::Prettyplease)
        .rust_target(bindgen::RustTarget::stable(91, 0).expect("bindgen 0.73 knows Rust 1.91"))
        .rust_edition(bindgen::RustEdition::Edition2024)
}

/// wdk-build's `LinkDirective::render` for [`BASE_LIBRARIES`].
fn link_raw_lines() -> String {
    BASE_LIBRARIES
        .iter()
        .map(|name| {
            format!(
                "#[cfg(not(any(test, feature = \"suppress-wdk-linking\")))]\n\
                 #[link(name = \"{name}\", kind = \"static\", modifiers = \"-bundle\")]\n\
                 unsafe extern \"C\" {{}}\n"
            )
        })
        .collect()
}

/// The import libraries the link directives name, in `OUT_DIR` where lld-link finds them:
/// `<name>.lib`, made by the target's linker (`RUSTC_LINKER`, lld-link) from a module-definition
/// file listing what mingw-w64's `lib<name>.a` imports, and for ntoskrnl also
/// [`ADDED_ROUTINES`].
///
/// Variables (an `__imp_X` without an `X` in mingw-w64's library) are `CONSTANT` exports, as in the
/// WDK's ntoskrnl.lib: bindgen declares wdm.h's `extern POBJECT_TYPE *IoFileObjectType;` as
/// `static mut IoFileObjectType` and Rust links to `IoFileObjectType`, which must be the import
/// slot (hence the extra pointer), while mingw-w64's library defines only `__imp_IoFileObjectType`.
/// One library per DLL (rather than mingw-w64's plus one of additions) also keeps one import
/// descriptor per DLL in the image.
fn link_import_libraries(out_dir: &Path) -> Result<()> {
    let lib_dir =
        env::var_os("WDK_SYS_MINGW_LIB").map_or_else(|| PathBuf::from("/usr/x86_64-w64-mingw32/lib"), PathBuf::from);
    let linker = env::var_os("RUSTC_LINKER").unwrap_or_else(|| "lld-link".into());
    for (name, dll) in BASE_LIBRARIES.iter().zip(BASE_LIBRARY_DLLS) {
        let archive = lib_dir.join(format!("lib{name}.a"));
        println!("cargo::rerun-if-changed={}", archive.display());
        let symbols = archive_symbols(&archive).with_context(|| {
            format!(
                "could not read mingw-w64's {} (apt-get install gcc-mingw-w64-x86-64, or set WDK_SYS_MINGW_LIB)",
                archive.display()
            )
        })?;
        let mut exports = String::new();
        for imported in symbols.iter().filter_map(|symbol| symbol.strip_prefix("__imp_")) {
            let kind = if symbols.contains(imported) { "" } else { " CONSTANT" };
            exports.push_str(&format!("    {imported}{kind}\n"));
        }
        if *name == "ntoskrnl" {
            exports.extend(ADDED_ROUTINES.iter().map(|routine| format!("    {routine}\n")));
        }
        let def = out_dir.join(format!("{name}.def"));
        fs::write(&def, format!("LIBRARY {dll}\nEXPORTS\n{exports}"))?;
        let output = std::process::Command::new(&linker)
            .arg("/lib")
            .arg(format!("/def:{}", def.display()))
            .arg("/machine:x64")
            .arg(format!("/out:{}", out_dir.join(format!("{name}.lib")).display()))
            .output()
            .with_context(|| format!("could not run {} to make {name}.lib", linker.display()))?;
        if !output.status.success() {
            bail!("{} /lib failed: {}", linker.display(), String::from_utf8_lossy(&output.stderr));
        }
    }
    println!("cargo::rustc-link-search=native={}", out_dir.display());
    Ok(())
}

/// The symbols a GNU `ar` archive's index (its first member, `/`) lists.
fn archive_symbols(path: &Path) -> Result<std::collections::BTreeSet<String>> {
    let bytes = fs::read(path)?;
    let header = bytes.get(8..68).filter(|_| bytes.starts_with(b"!<arch>\n")).context("not an ar archive")?;
    if !header.starts_with(b"/ ") {
        bail!("{} has no symbol index", path.display());
    }
    let size: usize = std::str::from_utf8(&header[48..58])?.trim().parse()?;
    let index = bytes.get(68..68 + size).context("truncated symbol index")?;
    let count = u32::from_be_bytes(index[..4].try_into()?) as usize;
    let names = index.get(4 + 4 * count..).context("truncated symbol index")?;
    Ok(names.split(|&byte| byte == 0).take(count).map(|name| String::from_utf8_lossy(name).into_owned()).collect())
}

/// mingw-w64's include directory, the one that holds `ddk/ntifs.h`.
fn mingw_include_dir() -> Result<PathBuf> {
    let dir = env::var_os("WDK_SYS_MINGW_INCLUDE")
        .map_or_else(|| PathBuf::from("/usr/share/mingw-w64/include"), PathBuf::from);
    if !dir.join("ddk/ntifs.h").is_file() {
        bail!(
            "mingw-w64's DDK headers are not in {} (apt-get install gcc-mingw-w64-x86-64, or set \
             WDK_SYS_MINGW_INCLUDE to the directory that holds ddk/ntifs.h)",
            dir.display()
        );
    }
    Ok(dir)
}

/// The loaded libclang's resource directory (its `stddef.h`, `mm_malloc.h`, ...). wdk-build turns
/// off bindgen's include-path detection, which relies on libclang knowing the directory itself;
/// Debian's libclang 14 does not (it looks in a relative `lib/clang/14.0.6`), so it is passed.
/// `WDK_SYS_CLANG_RESOURCE_DIR` overrides it.
fn clang_resource_dir() -> Result<PathBuf> {
    println!("cargo::rerun-if-env-changed=WDK_SYS_CLANG_RESOURCE_DIR");
    if let Some(dir) = env::var_os("WDK_SYS_CLANG_RESOURCE_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let version = bindgen::clang_version();
    let (major, _) = version.parsed.with_context(|| format!("libclang's version: {}", version.full))?;
    let versions = PathBuf::from(format!("/usr/lib/llvm-{major}/lib/clang"));
    let found = fs::read_dir(&versions)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .find(|dir| dir.join("include/stddef.h").is_file());
    found.with_context(|| {
        format!(
            "libclang {major}'s resource directory (with include/stddef.h) is not in {} (apt-get install \
             libclang-dev, or set WDK_SYS_CLANG_RESOURCE_DIR)",
            versions.display()
        )
    })
}

/// `::core::ffi::c_long` and `c_ulong` as the MSVC target has them (32 bits), for host builds.
fn msvc_long_on_host(text: &str) -> String {
    let mut text = text.to_owned();
    for (c_type, msvc) in [("::core::ffi::c_ulong", "u32"), ("::core::ffi::c_long", "i32")] {
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(at) = rest.find(c_type) {
            let after = &rest[at + c_type.len()..];
            let whole = !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
            out.push_str(&rest[..at]);
            out.push_str(if whole { msvc } else { c_type });
            rest = after;
        }
        out.push_str(rest);
        text = out;
    }
    text
}
