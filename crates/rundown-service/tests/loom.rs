//! Loom models of the request handler's races: every interleaving of two or three threads, up to
//! a preemption bound, under the C11 memory model loom simulates.
//!
//! Run with
//! `RUSTFLAGS="--cfg loom" cargo test -p rundown-service --release --test loom`; without
//! `--cfg loom` this file compiles to nothing. The exploration, its bounds and [`Reached`] are
//! those of the `rundown` crate's models (`crates/rundown/tests/common/loom_support.rs`): a pass
//! means the whole bounded space was explored, and every model also requires that the
//! interleavings it exists for were reached in some execution.
//!
//! Bounds, executions and times (release build): models 1 and 2 run at bound 20 and model 3 at
//! bound 10, where they stop growing (74 124, 20 338 and 216 executions, the same at bound 30 and
//! 50, or 20, respectively), so they are explored completely, in about 4 s, 1 s and 0.01 s.
//! Model 4 runs at bound 3: 257 758 executions in about 9 s (819 656 in about 30 s at bound 4,
//! 4 296 901 in about 200 s at bound 5).
//!
//! # Models
//!
//! 1. **CLEANUP against RELEASE then ACQUIRE on one handle**
//!    ([`cleanup_racing_release_and_acquire_on_one_handle_accounts_for_every_hold`]). A handle
//!    holds 2; one thread runs [`Service::cleanup`], another sends RELEASE 1 then ACQUIRE 1
//!    through [`Service::control`]. What CLEANUP took plus what RELEASE gave back is exactly the
//!    2 plus what ACQUIRE got; an ACQUIRE that did not get in before the close gets
//!    `STATUS_FILE_CLOSED`, including one that had already acquired on the run-down reference and
//!    must give it back. After both and CLOSE, STATS reports 0 holders and a rotation completes
//!    (its wait would never return, which loom reports as a deadlock, were a protection leaked)
//!    with no violation.
//!    [`cleanup_racing_a_read_on_a_lent_hold_counts_the_release`] is its twin with a READ that
//!    borrows the handle's only hold: the hold the CLEANUP cannot take is released, and counted,
//!    by the READ.
//! 2. **IoCancelIrp against the owner completing a pended ROTATE**
//!    ([`cancel_racing_the_owner_completes_a_pended_rotate_exactly_once`]). The ROTATE is pended
//!    through [`Service::dispatch`] in a [`PendingRotation`] of [`LoomIrp`], a stand-in whose
//!    cancel-routine slot, `Cancel` flag and completion count are loom atomics, used as
//!    `IoSetCancelRoutine` and `IoCancelIrp` use them. The owner thread runs `begin`, the
//!    rotation and `finish`; the other thread is `IoCancelIrp` and its cancel routine. The IRP is
//!    completed exactly once, never with its cancel routine set, by either side.
//! 3. **The unload against the last peer's `InterfaceDereference`**
//!    ([`unload_waits_for_the_last_dereference_and_the_peers_file_object`]). A peer drops its last
//!    reference, returns through the owner's code (a read of a loom cell standing for the
//!    owner's state) and only then drops its referenced file object. The unload closes the
//!    references, runs them down, waits (as the I/O manager defers DriverUnload) until the last
//!    file object is gone, and frees the state (a write of the cell). Loom finds no data race;
//!    the model also shows that the run-down's wait alone may return before the peer is done,
//!    so without the file object the free would race the peer's return.
//! 4. **A payload reader against a writer stopped with the sequence odd**
//!    ([`payload_readers_see_whole_writes_in_order`]). One thread writes twice, the other reads
//!    twice: every snapshot is one of the values written, whole, and versions never go back,
//!    whichever point of the write the reader comes in at.
//!
//! # Model 4 runs the shipped payload, with 2 words instead of 32
//!
//! Under loom, [`rundown_service::Payload`] has 2 words (`src/payload.rs`, `WORDS`): a reader
//! whose first load of the sequence returns the value from before a write (allowed: it has not
//! synchronized with the writer yet) may then see each `Relaxed` word store or miss it,
//! independently, and loom explores each choice. Measured on the algorithm with N words (one
//! write, one read, bound 3, release build): 149, 390, 938, 2166, 10 890, 52 490 and 246 206
//! executions for N = 1, 2, 3, 4, 6, 8 and 10, about ×2.2 per word, so some 10^12–10^13 for 32.
//! Two words show every ordering the algorithm has; the code is the shipped code.
#![cfg(loom)]

