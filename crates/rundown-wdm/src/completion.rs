//! What a dispatch routine returns: the status it completed its IRP with, or `STATUS_PENDING`.

use rundown_abi::NtStatus;
use wdk_sys::NTSTATUS;

/// The status a dispatch routine returns. Only [`Irp`](crate::Irp)'s `complete*` methods and
/// [`Irp::mark_pending`](crate::Irp::mark_pending) make one, so a routine that returns has
/// completed its IRP, or marked it pending and returns `STATUS_PENDING`.
///
/// ```
/// use rundown_abi::NtStatus;
/// use rundown_wdm::{Completion, Irp};
///
/// # // Defined, never called: the host that runs the doctests has no I/O manager.
/// fn refuse(irp: Irp) -> Completion {
///     irp.complete(NtStatus::NOT_SUPPORTED, 0)
/// }
/// ```
///
/// `STATUS_PENDING` for an IRP that was not marked does not compile:
///
/// ```compile_fail,E0624
/// use rundown_wdm::{Completion, Irp};
///
/// fn pend_unmarked(irp: Irp, queue: &mut Vec<Irp>) -> Completion {
///     queue.push(irp);
///     Completion::PENDING // private: only `Irp::mark_pending` gives it
/// }
/// ```
#[must_use = "a dispatch routine returns the status it completed its IRP with"]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion(NtStatus);

impl Completion {
    /// The IRP was marked pending and is kept by whoever completes it later: only
    /// [`Irp::mark_pending`](crate::Irp::mark_pending) gives it out (and `complete` on a marked
    /// IRP), so a dispatch routine cannot return `STATUS_PENDING` for an IRP it did not mark.
    pub(crate) const PENDING: Self = Self(NtStatus::from_raw(wdk_sys::STATUS_PENDING));

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
