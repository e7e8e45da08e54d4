//! The cache-aware form: one run-down word per processor, each on its own cache line.
//!
//! The layout is NT's `EX_RUNDOWN_REF_CACHE_AWARE`: a header naming the words (`RunRefs`), the
//! pool block to free (`PoolToFree`), their stride (`RunRefSize`) and their number (`Number`),
//! and the words themselves. A holder acquires and releases on the word of the processor it runs
//! on at that moment, so one word may go below zero when a thread moves between the two; only
//! the sum over all words, taken with wrapping arithmetic on the raw values, is the outstanding
//! count.
//!
//! # NT's layout
//! These are the facts the model follows, read in the Windows Research Kernel's
//! `base/ntos/ex/rundown.c` (ReactOS's `ntoskrnl/ex/rundown.c` agrees on each):
//! - The header is 0x18 bytes on x64: `RunRefs` at 0, `PoolToFree` at 8, `RunRefSize` (a `ULONG`)
//!   at 0x10, `Number` (a `ULONG`) at 0x14.
//! - `RunRefSize` is `KeGetRecommendedSharedDataAlignment()` on a machine with more than one
//!   processor, and `sizeof(EX_RUNDOWN_REF)`, 8, on one.
//! - `ExSizeOfRundownProtectionCacheAware` is 0x18 + `RunRefSize` × (`Number` + 1) for `Number`
//!   processors, the extra stride paying for aligning `RunRefs` to a `RunRefSize` boundary; on
//!   one processor it is 0x18 + 8, with no room for alignment and none needed.
//! - `ExInitializeRundownProtectionCacheAware(block, size)` derives the layout from `size`
//!   alone, not from the processor count: when `size` − 0x18 is exactly one `EX_RUNDOWN_REF`,
//!   `Number` is 1, `RunRefSize` 8 and `RunRefs` follows the header; otherwise `RunRefSize` is
//!   the recommended alignment `A`, `Number` is (`size` − 0x18) / `A` − 1 in integer division
//!   (a size between two layouts gives the smaller one), and `RunRefs` is the end of the header
//!   rounded up to a multiple of `A`. NT sets `PoolToFree` to the signature `0x0BADCA11`, which
//!   `ExFreeCacheAwareRundownProtection` asserts it does not get.
//! - `ExAllocateCacheAwareRundownProtection(PoolType, Tag)` takes two pool blocks with the tag:
//!   the header, and the words (`A` × `Number`, or one stride more when that block was not
//!   aligned, then rounded up); `PoolToFree` names the words' block.
//!   `ExFreeCacheAwareRundownProtection` frees both with `ExFreePool`, without a tag.
//! - The word of processor `p` is `RunRefs + (p % Number) × RunRefSize`, for acquire and release
//!   alike; the wait installs its wait block in every word.
//!
//! # Where the model differs, and why
//! - **[`allocate`] takes one pool block**, laid out exactly as caller storage of
//!   [`size`] bytes (header, padding, words), and `PoolToFree` names that block, the header
//!   itself. A block from `ExAllocateCacheAwareRundownProtection` is opaque: only the routines
//!   of the provider that made it use it, and only its `ExFreeCacheAwareRundownProtection` frees
//!   it, so its shape is no part of the interface. One block is one allocation and one failure
//!   path instead of up to three, and the model's pool accounting (and the crate's tests) see the
//!   reference as one allocation. Like NT, the free passes no tag.
//! - **A size that gives no word is refused** (a panic) where NT would store a `Number` of 0 (a
//!   division by zero at the next acquire) or of −1 (words written far past the block). Such a
//!   size breaks NT's own contract (pass what `ExSizeOfRundownProtectionCacheAware` returned), so
//!   no correct caller sees the difference.
//! - In the kernel environment the recommended alignment is the constant 64, not a call to
//!   `KeGetRecommendedSharedDataAlignment`: Wine 8, where the portable provider runs, exports
//!   that routine as a stub that raises an exception (see `env`).

use core::mem::{align_of, size_of};
use core::pin::pin;
use core::ptr::NonNull;
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};

