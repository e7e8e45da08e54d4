//! The one place a loaded driver's state lives: published by DriverEntry, reached by requests
//! under run-down protection, retired and freed by DriverUnload.

use alloc::boxed::Box;
use core::cell::UnsafeCell;
use core::ops::Deref;
use core::ptr::NonNull;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use core::sync::atomic::{AtomicPtr, AtomicUsize};

use rundown::irql::{AtMost, Dispatch, Irql, Passive};
use rundown::{RundownGuard, RundownRef};

use crate::Driver;
use crate::unclosed::UnclosedFiles;

/// How long the portable flavours' unload waits for CLOSEs on their way (Wine), in microseconds.
const CLOSES_IN_FLIGHT_US: u32 = 100_000;
/// How often it looks, in microseconds.
const CLOSE_POLL_US: u32 = 1_000;

/// Where [`driver!`](crate::driver) keeps a driver's state (a `static` of its own).
///
/// Each request enters it: a run-down acquire on `protection`, then the
/// state. DriverUnload stops the driver ([`Driver::stop`]), runs `protection` down, which refuses
/// new requests (`STATUS_DELETE_PENDING`) and waits for those inside, and only then frees the
/// state. So a request never sees a state that is being dropped, and dropping it is not shared
/// with anyone (`Drop` gets a `&mut` nobody else has).
///
/// # Invariants
/// - `state` is null, or the leaked `Box<D>` `load` (DriverEntry) stored, alive until `unload`
///   (DriverUnload) frees it, which happens only after `protection` was run down.
/// - `protection` is written only by `load`, while no request of the driver can run.
/// - A pointer on `unclosed` is a `D::File` that a file object's `FsContext` also holds.
///
/// ```
/// # use rundown::irql::{Irql, Passive};
/// # use rundown_abi::NtStatus;
/// # use rundown_wdm::{Driver, DriverObject, RegistryPath};
/// use rundown_wdm::DriverCell;
///
/// struct Quiet;
/// # impl Driver for Quiet {
/// #     const NAME: &'static str = "quiet";
/// #     type File = ();
/// #     type ControlLevel = Passive;
/// #     fn init(_: &mut DriverObject<'_>, _: RegistryPath<'_>, _: &Irql<Passive>) -> Result<Self, NtStatus> { Ok(Self) }
/// # }
///
/// // What `rundown_wdm::driver!(Quiet)` keeps the state in:
/// static CELL: DriverCell<Quiet> = DriverCell::new();
/// ```
pub struct DriverCell<D: Driver> {
    protection: UnsafeCell<RundownRef>,
    state: AtomicPtr<D>,
    unclosed: UnclosedFiles<D::File>,
    /// File objects CREATE opened and CLOSE has not closed (see [`Self::closes_in_flight`]).
    open_files: AtomicUsize,
}

// SAFETY: the state is shared as `&D` (`D: Sync`) on any thread, and moved in and out by DriverEntry
// and DriverUnload (`D: Send`); `protection` is written only while nobody else uses the cell
// (invariant) and is otherwise used through the run-down routines, which are thread-safe.
unsafe impl<D: Driver> Sync for DriverCell<D> {}

/// A request's way to the state: run-down protection on the cell, released when it drops.
pub(crate) struct Entered<'a, D> {
    state: &'a D,
    _protection: RundownGuard<'a>,
}

impl<D> Deref for Entered<'_, D> {
    type Target = D;

    fn deref(&self) -> &D {
        self.state
    }
}

