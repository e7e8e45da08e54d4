//! The driver's state ([`Owner`], its [`Driver`]): what DriverEntry builds, what each request does
//! with it, and what DriverUnload takes apart.

use alloc::boxed::Box;
use core::pin::Pin;
use core::sync::atomic::AtomicBool;
use core::sync::atomic::Ordering::SeqCst;

use rundown::Rundown;
use rundown::irql::{AtMost, Dispatch, Irql, Passive};
use rundown_abi::NtStatus;
use rundown_abi::names::{DOS_DEVICE_NAME_W, NT_DEVICE_NAME_W};
use rundown_service::HandleState;
use rundown_service::{KernelCallers, PeerReferences, PendingRotation, Rotator, Service, SharedObject, try_box};
use rundown_wdm::log::Level;
use rundown_wdm::{
    Cancel, Completion, Device, DeviceAccess, DeviceNames, Driver, DriverBox, DriverObject, Irp, IrpId, RegistryPath,
    SynchronizationEvent, ThreadSlot, sleep_us,
};

use crate::dispatch::{self, PendedIrp};
use crate::owner_thread;

/// A handle's state, kept in its file object's `FsContext` from CREATE to CLOSE.
pub(crate) type Handle = HandleState<'static, 'static>;

const NAMES: DeviceNames = DeviceNames { device: &NT_DEVICE_NAME_W, link: &DOS_DEVICE_NAME_W };

/// The run-down references [`Core`] borrows: the shared object's, and the driver-level one whose
/// protection peers' interface references hold.
struct Objects {
    object: SharedObject,
    attachment: Rundown<()>,
}

/// What the requests share with the owner thread, the ROTATE's cancel routine and the peers'
/// interface functions, which borrow it as `&'static` (a [`DriverBox`]).
pub(crate) struct Core {
    pub(crate) service: Service<'static>,
    /// Interface references of peer drivers, on `Objects::attachment`.
    pub(crate) peers: PeerReferences<'static>,
    /// The pended ROTATE, at most one.
    pub(crate) rotation: PendingRotation<PendedIrp>,
    /// Rung for each pended ROTATE and for the stop.
    pub(crate) doorbell: Pin<Box<SynchronizationEvent>>,
    pub(crate) stopping: AtomicBool,
}

/// The driver's state, from DriverEntry to DriverUnload.
///
/// # Invariants
/// - Fields drop in declaration order: the device first, then `core`, then the `objects` it
///   borrows.
/// - `thread` holds the owner thread from the end of [`init`](Driver::init) until
///   [`stop`](Driver::stop) joins it, so no thread borrows `core` or `objects` when they drop.
///   The peers' references and the handles' states, which borrow them too, are gone by then:
///   the owner thread waits for the first before it ends, and the unload frees the second before
///   the state.
pub(crate) struct Owner {
    #[expect(dead_code, reason = "owned to be deleted when the state drops")]
    device: Device,
    thread: ThreadSlot,
    core: DriverBox<Core>,
    #[expect(dead_code, reason = "owned to be freed when the state drops, after `core`")]
    objects: DriverBox<Objects>,
    /// The process DriverEntry ran in: System on Windows, winedevice.exe in Wine.
    home_process: usize,
}

impl Owner {
    pub(crate) fn core(&self) -> &'static Core {
        self.core.get()
    }

    /// Whether a request comes from kernel mode (the rule is [`KernelCallers::FLAVOUR`]:
    /// `RequestorMode` on Windows; in the portable flavour also the driver host's own process).
    pub(crate) fn sent_from_kernel_mode(&self, irp: &Irp) -> bool {
        let in_driver_process = rundown_wdm::current_process_id() == self.home_process;
        KernelCallers::FLAVOUR.sent_from_kernel_mode(irp.sent_from_user_mode(), in_driver_process)
    }

    /// CLEANUP (and Wine's CLOSE without one): the ROTATE this handle pended, if any, completes
    /// `STATUS_CANCELLED`.
    fn cancel_rotate_of(&self, irp: &Irp, irql: &mut Irql<impl AtMost<Dispatch>>) {
        if let Some(rotate) = self.core().rotation.cancel_for_handle(irp.file_key().as_usize(), irql) {
            rotate.complete(NtStatus::CANCELLED);
        }
    }
}