use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize};
use loom::thread;

#[path = "../../rundown/tests/common/loom_support.rs"]
mod loom_support;
use loom_support::{Leaked, Reached, check, passive};

use rundown::provider::RundownWord;
use rundown::provider::portable::{ACTIVE, COUNT_SHIFT};
use rundown::{Rundown, RundownRef};
use rundown_abi::{AcquireRequest, Ioctl, NtStatus, ReleaseRequest, requests};
use rundown_service::{
    CancellableRequest, Dispatched, Generation, HandleState, Payload, PeerReferences, PendingRotation, PoolUsage,
    Reply, Request, Rotator, Service, Snapshot,
};

/// A fresh service over a fresh object, borrowed `'static` for one execution.
struct Fixture {
    object: Leaked<Rundown<Generation>>,
    service: Leaked<Service<'static>>,
}

impl Fixture {
    /// The fixture, the object's run-down reference and the service.
    fn new() -> (Self, &'static RundownRef, &'static Service<'static>) {
        let (object, shared) = Leaked::new(Rundown::new(Generation::new(1)));
        let shared: &'static Rundown<Generation> = shared;
        let (service, handler) = Leaked::new(Service::new(shared, PoolUsage::default));
        (Self { object, service }, shared.protection(), handler)
    }

    /// # Safety
    /// Every thread that used the service was joined, and everything borrowing it (handles, the
    /// rotator, references) was dropped.
    unsafe fn free(self) {
        // SAFETY: nothing uses the service any more (caller); then nothing borrows the object.
        unsafe { self.service.free() };
        // SAFETY: as above: the service, its only borrower, was freed.
        unsafe { self.object.free() };
    }
}

/// Protections outstanding on `run_ref` (no run-down started: the active bit is clear).
fn outstanding(run_ref: &RundownRef) -> usize {
    // SAFETY: `RundownRef` is NT's `EX_RUNDOWN_REF` bit for bit, one `RundownWord`, which `as_ptr`
    // points to; the borrow keeps it alive.
    let word = unsafe { &*run_ref.as_ptr().cast::<RundownWord>() }.load(Relaxed);
    assert_eq!(word & ACTIVE, 0, "no run-down runs in this model");
    word >> COUNT_SHIFT
}

/// A request as the dispatch routine builds it, with the output length the contract names.
fn request(ioctl: Ioctl, input: &[u8]) -> Request<'_> {
    Request { code: ioctl.code(), input, output_len: ioctl.output_size(), from_user_mode: true }
}

fn send(service: &Service<'_>, handle: &HandleState<'_, '_>, ioctl: Ioctl, input: &[u8]) -> Result<Reply, NtStatus> {
    service.control(handle, &request(ioctl, input), &mut passive())
}

