//! The request handler: what every IOCTL does, checked in the ABI's order, without the kernel.

use core::num::NonZeroU32;

use rundown::RundownHolds;
use rundown::irql::{AtMost, Dispatch, Irql};
use rundown::sync::Ordering::{Acquire, Release, SeqCst};
use rundown::sync::{AtomicBool, AtomicU32, AtomicU64};
use rundown_abi::{
    AcquireRequest, DriverFlavour, GetInterfaceRequest, HoldsReply, Ioctl, NtStatus, ObjectState, PeerInterface,
    PeersReply, ProtectionKind, QueryReply, RUNDOWN_INTERFACE_GUID, RUNDOWN_INTERFACE_VERSION, ReadReply,
    ReleaseRequest, RundownInterface, StatsReply, VersionReply, WireError, WriteReply, WriteRequest, requests,
};

use crate::generation::Generation;
use crate::object::{ObjectProtection, SharedObject};
use crate::stats::{PoolUsage, Stats};
use crate::{CancellableRequest, HandleKey, HandleState, PendingRotation, Reply};

/// One device control request, as the dispatch routine found it in the IRP.
#[derive(Clone, Copy, Debug)]
pub struct Request<'b> {
    /// `IoControlCode`.
    pub code: u32,
    /// The input bytes (`SystemBuffer`, `InputBufferLength` long).
    pub input: &'b [u8],
    /// `OutputBufferLength`.
    pub output_len: usize,
    /// The request came from user mode (see [`KernelCallers`](crate::KernelCallers)).
    pub from_user_mode: bool,
}

/// What [`Service::dispatch`] did with a request.
#[expect(clippy::large_enum_variant, reason = "returned once per request, on the stack, as `Reply` is")]
#[derive(Debug)]
pub enum Dispatched<C: CancellableRequest> {
    /// Complete the request now with this answer.
    Complete(C, Result<Reply, NtStatus>),
    /// A ROTATE, pended and cancellable: the rotator, its cancellation, its handle's CLEANUP or
    /// the unload completes it, through [`PendingRotation`]. What [`CancellableRequest::arm`]
    /// gave (the driver's `STATUS_PENDING`).
    Pended(C::Pended),
}

/// The driver's shared object and everything requests do to it.
///
/// The object is a [`SharedObject`], a [`Generation`] behind its run-down protection: every
/// access holds run-down protection for its whole length, and the [`Rotator`](crate::Rotator),
/// which owns it, changes it only once its run-down wait returned. From [`begin_unload`](Self::begin_unload) on, every new ACQUIRE, READ, WRITE,
/// ROTATE and GET_INTERFACE is answered `STATUS_DELETE_PENDING`, while RELEASE and CLEANUP keep
/// working, so holders can let go and the unload's wait ends.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown_abi::{Ioctl, WriteRequest, requests};
/// use rundown_service::{Generation, PoolUsage, Reply, Request, Service};
///
/// let mut irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
/// let object = rundown_service::shared_object(&irql).expect("pool");
/// let service = Service::new(&object, || PoolUsage::default());
/// let handle = service.open_handle();
/// let write = WriteRequest::new(b"hello").unwrap();
/// let input = &write.to_bytes()[..write.wire_len()];
/// let request = Request { code: Ioctl::Write.code(), input, output_len: 8, from_user_mode: true };
/// let reply = service.control(&handle, &request, &mut irql).unwrap();
/// assert_eq!(reply.decode::<requests::Write>().unwrap().version, 1);
/// ```
pub struct Service<'r> {
    object: &'r SharedObject,
    /// The generation number, for QUERY while the object cannot be entered.
    generation: AtomicU64,
    state: AtomicU32,
    unloading: AtomicBool,
    pub(crate) stats: Stats,
    /// Object protection peer drivers hold through the interface's `acquire`.
    peer_holds: RundownHolds<'r, ObjectProtection>,
    pool_usage: fn() -> PoolUsage,
}

