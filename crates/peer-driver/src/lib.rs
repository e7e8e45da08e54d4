//! A sample peer of the rundown driver: a second WDM driver that gets the shared object's
//! interface (GET_INTERFACE from kernel mode) and runs a worker loop on a system thread: acquire,
//! read, check that the payload is consistent for its generation, release, repeat.
//!
//! - [`state`]: the [`Driver`](rundown_wdm::Driver): DriverEntry, DriverUnload and the
//!   `\Device\RundownPeer` IOCTLs (`rundown_abi::peer`);
//! - [`owner_link`]: the handle to `\Device\RundownShared` and the interface table;
//! - [`worker`]: the iterations, in a loop on a system thread or in a timer DPC, and their counts.
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

/// Nonpaged pool: windows-drivers-rs's `WdkAllocator` (`ExAllocatePool2`) on Windows, and
/// `ExAllocatePoolWithTag` in the Wine flavour (Wine 8 has no `ExAllocatePool2`).
#[cfg(all(not(test), feature = "ntoskrnl"))]
#[global_allocator]
static GLOBAL_ALLOCATOR: wdk_alloc::WdkAllocator = wdk_alloc::WdkAllocator;
#[cfg(all(not(test), not(feature = "ntoskrnl")))]
#[global_allocator]
static GLOBAL_ALLOCATOR: rundown_wdm::pool::PoolWithTag = rundown_wdm::pool::PoolWithTag;

rundown_wdm::driver!(state::PeerState);
