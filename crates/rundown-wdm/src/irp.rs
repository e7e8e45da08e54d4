//! An I/O request packet in the hands of this driver, from dispatch to completion.

use core::ptr::NonNull;

use wdk_sys::ntddk::IofCompleteRequest;
use wdk_sys::{IO_STACK_LOCATION, IRP, NTSTATUS, PFILE_OBJECT, PIRP};

use crate::wdk_values::{IO_NO_INCREMENT, SL_PENDING_RETURNED, USER_MODE};

/// An IRP this driver must complete exactly once: [`complete`](Self::complete) consumes it.
///
/// # Invariants
/// `raw` is an IRP the I/O manager gave this driver's dispatch routine, not yet completed, with
/// a current stack location for this driver.
#[must_use = "an IRP that is neither completed nor pended hangs its caller"]
pub struct Irp {
    raw: NonNull<IRP>,
}

// SAFETY: an IRP may be completed from any thread (the owner thread completes pended ROTATEs).
unsafe impl Send for Irp {}

impl Irp {
    /// # Safety
    /// `irp` was passed to one of this driver's dispatch routines (or pended by one) and is not
    /// completed; the returned value is the only one for it.
    ///
    /// # Panics
    /// If `irp` is null, which the I/O manager never passes.
    pub unsafe fn from_raw(irp: PIRP) -> Self {
        Self { raw: NonNull::new(irp).expect("the I/O manager passes a non-null IRP") }
    }

    /// The raw pointer, for pending the IRP; [`Irp::from_raw`] takes it back.
    #[must_use]
    pub fn into_raw(self) -> PIRP {
        self.raw.as_ptr()
    }

    fn irp(&self) -> &IRP {
        // SAFETY: valid and not completed (invariant).
        unsafe { self.raw.as_ref() }
    }

    /// `IoGetCurrentIrpStackLocation`, an inline function in C.
    fn current_stack_location(&self) -> *mut IO_STACK_LOCATION {
        // SAFETY: while a driver owns the IRP, `Tail` holds `Overlay`.
        let overlay = unsafe { &self.irp().Tail.Overlay };
        // SAFETY: and `Overlay`'s second union holds the current stack location.
        unsafe { overlay.__bindgen_anon_2.__bindgen_anon_1.CurrentStackLocation }
    }

    /// The current stack location: this driver's parameters.
    ///
    /// # Panics
    /// If the IRP has none, which a dispatched IRP always has.
    #[must_use]
    pub fn stack(&self) -> &IO_STACK_LOCATION {
        // SAFETY: the I/O manager set it to this driver's location before dispatching.
        unsafe { self.current_stack_location().as_ref() }.expect("a dispatched IRP has a current stack location")
    }

    /// The file object the request came through (null for some kernel-built requests).
    #[must_use]
    pub fn file_object(&self) -> PFILE_OBJECT {
        self.stack().FileObject
    }

    /// True when user mode sent the request.
    #[must_use]
    pub fn sent_from_user_mode(&self) -> bool {
        self.irp().RequestorMode == USER_MODE
    }

    /// `Parameters.DeviceIoControl`'s code and buffer lengths.
    #[must_use]
    pub fn device_io_control(&self) -> (u32, usize, usize) {
        // SAFETY: DEVICE_CONTROL and INTERNAL_DEVICE_CONTROL IRPs use this union member.
        let parameters = unsafe { &self.stack().Parameters.DeviceIoControl };
        (parameters.IoControlCode, parameters.InputBufferLength as usize, parameters.OutputBufferLength as usize)
    }

    /// METHOD_BUFFERED's system buffer: `max(input, output)` bytes, or null when both are 0.
    #[must_use]
    pub fn system_buffer(&self) -> *mut u8 {
        // SAFETY: METHOD_BUFFERED requests use the `SystemBuffer` member.
        unsafe { self.irp().AssociatedIrp.SystemBuffer }.cast()
    }

    /// Marks the IRP pending (`IoMarkIrpPending`); the dispatch routine then returns
    /// `STATUS_PENDING` and someone completes it later.
    pub fn mark_pending(&mut self) {
        let stack = self.current_stack_location();
        // SAFETY: the current stack location belongs to this driver, which may set its Control.
        unsafe { (*stack).Control |= SL_PENDING_RETURNED };
    }

    /// Completes the request with `status`, `information` bytes of output, and returns `status`
    /// for the dispatch routine to return.
    #[must_use = "dispatch routines return the status they completed with"]
    pub fn complete(mut self, status: NTSTATUS, information: usize) -> NTSTATUS {
        // SAFETY: the IRP is still ours; `IoStatus` is written before completion.
        let io_status = unsafe { &mut self.raw.as_mut().IoStatus };
        io_status.__bindgen_anon_1.Status = status;
        io_status.Information = information as u64;
        // SAFETY: completed exactly once: `self` is consumed.
        unsafe { IofCompleteRequest(self.raw.as_ptr(), IO_NO_INCREMENT) };
        status
    }
}