impl<'r> Service<'r> {
    /// What VERSION answers: this crate's contract, and the build's flavour and protection, from
    /// its features (`ntoskrnl`: NtosKrnl's routines, else the portable model, which the `wine`
    /// build and the host use; `cache-aware`: the cache-aware reference).
    ///
    /// ```
    /// use rundown_abi::{ABI_VERSION, DriverFlavour, ProtectionKind};
    /// use rundown_service::Service;
    /// assert_eq!(Service::VERSION.abi_version, ABI_VERSION);
    /// let portable = Service::VERSION.driver_flavour() == Some(DriverFlavour::Portable);
    /// assert_eq!(portable, !cfg!(feature = "ntoskrnl"));
    /// assert_eq!(Service::VERSION.protection_kind() == Some(ProtectionKind::CacheAware), cfg!(feature = "cache-aware"));
    /// ```
    pub const VERSION: VersionReply = VersionReply::new(
        if cfg!(feature = "ntoskrnl") { DriverFlavour::Ntoskrnl } else { DriverFlavour::Portable },
        if cfg!(feature = "cache-aware") { ProtectionKind::CacheAware } else { ProtectionKind::Plain },
    );

    /// The service of `object`, whose owner is still unclaimed (the [`Rotator`](crate::Rotator)
    /// claims it). `pool_usage` reports the allocator's figures for STATS.
    pub fn new(object: &'r SharedObject, pool_usage: fn() -> PoolUsage) -> Self {
        Self {
            object,
            generation: AtomicU64::new(1),
            state: AtomicU32::new(ObjectState::Active as u32),
            unloading: AtomicBool::new(false),
            stats: Stats::default(),
            peer_holds: RundownHolds::new(object.protection()),
            pool_usage,
        }
    }

    /// The state a new handle starts with (`IRP_MJ_CREATE`).
    #[must_use]
    pub fn open_handle(&self) -> HandleState<'_, 'r> {
        HandleState { service: self, holds: RundownHolds::new(self.object.protection()) }
    }

    /// Releases what the handle still holds, for good (`IRP_MJ_CLEANUP`), returning how many
    /// protections.
    #[must_use = "the count says how many protections the handle still held"]
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

    /// DriverUnload's first step: new ACQUIRE, READ, WRITE, ROTATE and GET_INTERFACE get
    /// `STATUS_DELETE_PENDING` from now on; RELEASE and CLEANUP keep working.
    pub fn begin_unload(&self) {
        self.unloading.store(true, SeqCst);
    }

    /// True once [`begin_unload`](Self::begin_unload) ran.
    #[must_use]
    pub fn unloading(&self) -> bool {
        self.unloading.load(SeqCst)
    }

