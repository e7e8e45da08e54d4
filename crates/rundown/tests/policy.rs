//! One test per row of the table in `src/policy.rs`: what the crate decides where Microsoft's
//! documentation is silent.
//!
//! | row (question the documentation leaves open) | this crate | test |
//! |---|---|---|
//! | the count overflows | refuses past `MAX_OUTSTANDING` | [`count_overflow_is_refused`], [`cache_aware_count_overflow_is_refused_per_slot`] |
//! | `ExAcquireRundownProtectionEx` with a count of 0 | impossible | compile time: ui tests `count_of_zero`, `acquire_many_plain_zero`; at run time [`counted_acquire_of_zero_cannot_be_expressed`] checks the `count!` constants that replace it |
//! | release without an acquire, or twice | impossible: only a guard releases, once, on drop | [`release_without_acquire_or_twice_is_impossible`] |
//! | release after `ExRundownCompleted` | impossible in safe code; the portable model panics | [`release_after_completed_is_impossible_in_safe_code`], [`release_after_completed_panics_in_the_portable_model`] |
//! | `ExRundownCompleted` without a wait | does not compile | ui test `completed_without_wait` only (nothing to run) |
//! | `ExReInitializeRundownProtection` without a wait | does not compile | ui tests `reinitialize_active_without_wait`, `reinitialize_run_down_without_completed` only (nothing to run) |
//! | a second wait before `ExRundownCompleted` | does not compile; the portable model returns at once | ui test `second_wait_on_run_down`; at run time [`second_wait_before_completed_returns_at_once_in_the_portable_model`] |
//! | two owners | impossible: made from `&mut`, not `Clone` | [`two_owners_are_impossible_a_new_owner_starts_active`]; compile time: ui tests `two_owners`, `owner_clone` |
//! | a wait while the same thread holds a guard | documented, not prevented | [`wait_while_the_same_thread_holds_a_guard_sleeps`] |
//! | a guard leaked with `mem::forget` | documented, not prevented | [`leaked_guard_keeps_the_wait_asleep`] |
//! | the cache-aware slot goes below zero after migration | wrapping per slot; the wait sums wrapping | [`cache_aware_slot_below_zero_after_migration_still_grants`] |
//! | a cache-aware reference reinitialized while readers may still acquire | does not compile: only `SharedReinitialize` owners reinitialize; a cache-aware one takes a new owner through `&mut` | the hazard, in the portable model: [`cache_aware_reinitialized_while_shared_releases_into_a_completed_slot`], [`cache_aware_release_into_a_completed_slot_leaves_its_count_behind`]; the way allowed: [`cache_aware_reference_is_reinitialized_by_a_new_owner_through_mut`]; compile time: ui test `cache_aware_reinitialize_while_shared` |
//! | a cache-aware reference dropped above `APC_LEVEL` | its pool block leaks; debug builds stop | [`cache_aware_reference_dropped_above_apc_level_leaks_its_pool_block`] |
//!
//! The ui tests named above live in `tests/ui/` (another file set); this file does not assert on
//! them.
//!
//! A global allocator that notes the address of the pool block and counts its frees (on one
//! thread, while armed) lets the last row see whether the block was freed.
//! A watchdog aborts the process, naming the test, if no test starts for two minutes, so a wait
//! that never returns fails instead of hanging.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::mem::MaybeUninit;
use std::num::NonZeroU32;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::thread::{self, ScopedJoinHandle};
use std::time::Duration;

use rundown::irql::{Apc, Dispatch, Irql, Passive, PassiveLevel};
use rundown::provider::portable::{ACTIVE, COUNT_INC, COUNT_SHIFT, CacheAwareBlock};
use rundown::provider::{MAX_OUTSTANDING, Portable, Provider, RundownWord};
use rundown::{CacheAwareRundownRef, RundownRef, count, simulation};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

#[path = "common/watchdog.rs"]
mod watchdog;

fn passive() -> PassiveLevel {
    PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL")
}

fn raw_word(reference: &RundownRef) -> &RundownWord {
    // SAFETY: `as_ptr` is the address of the reference's `EX_RUNDOWN_REF`, a pointer-sized atomic
    // word (`RundownWord`, which `RundownRef` wraps transparently) living as long as `reference`.
    unsafe { &*reference.as_ptr().cast::<RundownWord>() }
}

fn word_of(reference: &RundownRef) -> usize {
    raw_word(reference).load(SeqCst)
}

/// A `RundownRef` over a word the test made, as C code would hand one over.
fn over(word: &RundownWord) -> &RundownRef {
    // SAFETY: an initialized, pointer-aligned EX_RUNDOWN_REF that outlives the returned reference
    // and is only used through run-down routines and atomic loads meanwhile.
    unsafe { RundownRef::from_ptr(std::ptr::from_ref(word).cast_mut().cast()) }
}

