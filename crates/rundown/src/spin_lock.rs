//! `SpinLock<T>`: a `KSPIN_LOCK` that owns what it protects and lends a `DISPATCH_LEVEL` token.

use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use crate::env::RawSpinLock;
use crate::env::tracked_cell::UnsafeCell;
use crate::irql::{AtMost, Dispatch, Irql};

/// Data behind a spin lock (`KSPIN_LOCK`, `KeAcquireSpinLockRaiseToDpc`, `KeReleaseSpinLock`).
///
/// [`lock`](Self::lock) raises the processor to `DISPATCH_LEVEL` and spins until the lock is
/// free; the guard dereferences to the data and lends an [`Irql<Dispatch>`] token for the code
/// inside, so a routine that needs `PASSIVE_LEVEL` or `APC_LEVEL` (a wait, an owner's run down)
/// does not compile there. The guard mutably borrows the caller's lower token, which therefore
/// cannot be used until the lock is released and IRQL is lowered again.
///
/// Holding a spin lock at `DISPATCH_LEVEL` is what makes it safe to spin on: its holder cannot
/// be preempted on its processor, so a waiter on another processor waits only for a short,
/// running critical section, and no waiter ever shares a processor with a holder.
///
/// The lock must live in nonpaged memory (a `static`, a device extension, pool).
///
/// ```
/// use rundown::irql::{Dispatch, Irql, PassiveLevel};
/// use rundown::SpinLock;
///
/// static COUNTER: SpinLock<u64> = SpinLock::new(0);
///
/// let mut irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
/// {
///     let mut counter = COUNTER.lock(&mut irql);
///     *counter += 1;
///     let _at_dispatch: &Irql<Dispatch> = counter.irql(); // for DISPATCH_LEVEL routines
/// } // KeReleaseSpinLock: back at PASSIVE_LEVEL
/// assert_eq!(*COUNTER.lock(&mut irql), 1);
/// ```
pub struct SpinLock<T> {
    raw: RawSpinLock,
    data: UnsafeCell<T>,
}

// SAFETY: the lock hands the data to one thread at a time, so it may be moved to and used from
// any thread that may own a `T`.
unsafe impl<T: Send> Send for SpinLock<T> {}
// SAFETY: as above: `&SpinLock<T>` gives `&mut T` to one thread at a time, which needs only
// `T: Send`.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    crate::const_unless_loom! {
        /// A free lock around `value` (`KeInitializeSpinLock`).
        ///
        /// ```
        /// use rundown::irql::PassiveLevel;
        /// use rundown::SpinLock;
        ///
        /// static PENDING: SpinLock<u32> = SpinLock::new(0); // `const`: a static, nonpaged
        ///
        /// let mut irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
        /// *PENDING.lock(&mut irql) += 1;
        /// assert_eq!(*PENDING.lock(&mut irql), 1);
        /// ```
        #[must_use]
        pub fn new(value: T) -> Self {
            Self { raw: RawSpinLock::new(), data: UnsafeCell::new(value) }
        }
    }

    /// The data, once nobody can lock any more.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::SpinLock;
    ///
    /// let mut irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let lock = SpinLock::new(vec![1]);
    /// lock.lock(&mut irql).push(2);
    /// assert_eq!(lock.into_inner(), [1, 2]);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T> SpinLock<T> {
    /// Raises to `DISPATCH_LEVEL` and takes the lock (`KeAcquireSpinLockRaiseToDpc`); the guard
    /// releases it and lowers IRQL again (`KeReleaseSpinLock`).
    ///
    /// Spins while another processor holds the lock. Taking a lock this thread already holds
    /// never returns, as in NT.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::SpinLock;
    ///
    /// let mut irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let lock = SpinLock::new(0u64);
    /// {
    ///     let mut value = lock.lock(&mut irql);
    ///     *value += 1;
    ///     assert!(PassiveLevel::check().is_none(), "DISPATCH_LEVEL while held");
    /// }
    /// assert!(PassiveLevel::check().is_some(), "lowered again by the release");
    /// ```
    ///
    /// The caller's token is lent to the lock, so a `PASSIVE_LEVEL` call (here the owner's run
    /// down, which waits) does not compile under it:
    ///
    /// ```compile_fail,E0502
    /// # use rundown::irql::PassiveLevel;
    /// # use rundown::{Rundown, SpinLock};
    /// # let mut irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let lock = SpinLock::new(());
    /// let shared = Rundown::new(0u32);
    /// let owner = shared.owner().expect("first claim");
    /// let held = lock.lock(&mut irql);
    /// let _ = owner.retire(&irql);
    /// drop(held);
    /// ```
    pub fn lock<'a, L: AtMost<Dispatch>>(&'a self, irql: &'a mut Irql<L>) -> SpinLockGuard<'a, T> {
        irql.debug_assert_current();
        let previous = self.raw.acquire();
        debug_assert!(previous <= L::IRQL, "the caller's token proves a lower IRQL");
        // INVARIANT: the lock is held and IRQL is DISPATCH_LEVEL until the guard drops.
        SpinLockGuard { lock: self, token: Irql::raised_by_lock(), previous, caller: PhantomData }
    }

    /// The data, through an exclusive borrow of the lock (no locking needed).
    ///
    /// ```
    /// use rundown::SpinLock;
    ///
    /// let mut lock = SpinLock::new(0u32);
    /// *lock.get_mut() = 5; // `&mut` proves nobody holds the lock: no raise, no spin
    /// assert_eq!(lock.into_inner(), 5);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self`: no guard exists, so nobody else accesses the data.
        self.data.with_mut(|data| unsafe { &mut *data })
    }
}

