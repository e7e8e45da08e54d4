//! The open handles' states: one per file object, in its `FsContext`, from CREATE to CLOSE.
//!
//! On Windows the I/O manager calls DriverUnload only after the last CLOSE, so `FsContext` is
//! all a handle's state needs. Wine calls DriverUnload while handles are open and never sends
//! their CLOSE afterwards (measured: not even for handles whose CLEANUP arrived during the
//! unload), so the portable flavour, which runs there, also lists the states
//! ([`rundown_service::Registry`], no capacity limit) and DriverUnload frees whatever is left,
//! once the final run-down has proved that none of them holds protection.

use core::ffi::c_void;

use rundown::irql::{AtMost, Dispatch, Irql};
use rundown_service::HandleState;

/// A handle's state, kept in its file object's `FsContext` from CREATE to CLOSE.
pub(crate) type Handle = HandleState<'static, 'static>;

/// Where the handles' states live.
pub(crate) struct OpenHandles {
    /// Wine only: the states whose CLOSE may never come.
    #[cfg(feature = "portable")]
    registry: rundown_service::Registry<Handle>,
}

impl OpenHandles {
    pub(crate) const fn new() -> Self {
        Self {
            #[cfg(feature = "portable")]
            registry: rundown_service::Registry::new(),
        }
    }

    /// CREATE: moves `handle` to pool, returning the `FsContext` for it; `None` when the pool
    /// refuses.
    #[cfg(feature = "ntoskrnl")]
    #[expect(clippy::unused_self, reason = "the portable flavour's `open` lists the handle in `self`")]
    pub(crate) fn open(&self, handle: Handle, _irql: &mut Irql<impl AtMost<Dispatch>>) -> Option<*mut c_void> {
        rundown_service::try_box(handle).map(|boxed| alloc::boxed::Box::into_raw(boxed).cast())
    }

    /// CREATE: moves `handle` to pool and lists it, returning the `FsContext` for it; `None`
    /// when the pool refuses.
    #[cfg(feature = "portable")]
    pub(crate) fn open(&self, handle: Handle, irql: &mut Irql<impl AtMost<Dispatch>>) -> Option<*mut c_void> {
        self.registry.register(handle, irql).map(|entry| entry.as_ptr().cast())
    }

    /// The state behind a file object's `FsContext`.
    ///
    /// # Safety
    /// `context` is null or came from [`open`](Self::open) and was not closed: CLOSE, the file
    /// object's last request, has not run.
    pub(crate) unsafe fn get<'a>(context: *mut c_void) -> Option<&'a Handle> {
        #[cfg(feature = "ntoskrnl")]
        // SAFETY: a boxed Handle (caller), alive until CLOSE.
        return unsafe { context.cast::<Handle>().as_ref() };
        #[cfg(feature = "portable")]
        // SAFETY: a listed entry (caller), alive until CLOSE or the unload's drain.
        return unsafe { context.cast::<rundown_service::Registered<Handle>>().as_ref() }.map(|entry| &**entry);
    }

    /// CLOSE: frees the state behind `context`.
    ///
    /// # Safety
    /// `context` came from [`open`](Self::open) and no request of its file object runs or will
    /// run (CLOSE is the last).
    #[cfg_attr(feature = "ntoskrnl", expect(clippy::unused_self, reason = "only the portable flavour lists handles"))]
    pub(crate) unsafe fn close(&self, context: *mut c_void, irql: &mut Irql<impl AtMost<Dispatch>>) {
        #[cfg(feature = "ntoskrnl")]
        {
            let _ = irql;
            // SAFETY: boxed by `open`, freed once, here (caller).
            drop(unsafe { alloc::boxed::Box::from_raw(context.cast::<Handle>()) });
        }
        #[cfg(feature = "portable")]
        if let Some(entry) = core::ptr::NonNull::new(context.cast::<rundown_service::Registered<Handle>>()) {
            // SAFETY: listed by `open` and unlisted once, here (caller).
            drop(unsafe { self.registry.unregister(entry, irql) });
        }
    }

    /// DriverUnload: frees the states whose CLOSE never came (Wine only; on Windows there are
    /// none), returning how many.
    ///
    /// # Safety
    /// No dispatch routine runs or will run for these handles (the device is deleted).
    #[cfg_attr(feature = "ntoskrnl", expect(clippy::unused_self, reason = "only the portable flavour lists handles"))]
    pub(crate) unsafe fn free_unclosed(&self, irql: &mut Irql<impl AtMost<Dispatch>>) -> usize {
        #[cfg(feature = "portable")]
        return self.registry.drain(irql);
        #[cfg(feature = "ntoskrnl")]
        {
            let _ = irql;
            0
        }
    }
}
