//! The real routines, imported from ntoskrnl.exe.
//!
//! NT does not check its count for overflow; this provider refuses an acquire that could pass
//! [`MAX_OUTSTANDING`] by reading the word (or the current processor's slot) first. The read may
//! race with other acquires, but each can add at most `u32::MAX`, far below the headroom between
//! the limit and NT's 63 bits.

use core::ptr::NonNull;
use core::sync::atomic::Ordering::Relaxed;

use super::portable::{ACTIVE, COUNT_SHIFT};
use super::{MAX_OUTSTANDING, Provider, RundownWord};

/// NT's `EX_RUNDOWN_REF_CACHE_AWARE` (public symbols: `RunRefs`, `PoolToFree`, `RunRefSize`,
/// `Number`, 24 bytes on x64): the same header the portable model lays out, so the safe types
/// read NT's blocks (for the overflow limit and their state) with the model's code.
///
/// ```ignore
/// // Kernel builds only (feature `ntoskrnl`).
/// assert_eq!(size_of::<rundown::provider::NtCacheAware>(), 0x18);
/// ```
pub type NtCacheAware = super::portable::CacheAwareBlock;

type RawRef = *mut usize;
type RawCacheAware = *mut NtCacheAware;

/// `POOL_TYPE::NonPagedPoolNx`.
const NON_PAGED_POOL_NX: i32 = 512;

unsafe extern "system" {
    fn ExInitializeRundownProtection(run_ref: RawRef);
    fn ExReInitializeRundownProtection(run_ref: RawRef);
    fn ExAcquireRundownProtection(run_ref: RawRef) -> u8;
    fn ExAcquireRundownProtectionEx(run_ref: RawRef, count: u32) -> u8;
    fn ExReleaseRundownProtection(run_ref: RawRef);
    fn ExReleaseRundownProtectionEx(run_ref: RawRef, count: u32);
    fn ExWaitForRundownProtectionRelease(run_ref: RawRef);
    fn ExRundownCompleted(run_ref: RawRef);
    fn ExSizeOfRundownProtectionCacheAware() -> usize;
    fn ExAllocateCacheAwareRundownProtection(pool_type: i32, tag: u32) -> RawCacheAware;
    fn ExInitializeRundownProtectionCacheAware(block: RawCacheAware, size: usize);
    fn ExFreeCacheAwareRundownProtection(block: RawCacheAware);
    fn ExAcquireRundownProtectionCacheAwareEx(block: RawCacheAware, count: u32) -> u8;
    fn ExReleaseRundownProtectionCacheAwareEx(block: RawCacheAware, count: u32);
    fn ExWaitForRundownProtectionReleaseCacheAware(block: RawCacheAware);
    fn ExRundownCompletedCacheAware(block: RawCacheAware);
    fn ExReInitializeRundownProtectionCacheAware(block: RawCacheAware);
}

/// NtosKrnl's own run-down routines.
///
/// Exists only in a kernel build with the `ntoskrnl` feature, where it is
/// [`Selected`](super::Selected); doc-tests run on the host, so this example is not compiled.
///
/// ```ignore
/// use rundown::provider::{Ntoskrnl, Provider, RundownWord};
///
/// let word = RundownWord::new(0);
/// // SAFETY: an initialized word; the acquire is released once.
/// if unsafe { Ntoskrnl::acquire(&word) } {
///     unsafe { Ntoskrnl::release(&word) };
/// }
/// ```
pub struct Ntoskrnl;

fn raw(run_ref: &RundownWord) -> RawRef {
    run_ref.as_ptr()
}

fn raw_block(block: &NtCacheAware) -> RawCacheAware {
    core::ptr::from_ref(block).cast_mut()
}

/// Whether adding `count` to a word holding `value` stays within `limit`. A cache-aware slot may
/// sit below zero, so the count is read as signed.
fn within(value: usize, count: u32, limit: usize) -> bool {
    let outstanding = value.cast_signed() >> COUNT_SHIFT;
    let count = isize::try_from(count).unwrap_or(isize::MAX);
    value & ACTIVE != 0 || outstanding.checked_add(count).is_some_and(|next| next <= limit.cast_signed())
}

// SAFETY: each function forwards to the NtosKrnl routine of the same name, which implements the
// documented semantics; the extra read only refuses acquires near MAX_OUTSTANDING.
unsafe impl Provider for Ntoskrnl {
    type CacheAware = NtCacheAware;

