//! The dispatch routines: IRPs in, [`rundown_service`] requests through, completions out.

use rundown::irql::{Irql, PassiveEntryPoint};
use rundown_abi::NtStatus;
use rundown_service::{Reply, Request, try_box};
use wdk_sys::{
    IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, NTSTATUS, PDEVICE_OBJECT, PFILE_OBJECT, PIRP, STATUS_PENDING,
};

use crate::handles::Handle;
use crate::state::DriverState;
use rundown_wdm::Irp;

/// The state CREATE stored for `file`.
///
/// # Safety
/// `file` is null or the file object of a request this driver is handling.
unsafe fn handle_of(file: PFILE_OBJECT) -> Option<&'static Handle> {
    // SAFETY: the caller's file object, valid during the request.
    let context = unsafe { file.as_ref() }?.FsContext;
    // SAFETY: CREATE stored a boxed Handle here, freed only by CLOSE, the file object's last
    // request.
    unsafe { context.cast::<Handle>().as_ref() }
}

/// IRP_MJ_CREATE, IRP_MJ_CLEANUP and IRP_MJ_CLOSE.
///
/// # Safety
/// Called by the I/O manager only.
pub(crate) unsafe extern "C" fn create_cleanup_close(_device: PDEVICE_OBJECT, irp: PIRP) -> NTSTATUS {
    // SAFETY: create, cleanup and close reach this top-level driver at PASSIVE_LEVEL.
    let irql = unsafe { Irql::entered_at(PassiveEntryPoint::CreateCleanupClose) };
    // SAFETY: the I/O manager's IRP, completed below.
    let irp = unsafe { Irp::from_raw(irp) };
    let file = irp.file_object();
    let status = match u32::from(irp.stack().MajorFunction) {
        IRP_MJ_CREATE => open(file),
        IRP_MJ_CLEANUP => {
            // SAFETY: this request's file object.
            if let Some(handle) = unsafe { handle_of(file) } {
                handle.cleanup(&irql);
            }
            NtStatus::SUCCESS
        }
        IRP_MJ_CLOSE => {
            close(file);
            NtStatus::SUCCESS
        }
        _ => NtStatus::INVALID_DEVICE_REQUEST,
    };
    irp.complete(status.raw(), 0)
}

/// CREATE: a new handle with no holds.
fn open(file: PFILE_OBJECT) -> NtStatus {
    let Some(state) = DriverState::get() else { return NtStatus::DELETE_PENDING };
    if file.is_null() {
        return NtStatus::INVALID_PARAMETER;
    }
    let Some(handle) = try_box(state.service.open_handle()) else { return NtStatus::INSUFFICIENT_RESOURCES };
    let Ok((slot, handle)) = state.handles.register(handle) else { return NtStatus::INSUFFICIENT_RESOURCES };
    // SAFETY: the new file object, which this driver's CREATE may give contexts.
    unsafe {
        (*file).FsContext = handle.cast();
    }
    // SAFETY: as above; FsContext2 keeps the handle's slot for CLOSE.
    unsafe { (*file).FsContext2 = slot as *mut core::ffi::c_void };
    NtStatus::SUCCESS
}

/// CLOSE: the file object's last request; frees what CREATE stored.
fn close(file: PFILE_OBJECT) {
    // SAFETY: this request's file object.
    let Some(file) = (unsafe { file.as_mut() }) else { return };
    let handle = core::mem::replace(&mut file.FsContext, core::ptr::null_mut()).cast::<Handle>();
    let slot = file.FsContext2 as usize;
    if handle.is_null() {
        return;
    }
    if let Some(state) = DriverState::get() {
        state.handles.close(slot, handle);
    }
}

/// IRP_MJ_DEVICE_CONTROL and IRP_MJ_INTERNAL_DEVICE_CONTROL: every IOCTL of `rundown_abi`.
///
/// # Safety
/// Called by the I/O manager only.
pub(crate) unsafe extern "C" fn device_control(_device: PDEVICE_OBJECT, irp: PIRP) -> NTSTATUS {
    // SAFETY: as a top-level driver, user-mode requests arrive in the caller's thread at
    // PASSIVE_LEVEL (and kernel senders of this device's IOCTLs must call at PASSIVE_LEVEL).
    let irql = unsafe { Irql::entered_at(PassiveEntryPoint::TopLevelDeviceControl) };
    // SAFETY: the I/O manager's IRP, completed or pended below.
    let mut irp = unsafe { Irp::from_raw(irp) };
    let Some(state) = DriverState::get() else { return irp.complete(NtStatus::DELETE_PENDING.raw(), 0) };
    let (code, input_len, output_len) = irp.device_io_control();
    // A kernel peer may send GET_INTERFACE without a file object (IoGetDeviceObjectPointer, then
    // IoBuildDeviceIoControlRequest): it needs no per-handle state, so a blank one serves.
    let blank;
    // SAFETY: this request's file object.
    let handle = match unsafe { handle_of(irp.file_object()) } {
        Some(handle) => handle,
        None if code == rundown_abi::IOCTL_RUNDOWN_GET_INTERFACE => {
            blank = state.service.open_handle();
            &blank
        }
        None => return irp.complete(NtStatus::INVALID_DEVICE_REQUEST.raw(), 0),
    };
    // Every code of the device is METHOD_BUFFERED; any other has no system buffer on Windows,
    // so the code is judged before the buffer is looked at.
    if let Err(bad) = rundown_abi::Ioctl::decode(code) {
        return irp.complete(bad.status().raw(), 0);
    }
    let buffer = irp.system_buffer();
    if buffer.is_null() && (input_len > 0 || output_len > 0) {
        return irp.complete(NtStatus::INVALID_PARAMETER.raw(), 0);
    }
    let input: &[u8] = if input_len == 0 {
        &[]
    } else {
        // SAFETY: METHOD_BUFFERED: the system buffer holds `input_len` bytes of input, read here
        // before anything is written back.
        unsafe { core::slice::from_raw_parts(buffer, input_len) }
    };
    let request = Request { code, input, output_len, from_user_mode: !state.sent_from_kernel_mode(&irp) };
    match state.service.control(handle, &request, &irql) {
        Ok(Reply::RotateQueued) => {
            irp.mark_pending();
            state.queue_rotation(irp, &irql);
            STATUS_PENDING
        }
        Ok(Reply::InterfaceRequested) => {
            if let Err(status) = state.peers.open(&irql) {
                return irp.complete(status.raw(), 0);
            }
            let table = crate::interface::table(state);
            // SAFETY: METHOD_BUFFERED: the system buffer has room for `output_len` bytes, which
            // the request's validation made at least the table's size; a plain struct copy.
            unsafe { buffer.cast::<rundown_abi::RundownInterface>().write_unaligned(table) };
            irp.complete(NtStatus::SUCCESS.raw(), rundown_abi::RundownInterface::SIZE)
        }
        Ok(reply) => {
            // SAFETY: METHOD_BUFFERED: the system buffer has room for `output_len` bytes; the
            // input slice is no longer used.
            let output = unsafe { core::slice::from_raw_parts_mut(buffer, output_len) };
            match reply.write_to(output) {
                Some(written) => irp.complete(NtStatus::SUCCESS.raw(), written),
                None => irp.complete(NtStatus::BUFFER_TOO_SMALL.raw(), 0),
            }
        }
        Err(status) => irp.complete(status.raw(), 0),
    }
}
