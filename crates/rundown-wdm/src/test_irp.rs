//! IRPs for the host tests: built in memory as the I/O manager would dispatch them, and an
//! `IofCompleteRequest` that records the completion instead of finishing a request.

extern crate alloc;
extern crate std;

use alloc::boxed::Box;
use core::cell::Cell;

use wdk_sys::{CCHAR, IO_STACK_LOCATION, IRP, PIRP};

use crate::Irp;

/// An IRP as the I/O manager would dispatch it: `major`, a control code of `method` with these
/// lengths, and a system buffer of `max(input, output)` bytes whose first bytes are `input` and
/// the rest 0xEE (what pool might hold).
pub(crate) struct Request {
    irp: Box<IRP>,
    _stack: Box<IO_STACK_LOCATION>,
    buffer: Box<[u8]>,
}

impl Request {
    pub(crate) fn new(major: u32, method: u32, input: &[u8], output_len: u32) -> Self {
        let mut buffer = alloc::vec![0xEE_u8; input.len().max(output_len as usize)].into_boxed_slice();
        buffer[..input.len()].copy_from_slice(input);
        let mut stack = Box::new(IO_STACK_LOCATION::default());
        stack.MajorFunction = u8::try_from(major).expect("an IRP_MJ_* value");
        // SAFETY: writes of plain integers into the union member DEVICE_CONTROL uses.
        unsafe {
            stack.Parameters.DeviceIoControl.IoControlCode = 0x8352_6000 | method;
            stack.Parameters.DeviceIoControl.InputBufferLength = u32::try_from(input.len()).expect("short");
            stack.Parameters.DeviceIoControl.OutputBufferLength = output_len;
        }
        let mut irp = Box::new(IRP::default());
        irp.AssociatedIrp.SystemBuffer = buffer.as_mut_ptr().cast();
        irp.Tail.Overlay.__bindgen_anon_2.__bindgen_anon_1.CurrentStackLocation = &raw mut *stack;
        Self { irp, _stack: stack, buffer }
    }

    /// The driver's view of the request.
    pub(crate) fn irp(&mut self) -> Irp {
        // SAFETY: a well-formed IRP with a current stack location, alive as long as `self`; the
        // tests complete it at most once, through the recording `IofCompleteRequest` below.
        unsafe { Irp::from_raw(&raw mut *self.irp) }
    }

    /// The system buffer's bytes.
    pub(crate) fn buffer(&self) -> &[u8] {
        &self.buffer
    }

    /// What the last completion left in `IoStatus`: the status and `Information`.
    pub(crate) fn io_status(&self) -> (i32, u64) {
        // SAFETY: `Status` is the member the driver writes.
        (unsafe { self.irp.IoStatus.__bindgen_anon_1.Status }, self.irp.IoStatus.Information)
    }

    /// The IRP's `CancelRoutine`, as a test may set it.
    pub(crate) fn cancel_routine(&mut self) -> &mut wdk_sys::PDRIVER_CANCEL {
        &mut self.irp.CancelRoutine
    }
}

std::thread_local! {
    static COMPLETED: Cell<usize> = const { Cell::new(0) };
}

/// How many IRPs this thread completed so far.
pub(crate) fn completions() -> usize {
    COMPLETED.with(Cell::get)
}

/// The host's `IofCompleteRequest`: counts the completion (the IRP stays as the driver left it).
///
/// # Safety
/// Called by [`Irp::complete`] only.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn IofCompleteRequest(_irp: PIRP, _boost: CCHAR) {
    COMPLETED.with(|count| count.set(count.get() + 1));
}
