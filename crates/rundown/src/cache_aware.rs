//! `CacheAwareRundownRef`: NT's `EX_RUNDOWN_REF_CACHE_AWARE` with a safe interface.

use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::num::NonZeroU32;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU8, Ordering::Relaxed};

use crate::irql::{Apc, AtMost, Dispatch, Irql};
use crate::protection::sealed::RawProtection;
use crate::provider::{Provider, Selected};
use crate::{Protection, RundownGuard, RundownOwner};

type Block = <Selected as Provider>::CacheAware;

/// Lifecycle phases, tracked so that a new owner can bring the reference back to active.
const ACTIVE: u8 = 0;
const RUN_DOWN: u8 = 1;
const COMPLETED: u8 = 2;

/// Run-down protection spread over one word per processor, each on its own cache line.
///
/// Acquire and release touch only the current processor's word, so holders on different
/// processors do not contend; the wait visits every word. It offers the same guards and owner as
/// [`RundownRef`](crate::RundownRef). The block comes from nonpaged pool
/// ([`allocate`](Self::allocate)) or from memory the caller provides
/// ([`initialize_in`](Self::initialize_in), sized by [`required_size`](Self::required_size)).
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown::CacheAwareRundownRef;
///
/// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
/// let mut shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
/// let owner = shared.owner(&irql);
/// let guard = owner.protection().acquire(&irql).expect("active");
/// drop(guard);
/// let owner = owner.wait_for_release(&irql).completed(&irql);
/// # let _ = owner;
/// shared.free(&irql); // ExFreeCacheAwareRundownProtection
/// ```
pub struct CacheAwareRundownRef<'storage> {
    block: NonNull<Block>,
    from_pool: bool,
    phase: AtomicU8,
    storage: PhantomData<&'storage mut [MaybeUninit<usize>]>,
}

// SAFETY: the block is only reached through the provider's routines, which are safe to call from
// any thread (they are NT's interlocked run-down routines or their model).
unsafe impl Send for CacheAwareRundownRef<'_> {}
// SAFETY: as above: shared use is what the routines are for.
unsafe impl Sync for CacheAwareRundownRef<'_> {}

/// The storage given to [`CacheAwareRundownRef::initialize_in`] is smaller than
/// [`CacheAwareRundownRef::required_size`].
///
/// ```
/// use core::mem::MaybeUninit;
/// use rundown::irql::PassiveLevel;
/// use rundown::CacheAwareRundownRef;
///
/// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
/// let mut storage = [MaybeUninit::<usize>::uninit(); 2];
/// let error = CacheAwareRundownRef::initialize_in(&mut storage, &irql).unwrap_err();
/// assert_eq!(error.provided, 16);
/// assert!(error.required > 16);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageTooSmall {
    /// Bytes required on this machine.
    pub required: usize,
    /// Bytes provided.
    pub provided: usize,
}

impl core::fmt::Display for StorageTooSmall {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "cache-aware run-down storage needs {} bytes, got {}", self.required, self.provided)
    }
}

impl core::error::Error for StorageTooSmall {}

impl CacheAwareRundownRef<'static> {
    /// Allocates and initializes one from nonpaged pool (`ExAllocateCacheAwareRundownProtection`);
    /// `None` when pool is exhausted.
    #[must_use]
    pub fn allocate(irql: &Irql<impl AtMost<Apc>>) -> Option<Self> {
        irql.debug_assert_current();
        let block = Selected::cache_aware_allocate()?;
        Some(Self { block, from_pool: true, phase: AtomicU8::new(ACTIVE), storage: PhantomData })
    }
}

impl<'storage> CacheAwareRundownRef<'storage> {
    /// The bytes [`initialize_in`](Self::initialize_in) needs on this machine
    /// (`ExSizeOfRundownProtectionCacheAware`).
    #[must_use]
    pub fn required_size(irql: &Irql<impl AtMost<Apc>>) -> usize {
        irql.debug_assert_current();
        Selected::cache_aware_size()
    }

    /// Initializes one in caller memory (`ExInitializeRundownProtectionCacheAware`). In a driver
    /// the storage must be nonpaged.
    ///
    /// # Errors
    /// [`StorageTooSmall`] when `storage` holds fewer bytes than
    /// [`required_size`](Self::required_size).
    pub fn initialize_in(
        storage: &'storage mut [MaybeUninit<usize>],
        irql: &Irql<impl AtMost<Apc>>,
    ) -> Result<Self, StorageTooSmall> {
        let required = Self::required_size(irql);
        let provided = size_of_val(storage);
        if provided < required {
            return Err(StorageTooSmall { required, provided });
        }
        let block = NonNull::from(storage).cast::<Block>();
        // SAFETY: the exclusive borrow gives `provided >= required` writable, pointer-aligned
        // bytes for `'storage`, which the new value keeps borrowed.
        unsafe { Selected::cache_aware_initialize(block, provided) };
        Ok(Self { block, from_pool: false, phase: AtomicU8::new(ACTIVE), storage: PhantomData })
    }

