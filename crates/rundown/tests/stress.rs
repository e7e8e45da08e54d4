//! Many readers against one owner that keeps running the reference down and replacing the object.
//!
//! This is the use the crate exists for, and the one that goes wrong as a use-after-free when
//! run-down protection is broken: readers acquire protection, dereference a heap object and read
//! it; the owner waits for release, marks the run down completed, frees the object, publishes a
//! new one and reinitializes. The object pointer is an `AtomicPtr` used with `Relaxed` ordering
//! only, so every happens-before edge that makes the readers' plain reads safe comes from the
//! run-down reference itself: a missing edge is a data race that ThreadSanitizer reports, and a
//! guard that outlives its wait is a read of freed memory that AddressSanitizer reports (`cargo
//! xtask test` runs this file under both when a nightly toolchain is installed). Without a
//! sanitizer the owner overwrites every object with a poison pattern before freeing it, so a
//! reader that got in at the wrong time sees inconsistent fields.
//!
//! What is checked, and why each check is sound for a correct implementation:
//!
//! - The owner keeps an `epoch`: `2g` while object generation `g` is live, and odd (`2g + 1`)
//!   from the moment `wait_for_release` returned until just before `reinitialize` (for a
//!   cache-aware reference, until just before the new owner that reinitializes it is taken). Under a guard a
//!   reader must read an even epoch equal to twice its object's generation, at the start and at
//!   the end of its use: the guard was granted after the `reinitialize` that the even epoch
//!   precedes, and the next odd epoch is only stored after a wait that waits for this guard.
//! - A reader that read an odd epoch before asking, and was granted protection anyway, must read
//!   a larger epoch afterwards: its acquire came after the wait (the odd epoch was stored once
//!   the wait returned), so it can only have succeeded on a reference reinitialized since.
//!   That is "no acquire succeeds between the wait and the reinitialize", checked at the only
//!   moments a reader can know it asks inside that window.
//! - The number of readers inside a guard is zero whenever `wait_for_release` has returned, and
//!   the owner's own acquires fail in the run-down and completed states.
//! - Each reader's generations never go backwards.
//! - Both paths are exercised: acquires (plain and counted, at `PASSIVE_LEVEL` and
//!   `DISPATCH_LEVEL`) succeed and fail, and nested acquires made while holding a guard are
//!   refused, which proves a wait started while that guard was held and had to sleep for it.
//!
//! Three references go through this: a `RundownRef`; a pool-allocated `CacheAwareRundownRef`
//! whose readers move to another modelled processor (`simulation::run_on_processor`) between
//! acquire and release, so that releases land on other slots than their acquires; and one in
//! caller storage, with readers on their real processors.
//!
//! Both kinds are reinitialized by their completed owner while the readers keep running, so one
//! set of reader threads (a "session", see [`stress`]) lives through every cycle. For the
//! cache-aware reference that is the hard case: its words are reset one after another while
//! readers acquire, move to another processor and release; an acquisition made during the reset
//! must be undone on its own word, or a release lands in a word still completed.
//!
//! A failed check in a reader stops the test; if the owner then never gets out of a wait (a
//! reader that panicked inside a guard's release leaves its count behind), a watchdog aborts the
//! process with the reader's message after a minute without progress instead of hanging the run.
//!
//! `RUNDOWN_STRESS_ITERATIONS` sets the number of owner cycles per test (default
//! [`DEFAULT_CYCLES`]).

use std::hint::black_box;
use std::io::Write as _;
use std::mem::MaybeUninit;
use std::num::NonZeroU32;
use std::ops::RangeInclusive;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicPtr;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use rundown::irql::{Apc, AtMost, Dispatch, Irql, PassiveLevel};
use rundown::lifecycle::Completed;
use rundown::{CacheAwareRundownRef, Protection, RundownGuard, RundownOwner, RundownRef, count, simulation};

