//! The peer's state from DriverEntry to DriverUnload, and its `\Device\RundownPeer` IOCTLs.

use alloc::boxed::Box;
use core::ptr::NonNull;
use core::sync::atomic::Ordering::SeqCst;
use core::sync::atomic::{AtomicPtr, AtomicU32};

use rundown::irql::{Irql, Passive, PassiveEntryPoint};
use rundown::{RundownOwner, RundownRef};
use rundown_abi::NtStatus;
use rundown_abi::peer::{PEER_DOS_DEVICE_NAME_W, PEER_NT_DEVICE_NAME_W, PeerIoctl, PeerStartRequest};
use rundown_wdm::log::Level;
use rundown_wdm::{DeviceNames, Irp, SystemThread, try_box};
use wdk_sys::{
    DO_DEVICE_INITIALIZING, DRIVER_OBJECT, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, IRP_MJ_DEVICE_CONTROL,
    NTSTATUS, PDEVICE_OBJECT, PIRP,
};

use crate::worker::{Counts, Worker};

/// The peer's state.
///
/// # Invariants
/// Lives in pool from DriverEntry to DriverUnload, at a fixed address; `STATE` points at it
/// meanwhile, and it is only shared (`&`), never borrowed mutably. The worker's iterations hold
/// protection on `work` (its own pool block); `work_owner` (also in pool) is the only owner of
/// that reference, taken once by DriverUnload, which runs it down, joins the worker, and frees
/// all three.
pub(crate) struct PeerState {
    work: &'static RundownRef,
    work_owner: AtomicPtr<RundownOwner<'static>>,
    counts: Counts,
    /// The running worker's handle ([`SystemThread::into_raw`]), or null.
    worker: AtomicPtr<core::ffi::c_void>,
    /// 1 while a PEER_START or PEER_STOP is being handled.
    busy: AtomicU32,
    device: PDEVICE_OBJECT,
}

// SAFETY: the device object and thread handle are usable from any thread; the rest is Sync.
unsafe impl Sync for PeerState {}
// SAFETY: as above.
unsafe impl Send for PeerState {}

/// The peer's device names.
const NAMES: DeviceNames = DeviceNames { device: &PEER_NT_DEVICE_NAME_W, link: &PEER_DOS_DEVICE_NAME_W };

static STATE: AtomicPtr<PeerState> = AtomicPtr::new(core::ptr::null_mut());

