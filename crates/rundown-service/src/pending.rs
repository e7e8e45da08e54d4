//! The pended ROTATE: queued, rotated for, cancelled, or refused at unload, completed once.

use rundown::SpinLock;
use rundown::irql::{AtMost, Dispatch, Irql};
use rundown_abi::NtStatus;

/// A request the driver can pend and Windows can cancel: an IRP in the driver, a stand-in on the
/// host.
///
/// The queue calls these under its spin lock, so they run at `DISPATCH_LEVEL` and must not wait.
pub trait CancellableRequest: Send {
    /// What marking the request pending gives: in the driver, the `STATUS_PENDING` its dispatch
    /// routine returns, which only `IoMarkIrpPending`'s wrapper makes.
    type Pended: core::fmt::Debug;

    /// Sets the cancel routine and marks the request pending (`IoSetCancelRoutine`,
    /// `IoMarkIrpPending`); `None`, changing nothing, if it was cancelled already
    /// (`Irp->Cancel` set and the cancel routine taken back), so the caller completes it with
    /// `STATUS_CANCELLED` without ever pending it.
    fn arm(&mut self) -> Option<Self::Pended>;

    /// Takes the cancel routine back (`IoSetCancelRoutine(Irp, NULL)`): true if it was still
    /// set, so it will never run and the caller completes the request; false if Windows already
    /// took it to cancel the request, so the cancel routine completes it.
    fn disarm(&mut self) -> bool;
}

/// Which handle sent a request: CLEANUP cancels that handle's pended request.
pub type HandleKey = usize;

struct Waiting<C> {
    request: C,
    handle: HandleKey,
    /// The cancel routine owns it now (its disarm failed): only the cancel routine may take it.
    cancelling: bool,
}

struct Slot<C> {
    waiting: Option<Waiting<C>>,
    rotating: bool,
    closed: bool,
}

/// The at most one pended ROTATE and the rules for completing it exactly once.
///
/// Whoever takes a request out of the queue completes it, and only the queue hands it out:
/// - the owner thread, when its rotation ends ([`finish`](Self::finish)), with the reply;
/// - the cancel routine ([`cancel`](Self::cancel)), with `STATUS_CANCELLED`, at once, even while
///   the rotation still waits for holders (the run-down cannot be undone once its wait started:
///   it carries on, and the next generation is installed when the holders let go);
/// - CLEANUP of the handle that sent it ([`cancel_for_handle`](Self::cancel_for_handle)), with
///   `STATUS_CANCELLED`;
/// - the unload ([`close`](Self::close)), with `STATUS_DELETE_PENDING`, at once.
///
/// A request whose cancel routine Windows already took is left to that routine.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown_abi::NtStatus;
/// use rundown_service::{CancellableRequest, PendingRotation};
///
/// struct Request(&'static str);
/// impl CancellableRequest for Request {
///     type Pended = ();
///     fn arm(&mut self) -> Option<()> { Some(()) }
///     fn disarm(&mut self) -> bool { true }
/// }
///
/// let mut irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
/// let pending = PendingRotation::new();
/// assert!(pending.queue(Request("first"), 1, || false, &mut irql).is_ok());
/// let (second, status) = pending.queue(Request("second"), 2, || false, &mut irql).unwrap_err();
/// assert_eq!((second.0, status), ("second", NtStatus::DEVICE_BUSY));
/// assert!(pending.begin(&mut irql)); // the owner thread rotates for it
/// let done = pending.finish(&mut irql).expect("not cancelled");
/// assert_eq!(done.0, "first");
/// ```
pub struct PendingRotation<C> {
    slot: SpinLock<Slot<C>>,
}

impl<C: CancellableRequest> PendingRotation<C> {
    rundown::const_unless_loom! {
        /// No request pended, accepting.
        pub fn new() -> Self {
            Self { slot: SpinLock::new(Slot { waiting: None, rotating: false, closed: false }) }
        }
    }