use super::{ACTIVE, COUNT_SHIFT, MAX_OUTSTANDING, WaitBlock, word};
use crate::env::{self, AtomicUsize};

/// `sizeof(EX_RUNDOWN_REF)`: one run-down word, the stride on a single processor.
const WORD: usize = size_of::<AtomicUsize>();

/// `sizeof(EX_RUNDOWN_REF_CACHE_AWARE)`.
const HEADER: usize = size_of::<CacheAwareBlock>();

/// `PoolToFree` of a block in caller storage: NT's signature for "not from pool" (WRK
/// ex/rundown.c), which `ExFreeCacheAwareRundownProtection` must never be given.
const CALLER_STORAGE: usize = 0x0BAD_CA11;

// The words after the header are aligned by the header's own alignment on a single processor,
// and by the stride (a power of two at least as large) otherwise.
const _: () = assert!(
    align_of::<AtomicUsize>() <= align_of::<CacheAwareBlock>() && HEADER.is_multiple_of(align_of::<AtomicUsize>())
);

/// NT's `EX_RUNDOWN_REF_CACHE_AWARE` header.
///
/// # Invariants
/// Once initialized (by [`Provider::cache_aware_initialize`](crate::provider::Provider) or
/// `cache_aware_allocate`, NT's or the model's): `number` is at least 1, and `run_refs` points to
/// `number` initialized run-down words, `run_ref_size` bytes apart and aligned for one, that live
/// and stay in place as long as the header; `pool_to_free` is `0x0BADCA11` for caller storage and
/// the pool block to free otherwise.
///
/// ```
/// assert_eq!(size_of::<rundown::provider::portable::CacheAwareBlock>(), 0x18);
/// ```
#[repr(C)]
pub struct CacheAwareBlock {
    run_refs: *mut u8,
    pool_to_free: *mut u8,
    run_ref_size: u32,
    number: u32,
}

/// `KeGetRecommendedSharedDataAlignment`, checked to hold a word and be a power of two (NT
/// asserts both).
fn recommended_alignment() -> usize {
    let alignment = env::recommended_shared_data_alignment() as usize;
    assert!(alignment.is_power_of_two() && alignment >= WORD, "a shared-data alignment of {alignment}");
    alignment
}

/// The bytes a block with this stride and number of words takes, by NT's size formula.
fn size_of_layout(run_ref_size: usize, number: u32) -> usize {
    if run_ref_size == WORD && number == 1 { HEADER + WORD } else { HEADER + run_ref_size * (number as usize + 1) }
}

/// `ExSizeOfRundownProtectionCacheAware` for `processors` processors.
fn size_for(processors: u32) -> usize {
    if processors > 1 { size_of_layout(recommended_alignment(), processors) } else { size_of_layout(WORD, 1) }
}

/// `ExSizeOfRundownProtectionCacheAware`: the bytes a caller must provide for one reference on
/// this machine, alignment padding included.
pub(crate) fn size() -> usize {
    size_for(env::processor_count())
}

/// The stride and number of words `ExInitializeRundownProtectionCacheAware` derives from `size`,
/// or `None` when NT's derivation would give no word.
fn layout_for_size(size: usize) -> Option<(usize, u32)> {
    let array = size.checked_sub(HEADER)?;
    if array == WORD {
        return Some((WORD, 1));
    }
    let stride = recommended_alignment();
    let number = (array / stride).checked_sub(1).filter(|number| *number >= 1)?;
    Some((stride, u32::try_from(number).ok()?))
}

