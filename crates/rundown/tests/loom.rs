//! Loom models of the run-down protocol: every interleaving of a few threads, up to a preemption
//! bound of at least 3, under the C11 memory model loom simulates.
//!
//! Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p rundown --release --test loom`; without `--cfg loom`
//! this file compiles to nothing.
//!
//! # Invariants checked
//!
//! These are the three that Microsoft's VCC run-down example machine-checks (and that
//! [`rundown::provider::Provider`] promises), plus the ordering a reader relies on:
//!
//! 1. **No acquire succeeds after the wait started.** "Started" is the moment the run-down word
//!    gets its active bit (the wait's compare-exchange), not the moment the owner *decides* to
//!    wait: a flag the owner sets just before calling the wait does not order anything, and
//!    [`acquire_racing_wait_is_refused_once_the_wait_started_and_the_wait_outlasts_it`] shows
//!    that an acquire may still win after a reader saw such a flag (the wait then waits for it).
//!    The models check it three ways: an acquire that follows a load of the word showing the
//!    active bit fails; an acquire that follows the owner's "wait returned" flag fails; and
//!    every acquire the owner tries after its wait fails (on every slot, for the cache-aware
//!    form). Conversely an acquire fails only once the wait did start.
//! 2. **The count never rises after that.** The count rises only through a successful acquire,
//!    and the models count holders (incremented after an acquire succeeds, decremented before the
//!    guard drops), so invariant 1 leaves it no way up; the owner sees the holder count at zero
//!    when its wait returns.
//! 3. **The wait returns only at zero.** Every holder sets a flag (with `Relaxed` ordering) just
//!    before its guard drops; the owner reads the flags (again `Relaxed`) when its wait returns
//!    and requires all of them set. Only the synchronization the library itself provides
//!    (release, then the wait's acquire) can make them visible, so this also checks its memory
//!    ordering. A wait that sleeps with nothing left to wake it is a deadlock, which loom reports.
//! 4. **The waiter's stack frame may end at once.** The wait block lives in the waiter's frame;
//!    the library's loom `Event` writes a loom `UnsafeCell` when it drops and the last releaser
//!    reads that cell before its final store, so a releaser that read it again after waking the
//!    waiter is reported as a data race (rust-lang/rust#55005). Loom bounds this check: its
//!    `Thread::unpark` hands the waker's whole causality to the woken thread, whether or not that
//!    thread parked, so an access between the waker's flag store and its `unpark` call is not
//!    reported; and the block's atomic count has no end of life that loom could order a late
//!    access against.
//! 5. **A reinitialized reference publishes the owner's writes.** Data the owner writes before
//!    `reinitialize` (plain memory in a loom `UnsafeCell`, and a `Relaxed` atomic) is visible to
//!    a reader whose acquire succeeded after the reinitialize.
//!
//! Each model also records, across all its executions, that the interleavings it exists for were
//! reached (for example that a release went through the wait block in some executions and saw
//! the plain count in others), so a model cannot pass by never exercising its race.
#![cfg(loom)]

use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::sync::atomic::AtomicBool;
use loom::sync::atomic::AtomicUsize;
use loom::sync::atomic::Ordering::Relaxed;
use loom::thread;

#[path = "common/loom_support.rs"]
mod loom_support;
use loom_support::{Leaked, Reached, check, passive};

use rundown::provider::RundownWord;
use rundown::provider::portable::ACTIVE;
use rundown::{CacheAwareRundownRef, RundownOwner, RundownRef, count, simulation};

/// The run-down word inside a reference, for checks at the provider level.
fn word_of(run_ref: &RundownRef) -> &RundownWord {
    // SAFETY: `RundownRef` is NT's `EX_RUNDOWN_REF` bit for bit: one `RundownWord`, which
    // `as_ptr` points to (the inverse of `RundownRef::from_ptr`). The borrow keeps it alive.
    unsafe { &*run_ref.as_ptr().cast::<RundownWord>() }
}

/// Whether the wait that just returned had installed its wait block (it found protections
/// outstanding, so their releases went through the block) rather than finding the count at zero.
/// Either way the active bit must be set.
fn wait_block_was_installed(run_ref: &RundownRef) -> bool {
    let word = word_of(run_ref).load(Relaxed);
    assert_ne!(word & ACTIVE, 0, "the wait returned without setting the active bit");
    word != ACTIVE
}

