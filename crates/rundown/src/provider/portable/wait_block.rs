//! The wait block: what a waiter publishes in the run-down word while it sleeps.

use core::pin::Pin;
use core::sync::atomic::Ordering;

use crate::env::{AtomicUsize, Event};

/// NT's `EX_RUNDOWN_WAIT_BLOCK`: the count still outstanding and the event the last releaser sets.
///
/// It lives in the waiter's stack frame. While the wait is in progress the run-down word holds its
/// address with bit 0 set, so it is 8-byte aligned and pinned.
///
/// # Invariants
/// - `remaining` counts the protections granted before the wait began that are not yet released,
///   wrapping: a cache-aware waiter adds the slots' counts only after installing itself, so early
///   releasers may take it below zero first.
/// - The event is armed before the block is published, and set exactly once: by the releaser
///   whose subtraction brings `remaining` to zero.
#[repr(C, align(8))]
pub(crate) struct WaitBlock {
    remaining: AtomicUsize,
    wake: Event,
}

/// The event inside a block, by address only.
fn wake_event_of(block: *const WaitBlock) -> *const Event {
    // SAFETY: a field projection; the block is live when callers use the result.
    unsafe { &raw const (*block).wake }
}

impl WaitBlock {
    /// A block expecting `remaining` releases; arm it once pinned.
    pub(crate) fn new(remaining: usize) -> Self {
        Self { remaining: AtomicUsize::new(remaining), wake: Event::new() }
    }

    /// Prepares the event in place, before the block is published.
    pub(crate) fn arm(self: Pin<&Self>) {
        self.wake_event().arm();
    }

    /// The value a run-down word holds while this block is installed.
    pub(crate) fn tagged_address(self: Pin<&Self>) -> usize {
        core::ptr::from_ref::<Self>(&self) as usize | super::ACTIVE
    }

    /// Stores the count to wait for, before the block is published.
    pub(crate) fn expect(self: Pin<&Self>, remaining: usize) {
        self.remaining.store(remaining, Ordering::Relaxed);
    }

    /// Adds the counts found after publishing (cache-aware wait) and reports whether releases are
    /// still outstanding.
    pub(crate) fn add_found(self: Pin<&Self>, found: usize) -> bool {
        self.remaining.fetch_add(found, Ordering::AcqRel).wrapping_add(found) != 0
    }

    /// Sleeps until the last outstanding release.
    pub(crate) fn sleep(self: Pin<&Self>) {
        self.wake_event().wait();
    }

    fn wake_event(self: Pin<&Self>) -> Pin<&Event> {
        // SAFETY: structural pinning: the event is never moved out of a pinned block.
        unsafe { self.map_unchecked(|block| &block.wake) }
    }

    /// Releases `count` on behalf of a holder that found the block in a run-down word.
    ///
    /// # Safety
    /// `block` is the address a waiter installed, and the caller holds `count` protections that
    /// the waiter is counting. The waiter's frame may end as soon as the last one is released, so
    /// nothing touches the block after the final subtraction except the event's own set.
    pub(crate) unsafe fn release(block: *const Self, count: usize) {
        // SAFETY: the waiter cannot return while our `count` is outstanding, so the block lives.
        let before = unsafe { (*block).remaining.fetch_sub(count, Ordering::AcqRel) };
        if before == count {
            // SAFETY: we brought the count to zero, so the waiter is still asleep (or about to
            // sleep) on the armed event and nobody else sets it. `Event::set` copies what the
            // wake-up needs before its last touch of the block (rust-lang/rust#55005).
            unsafe { Event::set(wake_event_of(block)) };
        }
    }
}

impl Drop for WaitBlock {
    fn drop(&mut self) {
        // The waiter's frame ends here: under loom, a releaser's access after the final
        // subtraction is reported.
        crate::env::retire(&mut self.remaining);
    }
}