fn join<T>(thread: ScopedJoinHandle<'_, T>) -> T {
    thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Spins until the word shows a waiter's wait block (bit 0 set, not exactly 1).
fn until_wait_block_installed(word: &RundownWord) -> usize {
    loop {
        let value = word.load(SeqCst);
        if value & ACTIVE == ACTIVE && value != ACTIVE {
            return value;
        }
        thread::yield_now();
    }
}

/// Gives a wait that would wrongly return the time to do so.
fn give_a_wrong_return_the_chance() {
    thread::sleep(Duration::from_millis(50));
}

/// NT's `EX_RUNDOWN_REF_CACHE_AWARE` header, which the portable block follows.
#[repr(C)]
struct NtCacheAwareHeader {
    run_refs: *mut u8,
    pool_to_free: *mut u8,
    run_ref_size: u32,
    number: u32,
}

/// A raw cache-aware block from the portable provider's pool, read through NT's layout.
struct RawBlock(NonNull<CacheAwareBlock>);

// SAFETY: the portable cache-aware routines are thread-safe (atomic slots); the header is only
// written at initialization.
unsafe impl Sync for RawBlock {}

impl RawBlock {
    fn allocate() -> Self {
        Self(Portable::cache_aware_allocate().expect("pool memory"))
    }

    fn get(&self) -> &CacheAwareBlock {
        // SAFETY: allocated and initialized by `cache_aware_allocate`, freed only on drop.
        unsafe { self.0.as_ref() }
    }

    fn header(&self) -> &NtCacheAwareHeader {
        // SAFETY: the block starts with NT's `EX_RUNDOWN_REF_CACHE_AWARE` header (the portable
        // provider's documented layout), initialized and only written at initialization.
        unsafe { self.0.cast::<NtCacheAwareHeader>().as_ref() }
    }

    fn slot(&self, index: u32) -> &RundownWord {
        let header = self.header();
        assert!(index < header.number);
        let offset = index as usize * header.run_ref_size as usize;
        #[expect(clippy::cast_ptr_alignment, reason = "slots are cache-line aligned, checked below")]
        let slot = header.run_refs.wrapping_add(offset).cast::<RundownWord>();
        assert!(slot.is_aligned());
        // SAFETY: `number` slots of `run_ref_size` bytes each start at `run_refs` inside the block,
        // each beginning with its atomic run-down word, initialized and alive with the block.
        unsafe { &*slot }
    }
}

impl Drop for RawBlock {
    fn drop(&mut self) {
        // SAFETY: from `cache_aware_allocate`; nothing uses it after this.
        unsafe { Portable::cache_aware_free(self.0) };
    }
}

/// Records, on one thread while armed, the address of an allocation of one size, and counts
/// deallocations of one address.
struct CountingAllocator;

thread_local! {
    static CAPTURE_SIZE: Cell<Option<usize>> = const { Cell::new(None) };
    static CAPTURED: Cell<Option<usize>> = const { Cell::new(None) };
    static WATCHED_ADDRESS: Cell<Option<usize>> = const { Cell::new(None) };
    static WATCHED_FREES: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded to `System` unchanged; the bookkeeping touches only
// const-initialized thread-locals without destructors, which neither allocate nor recurse.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        let block = unsafe { System.alloc(layout) };
        let _ = CAPTURE_SIZE.try_with(|size| {
            if size.get() == Some(layout.size()) {
                size.set(None);
                CAPTURED.with(|captured| captured.set(Some(block as usize)));
            }
        });
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let _ = WATCHED_ADDRESS.try_with(|address| {
            if address.get() == Some(block as usize) {
                WATCHED_FREES.with(|frees| frees.set(frees.get() + 1));
            }
        });
        // SAFETY: forwarded from the caller.
        unsafe { System.dealloc(block, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        unsafe { System.realloc(block, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Runs `body` and returns its result with the address of the first block of `size` bytes this
/// thread allocated meanwhile.
fn address_of_allocation<T>(size: usize, body: impl FnOnce() -> T) -> (T, usize) {
    CAPTURED.with(|captured| captured.set(None));
    CAPTURE_SIZE.with(|watched| watched.set(Some(size)));
    let result = body();
    CAPTURE_SIZE.with(|watched| watched.set(None));
    (result, CAPTURED.with(Cell::get).expect("an allocation of that size"))
}

/// Runs `body` and returns how many times this thread freed the block at `address` meanwhile.
fn frees_of(address: usize, body: impl FnOnce()) -> usize {
    WATCHED_FREES.with(|frees| frees.set(0));
    WATCHED_ADDRESS.with(|watched| watched.set(Some(address)));
    body();
    WATCHED_ADDRESS.with(|watched| watched.set(None));
    WATCHED_FREES.with(Cell::get)
}

// ---------------------------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------------------------

/// Row "the count overflows": NT never checks; this crate refuses an acquire that would pass
/// `MAX_OUTSTANDING`, as if run down, and the refused acquire changes nothing.
///
/// The word is made near the limit directly (reaching it by acquires would take 2^30 calls).
#[test]
fn count_overflow_is_refused() {
    watchdog::step("count_overflow_is_refused");
    assert_eq!(MAX_OUTSTANDING, (1 << 62) - 1);
    let near = (MAX_OUTSTANDING - 5) << COUNT_SHIFT;
    let word = RundownWord::new(near);
    // SAFETY: the word is an initialized, active word used by this thread only, the counts are not
    // zero, and every protection granted is released before the end.
    let acquire_ex = |count: u32| unsafe { Portable::acquire_ex(&word, count) };
    // SAFETY: as above.
    let acquire = || unsafe { Portable::acquire(&word) };

    assert!(!acquire_ex(6), "one past the limit");
    assert_eq!(word.load(SeqCst), near, "a refused acquire leaves the word alone");
    assert!(!acquire_ex(u32::MAX));
    assert_eq!(word.load(SeqCst), near);
    assert!(acquire_ex(5), "exactly up to the limit");
    assert_eq!(word.load(SeqCst), MAX_OUTSTANDING << COUNT_SHIFT);
    assert!(!acquire(), "the limit reached");
    assert!(!acquire_ex(1));
    assert_eq!(word.load(SeqCst), MAX_OUTSTANDING << COUNT_SHIFT);
    assert_eq!(word.load(SeqCst) & ACTIVE, 0, "the count never reaches the active bit");
    // SAFETY: releases the 5 granted above.
    unsafe { Portable::release_ex(&word, 5) };
    assert_eq!(word.load(SeqCst), near);
    assert!(acquire(), "below the limit again");
    // SAFETY: releases the one granted just above.
    unsafe { Portable::release(&word) };

    // The safe type over such a word: `None`, the same answer as after a run down.
    let irql = passive();
    let word = RundownWord::new((MAX_OUTSTANDING - 1) << COUNT_SHIFT);
    let shared = over(&word);
    let last = shared.acquire(&irql).expect("one below the limit");
    assert_eq!(word.load(SeqCst), MAX_OUTSTANDING << COUNT_SHIFT);
    assert!(shared.acquire(&irql).is_none());
    assert!(shared.acquire_many(NonZeroU32::MAX, &irql).is_none());
    assert_eq!(word.load(SeqCst), MAX_OUTSTANDING << COUNT_SHIFT, "refusals changed nothing");
    drop(last);
    assert_eq!(word.load(SeqCst), (MAX_OUTSTANDING - 1) << COUNT_SHIFT);
    assert!(shared.acquire_many(count!(2), &irql).is_none(), "a counted acquire is refused as a whole");
    assert_eq!(word.load(SeqCst), (MAX_OUTSTANDING - 1) << COUNT_SHIFT);
}

/// Row "the count overflows", cache-aware: each slot may hold only its share (`MAX_OUTSTANDING`
/// over the slot count rounded up to a power of two), so the sum the wait takes cannot pass the
/// limit. A slot at its share refuses; the word is left alone.
#[test]
fn cache_aware_count_overflow_is_refused_per_slot() {
    watchdog::step("cache_aware_count_overflow_is_refused_per_slot");
    let block = RawBlock::allocate();
    let slots = block.header().number;
    assert_eq!(slots, simulation::processor_count());
    let share = MAX_OUTSTANDING >> slots.next_power_of_two().trailing_zeros();
    assert!(share * slots as usize <= MAX_OUTSTANDING, "the shares add up to at most the limit");
    simulation::run_on_processor(Some(0));
    let slot = block.slot(0);
    slot.store((share - 1) << COUNT_SHIFT, SeqCst);
    // SAFETY: an initialized block used by this thread only; counts are not zero; the one
    // protection granted is released below.
    assert!(!unsafe { Portable::cache_aware_acquire(block.get(), 2) }, "past this slot's share");
    assert_eq!(slot.load(SeqCst), (share - 1) << COUNT_SHIFT);
    // SAFETY: as above.
    assert!(unsafe { Portable::cache_aware_acquire(block.get(), 1) }, "up to this slot's share");
    assert_eq!(slot.load(SeqCst), share << COUNT_SHIFT);
    // SAFETY: as above.
    assert!(!unsafe { Portable::cache_aware_acquire(block.get(), 1) });
    // SAFETY: releases the one granted above.
    unsafe { Portable::cache_aware_release(block.get(), 1) };
    assert_eq!(slot.load(SeqCst), (share - 1) << COUNT_SHIFT);
    slot.store(0, SeqCst);
    simulation::run_on_processor(None);
}

/// Row "`ExAcquireRundownProtectionEx` with a count of 0": impossible. `acquire_many` takes a
/// `NonZeroU32`, and neither `count!(0)` nor a plain `0` compiles (ui tests `count_of_zero`,
/// `acquire_many_plain_zero`). What runs:
/// the `count!` constants that stand in for literal counts are the counts they name, and a
/// counted acquire of `count!(1)` is exactly a plain acquire.
#[test]
fn counted_acquire_of_zero_cannot_be_expressed() {
    const FOUR: NonZeroU32 = count!(4);
    watchdog::step("counted_acquire_of_zero_cannot_be_expressed");
    assert_eq!(FOUR.get(), 4);
    assert_eq!(count!(1), NonZeroU32::MIN);
    assert_eq!(count!(u32::MAX), NonZeroU32::MAX);
    let irql = passive();
    let shared = RundownRef::new();
    let guard = shared.acquire_many(FOUR, &irql).expect("active");
    assert_eq!(word_of(&shared), 4 * COUNT_INC);
    drop(guard);
    let one = shared.acquire_many(count!(1), &irql).expect("active");
    assert_eq!(word_of(&shared), COUNT_INC);
    assert_eq!(one.count(), NonZeroU32::MIN);
    drop(one);
    assert_eq!(word_of(&shared), 0);
}

/// Row "release without an acquire, or twice": impossible. Only a guard releases, exactly what it
/// acquired, exactly once, when it drops, wherever it was moved in between; a guard that is never
/// made (a refused acquire) releases nothing.
#[test]
fn release_without_acquire_or_twice_is_impossible() {
    watchdog::step("release_without_acquire_or_twice_is_impossible");
    let irql = passive();
    let shared = RundownRef::new();
    let guard = shared.acquire_many(count!(3), &irql).expect("active");
    let kept = shared.acquire(&irql).expect("active");
    assert_eq!(word_of(&shared), 4 * COUNT_INC);
    let mut moved = vec![guard];
    let guard = moved.pop().expect("moved back out");
    let boxed = Box::new(guard);
    drop(boxed);
    assert_eq!(word_of(&shared), COUNT_INC, "released its 3, once");
    drop(moved);
    assert_eq!(word_of(&shared), COUNT_INC, "nothing left to release twice");
    drop(kept);
    assert_eq!(word_of(&shared), 0);

    let word = RundownWord::new((MAX_OUTSTANDING - 1) << COUNT_SHIFT);
    let full = over(&word);
    let refused = full.acquire_many(count!(5), &irql);
    assert!(refused.is_none());
    drop(refused);
    assert_eq!(word.load(SeqCst), (MAX_OUTSTANDING - 1) << COUNT_SHIFT, "a refused acquire has nothing to release");
}

/// Row "release after `ExRundownCompleted`", safe code: impossible, because no guard survives the
/// wait. A guard held elsewhere keeps the wait from returning until it is released (so before
/// `completed` can be called), and after completion no guard can be made.
#[test]
fn release_after_completed_is_impossible_in_safe_code() {
    watchdog::step("release_after_completed_is_impossible_in_safe_code");
    let irql = passive();
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let shared = owner.protection();
    let guard_dropped = AtomicBool::new(false);
    let owner = thread::scope(|scope| {
        let (held_tx, held_rx) = mpsc::channel();
        let (drop_tx, drop_rx) = mpsc::channel::<()>();
        let guard_dropped = &guard_dropped;
        let holder = scope.spawn(move || {
            let irql = passive();
            let guard = shared.acquire(&irql).expect("active");
            held_tx.send(()).expect("the test waits");
            drop_rx.recv().expect("told to drop");
            guard_dropped.store(true, SeqCst);
            drop(guard);
        });
        held_rx.recv().expect("held");
        let waiter = scope.spawn(move || {
            let irql = passive();
            let owner = owner.wait_for_release(&irql);
            assert!(guard_dropped.load(SeqCst), "the wait returned while a guard was alive");
            owner.completed(&irql)
        });
        until_wait_block_installed(raw_word(shared));
        drop_tx.send(()).expect("the holder waits");
        join(holder);
        join(waiter)
    });
    assert_eq!(word_of(shared), ACTIVE);
    assert!(shared.acquire(&irql).is_none(), "no guard after completion");
    assert!(shared.acquire_many(count!(2), &irql).is_none());
    drop(owner);
}

/// Row "release after `ExRundownCompleted`", portable model: where NT dereferences NULL, the
/// model panics.
///
/// Safe code cannot get here, so the test forces the state: it holds a protection, and the word
/// is then set to 1 (completed), as an owner that completed without waiting would leave it.
#[test]
#[should_panic(expected = "run-down protection released after the run down completed")]
fn release_after_completed_panics_in_the_portable_model() {
    watchdog::step("release_after_completed_panics_in_the_portable_model");
    let word = RundownWord::new(0);
    // SAFETY: an initialized word, used by this thread only.
    assert!(unsafe { Portable::acquire(&word) });
    word.store(ACTIVE, SeqCst);
    // SAFETY: this thread holds the protection acquired above and gives it up once. The word says
    // completed underneath it, which is the misuse the model is documented to stop with a panic
    // rather than a NULL dereference.
    unsafe { Portable::release(&word) };
}

/// Row "a second wait before `ExRundownCompleted`": `RunDown` has no wait (ui test
/// `second_wait_on_run_down`); the portable model returns at once and leaves the stale word
/// alone instead of reading the dead wait block as a count.
///
/// Both forms: a word whose wait slept (so it names the dead wait block), and a cache-aware block
/// after its wait.
#[test]
fn second_wait_before_completed_returns_at_once_in_the_portable_model() {
    watchdog::step("second_wait_before_completed_returns_at_once_in_the_portable_model");
    let word = RundownWord::new(0);
    // SAFETY: an initialized word; the protection is released below by the other thread.
    assert!(unsafe { Portable::acquire(&word) });
    thread::scope(|scope| {
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let word = &word;
        let holder = scope.spawn(move || {
            release_rx.recv().expect("told to release");
            // SAFETY: the protection this test acquired above, released once, on its behalf.
            unsafe { Portable::release(word) };
        });
        let waiter = scope.spawn(move || {
            // SAFETY: the only waiter on an initialized, active word.
            unsafe { Portable::wait_for_release(word) };
        });
        until_wait_block_installed(word);
        release_tx.send(()).expect("the holder waits");
        join(holder);
        join(waiter);
    });
    let stale = word.load(SeqCst);
    assert!(stale & ACTIVE == ACTIVE && stale != ACTIVE, "the dead wait block is left: {stale:#x}");
    // SAFETY: deliberately outside `Provider::wait_for_release`'s contract (a stale wait block):
    // the portable model, this test's subject, returns at once without touching the block.
    unsafe { Portable::wait_for_release(&word) };
    assert_eq!(word.load(SeqCst), stale, "the second wait changed nothing");

    let block = RawBlock::allocate();
    // SAFETY: the only waiter on an initialized block with nothing held.
    unsafe { Portable::cache_aware_wait_for_release(block.get()) };
    let slots: Vec<usize> = (0..block.header().number).map(|index| block.slot(index).load(SeqCst)).collect();
    assert!(slots.iter().all(|slot| slot & ACTIVE == ACTIVE), "every slot is run down: {slots:x?}");
    // SAFETY: as above, deliberately a second wait before completion.
    unsafe { Portable::cache_aware_wait_for_release(block.get()) };
    let again: Vec<usize> = (0..block.header().number).map(|index| block.slot(index).load(SeqCst)).collect();
    assert_eq!(again, slots, "the second cache-aware wait changed nothing");
}

/// Row "two owners": impossible. The owner is made from `&mut` and cannot be cloned, so a second
/// one exists only after the first is gone; the new owner then starts active, whatever state the
/// first left (run down, with the dead wait block; or completed).
#[test]
fn two_owners_are_impossible_a_new_owner_starts_active() {
    watchdog::step("two_owners_are_impossible_a_new_owner_starts_active");
    let irql = passive();
    let mut plain = RundownRef::new();
    {
        let owner = plain.owner(&irql);
        let shared = owner.protection();
        let run_down = thread::scope(|scope| {
            let (held_tx, held_rx) = mpsc::channel();
            let (release_tx, release_rx) = mpsc::channel::<()>();
            let holder = scope.spawn(move || {
                let irql = passive();
                let guard = shared.acquire(&irql).expect("active");
                held_tx.send(()).expect("the test waits");
                release_rx.recv().expect("told to release");
                drop(guard);
            });
            held_rx.recv().expect("held");
            let waiter = scope.spawn(move || owner.wait_for_release(&passive()));
            until_wait_block_installed(raw_word(shared));
            release_tx.send(()).expect("the holder waits");
            join(holder);
            join(waiter)
        });
        assert_ne!(word_of(shared), ACTIVE, "left run down with a dead wait block");
        drop(run_down);
    }
    let owner = plain.owner(&irql);
    assert_eq!(word_of(owner.protection()), 0, "the second owner starts active");
    let completed = owner.wait_for_release(&irql).completed(&irql);
    drop(completed);
    let owner = plain.owner(&irql);
    assert_eq!(word_of(owner.protection()), 0);
    assert!(owner.protection().acquire(&irql).is_some());
    drop(owner);

    let mut cache_aware = CacheAwareRundownRef::allocate(&irql).expect("pool memory");
    drop(cache_aware.owner(&irql).wait_for_release(&irql));
    let owner = cache_aware.owner(&irql);
    assert!(owner.protection().acquire(&irql).is_some(), "a new cache-aware owner starts active after a run down");
    drop(owner.wait_for_release(&irql).completed(&irql));
    let owner = cache_aware.owner(&irql);
    assert!(owner.protection().acquire(&irql).is_some(), "and after a completion");
    drop(owner);
    cache_aware.free(&irql);
}

/// Row "a wait while the same thread holds a guard": documented, not prevented; the wait sleeps
/// forever. The waiting thread is shown asleep with its wait block installed and its own
/// protection still counted; the test then releases that protection through the provider on the
/// thread's behalf (the thread forgets its guard afterwards), which is the only way out.
#[test]
fn wait_while_the_same_thread_holds_a_guard_sleeps() {
    watchdog::step("wait_while_the_same_thread_holds_a_guard_sleeps");
    let irql = passive();
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let shared = owner.protection();
    let returned = AtomicBool::new(false);
    let owner = thread::scope(|scope| {
        let (held_tx, held_rx) = mpsc::channel();
        let returned = &returned;
        let waiter = scope.spawn(move || {
            let irql = passive();
            let guard = shared.acquire(&irql).expect("active");
            held_tx.send(()).expect("the test waits");
            let owner = owner.wait_for_release(&irql);
            returned.store(true, SeqCst);
            // The test released this protection through the provider; dropping the guard would
            // release it twice.
            std::mem::forget(guard);
            owner
        });
        held_rx.recv().expect("held");
        let installed = until_wait_block_installed(raw_word(shared));
        give_a_wrong_return_the_chance();
        assert!(!returned.load(SeqCst), "the wait returned while its own thread held a guard");
        assert_eq!(word_of(shared), installed, "still waiting on the same block");
        // SAFETY: the waiting thread holds one protection that it will never release (it forgets
        // its guard); this is the one release of that acquire.
        unsafe { Portable::release(raw_word(shared)) };
        join(waiter)
    });
    assert!(returned.load(SeqCst));
    drop(owner);
}

/// Row "a guard leaked with `mem::forget`": documented, not prevented; the wait sleeps while the
/// leaked protection is counted, and returns once it is released through the provider.
#[test]
fn leaked_guard_keeps_the_wait_asleep() {
    watchdog::step("leaked_guard_keeps_the_wait_asleep");
    let irql = passive();
    let mut storage = RundownRef::new();
    let owner = storage.owner(&irql);
    let shared = owner.protection();
    std::mem::forget(shared.acquire_many(count!(2), &irql).expect("active"));
    assert_eq!(word_of(shared), 2 * COUNT_INC, "the leaked protections stay counted");
    let returned = AtomicBool::new(false);
    let owner = thread::scope(|scope| {
        let returned = &returned;
        let waiter = scope.spawn(move || {
            let owner = owner.wait_for_release(&passive());
            returned.store(true, SeqCst);
            owner
        });
        let installed = until_wait_block_installed(raw_word(shared));
        give_a_wrong_return_the_chance();
        assert!(!returned.load(SeqCst), "the wait returned with a leaked guard outstanding");
        assert_eq!(word_of(shared), installed);
        // SAFETY: the two protections of the forgotten guard, which nothing else will release.
        unsafe { Portable::release_ex(raw_word(shared), 2) };
        join(waiter)
    });
    assert!(returned.load(SeqCst));
    drop(owner);
}

/// Row "the cache-aware slot goes below zero after a thread moved between processors": wrapping
/// per slot, as NT. In the raw block, an acquire on processor 0 released on processor 1 leaves
/// slot 1 at -2 (wrapped) and slot 0 at +2; an acquire on the negative slot still succeeds; and
/// the wait sums the raw words with wrapping arithmetic, so it waits for exactly what is held.
/// The safe type behaves the same.
#[test]
fn cache_aware_slot_below_zero_after_migration_still_grants() {
    watchdog::step("cache_aware_slot_below_zero_after_migration_still_grants");
    let slots = simulation::processor_count();
    if slots < 2 {
        eprintln!("one processor: every processor maps to slot 0, so no slot can go below zero here");
    }
    let block = RawBlock::allocate();
    simulation::run_on_processor(Some(0));
    // SAFETY: an initialized block; every protection is released once (here and below), on
    // whatever processor the thread runs on at that moment, which the provider allows.
    assert!(unsafe { Portable::cache_aware_acquire(block.get(), 1) });
    simulation::run_on_processor(Some(1));
    // SAFETY: as above.
    unsafe { Portable::cache_aware_release(block.get(), 1) };
    if slots >= 2 {
        assert_eq!(block.slot(0).load(SeqCst), COUNT_INC);
        assert_eq!(block.slot(1).load(SeqCst), 0usize.wrapping_sub(COUNT_INC), "slot 1 went below zero");
    }
    // SAFETY: as above.
    assert!(unsafe { Portable::cache_aware_acquire(block.get(), 3) }, "a slot below zero still grants");
    if slots >= 2 {
        assert_eq!(block.slot(1).load(SeqCst), 2 * COUNT_INC);
    }
    // Hold those 3 (acquired on slot 1) while waiting; release them on processor 0.
    let released = AtomicUsize::new(0);
    thread::scope(|scope| {
        let waiter = scope.spawn(|| {
            // SAFETY: the only waiter on an initialized block.
            unsafe { Portable::cache_aware_wait_for_release(block.get()) };
            assert_eq!(released.load(SeqCst), 3, "the wrapping sum counted exactly the 3 held");
        });
        while block.slot(0).load(SeqCst) & ACTIVE == 0 {
            thread::yield_now();
        }
        give_a_wrong_return_the_chance();
        assert!(!waiter.is_finished(), "the wait returned with 3 outstanding");
        simulation::run_on_processor(Some(0));
        released.store(3, SeqCst);
        // SAFETY: as above.
        unsafe { Portable::cache_aware_release(block.get(), 3) };
        join(waiter);
    });

    // The safe type: migrate between acquire and release, then keep acquiring on the negative slot.
    let irql = passive();
    let mut storage =
        vec![MaybeUninit::<usize>::uninit(); CacheAwareRundownRef::required_size(&irql).div_ceil(size_of::<usize>())];
    let mut shared = CacheAwareRundownRef::initialize_in(&mut storage, &irql).expect("storage of the required size");
    let owner = shared.owner(&irql);
    let protection = owner.protection();
    simulation::run_on_processor(Some(0));
    let guard = protection.acquire_many(count!(5), &irql).expect("active");
    simulation::run_on_processor(Some(1));
    drop(guard);
    let guards: Vec<_> = (0..10).map(|_| protection.acquire(&irql).expect("a slot below zero still grants")).collect();
    drop(guards);
    simulation::run_on_processor(None);
    // Nothing held: the wait on this thread returns (nothing could wake it).
    drop(owner.wait_for_release(&irql));
}

/// What `ExReInitializeRundownProtectionCacheAware` leaves half-way: on a raw block, a real wait
/// and completed, then slot 0 reinitialized alone (the routine reinitializes slot after slot, and
/// this is its first step) while slot 1 is still completed.
fn half_reinitialized_block() -> RawBlock {
    assert!(two_slots(), "the caller checks `two_slots_or_skip` first");
    let block = RawBlock::allocate();
    // SAFETY: an initialized block nobody holds; the only waiter.
    unsafe { Portable::cache_aware_wait_for_release(block.get()) };
    // SAFETY: the wait just returned.
    unsafe { Portable::cache_aware_completed(block.get()) };
    assert!((0..block.header().number).all(|index| block.slot(index).load(SeqCst) == ACTIVE), "completed");
    // SAFETY: slot 0's word was run down and completed, and nothing else uses it: the call
    // `ExReInitializeRundownProtectionCacheAware` makes for each slot in turn.
    unsafe { Portable::reinitialize(block.slot(0)) };
    assert_eq!(block.slot(0).load(SeqCst), 0, "slot 0 grants again");
    assert_eq!(block.slot(1).load(SeqCst), ACTIVE, "slot 1 is still completed");
    block
}

/// Whether cache-aware blocks made now have two slots or more (two usable processors).
fn two_slots() -> bool {
    simulation::processor_count() >= 2
}

/// True if the hazard can be shown here; otherwise prints why the test is skipped. It needs two
/// slots, so two usable processors: with one, every processor maps to the same slot.
fn two_slots_or_skip(test: &str) -> bool {
    if !two_slots() {
        println!("{test}: SKIPPED: needs two usable processors (one slot each); this process may use one");
    }
    two_slots()
}

/// Acquires on processor 0 of a [`half_reinitialized_block`] and moves to processor 1: a reader
/// that got in while its owner was reinitializing, and was then rescheduled.
fn acquire_on_slot_0_and_migrate(block: &RawBlock) {
    simulation::run_on_processor(Some(0));
    // SAFETY: an initialized block; the count is not zero; the caller releases it.
    assert!(unsafe { Portable::cache_aware_acquire(block.get(), 1) }, "slot 0 already grants");
    assert_eq!(block.slot(0).load(SeqCst), COUNT_INC);
    simulation::run_on_processor(Some(1));
}

/// Row "a cache-aware reference reinitialized while readers may still acquire": the hazard at the
/// provider's level, which `CacheAwareRundownRef`'s acquisition closes (it undoes, on its own word,
/// what it gets during a reinitialize; loom model
/// `cache_aware_replace_racing_a_migrating_reader_never_releases_into_a_completed_word`).
///
/// Mid-reinitialize (slot 0 active, slot 1 completed, see [`half_reinitialized_block`]), a reader
/// acquires on processor 0, is moved to processor 1 and releases there, into the completed slot:
/// NT dereferences NULL (the word names no wait block); the portable model panics instead.
/// The test stops in the middle of the reinitialize by doing its per-slot steps itself, since a
/// real one on another thread would finish too fast to be caught between two slots.
///
/// The block is freed by [`RawBlock`]'s drop while the panic unwinds (nothing else uses it then),
/// so the test leaks nothing; the counted protection it leaves in slot 0 goes with the block.
/// It needs two usable processors (with one there is a single slot, and no hazard): on one it is
/// skipped, saying so.
#[test]
fn cache_aware_reinitialized_while_shared_releases_into_a_completed_slot() {
    watchdog::step("cache_aware_reinitialized_while_shared_releases_into_a_completed_slot");
    if !two_slots_or_skip("cache_aware_reinitialized_while_shared_releases_into_a_completed_slot") {
        return;
    }
    let block = half_reinitialized_block();
    acquire_on_slot_0_and_migrate(&block);
    let panic = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: gives up, once, the protection acquired on this reference above. The slot it
        // lands on is still completed: the misuse the model is documented to stop with a panic
        // rather than a NULL dereference, and the one the safe type's acquisition rules out.
        unsafe { Portable::cache_aware_release(block.get(), 1) };
    }))
    .expect_err("a release into a completed slot panics");
    let message = panic.downcast_ref::<String>().map(String::as_str).or_else(|| panic.downcast_ref::<&str>().copied());
    assert_eq!(message, Some("run-down protection released after the run down completed"));
}

/// The same row: what the panicking release leaves behind. It never reached a live slot, so the
/// protection stays counted in slot 0; once the reinitialize finishes, the next wait finds it and
/// sleeps, and only releasing it by hand lets the wait return.
#[test]
fn cache_aware_release_into_a_completed_slot_leaves_its_count_behind() {
    watchdog::step("cache_aware_release_into_a_completed_slot_leaves_its_count_behind");
    if !two_slots_or_skip("cache_aware_release_into_a_completed_slot_leaves_its_count_behind") {
        return;
    }
    let block = half_reinitialized_block();
    acquire_on_slot_0_and_migrate(&block);
    let panic = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: as in `cache_aware_reinitialized_while_shared_releases_into_a_completed_slot`.
        unsafe { Portable::cache_aware_release(block.get(), 1) };
    }))
    .expect_err("a release into a completed slot");
    let message = panic.downcast_ref::<String>().map(String::as_str).or_else(|| panic.downcast_ref::<&str>().copied());
    assert_eq!(message, Some("run-down protection released after the run down completed"));
    assert_eq!(block.slot(0).load(SeqCst), COUNT_INC, "the protection is still counted in slot 0");
    assert_eq!(block.slot(1).load(SeqCst), ACTIVE, "the completed slot is unchanged");

    // SAFETY: the reinitialize's second step: slot 1 was run down and completed, and nothing else
    // uses it.
    unsafe { Portable::reinitialize(block.slot(1)) };
    let returned = AtomicBool::new(false);
    thread::scope(|scope| {
        let waiter = scope.spawn(|| {
            // SAFETY: the only waiter on an initialized, active block.
            unsafe { Portable::cache_aware_wait_for_release(block.get()) };
            returned.store(true, SeqCst);
        });
        until_wait_block_installed(block.slot(0));
        give_a_wrong_return_the_chance();
        assert!(!returned.load(SeqCst), "the next wait sleeps on the leaked protection");
        simulation::run_on_processor(Some(0));
        // SAFETY: the leaked protection, which nothing else will release, given up once.
        unsafe { Portable::cache_aware_release(block.get(), 1) };
        join(waiter);
    });
    assert!(returned.load(SeqCst));
    simulation::run_on_processor(None);
}

