//! A system thread (`PsCreateSystemThread`) that DriverUnload waits for before the image goes,
//! and the pause such a thread takes.

use alloc::boxed::Box;
use core::mem::ManuallyDrop;
use core::sync::atomic::AtomicPtr;
use core::sync::atomic::Ordering::SeqCst;

use rundown::irql::{Irql, Passive, PassiveEntryPoint};
use rundown_abi::NtStatus;
use wdk_sys::ntddk::{KeDelayExecutionThread, PsCreateSystemThread, ZwClose, ZwWaitForSingleObject};
use wdk_sys::{HANDLE, LARGE_INTEGER, OBJ_KERNEL_HANDLE, OBJECT_ATTRIBUTES, PVOID, THREAD_ALL_ACCESS};

use crate::status::check;
use crate::wdk_values::{FALSE, KERNEL_MODE};

/// `OBJECT_ATTRIBUTES.Length`: the structure's size, which fits a `ULONG`.
#[expect(clippy::cast_possible_truncation, reason = "48 bytes")]
const OBJECT_ATTRIBUTES_LENGTH: u32 = size_of::<OBJECT_ATTRIBUTES>() as u32;

/// A running system thread; [`join`](Self::join) waits for it to end.
///
/// A driver must not unload while one of its threads still runs its code, so the handle is kept
/// and waited on (`ZwWaitForSingleObject`) before DriverUnload returns: in
/// [`Driver::stop`](crate::Driver::stop), or from a [`ThreadSlot`].
///
/// ```
/// use rundown::irql::{Irql, Passive};
/// use rundown_wdm::{SystemThread, ThreadMain};
///
/// struct Hello;
/// impl ThreadMain for Hello {
///     fn run(self: Box<Self>, _irql: &Irql<Passive>) {
///         rundown_wdm::info!("hello from a system thread");
///     }
/// }
///
/// # // Defined, never called: the host that runs the doctests has no PsCreateSystemThread.
/// fn start_and_wait(irql: &Irql<Passive>) -> Result<(), rundown_abi::NtStatus> {
///     let thread = SystemThread::spawn(rundown_service::try_box(Hello).expect("pool"))?;
///     thread.join(irql);
///     Ok(())
/// }
/// ```
#[must_use = "a thread that is not joined may outlive the driver image"]
pub struct SystemThread {
    handle: HANDLE,
}

// SAFETY: a kernel handle (OBJ_KERNEL_HANDLE, set at spawn) usable from any process and thread.
unsafe impl Send for SystemThread {}
// SAFETY: as above; `join` consumes the value.
unsafe impl Sync for SystemThread {}

/// What a system thread runs: the thread owns the boxed value.
///
/// ```
/// use rundown::irql::{Irql, Passive};
/// use rundown_wdm::ThreadMain;
///
/// struct Count(u32);
/// impl ThreadMain for Count {
///     fn run(self: Box<Self>, _irql: &Irql<Passive>) {
///         let Count(n) = *self;
///         rundown_wdm::trace!("counted to {n}");
///     }
/// }
/// ```
pub trait ThreadMain: Send + 'static {
    /// The thread's body, at PASSIVE_LEVEL.
    ///
    /// ```
    /// # use rundown::irql::{Irql, Passive};
    /// # use rundown_wdm::ThreadMain;
    /// # struct Nap(u32);
    /// # impl ThreadMain for Nap {
    /// fn run(self: Box<Self>, irql: &Irql<Passive>) {
    ///     rundown_wdm::sleep_us(self.0, irql); // PASSIVE_LEVEL: waits are allowed
    /// }
    /// # }
    /// ```
    fn run(self: Box<Self>, irql: &Irql<Passive>);
}

