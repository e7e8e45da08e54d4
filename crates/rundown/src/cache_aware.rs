//! `CacheAwareRundownRef`: NT's `EX_RUNDOWN_REF_CACHE_AWARE` with a safe interface.

use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::num::NonZeroU32;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU8, Ordering::Relaxed};

use crate::env;
use crate::irql::{Apc, AtMost, Dispatch, Irql};
use crate::protection::sealed::RawProtection;
use crate::provider::portable::Summary;
use crate::provider::{CacheAwareBlock, Provider, Selected};
use crate::sync::{AtomicBool, Ordering::SeqCst, fence};
use crate::{Protection, RundownGuard, RundownOwner, RundownState};

type Block = CacheAwareBlock;

/// Lifecycle phases, tracked so that a new owner can bring the reference back to active.
const ACTIVE: u8 = 0;
const RUN_DOWN: u8 = 1;
const COMPLETED: u8 = 2;

/// Run-down protection spread over one word per processor, each on its own cache line.
///
/// Acquire and release touch only the current processor's word, so holders on different
/// processors do not contend; the wait visits every word. It offers the same guards and owner as
/// [`RundownRef`](crate::RundownRef). The block comes from nonpaged pool
/// ([`allocate`](Self::allocate), [`allocate_with_tag`](Self::allocate_with_tag)), from memory
/// the caller provides ([`initialize_in`](Self::initialize_in), sized by
/// [`required_size`](Self::required_size)), or from C code that initialized it
/// ([`from_raw`](Self::from_raw)); [`as_ptr`](Self::as_ptr) hands it to C.
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
    /// Set while a shared owner reinitializes the per-processor words, one after another; an
    /// acquisition that succeeds meanwhile is undone on its own word (see `acquire_raw`).
    resetting: AtomicBool,
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

/// A pool tag: the four characters a pool dump (`!poolused`, PoolMon) shows for a block.
///
/// The bytes are in memory order, as the dump shows them: `PoolTag::new(*b"Abcd")` is C's
/// `'dcbA'`. Each must be printable ASCII (0x20 to 0x7E), as `ExAllocatePoolWithTag` asks.
///
/// ```
/// use rundown::PoolTag;
///
/// const TAG: PoolTag = PoolTag::new(*b"MyDr");
/// assert_eq!(TAG.get(), u32::from_le_bytes(*b"MyDr"));
/// assert_eq!(format!("{TAG}"), "MyDr");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct PoolTag(u32);

impl PoolTag {
    /// The crate's tag, `Rdcw`, which [`CacheAwareRundownRef::allocate`] uses.
    ///
    /// ```
    /// assert_eq!(rundown::PoolTag::DEFAULT.to_string(), "Rdcw");
    /// ```
    pub const DEFAULT: Self = Self(crate::provider::portable::DEFAULT_POOL_TAG);

    /// The tag of these four characters.
    ///
    /// ```
    /// let tag = rundown::PoolTag::new(*b"Rd01");
    /// assert_eq!(tag.get(), 0x3130_6452);
    /// ```
    ///
    /// # Panics
    /// If a byte is not printable ASCII; in a `const` that is a compile error.
    #[must_use]
    pub const fn new(tag: [u8; 4]) -> Self {
        let mut index = 0;
        while index < tag.len() {
            assert!(tag[index] >= 0x20 && tag[index] <= 0x7e, "a pool tag's characters are printable ASCII");
            index += 1;
        }
        Self(u32::from_le_bytes(tag))
    }

    /// The `ULONG` NT's pool routines take.
    ///
    /// ```
    /// assert_eq!(rundown::PoolTag::new(*b"Abcd").get(), u32::from_le_bytes(*b"Abcd"));
    /// ```
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl core::fmt::Display for PoolTag {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.to_le_bytes().iter().try_for_each(|byte| core::fmt::Write::write_char(f, char::from(*byte)))
    }
}

impl core::fmt::Debug for PoolTag {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PoolTag(\"{self}\")")
    }
}