/// The same row, the way this crate allows: once every reader is done, the old owner is dropped
/// and a new one taken through `&mut`, which completes (if needed) and reinitializes every slot.
///
/// Three rounds on one pool-allocated reference: readers on several modelled processors acquire,
/// move to the next processor and release, until refused, while the owner runs down (and, in
/// rounds 0 and 2, completes; round 1's owner is dropped run down). Between rounds the
/// reference refuses; the new owner's reference grants on every processor, and a release on
/// another processor than the acquire finds every slot active.
#[test]
fn cache_aware_reference_is_reinitialized_by_a_new_owner_through_mut() {
    watchdog::step("cache_aware_reference_is_reinitialized_by_a_new_owner_through_mut");
    let irql = passive();
    let processors = 2 * simulation::processor_count() + 1;
    let mut storage = CacheAwareRundownRef::allocate(&irql).expect("pool memory");
    for round in 0..3 {
        if round > 0 {
            assert!(storage.acquire(&irql).is_none(), "round {round}: refused before the new owner");
        }
        let owner = storage.owner(&irql);
        let shared = owner.protection();
        for processor in 0..processors {
            simulation::run_on_processor(Some(processor));
            let guard = shared.acquire(&irql).expect("the new owner's reference grants on every processor");
            simulation::run_on_processor(Some(processor + 1));
            drop(guard);
        }
        simulation::run_on_processor(None);

        let granted = AtomicUsize::new(0);
        let run_down = thread::scope(|scope| {
            for first in 0..processors {
                let granted = &granted;
                scope.spawn(move || {
                    let irql = passive();
                    let mut processor = first;
                    loop {
                        simulation::run_on_processor(Some(processor));
                        let Some(guard) = shared.acquire(&irql) else { break };
                        granted.fetch_add(1, SeqCst);
                        processor += 1;
                        simulation::run_on_processor(Some(processor));
                        drop(guard);
                    }
                });
            }
            while granted.load(SeqCst) < processors as usize {
                thread::yield_now();
            }
            owner.wait_for_release(&irql)
        });
        // Every reader is done: the scope joined them.
        assert!(shared.acquire(&irql).is_none(), "round {round}: run down");
        if round == 1 {
            drop(run_down);
        } else {
            drop(run_down.completed(&irql));
        }
    }
    storage.free(&irql);
}

