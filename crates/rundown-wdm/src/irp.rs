//! An I/O request packet in the hands of this driver, from dispatch to its one completion.
//!
//! METHOD_BUFFERED access is in `buffered.rs`, pending and cancellation in `cancel.rs`.

use core::ptr::NonNull;

use rundown_abi::NtStatus;
use wdk_sys::ntddk::IofCompleteRequest;
use wdk_sys::{IO_STACK_LOCATION, IRP, PIRP};

use crate::file_object::FileObject;
use crate::wdk_values::{IO_NO_INCREMENT, USER_MODE};
use crate::{Completion, FileKey, IoControl};

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
        Self { raw: NonNull::new(irp).expect("the I/O manager passes a non-null IRP") }
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

    /// Completes the request successfully with `value`'s bytes as its output (a C structure, a
    /// function table), or with `STATUS_BUFFER_TOO_SMALL` if the output buffer is shorter.
    /// Padding bytes of `T` are copied as they are, so use it for kernel-mode callers or
    /// padding-free types.
    ///
    /// ```
    /// use rundown_wdm::{Completion, Irp};
    ///
    /// #[derive(Clone, Copy)]
    /// #[repr(C)]
    /// struct Pair { low: u32, high: u32 }
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn reply(irp: Irp) -> Completion {
    ///     irp.complete_with_value(&Pair { low: 1, high: 2 })
    /// }
    /// ```
    pub fn complete_with_value<T: Copy>(mut self, value: &T) -> Completion {
        let size = size_of::<T>();
        match self.buffered_output().and_then(|output| output.get_mut(..size)) {
            Some(output) => {
                // SAFETY: `output` has room for a `T` (`size` bytes) and `write_unaligned` accepts
                // any alignment; `T: Copy` has no drop to skip. The bytes written are never read
                // here.
                unsafe { output.as_mut_ptr().cast::<T>().write_unaligned(*value) };
                self.complete(NtStatus::SUCCESS, size)
            }
            None => self.complete(NtStatus::BUFFER_TOO_SMALL, 0),
        }
    }

    /// Completes the request with `status` and `information` (bytes of output, for a success),
    /// and gives what the dispatch routine returns.
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
    pub fn complete(self, status: NtStatus, information: usize) -> Completion {
        let irp = self.as_ptr();
        // SAFETY: the IRP is still ours (invariant); only `IoStatus` is borrowed, which nobody
        // else touches before completion.
        let io_status = unsafe { &mut (*irp).IoStatus };
        io_status.__bindgen_anon_1.Status = status.raw();
        io_status.Information = information as u64;
        // SAFETY: completed exactly once: `self` is consumed.
        unsafe { IofCompleteRequest(irp, IO_NO_INCREMENT) };
        Completion::completed(status)
    }
}
