//! The portable provider: NT's run-down algorithm in Rust, with NT's exact word layout.
//!
//! It is what the host tests and loom check, and what the driver uses under Wine, whose own
//! run-down routines are stubs.

mod cache_aware;
mod wait_block;
mod word;

use wait_block::WaitBlock;

pub use cache_aware::CacheAwareBlock;
pub(crate) use cache_aware::{DEFAULT_POOL_TAG, Summary};

use super::{MAX_OUTSTANDING, Provider, RundownWord};

/// Bit 0 of a run-down word: set once a run down started (`EX_RUNDOWN_ACTIVE`).
pub const ACTIVE: usize = 0x1;
/// The count is stored shifted left by this much (`EX_RUNDOWN_COUNT_SHIFT`).
pub const COUNT_SHIFT: u32 = 1;
/// What one protection adds to the word (`EX_RUNDOWN_COUNT_INC`).
pub const COUNT_INC: usize = 1 << COUNT_SHIFT;

/// The portable model of NT's run-down routines.
///
/// ```
/// use rundown::provider::{Portable, Provider, RundownWord};
///
/// let word = RundownWord::new(0);
/// // SAFETY: the word is initialized and every acquire is released once.
/// unsafe {
///     assert!(Portable::acquire(&word));
///     assert_eq!(word.load(core::sync::atomic::Ordering::Relaxed), 2);
///     Portable::release(&word);
/// }
/// ```
pub struct Portable;

// SAFETY: the routines below implement NT's documented semantics over NT's word layout; the unit
// and loom tests check the three invariants the trait names.
unsafe impl Provider for Portable {
    type CacheAware = CacheAwareBlock;

    unsafe fn initialize(run_ref: &RundownWord) {
        word::reinitialize(run_ref);
    }

    unsafe fn reinitialize(run_ref: &RundownWord) {
        word::reinitialize(run_ref);
    }

    #[inline]
    unsafe fn acquire(run_ref: &RundownWord) -> bool {
        word::acquire(run_ref, 1, MAX_OUTSTANDING)
    }

    #[inline]
    unsafe fn acquire_ex(run_ref: &RundownWord, count: u32) -> bool {
        word::acquire(run_ref, count, MAX_OUTSTANDING)
    }

    #[inline]
    unsafe fn release(run_ref: &RundownWord) {
        // SAFETY: the caller holds one protection.
        unsafe { word::release(run_ref, 1) }
    }

    #[inline]
    unsafe fn release_ex(run_ref: &RundownWord, count: u32) {
        // SAFETY: the caller holds `count` protections.
        unsafe { word::release(run_ref, count) }
    }

    unsafe fn wait_for_release(run_ref: &RundownWord) {
        word::wait_for_release(run_ref);
    }

    unsafe fn completed(run_ref: &RundownWord) {
        word::completed(run_ref);
    }

    fn cache_aware_size() -> usize {
        cache_aware::size()
    }

    fn cache_aware_allocate_with_tag(tag: u32) -> Option<core::ptr::NonNull<CacheAwareBlock>> {
        cache_aware::allocate(tag)
    }

    unsafe fn cache_aware_initialize(block: core::ptr::NonNull<CacheAwareBlock>, size: usize) {
        // SAFETY: forwarded from the caller.
        unsafe { cache_aware::initialize(block, size) }
    }

    unsafe fn cache_aware_free(block: core::ptr::NonNull<CacheAwareBlock>) {
        // SAFETY: forwarded from the caller.
        unsafe { cache_aware::free(block) }
    }

    #[inline]
    unsafe fn cache_aware_acquire(block: &CacheAwareBlock, count: u32) -> bool {
        block.acquire(count)
    }

    #[inline]
    unsafe fn cache_aware_release(block: &CacheAwareBlock, count: u32) {
        // SAFETY: forwarded from the caller.
        unsafe { block.release(count) }
    }

    unsafe fn cache_aware_wait_for_release(block: &CacheAwareBlock) {
        block.wait_for_release();
    }

    unsafe fn cache_aware_completed(block: &CacheAwareBlock) {
        block.completed();
    }

    unsafe fn cache_aware_reinitialize(block: &CacheAwareBlock) {
        block.reinitialize();
    }
}
