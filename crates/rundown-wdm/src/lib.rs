//! The WDM edges the rundown driver and its sample peer share, over windows-drivers-rs's wdk-sys:
//!
//! - [`Irp`]: a request from dispatch to its one completion (or its pending);
//! - [`SynchronizationEvent`]: a `KEVENT` doorbell;
//! - [`SystemThread`]: a `PsCreateSystemThread` thread that DriverUnload can wait for;
//! - [`unicode`]: a counted `UNICODE_STRING` over a constant name;
//! - [`wdk_values`]: WDK values in the types the routines take.
//!
//! `unsafe` stays here, each block with its reason; the drivers above use these types.
#![no_std]

extern crate alloc;

mod event;
mod irp;
mod thread;
pub mod wdk_values;

pub use event::SynchronizationEvent;
pub use irp::Irp;
pub use thread::{SystemThread, ThreadMain};

use wdk_sys::UNICODE_STRING;

/// A counted UTF-16 string over a constant name (`RtlInitUnicodeString` without the NUL scan).
///
/// # Panics
/// If the name is longer than a `UNICODE_STRING` can count (32 KiB).
///
/// ```ignore
/// let name = rundown_wdm::unicode(&rundown_abi::names::NT_DEVICE_NAME_W);
/// ```
#[must_use]
pub fn unicode(name: &'static [u16]) -> UNICODE_STRING {
    let bytes = u16::try_from(core::mem::size_of_val(name)).expect("device names are short");
    UNICODE_STRING { Length: bytes, MaximumLength: bytes, Buffer: name.as_ptr().cast_mut() }
}