impl CacheAwareRundownRef<'static> {
    /// Allocates and initializes one from nonpaged pool (`ExAllocateCacheAwareRundownProtection`)
    /// with the crate's tag, [`PoolTag::DEFAULT`]; `None` when pool is exhausted.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{CacheAwareRundownRef, RundownState};
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
    /// assert_eq!(shared.state(), RundownState::Granting { holders: 0 }, "initialized and active");
    /// shared.free(&irql);
    /// ```
    #[must_use]
    pub fn allocate(irql: &Irql<impl AtMost<Apc>>) -> Option<Self> {
        Self::allocate_with_tag(PoolTag::DEFAULT, irql)
    }

    /// Allocates and initializes one from nonpaged pool with the caller's pool tag
    /// (`ExAllocateCacheAwareRundownProtection(NonPagedPoolNx, tag)`); `None` when pool is
    /// exhausted. [`free`](Self::free) (or a drop) gives it back.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{CacheAwareRundownRef, PoolTag};
    ///
    /// const TAG: PoolTag = PoolTag::new(*b"MyDr");
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let shared = CacheAwareRundownRef::allocate_with_tag(TAG, &irql).expect("pool");
    /// # assert_eq!(rundown::simulation::pool_blocks(TAG), 1);
    /// shared.free(&irql);
    /// ```
    #[must_use]
    pub fn allocate_with_tag(tag: PoolTag, irql: &Irql<impl AtMost<Apc>>) -> Option<Self> {
        irql.debug_assert_current();
        let block = Selected::cache_aware_allocate_with_tag(tag.get())?;
        Some(Self {
            block,
            from_pool: true,
            phase: AtomicU8::new(ACTIVE),
            resetting: AtomicBool::new(false),
            storage: PhantomData,
        })
    }
}

impl<'storage> CacheAwareRundownRef<'storage> {
    /// The bytes [`initialize_in`](Self::initialize_in) needs on this machine
    /// (`ExSizeOfRundownProtectionCacheAware`).
    ///
    /// ```
    /// use core::mem::MaybeUninit;
    /// use rundown::irql::PassiveLevel;
    /// use rundown::CacheAwareRundownRef;
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let words = CacheAwareRundownRef::required_size(&irql).div_ceil(size_of::<usize>());
    /// let mut short = vec![MaybeUninit::<usize>::uninit(); words - 1];
    /// assert!(CacheAwareRundownRef::initialize_in(&mut short, &irql).is_err());
    /// let mut storage = vec![MaybeUninit::<usize>::uninit(); words];
    /// assert!(CacheAwareRundownRef::initialize_in(&mut storage, &irql).is_ok());
    /// ```
    #[must_use]
    pub fn required_size(irql: &Irql<impl AtMost<Apc>>) -> usize {
        irql.debug_assert_current();
        Selected::cache_aware_size()
    }