    unsafe fn initialize(run_ref: &RundownWord) {
        // SAFETY: forwarded contract.
        unsafe { ExInitializeRundownProtection(raw(run_ref)) }
    }

    unsafe fn reinitialize(run_ref: &RundownWord) {
        // SAFETY: forwarded contract.
        unsafe { ExReInitializeRundownProtection(raw(run_ref)) }
    }

    unsafe fn acquire(run_ref: &RundownWord) -> bool {
        // SAFETY: forwarded contract.
        within(run_ref.load(Relaxed), 1, MAX_OUTSTANDING) && unsafe { ExAcquireRundownProtection(raw(run_ref)) != 0 }
    }

    unsafe fn acquire_ex(run_ref: &RundownWord, count: u32) -> bool {
        within(run_ref.load(Relaxed), count, MAX_OUTSTANDING)
            // SAFETY: forwarded contract.
            && unsafe { ExAcquireRundownProtectionEx(raw(run_ref), count) != 0 }
    }

    unsafe fn release(run_ref: &RundownWord) {
        // SAFETY: forwarded contract.
        unsafe { ExReleaseRundownProtection(raw(run_ref)) }
    }

    unsafe fn release_ex(run_ref: &RundownWord, count: u32) {
        // SAFETY: forwarded contract.
        unsafe { ExReleaseRundownProtectionEx(raw(run_ref), count) }
    }

    unsafe fn wait_for_release(run_ref: &RundownWord) {
        // SAFETY: forwarded contract.
        unsafe { ExWaitForRundownProtectionRelease(raw(run_ref)) }
    }

    unsafe fn completed(run_ref: &RundownWord) {
        // SAFETY: forwarded contract.
        unsafe { ExRundownCompleted(raw(run_ref)) }
    }

    fn cache_aware_size() -> usize {
        // SAFETY: no arguments; <= APC_LEVEL, which the safe caller's token proves.
        unsafe { ExSizeOfRundownProtectionCacheAware() }
    }

    fn cache_aware_allocate_with_tag(tag: u32) -> Option<NonNull<NtCacheAware>> {
        // SAFETY: a valid pool type; NT stores any tag; <= APC_LEVEL, which the safe caller's
        // token proves.
        NonNull::new(unsafe { ExAllocateCacheAwareRundownProtection(NON_PAGED_POOL_NX, tag) })
    }

    unsafe fn cache_aware_initialize(block: NonNull<NtCacheAware>, size: usize) {
        // SAFETY: forwarded contract.
        unsafe { ExInitializeRundownProtectionCacheAware(block.as_ptr(), size) }
    }

    unsafe fn cache_aware_free(block: NonNull<NtCacheAware>) {
        // SAFETY: forwarded contract.
        unsafe { ExFreeCacheAwareRundownProtection(block.as_ptr()) }
    }

    unsafe fn cache_aware_acquire(block: &NtCacheAware, count: u32) -> bool {
        // NT's header names `Number` initialized, pointer-aligned words `RunRefSize` bytes apart
        // (the header's invariants); reading one atomically is what NT's own routines do
        // concurrently.
        within(block.current_slot().load(Relaxed), count, block.slot_limit())
            // SAFETY: forwarded contract.
            && unsafe { ExAcquireRundownProtectionCacheAwareEx(raw_block(block), count) != 0 }
    }

    unsafe fn cache_aware_release(block: &NtCacheAware, count: u32) {
        // SAFETY: forwarded contract.
        unsafe { ExReleaseRundownProtectionCacheAwareEx(raw_block(block), count) }
    }

    unsafe fn cache_aware_wait_for_release(block: &NtCacheAware) {
        // SAFETY: forwarded contract.
        unsafe { ExWaitForRundownProtectionReleaseCacheAware(raw_block(block)) }
    }

    unsafe fn cache_aware_completed(block: &NtCacheAware) {
        // SAFETY: forwarded contract.
        unsafe { ExRundownCompletedCacheAware(raw_block(block)) }
    }

    unsafe fn cache_aware_reinitialize(block: &NtCacheAware) {
        // SAFETY: forwarded contract.
        unsafe { ExReInitializeRundownProtectionCacheAware(raw_block(block)) }
    }
}
