//! An I/O request packet in the hands of this driver, from dispatch to its one completion.
//!
//! METHOD_BUFFERED access is in `buffered.rs`, pending and cancellation in `cancel.rs`.

use core::ptr::NonNull;

use core::mem::offset_of;

use rundown_abi::{InterfaceHeader, NtStatus, RundownInterface};
use wdk_sys::ntddk::IofCompleteRequest;
use wdk_sys::{IO_STACK_LOCATION, IRP, IRP_MJ_DEVICE_CONTROL, IRP_MJ_INTERNAL_DEVICE_CONTROL, PIRP};

use crate::file_object::FileObject;
use crate::wdk_values::{IO_NO_INCREMENT, USER_MODE};
use crate::{Completion, FileKey, IoControl};

/// `STATUS_INTERNAL_ERROR`: what a completion with `STATUS_PENDING` becomes.
const INTERNAL_ERROR: NtStatus = NtStatus::from_raw(wdk_sys::STATUS_INTERNAL_ERROR);

/// An IRP this driver must complete exactly once: the `complete*` methods consume it.
///
/// The dispatch routines of [`driver!`](crate::driver) hand it to the
/// [`Driver`](crate::Driver)'s methods. It can be completed at once, or pended (marked pending,
/// given a cancel routine, kept, and completed later from another thread).
///
/// ```
/// use rundown_abi::NtStatus;
/// use rundown_wdm::{Completion, Irp};
///
/// # // Defined, never called: the host that runs the doctests has no I/O manager.
/// fn answer(irp: Irp) -> Completion {
///     let request = irp.io_control();
///     if request.input_len != 0 {
///         return irp.complete(NtStatus::INFO_LENGTH_MISMATCH, 0);
///     }
///     irp.complete_with_output(&42u32.to_le_bytes())
/// }
/// ```
///
/// # Invariants
/// `raw` is an IRP the I/O manager gave one of this driver's dispatch routines, not yet completed,
/// with a current stack location for this driver; this value is the only one for it.
#[must_use = "an IRP that is neither completed nor pended hangs its caller"]
pub struct Irp {
    raw: NonNull<IRP>,
    /// [`mark_pending`](Self::mark_pending) was called: the dispatch routine must return
    /// `STATUS_PENDING` whatever the IRP is completed with.
    pub(crate) marked_pending: bool,
    /// [`buffered_output`](Self::buffered_output) zeroed the output's tail already.
    pub(crate) output_zeroed: bool,
}

// SAFETY: an IRP may be completed from any thread (the owner thread completes pended ROTATEs).
unsafe impl Send for Irp {}

impl Irp {
    /// # Safety
    /// `irp` was passed to one of this driver's dispatch routines and is not completed; the
    /// returned value is the only one for it.
    ///
    /// # Panics
    /// If `irp` is null, which the I/O manager never passes.
    pub(crate) unsafe fn from_raw(irp: PIRP) -> Self {
        // INVARIANT: the caller's IRP.
        Self {
            raw: NonNull::new(irp).expect("the I/O manager passes a non-null IRP"),
            marked_pending: false,
            output_zeroed: false,
        }
    }

    /// The IRP, valid and not completed while `self` lives (invariant). Its fields are reached in
    /// place: another thread may write some of them (`IoCancelIrp` sets `Cancel`), so no
    /// reference to the whole IRP is made.
    pub(crate) fn as_ptr(&self) -> PIRP {
        self.raw.as_ptr()
    }

    /// `IoGetCurrentIrpStackLocation`, an inline function in C.
    pub(crate) fn current_location(&self) -> *mut IO_STACK_LOCATION {
        // SAFETY: a valid IRP (invariant). Only `Tail` is borrowed, which nobody else changes
        // while a driver owns the IRP.
        let tail = unsafe { &(*self.as_ptr()).Tail };
        // SAFETY: while a driver owns the IRP, `Tail` holds `Overlay`.
        let overlay = unsafe { &tail.Overlay };
        // SAFETY: and `Overlay`'s second union holds the current stack location.
        unsafe { overlay.__bindgen_anon_2.__bindgen_anon_1.CurrentStackLocation }
    }

    /// The current stack location: this driver's parameters. The I/O manager does not change it
    /// while the driver owns the IRP.
    fn stack(&self) -> &IO_STACK_LOCATION {
        // SAFETY: the I/O manager set it to this driver's location before dispatching, and it
        // lives as long as the IRP.
        unsafe { self.current_location().as_ref() }.expect("a dispatched IRP has a current stack location")
    }

    /// `IRP_MJ_*`: which request this is.
    pub(crate) fn major_function(&self) -> u8 {
        self.stack().MajorFunction
    }

    /// The file object the request came through (none for some kernel-built requests).
    pub(crate) fn file_object(&self) -> Option<FileObject> {
        // SAFETY: this request's file object (or null), valid until it completes.
        unsafe { FileObject::new(self.stack().FileObject) }
    }