/// `ExInitializeRundownProtectionCacheAware` over caller memory: the layout comes from `size`
/// (see the module documentation), and `PoolToFree` is NT's `0x0BADCA11`.
///
/// # Safety
/// `block` is valid for writes of `size` bytes, aligned for [`CacheAwareBlock`], and not in use.
///
/// # Panics
/// If `size` gives no word (NT's own routine would then corrupt memory).
pub(crate) unsafe fn initialize(block: NonNull<CacheAwareBlock>, size: usize) {
    let Some((run_ref_size, number)) = layout_for_size(size) else {
        panic!("cache-aware storage of {size} bytes holds no run-down word");
    };
    let after_header = block.as_ptr().cast::<u8>().wrapping_add(HEADER);
    // On one word the stride is the word itself and the header already aligns it.
    let padding = (run_ref_size - after_header.addr() % run_ref_size) % run_ref_size;
    let run_refs = after_header.wrapping_add(padding);
    // In bounds: the padding is less than one stride and the size paid for one stride more than
    // the words (or, for one word, for exactly the header and the word).
    debug_assert!(padding + (number as usize - 1) * run_ref_size + WORD <= size - HEADER);
    for index in 0..number as usize {
        #[expect(clippy::cast_ptr_alignment, reason = "aligned: the stride is a multiple of a word's alignment")]
        let slot = run_refs.wrapping_add(index * run_ref_size).cast::<AtomicUsize>();
        // SAFETY: inside the caller's `size` writable bytes (the bound above), and aligned: by the
        // padding for a stride, by the header's alignment for a single word.
        unsafe { slot.write(AtomicUsize::new(0)) };
    }
    #[expect(clippy::cast_possible_truncation, reason = "the stride is a word or a cache line")]
    let run_ref_size = run_ref_size as u32;
    // INVARIANT: `number` >= 1 initialized words at `run_refs`, `run_ref_size` apart, inside the
    // caller's block, which outlives the header it starts with; caller storage is marked so.
    let header = CacheAwareBlock {
        run_refs,
        pool_to_free: core::ptr::without_provenance_mut(CALLER_STORAGE),
        run_ref_size,
        number,
    };
    // SAFETY: the caller provides a writable, aligned block of at least `HEADER` bytes.
    unsafe { block.write(header) };
}

/// Tag of the pool blocks [`Portable::cache_aware_allocate`](super::Portable) takes, `Rdcw` in a
/// pool dump.
pub(crate) const DEFAULT_POOL_TAG: u32 = u32::from_le_bytes(*b"Rdcw");

/// `ExAllocateCacheAwareRundownProtection(NonPagedPoolNx, tag)`: a block from nonpaged pool,
/// initialized for this machine's processors. One pool block (see the module documentation).
pub(crate) fn allocate(tag: u32) -> Option<NonNull<CacheAwareBlock>> {
    let size = size();
    // SAFETY: non-zero size, power-of-two alignment.
    let memory = unsafe { env::pool_allocate(size, align_of::<CacheAwareBlock>(), tag) };
    #[expect(clippy::cast_ptr_alignment, reason = "pool_allocate aligns for the header")]
    let block = NonNull::new(memory.cast::<CacheAwareBlock>())?;
    // SAFETY: a fresh block of `size` bytes, aligned for the header.
    unsafe { initialize(block, size) };
    // INVARIANT: the block came from pool, so it is what `free` gives back.
    // SAFETY: just initialized, and not yet shared.
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
    assert_ne!(header.pool_to_free.addr(), CALLER_STORAGE, "ExFreeCacheAwareRundownProtection of caller storage");
    let size = size_of_layout(header.run_ref_size as usize, header.number);
    // SAFETY: the block came from `pool_allocate` with this size (the layout it was initialized
    // with) and alignment. Tag 0, as NT frees it with `ExFreePool`: the header does not record
    // the tag.
    unsafe { env::pool_free(header.pool_to_free, size, align_of::<CacheAwareBlock>(), 0) };
}

/// What a block's words say, read one after another ([`CacheAwareBlock::summary`]).
pub(crate) enum Summary {
    /// No word is run down: the wrapping sum of the counts, as a signed number of protections.
    Granting(isize),
    /// Every word is exactly `ACTIVE`: completed, or never waited on since.
    Closed,
    /// Some word holds a wait block.
    WaitInstalled,
}

impl CacheAwareBlock {
    /// Word `index` (`EXP_GET_PROCESSOR_RUNDOWN_REF` without the modulo).
    ///
    /// # Panics
    /// Debug builds check `index < number`.
    #[inline]
    fn slot(&self, index: u32) -> &AtomicUsize {
        debug_assert!(index < self.number);
        let offset = index as usize * self.run_ref_size as usize;
        #[expect(clippy::cast_ptr_alignment, reason = "the invariants: every word is aligned")]
        let slot = self.run_refs.wrapping_add(offset).cast::<AtomicUsize>();
        // SAFETY: the invariants: an initialized word at every stride below `number`, living as
        // long as the header, which `&self` borrows.
        unsafe { &*slot }
    }

