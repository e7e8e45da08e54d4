//! What a dispatch routine returns: the status it completed its IRP with, or `STATUS_PENDING`.

use rundown_abi::NtStatus;
use wdk_sys::NTSTATUS;

/// The status a dispatch routine returns. Only [`Irp`](crate::Irp)'s `complete*` methods make
/// one, so a routine that returns has completed its IRP, or pended it and returns
/// [`Completion::PENDING`].
///
/// ```
/// use rundown_abi::NtStatus;
/// use rundown_wdm::Completion;
///
/// assert_eq!(Completion::PENDING.status(), NtStatus::from_raw(0x103)); // STATUS_PENDING
/// ```
#[must_use = "a dispatch routine returns the status it completed its IRP with"]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion(NtStatus);

impl Completion {
    /// The IRP was marked pending ([`Irp::mark_pending`](crate::Irp::mark_pending)) and is kept
    /// by whoever completes it later.
    pub const PENDING: Self = Self(NtStatus::from_raw(wdk_sys::STATUS_PENDING));

    /// The IRP was completed with `status`.
    pub(crate) const fn completed(status: NtStatus) -> Self {
        Self(status)
    }

    /// The status.
    ///
    /// ```
    /// use rundown_abi::NtStatus;
    /// use rundown_wdm::{Completion, Irp};
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn completed_well(irp: Irp) -> bool {
    ///     let completion: Completion = irp.complete(NtStatus::SUCCESS, 0);
    ///     completion.status().is_success()
    /// }
    /// ```
    #[must_use]
    pub const fn status(self) -> NtStatus {
        self.0
    }

    /// The dispatch routine's return value.
    pub(crate) const fn raw(self) -> NTSTATUS {
        self.0.raw()
    }
}