/// Model 1: see the module's documentation.
#[test]
fn cleanup_racing_release_and_acquire_on_one_handle_accounts_for_every_hold() {
    static CLEANUP_FIRST: Reached = Reached::new("a CLEANUP that took both holds before the RELEASE (NOT_FOUND)");
    static RELEASE_BETWEEN: Reached =
        Reached::new("a RELEASE before the CLEANUP, which took the other hold, and an ACQUIRE after it (FILE_CLOSED)");
    static ACQUIRE_BEFORE: Reached = Reached::new("an ACQUIRE before the CLEANUP, which took what it got");
    static ACQUIRE_GAVE_BACK: Reached = Reached::new(
        "an ACQUIRE that had acquired on the reference when the CLEANUP closed the holds, and gave it back",
    );

    check(20, || {
        let irql = passive();
        let (fixture, protection, service) = Fixture::new();
        let (handle_storage, handle) = Leaked::new(service.open_handle());
        let handle: &'static HandleState<'static, 'static> = handle;
        let held = send(service, handle, Ioctl::Acquire, &AcquireRequest { count: 2 }.to_bytes());
        let holds = held.as_ref().ok().and_then(Reply::decode::<requests::Acquire>);
        assert_eq!(holds.map(|reply| reply.handle_holds), Some(2), "{held:?}");
        let release_returned = Arc::new(AtomicBool::new(false));

        let cleanup = {
            let release_returned = Arc::clone(&release_returned);
            thread::spawn(move || {
                let irql = passive();
                let taken = service.cleanup(handle, &irql);
                // Once the RELEASE returned, its protection is gone from the reference, and this
                // thread released what it took: a protection still outstanding can only be one
                // the ACQUIRE acquired but could not keep, as the holds are closed.
                let stray = release_returned.load(Acquire) && outstanding(protection) > 0;
                (taken, stray)
            })
        };
        let requests = thread::spawn(move || {
            let released = match send(service, handle, Ioctl::Release, &ReleaseRequest { count: 1 }.to_bytes()) {
                Ok(answer) => {
                    let reply = answer.decode::<requests::Release>().expect("RELEASE's reply");
                    assert!(reply.handle_holds <= 1, "a RELEASE of 1 left {reply:?}");
                    true
                }
                Err(status) if status == NtStatus::NOT_FOUND => false,
                other => panic!("RELEASE answered {other:?}"),
            };
            release_returned.store(true, Release);
            let acquired = match send(service, handle, Ioctl::Acquire, &AcquireRequest { count: 1 }.to_bytes()) {
                Ok(answer) => {
                    let reply = answer.decode::<requests::Acquire>().expect("ACQUIRE's reply");
                    assert!(reply.handle_holds <= 2, "an ACQUIRE of 1 reached {reply:?}");
                    true
                }
                Err(status) if status == NtStatus::FILE_CLOSED => false,
                other => panic!("ACQUIRE answered {other:?}"),
            };
            (released, acquired)
        });

        let (taken, stray) = cleanup.join().expect("the CLEANUP thread panicked");
        let (released, acquired) = requests.join().expect("the requests thread panicked");
        assert_eq!(
            taken + u32::from(released),
            2 + u32::from(acquired),
            "CLEANUP took {taken}, RELEASE released {released}, ACQUIRE acquired {acquired}"
        );
        match (released, acquired) {
            (false, false) => CLEANUP_FIRST.mark(),
            (true, false) => RELEASE_BETWEEN.mark(),
            (true, true) => ACQUIRE_BEFORE.mark(),
            (false, true) => panic!("an ACQUIRE after a CLEANUP that came before the RELEASE succeeded"),
        }
        if stray {
            assert!(!acquired, "an ACQUIRE kept a protection the CLEANUP did not take");
            ACQUIRE_GAVE_BACK.mark();
        }
        assert_eq!(handle.held(), 0, "a closed handle holds something");
        assert_eq!(outstanding(protection), 0, "a protection leaked");

        // SAFETY: both threads that borrowed the handle were joined; this drops it (CLOSE).
        unsafe { handle_storage.free() };
        assert_eq!(service.stats().holders, 0, "STATS counts holders after CLEANUP and CLOSE");
        let reply = Rotator::new(service).expect("the owner is unclaimed").rotate(&irql);
        assert_eq!((reply.new_generation, reply.waited_for_holders), (2, 0));
        assert_eq!(service.violations(), 0, "an acquisition during the run-down, or holders at its completion");
        // SAFETY: every thread was joined; the handle and the rotator are gone.
        unsafe { fixture.free() };
    });

    CLEANUP_FIRST.assert_reached();
    RELEASE_BETWEEN.assert_reached();
    ACQUIRE_BEFORE.assert_reached();
    ACQUIRE_GAVE_BACK.assert_reached();
}

/// Model 1b (found by review): CLEANUP racing a READ that borrows the handle's only hold. If the
/// CLEANUP closes the holds while the hold is lent, the READ's loan cannot go back and releases
/// the protection itself; that release is counted, as every other, so STATS' holders return to
/// 0 and the next run-down records no violation.
#[test]
fn cleanup_racing_a_read_on_a_lent_hold_counts_the_release() {
    static LENT_ACROSS_CLEANUP: Reached =
        Reached::new("a READ whose lent hold the CLEANUP could not take, released by the READ");

    check(3, || {
        let irql = passive();
        let (fixture, protection, service) = Fixture::new();
        let (handle_storage, handle) = Leaked::new(service.open_handle());
        let handle: &'static HandleState<'static, 'static> = handle;
        let held = send(service, handle, Ioctl::Acquire, &AcquireRequest { count: 1 }.to_bytes());
        let holds = held.as_ref().ok().and_then(Reply::decode::<requests::Acquire>);
        assert_eq!(holds.map(|reply| reply.handle_holds), Some(1), "{held:?}");

        let cleanup = thread::spawn(move || service.cleanup(handle, &passive()));
        let read = thread::spawn(move || send(service, handle, Ioctl::Read, &[]));
        let taken = cleanup.join().expect("the CLEANUP thread panicked");
        let answer = read.join().expect("the READ thread panicked");
        assert!(
            answer.as_ref().is_ok_and(|reply| reply.decode::<requests::Read>().is_some())
                || answer == Err(NtStatus::DELETE_PENDING),
            "READ answered {answer:?}"
        );
        if taken == 0 {
            LENT_ACROSS_CLEANUP.mark();
        }
        assert_eq!(outstanding(protection), 0, "a protection leaked");
        // SAFETY: both threads that borrowed the handle were joined; this drops it (CLOSE).
        unsafe { handle_storage.free() };
        assert_eq!(service.stats().holders, 0, "a release uncounted, or counted twice");
        let reply = Rotator::new(service).expect("the owner is unclaimed").rotate(&irql);
        assert_eq!(reply.waited_for_holders, 0);
        assert_eq!(service.violations(), 0, "holders counted at a completion");
        // SAFETY: every thread was joined; the handle and the rotator are gone.
        unsafe { fixture.free() };
    });

    LENT_ACROSS_CLEANUP.assert_reached();
}

