//! The dispatch routines: IRPs in, [`rundown_service`] requests through, completions out.
//!
//! Windows may run any of them on several threads at once, for one file object too (an
//! overlapped handle's CLEANUP can race its DEVICE_CONTROLs); the rules for that live in
//! `rundown_service`, host-tested. This file only translates.

use rundown::irql::{AtMost, Dispatch, DispatchEntryPoint, Irql, PassiveEntryPoint};
use rundown_abi::{NtStatus, WriteRequest};
use rundown_service::{CancellableRequest, Dispatched, Reply, Request};
use wdk_sys::{
    IRP_MJ_CLEANUP, IRP_MJ_CLOSE, IRP_MJ_CREATE, NTSTATUS, PDEVICE_OBJECT, PFILE_OBJECT, PIRP, STATUS_PENDING,
};

use crate::handles::{Handle, OpenHandles};
use crate::state::DriverState;
use rundown_wdm::Irp;

/// The state CREATE stored for `file`.
///
/// # Safety
/// `file` is null or the file object of a request this driver is handling, before its CLOSE.
unsafe fn handle_of<'a>(file: PFILE_OBJECT) -> Option<&'a Handle> {
    // SAFETY: the caller's file object, valid during the request.
    let context = unsafe { file.as_ref() }?.FsContext;
    // SAFETY: CREATE stored it; CLOSE, the file object's last request, frees it.
    unsafe { OpenHandles::get(context) }
}

/// A ROTATE pended in [`DriverState::rotation`]: cancellable until whoever takes it out of there
/// completes it.
pub(crate) struct PendedIrp(Irp);

impl PendedIrp {
    /// Completes it with `status` and no output.
    pub(crate) fn complete(self, status: NtStatus) {
        let _ = self.0.complete(status.raw(), 0);
    }

    /// Completes it successfully with `reply` as its output.
    pub(crate) fn complete_with(self, reply: &[u8]) {
        let _ = self.0.complete_with_output(reply);
    }
}

impl CancellableRequest for PendedIrp {
    fn arm(&mut self) -> bool {
        let _ = self.0.set_cancel_routine(Some(cancel_rotate));
        if self.0.cancel_requested() && self.0.set_cancel_routine(None).is_some() {
            // IoCancelIrp ran before the cancel routine was set: not pended, completed by the
            // dispatch routine itself.
            return false;
        }
        self.0.mark_pending();
        true
    }

    fn disarm(&mut self) -> bool {
        self.0.set_cancel_routine(None).is_some()
    }
}

/// The pended ROTATE's cancel routine: completes it `STATUS_CANCELLED` at once. The rotation it
/// asked for carries on (a run-down cannot be undone once its wait started).
///
/// # Safety
/// Called by the I/O manager only, holding the cancel spin lock.
unsafe extern "C" fn cancel_rotate(device: PDEVICE_OBJECT, irp: PIRP) {
    // SAFETY: the first thing a cancel routine does, once.
    let irp = unsafe { rundown_wdm::release_cancel_spin_lock(device, irp) };
    // SAFETY: a cancel routine runs at the IRQL `CancelIrql` held, at most DISPATCH_LEVEL.
    let mut irql = unsafe { Irql::dispatch_entered_at(DispatchEntryPoint::Cancel) };
    // The unload completes a pended ROTATE before it clears the state, so it is there.
    let Some(state) = DriverState::get() else { return };
    if let Some(rotate) = state.rotation.cancel(|pended| pended.0.is(irp), &mut irql) {
        rotate.complete(NtStatus::CANCELLED);
    }
}

/// IRP_MJ_CREATE, IRP_MJ_CLEANUP and IRP_MJ_CLOSE.
///
/// # Safety
/// Called by the I/O manager only.
pub(crate) unsafe extern "C" fn create_cleanup_close(_device: PDEVICE_OBJECT, irp: PIRP) -> NTSTATUS {
    // SAFETY: create, cleanup and close reach this top-level driver at PASSIVE_LEVEL.
    let mut irql = unsafe { Irql::entered_at(PassiveEntryPoint::CreateCleanupClose) };
    // SAFETY: the I/O manager's IRP, completed below.
    let irp = unsafe { Irp::from_raw(irp) };
    let file = irp.file_object();
    let Some(state) = DriverState::get() else {
        return irp.complete(NtStatus::DELETE_PENDING.raw(), 0);
    };
    let status = match u32::from(irp.stack().MajorFunction) {
        IRP_MJ_CREATE => open(state, file, &mut irql),
        IRP_MJ_CLEANUP => {
            // Close the handle first: a ROTATE of it that has not been pended yet is then refused
            // (`PendingRotation::queue`), and one that has is cancelled here.
            // SAFETY: this request's file object, before its CLOSE.
            if let Some(handle) = unsafe { handle_of(file) } {
                let _released = handle.cleanup(&irql);
            }
            cancel_rotate_of(state, file, &mut irql);
            NtStatus::SUCCESS
        }
        IRP_MJ_CLOSE => {
            // Wine sends a killed process's handles CLOSE without CLEANUP; on Windows a pended
            // IRP keeps its file object, so CLOSE never finds one.
            #[cfg(feature = "portable")]
            cancel_rotate_of(state, file, &mut irql);
            close(state, file, &mut irql);
            NtStatus::SUCCESS
        }
        _ => NtStatus::INVALID_DEVICE_REQUEST,
    };
    irp.complete(status.raw(), 0)
}

