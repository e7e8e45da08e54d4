//! Stand-in for [`wdk-sys` 0.5.2](https://crates.io/crates/wdk-sys) for Linux cross-builds.
//!
//! The real crate runs bindgen over the WDK headers on a Windows host. This one is written by
//! hand and follows the real crate's API exactly for the WDM subset a driver uses:
//!
//! - types, structs, enums and constants live at the crate root (`wdk_sys::IRP`,
//!   `wdk_sys::STATUS_SUCCESS`, `wdk_sys::_POOL_TYPE::NonPagedPoolNx`), functions only in
//!   [`ntddk`];
//! - names, nesting and scalar types are bindgen's: `_X` structs with `X` aliases and `P*`
//!   pointer typedefs, anonymous unions and structs as `__bindgen_anon_N` fields of
//!   `_X__bindgen_ty_N` types, enums as `pub mod _X { pub type Type = i32; ... }` modules,
//!   callbacks as `Option<unsafe extern "C" fn(..)>`, `#[must_use]` on NTSTATUS-returning
//!   functions, `Default` for every struct and union;
//! - layouts are the real x64 NT layouts (Wine's and Windows' I/O managers read and write these
//!   structures); `tests/layout.rs` checks sizes, alignments and field offsets against
//!   mingw-w64's DDK headers.
//!
//! Differences from the real crate, all deliberate: only WDM (`driver_model__driver_type` is
//! always `"WDM"`, emitted by this crate's own build script); only the items listed in
//! `types.rs`, `constants.rs` and `ntddk.rs`; bitfields keep bindgen's `_bitfield_N` storage
//! but have no accessor methods; the few pointee types documented as opaque in `types.rs`; no
//! `wdk_macros` re-export; the import library is mingw-w64's (see `build.rs`).
#![no_std]
// The items follow bindgen's (and the WDK's) naming, so the usual Rust naming lints do not
// apply; the items are documented by the WDK, not here (the real crate allows the same).
#![allow(non_snake_case, non_camel_case_types, non_upper_case_globals, missing_docs)]

#[cfg(driver_model__driver_type = "WDM")]
pub use crate::{constants::*, types::*};

#[cfg(driver_model__driver_type = "WDM")]
mod constants;
#[cfg(driver_model__driver_type = "WDM")]
pub mod ntddk;
#[cfg(feature = "test-stubs")]
pub mod test_stubs;
#[cfg(driver_model__driver_type = "WDM")]
mod types;

// As in the real crate: LLVM references `_fltused` whenever it sees floating-point types, even
// with soft-float; the symbol only has to exist.
// SAFETY: no other item of this crate exports this name, so the symbol is unique.
#[unsafe(no_mangle)]
pub static _fltused: () = ();

// As in the real crate: with `panic = "abort"` nothing unwinds, but the msvc target still names
// these personality/handler routines; distinct bodies keep them from being folded together.
#[cfg(panic = "abort")]
// SAFETY: no other item of this crate exports this name, so the symbol is unique.
#[unsafe(no_mangle)]
pub const extern "system" fn __CxxFrameHandler3() -> i32 {
    0
}

#[cfg(panic = "abort")]
// SAFETY: no other item of this crate exports this name, so the symbol is unique.
#[unsafe(no_mangle)]
pub const extern "system" fn __CxxFrameHandler4() -> i32 {
    1
}

#[cfg(panic = "abort")]
// SAFETY: no other item of this crate exports this name, so the symbol is unique.
#[unsafe(no_mangle)]
pub const extern "system" fn __GSHandlerCheck_EH4() -> i32 {
    2
}

/// `NT_SUCCESS` from ntdef.h: success (0 to 0x3FFFFFFF) or informational (0x40000000 to
/// 0x7FFFFFFF).
#[cfg(driver_model__driver_type = "WDM")]
#[must_use]
pub const fn NT_SUCCESS(nt_status: NTSTATUS) -> bool {
    nt_status >= 0
}

/// `NT_INFORMATION` from ntdef.h: severity bits `01`.
#[cfg(driver_model__driver_type = "WDM")]
#[must_use]
#[allow(clippy::cast_sign_loss)]
pub const fn NT_INFORMATION(nt_status: NTSTATUS) -> bool {
    (nt_status as u32 >> 30) == 1
}

/// `NT_WARNING` from ntdef.h: severity bits `10`.
#[cfg(driver_model__driver_type = "WDM")]
#[must_use]
#[allow(clippy::cast_sign_loss)]
pub const fn NT_WARNING(nt_status: NTSTATUS) -> bool {
    (nt_status as u32 >> 30) == 2
}

/// `NT_ERROR` from ntdef.h: severity bits `11`.
#[cfg(driver_model__driver_type = "WDM")]
#[must_use]
#[allow(clippy::cast_sign_loss)]
pub const fn NT_ERROR(nt_status: NTSTATUS) -> bool {
    (nt_status as u32 >> 30) == 3
}

/// `PAGED_CODE()` as in the real crate: in debug builds, asserts that the IRQL is at most
/// `APC_LEVEL`.
#[cfg(driver_model__driver_type = "WDM")]
#[macro_export]
macro_rules! PAGED_CODE {
    () => {
        debug_assert!(
            // SAFETY: `KeGetCurrentIrql` has no preconditions and is callable at any IRQL.
            unsafe { $crate::ntddk::KeGetCurrentIrql() } <= $crate::APC_LEVEL as u8
        );
    };
}
