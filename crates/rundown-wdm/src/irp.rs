//! An I/O request packet in the hands of this driver, from dispatch to completion.

use core::ptr::NonNull;

use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering::SeqCst};

use wdk_sys::ntddk::{IoReleaseCancelSpinLock, IofCompleteRequest};
use wdk_sys::{DRIVER_CANCEL, IO_STACK_LOCATION, IRP, NTSTATUS, PDEVICE_OBJECT, PFILE_OBJECT, PIRP};

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

    /// METHOD_BUFFERED's input: the first `InputBufferLength` bytes of the system buffer; `None`
    /// if the I/O manager gave no buffer for a non-zero length.
    #[must_use]
    pub fn buffered_input(&self) -> Option<&[u8]> {
        let (_, input_len, _) = self.device_io_control();
        self.buffer(input_len).map(|input| &*input)
    }

    /// METHOD_BUFFERED's output: the first `OutputBufferLength` bytes of the system buffer,
    /// which overwrite the input; `None` if there is no buffer for a non-zero length.
    #[must_use]
    pub fn buffered_output(&mut self) -> Option<&mut [u8]> {
        let (_, _, output_len) = self.device_io_control();
        self.buffer(output_len)
    }

    #[expect(clippy::mut_from_ref, reason = "the system buffer is the IRP's, not `self`'s memory; see the SAFETY note")]
    fn buffer(&self, len: usize) -> Option<&mut [u8]> {
        let buffer = self.system_buffer();
        if len == 0 {
            return Some(&mut []);
        }
        // SAFETY: METHOD_BUFFERED: a non-null system buffer holds max(input, output) bytes, so
        // `len` (one of them) bytes, valid until completion; the two callers borrow the IRP for
        // as long as the slice lives (shared for the input, exclusive for the output), so the
        // output is never written while an input slice is alive.
        (!buffer.is_null()).then(|| unsafe { core::slice::from_raw_parts_mut(buffer, len) })
    }

    /// Completes the request successfully with `reply` as its output, or with
    /// `STATUS_BUFFER_TOO_SMALL` if the output buffer is shorter.
    #[must_use = "dispatch routines return the status they completed with"]
    pub fn complete_with_output(mut self, reply: &[u8]) -> NTSTATUS {
        match self.buffered_output().and_then(|output| output.get_mut(..reply.len())) {
            Some(output) => {
                output.copy_from_slice(reply);
                self.complete(wdk_sys::STATUS_SUCCESS, reply.len())
            }
            None => self.complete(wdk_sys::STATUS_BUFFER_TOO_SMALL, 0),
        }
    }

    /// `IoSetCancelRoutine`: swaps the IRP's cancel routine (an interlocked exchange of
    /// `Irp->CancelRoutine`, inline in the WDK's headers), returning the one it replaced.
    pub fn set_cancel_routine(&mut self, routine: DRIVER_CANCEL) -> DRIVER_CANCEL {
        let raw = routine.map_or(core::ptr::null_mut(), |routine| routine as *mut core::ffi::c_void);
        // SAFETY: the IRP is ours (invariant), so the field's address is valid.
        let address = unsafe { &raw mut (*self.raw.as_ptr()).CancelRoutine };
        // SAFETY: `CancelRoutine` is a pointer-sized, aligned field the I/O manager itself
        // exchanges atomically (`IoCancelIrp`), so an atomic view of it is how every party
        // accesses it.
        let field = unsafe { AtomicPtr::<core::ffi::c_void>::from_ptr(address.cast()) };
        let previous = field.swap(raw, SeqCst);
        // SAFETY: the field only ever holds null or a `DRIVER_CANCEL` function pointer.
        unsafe { core::mem::transmute::<*mut core::ffi::c_void, DRIVER_CANCEL>(previous) }
    }

    /// `Irp->Cancel`: `IoCancelIrp` was called for the IRP.
    #[must_use]
    pub fn cancel_requested(&self) -> bool {
        // SAFETY: the IRP is ours (invariant), so the field's address is valid.
        let address = unsafe { &raw mut (*self.raw.as_ptr()).Cancel };
        // SAFETY: `IoCancelIrp` sets the `BOOLEAN` from another thread, so it is read as an
        // atomic byte (0 or 1, a valid `bool`).
        let flag = unsafe { AtomicBool::from_ptr(address.cast()) };
        flag.load(SeqCst)
    }

    /// Whether this is the IRP behind `raw`.
    #[must_use]
    pub fn is(&self, raw: PIRP) -> bool {
        core::ptr::eq(self.raw.as_ptr(), raw)
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

/// What a cancel routine must do first: release the cancel spin lock `IoCancelIrp` acquired,
/// lowering IRQL to `Irp->CancelIrql`. Returns the IRP's address, to look it up by; the IRP
/// itself is reached only through whoever holds it.
///
/// # Safety
/// Called once, at the start of a cancel routine, with the IRP the I/O manager passed it.
pub unsafe fn release_cancel_spin_lock(_device: PDEVICE_OBJECT, irp: PIRP) -> PIRP {
    // SAFETY: a cancel routine's IRP is valid until completed, which cannot happen before this
    // routine hands it on; `CancelIrql` was saved by IoAcquireCancelSpinLock.
    let irql = unsafe { (*irp).CancelIrql };
    // SAFETY: the cancel routine owns the cancel spin lock, released once, here.
    unsafe { IoReleaseCancelSpinLock(irql) };
    irp
}
