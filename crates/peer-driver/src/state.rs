//! The peer's state ([`PeerState`], its [`Driver`]) from DriverEntry to DriverUnload, and its
//! `\Device\RundownPeer` IOCTLs.

use alloc::boxed::Box;
use core::pin::Pin;
use core::sync::atomic::AtomicU32;
use core::sync::atomic::Ordering::SeqCst;

use rundown::Rundown;
use rundown::irql::{Irql, Passive};
use rundown_abi::NtStatus;
use rundown_abi::peer::{PEER_DOS_DEVICE_NAME_W, PEER_NT_DEVICE_NAME_W, PeerIoctl, PeerStartRequest};
use rundown_wdm::log::Level;
use rundown_wdm::{
    Completion, Device, DeviceAccess, DeviceNames, Driver, DriverBox, DriverObject, Irp, RegistryPath,
    SynchronizationEvent, SystemThread, ThreadSlot, try_box,
};

use crate::worker::{Counts, Worker};

/// The peer's device names.
const NAMES: DeviceNames = DeviceNames { device: &PEER_NT_DEVICE_NAME_W, link: &PEER_DOS_DEVICE_NAME_W };

/// What the worker thread borrows: the run-down reference its iterations hold, and the counts.
pub(crate) struct Shared {
    /// Each iteration holds protection on it; DriverUnload runs it down, which refuses the next
    /// iteration and waits for the current one.
    pub(crate) work: Rundown<()>,
    pub(crate) counts: Counts,
    /// Signalled to end the worker's pauses early: PEER_STOP and the unload do not wait out a
    /// pause (up to [`PeerStartRequest::MAX_WAIT_US`]).
    pub(crate) wake: Pin<Box<SynchronizationEvent>>,
}

/// The peer's state.
///
/// # Invariants
/// `worker` holds the running worker thread, if any, until it is joined (by the next PEER_START
/// or by [`stop`](Driver::stop)), so no thread borrows `shared` when it drops. Fields drop in
/// declaration order: the device first.
pub(crate) struct PeerState {
    #[expect(dead_code, reason = "owned to be deleted when the state drops")]
    device: Device,
    worker: ThreadSlot,
    shared: DriverBox<Shared>,
    /// 1 while a PEER_START or PEER_STOP is being handled.
    busy: AtomicU32,
}

impl PeerState {
    fn counts(&self) -> &Counts {
        &self.shared.get().counts
    }

    fn start_worker(&self, settings: PeerStartRequest, irql: &Irql<Passive>) -> Result<(), NtStatus> {
        let shared = self.shared.get();
        if !settings.is_valid() {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        if shared.counts.running.load(SeqCst) {
            return Err(NtStatus::INVALID_DEVICE_STATE);
        }
        // The last loop has ended (it cleared `running` as its very last step): collect it.
        self.worker.join(irql);
        shared.counts.reset();
        shared.counts.stop.store(false, SeqCst);
        shared.counts.running.store(true, SeqCst);
        let worker = try_box(Worker { shared, settings }).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        match SystemThread::spawn(worker) {
            Ok(thread) => {
                // INVARIANT: kept until joined; the slot was emptied above.
                let _none = self.worker.put(thread);
                Ok(())
            }
            Err(status) => {
                shared.counts.running.store(false, SeqCst);
                Err(status)
            }
        }
    }

    /// Asks the loop to end, without waiting (in Wine a dispatch routine must not wait for a
    /// thread whose last steps may need the dispatch thread); false if none runs.
    fn stop_worker(&self, irql: &Irql<Passive>) -> bool {
        let counts = self.counts();
        if !counts.running.load(SeqCst) {
            return false;
        }
        counts.stop.store(true, SeqCst);
        // Cuts the worker's current pause short.
        self.shared.get().wake.signal(irql);
        true
    }
}

impl Driver for PeerState {
    const NAME: &'static str = "rundown-peer";
    type File = ();
    /// Only user mode sends the peer's requests, to this top-level driver: PASSIVE_LEVEL, where
    /// PEER_START can start a thread.
    type ControlLevel = Passive;

