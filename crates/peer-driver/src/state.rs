//! The peer's state from DriverEntry to DriverUnload, and its `\Device\RundownPeer` IOCTLs.

use alloc::boxed::Box;
use core::ptr::NonNull;
use core::sync::atomic::Ordering::SeqCst;
use core::sync::atomic::{AtomicPtr, AtomicU32};

use rundown::RundownRef;
use rundown::irql::{Irql, Passive, PassiveEntryPoint};
use rundown_abi::NtStatus;
use rundown_abi::peer::{PEER_DOS_DEVICE_NAME_W, PEER_NT_DEVICE_NAME_W, PeerIoctl, PeerStartRequest};
use rundown_wdm::wdk_values::FALSE;
use rundown_wdm::{Irp, SystemThread, try_box, unicode};
use wdk_sys::ntddk::{IoCreateDevice, IoCreateSymbolicLink, IoDeleteDevice, IoDeleteSymbolicLink};
use wdk_sys::{
    DO_DEVICE_INITIALIZING, DRIVER_OBJECT, FILE_DEVICE_SECURE_OPEN, IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE,
    IRP_MJ_DEVICE_CONTROL, NT_SUCCESS, NTSTATUS, PDEVICE_OBJECT, PIRP,
};

use crate::owner_link::OwnerLink;
use crate::worker::{Counts, Worker};

/// The peer's state.
///
/// # Invariants
/// Lives in pool from DriverEntry to DriverUnload; `STATE` points at it meanwhile. `link` is used
/// only under protection on `link_protection`, which DriverUnload runs down before closing it.
pub(crate) struct PeerState {
    link: OwnerLink,
    link_protection: RundownRef,
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

static STATE: AtomicPtr<PeerState> = AtomicPtr::new(core::ptr::null_mut());

fn check(status: NTSTATUS) -> Result<(), NtStatus> {
    if NT_SUCCESS(status) { Ok(()) } else { Err(NtStatus::from_raw(status)) }
}

impl PeerState {
    fn get() -> Option<&'static Self> {
        // SAFETY: non-null only while the state is alive (invariant).
        unsafe { STATE.load(SeqCst).as_ref() }
    }

