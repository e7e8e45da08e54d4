//! One test per behavioural sentence of the three Microsoft pages in `shared/seeds/`:
//! `ExWaitForRundownProtectionRelease` (W), `ExAcquireRundownProtectionEx` (A) and
//! `ExRundownCompleted` (C).
//!
//! Each test quotes its sentence in its doc comment and is named after it. Where a sentence applies
//! to both kinds of reference, the test runs three times ([`each_kind`]): on a [`RundownRef`], on a
//! pool-allocated [`CacheAwareRundownRef`] and on one in caller storage. The state of a
//! `RundownRef` is read from its NT word through [`RundownRef::as_ptr`] (0 initialized, count << 1
//! while active, the waiter's wait-block address | 1 during and after a wait with holders, exactly
//! 1 once completed); a cache-aware reference has no single word, so for it the same sentences are
//! checked through what acquires and waits do.
//!
//! C8 and C9 are about `ExReInitializeRundownProtection`, which a `RundownRef`'s completed owner
//! calls while readers still share the reference. A cache-aware reference may only be
//! reinitialized once no reader is left, by taking a new owner through `&mut` (see
//! [`rundown::SharedReinitialize`]); for it those tests, and the others that go through a
//! reinitialize, check that path as the equivalent ([`reinitialize!`]).
//!
//! Waits are run on real threads. A holder thread bumps a counter right before it releases; the
//! waiter asserts, the moment its wait returns, that every holder has reached that point. Sleeps
//! are used only to give a wrongly returning wait the chance to show itself.
//! A watchdog aborts the process, naming the test and kind, if no step starts for two minutes, so
//! a wait that never returns fails instead of hanging.
//!
//! # Sentence → test
//!
//! Sentences repeated word for word on several pages (the `RunRef` parameter) map to one test.
//!
//! | # | sentence | test |
//! |---|---|---|
//! | W1 | The ExWaitForRundownProtectionRelease routine waits until all drivers that have already been granted run-down protection complete their accesses of the shared object. | [`wait_waits_until_all_drivers_granted_protection_complete_their_accesses`] |
//! | W2, A2, C2 | A pointer to an EX_RUNDOWN_REF structure that was initialized by a previous call to the ExInitializeRundownProtection routine. | [`run_ref_was_initialized_by_exinitializerundownprotection`] |
//! | W3, A3, C3 | The run-down protection routines use this structure to track the run-down status of the associated shared object. | [`the_structure_tracks_the_run_down_status`] |
//! | W4, A4, C4 | This structure is opaque to drivers. | [`this_structure_is_opaque_to_drivers`] |
//! | W5 | Before deleting this object, the owning driver must call this routine to wait for any outstanding accesses of the object to complete. | [`before_deleting_the_object_the_owner_waits_for_outstanding_accesses`] |
//! | W6 | After ExWaitForRundownProtectionRelease returns, the owning driver can safely delete the object. | [`after_wait_returns_the_owner_can_safely_delete_the_object`] |
//! | W7 | After ExWaitForRundownProtectionRelease is called, the ExAcquireRundownProtection routine grants no further requests for run-down protection from drivers that are trying to access the shared object. | [`after_wait_is_called_acquire_grants_no_further_requests`] |
//! | W8 | The routine waits to return until all drivers that were previously granted run-down protection finish accessing the object. | [`wait_returns_only_after_all_previously_granted_drivers_finish`] |
//! | W9 | As each driver finishes, it calls the ExReleaseRundownProtection routine to release the previously acquired run-down protection. | [`each_driver_releases_its_protection_as_it_finishes`] |
//! | W10 | When all outstanding accesses are completed, ExWaitForRundownProtectionRelease returns and the object can be safely deleted. | [`when_all_outstanding_accesses_complete_the_wait_returns`] |
//! | W11 | If ExWaitForRundownProtectionRelease is called when all drivers that were previously granted run-down protection have already finished accessing the shared object, the routine changes the object status to run down, and returns immediately, without waiting. | [`wait_with_all_accesses_finished_changes_status_to_run_down_and_returns_immediately`] |
//! | W12 | If ExWaitForRundownProtectionRelease is called to run down a shared object, but the RunRef parameter indicates that this object is already run down, the call has no effect but is not treated as an error. | [`wait_on_an_object_already_run_down_has_no_effect_and_is_not_an_error`] |
//! | W13 | Requirements: IRQL <= APC_LEVEL | [`wait_runs_at_irql_at_most_apc_level`] (a `DISPATCH_LEVEL` token is rejected at compile time: ui tests `wait_with_dispatch_token`, `cache_aware_wait_with_dispatch_token`) |
//! | A1 | The ExAcquireRundownProtectionEx routine tries to acquire run-down protection on a shared object so the caller can safely access the object. | [`acquire_ex_tries_to_acquire_protection_so_the_caller_can_safely_access_the_object`] |
//! | A5 | The amount by which to increment to the run-down instance count of the object. | [`count_is_the_amount_by_which_the_instance_count_is_incremented`] |
//! | A6 | The count is incremented only if the routine returns TRUE. | [`the_count_is_incremented_only_if_acquire_returns_true`] |
//! | A7 | ExAcquireRundownProtectionEx returns TRUE if the routine successfully acquires run-down protection for the caller. | [`acquire_ex_returns_true_if_it_acquires_protection`] |
//! | A8 | Otherwise, it returns FALSE. | [`otherwise_acquire_ex_returns_false`] |
//! | A9 | A return value of FALSE indicates that the run down of the object has started and that the object must be treated as invalid. | [`false_indicates_that_the_run_down_has_started`] (see the note on the count limit below) |
//! | A10 | To safely access a shared object, a driver calls ExAcquireRundownProtectionEx to acquire run-down protection on the object. | [`to_safely_access_a_shared_object_a_driver_acquires_protection`] |
//! | A11 | The RunRef parameter points to an EX_RUNDOWN_REF structure that tracks the run-down status of the associated object. | [`the_structure_tracks_the_run_down_status`] (same claim as W3) |
//! | A12 | This status information includes a count of instances of run-down protection that are currently in effect on the object. | [`status_includes_the_count_of_protections_in_effect`] |
//! | A13 | The ExAcquireRundownProtectionEx and ExReleaseRundownProtectionEx routines increment and decrement this count by arbitrary amounts. | [`acquire_ex_and_release_ex_change_the_count_by_arbitrary_amounts`] |
//! | A14 | Two related routines, ExAcquireRundownProtection and ExReleaseRundownProtection, increment and decrement this count by one. | [`acquire_and_release_change_the_count_by_one`] |
//! | A15 | As long as the run-down block itself is nonpaged, this function can be called at DISPATCH_LEVEL. | [`acquire_ex_can_be_called_at_dispatch_level`] |
//! | A16 | Requirements: IRQL <= DISPATCH_LEVEL (see Remarks) | [`acquire_ex_runs_at_irql_at_most_dispatch_level`] |
//! | C1 | The ExRundownCompleted routine updates the run-down status of a shared object to indicate that the run down of the object has completed. (front matter `description:` and `## -description`) | [`completed_updates_the_status_to_indicate_the_run_down_completed`] |
//! | C5 | The ExRundownCompleted call must be preceded by a call to the ExWaitForRundownProtectionRelease routine that runs down the object. | compile time: ui test `completed_without_wait`; at run time [`on_entry_to_completed_the_status_indicates_the_object_was_run_down`] shows the wait did run it down |
//! | C6 | After an ExRundownCompleted call, additional calls to ExWaitForRundownProtectionRelease to run down the associated object return immediately without waiting. | [`after_completed_further_waits_return_immediately`] |
//! | C7 | However, calls to ExAcquireRundownProtection to acquire run-down protection on the associated object fail (return FALSE). | [`after_completed_acquire_fails`] |
//! | C8 | After an ExRundownCompleted call, the driver can call the ExReInitializeRundownProtection routine to associate the EX_RUNDOWN_REF structure with a new object and to initialize run-down protection on this object. | [`after_completed_reinitialize_associates_the_reference_with_a_new_object`] (ui tests `reinitialize_active_without_wait`, `reinitialize_run_down_without_completed`: only after it). A cache-aware reference is reinitialized by a new owner taken through `&mut` instead ([`reinitialize!`]; ui test `cache_aware_reinitialize_while_shared`) |
//! | C9 | After the ExReInitializeRundownProtection call, drivers can call ExAcquireRundownProtection to acquire run-down protection on the new object. | [`after_reinitialize_drivers_can_acquire_protection_on_the_new_object`] (cache-aware: after [`reinitialize!`]'s new owner) |
//! | C10 | On entry, the status information in the EX_RUNDOWN_REF structure must indicate that the object that was associated with this structure was run down. | [`on_entry_to_completed_the_status_indicates_the_object_was_run_down`] |
//! | C11 | `req.irql: <= APC_LEVEL` | [`completed_runs_at_irql_at_most_apc_level`] |
//!
//! # Sentences without a test, and why
//!
//! | page | sentence | why no test |
//! |---|---|---|
//! | W, C | This routine is called by the driver that owns an object that resides in shared memory and that is accessed by other drivers. | Says who calls it. The types encode it: only [`RundownOwner`] has `wait_for_release` and `completed`, and it is made once from `&mut` (ui tests `two_owners`, `owner_clone`); the runtime side (other threads access, the owner waits) is W1, W5 and W6. |
//! | W, A, C | For more information, see Run-Down Protection. / For more information, see Remarks | A cross-reference. |
//! | W | Syntax `void ExWaitForRundownProtectionRelease(...)`; Return value: None | Signature. The Rust wait returns the owner in its next state, checked by the compiler. |
//! | A | Syntax `BOOLEAN ExAcquireRundownProtectionEx(...)` | Signature. `BOOLEAN` is `Option<RundownGuard>`, `ULONG Count` is `NonZeroU32` (ui tests `count_of_zero`, `acquire_many_plain_zero`). |
//! | all | Requirements: minimum supported client / target platform / header / library / DLL; front matter (UID, ms.date, keywords, req.*, api_*) | Build and documentation metadata; the `ntoskrnl` provider links these routines from NtosKrnl.exe. |
//! | W, A | DDI compliance rules HwStorPortProhibitedDDIs(storport), SpNoWait(storport) | Static Driver Verifier rules for storport miniports, not behaviour of the routine. |
//! | all | See also: EX_RUNDOWN_REF, ExAcquireRundownProtection, ... | Cross-references. |
//!
//! # Where the library departs from a sentence
//!
//! A9 says FALSE means the run down started. The crate also returns `None` when an acquire would
//! push the count past [`MAX_OUTSTANDING`](rundown::provider::MAX_OUTSTANDING) (policy
//! `count_overflow_is_refused` in `tests/policy.rs`), while the object is still valid. That needs
//! 2^62 outstanding protections, so [`false_indicates_that_the_run_down_has_started`] tests the
//! sentence for every reachable count.