    /// Which file object the request came through ([`FileKey::NONE`] for none): what tells one
    /// handle's requests from another's.
    ///
    /// ```
    /// use rundown_wdm::{FileKey, Irp};
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn from_a_handle(irp: &Irp) -> bool {
    ///     irp.file_key() != FileKey::NONE
    /// }
    /// ```
    #[must_use]
    pub fn file_key(&self) -> FileKey {
        self.file_object().map_or(FileKey::NONE, FileObject::key)
    }

    /// True when user mode sent the request (`Irp->RequestorMode`).
    ///
    /// ```
    /// use rundown_wdm::Irp;
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn trusted(irp: &Irp) -> bool {
    ///     !irp.sent_from_user_mode()
    /// }
    /// ```
    #[must_use]
    pub fn sent_from_user_mode(&self) -> bool {
        // SAFETY: a valid IRP (invariant); the field is set before dispatch and not changed.
        (unsafe { (*self.as_ptr()).RequestorMode }) == USER_MODE
    }

    /// `Parameters.DeviceIoControl`: the code and the buffer lengths of a DEVICE_CONTROL or
    /// INTERNAL_DEVICE_CONTROL request.
    ///
    /// ```
    /// use rundown_wdm::Irp;
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn code_of(irp: &Irp) -> u32 {
    ///     irp.io_control().code
    /// }
    /// ```
    #[must_use]
    pub fn io_control(&self) -> IoControl {
        // SAFETY: DEVICE_CONTROL and INTERNAL_DEVICE_CONTROL IRPs use this union member (for
        // another request the integers mean nothing, but are still integers).
        let parameters = unsafe { &self.stack().Parameters.DeviceIoControl };
        IoControl {
            code: parameters.IoControlCode,
            input_len: parameters.InputBufferLength as usize,
            output_len: parameters.OutputBufferLength as usize,
        }
    }

    /// Completes the request successfully with `reply` as its output, or with
    /// `STATUS_BUFFER_TOO_SMALL` if the output buffer is shorter.
    ///
    /// ```
    /// use rundown_wdm::{Completion, Irp};
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn reply(irp: Irp) -> Completion {
    ///     irp.complete_with_output(b"hello")
    /// }
    /// ```
    pub fn complete_with_output(mut self, reply: &[u8]) -> Completion {
        match self.buffered_output().and_then(|output| output.get_mut(..reply.len())) {
            Some(output) => {
                output.copy_from_slice(reply);
                self.complete(NtStatus::SUCCESS, reply.len())
            }
            None => self.complete(NtStatus::BUFFER_TOO_SMALL, 0),
        }
    }

    /// Completes GET_INTERFACE successfully with `table` as its output, or with
    /// `STATUS_BUFFER_TOO_SMALL` if the output buffer is shorter. The WDK's `INTERFACE` header has
    /// 4 padding bytes (after `Version`); they are written as zeros, so no stale stack bytes go
    /// out with the table.
    ///
    /// ```
    /// use rundown_abi::RundownInterface;
    /// use rundown_wdm::{Completion, Irp};
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn reply(irp: Irp, table: &RundownInterface) -> Completion {
    ///     irp.complete_with_interface(table)
    /// }
    /// ```
    pub fn complete_with_interface(mut self, table: &RundownInterface) -> Completion {
        const SIZE: usize = size_of::<RundownInterface>();
        // The header's one gap: after `version`, up to `context`.
        const GAP: core::ops::Range<usize> =
            offset_of!(InterfaceHeader, version) + size_of::<u16>()..offset_of!(InterfaceHeader, context);
        match self.buffered_output().and_then(|output| output.get_mut(..SIZE)) {
            Some(output) => {
                // SAFETY: `output` has room for the table (`SIZE` bytes) and `write_unaligned`
                // accepts any alignment; the table is `Copy`, with no drop to skip.
                unsafe { output.as_mut_ptr().cast::<RundownInterface>().write_unaligned(*table) };
                // The typed write leaves the padding unspecified: overwritten as plain bytes.
                output[GAP].fill(0);
                self.complete(NtStatus::SUCCESS, SIZE)
            }
            None => self.complete(NtStatus::BUFFER_TOO_SMALL, 0),
        }
    }

    /// Completes the request with `status` and `information` (bytes of output, for a success),
    /// and gives what the dispatch routine returns: `status`, or `STATUS_PENDING` if the IRP was
    /// [marked pending](Self::mark_pending) (Windows's rule: a routine that marked its IRP returns
    /// `STATUS_PENDING`, even when it completed the IRP itself).
    ///
    /// Before completing it takes the cancel routine back (`IoSetCancelRoutine(Irp, NULL)`), so a
    /// cancellation that comes now cannot call the routine for an IRP being completed. A DEVICE_CONTROL's
    /// `information` is cut to `OutputBufferLength` (the I/O manager copies that many bytes to the
    /// caller), and `STATUS_PENDING`, which no IRP completes with, becomes
    /// `STATUS_INTERNAL_ERROR` (and a debug assertion).
    ///
    /// ```
    /// use rundown_abi::NtStatus;
    /// use rundown_wdm::{Completion, Irp};
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn refuse(irp: Irp) -> Completion {
    ///     irp.complete(NtStatus::INVALID_DEVICE_REQUEST, 0)
    /// }
    /// ```
    pub fn complete(mut self, status: NtStatus, information: usize) -> Completion {
        debug_assert!(status != Completion::PENDING.status(), "an IRP completed with STATUS_PENDING");
        let status = if status == Completion::PENDING.status() { INTERNAL_ERROR } else { status };
        let information = match self.buffered_request_lengths() {
            Some(output_len) => information.min(output_len),
            None => information,
        };
        // Whoever completes outside the cancel routine must have taken the routine back first
        // (`clear_cancel`); this closes the window for a caller that did not.
        let _ = self.clear_cancel();
        let marked_pending = self.marked_pending;
        let irp = self.as_ptr();
        // SAFETY: the IRP is still ours (invariant); only `IoStatus` is borrowed, which nobody
        // else touches before completion.
        let io_status = unsafe { &mut (*irp).IoStatus };
        io_status.__bindgen_anon_1.Status = status.raw();
        io_status.Information = information as u64;
        // SAFETY: completed exactly once: `self` is consumed.
        unsafe { IofCompleteRequest(irp, IO_NO_INCREMENT) };
        if marked_pending { Completion::PENDING } else { Completion::completed(status) }
    }

    /// A DEVICE_CONTROL's or INTERNAL_DEVICE_CONTROL's `OutputBufferLength`; `None` for other
    /// requests.
    fn buffered_request_lengths(&self) -> Option<usize> {
        let major = u32::from(self.major_function());
        (major == IRP_MJ_DEVICE_CONTROL || major == IRP_MJ_INTERNAL_DEVICE_CONTROL)
            .then(|| self.io_control().output_len)
    }
}

#[cfg(test)]
mod tests {
    use rundown_abi::NtStatus;
    use wdk_sys::{IRP_MJ_CLEANUP, IRP_MJ_DEVICE_CONTROL, METHOD_BUFFERED, PDEVICE_OBJECT, PIRP};

    use crate::Completion;
    use crate::test_irp::{Request, completions};

    unsafe extern "C" fn never_called(_device: PDEVICE_OBJECT, _irp: PIRP) {
        unreachable!("no cancellation in these tests");
    }

    #[test]
    fn a_completion_reports_its_status_once() {
        let mut request = Request::new(IRP_MJ_DEVICE_CONTROL, METHOD_BUFFERED, b"", 8);
        let before = completions();
        let completion = request.irp().complete(NtStatus::NOT_FOUND, 0);
        assert_eq!(completion.status(), NtStatus::NOT_FOUND);
        assert_eq!(request.io_status(), (NtStatus::NOT_FOUND.raw(), 0));
        assert_eq!(completions(), before + 1);
    }

    #[test]
    fn information_is_cut_to_the_output_length() {
        let mut request = Request::new(IRP_MJ_DEVICE_CONTROL, METHOD_BUFFERED, b"", 8);
        let _ = request.irp().complete(NtStatus::SUCCESS, 4096);
        assert_eq!(request.io_status(), (NtStatus::SUCCESS.raw(), 8), "the I/O manager copies Information bytes back");
        // Another request's Information is not a length of this buffer: left as given.
        let mut cleanup = Request::new(IRP_MJ_CLEANUP, METHOD_BUFFERED, b"", 0);
        let _ = cleanup.irp().complete(NtStatus::SUCCESS, 3);
        assert_eq!(cleanup.io_status().1, 3);
    }

    #[test]
    fn a_marked_irp_returns_pending_whatever_it_completes_with() {
        let mut request = Request::new(IRP_MJ_DEVICE_CONTROL, METHOD_BUFFERED, b"", 0);
        let mut irp = request.irp();
        let pending = irp.mark_pending();
        assert_eq!(pending, Completion::PENDING);
        assert_eq!(irp.complete(NtStatus::SUCCESS, 0), Completion::PENDING);
        assert_eq!(request.io_status().0, NtStatus::SUCCESS.raw(), "completed with its own status");
    }

    #[test]
    fn completion_takes_the_cancel_routine_back() {
        let mut request = Request::new(IRP_MJ_DEVICE_CONTROL, METHOD_BUFFERED, b"", 0);
        *request.cancel_routine() = Some(never_called);
        let _ = request.irp().complete(NtStatus::SUCCESS, 0);
        assert!(request.cancel_routine().is_none(), "a later IoCancelIrp finds no routine to call");
    }

    #[test]
    #[cfg_attr(debug_assertions, should_panic(expected = "STATUS_PENDING"))]
    fn no_irp_completes_with_status_pending() {
        let mut request = Request::new(IRP_MJ_DEVICE_CONTROL, METHOD_BUFFERED, b"", 0);
        let completion = request.irp().complete(Completion::PENDING.status(), 0);
        assert_eq!(completion.status(), super::INTERNAL_ERROR);
        assert_eq!(request.io_status().0, super::INTERNAL_ERROR.raw());
    }
}