    /// Every word, in order.
    fn slots(&self) -> impl Iterator<Item = &AtomicUsize> {
        (0..self.number).map(|index| self.slot(index))
    }

    /// The current processor's word.
    #[inline]
    pub(crate) fn current_slot(&self) -> &AtomicUsize {
        let processor = env::current_processor();
        // NT takes the processor number modulo the slot count; it is almost always in range
        // already, and the division costs more than the rest of an acquire.
        let index = if processor < self.number { processor } else { processor % self.number };
        self.slot(index)
    }

    /// Each slot may hold at most its share of [`MAX_OUTSTANDING`], so the sum cannot pass it.
    ///
    /// The share is `MAX_OUTSTANDING` over the slot count rounded up to a power of two: a shift,
    /// where a division would cost more than the rest of an acquire (a 64-bit `div` on x86_64).
    #[inline]
    pub(crate) fn slot_limit(&self) -> usize {
        share_per_slot(self.number)
    }

    /// How many words the block has (`Number`).
    pub(crate) fn number(&self) -> u32 {
        self.number
    }

    /// What the words say now, for a debugger or a log line: each word is read on its own, so
    /// holders moving between processors meanwhile may make the sum off (even negative).
    pub(crate) fn summary(&self) -> Summary {
        let mut sum: usize = 0;
        let mut run_down = 0;
        let mut completed = 0;
        for slot in self.slots() {
            let value = slot.load(Relaxed);
            if value & ACTIVE == 0 {
                sum = sum.wrapping_add(value);
            } else {
                run_down += 1;
                completed += usize::from(value == ACTIVE);
            }
        }
        match run_down {
            0 => Summary::Granting(sum.cast_signed() >> COUNT_SHIFT),
            _ if completed == self.number as usize => Summary::Closed,
            _ => Summary::WaitInstalled,
        }
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
        if self.slot(0).load(Acquire) & ACTIVE != 0 {
            return;
        }
        let block = pin!(WaitBlock::new(0));
        let block = block.as_ref();
        block.arm();
        let installed = block.tagged_address();
        let mut found: usize = 0;
        for slot in self.slots() {
            let previous = slot.swap(installed, AcqRel);
            debug_assert_eq!(previous & ACTIVE, 0, "a cache-aware slot was run down twice");
            found = found.wrapping_add(previous);
        }
        if block.add_found(found >> COUNT_SHIFT) {
            block.sleep();
        }
    }

    /// `ExRundownCompletedCacheAware`.
    pub(crate) fn completed(&self) {
        self.slots().for_each(word::completed);
    }

    /// `ExReInitializeRundownProtectionCacheAware`.
    pub(crate) fn reinitialize(&self) {
        self.slots().for_each(word::reinitialize);
    }
}

/// [`MAX_OUTSTANDING`] over `number` (at least 1) rounded up to a power of two.
#[inline]
const fn share_per_slot(number: u32) -> usize {
    // 0 for one slot, 1 for two, 2 for three or four, ...
    let rounded_up_log2 = u32::BITS - (number - 1).leading_zeros();
    MAX_OUTSTANDING >> rounded_up_log2
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::{MAX_OUTSTANDING, share_per_slot};

    #[test]
    fn the_shares_add_up_to_at_most_the_limit_and_lose_at_most_half() {
        for number in (1..=4096).chain([u32::MAX / 2, u32::MAX / 2 + 2, u32::MAX]) {
            let share = share_per_slot(number);
            let exact = MAX_OUTSTANDING / number as usize;
            assert!(share <= exact, "{number} slots: {share} > {exact}");
            assert!(share >= exact / 2, "{number} slots: {share} is under half of {exact}");
        }
        assert_eq!(share_per_slot(1), MAX_OUTSTANDING);
        assert_eq!(share_per_slot(2), MAX_OUTSTANDING / 2);
    }
}