    /// Pends `request` (ROTATE from `handle`), making it cancellable.
    ///
    /// `handle_cleaned_up` is asked under the queue's lock, which CLEANUP's
    /// [`cancel_for_handle`](Self::cancel_for_handle) also takes after closing the handle: so a
    /// ROTATE racing its handle's CLEANUP is either pended before it, and cancelled by it, or
    /// refused here.
    ///
    /// # Errors
    /// The request back with the status to complete it with: `STATUS_DELETE_PENDING` once the
    /// unload began, `STATUS_FILE_CLOSED` once its handle's CLEANUP ran, `STATUS_DEVICE_BUSY`
    /// while another ROTATE is pended or rotated for, `STATUS_CANCELLED` if it was cancelled
    /// before it could be pended. None of them was pended, so the dispatch routine completes it
    /// and returns the status.
    pub fn queue(
        &self,
        mut request: C,
        handle: HandleKey,
        handle_cleaned_up: impl FnOnce() -> bool,
        irql: &mut Irql<impl AtMost<Dispatch>>,
    ) -> Result<C::Pended, (C, NtStatus)> {
        let mut slot = self.slot.lock(irql);
        if handle_cleaned_up() {
            return Err((request, NtStatus::FILE_CLOSED));
        }
        if slot.closed {
            return Err((request, NtStatus::DELETE_PENDING));
        }
        if slot.waiting.is_some() || slot.rotating {
            return Err((request, NtStatus::DEVICE_BUSY));
        }
        let Some(pended) = request.arm() else {
            return Err((request, NtStatus::CANCELLED));
        };
        slot.waiting = Some(Waiting { request, handle, cancelling: false });
        Ok(pended)
    }

    /// The owner thread starts a rotation for the pended request, which stays cancellable; false
    /// if there is none (it was cancelled, or the unload took it).
    #[must_use = "false means there is nothing to rotate for"]
    pub fn begin(&self, irql: &mut Irql<impl AtMost<Dispatch>>) -> bool {
        let mut slot = self.slot.lock(irql);
        let ready = !slot.rotating && slot.waiting.as_ref().is_some_and(|waiting| !waiting.cancelling);
        slot.rotating |= ready;
        ready
    }

    /// The rotation ended: the request to complete with its result, unless it was cancelled
    /// meanwhile (then its canceller completed or completes it).
    #[must_use = "the request must be completed"]
    pub fn finish(&self, irql: &mut Irql<impl AtMost<Dispatch>>) -> Option<C> {
        let mut slot = self.slot.lock(irql);
        slot.rotating = false;
        take_unless_cancelling(&mut slot.waiting, |_| true)
    }

    /// The cancel routine: takes the pended request if `is_it` recognizes it, for completion
    /// with `STATUS_CANCELLED` (Windows already took its cancel routine).
    #[must_use = "the request must be completed"]
    pub fn cancel(&self, is_it: impl Fn(&C) -> bool, irql: &mut Irql<impl AtMost<Dispatch>>) -> Option<C> {
        let mut slot = self.slot.lock(irql);
        if slot.waiting.as_ref().is_some_and(|waiting| is_it(&waiting.request)) {
            return slot.waiting.take().map(|waiting| waiting.request);
        }
        None
    }

    /// CLEANUP of `handle`, after its holds were closed: its pended request, for completion with
    /// `STATUS_CANCELLED`, unless its cancel routine is already running (that completes it).
    #[must_use = "the request must be completed"]
    pub fn cancel_for_handle(&self, handle: HandleKey, irql: &mut Irql<impl AtMost<Dispatch>>) -> Option<C> {
        let mut slot = self.slot.lock(irql);
        take_unless_cancelling(&mut slot.waiting, |waiting| waiting.handle == handle)
    }

    /// The unload began: no request is pended from now on, and the pended one is returned for
    /// completion with `STATUS_DELETE_PENDING` (unless its cancel routine runs).
    #[must_use = "the request must be completed"]
    pub fn close(&self, irql: &mut Irql<impl AtMost<Dispatch>>) -> Option<C> {
        let mut slot = self.slot.lock(irql);
        slot.closed = true;
        take_unless_cancelling(&mut slot.waiting, |_| true)
    }

    /// Whether a ROTATE is pended now.
    #[must_use]
    pub fn is_pending(&self, irql: &mut Irql<impl AtMost<Dispatch>>) -> bool {
        self.slot.lock(irql).waiting.is_some()
    }
}

/// Takes the waiting request if `matches` and its cancel routine could be taken back; marks it
/// as the cancel routine's otherwise.
fn take_unless_cancelling<C: CancellableRequest>(
    waiting: &mut Option<Waiting<C>>,
    matches: impl Fn(&Waiting<C>) -> bool,
) -> Option<C> {
    let entry = waiting.as_mut().filter(|entry| !entry.cancelling && matches(entry))?;
    if entry.request.disarm() {
        return waiting.take().map(|entry| entry.request);
    }
    entry.cancelling = true;
    None
}

impl<C: CancellableRequest> Default for PendingRotation<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C> core::fmt::Debug for PendingRotation<C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PendingRotation").finish_non_exhaustive()
    }
}