impl SystemThread {
    /// Starts `main.run(irql)` on a new system thread.
    ///
    /// # Errors
    /// `PsCreateSystemThread`'s status; `main` is dropped then.
    ///
    /// ```
    /// use rundown::irql::{Irql, Passive};
    /// use rundown_wdm::{SystemThread, ThreadMain};
    ///
    /// struct Idle;
    /// impl ThreadMain for Idle {
    ///     fn run(self: Box<Self>, _irql: &Irql<Passive>) {}
    /// }
    ///
    /// # // Defined, never called: the host that runs the doctests has no PsCreateSystemThread.
    /// fn start() -> Result<SystemThread, rundown_abi::NtStatus> {
    ///     SystemThread::spawn(rundown_wdm::try_box(Idle).ok_or(rundown_abi::NtStatus::INSUFFICIENT_RESOURCES)?)
    /// }
    /// ```
    pub fn spawn<M: ThreadMain>(main: Box<M>) -> Result<Self, NtStatus> {
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
        // SAFETY: `trampoline::<M>` takes ownership of `start`; the handle is closed by `join` or the drop.
        let started = check(unsafe {
            PsCreateSystemThread(
                &raw mut handle,
                THREAD_ALL_ACCESS,
                &raw mut attributes,
                core::ptr::null_mut(),
                core::ptr::null_mut(),
                Some(trampoline::<M>),
                start.cast(),
            )
        });
        if let Err(status) = started {
            // SAFETY: the thread did not start, so `start` is still ours.
            drop(unsafe { Box::from_raw(start) });
            return Err(status);
        }
        Ok(Self { handle })
    }

    fn into_handle(self) -> HANDLE {
        // The handle moves out: no join on drop.
        ManuallyDrop::new(self).handle
    }

    /// Waits until the thread has ended, then closes its handle.
    ///
    /// ```
    /// use rundown::irql::{Irql, Passive};
    /// use rundown_wdm::SystemThread;
    ///
    /// # // Defined, never called: the host that runs the doctests has no ZwWaitForSingleObject.
    /// fn unload(worker: SystemThread, irql: &Irql<Passive>) {
    ///     worker.join(irql); // its code has returned: the image may go
    /// }
    /// ```
    pub fn join(self, irql: &Irql<Passive>) {
        wait_and_close(self.into_handle(), irql);
    }
}

impl Drop for SystemThread {
    /// A thread dropped without [`join`](Self::join) is joined here, so that it cannot run on in
    /// an image DriverUnload let go. That needs PASSIVE_LEVEL; above it the wait is impossible,
    /// and the handle is leaked (debug builds stop). `mem::forget` still skips both: the drivers'
    /// threads live in a [`ThreadSlot`] that `stop` joins.
    fn drop(&mut self) {
        match Irql::<Passive>::check() {
            Some(irql) => wait_and_close(self.handle, &irql),
            None => debug_assert!(false, "a SystemThread dropped above PASSIVE_LEVEL without join"),
        }
    }
}

/// Waits for the thread to end and closes its handle.
fn wait_and_close(handle: HANDLE, irql: &Irql<Passive>) {
    let _ = irql;
    // SAFETY: a thread's kernel handle, waited on at PASSIVE_LEVEL and closed once, here (the
    // caller gave it up).
    let _ = unsafe { ZwWaitForSingleObject(handle, FALSE, core::ptr::null_mut()) };
    // SAFETY: as above.
    let _ = unsafe { ZwClose(handle) };
}

unsafe extern "C" fn trampoline<M: ThreadMain>(start: PVOID) {
    // SAFETY: a thread from PsCreateSystemThread starts at PASSIVE_LEVEL.
    let irql = unsafe { Irql::entered_at(PassiveEntryPoint::SystemThread) };
    // SAFETY: `spawn` passed a Box<M> and gave up ownership.
    let main = unsafe { Box::from_raw(start.cast::<M>()) };
    main.run(&irql);
}

