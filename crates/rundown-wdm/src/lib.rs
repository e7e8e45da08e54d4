//! The WDM layer both rundown drivers stand on, over windows-drivers-rs's wdk-sys: the drivers
//! translate requests, and the `unsafe` of talking to the kernel stays here, each block with its
//! reason.
//!
//! - [`Driver`] and [`driver!`]: a driver as one state value, in the manner of Rust-for-Linux's
//!   `Module` and `module!`: DriverEntry builds it ([`Driver::init`]) and publishes it in a
//!   [`DriverCell`], a method per request, unload is `Drop`;
//! - [`Irp`]: a request from dispatch to its one [`Completion`] (or its pending and
//!   cancellation), with typed METHOD_BUFFERED access ([`Irp::buffered`], [`InputCopy`]);
//! - [`ForeignOwnable`]: file-object contexts (`FsContext`), given at CREATE, borrowed by later
//!   requests, taken back at CLOSE;
//! - [`DriverBox`]: pool that the driver's threads and callbacks borrow as `'static`, freed with
//!   the state;
//! - [`Device`]: a named device and its link, deleted when dropped; [`DeviceAccess`] for its DACL;
//! - [`SynchronizationEvent`]: a `KEVENT` that only exists initialized and pinned;
//! - [`SystemThread`], [`ThreadSlot`], [`sleep_us`]: `PsCreateSystemThread` threads that
//!   DriverUnload waits for;
//! - [`KernelFile`], [`ReferencedFile`]: another driver's device, opened from kernel mode;
//! - [`interface`](mod@interface): the peer interface's C function table, served
//!   ([`InterfaceProvider`]) and called ([`InterfaceClient`]);
//! - [`pool`]: the global allocators: nonpaged pool through `ExAllocatePoolWithTag`, and one
//!   that counts what is in use;
//! - [`timer`]: a periodic `KTIMER` whose DPC runs while a closure does;
//! - [`unicode`], [`current_process_id`], [`try_box`], [`wdk_values`]: small edges;
//! - [`log`](mod@log): the drivers' log, `DbgPrintEx` under `DPFLTR_IHVDRIVER_ID` at a level
//!   ([`error!`], [`warn!`], [`trace!`], [`info!`], [`log!`](crate::log!)).
#![no_std]

extern crate alloc;

mod buffered;
mod cancel;
mod cell;
mod completion;
mod device;
mod dispatch;
mod driver;
mod driver_box;
mod driver_object;
mod entry;
mod event;
mod file;
mod file_object;
pub mod interface;
mod irp;
mod kernel_file;
pub mod log;
pub mod pool;
mod process;
mod security;
mod status;
#[cfg(test)]
mod test_irp;
mod thread;
pub mod timer;
mod unclosed;
pub mod wdk_values;

pub use buffered::{InputCopy, IoControl};
pub use cancel::{Cancel, IrpId};
pub use cell::DriverCell;
pub use completion::Completion;
pub use device::{Device, DeviceAccess, DeviceNames};
pub use driver::{ControlLevel, Driver, FileContext, Loadable};
pub use driver_box::DriverBox;
pub use driver_object::{DriverObject, RegistryPath};
pub use event::SynchronizationEvent;
pub use file::{FileKey, ForeignOwnable};
pub use interface::{Hold, InterfaceClient, InterfaceProvider, table as interface_table};
pub use irp::Irp;
pub use kernel_file::{KernelFile, ReferencedFile};
pub use process::current_process_id;
/// Moves a value to pool, or `None` when the pool refuses (defined in `rundown_service`).
pub use rundown_service::try_box;
pub use thread::{SystemThread, ThreadMain, ThreadSlot, sleep_us};

/// What [`driver!`] expands to refers to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::entry::entry;
    pub use wdk_sys::{DRIVER_OBJECT, NTSTATUS, UNICODE_STRING};
}

use wdk_sys::UNICODE_STRING;

/// A counted UTF-16 string over a constant name (`RtlInitUnicodeString` without the NUL scan).
///
/// # Panics
/// If the name is longer than a `UNICODE_STRING` can count (32 KiB).
///
/// ```
/// let name = rundown_wdm::unicode(&rundown_abi::names::NT_DEVICE_NAME_W);
/// assert_eq!(usize::from(name.Length), 2 * rundown_abi::names::NT_DEVICE_NAME_W.len());
/// ```
#[must_use]
pub fn unicode(name: &'static [u16]) -> UNICODE_STRING {
    let bytes = u16::try_from(core::mem::size_of_val(name)).expect("device names are short");
    UNICODE_STRING { Length: bytes, MaximumLength: bytes, Buffer: name.as_ptr().cast_mut() }
}