struct RaceFlags {
    wait_started: AtomicBool,
    wait_returned: AtomicBool,
    holders: AtomicUsize,
}

#[test]
fn acquire_racing_wait_is_refused_once_the_wait_started_and_the_wait_outlasts_it() {
    static WON_AFTER_FLAG: Reached =
        Reached::new("an acquire that succeeded after the reader saw wait_started (the wait then waited for it)");
    static REFUSED: Reached = Reached::new("an acquire refused because the wait started");
    static SLEPT: Reached = Reached::new("a wait that installed its wait block for the reader");
    static NOTHING_OUTSTANDING: Reached = Reached::new("a wait that found no protection outstanding");
    const READERS: usize = 2;
    const ATTEMPTS: usize = 2;

    check(3, || {
        let irql = passive();
        let (storage, run_ref) = Leaked::new(RundownRef::new());
        let owner = run_ref.owner(&irql);
        let shared = owner.protection();
        let flags = Arc::new(RaceFlags {
            wait_started: AtomicBool::new(false),
            wait_returned: AtomicBool::new(false),
            holders: AtomicUsize::new(0),
        });

        let readers = [(); READERS].map(|()| {
            let flags = Arc::clone(&flags);
            thread::spawn(move || {
                let irql = passive();
                for _ in 0..ATTEMPTS {
                    let saw_wait_started = flags.wait_started.load(Relaxed);
                    let saw_wait_returned = flags.wait_returned.load(Relaxed);
                    let saw_active_bit = word_of(shared).load(Relaxed) & ACTIVE != 0;
                    if let Some(guard) = shared.acquire(&irql) {
                        assert!(!saw_active_bit, "an acquire succeeded after the reader saw the active bit");
                        assert!(!saw_wait_returned, "an acquire succeeded after the wait returned");
                        if saw_wait_started {
                            WON_AFTER_FLAG.mark();
                        }
                        flags.holders.fetch_add(1, Relaxed);
                        flags.holders.fetch_sub(1, Relaxed);
                        drop(guard);
                    } else {
                        // A refusal is never spurious: the word it read carried the active bit,
                        // and nothing clears that bit in this model.
                        assert_ne!(
                            word_of(shared).load(Relaxed) & ACTIVE,
                            0,
                            "an acquire failed before the wait started"
                        );
                        REFUSED.mark();
                    }
                }
            })
        });

        flags.wait_started.store(true, Relaxed);
        let owner = owner.wait_for_release(&irql);
        assert_eq!(flags.holders.load(Relaxed), 0, "the wait returned while a guard was held");
        if wait_block_was_installed(shared) {
            SLEPT.mark();
        } else {
            NOTHING_OUTSTANDING.mark();
        }
        flags.wait_returned.store(true, Relaxed);
        assert!(shared.acquire(&irql).is_none(), "the owner acquired after its own wait");

        for reader in readers {
            reader.join().expect("a reader panicked");
        }
        drop(owner);
        // SAFETY: the readers were joined and the owner dropped.
        unsafe { storage.free() };
    });

    WON_AFTER_FLAG.assert_reached();
    REFUSED.assert_reached();
    SLEPT.assert_reached();
    NOTHING_OUTSTANDING.assert_reached();
}

#[test]
fn release_racing_the_wait_block_installation_ends_the_wait_only_after_it() {
    static THROUGH_BLOCK: Reached = Reached::new("a release that went through the installed wait block");
    static PLAIN: Reached = Reached::new("a release that saw the plain count before the wait");

    check(10, || {
        let irql = passive();
        let (storage, run_ref) = Leaked::new(RundownRef::new());
        let owner = run_ref.owner(&irql);
        let shared = owner.protection();
        let released = Arc::new(AtomicBool::new(false));

        // Held before the owner's thread exists, released while it waits.
        let guard = shared.acquire(&irql).expect("no run down started yet");
        let waiter = {
            let released = Arc::clone(&released);
            thread::spawn(move || {
                let irql = passive();
                let owner = owner.wait_for_release(&irql);
                assert!(released.load(Relaxed), "the wait returned before the holder released");
                if wait_block_was_installed(shared) {
                    THROUGH_BLOCK.mark();
                } else {
                    PLAIN.mark();
                }
                assert!(shared.acquire(&irql).is_none(), "an acquire succeeded after the wait");
                drop(owner);
            })
        };
        released.store(true, Relaxed);
        drop(guard);

        waiter.join().expect("the waiter panicked");
        // SAFETY: the waiter, which had the owner, was joined.
        unsafe { storage.free() };
    });

    THROUGH_BLOCK.assert_reached();
    PLAIN.assert_reached();
}