/// A place for a [`SystemThread`] in state that requests share: an atomic slot whose
/// [`take`](Self::take) gives the thread to one caller only.
///
/// ```
/// use rundown_wdm::ThreadSlot;
///
/// static WORKER: ThreadSlot = ThreadSlot::new();
///
/// # // Defined, never called: a thread taken and dropped is joined, which the host cannot.
/// fn idle() -> bool {
///     WORKER.take().is_none()
/// }
/// ```
#[derive(Debug, Default)]
pub struct ThreadSlot {
    /// The thread's handle, or null.
    handle: AtomicPtr<core::ffi::c_void>,
}

impl ThreadSlot {
    /// An empty slot.
    ///
    /// ```
    /// use rundown_wdm::ThreadSlot;
    ///
    /// # // Defined, never called: a slot dropped joins its thread, which the host cannot.
    /// fn empty() -> ThreadSlot {
    ///     ThreadSlot::new()
    /// }
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self { handle: AtomicPtr::new(core::ptr::null_mut()) }
    }

    /// Keeps `thread`; a thread the slot held already is given back.
    ///
    /// ```
    /// use rundown_wdm::{SystemThread, ThreadSlot};
    ///
    /// # // Defined, never called: the host that runs the doctests has no system threads.
    /// fn keep(slot: &ThreadSlot, thread: SystemThread) {
    ///     assert!(slot.put(thread).is_none(), "one worker at a time");
    /// }
    /// ```
    pub fn put(&self, thread: SystemThread) -> Option<SystemThread> {
        // The slot owns the handle now.
        let previous = self.handle.swap(thread.into_handle(), SeqCst);
        (!previous.is_null()).then_some(SystemThread { handle: previous })
    }

    /// Takes the thread out, if the slot holds one.
    ///
    /// ```
    /// use rundown::irql::{Irql, Passive};
    /// use rundown_wdm::ThreadSlot;
    ///
    /// # // Defined, never called: the host that runs the doctests has no system threads.
    /// fn collect(slot: &ThreadSlot, irql: &Irql<Passive>) {
    ///     if let Some(thread) = slot.take() {
    ///         thread.join(irql);
    ///     }
    /// }
    /// ```
    #[must_use]
    pub fn take(&self) -> Option<SystemThread> {
        let handle = self.handle.swap(core::ptr::null_mut(), SeqCst);
        (!handle.is_null()).then_some(SystemThread { handle })
    }

    /// Waits for the thread the slot holds, if any, to end.
    ///
    /// ```
    /// use rundown::irql::{Irql, Passive};
    /// use rundown_wdm::ThreadSlot;
    ///
    /// # // Defined, never called: the host that runs the doctests has no system threads.
    /// fn stop(worker: &ThreadSlot, irql: &Irql<Passive>) {
    ///     worker.join(irql); // nothing to wait for if the slot is empty
    /// }
    /// ```
    pub fn join(&self, irql: &Irql<Passive>) {
        if let Some(thread) = self.take() {
            thread.join(irql);
        }
    }
}

impl Drop for ThreadSlot {
    /// A thread still in the slot is joined ([`SystemThread`]'s drop).
    fn drop(&mut self) {
        drop(self.take());
    }
}

/// Sleeps `microseconds` at PASSIVE_LEVEL (`KeDelayExecutionThread`, kernel mode, not
/// alertable); 0 returns at once.
///
/// ```
/// use rundown::irql::{Irql, Passive};
///
/// # // Defined, never called: the host that runs the doctests has no KeDelayExecutionThread.
/// fn pause(irql: &Irql<Passive>) {
///     rundown_wdm::sleep_us(100, irql);
/// }
/// ```
pub fn sleep_us(microseconds: u32, irql: &Irql<Passive>) {
    let _ = irql;
    if microseconds == 0 {
        return;
    }
    // Relative, in 100 ns units.
    let mut interval = LARGE_INTEGER { QuadPart: -10 * i64::from(microseconds) };
    // SAFETY: PASSIVE_LEVEL (the token says so); a kernel-mode, non-alertable delay of a valid
    // interval.
    let _ = unsafe { KeDelayExecutionThread(KERNEL_MODE, FALSE, &raw mut interval) };
}
