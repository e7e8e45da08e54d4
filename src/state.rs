//! What DriverEntry builds and DriverUnload takes apart.

use alloc::boxed::Box;
use core::ptr::NonNull;
use core::sync::atomic::Ordering::SeqCst;
use core::sync::atomic::{AtomicBool, AtomicPtr};

use rundown::Rundown;
use rundown::irql::{AtMost, Dispatch, Irql, Passive, PassiveEntryPoint};
use rundown_abi::NtStatus;
use rundown_service::{KernelCallers, PeerReferences, PendingRotation, Rotator, Service, SharedObject, try_box};
use rundown_wdm::log::Level;
use rundown_wdm::{Irp, SynchronizationEvent, SystemThread};
use wdk_sys::ntddk::PsGetCurrentProcessId;
use wdk_sys::{
    DO_DEVICE_INITIALIZING, DRIVER_OBJECT, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL,
    IRP_MJ_INTERNAL_DEVICE_CONTROL, PDEVICE_OBJECT,
};

use crate::dispatch::PendedIrp;
use crate::handles::OpenHandles;
use crate::{device, dispatch, owner_thread, pool};

/// The run-down references the driver's state borrows: the shared object's, and the
/// driver-level one whose protection peers' interface references hold.
struct Objects {
    object: SharedObject,
    attachment: Rundown<()>,
}

/// The driver's state, from DriverEntry to DriverUnload.
///
/// # Invariants
/// - `STATE` points at it from the end of DriverEntry until DriverUnload's run-down is over; it
///   lives in pool, at a fixed address, and is freed only by DriverUnload, after the owner thread
///   ended, the device is deleted and the handle states are freed.
/// - `objects` is the pool block `service` and `peers` borrow; it is freed after them.
pub(crate) struct DriverState {
    pub(crate) service: Service<'static>,
    /// Interface references of peer drivers, on `objects.attachment`.
    pub(crate) peers: PeerReferences<'static>,
    objects: NonNull<Objects>,
    /// The pended ROTATE, at most one.
    pub(crate) rotation: PendingRotation<PendedIrp>,
    /// Rung for each pended ROTATE and for the stop.
    pub(crate) doorbell: SynchronizationEvent,
    pub(crate) stopping: AtomicBool,
    pub(crate) handles: OpenHandles,
    device: PDEVICE_OBJECT,
    /// The process DriverEntry ran in: System on Windows, winedevice.exe in Wine.
    home_process: usize,
    /// The owner thread's handle ([`SystemThread::into_raw`]).
    thread: AtomicPtr<core::ffi::c_void>,
}

// SAFETY: the raw pointers are a device object and a thread handle, usable from any thread, and
// the run-down objects, shared only through `&Rundown` (which is Sync).
unsafe impl Sync for DriverState {}
// SAFETY: as above.
unsafe impl Send for DriverState {}

static STATE: AtomicPtr<DriverState> = AtomicPtr::new(core::ptr::null_mut());

