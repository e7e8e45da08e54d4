//! `KEVENT`: a synchronization event, initialized where it lives and never moved.

use alloc::boxed::Box;
use core::cell::UnsafeCell;
use core::marker::PhantomPinned;
use core::pin::Pin;

use rundown::irql::{Apc, AtMost, Dispatch, Irql};
use rundown_service::try_box;
use wdk_sys::ntddk::{KeInitializeEvent, KeSetEvent, KeWaitForSingleObject};
use wdk_sys::{_EVENT_TYPE, _KWAIT_REASON, KEVENT};

use crate::wdk_values::{FALSE, KERNEL_MODE};

/// A synchronization event (auto-reset): one [`signal`](Self::signal) wakes one
/// [`wait`](Self::wait). (`signal`, not `set`: `Pin` has a `set` of its own.)
///
/// A `KEVENT` holds a list head that points at itself, so it must be initialized where it will
/// stay. The only way to get one is [`new`](Self::new), which allocates it in pool, initializes
/// it there (`KeInitializeEvent`) and returns it pinned: no event exists before it is initialized,
/// and none moves afterwards, so `signal` and `wait` are always called on an initialized event at
/// its address.
///
/// ```
/// use rundown::irql::{Irql, Passive};
/// use rundown_wdm::SynchronizationEvent;
///
/// # // Defined, never called: the host that runs the doctests has no KeInitializeEvent.
/// fn doorbell(irql: &Irql<Passive>) {
///     let event = SynchronizationEvent::new(irql).expect("pool");
///     event.signal(irql); // from a dispatch routine, say
///     event.wait(irql); // on the thread that waits for work: returns at once here
/// }
/// ```
///
/// # Invariants
/// `raw` was initialized by `KeInitializeEvent` at its current address, which never changes
/// (`!Unpin`, reached only through the `Pin<Box<Self>>` that [`new`](Self::new) returns).
pub struct SynchronizationEvent {
    raw: UnsafeCell<KEVENT>,
    _pinned: PhantomPinned,
}

// SAFETY: KEVENTs are made to be signalled and waited on from any thread.
unsafe impl Sync for SynchronizationEvent {}
// SAFETY: as above; the event is not tied to a thread (and, pinned, it never moves anyway).
unsafe impl Send for SynchronizationEvent {}

impl SynchronizationEvent {
    /// A new event, not signalled, in nonpaged pool; `None` when the pool refuses.
    ///
    /// ```
    /// use core::pin::Pin;
    /// use rundown::irql::{Irql, Passive};
    /// use rundown_wdm::SynchronizationEvent;
    ///
    /// # // Defined, never called: the host that runs the doctests has no KeInitializeEvent.
    /// fn doorbell(irql: &Irql<Passive>) -> Option<Pin<Box<SynchronizationEvent>>> {
    ///     SynchronizationEvent::new(irql) // initialized, in pool, never to move
    /// }
    /// ```
    #[must_use]
    pub fn new(irql: &Irql<impl AtMost<Dispatch>>) -> Option<Pin<Box<Self>>> {
        let _ = irql;
        let event = Box::into_pin(try_box(Self { raw: UnsafeCell::new(KEVENT::default()), _pinned: PhantomPinned })?);
        // SAFETY: the event is in nonpaged pool at its final address (pinned) and nobody can
        // reach it yet; KeInitializeEvent is callable at <= DISPATCH_LEVEL (the token says so).
        unsafe { KeInitializeEvent(event.raw.get(), _EVENT_TYPE::SynchronizationEvent, FALSE) };
        // INVARIANT: initialized above, at the address the pin keeps.
        Some(event)
    }

    /// Signals the event, waking one waiter (`KeSetEvent`, `Wait = FALSE`).
    ///
    /// ```
    /// use rundown::irql::{Dispatch, Irql};
    /// use rundown_wdm::SynchronizationEvent;
    ///
    /// # // Defined, never called: the host that runs the doctests has no KeSetEvent.
    /// fn ring(doorbell: &SynchronizationEvent, irql: &Irql<Dispatch>) {
    ///     doorbell.signal(irql); // allowed at DISPATCH_LEVEL
    /// }
    /// ```
    pub fn signal(&self, irql: &Irql<impl AtMost<Dispatch>>) {
        let _ = irql;
        // SAFETY: initialized and in place (invariant); KeSetEvent with Wait = FALSE is callable
        // at <= DISPATCH_LEVEL (the token says so).
        let _ = unsafe { KeSetEvent(self.raw.get(), 0, FALSE) };
    }

    /// Waits until the event is signalled, then resets it (`KeWaitForSingleObject`, kernel mode,
    /// not alertable, no timeout).
    ///
    /// ```
    /// use rundown::irql::{Irql, Passive};
    /// use rundown_wdm::SynchronizationEvent;
    ///
    /// # // Defined, never called: the host that runs the doctests has no KeWaitForSingleObject.
    /// fn serve(doorbell: &SynchronizationEvent, irql: &Irql<Passive>) {
    ///     loop {
    ///         doorbell.wait(irql); // one wake-up per `signal`
    ///     }
    /// }
    /// ```
    pub fn wait(&self, irql: &Irql<impl AtMost<Apc>>) {
        let _ = irql;
        // SAFETY: initialized and in place (invariant); a wait without timeout at <= APC_LEVEL
        // (the token says so).
        let _ = unsafe {
            KeWaitForSingleObject(
                self.raw.get().cast(),
                _KWAIT_REASON::Executive,
                KERNEL_MODE,
                FALSE,
                core::ptr::null_mut(),
            )
        };
    }

    /// Waits until the event is signalled or `microseconds` pass (`KeWaitForSingleObject` with a
    /// relative timeout): true if it was signalled. A sleep that a signal cuts short, unlike
    /// [`sleep_us`](crate::sleep_us).
    ///
    /// ```
    /// use rundown::irql::{Irql, Passive};
    /// use rundown_wdm::SynchronizationEvent;
    ///
    /// # // Defined, never called: the host that runs the doctests has no kernel.
    /// /// Pauses up to 10 ms; false when `stop` cut the pause short.
    /// fn pause(stop: &SynchronizationEvent, irql: &Irql<Passive>) -> bool {
    ///     !stop.wait_us(10_000, irql)
    /// }
    /// ```
    #[must_use = "true means the event was signalled"]
    pub fn wait_us(&self, microseconds: u32, irql: &Irql<impl AtMost<Apc>>) -> bool {
        let _ = irql;
        // Relative, in 100 ns units.
        let mut timeout = wdk_sys::LARGE_INTEGER { QuadPart: -10 * i64::from(microseconds) };
        // SAFETY: initialized and in place (invariant); a wait with a valid timeout at <=
        // APC_LEVEL (the token says so).
        let status = unsafe {
            KeWaitForSingleObject(self.raw.get().cast(), _KWAIT_REASON::Executive, KERNEL_MODE, FALSE, &raw mut timeout)
        };
        status == wdk_sys::STATUS_SUCCESS
    }
}
