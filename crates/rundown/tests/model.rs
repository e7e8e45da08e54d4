//! A state-machine property test: random sequences of run-down operations on the safe types,
//! compared after every step with a reference model.
//!
//! Operations: `Acquire`, `AcquireMany(1..=5)`, `Release(i)` (drop the i-th live guard, modulo
//! how many there are), `Wait`, `Completed`, `Reinit`, and for the cache-aware kinds
//! `Migrate(p)` (the test thread moves to processor `p`, so later acquires and releases use
//! another slot and slots go below zero). They run on [`RundownRef`] and on
//! [`CacheAwareRundownRef`], pool-allocated and in caller storage.
//!
//! The model is `{ state: Active | RunDown | Completed, count }` plus the counts of the live
//! guards. An operation the owner's typestate does not offer in the current state (`Completed`
//! or `Reinit` while active, `Wait` while run down, ...) does not exist in the API, so it is a
//! no-op in both.
//!
//! # `Reinit`
//!
//! On a `RundownRef`, `Reinit` is the completed owner's `reinitialize`: from `Completed` it goes
//! to `Active`; elsewhere it does not exist. On a cache-aware reference `Reinit` takes the other
//! path, the one a cache-aware reference has besides its shared owner's `reinitialize` (which
//! `tests/loom_types.rs` and `tests/stress.rs` cover): it drops the owner and takes a new one through
//! `&mut` storage, which the borrow checker allows whenever no guard is live. The new owner
//! finishes what the old one left: from `RunDown` it completes and reinitializes, from
//! `Completed` it reinitializes, from `Active` it changes nothing; the model goes to `Active`
//! with count 0 in all three. With guards live the call cannot be written, so it is a no-op.
//! (Guards are only ever live while `Active`: a wait with live guards releases them.)
//!
//! # Waiting with live guards
//!
//! Everything runs on one thread, and a wait while that thread holds guards would never return.
//! So a `Wait` with live guards runs the wait on a helper thread, and the test thread then does
//! what the holders must do: it checks that the wait has started (an acquire fails, and a
//! `RundownRef`'s word names a wait block), releases the guards one by one (last acquired first)
//! checking before each release that the waiter has not returned, and joins it. The waiter
//! asserts, as soon as its wait returns, that every guard had been counted as released (a counter
//! bumped right before each drop). The model goes to `RunDown` with count 0. This is sound: the
//! wait really runs concurrently with the releases, nothing is skipped, and a wait that returned
//! early or never returned fails (or hangs) the case.
//!
//! # What is compared after every operation
//!
//! - an acquire succeeds exactly when the model is `Active`, and its guard holds the count asked;
//! - the counts of the live guards are the model's, and add up to its count;
//! - for `RundownRef`, the NT word read through [`RundownRef::as_ptr`]: `count << 1` while active,
//!   exactly 1 after a wait that found nothing or after completion, and a wait-block address with
//!   bit 0 set after a wait that slept (until completed).
//!
//! At the end of each case the guards are dropped and an active owner runs down on the test
//! thread, which must return at once.
//!
//! 10 000 cases per kind by default; `PROPTEST_CASES` overrides.
//! A watchdog aborts the process, printing the operations of the case, if no case starts for two
//! minutes, so a wait that never returns fails instead of hanging.

use std::mem::MaybeUninit;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::thread;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use rundown::irql::{Apc, AtMost, Dispatch, Irql, PassiveLevel};
use rundown::lifecycle::{Active, Completed, RunDown};
use rundown::provider::RundownWord;
use rundown::provider::portable::{ACTIVE, COUNT_SHIFT};
use rundown::{CacheAwareRundownRef, Protection, RundownGuard, RundownOwner, RundownRef, count, simulation};

/// The two kinds of reference, seen through the operations the model covers.
trait Subject: Protection + Sized {
    /// `Reinit` takes a new owner through `&mut` (the cache-aware kinds) rather than calling the
    /// completed owner's `reinitialize` (`RundownRef`). See the module documentation.
    const REINIT_BY_NEW_OWNER: bool;
    fn try_acquire_many<L: AtMost<Dispatch>>(
        &self,
        count: NonZeroU32,
        irql: &Irql<L>,
    ) -> Option<RundownGuard<'_, Self>>;
    fn try_acquire<L: AtMost<Dispatch>>(&self, irql: &Irql<L>) -> Option<RundownGuard<'_, Self>>;
    /// The NT word, for the kind that has exactly one.
    fn word(&self) -> Option<usize>;
    /// The owner, taken through `&mut`.
    fn take_owner<L: AtMost<Apc>>(&mut self, irql: &Irql<L>) -> RundownOwner<'_, Self>;
    /// `Reinit` on the owner in whatever state it is in, `no_guard` when no guard is live.
    fn reinit(owner: Owner<'_, Self>, no_guard: bool) -> AfterReinit<'_, Self>;
}

impl Subject for RundownRef {
    const REINIT_BY_NEW_OWNER: bool = false;