    /// The device; the owner's interface is the worker's to get.
    fn init(
        driver: &mut DriverObject<'_>,
        _registry_path: RegistryPath<'_>,
        irql: &Irql<Passive>,
    ) -> Result<Self, NtStatus> {
        let device_type = u32::from(rundown_abi::FILE_DEVICE_RUNDOWN);
        // Administrators and SYSTEM only, as the owner's device: PEER_START makes a kernel thread hold
        // the owner's protection, which delays the owner's rotations.
        let device = Device::create(driver, NAMES, device_type, DeviceAccess::SystemAndAdministrators, irql)?;
        let wake = SynchronizationEvent::new(irql).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        let shared = Shared { work: Rundown::new(()), counts: Counts::default(), wake };
        // SAFETY: borrowed only by the worker thread, which is joined before the state drops
        // (invariant).
        let shared = unsafe { DriverBox::new(shared) }.ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        Ok(Self { device, worker: ThreadSlot::new(), shared, busy: AtomicU32::new(0) })
    }

    fn loaded(&self, _irql: &Irql<Passive>) {
        rundown_wdm::info!("rundown-peer: loaded: \\Device\\RundownPeer ready");
    }

    /// Runs the work down (the loop ends and drops its interface reference) and joins the worker.
    fn stop(&self, irql: &mut Irql<Passive>) {
        self.stop_worker(irql);
        // No iteration starts any more, and the one running ends before the retire returns.
        if let Some(owner) = self.shared.get().work.owner() {
            let _unit = owner.retire(irql);
        }
        self.worker.join(irql);
        let totals = self.counts().snapshot();
        let inconsistent = if totals.inconsistencies == 0 { Level::Info } else { Level::Error };
        rundown_wdm::log!(
            inconsistent,
            "rundown-peer: unloading after {} operations, {} refused, {} inconsistencies",
            totals.operations,
            totals.refused,
            totals.inconsistencies
        );
    }

    /// CREATE, CLEANUP and CLOSE: nothing per handle.
    fn create(&self, _irp: &Irp, _irql: &mut Irql<Passive>) -> Result<(), NtStatus> {
        Ok(())
    }

    fn cleanup(&self, _irp: &Irp, _file: Option<&()>, _irql: &mut Irql<Passive>) -> NtStatus {
        NtStatus::SUCCESS
    }

    fn close(&self, _irp: &Irp, _file: Option<()>, _irql: &mut Irql<Passive>) -> NtStatus {
        NtStatus::SUCCESS
    }

    /// PEER_START, PEER_STOP and PEER_STATS.
    fn device_control(&self, mut irp: Irp, _file: Option<&()>, irql: &mut Irql<Passive>) -> Completion {
        let request = irp.io_control();
        let Ok(ioctl) = PeerIoctl::decode(request.code) else {
            return irp.complete(NtStatus::INVALID_DEVICE_REQUEST, 0);
        };
        if let Err(error) = ioctl.check_lengths(request.input_len, request.output_len) {
            return irp.complete(error.status(), 0);
        }
        if self.busy.swap(1, SeqCst) == 1 {
            return irp.complete(NtStatus::DEVICE_BUSY, 0);
        }
        let result = match ioctl {
            PeerIoctl::Start => irp
                .buffered_input::<{ PeerStartRequest::SIZE }>()
                .ok_or(NtStatus::INVALID_PARAMETER)
                .and_then(|input| PeerStartRequest::from_bytes(&input).map_err(rundown_abi::WireError::status))
                .and_then(|settings| self.start_worker(settings, irql))
                .map(|()| None),
            PeerIoctl::Stop if self.stop_worker(irql) => Ok(Some(self.counts().snapshot())),
            PeerIoctl::Stop => Err(NtStatus::INVALID_DEVICE_STATE),
            PeerIoctl::Stats => Ok(Some(self.counts().snapshot())),
        };
        self.busy.store(0, SeqCst);
        match result {
            Ok(None) => irp.complete(NtStatus::SUCCESS, 0),
            Ok(Some(counts)) => irp.complete_with_output(&counts.to_bytes()),
            Err(status) => irp.complete(status, 0),
        }
    }
}
