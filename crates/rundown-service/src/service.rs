//! The request handler: what every IOCTL does, checked in the ABI's order, without the kernel.

use core::num::NonZeroU32;
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst};
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64};

use rundown::irql::{AtMost, Dispatch, Irql};
use rundown::{RundownHolds, RundownRef};
use rundown_abi::{
    AcquireRequest, GetInterfaceRequest, HoldsReply, Ioctl, NtStatus, ObjectState, QueryReply, RUNDOWN_INTERFACE_GUID,
    RUNDOWN_INTERFACE_VERSION, ReadReply, ReleaseRequest, RundownInterface, StatsReply, WireError, WriteReply,
    WriteRequest,
};

use crate::generation::{Generation, try_box};
use crate::stats::{PoolUsage, Stats};
use crate::{HandleState, Reply};

/// One device control request, as the dispatch routine found it in the IRP.
#[derive(Clone, Copy, Debug)]
pub struct Request<'b> {
    /// `IoControlCode`.
    pub code: u32,
    /// The input bytes (`SystemBuffer`, `InputBufferLength` long).
    pub input: &'b [u8],
    /// `OutputBufferLength`.
    pub output_len: usize,
    /// `Irp->RequestorMode == UserMode`.
    pub from_user_mode: bool,
}

/// The driver's shared object and everything requests do to it.
///
/// The object lives in nonpaged pool behind `current`, guarded by run-down protection on
/// `protection`. Every access holds protection for its whole length, so the
/// [`Rotator`](crate::Rotator), which frees an object only after its run-down wait returned,
/// never frees one in use.
///
/// # Invariants
/// - `current` is null or points at a live [`Generation`] allocated by [`try_box`]; only the
///   rotator changes it, and only between a completed run-down and the reinitialize.
/// - `generation` and `state` mirror `current` for QUERY while the object cannot be entered.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown::RundownRef;
/// use rundown_abi::{Ioctl, WriteRequest};
/// use rundown_service::{PoolUsage, Reply, Request, Service};
///
/// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
/// let mut storage = RundownRef::new();
/// let owner = storage.owner(&irql);
/// let service = Service::new(owner.protection(), || PoolUsage::default()).expect("pool");
/// let handle = service.open_handle();
/// let write = WriteRequest::new(b"hello").unwrap();
/// let input = &write.to_bytes()[..write.wire_len()];
/// let request = Request { code: Ioctl::Write.code(), input, output_len: 8, from_user_mode: true };
/// assert!(matches!(service.control(&handle, &request, &irql), Ok(Reply::Write(reply)) if reply.version == 1));
/// ```
pub struct Service<'r> {
    protection: &'r RundownRef,
    current: AtomicPtr<Generation>,
    generation: AtomicU64,
    state: AtomicU32,
    rotation_pending: AtomicBool,
    closing: AtomicBool,
    pub(crate) stats: Stats,
    /// Object protection peer drivers hold through the interface's `acquire`.
    peer_holds: RundownHolds<'r, RundownRef>,
    pool_usage: fn() -> PoolUsage,
}

impl<'r> Service<'r> {
    /// Allocates generation 1, guarded by `protection` (active, owned by the caller's
    /// [`RundownOwner`](rundown::RundownOwner)). `pool_usage` reports the allocator's figures for
    /// STATS.
    ///
    /// # Errors
    /// `STATUS_INSUFFICIENT_RESOURCES` when the pool refuses the object.
    pub fn new(protection: &'r RundownRef, pool_usage: fn() -> PoolUsage) -> Result<Self, NtStatus> {
        let first = try_box(Generation::new(1)).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        Ok(Self {
            protection,
            current: AtomicPtr::new(alloc::boxed::Box::into_raw(first)),
            generation: AtomicU64::new(1),
            state: AtomicU32::new(ObjectState::Active as u32),
            rotation_pending: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            stats: Stats::default(),
            peer_holds: RundownHolds::new(protection),
            pool_usage,
        })
    }

    /// The state a new handle starts with (`IRP_MJ_CREATE`).
    #[must_use]
    pub fn open_handle(&self) -> HandleState<'_, 'r> {
        HandleState { service: self, holds: RundownHolds::new(self.protection) }
    }

    /// Releases what the handle still holds (`IRP_MJ_CLEANUP`), returning how many protections.
    pub fn cleanup(&self, handle: &HandleState<'_, 'r>, irql: &Irql<impl AtMost<Dispatch>>) -> u32 {
        handle.cleanup(irql)
    }