/// Owner cycles per test unless `RUNDOWN_STRESS_ITERATIONS` says otherwise.
const DEFAULT_CYCLES: u64 = 4_000;
/// Reader threads per test (the machine this was sized on has two cores).
const READERS: u64 = 6;
/// How long the owner lets readers run in each window before moving on, in `yield_now` calls:
/// it moves on earlier once the window showed what it is for.
const WINDOW_YIELDS: u32 = 2_000;
/// How long the owner may make no progress before the watchdog aborts the test: a wait that
/// never returns. A cycle takes about a millisecond, under a sanitizer too.
const STALL: Duration = Duration::from_mins(1);

fn cycles() -> u64 {
    match std::env::var("RUNDOWN_STRESS_ITERATIONS") {
        Ok(value) => value.trim().parse().expect("RUNDOWN_STRESS_ITERATIONS must be a whole number of owner cycles"),
        Err(_) => DEFAULT_CYCLES,
    }
}

fn passive() -> PassiveLevel {
    PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL")
}

/// The shared object. Every field follows from `generation`, so a torn, stale, poisoned or freed
/// object fails [`Object::check`].
#[derive(Clone, Copy)]
struct Object {
    generation: u64,
    a: u64,
    b: u64,
    words: [u64; 8],
}

/// An odd multiplier, so that `a` differs for every generation.
const SCATTER: u64 = 0x9E37_79B9_7F4A_7C15;

impl Object {
    fn new(generation: u64) -> Self {
        let a = generation.wrapping_mul(SCATTER);
        let mut words = [0; 8];
        for (word, salt) in words.iter_mut().zip(1..) {
            *word = generation ^ (salt << 56);
        }
        Self { generation, a, b: !a, words }
    }

    const POISON: Self = Self { generation: u64::MAX, a: 0, b: 0, words: [0xDEAD; 8] };

    /// Reads the object at `object` afresh and checks it is generation `generation`, whole.
    ///
    /// The read is a plain one, which ThreadSanitizer sees (it ignores volatile accesses); the
    /// pointer goes through `black_box` so that repeated checks are not merged into one read.
    ///
    /// # Safety
    /// `object` points to a live `Object`.
    unsafe fn check(object: *const Self, generation: u64, what: &str) {
        // SAFETY: live, per the caller; a copy of a `Copy` value.
        let seen = unsafe { *black_box(object) };
        assert_eq!(seen.generation, generation, "{what}: the object under a guard is not the live one");
        assert_eq!(seen.a, !seen.b, "{what}: torn or poisoned object (a != !b)");
        assert_eq!(seen.a, generation.wrapping_mul(SCATTER), "{what}: object fields from another generation");
        for (word, salt) in seen.words.iter().zip(1_u64..) {
            assert_eq!(*word, generation ^ (salt << 56), "{what}: object payload from another generation");
        }
    }
}

/// What all threads share: the object slot, the owner's epoch, and counters.
struct World {
    /// The live object. `Relaxed` everywhere: only run-down protection orders these accesses.
    object: AtomicPtr<Object>,
    /// `2g` while generation `g` is live; odd between the wait returning and the reinitialize.
    epoch: AtomicU64,
    /// Readers between a successful acquire and the release.
    holders: AtomicU64,
    stop: AtomicBool,
    acquired: AtomicU64,
    acquired_many: AtomicU64,
    acquired_at_dispatch: AtomicU64,
    refused: AtomicU64,
    /// Refused after the reader saw an odd epoch: the object was dead when it asked.
    refused_while_dead: AtomicU64,
    /// Nested acquires refused while the reader held a guard: a wait had to sleep for that guard.
    nested_refused: AtomicU64,
    nested_acquired: AtomicU64,
    /// Guards released on a different cache-aware slot than the one they were acquired on.
    migrated: AtomicU64,
    /// Waits started while the owner could see a reader inside a guard.
    waits_with_holders: AtomicU64,
    /// Reader sessions: threads started under one owner (see [`stress`]).
    sessions: AtomicU64,
    /// The owner's cycle, for the watchdog.
    cycle: AtomicU64,
    /// The first reader panic, for the watchdog to print if the owner then hangs.
    failure: Mutex<Option<String>>,
}

