//! The two implementations of NT's run-down routines, behind one trait.
//!
//! [`Portable`] is NT's algorithm in Rust over NT's word layout; `Ntoskrnl` (with the
//! `ntoskrnl` feature) imports the real routines from ntoskrnl.exe. [`Selected`] is the one the
//! safe types use, chosen once here.

pub mod portable;

#[cfg(feature = "ntoskrnl")]
mod ntoskrnl;
#[cfg(feature = "ntoskrnl")]
pub use ntoskrnl::{NtCacheAware, Ntoskrnl};

pub use portable::{CacheAwareBlock, Portable};

/// The provider behind [`RundownRef`](crate::RundownRef) and
/// [`CacheAwareRundownRef`](crate::CacheAwareRundownRef) in this build.
#[cfg(feature = "ntoskrnl")]
pub type Selected = Ntoskrnl;
/// The provider behind [`RundownRef`](crate::RundownRef) and
/// [`CacheAwareRundownRef`](crate::CacheAwareRundownRef) in this build.
#[cfg(not(feature = "ntoskrnl"))]
pub type Selected = Portable;

/// The storage of one run-down reference: NT's `EX_RUNDOWN_REF`, a pointer-sized word.
pub type RundownWord = crate::env::AtomicUsize;

/// The most protections one reference grants at once: `2^62 - 1`.
///
/// NT never checks its 63-bit count; a count that wrapped would let a wait return while holders
/// still use the object. Reaching the limit needs billions of leaked guards, so an acquire that
/// would pass it is refused, exactly as if a run down had started.
pub const MAX_OUTSTANDING: usize = (1 << 62) - 1;

/// NT's run-down routines, one associated function each.
///
/// Functions taking a word or block follow the NT routine of the same name; the cache-aware ones
/// take the counted (`Ex`) form, which a count of 1 turns into the plain one.
///
/// Code written against the trait runs over either provider, as C code over a
/// `PEX_RUNDOWN_REF` does:
///
/// ```
/// use core::sync::atomic::Ordering::Relaxed;
/// use rundown::provider::{Portable, Provider, RundownWord};
///
/// /// Runs `work` under one protection on `word`, if the run down has not started.
/// ///
/// /// # Safety
/// /// `word` is initialized.
/// unsafe fn protected<P: Provider>(word: &RundownWord, work: impl FnOnce()) -> bool {
///     // SAFETY: initialized (the caller's promise); the protection is released once.
///     let acquired = unsafe { P::acquire(word) };
///     if acquired {
///         work();
///         // SAFETY: the protection acquired just above.
///         unsafe { P::release(word) };
///     }
///     acquired
/// }
///
/// let word = RundownWord::new(0); // ExInitializeRundownProtection's value
/// // SAFETY: initialized.
/// assert!(unsafe { protected::<Portable>(&word, || assert_eq!(word.load(Relaxed), 2)) });
/// assert_eq!(word.load(Relaxed), 0, "released");
/// ```
///
/// # Safety
/// An implementation gives each routine NT's documented semantics over NT's layout, and keeps
/// these invariants: no acquire succeeds after a wait started (until reinitialize); the count
/// never rises while a wait is in progress; a wait returns only once the count is zero; and an
/// acquire that would push the count past [`MAX_OUTSTANDING`] fails.
pub unsafe trait Provider {
    /// `EX_RUNDOWN_REF_CACHE_AWARE` as this provider lays it out.
    type CacheAware;

    /// `ExInitializeRundownProtection`.
    ///
    /// ```
    /// # use core::sync::atomic::Ordering::Relaxed;
    /// # use rundown::provider::{Portable, Provider, RundownWord};
    /// let word = RundownWord::new(usize::MAX); // whatever the memory held
    /// // SAFETY: nobody else can reach `word` yet.
    /// unsafe { Portable::initialize(&word) };
    /// assert_eq!(word.load(Relaxed), 0, "active, no holder");
    /// ```
    ///
    /// # Safety
    /// Nobody holds, waits on or acquires `run_ref` concurrently.
    unsafe fn initialize(run_ref: &RundownWord);