    /// Handles one device control request on behalf of `handle`.
    ///
    /// Checks run in the ABI's order (code, input length, output length, fields, operation), and
    /// the first failure is the answer. Every request of [`Ioctl`] has its arm here (no wildcard:
    /// a request added to the table does not compile until it is served), which answers with
    /// [`Reply::of`] its request's reply. [`Reply::RotateQueued`] means the caller pends the
    /// request in [`PendingRotation`](crate::PendingRotation) for the rotator.
    ///
    /// # Errors
    /// The status the ABI's table gives for the first check that fails.
    pub fn control(
        &self,
        handle: &HandleState<'_, 'r>,
        request: &Request<'_>,
        irql: &mut Irql<impl AtMost<Dispatch>>,
    ) -> Result<Reply, NtStatus> {
        let ioctl = Ioctl::decode(request.code).map_err(rundown_abi::BadCode::status)?;
        if ioctl == Ioctl::GetInterface && request.from_user_mode {
            return Err(NtStatus::ACCESS_DENIED);
        }
        ioctl.check_input_len(request.input.len()).map_err(WireError::status)?;
        ioctl.check_output_len(request.output_len).map_err(WireError::status)?;
        let reply = match ioctl {
            Ioctl::Query => Ok(Reply::of::<requests::Query>(&self.query(handle, irql))),
            Ioctl::Acquire => {
                let count = nonzero(AcquireRequest::from_bytes(request.input).map_err(WireError::status)?.count)?;
                self.acquire(handle, count, irql).map(|holds| Reply::of::<requests::Acquire>(&holds))
            }
            Ioctl::Release => {
                let count = nonzero(ReleaseRequest::from_bytes(request.input).map_err(WireError::status)?.count)?;
                if !handle.release(count, irql) {
                    return Err(NtStatus::NOT_FOUND);
                }
                Ok(Reply::of::<requests::Release>(&HoldsReply { handle_holds: handle.held() }))
            }
            Ioctl::Read => {
                self.refuse_while_unloading()?;
                Ok(Reply::of::<requests::Read>(&Self::read_reply(&*self.enter_for(handle, irql)?)))
            }
            Ioctl::Write => {
                let write = WriteRequest::from_bytes(request.input).map_err(WireError::status)?;
                self.refuse_while_unloading()?;
                let object = self.enter_for(handle, irql)?;
                Ok(Reply::of::<requests::Write>(&WriteReply { version: object.payload().write(write.data(), irql) }))
            }
            Ioctl::Rotate => {
                if handle.held() > 0 {
                    return Err(NtStatus::INVALID_DEVICE_STATE);
                }
                self.refuse_while_unloading()?;
                Ok(Reply::RotateQueued)
            }
            Ioctl::Stats => Ok(Reply::of::<requests::Stats>(&self.stats())),
            Ioctl::Version => Ok(Reply::of::<requests::Version>(&Self::VERSION)),
            Ioctl::Peers => {
                let interface = if self.unloading() { PeerInterface::Withdrawn } else { PeerInterface::Offered };
                let holds = u32::try_from(self.peer_holds.held()).unwrap_or(u32::MAX);
                Ok(Reply::of::<requests::Peers>(&PeersReply { holds, interface: interface as u32 }))
            }
            Ioctl::GetInterface => {
                let wanted = GetInterfaceRequest::from_bytes(request.input).map_err(WireError::status)?;
                if wanted.guid != RUNDOWN_INTERFACE_GUID || wanted.version != RUNDOWN_INTERFACE_VERSION {
                    return Err(NtStatus::NOT_SUPPORTED);
                }
                if usize::from(wanted.size) < RundownInterface::SIZE {
                    return Err(NtStatus::INVALID_PARAMETER);
                }
                self.refuse_while_unloading()?;
                Ok(Reply::InterfaceRequested)
            }
        };
        debug_assert!(
            reply.as_ref().map_or(true, |reply| reply.ioctl() == ioctl),
            "{ioctl:?} answered another request's reply"
        );
        reply
    }

    /// [`control`](Self::control), then, for a ROTATE it accepted, pends `irp` in `pending` for
    /// the rotator: what a dispatch routine does with every device control request. A ROTATE
    /// whose handle's CLEANUP ran meanwhile is not pended: it gets `STATUS_FILE_CLOSED`.
    pub fn dispatch<C: CancellableRequest>(
        &self,
        handle: &HandleState<'_, 'r>,
        handle_key: HandleKey,
        request: &Request<'_>,
        irp: C,
        pending: &PendingRotation<C>,
        irql: &mut Irql<impl AtMost<Dispatch>>,
    ) -> Dispatched<C> {
        match self.control(handle, request, irql) {
            Ok(Reply::RotateQueued) => match pending.queue(irp, handle_key, || handle.holds.is_closed(), irql) {
                Ok(pended) => Dispatched::Pended(pended),
                Err((irp, status)) => Dispatched::Complete(irp, Err(status)),
            },
            answer => Dispatched::Complete(irp, answer),
        }
    }

    fn refuse_while_unloading(&self) -> Result<(), NtStatus> {
        if self.unloading() { Err(NtStatus::DELETE_PENDING) } else { Ok(()) }
    }