    /// Initializes one in caller memory (`ExInitializeRundownProtectionCacheAware`). In a driver
    /// the storage must be nonpaged.
    ///
    /// NT lays the block out from the size it is given; this passes
    /// [`required_size`](Self::required_size), as NT's contract asks, even when `storage` is
    /// larger (on one processor a larger size can give NT no word at all), so the block has one
    /// word per processor and the rest of `storage` is unused.
    ///
    /// ```
    /// use core::mem::MaybeUninit;
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{CacheAwareRundownRef, RundownState};
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let words = CacheAwareRundownRef::required_size(&irql).div_ceil(size_of::<usize>());
    /// // In a driver: nonpaged memory, such as a device extension.
    /// let mut storage = vec![MaybeUninit::<usize>::uninit(); words];
    /// let shared = CacheAwareRundownRef::initialize_in(&mut storage, &irql).expect("large enough");
    /// let guard = shared.acquire(&irql).expect("active");
    /// assert_eq!(shared.state(), RundownState::Granting { holders: 1 });
    /// drop(guard);
    /// shared.free(&irql); // nothing goes back to pool: the storage is the caller's
    /// ```
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
        // bytes for `'storage`, which the new value keeps borrowed; `required` is
        // `ExSizeOfRundownProtectionCacheAware`'s value.
        unsafe { Selected::cache_aware_initialize(block, required) };
        Ok(Self {
            block,
            from_pool: false,
            phase: AtomicU8::new(ACTIVE),
            resetting: AtomicBool::new(false),
            storage: PhantomData,
        })
    }

    /// Takes over an `EX_RUNDOWN_REF_CACHE_AWARE` that C code initialized
    /// (`ExInitializeRundownProtectionCacheAware` in its own memory, or
    /// `ExAllocateCacheAwareRundownProtection`). The value never frees the block: whoever
    /// allocated it frees it, after the value is gone.
    ///
    /// The value is the block's owner side: [`owner`](Self::owner) takes the owner's capability
    /// (without reinitializing an active block), and C code may go on acquiring and releasing.
    /// Dropping the value leaves the block as the last owner left it.
    ///
    /// ```
    /// use core::mem::MaybeUninit;
    /// use core::ptr::NonNull;
    /// use rundown::irql::PassiveLevel;
    /// use rundown::provider::{CacheAwareBlock, Provider, Selected};
    /// use rundown::CacheAwareRundownRef;
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// // C: a device extension with room for the block, initialized with NT's routines.
    /// let size = Selected::cache_aware_size();
    /// let mut extension = vec![MaybeUninit::<usize>::uninit(); size.div_ceil(8)];
    /// let block = NonNull::from(extension.as_mut_slice()).cast::<CacheAwareBlock>();
    /// // SAFETY: `size` writable, pointer-aligned, unused bytes.
    /// unsafe { Selected::cache_aware_initialize(block, size) };
    ///
    /// // SAFETY: initialized and active; the extension outlives `shared` and is not moved; C
    /// // only acquires and releases meanwhile, and frees nothing.
    /// let mut shared = unsafe { CacheAwareRundownRef::from_raw(block) };
    /// assert_eq!(shared.as_ptr(), block.as_ptr());
    /// let owner = shared.owner(&irql);
    /// let _owner = owner.wait_for_release(&irql).completed(&irql);
    /// ```
    ///
    /// # Safety
    /// - `block` points to an `EX_RUNDOWN_REF_CACHE_AWARE` that the selected provider's
    ///   `ExInitializeRundownProtectionCacheAware` or `ExAllocateCacheAwareRundownProtection`
    ///   initialized (C's NT routines with the `ntoskrnl` feature), and that is active: not run
    ///   down, or reinitialized since.
    /// - The block, and the words it names, stay valid and in place for `'storage` and as long as
    ///   the value lives; in a driver they are nonpaged. Nobody frees them meanwhile.
    /// - The value is the only owner: while it lives, nobody else (C included) waits on,
    ///   completes, reinitializes or frees the block. Others may acquire and release.
    #[must_use]
    pub unsafe fn from_raw(block: NonNull<CacheAwareBlock>) -> Self {
        let this = Self {
            block,
            from_pool: false,
            phase: AtomicU8::new(ACTIVE),
            resetting: AtomicBool::new(false),
            storage: PhantomData,
        };
        debug_assert!(
            matches!(this.state(), RundownState::Granting { .. }),
            "CacheAwareRundownRef::from_raw over a block that is not active"
        );
        this
    }

    /// The `PEX_RUNDOWN_REF_CACHE_AWARE` to hand to C code, which may acquire and release
    /// through it (`ExAcquireRundownProtectionCacheAware`, ...) while the reference lives.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::provider::{Provider, Selected};
    /// use rundown::CacheAwareRundownRef;
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
    /// let block = shared.as_ptr();
    /// // SAFETY: C's view: an initialized block, alive while `shared` is; released once.
    /// unsafe {
    ///     assert!(Selected::cache_aware_acquire(&*block, 1));
    ///     Selected::cache_aware_release(&*block, 1);
    /// }
    /// shared.free(&irql);
    /// ```
    #[must_use]
    pub fn as_ptr(&self) -> *mut CacheAwareBlock {
        self.block.as_ptr()
    }

    /// What the per-processor words say, read one after another: for a debugger or a log line.
    /// Another thread may change them at once, so this decides nothing.
    ///
    /// [`Granting`](RundownState::Granting) counts the holders as the wrapping sum over the
    /// words (a holder that moved between processors left one word high and another low); read
    /// while holders move, the sum may be off, and a sum below zero shows as 0.
    /// [`RunningDown`](RundownState::RunningDown) means a wait block is installed and the wait has
    /// not returned; [`Closed`](RundownState::Closed), that the wait returned (or the run down
    /// completed) and nothing is granted until a new owner reinitializes.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{CacheAwareRundownRef, RundownState};
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let mut shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
    /// let owner = shared.owner(&irql);
    /// let guard = owner.protection().acquire_many(rundown::count!(2), &irql).expect("active");
    /// assert_eq!(owner.protection().state(), RundownState::Granting { holders: 2 });
    /// drop(guard);
    /// let owner = owner.wait_for_release(&irql);
    /// assert_eq!(owner.protection().state(), RundownState::Closed);
    /// ```
    #[must_use]
    pub fn state(&self) -> RundownState {
        if self.phase.load(Relaxed) != ACTIVE {
            return RundownState::Closed;
        }
        match self.block().summary() {
            Summary::Granting(holders) => RundownState::Granting { holders: holders.max(0).cast_unsigned() },
            Summary::Closed => RundownState::Closed,
            Summary::WaitInstalled => RundownState::RunningDown,
        }
    }

    /// Takes the owner's capability, first finishing whatever lifecycle an earlier owner left
    /// open (completed, then reinitialized) so that the new owner starts active.
    ///
    /// The exclusive borrow proves nobody holds or acquires, so the earlier lifecycle is finished
    /// directly. A shared owner reinitializes too
    /// ([`RundownOwner::reinitialize`](crate::RundownOwner::reinitialize), see
    /// [`SharedReinitialize`](crate::SharedReinitialize)).
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::CacheAwareRundownRef;
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let mut shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
    /// drop(shared.owner(&irql).wait_for_release(&irql)); // left run down, not completed
    /// assert!(shared.acquire(&irql).is_none());
    /// let owner = shared.owner(&irql); // completes and reinitializes first
    /// assert!(owner.protection().acquire(&irql).is_some(), "active again");
    /// ```
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
    ///
    /// ```
    /// use rundown::irql::{Dispatch, PassiveLevel};
    /// use rundown::{CacheAwareRundownRef, RundownState};
    ///
    /// let mut irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
    /// let dispatch = irql.raise::<Dispatch>(); // in a DPC, say: DISPATCH_LEVEL will do
    /// let guard = shared.acquire(&dispatch).expect("active");
    /// assert_eq!(shared.state(), RundownState::Granting { holders: 1 });
    /// drop(guard); // ExReleaseRundownProtectionCacheAware
    /// drop(dispatch);
    /// shared.free(&irql);
    /// ```
    #[must_use = "an unused guard releases at once"]
    pub fn acquire(&self, irql: &Irql<impl AtMost<Dispatch>>) -> Option<RundownGuard<'_, Self>> {
        irql.debug_assert_current();
        RundownGuard::acquire(self, NonZeroU32::MIN)
    }

    /// Tries to acquire `count` protections at once (`ExAcquireRundownProtectionCacheAwareEx`).
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{CacheAwareRundownRef, RundownState};
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
    /// let guard = shared.acquire_many(rundown::count!(3), &irql).expect("active");
    /// assert_eq!(shared.state(), RundownState::Granting { holders: 3 });
    /// drop(guard); // ExReleaseRundownProtectionCacheAwareEx(.., 3)
    /// assert_eq!(shared.state(), RundownState::Granting { holders: 0 });
    /// ```
    #[must_use = "an unused guard releases at once"]
    pub fn acquire_many(
        &self,
        count: NonZeroU32,
        irql: &Irql<impl AtMost<Dispatch>>,
    ) -> Option<RundownGuard<'_, Self>> {
        irql.debug_assert_current();
        RundownGuard::acquire(self, count)
    }

    /// Frees a pool-allocated reference (`ExFreeCacheAwareRundownProtection`); caller storage, and
    /// a block taken over with [`from_raw`](Self::from_raw), are simply given back. Dropping does
    /// the same after checking IRQL at run time.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{simulation, CacheAwareRundownRef, PoolTag};
    ///
    /// const TAG: PoolTag = PoolTag::new(*b"Doc4");
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let shared = CacheAwareRundownRef::allocate_with_tag(TAG, &irql).expect("pool");
    /// assert_eq!(simulation::pool_blocks(TAG), 1);
    /// shared.free(&irql); // ExFreeCacheAwareRundownProtection
    /// assert_eq!(simulation::pool_blocks(TAG), 0);
    /// ```
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
        if !self.from_pool {
            // Caller storage, or a block C code owns: nothing to give back.
        } else if Irql::<Apc>::check().is_some() {
            // SAFETY: dropped, so unused afterwards; IRQL just checked.
            unsafe { self.release_storage() };
        } else {
            debug_assert!(false, "CacheAwareRundownRef dropped above APC_LEVEL: its pool block leaks");
        }
    }
}

