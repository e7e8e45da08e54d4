//! What the service's host tests share: a service to test, and a request that can be pended and
//! cancelled the way the I/O manager pends and cancels an IRP.
#![allow(dead_code, reason = "each test file uses part of it")]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::SeqCst};

use rundown::irql::PassiveLevel;
use rundown_abi::{Decode, Ioctl, IoctlRequest, NtStatus};
use rundown_service::{CancellableRequest, PendingRotation, PoolUsage, Reply, Rotator, Service};

/// A request's answer, read as request `R`'s reply: `send(..).reply::<requests::Query>()`.
pub trait Answer {
    /// The reply, if the request succeeded with `R`'s.
    fn reply<R: IoctlRequest<Set = Ioctl>>(&self) -> Option<R::Output>
    where
        R::Output: Decode;
}

impl Answer for Result<Reply, NtStatus> {
    fn reply<R: IoctlRequest<Set = Ioctl>>(&self) -> Option<R::Output>
    where
        R::Output: Decode,
    {
        self.as_ref().ok()?.decode::<R>()
    }
}

pub fn irql() -> PassiveLevel {
    PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL")
}

pub fn pool() -> PoolUsage {
    PoolUsage { bytes: 64, blocks: 1 }
}

/// Runs `test` with a fresh service and its rotator.
pub fn with_service(test: impl FnOnce(&Service<'_>, &mut Rotator<'_, '_>)) {
    let object = rundown_service::shared_object(&PassiveLevel::check().expect("PASSIVE_LEVEL")).expect("pool");
    let service = Service::new(&object, pool);
    let mut rotator = Rotator::new(&service).expect("the owner is unclaimed");
    test(&service, &mut rotator);
}

/// What the I/O manager knows of one IRP: its cancel routine (`IoSetCancelRoutine`), its
/// `Cancel` flag, whether it was pended, and how it was completed.
#[derive(Debug, Default)]
pub struct IrpState {
    cancel_routine: AtomicBool,
    cancel: AtomicBool,
    pended: AtomicBool,
    completions: AtomicU32,
    status: AtomicU32,
}

impl IrpState {
    pub fn completions(&self) -> u32 {
        self.completions.load(SeqCst)
    }

    pub fn status(&self) -> NtStatus {
        NtStatus::from_raw(self.status.load(SeqCst).cast_signed())
    }

    pub fn pended(&self) -> bool {
        self.pended.load(SeqCst)
    }
}

/// A request the service can pend: the test's stand-in for an IRP.
#[derive(Debug)]
pub struct TestIrp {
    pub state: Arc<IrpState>,
}

impl TestIrp {
    pub fn new() -> (Self, Arc<IrpState>) {
        let state = Arc::new(IrpState::default());
        (Self { state: Arc::clone(&state) }, state)
    }

    /// `IoCompleteRequest`: the cancel routine must be gone, and it happens once.
    pub fn complete(self, status: NtStatus) {
        assert!(!self.state.cancel_routine.load(SeqCst), "completed with its cancel routine still set");
        self.state.status.store(status.raw().cast_unsigned(), SeqCst);
        let before = self.state.completions.fetch_add(1, SeqCst);
        assert_eq!(before, 0, "an IRP completed twice");
    }
}

impl CancellableRequest for TestIrp {
    type Pended = ();

    fn arm(&mut self) -> Option<()> {
        self.state.cancel_routine.store(true, SeqCst);
        if self.state.cancel.load(SeqCst) && self.state.cancel_routine.swap(false, SeqCst) {
            return None;
        }
        self.state.pended.store(true, SeqCst);
        Some(())
    }

    fn disarm(&mut self) -> bool {
        self.state.cancel_routine.swap(false, SeqCst)
    }
}

/// `IoCancelIrp` on the IRP behind `state`: sets `Cancel`, takes the cancel routine, and if it
/// was set, runs it, which takes the IRP out of `pending` and completes it `STATUS_CANCELLED`.
/// Returns whether a cancel routine ran.
pub fn cancel_irp(state: &Arc<IrpState>, pending: &PendingRotation<TestIrp>) -> bool {
    state.cancel.store(true, SeqCst);
    if !state.cancel_routine.swap(false, SeqCst) {
        return false;
    }
    if let Some(irp) = pending.cancel(|irp| Arc::ptr_eq(&irp.state, state), &mut irql()) {
        irp.complete(NtStatus::CANCELLED);
    }
    true
}
