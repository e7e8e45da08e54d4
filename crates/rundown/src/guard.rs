//! The guard a successful acquire returns.

use core::marker::PhantomData;
use core::num::NonZeroU32;

use crate::{Protection, RundownRef};

/// Run-down protection held on a reference: the object it guards may be used until this drops.
///
/// Dropping the guard releases exactly what was acquired (`ExReleaseRundownProtection`, or the
/// `Ex` form for a counted acquire), so nothing can be released twice or without an acquire.
/// The guard borrows the reference, so it cannot outlive it, and it is `!Send`: it is released in
/// the context that acquired it, never from one (such as an interrupt at an IRQL above
/// `DISPATCH_LEVEL`) that cannot call the release routine.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown::RundownRef;
///
/// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
/// let shared = RundownRef::new();
/// let guard = shared.acquire(&irql).expect("not run down");
/// assert_eq!(guard.count().get(), 1);
/// drop(guard); // ExReleaseRundownProtection
/// ```
#[must_use = "dropping the guard releases the protection at once"]
pub struct RundownGuard<'r, P: Protection = RundownRef> {
    protection: &'r P,
    count: NonZeroU32,
    not_send: PhantomData<*mut ()>,
}

impl<'r, P: Protection> RundownGuard<'r, P> {
    /// Acquires `count` protections on `protection`, returning the guard that owns them.
    #[inline]
    pub(crate) fn acquire(protection: &'r P, count: NonZeroU32) -> Option<Self> {
        // Lazily: a guard made for a refused acquire would release on drop.
        protection.acquire_raw(count).then(|| Self { protection, count, not_send: PhantomData })
    }

    /// How many protections the guard holds (1 unless acquired with a count).
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{count, RundownRef};
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = RundownRef::new();
    /// let guard = shared.acquire_many(count!(3), &irql).expect("active");
    /// assert_eq!(guard.count().get(), 3); // ExReleaseRundownProtectionEx(3) on drop
    /// ```
    #[must_use]
    pub fn count(&self) -> NonZeroU32 {
        self.count
    }

    /// The reference the protection is held on.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::RundownRef;
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = RundownRef::new();
    /// let guard = shared.acquire(&irql).expect("active");
    /// assert!(core::ptr::eq(guard.protection(), &shared));
    /// ```
    #[must_use]
    pub fn protection(&self) -> &'r P {
        self.protection
    }
}

impl<P: Protection> Drop for RundownGuard<'_, P> {
    fn drop(&mut self) {
        // SAFETY: the guard owns `count` protections, acquired in `new`'s caller and released
        // only here.
        unsafe { self.protection.release_raw(self.count) }
    }
}

impl<P: Protection> core::fmt::Debug for RundownGuard<'_, P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RundownGuard").field("count", &self.count).finish_non_exhaustive()
    }
}