impl World {
    fn new() -> Self {
        Self {
            object: AtomicPtr::new(Box::into_raw(Box::new(Object::new(0)))),
            epoch: AtomicU64::new(0),
            holders: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            acquired: AtomicU64::new(0),
            acquired_many: AtomicU64::new(0),
            acquired_at_dispatch: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            refused_while_dead: AtomicU64::new(0),
            nested_refused: AtomicU64::new(0),
            nested_acquired: AtomicU64::new(0),
            migrated: AtomicU64::new(0),
            waits_with_holders: AtomicU64::new(0),
            sessions: AtomicU64::new(0),
            cycle: AtomicU64::new(0),
            failure: Mutex::new(None),
        }
    }

    fn report(&self, name: &str, cycles: u64) {
        eprintln!(
            "{name}: {cycles} cycles; acquired {} (counted {}, at DISPATCH_LEVEL {}), refused {} ({} while dead), \
             nested refused {} / acquired {}, migrated {}, waits with holders {}, reader sessions {}",
            self.acquired.load(Relaxed),
            self.acquired_many.load(Relaxed),
            self.acquired_at_dispatch.load(Relaxed),
            self.refused.load(Relaxed),
            self.refused_while_dead.load(Relaxed),
            self.nested_refused.load(Relaxed),
            self.nested_acquired.load(Relaxed),
            self.migrated.load(Relaxed),
            self.waits_with_holders.load(Relaxed),
            self.sessions.load(Relaxed),
        );
    }
}

impl Drop for World {
    fn drop(&mut self) {
        let object = *self.object.get_mut();
        // SAFETY: from `Box::into_raw`, and every reader thread was joined.
        drop(unsafe { Box::from_raw(object) });
    }
}

/// The two run-down references, behind one acquire and one reinitialize for the harness.
trait Shared: Protection + Sized {
    fn take<L: AtMost<Dispatch>>(&self, count: Option<NonZeroU32>, irql: &Irql<L>) -> Option<RundownGuard<'_, Self>>;

    /// The owner, taken through `&mut`: initializes a `RundownRef`; completes and reinitializes
    /// a cache-aware reference as far as its previous owner left it.
    fn take_owner<L: AtMost<Apc>>(&mut self, irql: &Irql<L>) -> RundownOwner<'_, Self>;

    /// Reinitializes through the completed owner while readers still share the reference,
    /// calling `just_before` first; `Err` gives the owner back, untouched, for a kind that may not
    /// be reinitialized that way (not [`SharedReinitialize`](rundown::SharedReinitialize)).
    fn reinitialize_shared<'r, L: AtMost<Apc>>(
        completed: RundownOwner<'r, Self, Completed>,
        irql: &Irql<L>,
        just_before: impl FnOnce(),
    ) -> Result<RundownOwner<'r, Self>, RundownOwner<'r, Self, Completed>>;
}

impl Shared for RundownRef {
    fn take<L: AtMost<Dispatch>>(&self, count: Option<NonZeroU32>, irql: &Irql<L>) -> Option<RundownGuard<'_, Self>> {
        match count {
            None => self.acquire(irql),
            Some(count) => self.acquire_many(count, irql),
        }
    }

    fn take_owner<L: AtMost<Apc>>(&mut self, irql: &Irql<L>) -> RundownOwner<'_, Self> {
        self.owner(irql)
    }

    fn reinitialize_shared<'r, L: AtMost<Apc>>(
        completed: RundownOwner<'r, Self, Completed>,
        irql: &Irql<L>,
        just_before: impl FnOnce(),
    ) -> Result<RundownOwner<'r, Self>, RundownOwner<'r, Self, Completed>> {
        just_before();
        Ok(completed.reinitialize(irql))
    }
}

impl Shared for CacheAwareRundownRef<'_> {
    fn take<L: AtMost<Dispatch>>(&self, count: Option<NonZeroU32>, irql: &Irql<L>) -> Option<RundownGuard<'_, Self>> {
        match count {
            None => self.acquire(irql),
            Some(count) => self.acquire_many(count, irql),
        }
    }

    fn take_owner<L: AtMost<Apc>>(&mut self, irql: &Irql<L>) -> RundownOwner<'_, Self> {
        self.owner(irql)
    }

    /// Reinitialized by its completed owner with readers still acquiring, migrating and
    /// releasing: an acquisition that succeeds on a word already reset while others are not is
    /// undone on that word and refused (`CacheAwareRundownRef`'s `acquire_raw`).
    fn reinitialize_shared<'r, L: AtMost<Apc>>(
        completed: RundownOwner<'r, Self, Completed>,
        irql: &Irql<L>,
        just_before: impl FnOnce(),
    ) -> Result<RundownOwner<'r, Self>, RundownOwner<'r, Self, Completed>> {
        just_before();
        Ok(completed.reinitialize(irql))
    }
}

