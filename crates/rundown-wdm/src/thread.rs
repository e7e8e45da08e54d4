//! A system thread (`PsCreateSystemThread`) that DriverUnload waits for before the image goes.

use alloc::boxed::Box;

use rundown::irql::{Irql, Passive, PassiveEntryPoint};
use wdk_sys::ntddk::{PsCreateSystemThread, ZwClose, ZwWaitForSingleObject};
use wdk_sys::{HANDLE, NT_SUCCESS, NTSTATUS, OBJ_KERNEL_HANDLE, OBJECT_ATTRIBUTES, PVOID, THREAD_ALL_ACCESS};

use crate::wdk_values::FALSE;

/// `OBJECT_ATTRIBUTES.Length`: the structure's size, which fits a `ULONG`.
#[expect(clippy::cast_possible_truncation, reason = "48 bytes")]
const OBJECT_ATTRIBUTES_LENGTH: u32 = size_of::<OBJECT_ATTRIBUTES>() as u32;

/// A running system thread; [`join`](Self::join) waits for it to end.
///
/// A driver must not unload while one of its threads still runs its code, so the handle is kept
/// and waited on (`ZwWaitForSingleObject`) by DriverUnload.
///
/// ```ignore
/// let thread = SystemThread::spawn(try_box(Worker { state })?)?; // Worker: ThreadMain
/// // ... DriverUnload:
/// thread.join(&irql);
/// ```
#[must_use = "a thread that is not joined may outlive the driver image"]
pub struct SystemThread {
    handle: HANDLE,
}

// SAFETY: a kernel handle (OBJ_KERNEL_HANDLE, set at spawn) usable from any process.
unsafe impl Send for SystemThread {}
// SAFETY: as above; `join` consumes the value.
unsafe impl Sync for SystemThread {}

/// What a system thread runs: the thread owns the boxed value.
pub trait ThreadMain: Send + 'static {
    /// The thread's body, at PASSIVE_LEVEL.
    fn run(self: Box<Self>, irql: &Irql<Passive>);
}

impl SystemThread {
    /// Starts `main.run(irql)` on a new system thread.
    ///
    /// # Errors
    /// `PsCreateSystemThread`'s status; `main` is dropped then.
    pub fn spawn<M: ThreadMain>(main: Box<M>) -> Result<Self, NTSTATUS> {
        let start = Box::into_raw(main);
        let mut handle: HANDLE = core::ptr::null_mut();
        // A kernel handle, whichever process calls (a peer starts its worker from a user
        // request): PsCreateSystemThread's documentation requires OBJ_KERNEL_HANDLE outside the
        // System process, and `join` may run in another process.
        let mut attributes = OBJECT_ATTRIBUTES {
            Length: OBJECT_ATTRIBUTES_LENGTH,
            RootDirectory: core::ptr::null_mut(),
            ObjectName: core::ptr::null_mut(),
            Attributes: OBJ_KERNEL_HANDLE,
            SecurityDescriptor: core::ptr::null_mut(),
            SecurityQualityOfService: core::ptr::null_mut(),
        };
        // SAFETY: `trampoline::<M>` takes ownership of `start`; the handle is closed by `join`.
        let status = unsafe {
            PsCreateSystemThread(
                &raw mut handle,
                THREAD_ALL_ACCESS,
                &raw mut attributes,
                core::ptr::null_mut(),
                core::ptr::null_mut(),
                Some(trampoline::<M>),
                start.cast(),
            )
        };
        if !NT_SUCCESS(status) {
            // SAFETY: the thread did not start, so `start` is still ours.
            drop(unsafe { Box::from_raw(start) });
            return Err(status);
        }
        Ok(Self { handle })
    }

    /// The thread's handle, for keeping where a `SystemThread` cannot go (an atomic).
    #[must_use = "the handle must be joined through `from_raw`"]
    pub fn into_raw(self) -> HANDLE {
        self.handle
    }

    /// The thread whose handle [`into_raw`](Self::into_raw) gave.
    ///
    /// # Safety
    /// `handle` came from `into_raw` and is turned back once.
    pub unsafe fn from_raw(handle: HANDLE) -> Self {
        Self { handle }
    }

    /// Waits until the thread has ended, then closes its handle.
    pub fn join(self, irql: &Irql<Passive>) {
        let _ = irql;
        // SAFETY: this thread's handle, waited on at PASSIVE_LEVEL and closed once, here.
        let _ = unsafe { ZwWaitForSingleObject(self.handle, FALSE, core::ptr::null_mut()) };
        // SAFETY: as above.
        let _ = unsafe { ZwClose(self.handle) };
    }
}

unsafe extern "C" fn trampoline<M: ThreadMain>(start: PVOID) {
    // SAFETY: a thread from PsCreateSystemThread starts at PASSIVE_LEVEL.
    let irql = unsafe { Irql::entered_at(PassiveEntryPoint::SystemThread) };
    // SAFETY: `spawn` passed a Box<M> and gave up ownership.
    let main = unsafe { Box::from_raw(start.cast::<M>()) };
    main.run(&irql);
}