/// CREATE: a new handle with no holds.
fn open(state: &'static DriverState, file: PFILE_OBJECT, irql: &mut Irql<impl AtMost<Dispatch>>) -> NtStatus {
    // SAFETY: the new file object, which this driver's CREATE may give contexts.
    let Some(file) = (unsafe { file.as_mut() }) else { return NtStatus::INVALID_PARAMETER };
    let Some(context) = state.handles.open(state.service.open_handle(), irql) else {
        return NtStatus::INSUFFICIENT_RESOURCES;
    };
    file.FsContext = context;
    NtStatus::SUCCESS
}

/// CLEANUP: the ROTATE this handle pended, if any, completes `STATUS_CANCELLED`.
fn cancel_rotate_of(state: &DriverState, file: PFILE_OBJECT, irql: &mut Irql<impl AtMost<Dispatch>>) {
    if let Some(rotate) = state.rotation.cancel_for_handle(file as usize, irql) {
        rotate.complete(NtStatus::CANCELLED);
    }
}

/// CLOSE: the file object's last request; frees what CREATE stored.
fn close(state: &DriverState, file: PFILE_OBJECT, irql: &mut Irql<impl AtMost<Dispatch>>) {
    // SAFETY: this request's file object.
    let Some(file) = (unsafe { file.as_mut() }) else { return };
    let context = core::mem::replace(&mut file.FsContext, core::ptr::null_mut());
    if !context.is_null() {
        // SAFETY: CREATE's context, and CLOSE is the file object's last request.
        unsafe { state.handles.close(context, irql) };
    }
}

/// IRP_MJ_DEVICE_CONTROL and IRP_MJ_INTERNAL_DEVICE_CONTROL: every IOCTL of `rundown_abi`.
///
/// User mode's requests arrive in the caller's thread at PASSIVE_LEVEL, but a kernel sender may
/// call `IoCallDriver` at up to DISPATCH_LEVEL (a peer from a DPC or a completion routine), so
/// both are served with a DISPATCH_LEVEL token: every request's path is DISPATCH-safe (spin locks
/// and run-down acquires; nothing waits or allocates).
///
/// # Safety
/// Called by the I/O manager only.
pub(crate) unsafe extern "C" fn device_control(_device: PDEVICE_OBJECT, irp: PIRP) -> NTSTATUS {
    // SAFETY: IoCallDriver runs dispatch routines at its caller's IRQL, at most DISPATCH_LEVEL.
    let mut irql = unsafe { Irql::dispatch_entered_at(DispatchEntryPoint::DeviceControl) };
    // SAFETY: the I/O manager's IRP, completed or pended by `control`.
    control(unsafe { Irp::from_raw(irp) }, &mut irql)
}

/// Every IOCTL of `rundown_abi`, at IRQL <= DISPATCH_LEVEL.
fn control(irp: Irp, irql: &mut Irql<impl AtMost<Dispatch>>) -> NTSTATUS {
    let Some(state) = DriverState::get() else { return irp.complete(NtStatus::DELETE_PENDING.raw(), 0) };
    let (code, _, output_len) = irp.device_io_control();
    let file = irp.file_object();
    // A kernel peer may send GET_INTERFACE without a file object (IoGetDeviceObjectPointer, then
    // IoBuildDeviceIoControlRequest): it needs no per-handle state, so a blank one serves.
    let blank;
    // SAFETY: this request's file object, before its CLOSE.
    let handle = match unsafe { handle_of(file) } {
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
    // The input is copied out: the reply overwrites the same system buffer, and a pended IRP is
    // not ours to read from any more. WRITE's is the longest input any request accepts; an input
    // one byte longer gets the same answer as any longer one, so that many bytes are kept.
    let mut copy = [0u8; WriteRequest::SIZE + 1];
    let Some(input) = irp.buffered_input() else { return irp.complete(NtStatus::INVALID_PARAMETER.raw(), 0) };
    let kept = input.len().min(copy.len());
    copy[..kept].copy_from_slice(&input[..kept]);
    let input = &copy[..kept];
    let request = Request { code, input, output_len, from_user_mode: !state.sent_from_kernel_mode(&irp) };
    match state.service.dispatch(handle, file as usize, &request, PendedIrp(irp), &state.rotation, irql) {
        Dispatched::Pended => {
            state.doorbell.set(&*irql);
            STATUS_PENDING
        }
        Dispatched::Complete(PendedIrp(mut irp), Ok(Reply::InterfaceRequested)) => {
            // The reference is taken last, once the table is sure to be delivered.
            if irp.buffered_output().is_none_or(|output| output.len() < rundown_abi::RundownInterface::SIZE) {
                return irp.complete(NtStatus::BUFFER_TOO_SMALL.raw(), 0);
            }
            if let Err(status) = state.peers.open(&*irql) {
                return irp.complete(status.raw(), 0);
            }
            let table = crate::interface::table(state);
            // SAFETY: a plain struct of integers and function pointers, viewed as its bytes.
            let bytes = unsafe {
                core::slice::from_raw_parts(
                    (&raw const table).cast::<u8>(),
                    core::mem::size_of::<rundown_abi::RundownInterface>(),
                )
            };
            irp.complete_with_output(bytes)
        }
        Dispatched::Complete(PendedIrp(mut irp), Ok(reply)) => {
            match irp.buffered_output().and_then(|output| reply.write_to(output)) {
                Some(written) => irp.complete(NtStatus::SUCCESS.raw(), written),
                None => irp.complete(NtStatus::BUFFER_TOO_SMALL.raw(), 0),
            }
        }
        Dispatched::Complete(PendedIrp(irp), Err(status)) => irp.complete(status.raw(), 0),
    }
}