/// Whether an epoch marks the window between a wait returning and the reinitialize.
fn is_dead(epoch: u64) -> bool {
    epoch % 2 == 1
}

/// xorshift64*: enough to vary what each reader does.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// How readers pick processors: not at all, or a new one before each acquire and each release.
#[derive(Clone, Copy)]
enum Processors {
    Real,
    /// Migrate among this many modelled processors (more than the slot count, so slots repeat).
    Migrate(u32),
}

impl Processors {
    fn hop(self, rng: &mut Rng) -> Option<u32> {
        match self {
            Self::Real => None,
            Self::Migrate(count) => {
                let processor = u32::try_from(rng.below(u64::from(count))).expect("below a u32 bound");
                simulation::run_on_processor(Some(processor));
                Some(processor % simulation::processor_count())
            }
        }
    }
}

fn reader<P: Shared>(shared: &P, world: &World, seed: u64, processors: Processors) {
    let mut passive = passive();
    let mut rng = Rng(seed | 1);
    let mut last_generation = 0;
    while !world.stop.load(Relaxed) {
        let choice = rng.next();
        let count = match choice % 4 {
            0 => Some(count!(2)),
            1 => Some(count!(7)),
            _ => None,
        };
        let at_dispatch = (choice >> 8).is_multiple_of(4);
        let acquired_on = processors.hop(&mut rng);
        let before = world.epoch.load(Acquire);
        let guard = if at_dispatch {
            let dispatch = passive.raise::<Dispatch>();
            let guard = shared.take(count, &dispatch);
            if guard.is_some() {
                world.acquired_at_dispatch.fetch_add(1, Relaxed);
            }
            // Back at PASSIVE_LEVEL with the guard still held; the release may run at any IRQL
            // up to DISPATCH_LEVEL.
            guard
        } else {
            shared.take(count, &passive)
        };
        let Some(guard) = guard else {
            world.refused.fetch_add(1, Relaxed);
            if is_dead(before) {
                world.refused_while_dead.fetch_add(1, Relaxed);
            }
            // Back off, as a driver would, so that the owner gets the processor to reinitialize.
            thread::yield_now();
            continue;
        };
        world.holders.fetch_add(1, Relaxed);
        world.acquired.fetch_add(1, Relaxed);
        if count.is_some() {
            world.acquired_many.fetch_add(1, Relaxed);
        }
        assert_eq!(guard.count(), count.unwrap_or(NonZeroU32::MIN), "the guard holds what was asked for");

        let epoch = world.epoch.load(Acquire);
        assert!(!is_dead(epoch), "protection granted while the object was dead (epoch {epoch})");
        assert!(
            !is_dead(before) || epoch > before,
            "asked after the wait (epoch {before}), granted before the reinitialize"
        );
        let generation = epoch / 2;
        assert!(generation >= last_generation, "generation went back from {last_generation} to {generation}");
        last_generation = generation;
        let object = world.object.load(Relaxed);
        // SAFETY: the guard is held, and the owner frees an object only after a wait that waits
        // for every guard granted while the object was live.
        unsafe { Object::check(object, generation, "after acquire") };

        match (choice >> 16) % 8 {
            // Acquire again while holding the guard, then hold both across a reschedule (so that
            // the owner's wait often starts with holders inside), then try once more.
            0..=2 => {
                let nested = nested_acquire(shared, &passive, world, object, generation);
                thread::yield_now();
                drop(nested);
                drop(nested_acquire(shared, &passive, world, object, generation));
            }
            3 => thread::yield_now(),
            _ => {
                for _ in 0..rng.below(64) {
                    std::hint::spin_loop();
                }
            }
        }

        // SAFETY: the guard is still held.
        unsafe { Object::check(object, generation, "before release") };
        assert_eq!(world.epoch.load(Acquire), epoch, "the object was replaced while a guard was held");
        assert_eq!(world.object.load(Relaxed), object, "the object pointer changed while a guard was held");
        world.holders.fetch_sub(1, Relaxed);
        let released_on = processors.hop(&mut rng);
        if acquired_on != released_on {
            world.migrated.fetch_add(1, Relaxed);
        }
        drop(guard);
    }
    simulation::run_on_processor(None);
}