    /// `ExReInitializeRundownProtection`.
    ///
    /// ```
    /// # use rundown::provider::{Portable, Provider, RundownWord};
    /// let word = RundownWord::new(0);
    /// // SAFETY: `word` is this thread's alone, initialized; each call follows the one NT's
    /// // contract puts before it, and the last acquire is released.
    /// unsafe {
    ///     Portable::wait_for_release(&word);
    ///     Portable::completed(&word);
    ///     assert!(!Portable::acquire(&word), "run down");
    ///     Portable::reinitialize(&word); // for a new object
    ///     assert!(Portable::acquire(&word), "active again");
    ///     Portable::release(&word);
    /// }
    /// ```
    ///
    /// # Safety
    /// `run_ref` was run down and completed, and nobody uses it concurrently.
    unsafe fn reinitialize(run_ref: &RundownWord);

    /// `ExAcquireRundownProtection`.
    ///
    /// ```
    /// # use core::sync::atomic::Ordering::Relaxed;
    /// # use rundown::provider::{Portable, Provider, RundownWord};
    /// let word = RundownWord::new(0);
    /// // SAFETY: an initialized word, this thread's alone; the protection is released once.
    /// unsafe {
    ///     assert!(Portable::acquire(&word));
    ///     assert_eq!(word.load(Relaxed), 2, "one holder: EX_RUNDOWN_COUNT_INC");
    ///     Portable::release(&word);
    ///     Portable::wait_for_release(&word);
    ///     assert!(!Portable::acquire(&word), "no acquire once the run down started");
    /// }
    /// ```
    ///
    /// # Safety
    /// `run_ref` is initialized. IRQL <= `DISPATCH_LEVEL`.
    unsafe fn acquire(run_ref: &RundownWord) -> bool;

    /// `ExAcquireRundownProtectionEx`.
    ///
    /// ```
    /// # use core::sync::atomic::Ordering::Relaxed;
    /// # use rundown::provider::portable::COUNT_SHIFT;
    /// # use rundown::provider::{MAX_OUTSTANDING, Portable, Provider, RundownWord};
    /// let word = RundownWord::new(0);
    /// let full = RundownWord::new(MAX_OUTSTANDING << COUNT_SHIFT);
    /// // SAFETY: initialized words; the three protections are released together.
    /// unsafe {
    ///     assert!(Portable::acquire_ex(&word, 3));
    ///     assert_eq!(word.load(Relaxed), 3 << COUNT_SHIFT);
    ///     Portable::release_ex(&word, 3);
    ///     assert!(!Portable::acquire_ex(&full, 1), "past MAX_OUTSTANDING");
    /// }
    /// assert_eq!(full.load(Relaxed), MAX_OUTSTANDING << COUNT_SHIFT, "a refusal changes nothing");
    /// ```
    ///
    /// # Safety
    /// As [`Provider::acquire`], and `count` is not zero.
    unsafe fn acquire_ex(run_ref: &RundownWord, count: u32) -> bool;

    /// `ExReleaseRundownProtection`.
    ///
    /// ```
    /// # use core::sync::atomic::Ordering::Relaxed;
    /// # use rundown::provider::{Portable, Provider, RundownWord};
    /// let word = RundownWord::new(0);
    /// // SAFETY: an initialized word; each protection acquired here is released once.
    /// unsafe {
    ///     assert!(Portable::acquire(&word) && Portable::acquire(&word));
    ///     Portable::release(&word);
    ///     assert_eq!(word.load(Relaxed), 2, "one holder left");
    ///     Portable::release(&word);
    /// }
    /// assert_eq!(word.load(Relaxed), 0);
    /// ```
    ///
    /// # Safety
    /// The caller holds one protection on `run_ref` and gives it up. IRQL <= `DISPATCH_LEVEL`.
    unsafe fn release(run_ref: &RundownWord);

    /// `ExReleaseRundownProtectionEx`.
    ///
    /// ```
    /// # use core::sync::atomic::Ordering::Relaxed;
    /// # use rundown::provider::{Portable, Provider, RundownWord};
    /// let word = RundownWord::new(0);
    /// // SAFETY: an initialized word; the three protections are released once each.
    /// unsafe {
    ///     assert!(Portable::acquire_ex(&word, 3));
    ///     Portable::release_ex(&word, 2);
    ///     assert_eq!(word.load(Relaxed), 2, "one holder left");
    ///     Portable::release_ex(&word, 1);
    /// }
    /// assert_eq!(word.load(Relaxed), 0);
    /// ```
    ///
    /// # Safety
    /// The caller holds `count` protections on `run_ref` and gives them up.
    unsafe fn release_ex(run_ref: &RundownWord, count: u32);

