//! What a guard and an owner need from a run-down reference, sealed to this crate's two kinds.

use core::num::NonZeroU32;

/// A run-down reference guards can be taken on: [`RundownRef`](crate::RundownRef) or
/// [`CacheAwareRundownRef`](crate::CacheAwareRundownRef).
///
/// The trait is sealed; its operations are reached through
/// [`RundownGuard`](crate::RundownGuard) and [`RundownOwner`](crate::RundownOwner).
///
/// ```
/// use rundown::{Protection, RundownRef};
///
/// fn assert_protection<P: Protection>() {}
/// assert_protection::<RundownRef>();
/// ```
pub trait Protection: sealed::RawProtection {}

/// A reference its owner may reinitialize while readers still share it: both
/// [`RundownRef`](crate::RundownRef) and [`CacheAwareRundownRef`](crate::CacheAwareRundownRef).
///
/// A cache-aware reference is reinitialized one per-processor word at a time. A reader that
/// acquired on a word already reinitialized and then moved to a processor whose word still says
/// "completed" would release into that word, which in NT dereferences NULL.
/// [`CacheAwareRundownRef`](crate::CacheAwareRundownRef) closes that window: it acquires at
/// `DISPATCH_LEVEL`, where the thread cannot move, and undoes on the same word an acquisition that
/// succeeded while a reinitialize was under way.
///
/// ```
/// use rundown::{CacheAwareRundownRef, RundownRef, SharedReinitialize};
///
/// fn assert_shared_reinitialize<P: SharedReinitialize>() {}
/// assert_shared_reinitialize::<RundownRef>();
/// assert_shared_reinitialize::<CacheAwareRundownRef<'static>>();
/// ```
pub trait SharedReinitialize: Protection {}

pub(crate) mod sealed {
    use super::NonZeroU32;

    /// The provider calls behind the safe types. Unnameable outside the crate, so its methods
    /// cannot be called from there.
    pub trait RawProtection: Sync {
        /// Acquires `count` protections; false once a run down started or at the count limit.
        fn acquire_raw(&self, count: NonZeroU32) -> bool;

        /// Releases `count` protections.
        ///
        /// # Safety
        /// The caller holds `count` protections from [`RawProtection::acquire_raw`] and gives
        /// them up.
        unsafe fn release_raw(&self, count: NonZeroU32);

        /// Runs down: waits until every protection is released.
        ///
        /// # Safety
        /// Only the owner calls it, in the active or completed state. IRQL <= `APC_LEVEL`.
        unsafe fn wait_raw(&self);

        /// Marks the run down complete.
        ///
        /// # Safety
        /// Only the owner calls it, after [`RawProtection::wait_raw`] returned.
        /// IRQL <= `APC_LEVEL`.
        unsafe fn completed_raw(&self);

        /// Grants protection again.
        ///
        /// # Safety
        /// Only the owner calls it, after [`RawProtection::completed_raw`].
        /// IRQL <= `APC_LEVEL`.
        unsafe fn reinitialize_raw(&self);
    }
}
