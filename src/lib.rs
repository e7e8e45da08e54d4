//! The rundown driver: a WDM driver that owns a shared object guarded by NT run-down protection.
//!
//! `\Device\RundownShared` (link `\DosDevices\RundownShared`, openable by SYSTEM and
//! Administrators) answers the IOCTLs of [`rundown_abi`]. The work is done by
//! [`rundown_service`], which runs on a host too; this crate only translates IRPs:
//!
//! - [`state`]: what DriverEntry builds and DriverUnload takes apart;
//! - [`dispatch`]: CREATE, CLEANUP, CLOSE, DEVICE_CONTROL and INTERNAL_DEVICE_CONTROL;
//! - [`owner_thread`]: the system thread that owns the run-down and rotates the object;
//! - [`interface`]: the function table peer drivers get through GET_INTERFACE;
//! - [`handles`]: the open handles' contexts;
//! - [`device`], [`security`], [`pool`]: the kernel edges (the shared ones are in `rundown-wdm`).
//!
//! Two flavours from this source: `ntoskrnl` (default) imports NtosKrnl's
//! `Ex*RundownProtection*` routines; `portable` uses the `rundown` crate's model with KEVENT
//! waits, for Wine, whose routines are stubs.
#![no_std]

extern crate alloc;
#[cfg(not(test))]
extern crate wdk_panic;

mod device;
mod dispatch;
mod handles;
mod interface;
mod owner_thread;
mod pool;
mod security;
mod state;

#[cfg(all(feature = "ntoskrnl", feature = "portable"))]
compile_error!("choose one flavour: `ntoskrnl` (the default) or `portable` (--no-default-features)");
#[cfg(not(any(feature = "ntoskrnl", feature = "portable")))]
compile_error!("choose a flavour: `ntoskrnl` (the default) or `--no-default-features --features portable`");

use rundown::irql::{Irql, PassiveEntryPoint};
use wdk_sys::{DRIVER_OBJECT, NTSTATUS, PCUNICODE_STRING, STATUS_SUCCESS};

/// Every allocation comes from nonpaged pool and is counted for STATS and the unload report.
#[cfg(not(test))]
#[global_allocator]
static GLOBAL_ALLOCATOR: pool::CountingAllocator = pool::CountingAllocator::new();

/// Creates the device, its link and the shared object, and starts the owner thread.
///
/// # Safety
/// Called by the I/O manager only, with a valid driver object.
#[unsafe(export_name = "DriverEntry")]
pub unsafe extern "system" fn driver_entry(driver: &mut DRIVER_OBJECT, _registry_path: PCUNICODE_STRING) -> NTSTATUS {
    // SAFETY: the I/O manager calls DriverEntry at PASSIVE_LEVEL.
    let irql = unsafe { Irql::entered_at(PassiveEntryPoint::DriverEntry) };
    match state::DriverState::start(driver, &irql) {
        Ok(()) => STATUS_SUCCESS,
        Err(status) => {
            rundown_wdm::error!("rundown: DriverEntry failed: {status:?}");
            status.raw()
        }
    }
}