    /// `ExWaitForRundownProtectionRelease`.
    ///
    /// ```
    /// # use rundown::provider::{Portable, Provider, RundownWord};
    /// let word = RundownWord::new(0);
    /// // SAFETY: an initialized word.
    /// assert!(unsafe { Portable::acquire(&word) });
    /// std::thread::scope(|scope| {
    ///     // SAFETY: the holder gives up the protection acquired above, once.
    ///     scope.spawn(|| unsafe { Portable::release(&word) });
    ///     // SAFETY: initialized and not run down; the only waiter. Returns after the release.
    ///     unsafe { Portable::wait_for_release(&word) };
    /// });
    /// // SAFETY: as above.
    /// assert!(!unsafe { Portable::acquire(&word) }, "run down");
    /// ```
    ///
    /// # Safety
    /// `run_ref` is initialized and not run down with a stale wait block (waited but not
    /// completed); one waiter at a time. IRQL <= `APC_LEVEL`.
    unsafe fn wait_for_release(run_ref: &RundownWord);

    /// `ExRundownCompleted`.
    ///
    /// ```
    /// # use core::sync::atomic::Ordering::Relaxed;
    /// # use rundown::provider::portable::ACTIVE;
    /// # use rundown::provider::{Portable, Provider, RundownWord};
    /// let word = RundownWord::new(0);
    /// // SAFETY: an initialized word, this thread's alone; the wait returned before `completed`.
    /// unsafe {
    ///     Portable::wait_for_release(&word);
    ///     Portable::completed(&word);
    ///     assert_eq!(word.load(Relaxed), ACTIVE, "no wait block left in the word");
    ///     Portable::wait_for_release(&word); // returns at once
    /// }
    /// ```
    ///
    /// # Safety
    /// A wait on `run_ref` returned. IRQL <= `APC_LEVEL`.
    unsafe fn completed(run_ref: &RundownWord);

    /// `ExSizeOfRundownProtectionCacheAware`.
    ///
    /// ```
    /// use rundown::provider::{Portable, Provider};
    /// use rundown::simulation;
    ///
    /// simulation::set_processor_count(Some(1));
    /// assert_eq!(Portable::cache_aware_size(), 0x18 + 8, "the header and one EX_RUNDOWN_REF");
    /// simulation::set_processor_count(Some(4));
    /// assert_eq!(Portable::cache_aware_size(), 0x18 + 64 * (4 + 1), "a cache line each, and slack");
    /// simulation::set_processor_count(None);
    /// ```
    fn cache_aware_size() -> usize;

    /// `ExAllocateCacheAwareRundownProtection(NonPagedPoolNx, tag)`; `None` when pool is
    /// exhausted. `tag` is the pool tag, the four characters of a pool dump in memory order
    /// (`u32::from_le_bytes(*b"Abcd")`, C's `'dcbA'`).
    ///
    /// ```
    /// use rundown::provider::{Portable, Provider};
    ///
    /// let block = Portable::cache_aware_allocate_with_tag(u32::from_le_bytes(*b"Doc2")).expect("pool");
    /// // SAFETY: from `cache_aware_allocate_with_tag`, unused, and not used again.
    /// unsafe { Portable::cache_aware_free(block) };
    /// ```
    fn cache_aware_allocate_with_tag(tag: u32) -> Option<core::ptr::NonNull<Self::CacheAware>>;

    /// [`Provider::cache_aware_allocate_with_tag`] with the crate's tag, `Rdcw`
    /// ([`PoolTag::DEFAULT`](crate::PoolTag::DEFAULT)).
    ///
    /// ```
    /// # use rundown::provider::{Portable, Provider};
    /// let block = Portable::cache_aware_allocate().expect("pool");
    /// // SAFETY: allocated and initialized just now, this thread's alone; released, then freed
    /// // once and not used again.
    /// unsafe {
    ///     assert!(Portable::cache_aware_acquire(block.as_ref(), 1), "ready to use");
    ///     Portable::cache_aware_release(block.as_ref(), 1);
    ///     Portable::cache_aware_free(block);
    /// }
    /// ```
    #[must_use]
    fn cache_aware_allocate() -> Option<core::ptr::NonNull<Self::CacheAware>> {
        Self::cache_aware_allocate_with_tag(portable::DEFAULT_POOL_TAG)
    }