impl Core {
    /// The unload's first step: refuse new protection and complete a pended ROTATE. A cancel
    /// routine that took the ROTATE first completes it; the state must outlive that, so this
    /// waits until it did (on Windows a pended IRP keeps its file object, which defers the
    /// unload, so this never waits there).
    fn begin_unload(&self, irql: &mut Irql<Passive>) {
        self.service.begin_unload();
        self.peers.close();
        if let Some(rotate) = self.rotation.close(irql) {
            rotate.complete(NtStatus::DELETE_PENDING);
        }
        // The cancel routine may run at PASSIVE_LEVEL (CancelIoEx's caller's IRQL) and be
        // preempted: sleep between looks instead of spinning, so that it can finish.
        while self.rotation.is_pending(irql) {
            sleep_us(1_000, irql);
        }
    }
}

impl Driver for Owner {
    const NAME: &'static str = "rundown";
    type File = Box<Handle>;
    /// A kernel sender may call `IoCallDriver` at up to DISPATCH_LEVEL (a peer from a DPC or a
    /// completion routine): every request's path is DISPATCH-safe (spin locks and run-down
    /// acquires; nothing waits or allocates).
    type ControlLevel = Dispatch;
    const FREE_UNCLOSED_FILES: bool = cfg!(feature = "portable");

    /// The device, the shared object, the owner thread.
    fn init(
        driver: &mut DriverObject<'_>,
        _registry_path: RegistryPath<'_>,
        irql: &Irql<Passive>,
    ) -> Result<Self, NtStatus> {
        let device_type = u32::from(rundown_abi::FILE_DEVICE_RUNDOWN);
        let device = Device::create(driver, NAMES, device_type, DeviceAccess::SystemAndAdministrators, irql)?;
        let object = rundown_service::shared_object(irql).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        let objects = Objects { object, attachment: Rundown::new(()) };
        // SAFETY: borrowed by `core` and the owner thread, which are gone before it drops (the
        // `Owner` invariant; on the failure paths below nothing was started and `core` drops
        // first, being declared later).
        let objects = unsafe { DriverBox::new(objects) }.ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        let shared = objects.get();
        #[cfg(feature = "ntoskrnl")]
        crate::interop::acquire_through_wdk_sys(shared.attachment.protection())?;
        let doorbell = SynchronizationEvent::new(irql).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        let core = Core {
            service: Service::new(&shared.object, crate::pool_usage),
            peers: PeerReferences::new(shared.attachment.protection()),
            rotation: PendingRotation::new(),
            doorbell,
            stopping: AtomicBool::new(false),
        };
        // SAFETY: borrowed by the owner thread, the peers' interface and the handles' states,
        // which are gone before it drops (the `Owner` invariant).
        let core = unsafe { DriverBox::new(core) }.ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        let (rotator, attachment) =
            Rotator::new(&core.get().service).zip(shared.attachment.owner()).ok_or(NtStatus::INVALID_DEVICE_STATE)?;
        let thread = owner_thread::start(core.get(), rotator, attachment)?;
        // INVARIANT: the thread is kept until `stop` joins it.
        let owner =
            Self { device, thread: ThreadSlot::new(), core, objects, home_process: rundown_wdm::current_process_id() };
        let _none = owner.thread.put(thread);
        Ok(owner)
    }

    fn loaded(&self, _irql: &Irql<Passive>) {
        rundown_wdm::info!(
            "rundown: loaded: \\Device\\RundownShared, generation 1, {}, {} object",
            flavour(),
            rundown_service::OBJECT_PROTECTION
        );
    }