    fn try_acquire_many<L: AtMost<Dispatch>>(
        &self,
        count: NonZeroU32,
        irql: &Irql<L>,
    ) -> Option<RundownGuard<'_, Self>> {
        self.acquire_many(count, irql)
    }

    fn try_acquire<L: AtMost<Dispatch>>(&self, irql: &Irql<L>) -> Option<RundownGuard<'_, Self>> {
        self.acquire(irql)
    }

    fn word(&self) -> Option<usize> {
        // SAFETY: `as_ptr` is the address of the reference's `EX_RUNDOWN_REF`, a pointer-sized
        // atomic word (`RundownWord`, which `RundownRef` wraps transparently) living as long as
        // `self`.
        let word = unsafe { &*self.as_ptr().cast::<RundownWord>() };
        Some(word.load(SeqCst))
    }

    fn take_owner<L: AtMost<Apc>>(&mut self, irql: &Irql<L>) -> RundownOwner<'_, Self> {
        self.owner(irql)
    }

    /// `reinitialize` exists on the completed owner only.
    fn reinit(owner: Owner<'_, Self>, _no_guard: bool) -> AfterReinit<'_, Self> {
        AfterReinit::Owner(match owner {
            Owner::Completed(completed) => Owner::Active(completed.reinitialize(&passive())),
            other => other,
        })
    }
}