    /// A peer driver's `acquire`: protection on the object, kept until
    /// [`peer_release`](Self::peer_release); `None` while the object runs down or the driver
    /// unloads.
    ///
    /// The generation returned stays valid until the matching release: rotations wait for it.
    #[must_use = "None means nothing was acquired; Some must be released"]
    pub fn peer_acquire(&self, irql: &Irql<impl AtMost<Dispatch>>) -> Option<core::ptr::NonNull<Generation>> {
        let kept = if self.unloading() { None } else { self.object.keep_in(&self.peer_holds, irql) };
        match kept {
            Some(_) => self.acquired(1),
            None => self.stats.refused(),
        }
        kept
    }

    /// A peer driver's `release`; false, releasing nothing, if peers hold no protection.
    #[must_use = "false means nothing was released"]
    pub fn peer_release(&self, irql: &Irql<impl AtMost<Dispatch>>) -> bool {
        self.stats.releasing(1, || self.peer_holds.release(rundown::count!(1), irql))
    }

    fn query(&self, handle: &HandleState<'_, 'r>, irql: &Irql<impl AtMost<Dispatch>>) -> QueryReply {
        // Inside the object when it can be entered; from the mirrors while it runs down.
        let entered = self.enter(irql).map(|object| (object.number(), object.payload().read()));
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
        self.refuse_while_unloading()?;
        handle.acquire(count, irql)?;
        Ok(HoldsReply { handle_holds: handle.held() })
    }

    fn read_reply(object: &Generation) -> ReadReply {
        let snapshot = object.payload().read();
        ReadReply { generation: object.number(), version: snapshot.version, len: snapshot.len, payload: snapshot.bytes }
    }

    /// The object for `handle`: through one of the handle's own protections when it holds any
    /// (they stay valid while a rotation runs the object down and waits for them), else through
    /// a fresh acquisition, which a run-down refuses (counted in the statistics).
    fn enter_for<'a>(
        &'a self,
        handle: &'a HandleState<'_, 'r>,
        irql: &Irql<impl AtMost<Dispatch>>,
    ) -> Result<Entered<'a>, NtStatus> {
        if let Some(access) = self.object.lend(&handle.holds) {
            return Ok(Entered { access: Some(access), stats: &self.stats });
        }
        self.enter(irql).ok_or_else(|| {
            self.stats.refused();
            NtStatus::DELETE_PENDING
        })
    }

    /// The object under a fresh run-down protection, or `None` while it runs down.
    fn enter(&self, irql: &Irql<impl AtMost<Dispatch>>) -> Option<Entered<'_>> {
        let access = self.object.try_access(irql)?;
        self.acquired(1);
        Some(Entered { access: Some(access), stats: &self.stats })
    }

    /// Counts `count` granted protections, and checks that none was granted while the owner
    /// works on the object alone (the state is `Completed` only then).
    pub(crate) fn acquired(&self, count: u32) {
        self.stats.acquired(count);
        if self.state.load(Acquire) == ObjectState::Completed as u32 {
            self.stats.violated();
        }
    }

    pub(crate) fn object(&self) -> &'r SharedObject {
        self.object
    }

    pub(crate) fn set_state(&self, state: ObjectState) {
        self.state.store(state as u32, Release);
    }

    pub(crate) fn set_generation(&self, number: u64) {
        self.generation.store(number, Release);
    }
}

impl core::fmt::Debug for Service<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Service").field("generation", &self.generation()).finish_non_exhaustive()
    }
}

/// The object entered for one request, through a fresh protection or one lent out of the
/// handle's holds. When it ends, a protection that is really released (a fresh one; a lent one
/// whose handle was cleaned up meanwhile) is counted first, as every release is; a lent one that
/// goes back to its holds is still held.
struct Entered<'a> {
    /// `Some` until the drop.
    access: Option<rundown::Access<'a, Generation, ObjectProtection>>,
    stats: &'a Stats,
}

impl core::ops::Deref for Entered<'_> {
    type Target = Generation;

    fn deref(&self) -> &Generation {
        self.access.as_ref().expect("taken only by the drop")
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        if let Some(access) = self.access.take() {
            access.end(|| self.stats.released(1));
        }
    }
}

fn nonzero(count: u32) -> Result<NonZeroU32, NtStatus> {
    NonZeroU32::new(count).ok_or(WireError::ZeroCount.status())
}