static LAST_RELEASER_WOKE_SLEEPER: Reached = Reached::new("a wait that installed its block for both holders' releases");

/// Waits, checks that both holders released, and returns: the library's frame that held the wait
/// block is gone, this one ends too, and then the thread.
#[inline(never)]
fn run_down_then_return(owner: RundownOwner<'static, RundownRef>, released: &[AtomicBool; 2]) {
    let irql = passive();
    let owner = owner.wait_for_release(&irql);
    assert!(released.iter().all(|flag| flag.load(Relaxed)), "the wait returned before both holders released");
    if wait_block_was_installed(owner.protection()) {
        LAST_RELEASER_WOKE_SLEEPER.mark();
    }
    drop(owner);
}

/// Both guards are held when the wait begins; their releases race with the installation of the
/// wait block and with each other, and whichever subtracts last sets the event of a waiter that
/// then returns through two frames and ends its thread. Invariant 4 is checked on every
/// execution (within the limits described at the top of this file).
#[test]
fn last_releaser_wakes_a_waiter_whose_frame_then_ends() {
    check(10, || {
        let irql = passive();
        let (storage, run_ref) = Leaked::new(RundownRef::new());
        let owner = run_ref.owner(&irql);
        let shared = owner.protection();
        let released = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);

        let first = shared.acquire(&irql).expect("no run down started yet");
        // The second holder acquires before it starts the waiter, so both guards are held when
        // the wait begins and both releases race with it.
        let second_holder = {
            let released = Arc::clone(&released);
            thread::spawn(move || {
                let irql = passive();
                let second = shared.acquire(&irql).expect("no run down started yet");
                let waiter = {
                    let released = Arc::clone(&released);
                    thread::spawn(move || run_down_then_return(owner, &released))
                };
                released[1].store(true, Relaxed);
                drop(second);
                waiter.join().expect("the waiter panicked");
            })
        };
        released[0].store(true, Relaxed);
        drop(first);

        second_holder.join().expect("the second holder panicked");
        // SAFETY: both spawned threads, one of which had the owner, were joined.
        unsafe { storage.free() };
    });

    LAST_RELEASER_WOKE_SLEEPER.assert_reached();
}

#[test]
fn counted_and_single_releases_racing_the_wait_end_it_only_at_zero() {
    static SLEPT: Reached = Reached::new("a wait that installed its block for the counted holders");

    check(10, || {
        let irql = passive();
        let (storage, run_ref) = Leaked::new(RundownRef::new());
        let owner = run_ref.owner(&irql);
        let shared = owner.protection();
        let released = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);

        let three = shared.acquire_many(count!(3), &irql).expect("no run down started yet");
        assert_eq!(three.count().get(), 3);
        let single_holder = {
            let released = Arc::clone(&released);
            thread::spawn(move || {
                let irql = passive();
                let one = shared.acquire(&irql).expect("no run down started yet");
                let waiter = {
                    let released = Arc::clone(&released);
                    thread::spawn(move || {
                        let irql = passive();
                        let owner = owner.wait_for_release(&irql);
                        assert!(
                            released.iter().all(|flag| flag.load(Relaxed)),
                            "the wait returned before all four protections were released"
                        );
                        if wait_block_was_installed(shared) {
                            SLEPT.mark();
                        }
                        assert!(shared.acquire(&irql).is_none(), "an acquire succeeded after the wait");
                        drop(owner);
                    })
                };
                released[1].store(true, Relaxed);
                drop(one);
                waiter.join().expect("the waiter panicked");
            })
        };
        released[0].store(true, Relaxed);
        drop(three);

        single_holder.join().expect("the single holder panicked");
        // SAFETY: both spawned threads, one of which had the owner, were joined.
        unsafe { storage.free() };
    });

    SLEPT.assert_reached();
}

