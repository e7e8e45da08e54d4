//! The driver-image rules of issue 3, per flavour.

use crate::dll::DllKind;
use crate::image::DriverImage;
use crate::violation::Violation;

/// The eight NtosKrnl run-down routines the `rundown` crate can wrap.
pub const RUNDOWN_ROUTINES: &[&str] = &[
    "ExInitializeRundownProtection",
    "ExReInitializeRundownProtection",
    "ExAcquireRundownProtection",
    "ExAcquireRundownProtectionEx",
    "ExReleaseRundownProtection",
    "ExReleaseRundownProtectionEx",
    "ExWaitForRundownProtectionRelease",
    "ExRundownCompleted",
];

/// The DLLs a driver may import from (compared ignoring ASCII case).
pub const KERNEL_DLLS: &[&str] = &["ntoskrnl.exe", "hal.dll"];

/// Which build of the driver an image is: `rundown_abi`'s flavour, the one VERSION reports (one
/// definition for the ABI, the build and this check).
///
/// - `Ntoskrnl`, the default build, wraps NtosKrnl's own run-down routines, so must import them.
/// - `Portable`, the Wine build, uses the `rundown` crate's model, so must import no
///   `Ex*Rundown*` routine, no `*CacheAware*` routine and no `ExAllocatePool2`, which Wine 8
///   lacks or stubs (docs/wine-probe.md): see [`forbids`].
///
/// ```
/// use pe_check::Flavour;
/// assert_eq!(Flavour::Portable.name(), "portable");
/// ```
pub use rundown_abi::DriverFlavour as Flavour;

/// Whether `flavour` must not import `function`.
///
/// ```
/// use pe_check::{Flavour, forbids};
/// assert!(forbids(Flavour::Portable, "ExAcquireRundownProtectionCacheAware"));
/// assert!(forbids(Flavour::Portable, "ExAllocatePool2"));
/// assert!(!forbids(Flavour::Ntoskrnl, "ExAcquireRundownProtection"));
/// ```
#[must_use]
pub fn forbids(flavour: Flavour, function: &str) -> bool {
    match flavour {
        Flavour::Ntoskrnl => false,
        Flavour::Portable => {
            (function.starts_with("Ex") && function.contains("Rundown"))
                || function.contains("CacheAware")
                || function == "ExAllocatePool2"
        }
    }
}

/// What [`check`] holds an image to.
///
/// ```
/// use pe_check::{Expectations, Flavour};
/// // a driver that wraps only the basic routines
/// let only = ["ExInitializeRundownProtection", "ExAcquireRundownProtection"];
/// let expect = Expectations { required_imports: &only, ..Expectations::for_flavour(Flavour::Ntoskrnl) };
/// assert_eq!(expect.required_imports.len(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expectations<'a> {
    /// Which flavour's import rules apply.
    pub flavour: Flavour,
    /// DLLs the image may import from ([`KERNEL_DLLS`] by default).
    pub allowed_dlls: &'a [&'a str],
    /// Routines that must be imported from ntoskrnl.exe: [`RUNDOWN_ROUTINES`] for
    /// [`Flavour::Ntoskrnl`], none for [`Flavour::Portable`].
    pub required_imports: &'a [&'a str],
}

impl Expectations<'static> {
    /// The defaults for `flavour`.
    #[must_use]
    pub fn for_flavour(flavour: Flavour) -> Self {
        let required_imports = match flavour {
            Flavour::Ntoskrnl => RUNDOWN_ROUTINES,
            Flavour::Portable => &[],
        };
        Self { flavour, allowed_dlls: KERNEL_DLLS, required_imports }
    }
}

/// [`check`] with the defaults of `flavour`.
///
/// ```no_run
/// let bytes = std::fs::read("target/sys/rundown-portable.sys").unwrap();
/// let image = pe_check::DriverImage::parse(&bytes).unwrap();
/// for v in pe_check::check_driver(&image, pe_check::Flavour::Portable) {
///     eprintln!("{v}");
/// }
/// ```
#[must_use]
pub fn check_driver(image: &DriverImage, flavour: Flavour) -> Vec<Violation> {
    check(image, &Expectations::for_flavour(flavour))
}