/// An acquire made while the caller already holds a guard on `shared` for `object`.
fn nested_acquire<'s, P: Shared>(
    shared: &'s P,
    irql: &PassiveLevel,
    world: &World,
    object: *const Object,
    generation: u64,
) -> Option<RundownGuard<'s, P>> {
    let nested = shared.take(None, irql);
    if nested.is_some() {
        world.nested_acquired.fetch_add(1, Relaxed);
        // SAFETY: the caller's guard is held, and now a second one.
        unsafe { Object::check(object, generation, "under a nested guard") };
    } else {
        // A wait started while the caller's guard was held: it cannot return before that guard
        // drops, so it sleeps on its wait block.
        world.nested_refused.fetch_add(1, Relaxed);
    }
    nested
}

/// Yields until `done` holds or the window's budget is spent.
fn linger(done: impl Fn() -> bool) {
    for _ in 0..WINDOW_YIELDS {
        if done() {
            return;
        }
        thread::yield_now();
    }
}

/// Runs a reader, recording its panic and stopping the test if it fails.
///
/// A reader that panics while holding a guard may leave the count raised for good (a release
/// that panics does not happen), and then the owner's next wait never returns; the watchdog
/// prints the recorded message in that case.
fn run_reader<P: Shared>(shared: &P, world: &World, seed: u64, processors: Processors) {
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| reader(shared, world, seed, processors)));
    if let Err(payload) = outcome {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(ToString::to_string))
            .unwrap_or_else(|| "a reader panicked".to_owned());
        world.failure.lock().unwrap_or_else(PoisonError::into_inner).get_or_insert(message);
        world.stop.store(true, Relaxed);
        panic::resume_unwind(payload);
    }
}

/// Aborts the process if the owner makes no progress for [`STALL`], saying why, rather than
/// letting a hung wait hold up the test run. Writes to the real standard error, which the test
/// harness does not capture.
fn watchdog(world: &World, cycles: u64, done: &AtomicBool) {
    let mut last = (world.cycle.load(Relaxed), Instant::now());
    while !done.load(Relaxed) {
        thread::sleep(Duration::from_millis(50));
        let cycle = world.cycle.load(Relaxed);
        if cycle != last.0 {
            last = (cycle, Instant::now());
        } else if last.1.elapsed() > STALL {
            let failure = world.failure.lock().unwrap_or_else(PoisonError::into_inner).clone();
            let _ = writeln!(
                std::io::stderr(),
                "stress: the owner made no progress for {STALL:?} in cycle {cycle} of {cycles} \
                 (readers inside a guard: {}); reader failure: {}",
                world.holders.load(Relaxed),
                failure.as_deref().unwrap_or("none recorded"),
            );
            std::process::abort();
        }
    }
}

/// Sets a flag that ends other threads' loops when dropped.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Relaxed);
    }
}

/// Runs `cycles` owner cycles against [`READERS`] reader threads, and leaves the reference run
/// down and completed.
///
/// Readers run in sessions ([`session`]), each under one owner taken through `&mut storage`. Both
/// kinds are reinitialized by their completed owner with the readers still running, so one
/// session covers every cycle; a kind whose owner could not (`reinitialize_shared` giving the
/// owner back) would end a session per cycle, the next owner reinitializing through `&mut`.
fn stress<P: Shared>(storage: &mut P, world: &World, cycles: u64, processors: Processors) {
    let irql = passive();
    let done = AtomicBool::new(false);
    thread::scope(|scope| {
        // Ends the watchdog if an owner check fails, as `session` ends the readers.
        let _done_on_unwind = StopOnDrop(&done);
        let watchdog = {
            let done = &done;
            thread::Builder::new()
                .name("watchdog".to_owned())
                .spawn_scoped(scope, move || watchdog(world, cycles, done))
                .expect("spawn the watchdog")
        };
        let mut next = 1;
        loop {
            // The new owner reinitializes a cache-aware reference completed by the last session:
            // the object `next - 1` is live from here on.
            world.epoch.store(2 * (next - 1), Release);
            let owner = storage.take_owner(&irql);
            match session(owner, world, next..=cycles, processors) {
                Some(ended) => next = ended + 1,
                None => break,
            }
        }
        done.store(true, Relaxed);
        watchdog.join().expect("the watchdog never panics");
    });
}