/// The owner's side of the cache-aware models: waits, then requires every holder that acquired
/// to have released, and every later acquire to fail on both slots.
fn cache_aware_run_down(owner: RundownOwner<'static, CacheAwareRundownRef<'static>>, holders: &[HolderFlags]) {
    let irql = passive();
    let owner = owner.wait_for_release(&irql);
    for holder in holders {
        let acquired = holder.acquired.load(Relaxed);
        let released = holder.released.load(Relaxed);
        assert!(!acquired || released, "the cache-aware wait returned before a migrated holder released");
    }
    for processor in 0..simulation::processor_count() {
        simulation::run_on_processor(Some(processor));
        assert!(owner.protection().acquire(&irql).is_none(), "an acquire on slot {processor} succeeded after the wait");
    }
    drop(owner);
}

#[derive(Default)]
struct HolderFlags {
    acquired: AtomicBool,
    released: AtomicBool,
}

/// Acquires on `from`'s slot, moves to `to`, and releases there; records both steps.
fn migrating_holder(shared: &CacheAwareRundownRef<'_>, from: u32, to: u32, flags: &HolderFlags) -> bool {
    let irql = passive();
    simulation::run_on_processor(Some(from));
    let Some(guard) = shared.acquire(&irql) else {
        return false;
    };
    flags.acquired.store(true, Relaxed);
    simulation::run_on_processor(Some(to));
    flags.released.store(true, Relaxed);
    drop(guard);
    true
}

#[test]
fn cache_aware_wait_outlasts_a_holder_that_migrates_between_slots() {
    static LATE_READER_WON: Reached = Reached::new("a migrating reader that acquired while the wait raced it");
    static LATE_READER_REFUSED: Reached = Reached::new("a migrating reader refused because the wait started");

    assert_eq!(simulation::processor_count(), 2, "loom models two processors");
    check(6, || {
        let irql = passive();
        let (storage, cache_aware) = Leaked::new(CacheAwareRundownRef::allocate(&irql).expect("pool"));
        let owner = cache_aware.owner(&irql);
        let shared = owner.protection();
        let holders = Arc::new([HolderFlags::default(), HolderFlags::default()]);

        // Holder 0 (this thread) acquires on slot 0 before the owner starts, and releases on
        // slot 1 while the owner waits. Holder 1 races the wait: slot 1 to slot 0.
        simulation::run_on_processor(Some(0));
        let guard = shared.acquire(&irql).expect("no run down started yet");
        holders[0].acquired.store(true, Relaxed);
        let waiter = {
            let holders = Arc::clone(&holders);
            thread::spawn(move || cache_aware_run_down(owner, &holders[..]))
        };
        let late_reader = {
            let holders = Arc::clone(&holders);
            thread::spawn(move || {
                if migrating_holder(shared, 1, 0, &holders[1]) {
                    LATE_READER_WON.mark();
                } else {
                    LATE_READER_REFUSED.mark();
                }
            })
        };
        simulation::run_on_processor(Some(1));
        holders[0].released.store(true, Relaxed);
        drop(guard);

        waiter.join().expect("the waiter panicked");
        late_reader.join().expect("the late reader panicked");
        // SAFETY: both spawned threads, one of which had the owner, were joined.
        unsafe { storage.reclaim() }.free(&irql);
    });

    LATE_READER_WON.assert_reached();
    LATE_READER_REFUSED.assert_reached();
}

#[test]
fn cache_aware_wait_sums_a_slot_left_negative_by_an_earlier_migration() {
    static READER_WON: Reached = Reached::new("a reader that acquired on the negative slot before the wait");
    static READER_REFUSED: Reached = Reached::new("a reader refused, leaving the slots at +1 and -1 for the wait");

    check(10, || {
        let irql = passive();
        let (storage, cache_aware) = Leaked::new(CacheAwareRundownRef::allocate(&irql).expect("pool"));
        let owner = cache_aware.owner(&irql);
        let shared = owner.protection();

        // Before the wait: acquire on slot 0, release on slot 1. Slot 0 now reads +1 and slot 1
        // reads -1; only their wrapping sum, zero, is the count, so a wait with nothing else
        // outstanding must return at once (a wait that slept would deadlock, which loom reports).
        assert!(migrating_holder(shared, 0, 1, &HolderFlags::default()), "no run down started yet");

        let holders = Arc::new([HolderFlags::default()]);
        let reader = {
            let holders = Arc::clone(&holders);
            thread::spawn(move || {
                // Back the other way: slot 1 up to zero, slot 0 down to zero (or through the
                // wait block, if the wait got there first).
                if migrating_holder(shared, 1, 0, &holders[0]) {
                    READER_WON.mark();
                } else {
                    READER_REFUSED.mark();
                }
            })
        };
        cache_aware_run_down(owner, &holders[..]);

        reader.join().expect("the reader panicked");
        // SAFETY: the reader was joined and the owner was dropped by `cache_aware_run_down`.
        unsafe { storage.reclaim() }.free(&irql);
    });

    READER_WON.assert_reached();
    READER_REFUSED.assert_reached();
}

