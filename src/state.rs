//! What DriverEntry builds and DriverUnload takes apart.

use alloc::boxed::Box;
use core::ptr::NonNull;
use core::sync::atomic::Ordering::SeqCst;
use core::sync::atomic::{AtomicBool, AtomicPtr};

use rundown::RundownRef;
use rundown::irql::{Dispatch, Irql, Passive, PassiveEntryPoint};
use rundown_abi::NtStatus;
use rundown_service::{PeerReferences, Rotator, Service, try_box};
use rundown_wdm::{Irp, SynchronizationEvent, SystemThread};
use wdk_sys::ntddk::PsGetCurrentProcessId;
use wdk_sys::{
    DO_DEVICE_INITIALIZING, DRIVER_OBJECT, IRP, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL,
    IRP_MJ_INTERNAL_DEVICE_CONTROL, PDEVICE_OBJECT,
};

use crate::handles::HandleTable;
use crate::{device, dispatch, owner_thread, pool};

/// The driver's state, from DriverEntry to DriverUnload.
///
/// # Invariants
/// - `STATE` points at it from the end of DriverEntry until DriverUnload's run-down is over; it lives in
///   pool, at a fixed address, and is freed only by DriverUnload, after the owner thread ended,
///   the device is deleted and the handle contexts are freed.
/// - `storage` is the run-down reference `service` guards the object with, and
///   `driver_storage` the one `peers` keep the driver loaded with; both are freed after them.
pub(crate) struct DriverState {
    pub(crate) service: Service<'static>,
    storage: NonNull<RundownRef>,
    /// Interface references of peer drivers, on the driver-level reference `driver_storage`.
    pub(crate) peers: PeerReferences<'static>,
    driver_storage: NonNull<RundownRef>,
    /// Rung for each queued ROTATE and for the stop.
    pub(crate) doorbell: SynchronizationEvent,
    pub(crate) stopping: AtomicBool,
    /// The pended ROTATE, at most one ([`Service::control`] answers `STATUS_DEVICE_BUSY` to a
    /// second).
    rotation: AtomicPtr<IRP>,
    pub(crate) handles: HandleTable,
    device: PDEVICE_OBJECT,
    /// The process DriverEntry ran in: System on Windows, winedevice.exe in Wine.
    home_process: usize,
    /// The owner thread's handle ([`SystemThread::into_raw`]).
    thread: AtomicPtr<core::ffi::c_void>,
}

// SAFETY: the raw pointers are a device object and a thread handle, usable from any thread, and
// the run-down storage, shared only through `&RundownRef` (which is Sync).
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
                wdk::println!("rundown: loaded: \\Device\\RundownShared, generation 1, {}", flavour());
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
        let (Some(storage), Some(driver_storage)) = (leak_rundown_ref(), leak_rundown_ref()) else {
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        };
        // SAFETY: just allocated and leaked: these are the only references, and they live until
        // DriverUnload (or the failure paths below) free them after everything that borrows them.
        let owner = unsafe { &mut *storage.as_ptr() }.owner(irql);
        // SAFETY: as above.
        let peer_owner = unsafe { &mut *driver_storage.as_ptr() }.owner(irql);
        let service = match Service::new(owner.protection(), pool::usage) {
            Ok(service) => service,
            Err(status) => {
                // SAFETY: nothing borrows the storage any more (the owners are dropped with it).
                unsafe { free_rundown_refs(storage, driver_storage) };
                return Err(status);
            }
        };
        let state = Self {
            service,
            storage,
            peers: PeerReferences::new(peer_owner.protection()),
            driver_storage,
            doorbell: SynchronizationEvent::new(),
            stopping: AtomicBool::new(false),
            rotation: AtomicPtr::new(core::ptr::null_mut()),
            handles: HandleTable::new(),
            device,
            thread: AtomicPtr::new(core::ptr::null_mut()),
            home_process: current_process(),
        };
        let Some(state) = try_box(state) else {
            // The service and the peers were dropped with `state`; nothing borrows the storage.
            // SAFETY: as above.
            unsafe { free_rundown_refs(storage, driver_storage) };
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        };
        let state: &'static Self = Box::leak(state);
        state.doorbell.initialize(irql);
        match owner_thread::start(state, Rotator::new(owner, &state.service), peer_owner) {
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

    /// Whether a request comes from kernel mode: `RequestorMode` says so on Windows. Wine marks
    /// every IRP `UserMode`, even one a driver sends on a kernel handle; there the request is
    /// recognized by its process, the driver host's own (a user-mode request is dispatched in its
    /// caller's process, on Windows as in Wine, so this never admits one).
    pub(crate) fn sent_from_kernel_mode(&self, irp: &Irp) -> bool {
        !irp.sent_from_user_mode() || current_process() == self.home_process
    }

    /// Hands a pended ROTATE to the owner thread.
    pub(crate) fn queue_rotation(&self, irp: Irp, irql: &Irql<impl rundown::irql::AtMost<Dispatch>>) {
        self.rotation.store(irp.into_raw(), SeqCst);
        self.doorbell.set(irql);
        // An unload that began meanwhile may have looked for a ROTATE already: take it back.
        if self.service.closing()
            && let Some(irp) = self.take_rotation()
        {
            let _ = irp.complete(NtStatus::DELETE_PENDING.raw(), 0);
        }
    }

    /// The pended ROTATE, if there is one.
    pub(crate) fn take_rotation(&self) -> Option<Irp> {
        let raw = self.rotation.swap(core::ptr::null_mut(), SeqCst);
        // SAFETY: a pended IRP, taken out of the slot by this swap only.
        (!raw.is_null()).then(|| unsafe { Irp::from_raw(raw) })
    }

    /// # Safety
    /// Nothing uses `state` afterwards: no owner thread, no dispatch routine, no open handle.
    unsafe fn free(state: &'static Self) {
        let (storage, driver_storage) = (state.storage, state.driver_storage);
        // SAFETY: allocated by `try_box` in `build` and unused from now on (caller).
        drop(unsafe { Box::from_raw(core::ptr::from_ref(state).cast_mut()) });
        // SAFETY: the service and the peers that borrowed them are gone.
        unsafe { free_rundown_refs(storage, driver_storage) };
    }
}