/// Runs the cycles of `generations` with [`READERS`] reader threads under `owner`, until they
/// run out or a cycle's owner cannot reinitialize while the readers share the reference; then
/// stops and joins the readers. Returns the generation whose cycle ended the session (its owner
/// completed, then dropped: the next owner reinitializes), or `None` once the cycles ran out and
/// the reference was run down and completed.
fn session<P: Shared>(
    owner: RundownOwner<'_, P>,
    world: &World,
    generations: RangeInclusive<u64>,
    processors: Processors,
) -> Option<u64> {
    let irql = passive();
    let shared = owner.protection();
    let session = world.sessions.fetch_add(1, Relaxed);
    // A reader failure in an earlier session failed its join, so this only ends that stop.
    world.stop.store(false, Relaxed);
    thread::scope(|scope| {
        // If an owner check fails, the unwinding drops this and stops the readers, so that the
        // scope's join ends and the test fails instead of hanging.
        let _stop_on_unwind = StopOnDrop(&world.stop);
        let readers: Vec<_> = (0..READERS)
            .map(|index| {
                // Each session's readers make other choices than the last one's.
                let seed = (0x5EED_0000_0000_0000 ^ index.wrapping_mul(SCATTER))
                    .wrapping_add(session.wrapping_mul(SCATTER.rotate_left(17)));
                thread::Builder::new()
                    .name(format!("reader-{index}"))
                    .spawn_scoped(scope, move || run_reader(shared, world, seed, processors))
                    .expect("spawn a reader")
            })
            .collect();

        let mut active = Some(owner);
        let mut ended = None;
        for generation in generations {
            world.cycle.store(generation, Relaxed);
            if world.stop.load(Relaxed) {
                break; // a reader failed: the joins below report it
            }
            let owner = active.take().expect("active since the session began or the last cycle");
            // Open window: let readers in, and start most waits while someone holds a guard.
            let acquired = world.acquired.load(Relaxed);
            linger(|| world.acquired.load(Relaxed) > acquired && world.holders.load(Relaxed) > 0);
            if world.holders.load(Relaxed) > 0 {
                world.waits_with_holders.fetch_add(1, Relaxed);
            }

            let run_down = owner.wait_for_release(&irql);
            assert_eq!(world.holders.load(Relaxed), 0, "wait_for_release returned while a reader held a guard");
            world.epoch.store(2 * generation - 1, Release);
            assert!(shared.take(None, &irql).is_none(), "acquire granted after wait_for_release returned");
            let completed = run_down.completed(&irql);
            completed.wait_for_release(&irql);
            assert!(shared.take(Some(count!(3)), &irql).is_none(), "acquire granted after the run down completed");

            // The object is unreachable now: replace it, poison the old one and free it.
            let old = world.object.swap(Box::into_raw(Box::new(Object::new(generation))), Relaxed);
            // SAFETY: from `Box::into_raw`; the wait returned, so no guard is held, and no
            // acquire succeeds before the reinitialize below (or, for a cache-aware reference,
            // before the next session's owner), so no reader can reach it.
            let mut old = unsafe { Box::from_raw(old) };
            // Plain stores, which sanitizers see; `black_box` keeps them from being dropped as
            // dead before the free.
            *old = Object::POISON;
            drop(black_box(old));

            // Closed window: let readers find the object dead.
            let refused = world.refused_while_dead.load(Relaxed);
            linger(|| world.refused_while_dead.load(Relaxed) > refused);
            match P::reinitialize_shared(completed, &irql, || world.epoch.store(2 * generation, Release)) {
                Ok(owner) => active = Some(owner),
                Err(completed) => {
                    ended = Some((generation, completed));
                    break;
                }
            }
        }

        world.stop.store(true, Relaxed);
        // Joining explicitly (rather than letting the scope wait) goes through pthread_join,
        // which ThreadSanitizer sees; the scope's own wait is in uninstrumented std code.
        for reader in readers {
            reader.join().expect("a reader thread panicked");
        }
        assert_eq!(world.holders.load(Relaxed), 0);
        if let Some((generation, completed)) = ended {
            // Every reader is joined; dropping the owner ends the borrow of the storage, so the
            // caller can take the next owner through `&mut`.
            drop(completed);
            return Some(generation);
        }
        let owner = active.expect("active after the last cycle");
        let completed = owner.wait_for_release(&irql).completed(&irql);
        assert!(shared.take(None, &irql).is_none(), "acquire granted after the final run down");
        drop(completed);
        None
    })
}

