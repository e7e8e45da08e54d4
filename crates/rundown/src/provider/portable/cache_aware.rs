//! The cache-aware form: one run-down word per processor, each on its own cache line.
//!
//! The layout follows NT's `EX_RUNDOWN_REF_CACHE_AWARE`: a header naming the slot array, the pool
//! block to free, the slot stride and the slot count, followed in the same block by the slots.
//! A holder acquires and releases on the slot of the processor it runs on at that moment, so one
//! slot may go below zero when a thread moves between the two; only the sum over all slots,
//! taken with wrapping arithmetic on the raw words, is the outstanding count.

use core::mem::{align_of, size_of};
use core::pin::pin;
use core::ptr::NonNull;
use core::sync::atomic::Ordering::{AcqRel, Acquire};

use super::{ACTIVE, COUNT_SHIFT, MAX_OUTSTANDING, WaitBlock, word};
use crate::env::{self, AtomicUsize};

/// One processor's run-down word, alone on its cache line.
#[repr(C, align(64))]
struct Slot(AtomicUsize);

/// The slot stride, a cache line.
#[expect(clippy::cast_possible_truncation, reason = "a cache line fits in u32")]
const SLOT_SIZE: u32 = size_of::<Slot>() as u32;

/// `PoolToFree` of a block the caller provided: nothing to free.
const CALLER_STORAGE: usize = 1;

/// NT's `EX_RUNDOWN_REF_CACHE_AWARE` header.
///
/// # Invariants
/// Once initialized, `run_refs` points to `number` initialized slots (one run-down word per
/// cache line) inside the same block, `run_ref_size` is their stride, and `pool_to_free` is the
/// block itself when it came from pool, or 1 for caller storage.
///
/// ```
/// assert_eq!(size_of::<rundown::provider::portable::CacheAwareBlock>(), 0x18);
/// ```
#[repr(C)]
pub struct CacheAwareBlock {
    run_refs: *mut Slot,
    pool_to_free: *mut u8,
    run_ref_size: u32,
    number: u32,
}

fn size_for(number: u32) -> usize {
    size_of::<CacheAwareBlock>() + align_of::<Slot>() + number as usize * size_of::<Slot>()
}

/// `ExSizeOfRundownProtectionCacheAware`: the bytes a caller must provide for one reference on
/// this machine, alignment padding included.
pub(crate) fn size() -> usize {
    size_for(env::processor_count())
}

/// `ExInitializeRundownProtectionCacheAware` over caller memory.
///
/// # Safety
/// `block` is valid for writes of `size` bytes, aligned for [`CacheAwareBlock`], and not in use.
pub(crate) unsafe fn initialize(block: NonNull<CacheAwareBlock>, size: usize) {
    let number = env::processor_count();
    assert!(size >= size_for(number), "cache-aware storage of {size} bytes is smaller than {}", size_for(number));
    let first = block.as_ptr().wrapping_add(1).cast::<u8>();
    #[expect(clippy::cast_ptr_alignment, reason = "aligned by the offset just added")]
    let run_refs = first.wrapping_add(first.align_offset(align_of::<Slot>())).cast::<Slot>();
    for index in 0..number as usize {
        // The size check keeps every slot inside the caller's block, and the offset aligned the
        // first one.
        let slot = run_refs.wrapping_add(index);
        // SAFETY: in bounds and aligned, as above.
        unsafe { slot.write(Slot(AtomicUsize::new(0))) };
    }
    let header = CacheAwareBlock { run_refs, pool_to_free: CALLER_STORAGE as *mut u8, run_ref_size: SLOT_SIZE, number };
    // SAFETY: the caller provides a writable, aligned block.
    unsafe { block.write(header) };
}

/// Tag of the pool blocks [`allocate`] takes, `Rdcw` in a pool dump.
const POOL_TAG: u32 = u32::from_le_bytes(*b"Rdcw");