/// Data the owner replaces between run downs, read by holders.
struct Payload {
    plain: UnsafeCell<u32>,
    generation: AtomicUsize,
}

// SAFETY: the plain value is written only by the owner while nobody can hold protection (between
// its wait and its reinitialize) and read only under a guard; loom checks every access for races.
unsafe impl Sync for Payload {}

const OLD: u32 = 1;
const NEW: u32 = 2;

#[test]
fn reinitialize_publishes_the_owners_writes_to_the_next_holder() {
    static WON_AFTER_REINIT: Reached = Reached::new("an acquire that succeeded after a refusal, so after reinitialize");
    static WON_BEFORE_WAIT: Reached = Reached::new("an acquire that succeeded before the wait and read the old data");
    const READERS: usize = 2;
    const ATTEMPTS: usize = 2;

    check(3, || {
        let irql = passive();
        let (storage, run_ref) = Leaked::new(RundownRef::new());
        let owner = run_ref.owner(&irql);
        let shared = owner.protection();
        let payload = Arc::new(Payload { plain: UnsafeCell::new(OLD), generation: AtomicUsize::new(0) });
        let holders = Arc::new(AtomicUsize::new(0));

        let readers = [(); READERS].map(|()| {
            let payload = Arc::clone(&payload);
            let holders = Arc::clone(&holders);
            thread::spawn(move || {
                let irql = passive();
                let mut refused = false;
                for _ in 0..ATTEMPTS {
                    let Some(guard) = shared.acquire(&irql) else {
                        refused = true;
                        continue;
                    };
                    holders.fetch_add(1, Relaxed);
                    // SAFETY: read under a guard; the owner writes only while no guard exists.
                    let plain = payload.plain.with(|value| unsafe { *value });
                    let generation = payload.generation.load(Relaxed);
                    if refused {
                        // A refusal means the run down had started, so this acquire succeeded
                        // after the reinitialize and must see what the owner wrote before it.
                        assert_eq!(plain, NEW, "a holder after reinitialize read the data from before it");
                        assert_eq!(generation, 1, "a holder after reinitialize read the old generation");
                        WON_AFTER_REINIT.mark();
                    } else {
                        assert!(plain == OLD || plain == NEW, "a holder read {plain}");
                        assert_eq!(generation == 1, plain == NEW, "the generation and the data disagree");
                        if plain == OLD {
                            WON_BEFORE_WAIT.mark();
                        }
                    }
                    holders.fetch_sub(1, Relaxed);
                    drop(guard);
                }
            })
        });

        let owner = owner.wait_for_release(&irql).completed(&irql);
        assert_eq!(holders.load(Relaxed), 0, "the wait returned while a guard was held");
        assert!(shared.acquire(&irql).is_none(), "an acquire succeeded after the run down completed");
        // SAFETY: the run down completed, so no guard exists until the reinitialize below.
        payload.plain.with_mut(|value| unsafe { *value = NEW });
        payload.generation.store(1, Relaxed);
        let owner = owner.reinitialize(&irql);

        // A second run down of the reinitialized reference waits for the new holders in turn.
        let owner = owner.wait_for_release(&irql);
        assert_eq!(holders.load(Relaxed), 0, "the second wait returned while a guard was held");
        assert!(shared.acquire(&irql).is_none(), "an acquire succeeded after the second wait");
        let owner = owner.completed(&irql);

        for reader in readers {
            reader.join().expect("a reader panicked");
        }
        drop(owner);
        // SAFETY: the readers were joined and the owner dropped.
        unsafe { storage.free() };
    });

    WON_AFTER_REINIT.assert_reached();
    WON_BEFORE_WAIT.assert_reached();
}