    /// The current generation number.
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.generation.load(Acquire)
    }

    /// The counters, as STATS reports them.
    #[must_use]
    pub fn stats(&self) -> StatsReply {
        self.stats.snapshot((self.pool_usage)())
    }

    /// Run-down invariants seen broken (see [`Stats::violated`]): must stay 0. The driver logs it
    /// at unload; the tests and the stress run check it.
    #[must_use]
    pub fn violations(&self) -> u64 {
        self.stats.violations()
    }

    /// Handles one device control request on behalf of `handle`.
    ///
    /// Checks run in the ABI's order (code, input length, output length, fields, operation), and
    /// the first failure is the answer. [`Reply::RotateQueued`] means the caller must pend the
    /// request and have the [`Rotator`](crate::Rotator) finish it.
    ///
    /// # Errors
    /// The status the ABI's table gives for the first check that fails.
    pub fn control(
        &self,
        handle: &HandleState<'_, 'r>,
        request: &Request<'_>,
        irql: &Irql<impl AtMost<Dispatch>>,
    ) -> Result<Reply, NtStatus> {
        let ioctl = Ioctl::decode(request.code).map_err(rundown_abi::BadCode::status)?;
        if ioctl == Ioctl::GetInterface && request.from_user_mode {
            return Err(NtStatus::ACCESS_DENIED);
        }
        ioctl.check_input_len(request.input.len()).map_err(WireError::status)?;
        ioctl.check_output_len(request.output_len).map_err(WireError::status)?;
        match ioctl {
            Ioctl::Query => Ok(Reply::Query(self.query(handle, irql))),
            Ioctl::Acquire => {
                let count = nonzero(AcquireRequest::from_bytes(request.input).map_err(WireError::status)?.count)?;
                self.acquire(handle, count, irql).map(Reply::Holds)
            }
            Ioctl::Release => {
                let count = nonzero(ReleaseRequest::from_bytes(request.input).map_err(WireError::status)?.count)?;
                if !handle.release(count, irql) {
                    return Err(NtStatus::NOT_FOUND);
                }
                Ok(Reply::Holds(HoldsReply { handle_holds: handle.held() }))
            }
            Ioctl::Read => self.with_object_for(handle, irql, Self::read_reply).map(Reply::Read),
            Ioctl::Write => {
                let write = WriteRequest::from_bytes(request.input).map_err(WireError::status)?;
                let write = |object: &Generation| WriteReply { version: object.payload().write(write.data()) };
                self.with_object_for(handle, irql, write).map(Reply::Write)
            }
            Ioctl::Rotate => self.queue_rotation(handle).map(|()| Reply::RotateQueued),
            Ioctl::Stats => Ok(Reply::Stats(self.stats())),
            Ioctl::GetInterface => {
                let wanted = GetInterfaceRequest::from_bytes(request.input).map_err(WireError::status)?;
                if wanted.guid != RUNDOWN_INTERFACE_GUID || wanted.version != RUNDOWN_INTERFACE_VERSION {
                    return Err(NtStatus::NOT_SUPPORTED);
                }
                if usize::from(wanted.size) < RundownInterface::SIZE {
                    return Err(NtStatus::INVALID_PARAMETER);
                }
                if self.closing() {
                    return Err(NtStatus::DELETE_PENDING);
                }
                Ok(Reply::InterfaceRequested)
            }
        }
    }

    /// A peer driver's `acquire`: protection on the current generation, kept until
    /// [`peer_release`](Self::peer_release); `None` while the object runs down.
    ///
    /// The generation returned stays valid until the matching release: rotations wait for it.
    pub fn peer_acquire(&self, irql: &Irql<impl AtMost<Dispatch>>) -> Option<core::ptr::NonNull<Generation>> {
        if !self.peer_holds.acquire_many(rundown::count!(1), irql) {
            self.stats.refused();
            return None;
        }
        self.acquired(1);
        let current = core::ptr::NonNull::new(self.current.load(Acquire));
        if current.is_none() {
            // Retired for good (cannot happen while protection is granted); give it back.
            let _ = self.peer_release(irql);
        }
        current
    }

    /// A peer driver's `release`; false, releasing nothing, if peers hold no protection.
    pub fn peer_release(&self, irql: &Irql<impl AtMost<Dispatch>>) -> bool {
        if self.peer_holds.held() == 0 {
            return false;
        }
        self.stats.releasing(1, || self.peer_holds.release(rundown::count!(1), irql))
    }

    fn query(&self, handle: &HandleState<'_, 'r>, irql: &Irql<impl AtMost<Dispatch>>) -> QueryReply {
        // Inside the object when it can be entered; from the mirrors while it runs down.
        let entered = self.enter(irql, |object| (object.number(), object.payload().read()));
        let (generation, version, payload_len) = match entered {
            Some((number, snapshot)) => (number, snapshot.version, snapshot.len),
            None => (self.generation(), 0, 0),
        };
        QueryReply {
            generation,
            version,
            holders: crate::stats::saturate(self.stats.holders()),
            state: self.state.load(Acquire),
            payload_len,
            handle_holds: handle.held(),
        }
    }

    fn acquire(
        &self,
        handle: &HandleState<'_, 'r>,
        count: NonZeroU32,
        irql: &Irql<impl AtMost<Dispatch>>,
    ) -> Result<HoldsReply, NtStatus> {
        // What QUERY reports must fit its u32 fields: a handle's holds, and all handles' together.
        let all = self.stats.holders() + u64::from(count.get());
        if handle.held().checked_add(count.get()).is_none() || all > u64::from(u32::MAX) {
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        }
        if !handle.holds.acquire_many(count, irql) {
            self.stats.refused();
            return Err(NtStatus::DELETE_PENDING);
        }
        self.acquired(count.get());
        Ok(HoldsReply { handle_holds: handle.held() })
    }

    fn read_reply(object: &Generation) -> ReadReply {
        let snapshot = object.payload().read();
        ReadReply { generation: object.number(), version: snapshot.version, len: snapshot.len, payload: snapshot.bytes }
    }

    /// Runs `access` on the current object for `handle`: through one of the handle's own
    /// protections when it holds any (they stay valid while a rotation runs the object down and
    /// waits for them), else through a fresh acquisition.
    fn with_object_for<T>(
        &self,
        handle: &HandleState<'_, 'r>,
        irql: &Irql<impl AtMost<Dispatch>>,
        access: impl FnOnce(&Generation) -> T,
    ) -> Result<T, NtStatus> {
        let Some(loan) = handle.lend() else { return self.with_object(irql, access) };
        debug_assert!(core::ptr::eq(loan.protection(), self.protection));
        let current = self.current.load(Acquire);
        // SAFETY: the loan is a protection the handle holds on this service's reference, so the
        // rotator cannot free the current object until it is given back; null is checked.
        let result = unsafe { current.as_ref() }.map(access).ok_or(NtStatus::DELETE_PENDING);
        drop(loan);
        result
    }

    fn queue_rotation(&self, handle: &HandleState<'_, 'r>) -> Result<(), NtStatus> {
        if handle.held() > 0 {
            return Err(NtStatus::INVALID_DEVICE_STATE);
        }
        if self.closing() {
            return Err(NtStatus::DELETE_PENDING);
        }
        if self.rotation_pending.compare_exchange(false, true, AcqRel, Relaxed).is_err() {
            return Err(NtStatus::DEVICE_BUSY);
        }
        Ok(())
    }

    /// Runs `access` on the current object while holding run-down protection on it; a refusal
    /// counts in the statistics.
    fn with_object<T>(
        &self,
        irql: &Irql<impl AtMost<Dispatch>>,
        access: impl FnOnce(&Generation) -> T,
    ) -> Result<T, NtStatus> {
        self.enter(irql, access).ok_or_else(|| {
            self.stats.refused();
            NtStatus::DELETE_PENDING
        })
    }

    /// Runs `access` on the current object while holding run-down protection on it, or gives
    /// `None` while it runs down.
    fn enter<T>(&self, irql: &Irql<impl AtMost<Dispatch>>, access: impl FnOnce(&Generation) -> T) -> Option<T> {
        let guard = self.protection.acquire(irql)?;
        self.acquired(1);
        let current = self.current.load(Acquire);
        // SAFETY: protection is held (`guard`), and the rotator frees an object only after the
        // run-down wait returned, which waits for this guard; a null `current` is checked.
        let result = unsafe { current.as_ref() }.map(access);
        self.stats.released(1);
        drop(guard);
        result
    }

    /// Counts `count` granted protections, and checks that none was granted between a run-down
    /// wait's return and the reinitialize (the state is `Completed` only then).
    fn acquired(&self, count: u32) {
        self.stats.acquired(count);
        if self.state.load(Acquire) == ObjectState::Completed as u32 {
            self.stats.violated();
        }
    }

    /// True while an accepted ROTATE's rotation has not finished.
    #[must_use]
    pub fn rotation_pending(&self) -> bool {
        self.rotation_pending.load(Acquire)
    }

    pub(crate) fn protection(&self) -> &'r RundownRef {
        self.protection
    }

    pub(crate) fn set_state(&self, state: ObjectState) {
        self.state.store(state as u32, Release);
    }

    pub(crate) fn begin_closing(&self) {
        self.closing.store(true, SeqCst);
    }

    /// True once the rotator began the final run-down ([`Rotator::retire`](crate::Rotator::retire)).
    ///
    /// Sequentially consistent, so that a ROTATE queued while the unload begins is found by one
    /// side or the other.
    #[must_use]
    pub fn closing(&self) -> bool {
        self.closing.load(SeqCst)
    }

    pub(crate) fn rotation_done(&self) {
        self.rotation_pending.store(false, Release);
    }

    /// Swaps in `next`, returning the previous object.
    ///
    /// # Safety
    /// Only the rotator calls it, after the run-down completed and before it reinitializes.
    pub(crate) unsafe fn replace_current(&self, next: *mut Generation, number: u64) -> *mut Generation {
        self.generation.store(number, Release);
        self.current.swap(next, AcqRel)
    }

    /// The current object, for the rotator.
    pub(crate) fn current(&self) -> *mut Generation {
        self.current.load(Acquire)
    }
}

impl Drop for Service<'_> {
    fn drop(&mut self) {
        let current = *self.current.get_mut();
        if !current.is_null() {
            // SAFETY: the service is gone, so nothing holds protection on the object, which
            // `try_box` allocated.
            drop(unsafe { alloc::boxed::Box::from_raw(current) });
        }
    }
}

impl core::fmt::Debug for Service<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Service").field("generation", &self.generation()).finish_non_exhaustive()
    }
}

fn nonzero(count: u32) -> Result<NonZeroU32, NtStatus> {
    NonZeroU32::new(count).ok_or(WireError::ZeroCount.status())
}