    /// Takes the owner's capability, first finishing whatever lifecycle an earlier owner left
    /// open (completed, then reinitialized) so that the new owner starts active.
    ///
    /// This is how a cache-aware reference is reinitialized: its owner has no `reinitialize`
    /// (see [`SharedReinitialize`](crate::SharedReinitialize)), and the exclusive borrow here
    /// proves no reader can be between two per-processor words.
    pub fn owner(&mut self, irql: &Irql<impl AtMost<Apc>>) -> RundownOwner<'_, Self> {
        irql.debug_assert_current();
        let phase = self.phase.load(Relaxed);
        // `&mut self`: nobody holds, waits or acquires. Each call follows the one the phase
        // records, in the order the documentation gives.
        if phase == RUN_DOWN {
            // SAFETY: the wait returned and nothing else touched the block since.
            unsafe { Selected::cache_aware_completed(self.block()) };
        }
        if phase != ACTIVE {
            // SAFETY: the run down completed (just now, or by the earlier owner).
            unsafe { Selected::cache_aware_reinitialize(self.block()) };
        }
        self.phase.store(ACTIVE, Relaxed);
        // SAFETY: the exclusive borrow moves into the owner, and the reference is active.
        unsafe { RundownOwner::new(self) }
    }

    /// Tries to acquire run-down protection on the current processor's word
    /// (`ExAcquireRundownProtectionCacheAware`).
    #[must_use = "an unused guard releases at once"]
    pub fn acquire(&self, irql: &Irql<impl AtMost<Dispatch>>) -> Option<RundownGuard<'_, Self>> {
        irql.debug_assert_current();
        RundownGuard::acquire(self, NonZeroU32::MIN)
    }

    /// Tries to acquire `count` protections at once (`ExAcquireRundownProtectionCacheAwareEx`).
    #[must_use = "an unused guard releases at once"]
    pub fn acquire_many(
        &self,
        count: NonZeroU32,
        irql: &Irql<impl AtMost<Dispatch>>,
    ) -> Option<RundownGuard<'_, Self>> {
        irql.debug_assert_current();
        RundownGuard::acquire(self, count)
    }

    /// Frees a pool-allocated reference (`ExFreeCacheAwareRundownProtection`); caller storage is
    /// simply given back. Dropping does the same after checking IRQL at run time.
    pub fn free(self, irql: &Irql<impl AtMost<Apc>>) {
        irql.debug_assert_current();
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: `self` is consumed, so no guard or owner borrows it; at <= APC_LEVEL.
        unsafe { this.release_storage() };
    }

    /// # Safety
    /// Nothing uses the block afterwards, and IRQL <= `APC_LEVEL`.
    unsafe fn release_storage(&self) {
        if self.from_pool {
            // SAFETY: allocated by the provider; the caller guarantees no further use.
            unsafe { Selected::cache_aware_free(self.block) };
        }
    }

    #[inline]
    fn block(&self) -> &Block {
        // SAFETY: initialized at construction and alive until `free` or drop.
        unsafe { self.block.as_ref() }
    }
}

impl Drop for CacheAwareRundownRef<'_> {
    fn drop(&mut self) {
        if Irql::<Apc>::check().is_some() {
            // SAFETY: dropped, so unused afterwards; IRQL just checked.
            unsafe { self.release_storage() };
        } else {
            debug_assert!(false, "CacheAwareRundownRef dropped above APC_LEVEL: its pool block leaks");
        }
    }
}

impl core::fmt::Debug for CacheAwareRundownRef<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CacheAwareRundownRef").field("from_pool", &self.from_pool).finish_non_exhaustive()
    }
}

impl Protection for CacheAwareRundownRef<'_> {}

impl RawProtection for CacheAwareRundownRef<'_> {
    #[inline]
    fn acquire_raw(&self, count: NonZeroU32) -> bool {
        // SAFETY: the block is initialized and the count is not zero.
        unsafe { Selected::cache_aware_acquire(self.block(), count.get()) }
    }

    #[inline]
    unsafe fn release_raw(&self, count: NonZeroU32) {
        // SAFETY: the caller holds `count` protections.
        unsafe { Selected::cache_aware_release(self.block(), count.get()) }
    }

    unsafe fn wait_raw(&self) {
        // SAFETY: forwarded from the owner's contract.
        unsafe { Selected::cache_aware_wait_for_release(self.block()) };
        // A wait in the completed state changes nothing.
        let _ = self.phase.compare_exchange(ACTIVE, RUN_DOWN, Relaxed, Relaxed);
    }

    unsafe fn completed_raw(&self) {
        // SAFETY: forwarded from the owner's contract.
        unsafe { Selected::cache_aware_completed(self.block()) };
        self.phase.store(COMPLETED, Relaxed);
    }

    unsafe fn reinitialize_raw(&self) {
        // SAFETY: forwarded from the owner's contract.
        unsafe { Selected::cache_aware_reinitialize(self.block()) };
        self.phase.store(ACTIVE, Relaxed);
    }
}