impl DriverState {
    /// The state, while the driver is loaded.
    pub(crate) fn get() -> Option<&'static Self> {
        // SAFETY: non-null only while the state is alive (invariant).
        unsafe { STATE.load(SeqCst).as_ref() }
    }

    /// DriverEntry's work: device, shared object, owner thread, dispatch table.
    pub(crate) fn start(driver: &mut DRIVER_OBJECT, irql: &Irql<Passive>) -> Result<(), NtStatus> {
        let device = device::create(driver)?;
        match Self::build(device, irql) {
            Ok(state) => {
                STATE.store(core::ptr::from_ref(state).cast_mut(), SeqCst);
                for major in [IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE] {
                    driver.MajorFunction[major as usize] = Some(dispatch::create_cleanup_close);
                }
                driver.MajorFunction[IRP_MJ_DEVICE_CONTROL as usize] = Some(dispatch::device_control);
                driver.MajorFunction[IRP_MJ_INTERNAL_DEVICE_CONTROL as usize] = Some(dispatch::device_control);
                driver.DriverUnload = Some(driver_unload);
                // SAFETY: the device just created; clearing the flag lets opens through.
                unsafe { (*device).Flags &= !DO_DEVICE_INITIALIZING };
                rundown_wdm::info!("rundown: loaded: \\Device\\RundownShared, generation 1, {}", flavour());
                Ok(())
            }
            Err(status) => {
                // SAFETY: created above; no dispatch routine is installed yet.
                unsafe { device::delete(device) };
                Err(status)
            }
        }
    }

    fn build(device: PDEVICE_OBJECT, irql: &Irql<Passive>) -> Result<&'static Self, NtStatus> {
        let object = rundown_service::shared_object(irql).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        let objects = Objects { object, attachment: Rundown::new(()) };
        let objects = NonNull::from(Box::leak(try_box(objects).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?));
        // SAFETY: just leaked: it lives until DriverUnload (or the failure paths below) frees it
        // after everything that borrows it.
        let shared: &'static Objects = unsafe { objects.as_ref() };
        let state = Self {
            service: Service::new(&shared.object, pool::usage),
            peers: PeerReferences::new(shared.attachment.protection()),
            objects,
            rotation: PendingRotation::new(),
            doorbell: SynchronizationEvent::new(),
            stopping: AtomicBool::new(false),
            handles: OpenHandles::new(),
            device,
            home_process: current_process(),
            thread: AtomicPtr::new(core::ptr::null_mut()),
        };
        let Some(state) = try_box(state) else {
            // SAFETY: the service and peers that borrowed it were dropped with `state`.
            drop(unsafe { Box::from_raw(objects.as_ptr()) });
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        };
        let state: &'static Self = Box::leak(state);
        state.doorbell.initialize(irql);
        let owners = Rotator::new(&state.service).zip(shared.attachment.owner());
        let started = owners
            .ok_or(NtStatus::INVALID_DEVICE_STATE)
            .and_then(|(rotator, attachment)| owner_thread::start(state, rotator, attachment));
        match started {
            Ok(thread) => {
                state.thread.store(thread.into_raw(), SeqCst);
                Ok(state)
            }
            Err(status) => {
                // SAFETY: no thread started and `STATE` was not published: nothing else uses it.
                unsafe { Self::free(state) };
                Err(status)
            }
        }
    }

    /// Whether a request comes from kernel mode (the rule is [`KernelCallers::FLAVOUR`]:
    /// `RequestorMode` on Windows; in the portable flavour also the driver host's own process).
    pub(crate) fn sent_from_kernel_mode(&self, irp: &Irp) -> bool {
        KernelCallers::FLAVOUR.sent_from_kernel_mode(irp.sent_from_user_mode(), current_process() == self.home_process)
    }

    /// # Safety
    /// Nothing uses `state` afterwards: no owner thread, no dispatch routine, no open handle.
    unsafe fn free(state: &'static Self) {
        let objects = state.objects;
        // SAFETY: allocated by `try_box` in `build` and unused from now on (caller).
        drop(unsafe { Box::from_raw(core::ptr::from_ref(state).cast_mut()) });
        // SAFETY: the service and the peers that borrowed it are gone.
        drop(unsafe { Box::from_raw(objects.as_ptr()) });
    }

    /// The unload's first step: refuse new protection and complete a pended ROTATE. A cancel
    /// routine that took the ROTATE first completes it; the state must outlive that, so this
    /// waits until it did (on Windows a pended IRP keeps its file object, which defers the
    /// unload, so this never waits there).
    fn begin_unload(&self, irql: &mut Irql<impl AtMost<Dispatch>>) {
        self.service.begin_unload();
        self.peers.close();
        if let Some(rotate) = self.rotation.close(irql) {
            rotate.complete(NtStatus::DELETE_PENDING);
        }
        while self.rotation.is_pending(irql) {
            core::hint::spin_loop();
        }
    }
}

/// The current process's id (`PsGetCurrentProcessId`).
fn current_process() -> usize {
    // SAFETY: no arguments; callable at any IRQL <= DISPATCH_LEVEL.
    unsafe { PsGetCurrentProcessId() as usize }
}

/// DriverUnload: refuse new protection, wait for every holder and every peer, free everything.
///
/// On Windows the I/O manager calls it only once the last file object of the device is gone,
/// so no handle is open and no peer that follows the interface's contract is attached. Wine
/// calls it with handles open, so holders may still be let go by RELEASE and CLEANUP meanwhile.
unsafe extern "C" fn driver_unload(_driver: *mut DRIVER_OBJECT) {
    // SAFETY: the I/O manager calls DriverUnload at PASSIVE_LEVEL.
    let mut irql = unsafe { Irql::entered_at(PassiveEntryPoint::DriverUnload) };
    let Some(state) = DriverState::get() else { return };
    state.begin_unload(&mut irql);
    rundown_wdm::info!("rundown: unloading: refusing new protection, waiting for holders");
    state.stopping.store(true, SeqCst);
    state.doorbell.set(&irql);
    // SAFETY: DriverEntry stored the owner thread's handle; it is joined once, here.
    unsafe { SystemThread::from_raw(state.thread.load(SeqCst)) }.join(&irql);
    // Until here, RELEASE and CLEANUP kept reaching the state, so holders could let go.
    STATE.store(core::ptr::null_mut(), SeqCst);
    // SAFETY: created by DriverEntry; the dispatch routines find no state from now on.
    unsafe { device::delete(state.device) };
    // SAFETY: the device is gone, so no dispatch routine uses a handle's state any more.
    let unclosed = unsafe { state.handles.free_unclosed(&mut irql) };
    if unclosed > 0 {
        rundown_wdm::warn!(
            "rundown: freed {unclosed} handle contexts whose CLOSE never came (Wine unloads with handles open)"
        );
    }
    let violations = state.service.violations();
    // SAFETY: the owner thread ended, `STATE` is cleared, the device and the handles are gone.
    unsafe { DriverState::free(state) };
    let pool = pool::usage();
    let broken = if violations == 0 { Level::Info } else { Level::Error };
    rundown_wdm::log!(broken, "rundown: run-down invariant violations seen: {violations}");
    let leaked = if pool.bytes == 0 && pool.blocks == 0 { Level::Info } else { Level::Error };
    rundown_wdm::log!(leaked, "rundown: unloaded: pool in use {} bytes in {} blocks", pool.bytes, pool.blocks);
}

const fn flavour() -> &'static str {
    if cfg!(feature = "ntoskrnl") { "NtosKrnl run-down routines" } else { "portable run-down model" }
}
