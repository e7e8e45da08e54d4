//! Stand-in for wdk-sys's `test-stubs` module (Linux cross-builds only): a `DriverEntry` symbol
//! so that test binaries of crates that depend on wdk-sys link, as in the real crate.

use crate::{NTSTATUS, PCUNICODE_STRING, PDRIVER_OBJECT};

/// A `DriverEntry` that does nothing and returns `STATUS_SUCCESS`.
///
/// # Safety
///
/// Never called; it only provides the symbol.
// SAFETY: no other item of this crate exports `DriverEntry`, so the symbol is unique.
#[unsafe(export_name = "DriverEntry")]
pub const unsafe extern "system" fn driver_entry_stub(
    _driver: PDRIVER_OBJECT,
    _registry_path: PCUNICODE_STRING,
) -> NTSTATUS {
    0
}