/// `ExAllocateCacheAwareRundownProtection`: a block from nonpaged pool, initialized.
pub(crate) fn allocate() -> Option<NonNull<CacheAwareBlock>> {
    let size = size();
    // SAFETY: non-zero size, power-of-two alignment.
    let memory = unsafe { env::pool_allocate(size, align_of::<CacheAwareBlock>(), POOL_TAG) };
    #[expect(clippy::cast_ptr_alignment, reason = "pool_allocate aligns for the header")]
    let block = NonNull::new(memory.cast::<CacheAwareBlock>())?;
    // SAFETY: a fresh block of `size` bytes, aligned for the header.
    unsafe { initialize(block, size) };
    // SAFETY: just initialized; recording the block to free.
    unsafe { (*block.as_ptr()).pool_to_free = memory };
    Some(block)
}

/// `ExFreeCacheAwareRundownProtection`.
///
/// # Safety
/// `block` came from [`allocate`], nobody holds or waits on it, and it is not used afterwards.
pub(crate) unsafe fn free(block: NonNull<CacheAwareBlock>) {
    // SAFETY: an initialized block, per the caller.
    let header = unsafe { block.as_ref() };
    debug_assert_ne!(header.pool_to_free as usize, CALLER_STORAGE, "freeing caller-provided cache-aware storage");
    let size = size_for(header.number);
    // SAFETY: the block came from `pool_allocate` with this size and alignment.
    unsafe { env::pool_free(header.pool_to_free, size, align_of::<CacheAwareBlock>(), POOL_TAG) };
}

impl CacheAwareBlock {
    #[inline]
    fn slots(&self) -> &[Slot] {
        // SAFETY: the invariants: `number` initialized slots at `run_refs`, living as long as the
        // header.
        unsafe { core::slice::from_raw_parts(self.run_refs, self.number as usize) }
    }

    #[inline]
    fn current_slot(&self) -> &AtomicUsize {
        let slots = self.slots();
        let processor = env::current_processor() as usize;
        // NT takes the processor number modulo the slot count; it is almost always in range
        // already, and the division costs more than the rest of an acquire.
        let index = if processor < slots.len() { processor } else { processor % slots.len() };
        &slots[index].0
    }

    /// Each slot may hold at most its share of [`MAX_OUTSTANDING`], so the sum cannot pass it.
    #[inline]
    fn slot_limit(&self) -> usize {
        MAX_OUTSTANDING / self.number as usize
    }

    /// `ExAcquireRundownProtectionCacheAwareEx`.
    #[inline]
    pub(crate) fn acquire(&self, count: u32) -> bool {
        word::acquire(self.current_slot(), count, self.slot_limit())
    }

    /// `ExReleaseRundownProtectionCacheAwareEx`.
    ///
    /// # Safety
    /// The caller holds `count` protections on this reference and gives them up.
    #[inline]
    pub(crate) unsafe fn release(&self, count: u32) {
        // SAFETY: the protections are held on the reference; the slot sum counts them.
        unsafe { word::release(self.current_slot(), count) }
    }

    /// `ExWaitForRundownProtectionReleaseCacheAware`: installs one wait block in every slot,
    /// adds up what each held, and sleeps until releases bring the total to zero.
    pub(crate) fn wait_for_release(&self) {
        let slots = self.slots();
        if slots[0].0.load(Acquire) & ACTIVE != 0 {
            return;
        }
        let block = pin!(WaitBlock::new(0));
        let block = block.as_ref();
        block.arm();
        let installed = block.tagged_address();
        let mut found: usize = 0;
        for slot in slots {
            let previous = slot.0.swap(installed, AcqRel);
            debug_assert_eq!(previous & ACTIVE, 0, "a cache-aware slot was run down twice");
            found = found.wrapping_add(previous);
        }
        if block.add_found(found >> COUNT_SHIFT) {
            block.sleep();
        }
    }

    /// `ExRundownCompletedCacheAware`.
    pub(crate) fn completed(&self) {
        self.slots().iter().for_each(|slot| word::completed(&slot.0));
    }

    /// `ExReInitializeRundownProtectionCacheAware`.
    pub(crate) fn reinitialize(&self) {
        self.slots().iter().for_each(|slot| word::reinitialize(&slot.0));
    }
}