impl PeerState {
    fn get() -> Option<&'static Self> {
        // SAFETY: non-null only while the state is alive (invariant).
        unsafe { STATE.load(SeqCst).as_ref() }
    }

    /// DriverEntry: the device; the owner's interface is the worker's to get.
    pub(crate) fn start(driver: &mut DRIVER_OBJECT, irql: &Irql<Passive>) -> Result<(), NtStatus> {
        let storage = try_box(RundownRef::new()).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        let storage: &'static mut RundownRef = Box::leak(storage);
        let storage_ptr = core::ptr::from_mut(storage);
        let owner = storage.owner(irql);
        let work = owner.protection();
        let Some(owner) = try_box(owner) else {
            // SAFETY: leaked above; the owner that borrowed it is gone.
            drop(unsafe { Box::from_raw(storage_ptr) });
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        };
        let owner = Box::into_raw(owner);
        let device = match create_device(driver) {
            Ok(device) => device,
            Err(status) => {
                // SAFETY: both leaked above, nothing else refers to them.
                unsafe { free_work(owner, work) };
                return Err(status);
            }
        };
        let state = Self {
            work,
            work_owner: AtomicPtr::new(owner),
            counts: Counts::default(),
            worker: AtomicPtr::new(core::ptr::null_mut()),
            busy: AtomicU32::new(0),
            device,
        };
        let Some(state) = try_box(state) else {
            // SAFETY: created above; no dispatch routine is installed.
            unsafe { delete_device(device) };
            // SAFETY: both leaked above, nothing else refers to them.
            unsafe { free_work(owner, work) };
            return Err(NtStatus::INSUFFICIENT_RESOURCES);
        };
        STATE.store(Box::into_raw(state), SeqCst);
        for major in [IRP_MJ_CREATE, IRP_MJ_CLEANUP, IRP_MJ_CLOSE] {
            driver.MajorFunction[major as usize] = Some(create_cleanup_close);
        }
        driver.MajorFunction[IRP_MJ_DEVICE_CONTROL as usize] = Some(device_control);
        driver.DriverUnload = Some(driver_unload);
        // SAFETY: the device just created; clearing the flag lets opens through.
        unsafe { (*device).Flags &= !DO_DEVICE_INITIALIZING };
        rundown_wdm::info!("rundown-peer: loaded: \\Device\\RundownPeer ready");
        Ok(())
    }

    fn start_worker(&'static self, settings: PeerStartRequest, irql: &Irql<Passive>) -> Result<(), NtStatus> {
        if settings.mode.name().is_none() {
            return Err(NtStatus::INVALID_PARAMETER);
        }
        if self.counts.running.load(SeqCst) {
            return Err(NtStatus::INVALID_DEVICE_STATE);
        }
        // The last loop has ended (it cleared `running` as its very last step): collect it.
        self.join_worker(irql);
        self.counts.reset();
        self.counts.stop.store(false, SeqCst);
        self.counts.running.store(true, SeqCst);
        let worker = Worker { work: self.work, counts: &self.counts, settings };
        let worker = try_box(worker).ok_or(NtStatus::INSUFFICIENT_RESOURCES)?;
        match SystemThread::spawn(worker) {
            Ok(thread) => {
                self.worker.store(thread.into_raw(), SeqCst);
                Ok(())
            }
            Err(status) => {
                self.counts.running.store(false, SeqCst);
                Err(NtStatus::from_raw(status))
            }
        }
    }

    /// Asks the loop to end, without waiting (in Wine a dispatch routine must not wait for a
    /// thread whose last steps may need the dispatch thread); false if none runs.
    fn stop_worker(&self) -> bool {
        if !self.counts.running.load(SeqCst) {
            return false;
        }
        self.counts.stop.store(true, SeqCst);
        true
    }

    /// Waits for the worker thread, if one was started, to end.
    fn join_worker(&self, irql: &Irql<Passive>) {
        join(&self.worker, irql);
    }
}

/// Frees the work reference and its owner.
///
/// # Safety
/// Both were leaked by `PeerState::start`, and nothing refers to them any more.
unsafe fn free_work(owner: *mut RundownOwner<'static>, work: &'static RundownRef) {
    if !owner.is_null() {
        // SAFETY: forwarded from the caller.
        drop(unsafe { Box::from_raw(owner) });
    }
    // SAFETY: forwarded from the caller; the owner borrowing it is gone.
    drop(unsafe { Box::from_raw(core::ptr::from_ref(work).cast_mut()) });
}

/// Waits for the thread whose handle `slot` keeps, if any, to end.
fn join(slot: &AtomicPtr<core::ffi::c_void>, irql: &Irql<Passive>) {
    let thread = slot.swap(core::ptr::null_mut(), SeqCst);
    if !thread.is_null() {
        // SAFETY: a handle `start_worker` stored, taken out of the slot by this swap only.
        unsafe { SystemThread::from_raw(thread) }.join(irql);
    }
}

fn create_device(driver: &mut DRIVER_OBJECT) -> Result<PDEVICE_OBJECT, NtStatus> {
    rundown_wdm::create_device(driver, NAMES, u32::from(rundown_abi::FILE_DEVICE_RUNDOWN), |_| Ok(()))
        .map_err(NtStatus::from_raw)
}

/// # Safety
/// `device` came from [`create_device`], and no dispatch routine runs for it any more.
unsafe fn delete_device(device: PDEVICE_OBJECT) {
    // SAFETY: forwarded from the caller.
    unsafe { rundown_wdm::delete_device(device, NAMES) };
}

/// CREATE, CLEANUP and CLOSE: nothing per handle.
unsafe extern "C" fn create_cleanup_close(_device: PDEVICE_OBJECT, irp: PIRP) -> NTSTATUS {
    // SAFETY: the I/O manager's IRP, completed here.
    unsafe { Irp::from_raw(irp) }.complete(NtStatus::SUCCESS.raw(), 0)
}