impl<D: Driver> DriverCell<D> {
    /// An empty cell: no state, requests refused.
    ///
    /// ```
    /// # use rundown::irql::{Irql, Passive};
    /// # use rundown_abi::NtStatus;
    /// # use rundown_wdm::{Driver, DriverObject, RegistryPath};
    /// # struct Quiet;
    /// # impl Driver for Quiet {
    /// #     const NAME: &'static str = "quiet";
    /// #     type File = ();
    /// #     type ControlLevel = Passive;
    /// #     fn init(_: &mut DriverObject<'_>, _: RegistryPath<'_>, _: &Irql<Passive>) -> Result<Self, NtStatus> { Ok(Self) }
    /// # }
    /// let cell = rundown_wdm::DriverCell::<Quiet>::new(); // empty: requests are refused
    /// # drop(cell);
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self {
            protection: UnsafeCell::new(RundownRef::new()),
            state: AtomicPtr::new(core::ptr::null_mut()),
            unclosed: UnclosedFiles::new(),
            open_files: AtomicUsize::new(0),
        }
    }

    /// CREATE opened a file object of the driver's devices.
    pub(crate) fn file_opened(&self) {
        self.open_files.fetch_add(1, Relaxed);
    }

    /// CLOSE closed one (never below zero: a CLOSE for a file of an earlier load of the image
    /// counts nothing).
    pub(crate) fn file_closed(&self) {
        let _ = self.open_files.fetch_update(Relaxed, Relaxed, |open| open.checked_sub(1));
    }

    /// Wine accommodation (the portable flavours only): Wine calls DriverUnload as soon as the
    /// service is stopped, even while the CLEANUP and CLOSE of a handle a process closed just
    /// before are still on their way to the driver on another thread; delivered after the image
    /// is unmapped, they would run code that is gone (seen once in about a thousand stop cycles:
    /// a page fault executing inside the peer's image, relocated by Wine, after its unload, on a
    /// thread other than the unload's). So the unload first
    /// gives such CLOSEs up to [`CLOSES_IN_FLIGHT_US`] to arrive; a handle a process still holds
    /// keeps its file open, and the unload goes on after that long. On Windows the I/O manager
    /// calls DriverUnload only after the last CLOSE.
    fn closes_in_flight(&self, irql: &Irql<Passive>) {
        if cfg!(feature = "ntoskrnl") {
            // Windows sends every CLOSE before DriverUnload: nothing to wait for.
            return;
        }
        let open = self.open_files.load(Relaxed);
        let mut waited = 0;
        while self.open_files.load(Relaxed) > 0 && waited < CLOSES_IN_FLIGHT_US {
            crate::sleep_us(CLOSE_POLL_US, irql);
            waited += CLOSE_POLL_US;
        }
        if open > 0 {
            let still_open = self.open_files.load(Relaxed);
            crate::info!(
                "{}: unload: {open} files open, {} closed within {} ms",
                D::NAME,
                open.saturating_sub(still_open),
                waited / 1000
            );
        }
    }

    fn protection(&self) -> &RundownRef {
        // SAFETY: written only by `load`, while no request (and so no reader) runs (invariant).
        unsafe { &*self.protection.get() }
    }

    /// DriverEntry: publishes `state` behind a fresh run-down reference.
    ///
    /// # Safety
    /// Called by DriverEntry only, before the dispatch routines are installed: no request of the
    /// driver runs (the I/O manager sends none to a driver whose DriverUnload returned).
    pub(crate) unsafe fn load(&self, state: Box<D>) {
        // SAFETY: nobody else uses the reference now (caller). A fresh one is active: an earlier
        // load of the same image (if the image stayed mapped) left it run down.
        unsafe { self.protection.get().write(RundownRef::new()) };
        self.open_files.store(0, Relaxed);
        // INVARIANT: leaked here, freed by `unload` once run down.
        self.state.store(Box::into_raw(state), Release);
    }

    /// A request's access to the state; `None` before DriverEntry finished or once DriverUnload
    /// began running the cell down.
    pub(crate) fn enter<'a>(&'a self, irql: &Irql<impl AtMost<Dispatch>>) -> Option<Entered<'a, D>> {
        let protection = self.protection().acquire(irql)?;
        // SAFETY: protection is held, so the state is not freed before the guard drops
        // (invariant).
        let state = unsafe { self.state.load(Acquire).as_ref() }?;
        Some(Entered { state, _protection: protection })
    }

    /// The file contexts a driver with [`Driver::FREE_UNCLOSED_FILES`] lists.
    pub(crate) fn unclosed(&self) -> &UnclosedFiles<D::File> {
        &self.unclosed
    }

    /// DriverUnload: stops the driver while requests still reach it, runs the requests down,
    /// frees the file contexts that were never closed (Wine), drops the state, then calls
    /// [`Driver::unloaded`].
    ///
    /// # Safety
    /// Called by DriverUnload only, once.
    pub(crate) unsafe fn unload(&self, irql: &mut Irql<Passive>) {
        let Some(state) = NonNull::new(self.state.load(Acquire)) else { return };
        self.closes_in_flight(irql);
        {
            // SAFETY: published by `load`, freed only below.
            let loaded = unsafe { state.as_ref() };
            loaded.stop(irql);
        }
        // SAFETY: `load` made the reference active and nobody else waits on it: DriverUnload is
        // its one owner. After the wait no request holds or gets protection.
        let owner = unsafe { self.protection().assume_owner() };
        let _completed = owner.wait_for_release(irql).completed(irql);
        self.state.store(core::ptr::null_mut(), Release);
        if D::FREE_UNCLOSED_FILES {
            // SAFETY: run down: no request reaches a context any more.
            let unclosed = unsafe { self.unclosed.free_all(irql) };
            if unclosed > 0 {
                crate::warn!(
                    "{}: freed {unclosed} handle contexts whose CLOSE never came (Wine unloads with handles open)",
                    D::NAME
                );
            }
        }
        // SAFETY: the `Box<D>` `load` leaked; no request reaches it (run down) and `stop`'s borrow
        // ended, so this is its only owner.
        drop(unsafe { Box::from_raw(state.as_ptr()) });
        D::unloaded(irql);
    }
}

impl<D: Driver> Default for DriverCell<D> {
    fn default() -> Self {
        Self::new()
    }
}