use std::mem::MaybeUninit;
use std::num::NonZeroU32;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering::SeqCst};
use std::sync::{Barrier, mpsc};
use std::thread::{self, Scope, ScopedJoinHandle};
use std::time::Duration;

use rundown::irql::{Apc, AtMost, Dispatch, Irql, Passive, PassiveLevel};
use rundown::lifecycle::{Completed, RunDown};
use rundown::provider::portable::{ACTIVE, COUNT_SHIFT, CacheAwareBlock};
use rundown::provider::{Portable, Provider, RundownWord};
use rundown::{CacheAwareRundownRef, Protection, RundownGuard, RundownOwner, RundownRef, count, simulation};

// ---------------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------------

#[path = "common/watchdog.rs"]
mod watchdog;

/// The two kinds of reference, seen through the operations the sentences talk about.
trait Subject: Protection + Sized + std::fmt::Debug {
    /// Which fixture failed, for assertion messages.
    const KIND: &'static str;

    /// `ExAcquireRundownProtection`.
    fn try_acquire<L: AtMost<Dispatch>>(&self, irql: &Irql<L>) -> Option<RundownGuard<'_, Self>>;

    /// `ExAcquireRundownProtectionEx`.
    fn try_acquire_many<L: AtMost<Dispatch>>(
        &self,
        count: NonZeroU32,
        irql: &Irql<L>,
    ) -> Option<RundownGuard<'_, Self>>;

    /// The NT word, for the kind that has exactly one.
    fn word(&self) -> Option<usize>;

    /// Takes the owner through `&mut` (`owner`): initializes a `RundownRef`; brings a cache-aware
    /// reference back to active from whatever state its previous owner left.
    fn take_owner<L: AtMost<Apc>>(&mut self, irql: &Irql<L>) -> RundownOwner<'_, Self>;

    /// `ExReInitializeRundownProtection` through the completed owner, where the kind allows it
    /// while the reference is shared ([`rundown::SharedReinitialize`]); otherwise the owner comes
    /// back unchanged in `Err`. Used through [`reinitialize!`].
    fn reinitialize_shared<'r, L: AtMost<Apc>>(
        completed: RundownOwner<'r, Self, Completed>,
        irql: &Irql<L>,
    ) -> Result<RundownOwner<'r, Self>, RundownOwner<'r, Self, Completed>>;
}

impl Subject for RundownRef {
    const KIND: &'static str = "RundownRef";

    fn try_acquire<L: AtMost<Dispatch>>(&self, irql: &Irql<L>) -> Option<RundownGuard<'_, Self>> {
        self.acquire(irql)
    }

    fn try_acquire_many<L: AtMost<Dispatch>>(
        &self,
        count: NonZeroU32,
        irql: &Irql<L>,
    ) -> Option<RundownGuard<'_, Self>> {
        self.acquire_many(count, irql)
    }

    fn word(&self) -> Option<usize> {
        Some(word_of(self))
    }

    fn take_owner<L: AtMost<Apc>>(&mut self, irql: &Irql<L>) -> RundownOwner<'_, Self> {
        self.owner(irql)
    }

    fn reinitialize_shared<'r, L: AtMost<Apc>>(
        completed: RundownOwner<'r, Self, Completed>,
        irql: &Irql<L>,
    ) -> Result<RundownOwner<'r, Self>, RundownOwner<'r, Self, Completed>> {
        Ok(completed.reinitialize(irql))
    }
}

impl Subject for CacheAwareRundownRef<'_> {
    const KIND: &'static str = "CacheAwareRundownRef";

    fn try_acquire<L: AtMost<Dispatch>>(&self, irql: &Irql<L>) -> Option<RundownGuard<'_, Self>> {
        self.acquire(irql)
    }

    fn try_acquire_many<L: AtMost<Dispatch>>(
        &self,
        count: NonZeroU32,
        irql: &Irql<L>,
    ) -> Option<RundownGuard<'_, Self>> {
        self.acquire_many(count, irql)
    }

    fn word(&self) -> Option<usize> {
        None
    }

    fn take_owner<L: AtMost<Apc>>(&mut self, irql: &Irql<L>) -> RundownOwner<'_, Self> {
        self.owner(irql)
    }

    /// Its owner has no `reinitialize`: ui test `cache_aware_reinitialize_while_shared`.
    fn reinitialize_shared<'r, L: AtMost<Apc>>(
        completed: RundownOwner<'r, Self, Completed>,
        _irql: &Irql<L>,
    ) -> Result<RundownOwner<'r, Self>, RundownOwner<'r, Self, Completed>> {
        Err(completed)
    }
}

/// C8's call on either kind: `reinitialize!(storage, completed, irql)` is the active owner again.
///
/// A `RundownRef` is reinitialized through its completed owner
/// (`ExReInitializeRundownProtection`), as NT's drivers do while readers still hold the
/// reference. A cache-aware reference may not be: it is reinitialized one per-processor word at a
/// time, so a reader moving between processors could release into a word still completed (policy
/// row "a cache-aware reference reinitialized while readers may still acquire"). Its equivalent
/// drops the completed owner and takes a new one through `&mut storage`, which calls
/// `ExReInitializeRundownProtectionCacheAware` once the exclusive borrow proves no reader is left;
/// so every shared borrow of `storage` (readers, `owner.protection()`) must end before the call,
/// and the caller takes `protection()` afresh from the owner it gets back.
macro_rules! reinitialize {
    ($storage:expr, $completed:expr, $irql:expr) => {
        match Subject::reinitialize_shared($completed, $irql) {
            Ok(active) => active,
            Err(completed) => {
                drop(completed);
                Subject::take_owner($storage, $irql)
            }
        }
    };
}

/// The `EX_RUNDOWN_REF` behind a `RundownRef`, as the atomic word it is.
fn raw_word(reference: &RundownRef) -> &RundownWord {
    // SAFETY: `as_ptr` is the address of the reference's `EX_RUNDOWN_REF`, a pointer-sized atomic
    // word (`RundownWord`, which `RundownRef` wraps transparently) living as long as `reference`.
    unsafe { &*reference.as_ptr().cast::<RundownWord>() }
}

/// The current value of a `RundownRef`'s NT word.
fn word_of(reference: &RundownRef) -> usize {
    raw_word(reference).load(SeqCst)
}

/// The word of an active reference with `count` protections outstanding.
fn active_word(count: usize) -> usize {
    count << COUNT_SHIFT
}

/// A wait is in progress (or returned without a completed yet) after finding holders: the word is
/// a wait-block address with bit 0 set.
fn is_wait_block(word: usize) -> bool {
    word & ACTIVE == ACTIVE && word != ACTIVE
}

fn passive() -> PassiveLevel {
    PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL")
}

/// Gives a wait that would wrongly return the time to do so. Never the synchronization that makes
/// a test pass.
fn give_a_wrong_return_the_chance() {
    thread::sleep(Duration::from_millis(20));
}