impl<T: Default> Default for SpinLock<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> core::fmt::Debug for SpinLock<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SpinLock").finish_non_exhaustive()
    }
}

/// A held [`SpinLock`]: the data, and the `DISPATCH_LEVEL` token for the code that uses it.
///
/// It is `!Send`: the lock is released on the processor that took it, at the IRQL it raised.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown::SpinLock;
///
/// let lock = SpinLock::new(Vec::<u32>::new());
/// let mut irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
/// let mut list = lock.lock(&mut irql);
/// list.push(7);
/// assert_eq!(list.len(), 1);
/// ```
#[must_use = "dropping the guard releases the lock at once"]
pub struct SpinLockGuard<'a, T> {
    lock: &'a SpinLock<T>,
    token: Irql<Dispatch>,
    previous: u8,
    /// Borrows the caller's token mutably for `'a` (the lower level cannot be claimed).
    caller: PhantomData<&'a mut ()>,
}

impl<T> SpinLockGuard<'_, T> {
    /// The `DISPATCH_LEVEL` token, valid while the lock is held.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{Rundown, SpinLock};
    ///
    /// let mut irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = Rundown::new(2u32);
    /// let lock = SpinLock::new(0u32);
    /// let mut sum = lock.lock(&mut irql);
    /// let value = *shared.try_access(sum.irql()).expect("active"); // a DISPATCH_LEVEL call
    /// *sum += value;
    /// assert_eq!(*sum, 2);
    /// ```
    ///
    /// A call limited to `APC_LEVEL` or below rejects the token:
    ///
    /// ```compile_fail,E0277
    /// # use rundown::irql::PassiveLevel;
    /// # use rundown::{Rundown, SpinLock};
    /// # let mut irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let lock = SpinLock::new(());
    /// let shared = Rundown::new(0u32);
    /// let owner = shared.owner().expect("first claim");
    /// let held = lock.lock(&mut irql);
    /// let _ = owner.retire(held.irql());
    /// ```
    pub fn irql(&self) -> &Irql<Dispatch> {
        &self.token
    }
}

impl<T> Deref for SpinLockGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the lock is held (invariant), so no other thread accesses the data.
        self.lock.data.with(|data| unsafe { &*data })
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the lock is held (invariant), and `&mut self` makes this borrow unique.
        self.lock.data.with_mut(|data| unsafe { &mut *data })
    }
}

impl<T> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the guard holds the lock, taken by an acquire that returned `previous`.
        unsafe { self.lock.raw.release(self.previous) };
    }
}

impl<T: core::fmt::Debug> core::fmt::Debug for SpinLockGuard<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SpinLockGuard").field("data", &&**self).finish()
    }
}