/// What the I/O manager knows of one IRP, in loom atomics: its cancel routine
/// (`IoSetCancelRoutine` exchanges it), its `Cancel` flag, whether it was marked pending, and its
/// completions.
struct IrpState {
    cancel_routine: AtomicBool,
    cancel: AtomicBool,
    pended: AtomicBool,
    completions: AtomicU32,
    status: AtomicU32,
}

/// The model's IRP, as `tests/common/mod.rs`'s `TestIrp` but over loom atomics.
struct LoomIrp {
    state: Arc<IrpState>,
}

impl LoomIrp {
    fn new() -> (Self, Arc<IrpState>) {
        let state = Arc::new(IrpState {
            cancel_routine: AtomicBool::new(false),
            cancel: AtomicBool::new(false),
            pended: AtomicBool::new(false),
            completions: AtomicU32::new(0),
            status: AtomicU32::new(0),
        });
        (Self { state: Arc::clone(&state) }, state)
    }

    /// `IoCompleteRequest`: the cancel routine must be gone, and it happens once.
    fn complete(self, status: NtStatus) {
        assert!(!self.state.cancel_routine.load(SeqCst), "completed with its cancel routine still set");
        self.state.status.store(status.raw().cast_unsigned(), SeqCst);
        let before = self.state.completions.fetch_add(1, SeqCst);
        assert_eq!(before, 0, "an IRP completed twice");
    }
}

impl CancellableRequest for LoomIrp {
    type Pended = ();

    /// `IoSetCancelRoutine(Irp, routine)`, then the `Irp->Cancel` check a dispatch routine makes.
    fn arm(&mut self) -> Option<()> {
        self.state.cancel_routine.store(true, SeqCst);
        if self.state.cancel.load(SeqCst) && self.state.cancel_routine.swap(false, SeqCst) {
            return None;
        }
        self.state.pended.store(true, SeqCst);
        Some(())
    }

    /// `IoSetCancelRoutine(Irp, NULL)`.
    fn disarm(&mut self) -> bool {
        self.state.cancel_routine.swap(false, SeqCst)
    }
}

/// `IoCancelIrp` on the IRP behind `state`: sets `Cancel`, takes the cancel routine, and if it
/// was set runs it: the routine takes the IRP out of `pending` and completes it
/// `STATUS_CANCELLED`. Returns whether the cancel routine completed it.
fn io_cancel_irp(state: &Arc<IrpState>, pending: &PendingRotation<LoomIrp>) -> bool {
    state.cancel.store(true, SeqCst);
    if !state.cancel_routine.swap(false, SeqCst) {
        return false;
    }
    match pending.cancel(|irp| Arc::ptr_eq(&irp.state, state), &mut passive()) {
        Some(irp) => {
            irp.complete(NtStatus::CANCELLED);
            true
        }
        None => panic!("the cancel routine ran, but the queue no longer had its IRP"),
    }
}

/// What the owner thread did with the pended ROTATE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OwnerSaw {
    /// `begin` found nothing to rotate for: the cancel routine had taken it.
    NothingToRotate,
    /// `finish` gave the request back and the owner completed it.
    Completed,
    /// `finish` found the cancel routine had taken the request out of the queue.
    TakenByCancelRoutine,
    /// `finish` could not take the cancel routine back and left the request, marked, to it.
    LeftToCancelRoutine,
}