/// Row "a cache-aware reference dropped above `APC_LEVEL`": its pool block is leaked rather than
/// freed at the wrong IRQL, and debug builds stop. Dropped at `PASSIVE_LEVEL` the same block is
/// freed, which shows the counting sees the free.
#[test]
fn cache_aware_reference_dropped_above_apc_level_leaks_its_pool_block() {
    watchdog::step("cache_aware_reference_dropped_above_apc_level_leaks_its_pool_block");
    let mut irql = passive();
    let size = CacheAwareRundownRef::required_size(&irql);

    let (reference, address) =
        address_of_allocation(size, || CacheAwareRundownRef::allocate(&irql).expect("pool memory"));
    assert_eq!(frees_of(address, || drop(reference)), 1, "dropped at PASSIVE_LEVEL, the pool block is freed");

    let (reference, address) =
        address_of_allocation(size, || CacheAwareRundownRef::allocate(&irql).expect("pool memory"));
    let mut outcome = None;
    let freed = frees_of(address, || {
        outcome = Some(std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _dispatch = irql.raise::<Dispatch>();
            assert!(Irql::<Apc>::check().is_none());
            drop(reference);
        })));
    });
    assert_eq!(freed, 0, "dropped at DISPATCH_LEVEL, the pool block is leaked, not freed");
    let outcome = outcome.expect("ran");
    assert!(Irql::<Passive>::check().is_some(), "the raise guard lowered IRQL again, even when unwinding");
    if cfg!(debug_assertions) {
        let panic = outcome.expect_err("debug builds stop");
        let message =
            panic.downcast_ref::<String>().map(String::as_str).or_else(|| panic.downcast_ref::<&str>().copied());
        assert_eq!(message, Some("CacheAwareRundownRef dropped above APC_LEVEL: its pool block leaks"));
    } else {
        assert!(outcome.is_ok(), "release builds leak quietly");
    }
}