    /// Refuse new protection, then wait for every holder and every peer: the owner thread runs
    /// the object and the attachment down and ends.
    ///
    /// On Windows the I/O manager calls DriverUnload only once the last file object of the device
    /// is gone, so no handle is open and no peer that follows the interface's contract is
    /// attached. Wine calls it with handles open, so holders may still be let go by RELEASE and
    /// CLEANUP meanwhile, which reach the state until this returns.
    fn stop(&self, irql: &mut Irql<Passive>) {
        let core = self.core();
        core.begin_unload(irql);
        rundown_wdm::info!("rundown: unloading: refusing new protection, waiting for holders");
        core.stopping.store(true, SeqCst);
        core.doorbell.signal(irql);
        self.thread.join(irql);
    }

    fn unloaded(_irql: &Irql<Passive>) {
        let pool = crate::pool_usage();
        let leaked = if pool.bytes == 0 && pool.blocks == 0 { Level::Info } else { Level::Error };
        rundown_wdm::log!(leaked, "rundown: unloaded: pool in use {} bytes in {} blocks", pool.bytes, pool.blocks);
    }

    /// CREATE: a new handle with no holds.
    fn create(&self, _irp: &Irp, _irql: &mut Irql<Passive>) -> Result<Box<Handle>, NtStatus> {
        try_box(self.core().service.open_handle()).ok_or(NtStatus::INSUFFICIENT_RESOURCES)
    }

    /// CLEANUP: the handle's holds are let go, then its pended ROTATE is cancelled. Closing the
    /// handle first means a ROTATE of it that has not been pended yet is then refused
    /// (`PendingRotation::queue`), and one that has is cancelled here.
    fn cleanup(&self, irp: &Irp, handle: Option<&Handle>, irql: &mut Irql<Passive>) -> NtStatus {
        if let Some(handle) = handle {
            let _released = handle.cleanup(irql);
        }
        self.cancel_rotate_of(irp, irql);
        NtStatus::SUCCESS
    }

    /// CLOSE: the file object's last request; the handle's state is dropped.
    fn close(&self, irp: &Irp, handle: Option<Box<Handle>>, irql: &mut Irql<Passive>) -> NtStatus {
        // Wine sends a killed process's handles CLOSE without CLEANUP; on Windows a pended IRP
        // keeps its file object, so CLOSE never finds one.
        if cfg!(feature = "portable") {
            self.cancel_rotate_of(irp, irql);
        }
        drop(handle);
        NtStatus::SUCCESS
    }

    fn device_control(&self, irp: Irp, handle: Option<&Handle>, irql: &mut Irql<Dispatch>) -> Completion {
        dispatch::control(self, irp, handle, irql)
    }

    /// Kernel peers send the same requests as INTERNAL_DEVICE_CONTROL too.
    fn internal_device_control(&self, irp: Irp, handle: Option<&Handle>, irql: &mut Irql<Dispatch>) -> Completion {
        dispatch::control(self, irp, handle, irql)
    }
}

impl Cancel for Owner {
    /// The pended ROTATE's cancellation: it completes `STATUS_CANCELLED` at once. The rotation it
    /// asked for carries on (a run-down cannot be undone once its wait started).
    fn cancel(&self, irp: IrpId, irql: &mut Irql<Dispatch>) {
        if let Some(rotate) = self.core().rotation.cancel(|pended| pended.is(irp), irql) {
            rotate.complete(NtStatus::CANCELLED);
        }
    }
}

impl Drop for Owner {
    /// The unload's last report; the device, `core` and `objects` go next, in that order.
    fn drop(&mut self) {
        let violations = self.core().service.violations();
        let broken = if violations == 0 { Level::Info } else { Level::Error };
        rundown_wdm::log!(broken, "rundown: run-down invariant violations seen: {violations}");
    }
}

const fn flavour() -> &'static str {
    if cfg!(feature = "ntoskrnl") { "NtosKrnl run-down routines" } else { "portable run-down model" }
}