/// Model 2: see the module's documentation.
#[test]
fn cancel_racing_the_owner_completes_a_pended_rotate_exactly_once() {
    static BY_OWNER: Reached = Reached::new("the owner completed the ROTATE with its reply");
    static BY_CANCEL: Reached = Reached::new("the cancel routine completed the ROTATE");
    static BEFORE_BEGIN: Reached = Reached::new("a cancel before `begin`: nothing to rotate for");
    static DURING_ROTATION: Reached =
        Reached::new("a cancel routine that took the ROTATE while the owner rotated for it");
    static LEFT_TO_ROUTINE: Reached =
        Reached::new("a `finish` that found the cancel routine taken but not yet run, and left the IRP to it");
    const KEY: usize = 1;

    check(20, || {
        let mut irql = passive();
        let (fixture, _, service) = Fixture::new();
        let mut rotator = Rotator::new(service).expect("the owner is unclaimed");
        let (pending_storage, pending) = Leaked::new(PendingRotation::<LoomIrp>::new());
        let pending: &'static PendingRotation<LoomIrp> = pending;
        let handle = service.open_handle();
        let (irp, state) = LoomIrp::new();
        match service.dispatch(&handle, KEY, &request(Ioctl::Rotate, &[]), irp, pending, &mut irql) {
            Dispatched::Pended(()) => assert!(state.pended.load(SeqCst), "pended without IoMarkIrpPending"),
            Dispatched::Complete(_, answer) => panic!("ROTATE was not pended: {answer:?}"),
        }

        let owner = thread::spawn(move || {
            let mut irql = passive();
            let saw = if pending.begin(&mut irql) {
                rotator.rotate(&irql);
                if let Some(irp) = pending.finish(&mut irql) {
                    irp.complete(NtStatus::SUCCESS);
                    OwnerSaw::Completed
                } else if pending.is_pending(&mut irql) {
                    // `finish` returns nothing and leaves the IRP queued only when it finds the
                    // cancel routine taken: then that routine, which has not taken the IRP yet,
                    // must complete it.
                    OwnerSaw::LeftToCancelRoutine
                } else {
                    OwnerSaw::TakenByCancelRoutine
                }
            } else {
                OwnerSaw::NothingToRotate
            };
            (rotator, saw)
        });
        let canceller = {
            let state = Arc::clone(&state);
            thread::spawn(move || io_cancel_irp(&state, pending))
        };

        let (rotator, saw) = owner.join().expect("the owner panicked");
        let routine_completed = canceller.join().expect("IoCancelIrp panicked");
        assert_eq!(state.completions.load(SeqCst), 1, "the ROTATE was not completed exactly once");
        assert!(!state.cancel_routine.load(SeqCst), "the cancel routine is still set");
        let status = NtStatus::from_raw(state.status.load(SeqCst).cast_signed());
        assert_eq!(
            routine_completed,
            saw != OwnerSaw::Completed,
            "owner saw {saw:?}, the cancel routine completed: {routine_completed}"
        );
        assert_eq!(status, if routine_completed { NtStatus::CANCELLED } else { NtStatus::SUCCESS });
        match saw {
            OwnerSaw::Completed => BY_OWNER.mark(),
            OwnerSaw::NothingToRotate => BEFORE_BEGIN.mark(),
            OwnerSaw::TakenByCancelRoutine => DURING_ROTATION.mark(),
            OwnerSaw::LeftToCancelRoutine => LEFT_TO_ROUTINE.mark(),
        }
        if routine_completed {
            BY_CANCEL.mark();
        }
        let rotations = u64::from(saw != OwnerSaw::NothingToRotate);
        assert_eq!(service.stats().rotations, rotations);
        assert_eq!(service.violations(), 0);
        assert!(!pending.is_pending(&mut irql), "a completed ROTATE is still queued");
        assert!(!pending.begin(&mut irql), "nothing is left to rotate for");

        drop((handle, rotator));
        // SAFETY: both threads were joined, and the queue is empty.
        unsafe { pending_storage.free() };
        // SAFETY: every thread was joined; the handle and the rotator are gone.
        unsafe { fixture.free() };
    });

    BY_OWNER.assert_reached();
    BY_CANCEL.assert_reached();
    BEFORE_BEGIN.assert_reached();
    DURING_ROTATION.assert_reached();
    LEFT_TO_ROUTINE.assert_reached();
}

/// What the owner's state holds while the driver is loaded, and once the unload freed it.
const LOADED: u64 = 0x10AD;
const FREED: u64 = 0xDEAD;