    /// `ExInitializeRundownProtectionCacheAware`: lays the block out from `size` alone (NT
    /// derives the number of words from it, not from the processor count).
    ///
    /// ```
    /// # use core::mem::MaybeUninit;
    /// # use core::ptr::NonNull;
    /// # use rundown::provider::{CacheAwareBlock, Portable, Provider};
    /// let size = Portable::cache_aware_size();
    /// let mut storage = vec![MaybeUninit::<usize>::uninit(); size.div_ceil(size_of::<usize>())];
    /// let block = NonNull::from(storage.as_mut_slice()).cast::<CacheAwareBlock>();
    /// // SAFETY: `size` writable, pointer-aligned, unused bytes, of the size NT's contract asks
    /// // for; the block is used only while `storage` lives, and the protection is released.
    /// unsafe {
    ///     Portable::cache_aware_initialize(block, size);
    ///     assert!(Portable::cache_aware_acquire(block.as_ref(), 1));
    ///     Portable::cache_aware_release(block.as_ref(), 1);
    /// }
    /// ```
    ///
    /// # Safety
    /// `block` is writable for `size` bytes, pointer-aligned, nonpaged and unused, and NT
    /// derives at least one word from `size`: it is [`Provider::cache_aware_size`]'s value (what
    /// NT's contract asks for), or 0x18 + 8, or 0x18 + A × (n + 1) + r with n >= 1 and r < A, A
    /// being the recommended shared-data alignment. A larger size is not always one: on one
    /// processor 0x18 + 16 gives NT no word.
    unsafe fn cache_aware_initialize(block: core::ptr::NonNull<Self::CacheAware>, size: usize);

    /// `ExFreeCacheAwareRundownProtection`.
    ///
    /// ```
    /// # use rundown::provider::{Portable, Provider};
    /// # use rundown::{PoolTag, simulation};
    /// const TAG: PoolTag = PoolTag::new(*b"Doc3");
    /// let block = Portable::cache_aware_allocate_with_tag(TAG.get()).expect("pool");
    /// assert_eq!(simulation::pool_blocks(TAG), 1);
    /// // SAFETY: from the allocation above, unused, and not used again.
    /// unsafe { Portable::cache_aware_free(block) };
    /// assert_eq!(simulation::pool_blocks(TAG), 0, "back in pool");
    /// ```
    ///
    /// # Safety
    /// `block` came from [`Provider::cache_aware_allocate`], nobody uses it, and it is not used
    /// again.
    unsafe fn cache_aware_free(block: core::ptr::NonNull<Self::CacheAware>);

    /// `ExAcquireRundownProtectionCacheAwareEx`.
    ///
    /// ```
    /// # use rundown::provider::{Portable, Provider};
    /// let block = Portable::cache_aware_allocate().expect("pool");
    /// // SAFETY: allocated and initialized, this thread's alone; the two protections are
    /// // released once; freed once at the end.
    /// unsafe {
    ///     let shared = block.as_ref();
    ///     assert!(Portable::cache_aware_acquire(shared, 2), "on this processor's word");
    ///     Portable::cache_aware_release(shared, 2);
    ///     Portable::cache_aware_wait_for_release(shared);
    ///     assert!(!Portable::cache_aware_acquire(shared, 1), "run down on every word");
    ///     Portable::cache_aware_free(block);
    /// }
    /// ```
    ///
    /// # Safety
    /// `block` is initialized and `count` is not zero.
    unsafe fn cache_aware_acquire(block: &Self::CacheAware, count: u32) -> bool;