impl core::fmt::Debug for CacheAwareRundownRef<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CacheAwareRundownRef")
            .field("state", &self.state())
            .field("slots", &self.block().number())
            .field("from_pool", &self.from_pool)
            .finish()
    }
}

impl Protection for CacheAwareRundownRef<'_> {}

impl RawProtection for CacheAwareRundownRef<'_> {
    /// `ExAcquireRundownProtectionCacheAwareEx`, safe against a shared reinitialize.
    ///
    /// A reinitialize resets the words one after another. An acquisition on a word already reset
    /// succeeds; had its holder moved to a processor whose word still says "completed" and
    /// released there, NT would follow that word's null wait block. So the acquisition runs at
    /// `DISPATCH_LEVEL`, where the thread cannot move, and if a reset is under way it is undone
    /// there, on the same word, and refused. An acquisition kept is one that saw no reset under
    /// way after it succeeded: the reset, if any, had finished every word (`reinitialize_raw`
    /// clears the flag after the last one), so wherever its holder releases, the word is active.
    #[inline]
    fn acquire_raw(&self, count: NonZeroU32) -> bool {
        let _on_one_processor = env::OnOneProcessor::enter();
        // SAFETY: the block is initialized and the count is not zero.
        let acquired = unsafe { Selected::cache_aware_acquire(self.block(), count.get()) };
        if acquired && self.resetting.load(SeqCst) {
            // SAFETY: acquired just now, on this processor's word, which the thread has not left.
            unsafe { Selected::cache_aware_release(self.block(), count.get()) };
            return false;
        }
        acquired
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

    /// `ExReInitializeRundownProtectionCacheAware` while readers may still try to acquire:
    /// flagged, so that `acquire_raw` undoes what succeeds on a word already reset.
    unsafe fn reinitialize_raw(&self) {
        self.resetting.store(true, SeqCst);
        // The flag is visible before any word is reset: an acquisition that reads a reset word
        // reads the flag after it (NT's acquire is a full barrier; the provider's is acquire).
        fence(SeqCst);
        // SAFETY: forwarded from the owner's contract.
        unsafe { Selected::cache_aware_reinitialize(self.block()) };
        // Every word is reset before the flag clears.
        self.resetting.store(false, SeqCst);
        self.phase.store(ACTIVE, Relaxed);
    }
}

// `acquire_raw` refuses, on the word it succeeded on, every acquisition made while a shared
// reinitialize resets the words, so no holder can release into a word still completed.
impl crate::SharedReinitialize for CacheAwareRundownRef<'_> {}
