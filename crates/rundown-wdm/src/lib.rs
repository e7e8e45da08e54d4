//! The WDM edges the rundown driver and its sample peer share, over windows-drivers-rs's wdk-sys:
//!
//! - [`create_device`], [`delete_device`]: a named device and its link, as a pair;
//! - [`Irp`]: a request from dispatch to its one completion (or its pending);
//! - [`SynchronizationEvent`]: a `KEVENT` doorbell;
//! - [`SystemThread`]: a `PsCreateSystemThread` thread that DriverUnload can wait for;
//! - [`unicode`]: a counted `UNICODE_STRING` over a constant name;
//! - [`wdk_values`]: WDK values in the types the routines take;
//! - [`log`](mod@log): the drivers' log, `DbgPrintEx` under `DPFLTR_IHVDRIVER_ID` at a level
//!   ([`error!`], [`warn!`], [`trace!`], [`info!`], [`log!`](crate::log!)).
//!
//! `unsafe` stays here, each block with its reason; the drivers above use these types.
#![no_std]

extern crate alloc;

mod device;
mod event;
mod irp;
pub mod log;
mod thread;
pub mod timer;
pub mod wdk_values;

pub use device::{DeviceNames, create_device, delete_device};
pub use event::SynchronizationEvent;
pub use irp::{Irp, release_cancel_spin_lock};
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

/// Moves `value` to nonpaged pool, or gives `None` when the pool refuses, where `Box::new` would
/// bug-check through the panic handler.
#[must_use]
pub fn try_box<T>(value: T) -> Option<alloc::boxed::Box<T>> {
    let mut one = alloc::vec::Vec::new();
    one.try_reserve_exact(1).ok()?;
    one.push(value);
    let slice: alloc::boxed::Box<[T]> = one.into_boxed_slice();
    // SAFETY: a one-element slice has the layout of its element, and the pointer comes from a
    // Box of the global allocator, which the new Box frees with the same layout.
    Some(unsafe { alloc::boxed::Box::from_raw(alloc::boxed::Box::into_raw(slice).cast::<T>()) })
}
