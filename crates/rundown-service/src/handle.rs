//! The protection one open handle holds through ACQUIRE, until RELEASE or its cleanup.

use core::num::NonZeroU32;

use rundown::irql::{AtMost, Dispatch, Irql};
use rundown::{RundownHolds, RundownRef};

use crate::Service;

/// What an open handle holds: the driver keeps one per file object (`FsContext`).
///
/// Dropping it releases what it still holds, as `IRP_MJ_CLEANUP` does through
/// [`Service::cleanup`], so a handle can never keep the object from rotating after it is gone.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown::RundownRef;
/// use rundown_service::{PoolUsage, Service};
///
/// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
/// let mut storage = RundownRef::new();
/// let owner = storage.owner(&irql);
/// let service = Service::new(owner.protection(), || PoolUsage::default()).expect("pool");
/// let handle = service.open_handle();
/// assert_eq!(handle.held(), 0);
/// ```
#[derive(Debug)]
pub struct HandleState<'s, 'r> {
    pub(crate) service: &'s Service<'r>,
    pub(crate) holds: RundownHolds<'r, RundownRef>,
}

impl<'r> HandleState<'_, 'r> {
    /// Protections this handle holds.
    #[must_use]
    pub fn held(&self) -> u32 {
        u32::try_from(self.holds.held()).unwrap_or(u32::MAX)
    }

    /// One of the handle's protections, lent for a READ or WRITE, if it holds any.
    pub(crate) fn lend(&self) -> Option<rundown::Loan<'_, 'r, RundownRef>> {
        self.holds.lend()
    }

    /// Releases `count` held protections; false, releasing nothing, if the handle holds fewer.
    pub(crate) fn release(&self, count: NonZeroU32, irql: &Irql<impl AtMost<Dispatch>>) -> bool {
        if self.holds.held() < count.get() as usize {
            return false;
        }
        self.service.stats.releasing(count.get(), || self.holds.release(count, irql))
    }

    /// Releases everything held, returning how many protections that was (`IRP_MJ_CLEANUP`).
    pub fn cleanup(&self, irql: &Irql<impl AtMost<Dispatch>>) -> u32 {
        // No request of this handle runs any more (its last handle is closed), so what it holds
        // cannot change meanwhile.
        let held = self.held();
        self.service.stats.released(held);
        let released = u32::try_from(self.holds.release_all(irql)).unwrap_or(u32::MAX);
        debug_assert_eq!(released, held, "a handle's holds changed during its cleanup");
        released
    }
}

impl Drop for HandleState<'_, '_> {
    fn drop(&mut self) {
        // The holds release themselves when dropped; keep the count of holders right.
        self.service.stats.released(self.held());
    }
}
