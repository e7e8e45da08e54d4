//! `KEVENT`: the owner thread's doorbell.

use core::cell::UnsafeCell;

use rundown::irql::{Apc, AtMost, Dispatch, Irql};
use wdk_sys::ntddk::{KeInitializeEvent, KeSetEvent, KeWaitForSingleObject};
use wdk_sys::{_EVENT_TYPE, _KWAIT_REASON, KEVENT};

use crate::wdk_values::{FALSE, KERNEL_MODE};

/// A synchronization event (auto-reset): one `set` wakes one `wait`.
///
/// # Invariants
/// `raw` was initialized by `KeInitializeEvent` and never moves (the event lives inside the
/// driver's pool-allocated state).
pub struct SynchronizationEvent {
    raw: UnsafeCell<KEVENT>,
}

impl Default for SynchronizationEvent {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: KEVENTs are made to be signalled and waited on from any thread.
unsafe impl Sync for SynchronizationEvent {}
// SAFETY: as above; the event is not tied to a thread.
unsafe impl Send for SynchronizationEvent {}

impl SynchronizationEvent {
    /// An event, not signalled, ready to be placed at its final address and initialized.
    #[must_use]
    pub fn new() -> Self {
        Self { raw: UnsafeCell::new(KEVENT::default()) }
    }

    /// Initializes the event where it now lives.
    pub fn initialize(&self, irql: &Irql<impl AtMost<Dispatch>>) {
        let _ = irql;
        // SAFETY: `raw` is a KEVENT at its final address; nobody waits on it yet.
        unsafe { KeInitializeEvent(self.raw.get(), _EVENT_TYPE::SynchronizationEvent, FALSE) };
    }

    /// Signals the event, waking one waiter.
    pub fn set(&self, irql: &Irql<impl AtMost<Dispatch>>) {
        let _ = irql;
        // SAFETY: initialized; KeSetEvent with Wait = FALSE is callable at <= DISPATCH_LEVEL.
        let _ = unsafe { KeSetEvent(self.raw.get(), 0, FALSE) };
    }

    /// Waits until the event is signalled.
    pub fn wait(&self, irql: &Irql<impl AtMost<Apc>>) {
        let _ = irql;
        // SAFETY: initialized; a kernel-mode, non-alertable wait without timeout at <= APC_LEVEL.
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
}
