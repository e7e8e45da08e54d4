//! windows-drivers-rs interop (the `ntoskrnl` flavour): the `rundown` crate's references are
//! wdk-sys's `PEX_RUNDOWN_REF`s, and the crate's declarations of NtosKrnl's run-down routines
//! link beside wdk-sys's own.

use rundown::RundownRef;
use rundown_abi::NtStatus;
use wdk_sys::PEX_RUNDOWN_REF;
use wdk_sys::ntddk::{ExAcquireRundownProtection, ExReleaseRundownProtection};

/// Acquires and releases `protection` once through wdk-sys's declarations, as C code handed its
/// `PEX_RUNDOWN_REF` would: DriverEntry does it to the attachment's reference, which the crate
/// reaches through its own declarations of the same imports.
///
/// # Errors
/// `STATUS_INVALID_DEVICE_STATE` if the reference refuses (it is new and active, so it does not).
pub(crate) fn acquire_through_wdk_sys(protection: &RundownRef) -> Result<(), NtStatus> {
    let run_ref: PEX_RUNDOWN_REF = protection.into();
    // SAFETY: an initialized, active reference that outlives both calls; the protection the
    // acquire grants is released once, at once.
    let granted = unsafe { ExAcquireRundownProtection(run_ref) } != 0;
    if !granted {
        return Err(NtStatus::INVALID_DEVICE_STATE);
    }
    // SAFETY: as above: the one protection acquired just now.
    unsafe { ExReleaseRundownProtection(run_ref) };
    Ok(())
}
