//! WDK values in the types the routines take.
//!
//! wdk-sys gives `TRUE`, `FALSE`, `SL_PENDING_RETURNED` and `IO_NO_INCREMENT` as `u32` and the
//! `_MODE` values as `i32` (windows-drivers-rs issue #119), while the routines and fields take
//! `BOOLEAN`, `UCHAR`, `CCHAR` and `KPROCESSOR_MODE`. The narrowing happens here once, checked at
//! compile time.

use wdk_sys::{BOOLEAN, CCHAR, KPROCESSOR_MODE};

/// `FALSE` as a `BOOLEAN`.
pub const FALSE: BOOLEAN = to_u8(wdk_sys::FALSE);
/// `TRUE` as a `BOOLEAN`.
pub const TRUE: BOOLEAN = to_u8(wdk_sys::TRUE);
/// `KernelMode` as a `KPROCESSOR_MODE`.
pub const KERNEL_MODE: KPROCESSOR_MODE = to_i8(wdk_sys::_MODE::KernelMode);
/// `UserMode` as a `KPROCESSOR_MODE`.
pub const USER_MODE: KPROCESSOR_MODE = to_i8(wdk_sys::_MODE::UserMode);
/// `SL_PENDING_RETURNED`, a bit of `IO_STACK_LOCATION.Control` (a `UCHAR`).
pub const SL_PENDING_RETURNED: u8 = to_u8(wdk_sys::SL_PENDING_RETURNED);
/// `IO_NO_INCREMENT` as `IofCompleteRequest`'s `CCHAR` priority boost.
pub const IO_NO_INCREMENT: CCHAR = to_i8(wdk_sys::IO_NO_INCREMENT.cast_signed());

#[expect(clippy::cast_possible_truncation, reason = "the assertion proves the value fits")]
const fn to_u8(value: u32) -> u8 {
    assert!(value <= u8::MAX as u32, "the WDK value does not fit a UCHAR");
    value as u8
}

#[expect(clippy::cast_possible_truncation, reason = "the assertion proves the value fits")]
const fn to_i8(value: i32) -> i8 {
    assert!(value >= i8::MIN as i32 && value <= i8::MAX as i32, "the WDK value does not fit a CHAR");
    value as i8
}