/// Every way `image` falls short of `expect`, in header, import, relocation, checksum order.
/// Empty means the image passes.
///
/// ```
/// use pe_check::{check, Expectations, Flavour};
/// # let image = pe_check::DriverImage {
/// #     is_pe32_plus: true, machine: 0x8664, file_characteristics: 0x22, subsystem: 1, entry_point: 0x1000,
/// #     entry_symbol: None, driver_entry_export: None,
/// #     imports: vec![pe_check::DllImports { dll: "ntoskrnl.exe".into(), functions: vec!["DbgPrint".into()] }],
/// #     has_relocations: true, stored_checksum: 0x1234, computed_checksum: 0x1234,
/// #     dll_characteristics: 0x0140,
/// # };
/// assert!(check(&image, &Expectations::for_flavour(Flavour::Portable)).is_empty());
/// ```
#[must_use]
pub fn check(image: &DriverImage, expect: &Expectations<'_>) -> Vec<Violation> {
    let mut found = headers(image);
    found.extend(imports(image, expect));
    if !image.has_relocations {
        found.push(Violation::NoRelocations);
    }
    if image.stored_checksum == 0 {
        found.push(Violation::ChecksumZero { computed: image.computed_checksum });
    } else if image.stored_checksum != image.computed_checksum {
        found.push(Violation::ChecksumWrong { stored: image.stored_checksum, computed: image.computed_checksum });
    }
    found
}

fn headers(image: &DriverImage) -> Vec<Violation> {
    let mut found = Vec::new();
    if !image.is_pe32_plus {
        found.push(Violation::NotPe32Plus);
    }
    if !image.is_amd64() {
        found.push(Violation::NotAmd64 { machine: image.machine });
    }
    if !image.is_native() {
        found.push(Violation::NotNative { subsystem: image.subsystem });
    }
    // Without a DriverEntry export the entry point cannot be named; it is accepted unless it is
    // zero or another export sits there.
    let entry_ok = image.entry_point != 0
        && match image.driver_entry_export {
            Some(rva) => rva == image.entry_point,
            None => image.entry_symbol.is_none(),
        };
    if !entry_ok {
        found.push(Violation::EntryNotDriverEntry {
            entry: image.entry_point,
            driver_entry: image.driver_entry_export,
            symbol: image.entry_symbol.clone(),
        });
    }
    if !image.is_dynamic_base() {
        found.push(Violation::NotDynamicBase);
    }
    if !image.is_nx_compat() {
        found.push(Violation::NotNxCompat);
    }
    found
}

fn imports(image: &DriverImage, expect: &Expectations<'_>) -> Vec<Violation> {
    let mut found = Vec::new();
    for dll in &image.imports {
        if expect.allowed_dlls.iter().any(|allowed| allowed.eq_ignore_ascii_case(&dll.dll)) {
            continue;
        }
        found.push(match DllKind::of(&dll.dll) {
            DllKind::Crt => Violation::CrtImport { dll: dll.dll.clone() },
            DllKind::UserMode => Violation::UserModeImport { dll: dll.dll.clone() },
            DllKind::Other => Violation::ForeignDll { dll: dll.dll.clone() },
        });
    }
    let from_ntoskrnl = |function: &str| {
        image.imports.iter().any(|d| d.dll.eq_ignore_ascii_case("ntoskrnl.exe") && d.imports(function))
    };
    for function in expect.required_imports {
        if !from_ntoskrnl(function) {
            found.push(Violation::MissingImport { function: (*function).to_owned() });
        }
    }
    for (dll, function) in image.imported_functions() {
        if forbids(expect.flavour, function) {
            found.push(Violation::ForbiddenImport { dll: dll.to_owned(), function: function.to_owned() });
        }
    }
    found
}
