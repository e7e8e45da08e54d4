//! The rundown driver: a WDM driver that owns a shared object guarded by NT run-down protection.
//!
//! `\Device\RundownShared` (link `\DosDevices\RundownShared`, openable by SYSTEM and
//! Administrators) answers the IOCTLs of [`rundown_abi`]. The work is done by
//! [`rundown_service`], which runs on a host too, and the kernel's edges by [`rundown_wdm`]; this
//! crate only translates requests:
//!
//! - [`state`]: the [`Driver`](rundown_wdm::Driver): what DriverEntry builds, what each request
//!   does, and what DriverUnload takes apart;
//! - [`dispatch`]: DEVICE_CONTROL and INTERNAL_DEVICE_CONTROL, and the pended ROTATE;
//! - [`owner_thread`]: the system thread that owns the run-down and rotates the object;
//! - [`interface`]: the function table peer drivers get through GET_INTERFACE.
//!
//! Two flavours from this source: `ntoskrnl` (default) imports NtosKrnl's
//! `Ex*RundownProtection*` routines; `portable` uses the `rundown` crate's model with KEVENT
//! waits, for Wine, whose routines are stubs.
#![no_std]

extern crate alloc;
#[cfg(not(test))]
extern crate wdk_panic;

mod dispatch;
mod interface;
#[cfg(feature = "ntoskrnl")]
mod interop;
mod owner_thread;
mod state;

#[cfg(all(feature = "ntoskrnl", feature = "portable"))]
compile_error!("choose one flavour: `ntoskrnl` (the default) or `portable` (--no-default-features)");
#[cfg(not(any(feature = "ntoskrnl", feature = "portable")))]
compile_error!("choose a flavour: `ntoskrnl` (the default) or `--no-default-features --features portable`");

use rundown_service::PoolUsage;
#[cfg(not(test))]
use rundown_wdm::pool::CountingAllocator;

/// Every allocation comes from nonpaged pool and is counted for STATS and the unload report:
/// windows-drivers-rs's `WdkAllocator` (`ExAllocatePool2`) on Windows, `ExAllocatePoolWithTag` in
/// the Wine flavour (Wine 8 has no `ExAllocatePool2`).
#[cfg(all(not(test), feature = "ntoskrnl"))]
#[global_allocator]
static GLOBAL_ALLOCATOR: CountingAllocator<wdk_alloc::WdkAllocator> = CountingAllocator::new(wdk_alloc::WdkAllocator);
#[cfg(all(not(test), not(feature = "ntoskrnl")))]
#[global_allocator]
static GLOBAL_ALLOCATOR: CountingAllocator<rundown_wdm::pool::PoolWithTag> =
    CountingAllocator::new(rundown_wdm::pool::PoolWithTag);

/// Pool the driver has allocated and not freed.
#[cfg(not(test))]
fn pool_usage() -> PoolUsage {
    GLOBAL_ALLOCATOR.usage()
}

/// Host unit tests use the host allocator.
#[cfg(test)]
fn pool_usage() -> PoolUsage {
    PoolUsage::default()
}

rundown_wdm::driver!(state::Owner);