fn assert_both_paths(world: &World, processors: Processors) {
    let load = |counter: &AtomicU64| counter.load(Relaxed);
    assert!(load(&world.acquired) > 0, "no acquire succeeded");
    assert!(load(&world.acquired_many) > 0, "no counted acquire succeeded");
    assert!(load(&world.acquired_at_dispatch) > 0, "no acquire succeeded at DISPATCH_LEVEL");
    assert!(load(&world.refused) > 0, "no acquire was refused");
    assert!(load(&world.refused_while_dead) > 0, "no reader asked while the object was dead");
    assert!(load(&world.nested_acquired) > 0, "no nested acquire succeeded");
    assert!(load(&world.nested_refused) > 0, "no wait ever had to sleep for a held guard");
    assert!(load(&world.waits_with_holders) > 0, "no wait started with readers inside");
    // With one usable processor there is one slot, and nowhere to migrate to.
    if let Processors::Migrate(_) = processors
        && simulation::processor_count() > 1
    {
        assert!(load(&world.migrated) > 0, "no guard was released on another slot than it was acquired on");
    }
}

#[test]
fn readers_never_see_a_replaced_object() {
    let cycles = cycles();
    let irql = passive();
    let world = World::new();
    let mut storage = RundownRef::new();
    stress(&mut storage, &world, cycles, Processors::Real);
    assert!(storage.acquire(&irql).is_none(), "left run down and completed");
    world.report("RundownRef", cycles);
    assert_both_paths(&world, Processors::Real);
    assert_eq!(world.epoch.load(Relaxed), 2 * cycles);
}

#[test]
fn cache_aware_readers_migrating_between_processors_never_see_a_replaced_object() {
    let cycles = cycles();
    let irql = passive();
    let world = World::new();
    let mut storage = CacheAwareRundownRef::allocate(&irql).expect("pool");
    // Twice as many modelled processors as slots, plus one: every slot is hit from two numbers.
    let processors = Processors::Migrate(2 * simulation::processor_count() + 1);
    stress(&mut storage, &world, cycles, processors);
    assert!(storage.acquire(&irql).is_none(), "left run down and completed");
    storage.free(&irql);
    world.report("CacheAwareRundownRef (pool)", cycles);
    assert_both_paths(&world, processors);
    assert_eq!(world.epoch.load(Relaxed), 2 * cycles);
}

#[test]
fn cache_aware_in_caller_storage_with_readers_on_their_real_processors() {
    let cycles = cycles();
    let irql = passive();
    let world = World::new();
    let words = CacheAwareRundownRef::required_size(&irql).div_ceil(size_of::<usize>());
    let mut memory = vec![MaybeUninit::<usize>::uninit(); words];
    let mut storage = CacheAwareRundownRef::initialize_in(&mut memory, &irql).expect("storage of the required size");
    stress(&mut storage, &world, cycles, Processors::Real);
    assert!(storage.acquire(&irql).is_none(), "left run down and completed");
    storage.free(&irql);
    world.report("CacheAwareRundownRef (caller storage)", cycles);
    assert_both_paths(&world, Processors::Real);
    assert_eq!(world.epoch.load(Relaxed), 2 * cycles);
}