/// Model 3: see the module's documentation.
#[test]
fn unload_waits_for_the_last_dereference_and_the_peers_file_object() {
    static WAIT_RETURNED_FIRST: Reached =
        Reached::new("the run-down's wait returned before the peer dropped its file object");
    static PEER_DONE_FIRST: Reached = Reached::new("the peer was done before the run-down's wait returned");

    check(10, || {
        let irql = passive();
        let (storage, run_ref) = Leaked::new(RundownRef::new());
        let owner = run_ref.owner(&irql);
        let (references_storage, peers) = Leaked::new(PeerReferences::new(owner.protection()));
        let peers: &'static PeerReferences<'static> = peers;
        // GET_INTERFACE, before the race: the peer holds one reference, and a referenced file
        // object of the device (ObReferenceObjectByHandle).
        peers.open(&irql).expect("not unloading yet");
        let owner_state = Arc::new(UnsafeCell::new(LOADED));
        let file_objects = Arc::new(AtomicUsize::new(1));

        let peer = {
            let (owner_state, file_objects) = (Arc::clone(&owner_state), Arc::clone(&file_objects));
            thread::spawn(move || {
                let irql = passive();
                assert!(peers.dereference(&irql)); // InterfaceDereference
                // SAFETY: a read, which loom reports if it races the unload's write.
                let seen = owner_state.with(|state| unsafe { *state });
                assert_eq!(seen, LOADED, "the peer returned through freed code");
                file_objects.fetch_sub(1, Release); // ObDereferenceObject
            })
        };

        // DriverUnload.
        peers.close();
        assert!(peers.open(&irql).is_err(), "GET_INTERFACE during the unload");
        let owner = owner.wait_for_release(&irql).completed(&irql);
        assert_eq!(peers.count(), 0, "the wait returned with a reference outstanding");
        if file_objects.load(Acquire) == 0 {
            PEER_DONE_FIRST.mark();
        } else {
            WAIT_RETURNED_FIRST.mark();
        }
        // The I/O manager calls DriverUnload only once the device's last file object is gone.
        while file_objects.load(Acquire) != 0 {
            thread::yield_now();
        }
        // SAFETY: a write, which loom reports if it races the peer's read.
        owner_state.with_mut(|state| unsafe { *state = FREED });

        peer.join().expect("the peer panicked");
        drop(owner);
        // SAFETY: the peer was joined, and the references are no longer used.
        unsafe { references_storage.free() };
        // SAFETY: the references, which borrowed it, and the owner are gone.
        unsafe { storage.free() };
    });

    WAIT_RETURNED_FIRST.assert_reached();
    PEER_DONE_FIRST.assert_reached();
}

/// The values model 4 writes, in order: the first changes one word and leaves the other zero,
/// the second changes both and the length, so a snapshot mixing them is caught.
const WRITES: [&[u8]; 2] = [b"first", b"second, longer!!"];

/// Model 4: see the module's documentation.
#[test]
fn payload_readers_see_whole_writes_in_order() {
    static SAW_OLD: Reached = Reached::new("a read that returned the value from before the writes");
    static SAW_NEW: Reached = Reached::new("a read that returned the last write");

    check(3, || {
        let payload = Arc::new(Payload::new());
        let writer = {
            let payload = Arc::clone(&payload);
            thread::spawn(move || {
                let mut irql = passive();
                for (number, data) in (1..).zip(WRITES) {
                    assert_eq!(payload.write(data, &mut irql), number, "versions count the writes");
                }
            })
        };
        let mut last = 0;
        for _ in 0..2 {
            let Snapshot { version, len, bytes } = payload.read();
            assert!(version >= last, "version {version} after {last}");
            last = version;
            let written: &[u8] = match version {
                0 => &[],
                1 | 2 => WRITES[usize::try_from(version - 1).expect("small")],
                _ => panic!("version {version} after {} writes", WRITES.len()),
            };
            assert_eq!(&bytes[..len as usize], written, "a torn snapshot at version {version}");
            assert!(bytes[len as usize..].iter().all(|&byte| byte == 0), "bytes past the length");
            match version {
                0 => SAW_OLD.mark(),
                2 => SAW_NEW.mark(),
                _ => {}
            }
        }
        writer.join().expect("the writer panicked");
        assert_eq!(payload.read().version, 2, "after the writer, the last write");
    });

    SAW_OLD.assert_reached();
    SAW_NEW.assert_reached();
}
