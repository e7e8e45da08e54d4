//! Placement over memory the crate does not allocate: a "C" side initializes an `EX_RUNDOWN_REF`
//! or an `EX_RUNDOWN_REF_CACHE_AWARE` with the provider's routines (what NtosKrnl's would be in a
//! driver) on raw memory, the safe types take it over with `from_raw`, and C keeps acquiring,
//! releasing and reading the state through the raw pointer meanwhile.

#[path = "common/watchdog.rs"]
mod watchdog;

use core::mem::MaybeUninit;
use core::ptr::NonNull;
use core::sync::atomic::Ordering::SeqCst;
use std::thread;
use std::time::{Duration, Instant};

use rundown::irql::PassiveLevel;
use rundown::provider::portable::{ACTIVE, COUNT_INC};
use rundown::provider::{CacheAwareBlock, Portable, Provider, RundownWord};
use rundown::{CacheAwareRundownRef, PoolTag, RundownRef, RundownState, simulation};

fn passive() -> PassiveLevel {
    PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL")
}

/// Polls `condition` until it holds, failing after a generous limit.
fn eventually(what: &str, condition: impl Fn() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < Duration::from_mins(1), "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

/// C's `ExAcquireRundownProtection` on the raw word.
fn c_acquire(run_ref: *mut RundownWord) -> bool {
    // SAFETY: the tests pass a live, initialized word.
    let word = unsafe { &*run_ref };
    // SAFETY: as above.
    unsafe { Portable::acquire(word) }
}

/// C's `ExReleaseRundownProtection` on the raw word.
///
/// # Safety
/// C holds one protection on it.
unsafe fn c_release(run_ref: *mut RundownWord) {
    // SAFETY: the tests pass a live, initialized word.
    let word = unsafe { &*run_ref };
    // SAFETY: forwarded.
    unsafe { Portable::release(word) }
}

/// C reads its word.
fn c_read(run_ref: *mut RundownWord) -> usize {
    // SAFETY: the tests pass a live word; an atomic read races with nothing.
    unsafe { (*run_ref).load(SeqCst) }
}

#[test]
fn rundown_ref_as_ptr_is_the_word_and_from_raw_gives_it_back() {
    let shared = RundownRef::new();
    let run_ref = shared.as_ptr();
    assert_eq!(run_ref.cast::<u8>(), core::ptr::from_ref(&shared).cast::<u8>().cast_mut(), "the word is the reference");
    // SAFETY: `shared` is initialized, active and outlives `again`.
    let again = unsafe { RundownRef::from_raw(run_ref) };
    assert!(core::ptr::eq(again, &raw const shared));
}

#[test]
fn rundown_ref_over_a_word_c_initialized_runs_down_with_c_holding() {
    watchdog::step("rundown_ref_over_a_word_c_initialized_runs_down_with_c_holding");
    let irql = passive();
    // C: a device extension's EX_RUNDOWN_REF, initialized by ExInitializeRundownProtection.
    let extension = Box::new(RundownWord::new(usize::MAX));
    let run_ref = core::ptr::from_ref::<RundownWord>(&extension).cast_mut();
    // SAFETY: nobody else uses the word yet.
    unsafe { Portable::initialize(&extension) };
    assert_eq!(c_read(run_ref), 0);

    // SAFETY: initialized and active; the box outlives every use below and does not move; Rust
    // is the only owner (C only acquires and releases).
    let shared = unsafe { RundownRef::from_raw(run_ref) };
    let guard = shared.acquire(&irql).expect("active");
    assert_eq!(c_read(run_ref), COUNT_INC, "C sees the Rust holder");
    assert!(c_acquire(run_ref), "C acquires beside it");
    assert_eq!(c_read(run_ref), 2 * COUNT_INC);
    assert_eq!(shared.state(), RundownState::Granting { holders: 2 });
    drop(guard);

    // SAFETY: as above: the only owner, and active.
    let owner = unsafe { shared.assume_owner() };
    thread::scope(|scope| {
        let waiter = scope.spawn(move || {
            let irql = passive();
            owner.wait_for_release(&irql).completed(&irql)
        });
        // C sees the run down start: its word holds the waiter's wait block.
        eventually("the wait block in C's word", || c_read(run_ref) & ACTIVE != 0);
        assert_ne!(c_read(run_ref), ACTIVE, "a wait block, not the completed value");
        assert_eq!(shared.state(), RundownState::RunningDown);
        assert!(!c_acquire(run_ref), "C is refused once the wait started");
        assert!(!waiter.is_finished(), "the wait waits for C's protection");
        // SAFETY: C's one protection, acquired above.
        unsafe { c_release(run_ref) };
        let owner = waiter.join().expect("the waiter");
        assert_eq!(c_read(run_ref), ACTIVE, "completed: exactly 1, as NT leaves it");
        assert_eq!(shared.state(), RundownState::Closed);
        let _owner = owner.reinitialize(&irql);
        assert_eq!(c_read(run_ref), 0, "reinitialized");
        assert!(c_acquire(run_ref), "C acquires again");
        // SAFETY: acquired just above.
        unsafe { c_release(run_ref) };
    });
}

/// C's caller storage for a cache-aware block of `size` bytes.
fn c_storage(size: usize) -> Vec<MaybeUninit<usize>> {
    vec![MaybeUninit::new(usize::MAX); size.div_ceil(size_of::<usize>())]
}

/// C's `ExInitializeRundownProtectionCacheAware(block, size)`.
fn c_initialize(storage: &mut [MaybeUninit<usize>], size: usize) -> NonNull<CacheAwareBlock> {
    let block = NonNull::from(storage).cast::<CacheAwareBlock>();
    // SAFETY: at least `size` writable, pointer-aligned bytes nobody else uses.
    unsafe { Portable::cache_aware_initialize(block, size) };
    block
}

/// C reads a cache-aware block's words, in order (RunRefs + i * RunRefSize).
fn c_words(block: *mut CacheAwareBlock) -> Vec<usize> {
    // SAFETY: a live, initialized header; `RunRefs` is at offset 0.
    let run_refs = unsafe { block.cast::<*const RundownWord>().read() };
    // SAFETY: as above; `RunRefSize` and `Number` are at 0x10 and 0x14.
    let [run_ref_size, number] = unsafe { block.cast::<[u32; 2]>().wrapping_byte_add(0x10).read() };
    (0..number as usize)
        .map(|index| {
            let word = run_refs.wrapping_byte_add(index * run_ref_size as usize);
            // SAFETY: an initialized, aligned word inside the live block.
            unsafe { (*word).load(SeqCst) }
        })
        .collect()
}

/// C's `ExAcquireRundownProtectionCacheAware` on processor `processor`.
fn c_acquire_cache_aware(block: *mut CacheAwareBlock, processor: u32) -> bool {
    simulation::run_on_processor(Some(processor));
    // SAFETY: a live, initialized block.
    let block = unsafe { &*block };
    // SAFETY: as above.
    let acquired = unsafe { Portable::cache_aware_acquire(block, 1) };
    simulation::run_on_processor(None);
    acquired
}

/// C's `ExReleaseRundownProtectionCacheAware` on processor `processor`.
///
/// # Safety
/// C holds one protection on the block.
unsafe fn c_release_cache_aware(block: *mut CacheAwareBlock, processor: u32) {
    simulation::run_on_processor(Some(processor));
    // SAFETY: a live, initialized block.
    let block = unsafe { &*block };
    // SAFETY: forwarded.
    unsafe { Portable::cache_aware_release(block, 1) };
    simulation::run_on_processor(None);
}

#[test]
fn cache_aware_over_c_storage_runs_down_with_c_holding_and_frees_nothing() {
    watchdog::step("cache_aware_over_c_storage_runs_down_with_c_holding_and_frees_nothing");
    let irql = passive();
    simulation::set_processor_count(Some(2));
    let size = Portable::cache_aware_size();
    let mut storage = c_storage(size);
    let block = c_initialize(&mut storage, size);
    assert_eq!(c_words(block.as_ptr()), [0, 0]);

    // SAFETY: initialized and active; the storage outlives `shared` and does not move; C only
    // acquires and releases while `shared` lives.
    let mut shared = unsafe { CacheAwareRundownRef::from_raw(block) };
    let raw = shared.as_ptr();
    assert_eq!(raw, block.as_ptr(), "as_ptr is the block C gave");
    let owner = shared.owner(&irql);
    let protection = owner.protection();
    assert_eq!(c_words(raw), [0, 0], "taking the owner of an active block changed nothing");

    simulation::run_on_processor(Some(0));
    let guard = protection.acquire(&irql).expect("active");
    simulation::run_on_processor(None);
    assert!(c_acquire_cache_aware(raw, 1), "C acquires on processor 1");
    assert_eq!(c_words(raw), [COUNT_INC, COUNT_INC], "C sees one holder per word");
    assert_eq!(protection.state(), RundownState::Granting { holders: 2 });
    drop(guard);

    thread::scope(|scope| {
        let waiter = scope.spawn(move || {
            let irql = passive();
            owner.wait_for_release(&irql).completed(&irql)
        });
        eventually("the wait block in both words", || c_words(raw).iter().all(|word| word & ACTIVE != 0));
        let words = c_words(raw);
        assert_eq!(words[0], words[1], "the same wait block in every word");
        assert_ne!(words[0], ACTIVE);
        assert_eq!(protection.state(), RundownState::RunningDown);
        assert!(!c_acquire_cache_aware(raw, 0), "C is refused once the wait started");
        assert!(!waiter.is_finished(), "the wait waits for C's protection");
        // SAFETY: C's protection, acquired above on processor 1; released on 0 (a migration).
        unsafe { c_release_cache_aware(raw, 0) };
        let owner = waiter.join().expect("the waiter");
        assert_eq!(c_words(raw), [ACTIVE, ACTIVE], "completed");
        drop(owner);
    });

    // A new owner reinitializes the completed block; C sees it active again.
    let owner = shared.owner(&irql);
    assert_eq!(c_words(raw), [0, 0]);
    drop(owner);
    drop(shared);
    // Dropping the Rust side freed nothing: C's block is intact and still usable.
    assert!(c_acquire_cache_aware(block.as_ptr(), 0));
    // SAFETY: acquired just above.
    unsafe { c_release_cache_aware(block.as_ptr(), 0) };
    simulation::set_processor_count(None);
}

#[test]
fn cache_aware_over_a_block_c_allocated_leaves_the_free_to_c() {
    let irql = passive();
    let tag = PoolTag::new(*b"RawC");
    // C: ExAllocateCacheAwareRundownProtection(NonPagedPoolNx, 'CwaR').
    let block = Portable::cache_aware_allocate_with_tag(tag.get()).expect("pool");
    assert_eq!(simulation::pool_blocks(tag), 1);
    // SAFETY: initialized by the allocation and active; C frees it only after `shared` is gone,
    // and only acquires meanwhile.
    let mut shared = unsafe { CacheAwareRundownRef::from_raw(block) };
    assert!(format!("{shared:?}").ends_with("from_pool: false }"), "{shared:?}");
    let owner = shared.owner(&irql);
    assert!(c_acquire_cache_aware(block.as_ptr(), 0));
    // SAFETY: acquired just above.
    unsafe { c_release_cache_aware(block.as_ptr(), 0) };
    let owner = owner.wait_for_release(&irql).completed(&irql);
    drop(owner);
    drop(shared);
    assert_eq!(simulation::pool_blocks(tag), 1, "from_raw never frees");
    // SAFETY: C's own block, unused from here on.
    unsafe { Portable::cache_aware_free(block) };
    assert_eq!(simulation::pool_blocks(tag), 0);
}

#[test]
fn allocate_with_tag_records_the_callers_tag() {
    let irql = passive();
    let tag = PoolTag::new(*b"RawT");
    let other = PoolTag::new(*b"RawU");
    let first = CacheAwareRundownRef::allocate_with_tag(tag, &irql).expect("pool");
    let second = CacheAwareRundownRef::allocate_with_tag(tag, &irql).expect("pool");
    assert_eq!((simulation::pool_blocks(tag), simulation::pool_blocks(other)), (2, 0));
    first.free(&irql);
    assert_eq!(simulation::pool_blocks(tag), 1);
    drop(second);
    assert_eq!(simulation::pool_blocks(tag), 0, "a drop frees too");

    // `allocate` tags its block `Rdcw`.
    let default = CacheAwareRundownRef::allocate(&irql).expect("pool");
    assert!(simulation::pool_blocks(PoolTag::DEFAULT) >= 1);
    default.free(&irql);
    assert_eq!(PoolTag::DEFAULT, PoolTag::new(*b"Rdcw"));
    assert_eq!(format!("{tag:?} {tag}"), "PoolTag(\"RawT\") RawT");
}

#[test]
#[should_panic(expected = "printable ASCII")]
fn a_pool_tag_with_a_control_character_is_refused() {
    let _ = PoolTag::new(*b"Ab\0d");
}