    /// DriverEntry: the link to the owner first (nothing to do without it), then the device.
    pub(crate) fn start(driver: &mut DRIVER_OBJECT, irql: &Irql<Passive>) -> Result<(), NtStatus> {
        let link = OwnerLink::open(irql)?;
        let device = match create_device(driver) {
            Ok(device) => device,
            Err(status) => {
                link.close();
                return Err(status);
            }
        };
        let state = Self {
            link,
            link_protection: RundownRef::new(),
            counts: Counts::default(),
            worker: AtomicPtr::new(core::ptr::null_mut()),
            busy: AtomicU32::new(0),
            device,
        };
        let Some(state) = try_box(state) else {
            // SAFETY: created above; no dispatch routine is installed.
            unsafe { delete_device(device) };
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
        wdk::println!("rundown-peer: loaded: got the rundown interface, \\Device\\RundownPeer ready");
        Ok(())
    }

    fn start_worker(&'static self, settings: PeerStartRequest) -> Result<(), NtStatus> {
        if !self.worker.load(SeqCst).is_null() {
            return Err(NtStatus::INVALID_DEVICE_STATE);
        }
        self.counts.reset();
        self.counts.stop.store(false, SeqCst);
        self.counts.running.store(true, SeqCst);
        let worker =
            Worker { link: &self.link, link_protection: &self.link_protection, counts: &self.counts, settings };
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

    /// Stops and joins the worker, if one runs; false if none did.
    fn stop_worker(&self, irql: &Irql<Passive>) -> bool {
        let thread = self.worker.swap(core::ptr::null_mut(), SeqCst);
        if thread.is_null() {
            return false;
        }
        self.counts.stop.store(true, SeqCst);
        // SAFETY: the handle `start_worker` stored, taken out of the slot by this swap only.
        unsafe { SystemThread::from_raw(thread) }.join(irql);
        true
    }
}

fn create_device(driver: &mut DRIVER_OBJECT) -> Result<PDEVICE_OBJECT, NtStatus> {
    let mut name = unicode(&PEER_NT_DEVICE_NAME_W);
    let mut device: PDEVICE_OBJECT = core::ptr::null_mut();
    // SAFETY: a valid driver object and name; `device` receives the new object.
    check(unsafe {
        IoCreateDevice(
            driver,
            0,
            &raw mut name,
            u32::from(rundown_abi::FILE_DEVICE_RUNDOWN),
            FILE_DEVICE_SECURE_OPEN,
            FALSE,
            &raw mut device,
        )
    })?;
    let mut link = unicode(&PEER_DOS_DEVICE_NAME_W);
    // SAFETY: two valid names.
    if let Err(status) = check(unsafe { IoCreateSymbolicLink(&raw mut link, &raw mut name) }) {
        // SAFETY: created above; nothing refers to it.
        unsafe { IoDeleteDevice(device) };
        return Err(status);
    }
    Ok(device)
}

/// # Safety
/// `device` came from [`create_device`], and no dispatch routine runs for it any more.
unsafe fn delete_device(device: PDEVICE_OBJECT) {
    let mut link = unicode(&PEER_DOS_DEVICE_NAME_W);
    // SAFETY: the link `create_device` made.
    let _ = unsafe { IoDeleteSymbolicLink(&raw mut link) };
    // SAFETY: forwarded from the caller.
    unsafe { IoDeleteDevice(device) };
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
            // SAFETY: METHOD_BUFFERED, `input_len` (checked: 8) bytes of input.
            let input = unsafe { core::slice::from_raw_parts(buffer, input_len) };
            PeerStartRequest::from_bytes(input)
                .map_err(rundown_abi::WireError::status)
                .and_then(|settings| state.start_worker(settings))
                .map(|()| None)
        }
        PeerIoctl::Stop if state.stop_worker(&irql) => Ok(Some(state.counts.snapshot())),
        PeerIoctl::Stop => Err(NtStatus::INVALID_DEVICE_STATE),
        PeerIoctl::Stats => Ok(Some(state.counts.snapshot())),
    };
    state.busy.store(0, SeqCst);
    match result {
        Ok(None) => irp.complete(NtStatus::SUCCESS.raw(), 0),
        Ok(Some(counts)) => {
            let bytes = counts.to_bytes();
            // SAFETY: METHOD_BUFFERED, `output_len` (checked: 48) bytes of room.
            unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer, bytes.len()) };
            irp.complete(NtStatus::SUCCESS.raw(), bytes.len())
        }
        Err(status) => irp.complete(status.raw(), 0),
    }
}

/// DriverUnload: stop the worker, run the link down, drop the interface reference, delete the
/// device.
unsafe extern "C" fn driver_unload(_driver: *mut DRIVER_OBJECT) {
    // SAFETY: the I/O manager calls DriverUnload at PASSIVE_LEVEL.
    let irql = unsafe { Irql::entered_at(PassiveEntryPoint::DriverUnload) };
    let raw = STATE.swap(core::ptr::null_mut(), SeqCst);
    let Some(state) = NonNull::new(raw) else { return };
    // SAFETY: DriverEntry boxed it; `STATE` is cleared, so no dispatch routine finds it.
    let mut state = unsafe { Box::from_raw(state.as_ptr()) };
    state.stop_worker(&irql);
    let totals = state.counts.snapshot();
    // No iteration may use the table any more.
    let _done = state.link_protection.owner(&irql).wait_for_release(&irql).completed(&irql);
    wdk::println!(
        "rundown-peer: unloading after {} operations, {} refused, {} inconsistencies",
        totals.operations,
        totals.refused,
        totals.inconsistencies
    );
    let PeerState { link, device, .. } = *state;
    link.close();
    // SAFETY: created by DriverEntry; no dispatch routine finds the state any more.
    unsafe { delete_device(device) };
}
