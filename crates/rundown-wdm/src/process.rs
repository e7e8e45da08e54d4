//! The process a routine runs in.

use wdk_sys::ntddk::PsGetCurrentProcessId;

/// The current process's id (`PsGetCurrentProcessId`): System's in DriverEntry and system
/// threads on Windows (winedevice.exe's in Wine), the caller's in a top-level driver's dispatch
/// routine. Callable at IRQL <= DISPATCH_LEVEL.
///
/// ```
/// # // Defined, never called: the host that runs the doctests has no PsGetCurrentProcessId.
/// # fn example() {
/// let home = rundown_wdm::current_process_id(); // in DriverEntry
/// # let _ = home;
/// # }
/// ```
#[must_use]
pub fn current_process_id() -> usize {
    // SAFETY: no arguments; callable at any IRQL <= DISPATCH_LEVEL.
    unsafe { PsGetCurrentProcessId() as usize }
}