fn join<T>(thread: ScopedJoinHandle<'_, T>) -> T {
    thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// A test body run on each kind of reference, starting from a fresh one (its storage, from which
/// most bodies take the owner at once).
trait Scenario {
    fn run<P: Subject>(&self, storage: &mut P);
}

/// Runs `scenario` on a `RundownRef`, a pool-allocated `CacheAwareRundownRef` and one in caller
/// storage. The kind under test is printed first, so a failure names it (and the watchdog, a hang).
fn each_kind(test: &str, scenario: &impl Scenario) {
    let irql = passive();
    let step = |kind: &str| {
        eprintln!("-- {kind}");
        watchdog::step(&format!("{test} on {kind}"));
    };

    step("RundownRef");
    let mut plain = RundownRef::new();
    scenario.run(&mut plain);

    step("CacheAwareRundownRef::allocate");
    let mut pooled = CacheAwareRundownRef::allocate(&irql).expect("pool memory");
    scenario.run(&mut pooled);
    pooled.free(&irql);

    step("CacheAwareRundownRef::initialize_in");
    let words = CacheAwareRundownRef::required_size(&irql).div_ceil(size_of::<usize>());
    let mut storage = vec![MaybeUninit::<usize>::uninit(); words];
    let mut in_storage =
        CacheAwareRundownRef::initialize_in(&mut storage, &irql).expect("storage of the required size");
    scenario.run(&mut in_storage);
}

/// Defines a `#[test]` that runs its body, generic over the kind `P`, through [`each_kind`]. The
/// body gets the owner (`fn name<P>(owner)`), or the storage itself (`fn name<P>(&mut storage)`)
/// when it has to take an owner again, as C8's cache-aware form does.
macro_rules! for_each_kind {
    ($(#[$attribute:meta])* fn $name:ident<$kind:ident>(&mut $storage:ident) $body:block) => {
        $(#[$attribute])*
        #[test]
        fn $name() {
            struct Case;
            impl Scenario for Case {
                fn run<$kind: Subject>(&self, $storage: &mut $kind) $body
            }
            each_kind(stringify!($name), &Case);
        }
    };
    ($(#[$attribute:meta])* fn $name:ident<$kind:ident>($owner:ident) $body:block) => {
        for_each_kind! {
            $(#[$attribute])*
            fn $name<$kind>(&mut storage) {
                let $owner = storage.take_owner(&passive());
                $body
            }
        }
    };
}

/// What a holder thread holds: a count, and optionally the processors it acquires and releases
/// on (a cache-aware holder that migrates releases on another slot).
#[derive(Clone, Copy)]
struct Hold {
    count: NonZeroU32,
    acquire_on: Option<u32>,
    release_on: Option<u32>,
}

impl Hold {
    const fn of(count: NonZeroU32) -> Self {
        Self { count, acquire_on: None, release_on: None }
    }

    const fn migrating(count: NonZeroU32, acquire_on: u32, release_on: u32) -> Self {
        Self { count, acquire_on: Some(acquire_on), release_on: Some(release_on) }
    }
}

/// A thread ("a driver") holding run-down protection until told to finish.
struct Holder<'scope> {
    finish: mpsc::Sender<()>,
    thread: ScopedJoinHandle<'scope, ()>,
}

impl<'scope> Holder<'scope> {
    /// Starts a holder and returns once it holds protection. Right before it releases, it adds
    /// its count to `released`.
    fn start<'env, P: Subject>(
        scope: &'scope Scope<'scope, 'env>,
        shared: &'env P,
        hold: Hold,
        released: &'env AtomicUsize,
    ) -> Self {
        let (acquired_tx, acquired_rx) = mpsc::channel();
        let (finish, finish_rx) = mpsc::channel::<()>();
        let thread = scope.spawn(move || {
            let irql = passive();
            simulation::run_on_processor(hold.acquire_on);
            let guard = shared.try_acquire_many(hold.count, &irql).expect("the reference is active: acquire succeeds");
            acquired_tx.send(()).expect("the test waits for the acquire");
            finish_rx.recv().expect("the test tells the holder to finish");
            simulation::run_on_processor(hold.release_on);
            released.fetch_add(hold.count.get() as usize, SeqCst);
            drop(guard);
        });
        acquired_rx.recv().expect("the holder acquired protection");
        Self { finish, thread }
    }

    /// Lets the holder release, without waiting for it.
    fn signal(&self) {
        self.finish.send(()).expect("the holder is waiting to be told");
    }

    /// Waits until the holder released.
    fn join(self) {
        join(self.thread);
    }

    fn finish(self) {
        self.signal();
        self.join();
    }
}

/// Runs the owner's wait on a thread of `scope`. When the wait returns, the waiter asserts that
/// `released` already reached `expected` (every holder counted itself in right before its
/// release), then sets `returned`.
fn spawn_wait<'scope, 'env, P: Subject>(
    scope: &'scope Scope<'scope, 'env>,
    owner: RundownOwner<'env, P>,
    released: &'env AtomicUsize,
    expected: usize,
    returned: &'env AtomicBool,
) -> ScopedJoinHandle<'scope, RundownOwner<'env, P, RunDown>> {
    scope.spawn(move || {
        let irql = passive();
        let owner = owner.wait_for_release(&irql);
        assert_eq!(
            released.load(SeqCst),
            expected,
            "{}: the wait returned before every granted protection was released",
            P::KIND
        );
        returned.store(true, SeqCst);
        owner
    })
}

/// Returns once an acquire fails, i.e. once a wait started on another thread. Acquires that still
/// get in first are released at once.
fn until_the_wait_started<P: Subject>(shared: &P) {
    let irql = passive();
    while let Some(guard) = shared.try_acquire(&irql) {
        drop(guard);
        thread::yield_now();
    }
}

/// A heap object that accessors read under protection and the owner deletes after its wait.
struct SharedObject {
    pointer: AtomicPtr<u64>,
}

impl SharedObject {
    fn new(value: u64) -> Self {
        Self { pointer: AtomicPtr::new(Box::into_raw(Box::new(value))) }
    }

    /// Reads the object; the guard proves protection is held.
    fn read<P: Protection>(&self, _protection: &RundownGuard<'_, P>) -> u64 {
        let pointer = self.pointer.load(SeqCst);
        assert!(!pointer.is_null(), "the object was deleted while run-down protection was held");
        // SAFETY: the pointer came from `Box::into_raw`, and the owner frees it only after its
        // wait returned, which cannot happen while `_protection` is held.
        unsafe { *pointer }
    }

    /// Deletes the object (the owner, after its wait).
    fn delete(&self) {
        let pointer = self.pointer.swap(std::ptr::null_mut(), SeqCst);
        assert!(!pointer.is_null(), "deleted twice");
        // SAFETY: from `Box::into_raw`; swapping it out makes this the only free.
        drop(unsafe { Box::from_raw(pointer) });
    }

    /// Installs a new object where a deleted one was.
    fn replace_deleted(&self, value: u64) {
        let old = self.pointer.swap(Box::into_raw(Box::new(value)), SeqCst);
        assert!(old.is_null(), "the old object was not deleted");
    }

    fn is_deleted(&self) -> bool {
        self.pointer.load(SeqCst).is_null()
    }
}

impl Drop for SharedObject {
    fn drop(&mut self) {
        let pointer = *self.pointer.get_mut();
        if !pointer.is_null() {
            // SAFETY: from `Box::into_raw`, not freed (the pointer is null once deleted).
            drop(unsafe { Box::from_raw(pointer) });
        }
    }
}

/// Accessor threads read an object under protection (releasing on another processor than they
/// acquired on) until an acquire fails, while the owner waits and then deletes the object.
/// Returns the number of accesses.
fn delete_while_accessed<P: Subject>(owner: RundownOwner<'_, P>, counted: bool) -> usize {
    const ACCESSORS: u32 = 3;
    let irql = passive();
    let shared = owner.protection();
    let object = SharedObject::new(42);
    let all_got_in = Barrier::new(ACCESSORS as usize + 1);
    let accesses = AtomicUsize::new(0);
    thread::scope(|scope| {
        for accessor in 0..ACCESSORS {
            let (object, all_got_in, accesses) = (&object, &all_got_in, &accesses);
            scope.spawn(move || {
                let irql = passive();
                let mut processor = accessor;
                let mut first = true;
                loop {
                    simulation::run_on_processor(Some(processor));
                    let count =
                        if counted { NonZeroU32::new(processor % 4 + 1).expect("not zero") } else { NonZeroU32::MIN };
                    let guard = if counted { shared.try_acquire_many(count, &irql) } else { shared.try_acquire(&irql) };
                    // A failed acquire: the object must be treated as invalid, so stop.
                    let Some(guard) = guard else { break };
                    assert_eq!(object.read(&guard), 42, "{}: read a live object", P::KIND);
                    processor += 1;
                    simulation::run_on_processor(Some(processor));
                    drop(guard);
                    accesses.fetch_add(1, SeqCst);
                    if first {
                        first = false;
                        all_got_in.wait();
                    }
                }
                assert!(!first, "{}: every accessor got in before the run down started", P::KIND);
            });
        }
        all_got_in.wait();
        let owner = owner.wait_for_release(&irql);
        object.delete();
        assert!(shared.try_acquire(&irql).is_none(), "{}: no access after the delete", P::KIND);
        drop(owner);
    });
    accesses.load(SeqCst)
}

// ---------------------------------------------------------------------------------------------
// ExWaitForRundownProtectionRelease
// ---------------------------------------------------------------------------------------------

for_each_kind! {
    /// W1: "The ExWaitForRundownProtectionRelease routine waits until all drivers that have
    /// already been granted run-down protection complete their accesses of the shared object."
    ///
    /// Three holders (one with a counted acquire) are granted protection; the wait starts; they
    /// finish together. The wait returns only once all five protections were released.
    fn wait_waits_until_all_drivers_granted_protection_complete_their_accesses<P>(owner) {
        let shared = owner.protection();
        let released = AtomicUsize::new(0);
        let returned = AtomicBool::new(false);
        thread::scope(|scope| {
            let holders = [count!(1), count!(3), count!(1)].map(|count| Holder::start(scope, shared, Hold::of(count), &released));
            let waiter = spawn_wait(scope, owner, &released, 5, &returned);
            until_the_wait_started(shared);
            give_a_wrong_return_the_chance();
            assert!(!returned.load(SeqCst), "{}: the wait returned while three drivers held protection", P::KIND);
            holders.iter().for_each(Holder::signal);
            holders.into_iter().for_each(Holder::join);
            drop(join(waiter));
            assert!(returned.load(SeqCst));
        });
    }
}

/// W2, A2, C2: "A pointer to an EX_RUNDOWN_REF structure that was initialized by a previous call
/// to the ExInitializeRundownProtection routine."
///
/// `RundownRef::new` leaves the state `ExInitializeRundownProtection` does (word 0), and taking
/// the owner initializes again whatever an earlier owner left; an `EX_RUNDOWN_REF` that C code
/// initialized works through `from_ptr`. A cache-aware reference is initialized by `allocate` or
/// `initialize_in`, which refuses storage too small to initialize. On each, acquire and wait work
/// right after initialization.
#[test]
fn run_ref_was_initialized_by_exinitializerundownprotection() {
    watchdog::step("run_ref_was_initialized_by_exinitializerundownprotection");
    let irql = passive();

    let mut plain = RundownRef::new();
    assert_eq!(word_of(&plain), 0, "RundownRef::new is ExInitializeRundownProtection's state");
    assert_eq!(word_of(&RundownRef::default()), 0);
    {
        let owner = plain.owner(&irql);
        let shared = owner.protection();
        let guard = shared.acquire(&irql).expect("initialized and active");
        assert_eq!(word_of(shared), active_word(1));
        drop(guard);
        // Leave it completed: the word no longer reads as initialized.
        let completed = owner.wait_for_release(&irql).completed(&irql);
        assert_eq!(word_of(completed.protection()), ACTIVE);
    }
    let owner = plain.owner(&irql);
    assert_eq!(word_of(owner.protection()), 0, "taking the owner initializes the word");
    let guard = owner.protection().acquire(&irql).expect("initialized again");
    drop(guard);
    drop(owner.wait_for_release(&irql));

    // An EX_RUNDOWN_REF that C code initialized (to zero) and hands over.
    let c_word = RundownWord::new(0);
    // SAFETY: an initialized, pointer-aligned EX_RUNDOWN_REF that outlives `from_c` and is only
    // used through run-down routines (and atomic loads) meanwhile.
    let from_c = unsafe { RundownRef::from_ptr(std::ptr::from_ref(&c_word).cast_mut().cast()) };
    let guard = from_c.acquire_many(count!(2), &irql).expect("initialized by C");
    assert_eq!(c_word.load(SeqCst), active_word(2));
    drop(guard);
    assert_eq!(c_word.load(SeqCst), 0);

    // Cache-aware: initialized by its constructors, never used uninitialized.
    let required = CacheAwareRundownRef::required_size(&irql);
    let mut too_small = vec![MaybeUninit::<usize>::uninit(); required / size_of::<usize>() - 1];
    let error =
        CacheAwareRundownRef::initialize_in(&mut too_small, &irql).expect_err("storage too small to initialize");
    assert_eq!(error.required, required);
    assert_eq!(error.provided, (required / size_of::<usize>() - 1) * size_of::<usize>());

    let mut pooled = CacheAwareRundownRef::allocate(&irql).expect("pool memory");
    assert!(pooled.acquire(&irql).is_some(), "allocate initializes");
    drop(pooled.owner(&irql).wait_for_release(&irql));
    let owner = pooled.owner(&irql);
    assert!(owner.protection().acquire(&irql).is_some(), "a new owner initializes again after a run down");
    drop(owner);
    pooled.free(&irql);

    let mut storage = vec![MaybeUninit::<usize>::uninit(); required.div_ceil(size_of::<usize>())];
    let in_storage = CacheAwareRundownRef::initialize_in(&mut storage, &irql).expect("storage of the required size");
    assert!(in_storage.acquire_many(count!(3), &irql).is_some(), "initialize_in initializes");
}

for_each_kind! {
    /// W3, A3, C3: "The run-down protection routines use this structure to track the run-down
    /// status of the associated shared object." Also A11: "The RunRef parameter points to an
    /// EX_RUNDOWN_REF structure that tracks the run-down status of the associated object."
    ///
    /// Through a whole lifecycle, the `RundownRef` word holds the status (count, run down,
    /// completed, initialized again), and on every kind acquires follow it. (A cache-aware
    /// reference is initialized again by a new owner taken through `&mut`: see [`reinitialize!`].)
    fn the_structure_tracks_the_run_down_status<P>(&mut storage) {
        let irql = passive();
        let expect_word = |shared: &P, expected: usize| {
            if let Some(word) = shared.word() {
                assert_eq!(word, expected, "{}: the word tracks the status", P::KIND);
            }
        };
        let owner = storage.take_owner(&irql);
        let shared = owner.protection();
        expect_word(shared, 0);
        let one = shared.try_acquire(&irql).expect("active");
        expect_word(shared, active_word(1));
        let three = shared.try_acquire_many(count!(3), &irql).expect("active");
        expect_word(shared, active_word(4));
        drop(one);
        expect_word(shared, active_word(3));
        drop(three);
        expect_word(shared, 0);

        let owner = owner.wait_for_release(&irql);
        expect_word(shared, ACTIVE);
        assert!(shared.try_acquire(&irql).is_none(), "{}: run down", P::KIND);
        let owner = owner.completed(&irql);
        expect_word(shared, ACTIVE);
        assert!(shared.try_acquire(&irql).is_none(), "{}: completed", P::KIND);
        let owner = reinitialize!(storage, owner, &irql);
        let shared = owner.protection();
        expect_word(shared, 0);
        assert!(shared.try_acquire(&irql).is_some(), "{}: active again", P::KIND);
        drop(owner);
    }
}

for_each_kind! {
    /// W4, A4, C4: "This structure is opaque to drivers."
    ///
    /// Nothing but the run-down routines changes the state: the reference has no field a driver
    /// can reach, a `RundownRef` is one pointer-sized word like `EX_RUNDOWN_REF`, and looking at
    /// it (its `Debug`, which shows the state for a debugger or a log line, as issue 9 asks)
    /// changes no bit of it.
    fn this_structure_is_opaque_to_drivers<P>(owner) {
        let irql = passive();
        let shared = owner.protection();
        let looked_at = |what: &str| {
            let before = shared.word();
            let shown = format!("{shared:?}");
            assert_eq!(shared.word(), before, "{}: formatting changed the word ({what})", P::KIND);
            shown
        };
        let initial = looked_at("active");
        let guard = shared.try_acquire_many(count!(2), &irql).expect("active");
        let held = looked_at("held");
        assert_eq!(format!("{guard:?}"), "RundownGuard { count: 2, .. }");
        drop(guard);
        let owner = owner.wait_for_release(&irql);
        let run_down = looked_at("run down");
        let owner = owner.completed(&irql);
        let completed = looked_at("completed");
        assert!(format!("{owner:?}").contains("Completed"), "the owner knows its own state");
        if shared.word().is_some() {
            assert_eq!(size_of::<RundownRef>(), size_of::<usize>());
            assert_eq!(align_of::<RundownRef>(), align_of::<usize>());
            assert_eq!(initial, "RundownRef(Granting { holders: 0 })");
            assert_eq!(held, "RundownRef(Granting { holders: 2 })");
            assert_eq!((run_down.as_str(), completed.as_str()), ("RundownRef(Closed)", "RundownRef(Closed)"));
        }
    }
}

for_each_kind! {
    /// W5: "Before deleting this object, the owning driver must call this routine to wait for any
    /// outstanding accesses of the object to complete."
    ///
    /// A holder is in the middle of an access when the owner decides to delete; the owner waits
    /// first, and the holder's access completes against a live object. The delete happens only
    /// after the access completed.
    fn before_deleting_the_object_the_owner_waits_for_outstanding_accesses<P>(owner) {
        let shared = owner.protection();
        let object = SharedObject::new(7);
        let finished_access = AtomicUsize::new(0);
        let returned = AtomicBool::new(false);
        thread::scope(|scope| {
            let (mid_access_tx, mid_access_rx) = mpsc::channel();
            let (finish_tx, finish_rx) = mpsc::channel::<()>();
            let (object, finished_access) = (&object, &finished_access);
            let holder = scope.spawn(move || {
                let irql = passive();
                let guard = shared.try_acquire(&irql).expect("active");
                assert_eq!(object.read(&guard), 7);
                mid_access_tx.send(()).expect("the test waits");
                finish_rx.recv().expect("the test tells the access to finish");
                assert_eq!(object.read(&guard), 7, "{}: still readable until the access completes", P::KIND);
                finished_access.fetch_add(1, SeqCst);
                drop(guard);
            });
            mid_access_rx.recv().expect("the holder is mid-access");
            let waiter = scope.spawn({
                let returned = &returned;
                move || {
                    let irql = passive();
                    let owner = owner.wait_for_release(&irql);
                    assert_eq!(finished_access.load(SeqCst), 1, "{}: the access completed before the wait returned", P::KIND);
                    returned.store(true, SeqCst);
                    object.delete();
                    owner
                }
            });
            until_the_wait_started(shared);
            give_a_wrong_return_the_chance();
            assert!(!object.is_deleted(), "{}: deleted during an outstanding access", P::KIND);
            finish_tx.send(()).expect("the holder waits");
            join(holder);
            drop(join(waiter));
            assert!(returned.load(SeqCst) && object.is_deleted());
        });
    }
}

for_each_kind! {
    /// W6: "After ExWaitForRundownProtectionRelease returns, the owning driver can safely delete
    /// the object."
    ///
    /// Accessor threads read a heap object under protection in a loop (migrating between
    /// processors); the owner waits, frees the object, and no accessor ever reads freed memory:
    /// each stops at its first failed acquire.
    fn after_wait_returns_the_owner_can_safely_delete_the_object<P>(owner) {
        let accesses = delete_while_accessed(owner, false);
        assert!(accesses >= 3, "{}: every accessor read the object", P::KIND);
    }
}

for_each_kind! {
    /// W7: "After ExWaitForRundownProtectionRelease is called, the ExAcquireRundownProtection
    /// routine grants no further requests for run-down protection from drivers that are trying to
    /// access the shared object."
    ///
    /// While the wait is blocked on a holder, acquires from several threads, plain and counted,
    /// at PASSIVE and DISPATCH_LEVEL, all fail and leave the word as the waiter set it; they still
    /// fail after the wait returned.
    fn after_wait_is_called_acquire_grants_no_further_requests<P>(owner) {
        let irql = passive();
        let shared = owner.protection();
        let released = AtomicUsize::new(0);
        let returned = AtomicBool::new(false);
        let granted = AtomicUsize::new(0);
        thread::scope(|scope| {
            let holder = Holder::start(scope, shared, Hold::of(count!(1)), &released);
            let waiter = spawn_wait(scope, owner, &released, 1, &returned);
            until_the_wait_started(shared);
            let during_wait = shared.word();
            if let Some(word) = during_wait {
                assert!(is_wait_block(word), "{}: the waiter's block is installed: {word:#x}", P::KIND);
            }
            thread::scope(|tries| {
                for driver in 0..4_u32 {
                    let granted = &granted;
                    tries.spawn(move || {
                        let mut irql = passive();
                        simulation::run_on_processor(Some(driver));
                        for _ in 0..100 {
                            granted.fetch_add(usize::from(shared.try_acquire(&irql).is_some()), SeqCst);
                            granted.fetch_add(usize::from(shared.try_acquire_many(count!(2), &irql).is_some()), SeqCst);
                            let dispatch = irql.raise::<Dispatch>();
                            granted.fetch_add(usize::from(shared.try_acquire(&*dispatch).is_some()), SeqCst);
                        }
                    });
                }
            });
            assert_eq!(granted.load(SeqCst), 0, "{}: a request was granted during the wait", P::KIND);
            assert_eq!(shared.word(), during_wait, "{}: failed requests changed the word", P::KIND);
            assert!(!returned.load(SeqCst));
            holder.finish();
            let owner = join(waiter);
            assert!(shared.try_acquire(&irql).is_none(), "{}: none granted after the wait returned", P::KIND);
            assert!(shared.try_acquire_many(count!(7), &irql).is_none());
            drop(owner);
        });
    }
}

for_each_kind! {
    /// W8: "The routine waits to return until all drivers that were previously granted run-down
    /// protection finish accessing the object."
    ///
    /// Three holders finish one after another; after each but the last the wait has not returned.
    fn wait_returns_only_after_all_previously_granted_drivers_finish<P>(owner) {
        let shared = owner.protection();
        let released = AtomicUsize::new(0);
        let returned = AtomicBool::new(false);
        thread::scope(|scope| {
            let mut holders: Vec<_> = [count!(1), count!(2), count!(1)]
                .into_iter()
                .map(|count| Holder::start(scope, shared, Hold::of(count), &released))
                .collect();
            let waiter = spawn_wait(scope, owner, &released, 4, &returned);
            until_the_wait_started(shared);
            let last = holders.pop().expect("three holders");
            for holder in holders {
                holder.finish();
                give_a_wrong_return_the_chance();
                assert!(!returned.load(SeqCst), "{}: the wait returned while a driver still held protection", P::KIND);
            }
            last.finish();
            drop(join(waiter));
            assert!(returned.load(SeqCst));
        });
    }
}

for_each_kind! {
    /// W9: "As each driver finishes, it calls the ExReleaseRundownProtection routine to release
    /// the previously acquired run-down protection."
    ///
    /// Dropping each guard releases exactly what it acquired (the word falls by its count), and
    /// once all are dropped a wait on this very thread returns: nothing is left to wait for.
    fn each_driver_releases_its_protection_as_it_finishes<P>(owner) {
        let irql = passive();
        let shared = owner.protection();
        let mut guards: Vec<_> = [1, 4, 1, 2]
            .into_iter()
            .map(|count| shared.try_acquire_many(NonZeroU32::new(count).expect("not zero"), &irql).expect("active"))
            .collect();
        let mut outstanding: usize = 8;
        assert_eq!(shared.word().unwrap_or(active_word(8)), active_word(8));
        // Finish in an order other than acquisition.
        for index in [1, 2, 0, 0] {
            let guard = guards.remove(index);
            outstanding -= guard.count().get() as usize;
            drop(guard);
            assert_eq!(shared.word().unwrap_or(active_word(outstanding)), active_word(outstanding), "{}: released its own count", P::KIND);
        }
        assert_eq!(outstanding, 0);
        // No other thread exists that could wake this one: returning proves nothing was held.
        let owner = owner.wait_for_release(&irql);
        assert_eq!(shared.word().unwrap_or(ACTIVE), ACTIVE);
        drop(owner);
    }
}

for_each_kind! {
    /// W10: "When all outstanding accesses are completed, ExWaitForRundownProtectionRelease
    /// returns and the object can be safely deleted."
    ///
    /// Eight holders (each acquiring on one processor and releasing on the next, so cache-aware
    /// slots go below zero) finish together; the wait returns, and the object is deleted.
    fn when_all_outstanding_accesses_complete_the_wait_returns<P>(owner) {
        let irql = passive();
        let shared = owner.protection();
        let object = SharedObject::new(1);
        let released = AtomicUsize::new(0);
        let returned = AtomicBool::new(false);
        thread::scope(|scope| {
            let mut expected = 0;
            let holders: Vec<_> = (0..8_u32)
                .map(|holder| {
                    let count = NonZeroU32::new(holder % 3 + 1).expect("not zero");
                    expected += count.get() as usize;
                    Holder::start(scope, shared, Hold::migrating(count, holder, holder + 1), &released)
                })
                .collect();
            let waiter = spawn_wait(scope, owner, &released, expected, &returned);
            until_the_wait_started(shared);
            holders.iter().for_each(Holder::signal);
            let owner = join(waiter);
            assert!(returned.load(SeqCst), "{}: the wait returned once all accesses completed", P::KIND);
            object.delete();
            assert!(shared.try_acquire(&irql).is_none());
            holders.into_iter().for_each(Holder::join);
            drop(owner);
        });
    }
}

for_each_kind! {
    /// W11: "If ExWaitForRundownProtectionRelease is called when all drivers that were previously
    /// granted run-down protection have already finished accessing the shared object, the routine
    /// changes the object status to run down, and returns immediately, without waiting."
    ///
    /// After acquires and releases, the wait runs on the only thread that exists (nothing could
    /// wake it) and returns; the `RundownRef` word becomes exactly 1 (run down, no wait block);
    /// acquires then fail.
    fn wait_with_all_accesses_finished_changes_status_to_run_down_and_returns_immediately<P>(owner) {
        let irql = passive();
        let shared = owner.protection();
        for count in [1, 3, 1] {
            let guard = shared.try_acquire_many(NonZeroU32::new(count).expect("not zero"), &irql).expect("active");
            drop(guard);
        }
        assert_eq!(shared.word().unwrap_or(0), 0);
        let owner = owner.wait_for_release(&irql);
        assert_eq!(shared.word().unwrap_or(ACTIVE), ACTIVE, "{}: run down without a wait block", P::KIND);
        assert!(shared.try_acquire(&irql).is_none(), "{}: the status is run down", P::KIND);
        drop(owner);
    }
}

for_each_kind! {
    /// W12: "If ExWaitForRundownProtectionRelease is called to run down a shared object, but the
    /// RunRef parameter indicates that this object is already run down, the call has no effect
    /// but is not treated as an error."
    ///
    /// A completed reference (the one state where the safe API lets a run-down object be waited
    /// on) is waited on again and again: no panic, the word stays 1, acquires still fail, and the
    /// lifecycle goes on (reinitialize works; for a cache-aware reference, its equivalent
    /// [`reinitialize!`]). The raw model does the same for a word reading 1.
    fn wait_on_an_object_already_run_down_has_no_effect_and_is_not_an_error<P>(&mut storage) {
        let mut irql = passive();
        let owner = storage.take_owner(&irql);
        let shared = owner.protection();
        let owner = owner.wait_for_release(&irql).completed(&irql);
        let before = shared.word();
        for _ in 0..3 {
            owner.wait_for_release(&irql);
            let apc = irql.raise::<Apc>();
            owner.wait_for_release(&*apc);
        }
        assert_eq!(shared.word(), before, "{}: no effect on the status", P::KIND);
        assert!(shared.try_acquire(&irql).is_none(), "{}: still run down", P::KIND);
        let owner = reinitialize!(storage, owner, &irql);
        assert!(owner.protection().try_acquire(&irql).is_some(), "{}: the lifecycle is undisturbed", P::KIND);
        drop(owner);

        let word = RundownWord::new(ACTIVE);
        // SAFETY: an initialized word that is run down and completed (1, no stale wait block),
        // the state in which the provider allows a wait; no other thread uses it.
        unsafe { Portable::wait_for_release(&word) };
        assert_eq!(word.load(SeqCst), ACTIVE);
    }
}

for_each_kind! {
    /// W13: "IRQL <= APC_LEVEL" (Requirements).
    ///
    /// The wait accepts an `APC_LEVEL` token (taken by raising, during which a `PASSIVE_LEVEL`
    /// token cannot be had) and really sleeps there until the holder releases. A `DISPATCH_LEVEL`
    /// token does not compile (ui test `wait_with_dispatch_token`).
    fn wait_runs_at_irql_at_most_apc_level<P>(owner) {
        let shared = owner.protection();
        let released = AtomicUsize::new(0);
        let returned = AtomicBool::new(false);
        thread::scope(|scope| {
            let holder = Holder::start(scope, shared, Hold::of(count!(1)), &released);
            let waiter = scope.spawn(|| {
                let mut irql = passive();
                let apc = irql.raise::<Apc>();
                assert!(Irql::<Passive>::check().is_none(), "no PASSIVE_LEVEL token at APC_LEVEL");
                assert!(Irql::<Apc>::check().is_some());
                let owner = owner.wait_for_release(&*apc);
                assert_eq!(released.load(SeqCst), 1, "{}: the wait at APC_LEVEL slept until the release", P::KIND);
                returned.store(true, SeqCst);
                drop(apc);
                assert!(Irql::<Passive>::check().is_some(), "lowered again");
                owner
            });
            until_the_wait_started(shared);
            give_a_wrong_return_the_chance();
            assert!(!returned.load(SeqCst));
            holder.finish();
            drop(join(waiter));
        });
    }
}

// ---------------------------------------------------------------------------------------------
// ExAcquireRundownProtectionEx
// ---------------------------------------------------------------------------------------------

for_each_kind! {
    /// A1: "The ExAcquireRundownProtectionEx routine tries to acquire run-down protection on a
    /// shared object so the caller can safely access the object."
    ///
    /// It succeeds while active, and the protection it gives keeps the owner's wait (and so the
    /// delete) from completing until the caller is done; once a run down started it tries and
    /// fails.
    fn acquire_ex_tries_to_acquire_protection_so_the_caller_can_safely_access_the_object<P>(owner) {
        let irql = passive();
        let shared = owner.protection();
        let released = AtomicUsize::new(0);
        let returned = AtomicBool::new(false);
        let guard = shared.try_acquire_many(count!(2), &irql).expect("active");
        assert_eq!(guard.count(), count!(2));
        assert!(std::ptr::eq(guard.protection(), shared), "the guard protects this reference");
        thread::scope(|scope| {
            let waiter = spawn_wait(scope, owner, &released, 2, &returned);
            until_the_wait_started(shared);
            give_a_wrong_return_the_chance();
            assert!(!returned.load(SeqCst), "{}: the owner got past its wait during the access", P::KIND);
            released.fetch_add(2, SeqCst);
            drop(guard);
            drop(join(waiter));
        });
        assert!(shared.try_acquire_many(count!(2), &irql).is_none(), "{}: tried, and failed after the run down", P::KIND);
    }
}

/// A split count on the raw word: acquired with one counted call, then released one unit at a
/// time while another thread waits; the wait returns only after the last unit.
fn raw_split_release_on_word(count: u32) {
    let word = RundownWord::new(0);
    // SAFETY: an initialized word; the protections are released below.
    assert!(unsafe { Portable::acquire_ex(&word, count) });
    assert_eq!(word.load(SeqCst), active_word(count as usize));
    let released = AtomicUsize::new(0);
    let returned = AtomicBool::new(false);
    thread::scope(|scope| {
        let waiter = scope.spawn(|| {
            // SAFETY: the only waiter on an initialized, active word.
            unsafe { Portable::wait_for_release(&word) };
            assert_eq!(released.load(SeqCst), count as usize, "raw word: the wait counted every unit");
            returned.store(true, SeqCst);
        });
        while word.load(SeqCst) & ACTIVE == 0 {
            thread::yield_now();
        }
        for _ in 0..count {
            assert!(!returned.load(SeqCst), "raw word: the wait returned with units outstanding");
            released.fetch_add(1, SeqCst);
            // SAFETY: one of the `count` protections acquired above, released once.
            unsafe { Portable::release(&word) };
        }
        join(waiter);
    });
}

/// A raw cache-aware block, shared with a waiter thread.
struct RawBlock(NonNull<CacheAwareBlock>);

// SAFETY: the portable cache-aware routines are thread-safe (atomic slots); the header is only
// written at initialization.
unsafe impl Sync for RawBlock {}

impl RawBlock {
    fn get(&self) -> &CacheAwareBlock {
        // SAFETY: allocated and initialized by `cache_aware_allocate`, freed only after use.
        unsafe { self.0.as_ref() }
    }
}

/// As [`raw_split_release_on_word`], on a raw cache-aware block, releasing on processors other
/// than the one that acquired.
fn raw_split_release_on_cache_aware_block(count: u32) {
    let block = RawBlock(Portable::cache_aware_allocate().expect("pool memory"));
    simulation::run_on_processor(Some(0));
    // SAFETY: an initialized block; the protections are released below.
    assert!(unsafe { Portable::cache_aware_acquire(block.get(), count) });
    let released = AtomicUsize::new(0);
    let returned = AtomicBool::new(false);
    thread::scope(|scope| {
        let waiter = scope.spawn(|| {
            // SAFETY: the only waiter on an initialized, active block.
            unsafe { Portable::cache_aware_wait_for_release(block.get()) };
            assert_eq!(released.load(SeqCst), count as usize, "cache-aware block: the wait counted every unit");
            returned.store(true, SeqCst);
        });
        // The block has no single word to poll: give the waiter time to install itself, then check
        // that an acquire fails (it fails only once the wait started).
        loop {
            // SAFETY: an initialized block; a successful acquire is released at once.
            if !unsafe { Portable::cache_aware_acquire(block.get(), 1) } {
                break;
            }
            // SAFETY: the protection just acquired on this thread's processor.
            unsafe { Portable::cache_aware_release(block.get(), 1) };
            thread::yield_now();
        }
        for unit in 0..count {
            assert!(!returned.load(SeqCst), "cache-aware block: the wait returned with units outstanding");
            simulation::run_on_processor(Some(unit + 1));
            released.fetch_add(1, SeqCst);
            // SAFETY: one of the `count` protections acquired above, released once.
            unsafe { Portable::cache_aware_release(block.get(), 1) };
        }
        join(waiter);
    });
    simulation::run_on_processor(None);
    // SAFETY: from `cache_aware_allocate`; the wait returned and nothing uses the block again.
    unsafe { Portable::cache_aware_free(block.0) };
}

/// A5: "The amount by which to increment to the run-down instance count of the object."
///
/// A counted acquire of n adds n << 1 to a `RundownRef`'s word and gives a guard of count n on
/// both kinds. Underneath, the raw routines show the count really is n units: acquired with one
/// call of n, the wait needs n separate releases (on the word, and on a cache-aware block across
/// processors).
#[test]
fn count_is_the_amount_by_which_the_instance_count_is_incremented() {
    struct Case;
    impl Scenario for Case {
        fn run<P: Subject>(&self, storage: &mut P) {
            let irql = passive();
            let owner = storage.take_owner(&irql);
            let shared = owner.protection();
            let mut total = 0;
            let mut guards = Vec::new();
            for count in [1, 2, 5, 1000, u32::MAX] {
                let guard = shared.try_acquire_many(NonZeroU32::new(count).expect("not zero"), &irql).expect("active");
                assert_eq!(guard.count().get(), count, "{}: the guard holds the amount", P::KIND);
                total += count as usize;
                assert_eq!(shared.word().unwrap_or(active_word(total)), active_word(total), "incremented by {count}");
                guards.push(guard);
            }
            drop(guards);
            drop(owner);
        }
    }
    each_kind("count_is_the_amount_by_which_the_instance_count_is_incremented", &Case);
    watchdog::step("count_is_the_amount_by_which_the_instance_count_is_incremented on raw words");
    raw_split_release_on_word(4);
    raw_split_release_on_cache_aware_block(4);
}

for_each_kind! {
    /// A6: "The count is incremented only if the routine returns TRUE."
    ///
    /// During a wait on one protection, failed counted acquires leave the word as it was and add
    /// nothing to what the wait waits for: one release lets it return. On a `RundownRef` at the
    /// count limit, a refused acquire leaves the word unchanged too.
    fn the_count_is_incremented_only_if_acquire_returns_true<P>(owner) {
        let irql = passive();
        let shared = owner.protection();
        let released = AtomicUsize::new(0);
        let returned = AtomicBool::new(false);
        let guard = shared.try_acquire(&irql).expect("active");
        thread::scope(|scope| {
            let waiter = spawn_wait(scope, owner, &released, 1, &returned);
            until_the_wait_started(shared);
            let before = shared.word();
            for count in 1..=50 {
                assert!(shared.try_acquire_many(NonZeroU32::new(count).expect("not zero"), &irql).is_none());
            }
            assert_eq!(shared.word(), before, "{}: a FALSE acquire changed the word", P::KIND);
            released.fetch_add(1, SeqCst);
            drop(guard);
            // Had a failed acquire counted, this wait would never return.
            drop(join(waiter));
        });

        if shared.word().is_some() {
            let limit = rundown::provider::MAX_OUTSTANDING;
            let word = RundownWord::new(active_word(limit - 1));
            // SAFETY: an active, pointer-aligned word that outlives `near_limit` and is only used
            // through run-down routines and atomic loads meanwhile.
            let near_limit = unsafe { RundownRef::from_ptr(std::ptr::from_ref(&word).cast_mut().cast()) };
            assert!(near_limit.acquire_many(count!(2), &irql).is_none(), "past the limit");
            assert_eq!(word.load(SeqCst), active_word(limit - 1), "a refused acquire changed nothing");
        }
    }
}

for_each_kind! {
    /// A7: "ExAcquireRundownProtectionEx returns TRUE if the routine successfully acquires run-down
    /// protection for the caller."
    ///
    /// While active (fresh, and after a reinitialize, or for a cache-aware reference its
    /// equivalent [`reinitialize!`]) counted acquires return a guard for the caller, on this
    /// thread and on others, and the count shows the protection is held.
    fn acquire_ex_returns_true_if_it_acquires_protection<P>(&mut storage) {
        let irql = passive();
        let owner = storage.take_owner(&irql);
        let check = |shared: &P, irql: &PassiveLevel| {
            for count in 1..=4 {
                let guard = shared.try_acquire_many(NonZeroU32::new(count).expect("not zero"), irql).expect("TRUE while active");
                assert_eq!(guard.count().get(), count);
                assert_eq!(shared.word().unwrap_or(active_word(count as usize)), active_word(count as usize), "{}: acquired", P::KIND);
            }
            thread::scope(|scope| {
                for _ in 0..2 {
                    scope.spawn(|| {
                        let irql = passive();
                        let guard = shared.try_acquire_many(count!(3), &irql);
                        assert!(guard.is_some(), "{}: TRUE on another thread", P::KIND);
                    });
                }
            });
        };
        check(owner.protection(), &irql);
        let completed = owner.wait_for_release(&irql).completed(&irql);
        let owner = reinitialize!(storage, completed, &irql);
        check(owner.protection(), &irql);
        drop(owner);
    }
}

for_each_kind! {
    /// A8: "Otherwise, it returns FALSE."
    ///
    /// Whenever it cannot acquire (a wait in progress, the wait returned, the run down completed)
    /// it returns `None`, for every count, without panicking.
    fn otherwise_acquire_ex_returns_false<P>(owner) {
        let irql = passive();
        let shared = owner.protection();
        let none_for_every_count = |what: &str| {
            for count in [1, 2, 3, 100, u32::MAX] {
                assert!(
                    shared.try_acquire_many(NonZeroU32::new(count).expect("not zero"), &irql).is_none(),
                    "{}: FALSE {what} (count {count})",
                    P::KIND
                );
            }
            assert!(shared.try_acquire(&irql).is_none(), "{}: FALSE {what}", P::KIND);
        };
        let released = AtomicUsize::new(0);
        let returned = AtomicBool::new(false);
        let owner = thread::scope(|scope| {
            let holder = Holder::start(scope, shared, Hold::of(count!(1)), &released);
            let waiter = spawn_wait(scope, owner, &released, 1, &returned);
            until_the_wait_started(shared);
            none_for_every_count("during the wait");
            holder.finish();
            join(waiter)
        });
        none_for_every_count("after the wait");
        let owner = owner.completed(&irql);
        none_for_every_count("after completion");
        drop(owner);
    }
}

for_each_kind! {
    /// A9: "A return value of FALSE indicates that the run down of the object has started and
    /// that the object must be treated as invalid."
    ///
    /// Accessors acquire in a loop while the owner starts a run down. Whenever an accessor gets
    /// FALSE, the owner has already called the wait (a flag set right before the call), and the
    /// `RundownRef` word says run down; the accessor then treats the object as gone, and indeed
    /// it never gets protection again.
    fn false_indicates_that_the_run_down_has_started<P>(owner) {
        const ACCESSORS: usize = 3;
        let irql = passive();
        let shared = owner.protection();
        let wait_called = AtomicBool::new(false);
        let all_got_in = Barrier::new(ACCESSORS + 1);
        thread::scope(|scope| {
            for _ in 0..ACCESSORS {
                let (wait_called, all_got_in) = (&wait_called, &all_got_in);
                scope.spawn(move || {
                    let irql = passive();
                    let mut first = true;
                    while let Some(guard) = shared.try_acquire_many(count!(2), &irql) {
                        drop(guard);
                        if first {
                            first = false;
                            all_got_in.wait();
                        }
                    }
                    assert!(wait_called.load(SeqCst), "{}: FALSE before the run down started", P::KIND);
                    if let Some(word) = shared.word() {
                        assert_eq!(word & ACTIVE, ACTIVE, "the word says run down");
                    }
                    for _ in 0..100 {
                        assert!(shared.try_acquire(&irql).is_none(), "{}: invalid for good", P::KIND);
                    }
                });
            }
            all_got_in.wait();
            wait_called.store(true, SeqCst);
            drop(owner.wait_for_release(&irql));
        });
    }
}

for_each_kind! {
    /// A10: "To safely access a shared object, a driver calls ExAcquireRundownProtectionEx to
    /// acquire run-down protection on the object."
    ///
    /// As W6, with every access made under a counted acquire: the owner's delete never meets a
    /// reader.
    fn to_safely_access_a_shared_object_a_driver_acquires_protection<P>(owner) {
        let accesses = delete_while_accessed(owner, true);
        assert!(accesses >= 3, "{}: every accessor read the object", P::KIND);
    }
}

for_each_kind! {
    /// A12: "This status information includes a count of instances of run-down protection that
    /// are currently in effect on the object."
    ///
    /// The `RundownRef` word is the sum of the counts of the guards alive, including guards held
    /// on other threads. On every kind the wait counts protections in effect anywhere: holders on
    /// two different processors (two cache-aware slots) both keep it waiting.
    fn status_includes_the_count_of_protections_in_effect<P>(owner) {
        let irql = passive();
        let shared = owner.protection();
        let a = shared.try_acquire_many(count!(3), &irql).expect("active");
        let b = shared.try_acquire(&irql).expect("active");
        assert_eq!(shared.word().unwrap_or(active_word(4)), active_word(4));
        drop(a);
        assert_eq!(shared.word().unwrap_or(active_word(1)), active_word(1));
        drop(b);

        let released = AtomicUsize::new(0);
        let returned = AtomicBool::new(false);
        thread::scope(|scope| {
            let first = Holder::start(scope, shared, Hold::migrating(count!(2), 0, 0), &released);
            let second = Holder::start(scope, shared, Hold::migrating(count!(3), 1, 1), &released);
            assert_eq!(shared.word().unwrap_or(active_word(5)), active_word(5), "{}: both holders counted", P::KIND);
            let waiter = spawn_wait(scope, owner, &released, 5, &returned);
            until_the_wait_started(shared);
            first.finish();
            give_a_wrong_return_the_chance();
            assert!(!returned.load(SeqCst), "{}: the count on the other processor was not counted", P::KIND);
            second.finish();
            drop(join(waiter));
        });
    }
}

for_each_kind! {
    /// A13: "The ExAcquireRundownProtectionEx and ExReleaseRundownProtectionEx routines increment
    /// and decrement this count by arbitrary amounts."
    ///
    /// Counts from 1 to `u32::MAX` go up and come down in a different order, each by its own
    /// amount; at the end nothing is outstanding and a wait on this thread returns.
    fn acquire_ex_and_release_ex_change_the_count_by_arbitrary_amounts<P>(owner) {
        let irql = passive();
        let shared = owner.protection();
        let counts = [7, 1, 65_536, u32::MAX, 3, 1000, 2];
        let mut total = 0;
        let mut guards = Vec::new();
        for count in counts {
            guards.push(shared.try_acquire_many(NonZeroU32::new(count).expect("not zero"), &irql).expect("active"));
            total += count as usize;
            assert_eq!(shared.word().unwrap_or(active_word(total)), active_word(total), "{}: +{count}", P::KIND);
        }
        for index in [3, 0, 4, 1, 0, 1, 0] {
            let guard = guards.remove(index);
            total -= guard.count().get() as usize;
            drop(guard);
            assert_eq!(shared.word().unwrap_or(active_word(total)), active_word(total), "{}: decremented", P::KIND);
        }
        assert_eq!(total, 0);
        drop(owner.wait_for_release(&irql));
    }
}

for_each_kind! {
    /// A14: "Two related routines, ExAcquireRundownProtection and ExReleaseRundownProtection,
    /// increment and decrement this count by one."
    fn acquire_and_release_change_the_count_by_one<P>(owner) {
        let irql = passive();
        let shared = owner.protection();
        let mut guards = Vec::new();
        for held in 1..=10 {
            let guard = shared.try_acquire(&irql).expect("active");
            assert_eq!(guard.count(), NonZeroU32::MIN);
            guards.push(guard);
            assert_eq!(shared.word().unwrap_or(active_word(held)), active_word(held), "{}: +1", P::KIND);
        }
        for held in (0..10).rev() {
            drop(guards.pop());
            assert_eq!(shared.word().unwrap_or(active_word(held)), active_word(held), "{}: -1", P::KIND);
        }
        drop(owner.wait_for_release(&irql));
    }
}

for_each_kind! {
    /// A15: "As long as the run-down block itself is nonpaged, this function can be called at
    /// DISPATCH_LEVEL."
    ///
    /// Raised to `DISPATCH_LEVEL` (no lower token can be had meanwhile), counted and plain
    /// acquires succeed and release at that level; after a run down they fail there too. (The
    /// host models nonpaged pool with the global allocator; both cache-aware fixtures count as
    /// nonpaged.)
    fn acquire_ex_can_be_called_at_dispatch_level<P>(owner) {
        let mut irql = passive();
        let shared = owner.protection();
        {
            let dispatch = irql.raise::<Dispatch>();
            assert!(Irql::<Passive>::check().is_none());
            assert!(Irql::<Apc>::check().is_none());
            assert!(Irql::<Dispatch>::check().is_some());
            let many = shared.try_acquire_many(count!(4), &*dispatch).expect("at DISPATCH_LEVEL");
            let one = shared.try_acquire(&*dispatch).expect("at DISPATCH_LEVEL");
            assert_eq!(shared.word().unwrap_or(active_word(5)), active_word(5), "{}: counted at DISPATCH_LEVEL", P::KIND);
            drop(many);
            drop(one);
            assert_eq!(shared.word().unwrap_or(0), 0);
        }
        let owner = owner.wait_for_release(&irql);
        let dispatch = irql.raise::<Dispatch>();
        assert!(shared.try_acquire_many(count!(4), &*dispatch).is_none(), "{}: FALSE at DISPATCH_LEVEL too", P::KIND);
        drop(dispatch);
        drop(owner);
    }
}

for_each_kind! {
    /// A16: "IRQL <= DISPATCH_LEVEL (see Remarks)" (Requirements).
    ///
    /// Tokens for each level up to `DISPATCH_LEVEL` are accepted, and at each level a
    /// `DISPATCH_LEVEL` token can be checked out while lower ones cannot be at higher levels.
    fn acquire_ex_runs_at_irql_at_most_dispatch_level<P>(owner) {
        let mut irql = passive();
        let shared = owner.protection();
        assert!(Irql::<Dispatch>::check().is_some());
        assert!(shared.try_acquire_many(count!(2), &irql).is_some(), "{}: PASSIVE_LEVEL", P::KIND);
        let mut apc = irql.raise::<Apc>();
        assert!(Irql::<Passive>::check().is_none());
        assert!(Irql::<Dispatch>::check().is_some());
        assert!(shared.try_acquire_many(count!(2), &*apc).is_some(), "{}: APC_LEVEL", P::KIND);
        let dispatch = apc.raise::<Dispatch>();
        assert!(Irql::<Apc>::check().is_none());
        assert!(shared.try_acquire_many(count!(2), &*dispatch).is_some(), "{}: DISPATCH_LEVEL", P::KIND);
        let checked = Irql::<Dispatch>::check().expect("at DISPATCH_LEVEL");
        assert!(shared.try_acquire(&checked).is_some(), "{}: a checked DISPATCH_LEVEL token", P::KIND);
        drop(dispatch);
        drop(apc);
        assert!(Irql::<Passive>::check().is_some(), "lowered back to PASSIVE_LEVEL");
        drop(owner);
    }
}

// ---------------------------------------------------------------------------------------------
// ExRundownCompleted
// ---------------------------------------------------------------------------------------------

for_each_kind! {
    /// C1: "The ExRundownCompleted routine updates the run-down status of a shared object to
    /// indicate that the run down of the object has completed."
    ///
    /// After a wait that had to sleep, the `RundownRef` word still names the waiter's dead wait
    /// block; completed makes it exactly 1. On every kind the completed reference then refuses
    /// acquires and lets waits return at once.
    fn completed_updates_the_status_to_indicate_the_run_down_completed<P>(owner) {
        let irql = passive();
        let shared = owner.protection();
        let released = AtomicUsize::new(0);
        let returned = AtomicBool::new(false);
        let owner = thread::scope(|scope| {
            let holder = Holder::start(scope, shared, Hold::of(count!(1)), &released);
            let waiter = spawn_wait(scope, owner, &released, 1, &returned);
            until_the_wait_started(shared);
            holder.finish();
            join(waiter)
        });
        if let Some(word) = shared.word() {
            assert!(is_wait_block(word), "after a sleeping wait the word names its wait block: {word:#x}");
        }
        let owner = owner.completed(&irql);
        assert_eq!(shared.word().unwrap_or(ACTIVE), ACTIVE, "{}: completed", P::KIND);
        assert!(shared.try_acquire(&irql).is_none());
        owner.wait_for_release(&irql);
        drop(owner);
    }
}

for_each_kind! {
    /// C6: "After an ExRundownCompleted call, additional calls to ExWaitForRundownProtectionRelease
    /// to run down the associated object return immediately without waiting."
    ///
    /// Four threads share the completed owner and wait a hundred times each, with nothing to wake
    /// them; all return, and the word stays 1.
    fn after_completed_further_waits_return_immediately<P>(owner) {
        let irql = passive();
        let shared = owner.protection();
        let owner = owner.wait_for_release(&irql).completed(&irql);
        let waits = AtomicUsize::new(0);
        thread::scope(|scope| {
            for _ in 0..4 {
                let (owner, waits) = (&owner, &waits);
                scope.spawn(move || {
                    let irql = passive();
                    for _ in 0..100 {
                        owner.wait_for_release(&irql);
                        waits.fetch_add(1, SeqCst);
                    }
                });
            }
        });
        assert_eq!(waits.load(SeqCst), 400, "{}: every wait returned", P::KIND);
        assert_eq!(shared.word().unwrap_or(ACTIVE), ACTIVE);
        drop(owner);
    }
}

for_each_kind! {
    /// C7: "However, calls to ExAcquireRundownProtection to acquire run-down protection on the
    /// associated object fail (return FALSE)."
    fn after_completed_acquire_fails<P>(owner) {
        let irql = passive();
        let shared = owner.protection();
        let owner = owner.wait_for_release(&irql).completed(&irql);
        let granted = AtomicUsize::new(0);
        thread::scope(|scope| {
            for driver in 0..4_u32 {
                let granted = &granted;
                scope.spawn(move || {
                    let mut irql = passive();
                    simulation::run_on_processor(Some(driver));
                    for _ in 0..100 {
                        granted.fetch_add(usize::from(shared.try_acquire(&irql).is_some()), SeqCst);
                        granted.fetch_add(usize::from(shared.try_acquire_many(count!(3), &irql).is_some()), SeqCst);
                        let dispatch = irql.raise::<Dispatch>();
                        granted.fetch_add(usize::from(shared.try_acquire(&*dispatch).is_some()), SeqCst);
                    }
                });
            }
        });
        assert_eq!(granted.load(SeqCst), 0, "{}: an acquire succeeded after completion", P::KIND);
        assert_eq!(shared.word().unwrap_or(ACTIVE), ACTIVE);
        drop(owner);
    }
}

for_each_kind! {
    /// C8: "After an ExRundownCompleted call, the driver can call the
    /// ExReInitializeRundownProtection routine to associate the EX_RUNDOWN_REF structure with a
    /// new object and to initialize run-down protection on this object."
    ///
    /// Three objects in turn: each is read under protection, run down, completed and deleted;
    /// reinitialize leaves the word at 0 (initialized) and protection now guards the next object.
    /// Each reader releases on another processor than it acquired on, so on a cache-aware
    /// reference a slot left completed by the reinitialization would fail that release.
    ///
    /// `RundownRef` calls the real `reinitialize` on its completed owner. A cache-aware owner has
    /// none (ui test `cache_aware_reinitialize_while_shared`): the equivalent tested for it is
    /// [`reinitialize!`]'s, dropping the completed owner once the reader thread is done and taking
    /// a new one through `&mut`, which reinitializes every per-processor word.
    fn after_completed_reinitialize_associates_the_reference_with_a_new_object<P>(&mut storage) {
        let irql = passive();
        let object = SharedObject::new(0);
        let mut owner = storage.take_owner(&irql);
        for generation in 0..3 {
            let shared = owner.protection();
            thread::scope(|scope| {
                scope.spawn(|| {
                    let irql = passive();
                    let processor = u32::try_from(generation).expect("three generations");
                    simulation::run_on_processor(Some(processor));
                    let guard = shared.try_acquire(&irql).expect("active");
                    assert_eq!(object.read(&guard), generation, "{}: protection guards the current object", P::KIND);
                    simulation::run_on_processor(Some(processor + 1));
                    drop(guard);
                });
            });
            let completed = owner.wait_for_release(&irql).completed(&irql);
            object.delete();
            owner = reinitialize!(storage, completed, &irql);
            assert_eq!(owner.protection().word().unwrap_or(0), 0, "{}: initialized again", P::KIND);
            object.replace_deleted(generation + 1);
        }
        drop(owner);
    }
}

for_each_kind! {
    /// C9: "After the ExReInitializeRundownProtection call, drivers can call
    /// ExAcquireRundownProtection to acquire run-down protection on the new object."
    ///
    /// After reinitialize, other threads acquire again, and the new protection works in full: a
    /// second wait waits for those holders.
    ///
    /// `RundownRef` is reinitialized by its completed owner's `reinitialize`; for a cache-aware
    /// reference the equivalent tested is the new owner taken through `&mut` ([`reinitialize!`]),
    /// after which drivers acquire just the same.
    fn after_reinitialize_drivers_can_acquire_protection_on_the_new_object<P>(&mut storage) {
        let irql = passive();
        let owner = storage.take_owner(&irql);
        let completed = owner.wait_for_release(&irql).completed(&irql);
        assert!(completed.protection().try_acquire(&irql).is_none(), "{}: completed", P::KIND);
        let owner = reinitialize!(storage, completed, &irql);
        let shared = owner.protection();
        let released = AtomicUsize::new(0);
        let returned = AtomicBool::new(false);
        thread::scope(|scope| {
            let holders = [count!(1), count!(2)].map(|count| Holder::start(scope, shared, Hold::of(count), &released));
            assert_eq!(shared.word().unwrap_or(active_word(3)), active_word(3), "{}: acquired after reinitialize", P::KIND);
            let waiter = spawn_wait(scope, owner, &released, 3, &returned);
            until_the_wait_started(shared);
            give_a_wrong_return_the_chance();
            assert!(!returned.load(SeqCst));
            holders.into_iter().for_each(Holder::finish);
            drop(join(waiter));
        });
    }
}

for_each_kind! {
    /// C10: "On entry, the status information in the EX_RUNDOWN_REF structure must indicate that
    /// the object that was associated with this structure was run down." With C5 ("must be
    /// preceded by a call to the ExWaitForRundownProtectionRelease routine that runs down the
    /// object"), whose compile-time half is ui test `completed_without_wait`.
    ///
    /// `completed` exists only on the owner the wait returned, and there the status always says
    /// run down: bit 0 of the word is set (1 after a wait that found nothing, the dead wait
    /// block after one that slept) and acquires fail.
    fn on_entry_to_completed_the_status_indicates_the_object_was_run_down<P>(&mut storage) {
        let irql = passive();
        let owner = storage.take_owner(&irql);
        let shared = owner.protection();
        let run_down = owner.wait_for_release(&irql);
        assert_eq!(shared.word().unwrap_or(ACTIVE), ACTIVE);
        assert!(shared.try_acquire(&irql).is_none(), "{}: run down on entry", P::KIND);
        let owner = reinitialize!(storage, run_down.completed(&irql), &irql);
        let shared = owner.protection();

        let released = AtomicUsize::new(0);
        let returned = AtomicBool::new(false);
        let run_down = thread::scope(|scope| {
            let holder = Holder::start(scope, shared, Hold::of(count!(2)), &released);
            let waiter = spawn_wait(scope, owner, &released, 2, &returned);
            until_the_wait_started(shared);
            holder.finish();
            join(waiter)
        });
        if let Some(word) = shared.word() {
            assert_eq!(word & ACTIVE, ACTIVE, "run down on entry after a sleeping wait");
        }
        assert!(shared.try_acquire(&irql).is_none(), "{}: run down on entry", P::KIND);
        drop(run_down.completed(&irql));
    }
}

for_each_kind! {
    /// C11: "req.irql: <= APC_LEVEL".
    ///
    /// Completed (and the wait before it and the reinitialize after it, or for a cache-aware
    /// reference the new owner taken through `&mut` that reinitializes it) accept an `APC_LEVEL`
    /// token taken by raising, during which no `PASSIVE_LEVEL` token can be had.
    fn completed_runs_at_irql_at_most_apc_level<P>(&mut storage) {
        let mut irql = passive();
        let apc = irql.raise::<Apc>();
        assert!(Irql::<Passive>::check().is_none());
        let owner = storage.take_owner(&*apc);
        let shared = owner.protection();
        let owner = owner.wait_for_release(&*apc).completed(&*apc);
        assert_eq!(shared.word().unwrap_or(ACTIVE), ACTIVE, "{}: completed at APC_LEVEL", P::KIND);
        let owner = reinitialize!(storage, owner, &*apc);
        drop(apc);
        assert!(owner.protection().try_acquire(&irql).is_some());
        drop(owner);
    }
}
