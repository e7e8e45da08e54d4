//! The protection one open handle holds through ACQUIRE, until RELEASE or its cleanup.

use core::num::NonZeroU32;

use rundown::RundownHolds;
use rundown::irql::{AtMost, Dispatch, Irql};

use crate::object::ObjectProtection;
use rundown_abi::NtStatus;

use crate::Service;

/// What an open handle holds: the driver keeps one per file object (`FsContext`).
///
/// Requests of one handle may run at the same time, CLEANUP included: Windows serializes only
/// synchronous file objects, and an overlapped handle's CLEANUP can run while its ACQUIRE or
/// RELEASE is still in the driver. So every change of what the handle holds is one atomic step
/// of its [`RundownHolds`], and [`cleanup`](Self::cleanup) closes them: whatever an ACQUIRE
/// racing it had taken is given back, and after it the handle can hold nothing.
///
/// Dropping it (CLOSE) releases whatever it still holds.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown_service::{Generation, PoolUsage, Service};
///
/// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
/// let object = rundown_service::shared_object(&irql).expect("pool");
/// let service = Service::new(&object, || PoolUsage::default());
/// let handle = service.open_handle();
/// assert_eq!(handle.held(), 0);
/// assert_eq!(handle.cleanup(&irql), 0);
/// ```
#[derive(Debug)]
pub struct HandleState<'s, 'r> {
    pub(crate) service: &'s Service<'r>,
    pub(crate) holds: RundownHolds<'r, ObjectProtection>,
}

impl HandleState<'_, '_> {
    /// Protections this handle holds.
    #[must_use]
    pub fn held(&self) -> u32 {
        u32::try_from(self.holds.held()).unwrap_or(u32::MAX)
    }

    /// Acquires `count` protections for the handle.
    pub(crate) fn acquire(&self, count: NonZeroU32, irql: &Irql<impl AtMost<Dispatch>>) -> Result<(), NtStatus> {
        if self.holds.acquire_many(count, irql) {
            self.service.acquired(count.get());
            return Ok(());
        }
        if self.holds.is_closed() {
            // CLEANUP ran (or runs) for this handle: it holds nothing from now on.
            return Err(NtStatus::FILE_CLOSED);
        }
        self.service.stats.refused();
        Err(NtStatus::DELETE_PENDING)
    }

    /// Releases `count` held protections; false, releasing nothing, if the handle holds fewer.
    pub(crate) fn release(&self, count: NonZeroU32, irql: &Irql<impl AtMost<Dispatch>>) -> bool {
        self.service.stats.releasing(count.get(), || self.holds.release(count, irql))
    }

    /// Releases everything held, for good, returning how many protections that was
    /// (`IRP_MJ_CLEANUP`). Requests of the handle still in progress may race it; an ACQUIRE
    /// among them then gets `STATUS_FILE_CLOSED`. The driver cancels the handle's pended ROTATE
    /// after this (see [`PendingRotation::queue`](crate::PendingRotation::queue)).
    #[must_use = "the count says how many protections the handle still held"]
    pub fn cleanup(&self, irql: &Irql<impl AtMost<Dispatch>>) -> u32 {
        let taken = self.holds.close();
        let count = u32::try_from(taken.count()).unwrap_or(u32::MAX);
        self.service.stats.released(count);
        taken.release(irql);
        count
    }
}

impl Drop for HandleState<'_, '_> {
    fn drop(&mut self) {
        // CLOSE: nothing runs for the handle any more. Count the release first, as everywhere.
        let taken = self.holds.close();
        self.service.stats.released(u32::try_from(taken.count()).unwrap_or(u32::MAX));
    }
}