/// The current process's id (`PsGetCurrentProcessId`).
fn current_process() -> usize {
    // SAFETY: no arguments; callable at any IRQL <= DISPATCH_LEVEL.
    unsafe { PsGetCurrentProcessId() as usize }
}

/// A run-down reference in pool, leaked until [`free_rundown_refs`].
fn leak_rundown_ref() -> Option<NonNull<RundownRef>> {
    try_box(RundownRef::new()).map(|boxed| NonNull::from(Box::leak(boxed)))
}

/// # Safety
/// Both came from [`leak_rundown_ref`], and nothing borrows them any more.
unsafe fn free_rundown_refs(storage: NonNull<RundownRef>, driver_storage: NonNull<RundownRef>) {
    for reference in [storage, driver_storage] {
        // SAFETY: forwarded from the caller.
        drop(unsafe { Box::from_raw(reference.as_ptr()) });
    }
}

/// DriverUnload: refuse new protection, wait for every holder, free everything.
unsafe extern "C" fn driver_unload(_driver: *mut DRIVER_OBJECT) {
    // SAFETY: the I/O manager calls DriverUnload at PASSIVE_LEVEL.
    let irql = unsafe { Irql::entered_at(PassiveEntryPoint::DriverUnload) };
    let Some(state) = DriverState::get() else { return };
    wdk::println!("rundown: unloading: refusing new protection, waiting for holders");
    state.stopping.store(true, SeqCst);
    state.doorbell.set(&irql);
    // SAFETY: DriverEntry stored the owner thread's handle; it is joined once, here.
    unsafe { SystemThread::from_raw(state.thread.load(SeqCst)) }.join(&irql);
    // Until here, RELEASE and CLEANUP kept reaching the state, so holders could let go.
    STATE.store(core::ptr::null_mut(), SeqCst);
    let device = state.device;
    // SAFETY: created by DriverEntry; the dispatch routines find no state from now on.
    unsafe { device::delete(device) };
    // SAFETY: the device is gone, so no dispatch routine uses a handle's state any more.
    let unclosed = unsafe { state.handles.free_unclosed() };
    if unclosed > 0 {
        wdk::println!(
            "rundown: freed {unclosed} handle contexts whose CLOSE never came (Wine unloads with handles open)"
        );
    }
    let violations = state.service.violations();
    // SAFETY: the owner thread ended, `STATE` is cleared, the device and the handles are gone.
    unsafe { DriverState::free(state) };
    let pool = pool::usage();
    wdk::println!("rundown: run-down invariant violations seen: {violations}");
    wdk::println!("rundown: unloaded: pool in use {} bytes in {} blocks", pool.bytes, pool.blocks);
}

const fn flavour() -> &'static str {
    if cfg!(feature = "ntoskrnl") { "NtosKrnl run-down routines" } else { "portable run-down model" }
}
