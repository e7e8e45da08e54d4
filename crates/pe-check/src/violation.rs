//! One way an image falls short of a kernel driver, with a message that names the fault.

use std::fmt;

/// A fault [`check_driver`](crate::check_driver) found. `Display` gives the message.
///
/// ```
/// let v = pe_check::Violation::NotNative { subsystem: 3 };
/// assert_eq!(v.to_string(), "subsystem is 3, not NATIVE (1)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// The optional header is PE32, not PE32+.
    NotPe32Plus,
    /// `Machine` is not AMD64.
    NotAmd64 {
        /// The machine found.
        machine: u16,
    },
    /// `Subsystem` is not NATIVE.
    NotNative {
        /// The subsystem found.
        subsystem: u16,
    },
    /// The entry point is not `DriverEntry`.
    EntryNotDriverEntry {
        /// `AddressOfEntryPoint`.
        entry: u32,
        /// The RVA of the `DriverEntry` export, if exported.
        driver_entry: Option<u32>,
        /// The export at the entry point, if any.
        symbol: Option<String>,
    },
    /// A DLL that is neither one of the allowed kernel modules nor a known user-mode DLL.
    ForeignDll {
        /// The DLL name.
        dll: String,
    },
    /// A C runtime DLL (msvcrt, ucrtbase, vcruntime*, msvcp*, api-ms-win-crt-*).
    CrtImport {
        /// The DLL name.
        dll: String,
    },
    /// A user-mode system DLL (kernel32, kernelbase, ntdll, user32, advapi32, api-ms-win-*).
    UserModeImport {
        /// The DLL name.
        dll: String,
    },
    /// The base relocation directory is empty: the image cannot be loaded at another base.
    NoRelocations,
    /// `CheckSum` is zero (link with `/RELEASE`); the kernel loader checks it.
    ChecksumZero {
        /// The checksum the image should carry.
        computed: u32,
    },
    /// `CheckSum` does not match the file.
    ChecksumWrong {
        /// The stored value.
        stored: u32,
        /// The recomputed value.
        computed: u32,
    },
    /// `IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE` is missing (link with `/DYNAMICBASE`).
    NotDynamicBase,
    /// `IMAGE_DLLCHARACTERISTICS_NX_COMPAT` is missing (link with `/NXCOMPAT`).
    NotNxCompat,
    /// The ntoskrnl flavour does not import a run-down routine it wraps.
    MissingImport {
        /// The routine.
        function: String,
    },
    /// The portable flavour imports a routine Wine lacks or stubs.
    ForbiddenImport {
        /// The DLL it is imported from.
        dll: String,
        /// The routine.
        function: String,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotPe32Plus => write!(f, "image is PE32, not PE32+"),
            Self::NotAmd64 { machine } => write!(f, "machine is {machine:#06x}, not AMD64 (0x8664)"),
            Self::NotNative { subsystem } => write!(f, "subsystem is {subsystem}, not NATIVE (1)"),
            Self::EntryNotDriverEntry { entry, driver_entry, symbol } => {
                write!(f, "entry point {entry:#x} is not DriverEntry (")?;
                match driver_entry {
                    Some(rva) => write!(f, "DriverEntry is exported at {rva:#x}")?,
                    None => write!(f, "DriverEntry is not exported")?,
                }
                match symbol {
                    Some(name) => write!(f, "; the entry point is `{name}`)"),
                    None => write!(f, ")"),
                }
            }
            Self::ForeignDll { dll } => write!(f, "imports from `{dll}`, which is not ntoskrnl.exe or hal.dll"),
            Self::CrtImport { dll } => write!(f, "imports the C runtime `{dll}`; a driver links no CRT"),
            Self::UserModeImport { dll } => write!(f, "imports the user-mode DLL `{dll}`"),
            Self::NoRelocations => write!(f, "no base relocations (.reloc is empty)"),
            Self::ChecksumZero { computed } => write!(f, "checksum is zero (should be {computed:#010x})"),
            Self::ChecksumWrong { stored, computed } => {
                write!(f, "checksum is {stored:#010x}, the file sums to {computed:#010x}")
            }
            Self::NotDynamicBase => write!(f, "DllCharacteristics lacks DYNAMIC_BASE"),
            Self::NotNxCompat => write!(f, "DllCharacteristics lacks NX_COMPAT"),
            Self::MissingImport { function } => write!(f, "does not import `{function}` from ntoskrnl.exe"),
            Self::ForbiddenImport { dll, function } => {
                write!(f, "imports `{function}` from `{dll}`, which the portable flavour must not use")
            }
        }
    }
}
