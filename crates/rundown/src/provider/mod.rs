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
    /// # Safety
    /// Nobody holds, waits on or acquires `run_ref` concurrently.
    unsafe fn initialize(run_ref: &RundownWord);

    /// `ExReInitializeRundownProtection`.
    ///
    /// # Safety
    /// `run_ref` was run down and completed, and nobody uses it concurrently.
    unsafe fn reinitialize(run_ref: &RundownWord);

    /// `ExAcquireRundownProtection`.
    ///
    /// # Safety
    /// `run_ref` is initialized. IRQL <= `DISPATCH_LEVEL`.
    unsafe fn acquire(run_ref: &RundownWord) -> bool;

    /// `ExAcquireRundownProtectionEx`.
    ///
    /// # Safety
    /// As [`Provider::acquire`], and `count` is not zero.
    unsafe fn acquire_ex(run_ref: &RundownWord, count: u32) -> bool;

    /// `ExReleaseRundownProtection`.
    ///
    /// # Safety
    /// The caller holds one protection on `run_ref` and gives it up. IRQL <= `DISPATCH_LEVEL`.
    unsafe fn release(run_ref: &RundownWord);

    /// `ExReleaseRundownProtectionEx`.
    ///
    /// # Safety
    /// The caller holds `count` protections on `run_ref` and gives them up.
    unsafe fn release_ex(run_ref: &RundownWord, count: u32);

    /// `ExWaitForRundownProtectionRelease`.
    ///
    /// # Safety
    /// `run_ref` is initialized and not run down with a stale wait block (waited but not
    /// completed); one waiter at a time. IRQL <= `APC_LEVEL`.
    unsafe fn wait_for_release(run_ref: &RundownWord);

    /// `ExRundownCompleted`.
    ///
    /// # Safety
    /// A wait on `run_ref` returned. IRQL <= `APC_LEVEL`.
    unsafe fn completed(run_ref: &RundownWord);

    /// `ExSizeOfRundownProtectionCacheAware`.
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
    #[must_use]
    fn cache_aware_allocate() -> Option<core::ptr::NonNull<Self::CacheAware>> {
        Self::cache_aware_allocate_with_tag(portable::DEFAULT_POOL_TAG)
    }

    /// `ExInitializeRundownProtectionCacheAware`: lays the block out from `size` alone (NT
    /// derives the number of words from it, not from the processor count).
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
    /// # Safety
    /// `block` came from [`Provider::cache_aware_allocate`], nobody uses it, and it is not used
    /// again.
    unsafe fn cache_aware_free(block: core::ptr::NonNull<Self::CacheAware>);

    /// `ExAcquireRundownProtectionCacheAwareEx`.
    ///
    /// # Safety
    /// `block` is initialized and `count` is not zero.
    unsafe fn cache_aware_acquire(block: &Self::CacheAware, count: u32) -> bool;

    /// `ExReleaseRundownProtectionCacheAwareEx`.
    ///
    /// # Safety
    /// The caller holds `count` protections on `block` and gives them up.
    unsafe fn cache_aware_release(block: &Self::CacheAware, count: u32);

    /// `ExWaitForRundownProtectionReleaseCacheAware`.
    ///
    /// # Safety
    /// As [`Provider::wait_for_release`].
    unsafe fn cache_aware_wait_for_release(block: &Self::CacheAware);

    /// `ExRundownCompletedCacheAware`.
    ///
    /// # Safety
    /// As [`Provider::completed`].
    unsafe fn cache_aware_completed(block: &Self::CacheAware);

    /// `ExReInitializeRundownProtectionCacheAware`.
    ///
    /// # Safety
    /// As [`Provider::reinitialize`].
    unsafe fn cache_aware_reinitialize(block: &Self::CacheAware);
}