    /// `ExReleaseRundownProtectionCacheAwareEx`.
    ///
    /// A holder may release on another processor than it acquired on; the wait counts the sum.
    ///
    /// ```
    /// # use rundown::provider::{Portable, Provider};
    /// # use rundown::simulation;
    /// # simulation::set_processor_count(Some(2));
    /// let block = Portable::cache_aware_allocate().expect("pool");
    /// // SAFETY: allocated and initialized, this thread's alone; the protection is released
    /// // once; freed once at the end.
    /// unsafe {
    ///     let shared = block.as_ref();
    ///     simulation::run_on_processor(Some(0));
    ///     assert!(Portable::cache_aware_acquire(shared, 1));
    ///     simulation::run_on_processor(Some(1)); // the scheduler moved the holder
    ///     Portable::cache_aware_release(shared, 1);
    ///     Portable::cache_aware_wait_for_release(shared); // nobody holds: returns at once
    ///     Portable::cache_aware_free(block);
    /// }
    /// # simulation::run_on_processor(None);
    /// # simulation::set_processor_count(None);
    /// ```
    ///
    /// # Safety
    /// The caller holds `count` protections on `block` and gives them up.
    unsafe fn cache_aware_release(block: &Self::CacheAware, count: u32);

    /// `ExWaitForRundownProtectionReleaseCacheAware`.
    ///
    /// ```
    /// # use core::ptr::NonNull;
    /// # use rundown::provider::{CacheAwareBlock, Portable, Provider};
    /// /// The block's address, shared by threads as C code shares a `PEX_RUNDOWN_REF_CACHE_AWARE`.
    /// struct Shared(NonNull<CacheAwareBlock>);
    /// // SAFETY: the routines are made for concurrent calls on one block.
    /// unsafe impl Sync for Shared {}
    ///
    /// let block = &Shared(Portable::cache_aware_allocate().expect("pool"));
    /// // SAFETY (each block below): allocated and initialized, alive until the free at the end.
    /// assert!(unsafe { Portable::cache_aware_acquire(block.0.as_ref(), 1) });
    /// std::thread::scope(|scope| {
    ///     // The holder gives up the protection acquired above, once.
    ///     scope.spawn(move || unsafe { Portable::cache_aware_release(block.0.as_ref(), 1) });
    ///     // Initialized and not run down; the only waiter. Returns after the release.
    ///     unsafe { Portable::cache_aware_wait_for_release(block.0.as_ref()) };
    /// });
    /// // SAFETY: nobody uses the block any more, and nothing does after this.
    /// unsafe { Portable::cache_aware_free(block.0) };
    /// ```
    ///
    /// # Safety
    /// As [`Provider::wait_for_release`].
    unsafe fn cache_aware_wait_for_release(block: &Self::CacheAware);

    /// `ExRundownCompletedCacheAware`.
    ///
    /// ```
    /// # use rundown::provider::{Portable, Provider};
    /// let block = Portable::cache_aware_allocate().expect("pool");
    /// // SAFETY: allocated and initialized, this thread's alone; each call follows the one NT's
    /// // contract puts before it; freed once at the end.
    /// unsafe {
    ///     let shared = block.as_ref();
    ///     Portable::cache_aware_wait_for_release(shared);
    ///     Portable::cache_aware_completed(shared);
    ///     Portable::cache_aware_wait_for_release(shared); // returns at once
    ///     assert!(!Portable::cache_aware_acquire(shared, 1), "still run down");
    ///     Portable::cache_aware_free(block);
    /// }
    /// ```
    ///
    /// # Safety
    /// As [`Provider::completed`].
    unsafe fn cache_aware_completed(block: &Self::CacheAware);

    /// `ExReInitializeRundownProtectionCacheAware`.
    ///
    /// ```
    /// # use rundown::provider::{Portable, Provider};
    /// let block = Portable::cache_aware_allocate().expect("pool");
    /// // SAFETY: allocated and initialized, this thread's alone; each call follows the one NT's
    /// // contract puts before it, the last acquire is released, and the block is freed once.
    /// unsafe {
    ///     let shared = block.as_ref();
    ///     Portable::cache_aware_wait_for_release(shared);
    ///     Portable::cache_aware_completed(shared);
    ///     Portable::cache_aware_reinitialize(shared); // for a new object
    ///     assert!(Portable::cache_aware_acquire(shared, 1), "active again");
    ///     Portable::cache_aware_release(shared, 1);
    ///     Portable::cache_aware_free(block);
    /// }
    /// ```
    ///
    /// # Safety
    /// As [`Provider::reinitialize`].
    unsafe fn cache_aware_reinitialize(block: &Self::CacheAware);
}
