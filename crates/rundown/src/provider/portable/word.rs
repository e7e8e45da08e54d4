//! One run-down word: NT's algorithm, derived from its documented semantics.
//!
//! Bit 0 clear: the word is the count shifted left by one. Bit 0 set: the word is the address of
//! the waiter's [`WaitBlock`] with bit 0 set while a wait is in progress, or exactly 1 once the run
//! down completed. Acquire never follows the pointer; release follows it only while the holder
//! being released is one the waiter counts.

use core::pin::pin;
use core::sync::atomic::Ordering::{AcqRel, Acquire, Release};

use super::{ACTIVE, COUNT_SHIFT, WaitBlock};
use crate::env::AtomicUsize;

/// Adds `count` protections unless a run down started or the count would pass `limit`.
///
/// The count is compared as a signed number because a cache-aware slot may sit below zero after a
/// thread released on a different processor than it acquired on.
#[inline]
pub(crate) fn acquire(word: &AtomicUsize, count: u32, limit: usize) -> bool {
    let increment = ((count as usize) << COUNT_SHIFT).cast_signed();
    let limit = (limit << COUNT_SHIFT).cast_signed();
    // Guess "no holders" instead of loading: a wrong guess costs nothing extra, because the
    // failed exchange returns the real value, and the exchange takes the cache line exclusive at
    // once instead of sharing it for a load first.
    let mut current = 0;
    loop {
        if current & ACTIVE != 0 {
            return false;
        }
        let Some(next) = current.cast_signed().checked_add(increment).filter(|next| *next <= limit) else {
            return false;
        };
        match word.compare_exchange_weak(current, next.cast_unsigned(), Acquire, Acquire) {
            Ok(_) => return true,
            Err(seen) => current = seen,
        }
    }
}

/// Removes `count` protections, handing them to the waiter if a run down is in progress.
///
/// # Safety
/// The caller holds `count` protections on this word (for a cache-aware slot: on the reference
/// the slot belongs to) and gives them up.
#[inline]
pub(crate) unsafe fn release(word: &AtomicUsize, count: u32) {
    let decrement = (count as usize) << COUNT_SHIFT;
    // Guess "ours are the only protections"; see `acquire`. The guess has bit 0 clear, so only a
    // value read from the word can send us to the wait block.
    let mut current = decrement;
    loop {
        if current & ACTIVE != 0 {
            let block = (current & !ACTIVE) as *const WaitBlock;
            // NT would dereference NULL here: a release after the run down completed.
            assert!(!block.is_null(), "run-down protection released after the run down completed");
            // SAFETY: a waiter is counting the protections the caller holds, so its block lives
            // until they are released.
            unsafe { WaitBlock::release(block, count as usize) };
            return;
        }
        match word.compare_exchange_weak(current, current.wrapping_sub(decrement), Release, Acquire) {
            Ok(_) => return,
            Err(seen) => current = seen,
        }
    }
}

/// Blocks new acquisitions and waits until every protection granted earlier is released.
///
/// Returns at once if the word is already run down. On return the word holds either 1 or the
/// address of this call's (now dead) wait block with bit 0 set, as NT leaves it: only
/// [`completed`] or [`reinitialize`] may touch it next.
pub(crate) fn wait_for_release(word: &AtomicUsize) {
    // AcqRel, like NT's interlocked operations: a reader refused by the active bit also sees
    // what the owner wrote before it started the run down.
    let mut current = match word.compare_exchange(0, ACTIVE, AcqRel, Acquire) {
        Ok(_) => return,
        Err(seen) if seen & ACTIVE != 0 => return,
        Err(seen) => seen,
    };
    let block = pin!(WaitBlock::new(0));
    let block = block.as_ref();
    block.arm();
    loop {
        let outstanding = current >> COUNT_SHIFT;
        let installed = if outstanding == 0 { ACTIVE } else { block.tagged_address() };
        block.expect(outstanding);
        match word.compare_exchange(current, installed, AcqRel, Acquire) {
            Ok(_) if outstanding == 0 => return,
            Ok(_) => break,
            Err(seen) => current = seen,
        }
    }
    block.sleep();
}

/// Marks the run down complete: the word becomes exactly 1, forgetting the dead wait block.
pub(crate) fn completed(word: &AtomicUsize) {
    word.store(ACTIVE, Release);
}

/// Makes the word grant protection again, for a new object.
pub(crate) fn reinitialize(word: &AtomicUsize) {
    word.store(0, Release);
}