/// PEER_START, PEER_STOP and PEER_STATS.
unsafe extern "C" fn device_control(_device: PDEVICE_OBJECT, irp: PIRP) -> NTSTATUS {
    // SAFETY: user-mode requests reach this top-level driver at PASSIVE_LEVEL.
    let irql = unsafe { Irql::entered_at(PassiveEntryPoint::TopLevelDeviceControl) };
    // SAFETY: the I/O manager's IRP, completed below.
    let irp = unsafe { Irp::from_raw(irp) };
    let Some(state) = PeerState::get() else { return irp.complete(NtStatus::DELETE_PENDING.raw(), 0) };
    let (code, input_len, output_len) = irp.device_io_control();
    let buffer = irp.system_buffer();
    let Some(ioctl) = PeerIoctl::decode(code) else {
        return irp.complete(NtStatus::INVALID_DEVICE_REQUEST.raw(), 0);
    };
    if let Err(error) = ioctl.check_lengths(input_len, output_len) {
        return irp.complete(error.status().raw(), 0);
    }
    if state.busy.swap(1, SeqCst) == 1 {
        return irp.complete(NtStatus::DEVICE_BUSY.raw(), 0);
    }
    let result = match ioctl {
        PeerIoctl::Start => {
            // SAFETY: METHOD_BUFFERED, `input_len` (checked: 12) bytes of input.
            let input = unsafe { core::slice::from_raw_parts(buffer, input_len) };
            PeerStartRequest::from_bytes(input)
                .map_err(rundown_abi::WireError::status)
                .and_then(|settings| state.start_worker(settings, &irql))
                .map(|()| None)
        }
        PeerIoctl::Stop if state.stop_worker() => Ok(Some(state.counts.snapshot())),
        PeerIoctl::Stop => Err(NtStatus::INVALID_DEVICE_STATE),
        PeerIoctl::Stats => Ok(Some(state.counts.snapshot())),
    };
    state.busy.store(0, SeqCst);
    match result {
        Ok(None) => irp.complete(NtStatus::SUCCESS.raw(), 0),
        Ok(Some(counts)) => {
            let bytes = counts.to_bytes();
            // SAFETY: METHOD_BUFFERED, `output_len` (checked: 56) bytes of room.
            unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer, bytes.len()) };
            irp.complete(NtStatus::SUCCESS.raw(), bytes.len())
        }
        Err(status) => irp.complete(status.raw(), 0),
    }
}

/// DriverUnload: run the work down (the loop ends and drops its interface reference), join the
/// worker, delete the device.
unsafe extern "C" fn driver_unload(_driver: *mut DRIVER_OBJECT) {
    // SAFETY: the I/O manager calls DriverUnload at PASSIVE_LEVEL.
    let irql = unsafe { Irql::entered_at(PassiveEntryPoint::DriverUnload) };
    let raw = STATE.swap(core::ptr::null_mut(), SeqCst);
    let Some(state_ptr) = NonNull::new(raw) else { return };
    // SAFETY: DriverEntry boxed it; `STATE` is cleared, so no dispatch routine finds it, and it
    // is freed only at the end of this function.
    let state = unsafe { state_ptr.as_ref() };
    state.stop_worker();
    let owner = state.work_owner.swap(core::ptr::null_mut(), SeqCst);
    // SAFETY: boxed by DriverEntry and taken out of its slot once, here.
    let owner = *unsafe { Box::from_raw(owner) };
    // No iteration starts any more, and the one running ends before this returns.
    let run_down = owner.wait_for_release(&irql);
    join(&state.worker, &irql);
    let _completed = run_down.completed(&irql);
    let totals = state.counts.snapshot();
    let inconsistent = if totals.inconsistencies == 0 { Level::Info } else { Level::Error };
    rundown_wdm::log!(
        inconsistent,
        "rundown-peer: unloading after {} operations, {} refused, {} inconsistencies",
        totals.operations,
        totals.refused,
        totals.inconsistencies
    );
    // SAFETY: created by DriverEntry; no dispatch routine finds the state any more.
    unsafe { delete_device(state.device) };
    let work = state.work;
    // SAFETY: the worker is joined and no dispatch routine finds the state: nothing refers to it.
    drop(unsafe { Box::from_raw(state_ptr.as_ptr()) });
    // SAFETY: the owner was consumed above, the worker is gone.
    unsafe { free_work(core::ptr::null_mut(), work) };
}