impl Subject for CacheAwareRundownRef<'_> {
    const REINIT_BY_NEW_OWNER: bool = true;

    fn try_acquire_many<L: AtMost<Dispatch>>(
        &self,
        count: NonZeroU32,
        irql: &Irql<L>,
    ) -> Option<RundownGuard<'_, Self>> {
        self.acquire_many(count, irql)
    }

    fn try_acquire<L: AtMost<Dispatch>>(&self, irql: &Irql<L>) -> Option<RundownGuard<'_, Self>> {
        self.acquire(irql)
    }

    fn word(&self) -> Option<usize> {
        None
    }

    fn take_owner<L: AtMost<Apc>>(&mut self, irql: &Irql<L>) -> RundownOwner<'_, Self> {
        self.owner(irql)
    }

    /// The owner goes out of scope here, which ends its borrow of the storage; the caller then
    /// takes a new one. With a guard live that would not compile, so nothing happens.
    fn reinit(owner: Owner<'_, Self>, no_guard: bool) -> AfterReinit<'_, Self> {
        if no_guard { AfterReinit::NewOwner } else { AfterReinit::Owner(owner) }
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Acquire,
    AcquireMany(u32),
    Release(usize),
    Wait,
    Completed,
    Reinit,
    Migrate(u32),
}

fn ops(cache_aware: bool) -> impl Strategy<Value = Vec<Op>> {
    let op = if cache_aware {
        prop_oneof![
            4 => Just(Op::Acquire),
            3 => (1_u32..=5).prop_map(Op::AcquireMany),
            4 => (0_usize..16).prop_map(Op::Release),
            1 => Just(Op::Wait),
            1 => Just(Op::Completed),
            1 => Just(Op::Reinit),
            2 => (0_u32..4).prop_map(Op::Migrate),
        ]
        .boxed()
    } else {
        prop_oneof![
            4 => Just(Op::Acquire),
            3 => (1_u32..=5).prop_map(Op::AcquireMany),
            4 => (0_usize..16).prop_map(Op::Release),
            1 => Just(Op::Wait),
            1 => Just(Op::Completed),
            1 => Just(Op::Reinit),
        ]
        .boxed()
    };
    prop::collection::vec(op, 1..48)
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(10_000);
    ProptestConfig::with_cases(cases)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Active,
    /// `slept`: the wait found protections outstanding, so the word names its dead wait block.
    RunDown {
        slept: bool,
    },
    Completed,
}

/// The reference model.
#[derive(Debug)]
struct Model {
    state: State,
    count: u64,
    /// The count of each live guard, in the order the real guards are kept.
    held: Vec<u32>,
}

impl Model {
    fn new() -> Self {
        Self { state: State::Active, count: 0, held: Vec::new() }
    }

    fn grants(&self) -> bool {
        self.state == State::Active
    }

    fn acquired(&mut self, count: u32) {
        self.count += u64::from(count);
        self.held.push(count);
    }

    fn released(&mut self, index: usize) {
        let count = self.held.remove(index);
        self.count -= u64::from(count);
    }

    /// `Reinit`, by the completed owner's `reinitialize` or by a new owner taken through `&mut`.
    fn reinit(&mut self, by_new_owner: bool) {
        let happens = if by_new_owner { self.held.is_empty() } else { self.state == State::Completed };
        if happens {
            self.state = State::Active;
        }
    }
}

/// The owner, in whichever state the typestate is in.
enum Owner<'r, P: Protection> {
    Active(RundownOwner<'r, P, Active>),
    RunDown(RundownOwner<'r, P, RunDown>),
    Completed(RundownOwner<'r, P, Completed>),
}

/// What `Reinit` left.
enum AfterReinit<'r, P: Protection> {
    /// The owner, reinitialized or (where the call does not exist) unchanged.
    Owner(Owner<'r, P>),
    /// The owner was dropped: a new one is to be taken through `&mut` storage.
    NewOwner,
}

#[path = "common/watchdog.rs"]
mod watchdog;

fn passive() -> PassiveLevel {
    PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL")
}

/// Runs the wait on a helper thread while this thread releases `guards`, and returns the owner
/// the wait gave back. See the module documentation.
fn wait_while_held<'r, P: Subject>(
    owner: RundownOwner<'r, P, Active>,
    guards: Vec<RundownGuard<'r, P>>,
) -> RundownOwner<'r, P, RunDown> {
    let irql = passive();
    let shared = owner.protection();
    let expected: usize = guards.iter().map(|guard| guard.count().get() as usize).sum();
    let released = AtomicUsize::new(0);
    thread::scope(|scope| {
        // Owned by this closure, so a failing assertion drops them before the scope joins.
        let mut guards = guards;
        let released = &released;
        let waiter = scope.spawn(move || {
            let owner = owner.wait_for_release(&passive());
            assert_eq!(released.load(SeqCst), expected, "the wait returned before every guard was released");
            owner
        });
        while let Some(guard) = shared.try_acquire(&irql) {
            drop(guard);
            thread::yield_now();
        }
        assert!(shared.try_acquire_many(count!(2), &irql).is_none(), "acquired during the wait");
        if let Some(word) = shared.word() {
            assert!(
                word & ACTIVE == ACTIVE && word != ACTIVE,
                "the word names the wait block during the wait: {word:#x}"
            );
        }
        while let Some(guard) = guards.pop() {
            assert!(!waiter.is_finished(), "the wait returned with guards outstanding");
            released.fetch_add(guard.count().get() as usize, SeqCst);
            drop(guard);
        }
        waiter.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Compares the reference with the model.
fn check<P: Subject>(shared: &P, model: &Model, guards: &[RundownGuard<'_, P>]) -> Result<(), TestCaseError> {
    let counts: Vec<u32> = guards.iter().map(|guard| guard.count().get()).collect();
    prop_assert_eq!(&counts, &model.held, "live guards");
    prop_assert_eq!(counts.iter().map(|&count| u64::from(count)).sum::<u64>(), model.count);
    if let Some(word) = shared.word() {
        match model.state {
            State::Active => {
                let expected = usize::try_from(model.count).expect("fits") << COUNT_SHIFT;
                prop_assert_eq!(word, expected, "active word, count {}", model.count);
            }
            State::RunDown { slept: false } | State::Completed => {
                prop_assert_eq!(word, ACTIVE, "run down without a wait block, or completed ({:?})", model.state);
            }
            State::RunDown { slept: true } => {
                prop_assert!(
                    word & ACTIVE == ACTIVE && word != ACTIVE,
                    "run down after sleeping: a wait-block address, got {:#x}",
                    word
                );
            }
        }
    }
    Ok(())
}

/// Runs `ops` on a fresh reference, checking against the model after each: through one owner,
/// and a new one (taken through `&mut storage`) after each cache-aware `Reinit`.
fn run<P: Subject>(storage: &mut P, ops: &[Op]) -> Result<(), TestCaseError> {
    watchdog::step(&format!("{} with {ops:?}", std::any::type_name::<P>()));
    let irql = passive();
    simulation::run_on_processor(None);
    let mut model = Model::new();
    let mut rest = ops;
    while let Some(consumed) = run_owner(storage.take_owner(&irql), rest, &mut model)? {
        rest = &rest[consumed..];
    }
    simulation::run_on_processor(None);
    Ok(())
}

/// Runs `ops` through `owner` until they run out (then drops the guards and runs the reference
/// down, returning `None`) or until a `Reinit` dropped the owner (returning how many operations
/// were done, that one included).
fn run_owner<P: Subject>(
    owner: RundownOwner<'_, P>,
    ops: &[Op],
    model: &mut Model,
) -> Result<Option<usize>, TestCaseError> {
    let irql = passive();
    let shared = owner.protection();
    let mut owner = Some(Owner::Active(owner));
    let mut guards: Vec<RundownGuard<'_, P>> = Vec::new();
    prop_assert_eq!(model.state, State::Active, "a new owner is active");
    check(shared, model, &guards)?;
    for (done, &op) in (1..).zip(ops) {
        match op {
            Op::Acquire => {
                let guard = shared.try_acquire(&irql);
                prop_assert_eq!(guard.is_some(), model.grants(), "acquire in {:?}", model.state);
                if let Some(guard) = guard {
                    prop_assert_eq!(guard.count(), NonZeroU32::MIN);
                    guards.push(guard);
                    model.acquired(1);
                }
            }
            Op::AcquireMany(count) => {
                let guard = shared.try_acquire_many(NonZeroU32::new(count).expect("1..=5"), &irql);
                prop_assert_eq!(guard.is_some(), model.grants(), "acquire_many({}) in {:?}", count, model.state);
                if let Some(guard) = guard {
                    prop_assert_eq!(guard.count().get(), count);
                    guards.push(guard);
                    model.acquired(count);
                }
            }
            Op::Release(index) => {
                if !guards.is_empty() {
                    let index = index % guards.len();
                    drop(guards.remove(index));
                    model.released(index);
                }
            }
            Op::Wait => {
                owner = Some(match owner.take().expect("an owner") {
                    Owner::Active(active) if guards.is_empty() => {
                        model.state = State::RunDown { slept: false };
                        Owner::RunDown(active.wait_for_release(&irql))
                    }
                    Owner::Active(active) => {
                        let run_down = wait_while_held(active, std::mem::take(&mut guards));
                        model.held.clear();
                        model.count = 0;
                        model.state = State::RunDown { slept: true };
                        Owner::RunDown(run_down)
                    }
                    Owner::Completed(completed) => {
                        // Returns at once: nothing could wake this thread.
                        completed.wait_for_release(&irql);
                        Owner::Completed(completed)
                    }
                    // No wait on a run-down owner (ui test `second_wait_on_run_down`).
                    run_down @ Owner::RunDown(_) => run_down,
                });
            }
            Op::Completed => {
                owner = Some(match owner.take().expect("an owner") {
                    Owner::RunDown(run_down) => {
                        model.state = State::Completed;
                        Owner::Completed(run_down.completed(&irql))
                    }
                    other => other,
                });
            }
            Op::Reinit => {
                model.reinit(P::REINIT_BY_NEW_OWNER);
                match P::reinit(owner.take().expect("an owner"), guards.is_empty()) {
                    AfterReinit::Owner(same) => owner = Some(same),
                    // `guards` is empty and is dropped with `shared`, ending the borrow.
                    AfterReinit::NewOwner => return Ok(Some(done)),
                }
            }
            Op::Migrate(processor) => simulation::run_on_processor(Some(processor)),
        }
        check(shared, model, &guards)?;
    }

    guards.clear();
    model.held.clear();
    model.count = 0;
    if let Some(Owner::Active(active)) = owner.take() {
        // Nothing held: the wait on this thread returns at once.
        let run_down = active.wait_for_release(&irql);
        model.state = State::RunDown { slept: false };
        check(shared, model, &guards)?;
        drop(run_down);
    }
    Ok(None)
}

proptest! {
    #![proptest_config(config())]

    /// `RundownRef`, with its NT word compared after every step.
    #[test]
    fn rundown_ref_follows_the_model(ops in ops(false)) {
        let mut storage = RundownRef::new();
        run(&mut storage, &ops)?;
    }

    /// A pool-allocated `CacheAwareRundownRef`, migrating between processors.
    #[test]
    fn allocated_cache_aware_rundown_ref_follows_the_model(ops in ops(true)) {
        let irql = passive();
        let mut reference = CacheAwareRundownRef::allocate(&irql).expect("pool memory");
        run(&mut reference, &ops)?;
        reference.free(&irql);
    }

    /// A `CacheAwareRundownRef` in caller storage, migrating between processors.
    #[test]
    fn cache_aware_rundown_ref_in_caller_storage_follows_the_model(ops in ops(true)) {
        let irql = passive();
        let words = CacheAwareRundownRef::required_size(&irql).div_ceil(size_of::<usize>());
        let mut storage = vec![MaybeUninit::<usize>::uninit(); words];
        let mut reference = CacheAwareRundownRef::initialize_in(&mut storage, &irql).expect("storage of the required size");
        run(&mut reference, &ops)?;
    }
}
