//! A sample peer of the rundown driver: a second WDM driver that gets the shared object's
//! interface (GET_INTERFACE from kernel mode) and runs a worker loop on a system thread: acquire,
//! read, check that the payload is consistent for its generation, release, repeat.
//!
//! - [`owner_link`]: the handle to `\Device\RundownShared` and the interface table;
//! - [`worker`]: the iterations, in a loop on a system thread or in a timer DPC, and their counts;
//! - [`state`]: DriverEntry, DriverUnload and the `\Device\RundownPeer` IOCTLs
//!   (`rundown_abi::peer`).
//!
//! In Wine the peer must share the owner's load-order group (`sc create ... group= ...`): only
//! then do both drivers run in one winedevice.exe and can call each other.
#![no_std]

extern crate alloc;
#[cfg(not(test))]
extern crate wdk_panic;

mod owner_link;
mod state;
mod worker;

#[cfg(all(feature = "ntoskrnl", feature = "portable"))]
compile_error!("choose one flavour: `ntoskrnl` (the default) or `portable` (--no-default-features)");
#[cfg(not(any(feature = "ntoskrnl", feature = "portable")))]
compile_error!("choose a flavour: `ntoskrnl` (the default) or `--no-default-features --features portable`");

use rundown::irql::{Irql, PassiveEntryPoint};
use wdk_sys::{DRIVER_OBJECT, NTSTATUS, PCUNICODE_STRING, STATUS_SUCCESS};

#[cfg(not(test))]
#[global_allocator]
static GLOBAL_ALLOCATOR: wdk_alloc::WdkAllocator = wdk_alloc::WdkAllocator;

/// Opens the owner's device, gets its interface, and creates `\Device\RundownPeer`.
///
/// # Safety
/// Called by the I/O manager only, with a valid driver object.
#[unsafe(export_name = "DriverEntry")]
pub unsafe extern "system" fn driver_entry(driver: &mut DRIVER_OBJECT, _registry_path: PCUNICODE_STRING) -> NTSTATUS {
    // SAFETY: the I/O manager calls DriverEntry at PASSIVE_LEVEL.
    let irql = unsafe { Irql::entered_at(PassiveEntryPoint::DriverEntry) };
    match state::PeerState::start(driver, &irql) {
        Ok(()) => STATUS_SUCCESS,
        Err(status) => {
            rundown_wdm::error!("rundown-peer: DriverEntry failed: {status:?}");
            status.raw()
        }
    }
}
