//! DEVICE_CONTROL and INTERNAL_DEVICE_CONTROL: IRPs in, [`rundown_service`] requests through,
//! completions out; and the pended ROTATE.
//!
//! Windows may run these on several threads at once, for one file object too (an overlapped
//! handle's CLEANUP can race its DEVICE_CONTROLs); the rules for that live in `rundown_service`,
//! host-tested. This file only translates.

use rundown::irql::{AtMost, Dispatch, Irql};
use rundown_abi::{NtStatus, RundownInterface, WriteRequest};
use rundown_service::{CancellableRequest, Dispatched, Reply, Request};
use rundown_wdm::{Completion, Irp, IrpId};

use crate::state::{Handle, Owner};

/// A ROTATE pended in [`Core::rotation`](crate::state::Core): cancellable until whoever takes it
/// out of there completes it.
pub(crate) struct PendedIrp(Irp);

impl PendedIrp {
    /// Completes it with `status` and no output.
    pub(crate) fn complete(self, status: NtStatus) {
        let _ = self.0.complete(status, 0);
    }

    /// Completes it successfully with `reply` as its output.
    pub(crate) fn complete_with(self, reply: &[u8]) {
        let _ = self.0.complete_with_output(reply);
    }

    /// Whether this is the IRP a cancel routine was called for.
    pub(crate) fn is(&self, irp: IrpId) -> bool {
        self.0.id() == irp
    }
}

impl CancellableRequest for PendedIrp {
    /// The `STATUS_PENDING` the dispatch routine returns.
    type Pended = Completion;

    fn arm(&mut self) -> Option<Completion> {
        self.0.set_cancel::<Owner>();
        if self.0.cancel_requested() && self.0.clear_cancel() {
            // IoCancelIrp ran before the cancel routine was set: not pended, completed by the
            // dispatch routine itself.
            return None;
        }
        Some(self.0.mark_pending())
    }

    fn disarm(&mut self) -> bool {
        self.0.clear_cancel()
    }
}

/// Every IOCTL of `rundown_abi`, at IRQL <= DISPATCH_LEVEL: user mode's arrive at PASSIVE_LEVEL,
/// kernel senders' up to DISPATCH_LEVEL.
pub(crate) fn control(
    owner: &Owner,
    mut irp: Irp,
    handle: Option<&Handle>,
    irql: &mut Irql<impl AtMost<Dispatch>>,
) -> Completion {
    let core = owner.core();
    let request = irp.io_control();
    // A kernel peer may send GET_INTERFACE without a file object (IoGetDeviceObjectPointer, then
    // IoBuildDeviceIoControlRequest): it needs no per-handle state, so a blank one serves.
    let blank;
    let handle = match handle {
        Some(handle) => handle,
        None if request.code == rundown_abi::IOCTL_RUNDOWN_GET_INTERFACE => {
            blank = core.service.open_handle();
            &blank
        }
        None => return irp.complete(NtStatus::INVALID_DEVICE_REQUEST, 0),
    };
    // Every code of the device is METHOD_BUFFERED; any other has no system buffer on Windows,
    // so the code is judged before the buffer is looked at.
    if let Err(bad) = rundown_abi::Ioctl::decode(request.code) {
        return irp.complete(bad.status(), 0);
    }
    // The input is copied out: the reply overwrites the same system buffer, and a pended IRP is
    // not ours to read from any more. WRITE's is the longest input any request accepts; an input
    // one byte longer gets the same answer as any longer one, so that many bytes are kept.
    let Some(input) = irp.buffered_input::<{ WriteRequest::SIZE + 1 }>() else {
        return irp.complete(NtStatus::INVALID_PARAMETER, 0);
    };
    let file = irp.file_key();
    let from_user_mode = !owner.sent_from_kernel_mode(&irp);
    let request = Request { code: request.code, input: &input, output_len: request.output_len, from_user_mode };
    match core.service.dispatch(handle, file.as_usize(), &request, PendedIrp(irp), &core.rotation, irql) {
        Dispatched::Pended(pending) => {
            core.doorbell.signal(&*irql);
            pending
        }
        Dispatched::Complete(PendedIrp(irp), Ok(Reply::InterfaceRequested)) => give_interface(owner, irp, irql),
        Dispatched::Complete(PendedIrp(mut irp), Ok(reply)) => {
            match irp.buffered_output().and_then(|output| reply.write_to(output)) {
                Some(written) => irp.complete(NtStatus::SUCCESS, written),
                None => irp.complete(NtStatus::BUFFER_TOO_SMALL, 0),
            }
        }
        Dispatched::Complete(PendedIrp(irp), Err(status)) => irp.complete(status, 0),
    }
}

/// GET_INTERFACE from kernel mode: the function table, with an interface reference, taken last,
/// once the table is sure to be delivered.
fn give_interface(owner: &Owner, mut irp: Irp, irql: &mut Irql<impl AtMost<Dispatch>>) -> Completion {
    let core = owner.core();
    if irp.buffered_output().is_none_or(|output| output.len() < RundownInterface::SIZE) {
        return irp.complete(NtStatus::BUFFER_TOO_SMALL, 0);
    }
    if let Err(status) = core.peers.open(&*irql) {
        return irp.complete(status, 0);
    }
    irp.complete_with_interface(&rundown_wdm::interface_table(core))
}
