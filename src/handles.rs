//! The open handles' contexts, registered so that DriverUnload can free those Wine never closes.
//!
//! Each handle's [`HandleState`] lives in pool from CREATE to CLOSE, and the file object's
//! `FsContext` points at it. Windows calls DriverUnload only after every CLOSE, so the table is
//! empty then. Wine calls DriverUnload while handles are open and never sends their CLOSE
//! afterwards (measured: not even for handles whose CLEANUP arrived during the unload), so
//! DriverUnload frees what is left here, once the final run-down has proved that none of them
//! holds protection.

use alloc::boxed::Box;
use core::sync::atomic::AtomicPtr;
use core::sync::atomic::Ordering::SeqCst;

use rundown_service::HandleState;

/// A handle's state, kept in its file object's `FsContext` from CREATE to CLOSE.
pub(crate) type Handle = HandleState<'static, 'static>;

/// Open handles at most; CREATE answers `STATUS_INSUFFICIENT_RESOURCES` beyond.
const CAPACITY: usize = 256;

/// Slots of boxed [`Handle`]s: each pointer is freed once, by whoever swaps it out of its slot
/// (CLOSE or DriverUnload).
pub(crate) struct HandleTable {
    slots: [AtomicPtr<Handle>; CAPACITY],
}

impl HandleTable {
    pub(crate) const fn new() -> Self {
        Self { slots: [const { AtomicPtr::new(core::ptr::null_mut()) }; CAPACITY] }
    }

    /// Registers a handle, returning its slot, or gives it back when the table is full.
    pub(crate) fn register(&self, handle: Box<Handle>) -> Result<(usize, *mut Handle), Box<Handle>> {
        let raw = Box::into_raw(handle);
        for (index, slot) in self.slots.iter().enumerate() {
            if slot.compare_exchange(core::ptr::null_mut(), raw, SeqCst, SeqCst).is_ok() {
                return Ok((index, raw));
            }
        }
        // SAFETY: boxed just above and never published.
        Err(unsafe { Box::from_raw(raw) })
    }

    /// CLOSE: frees the handle registered in `index`, unless DriverUnload already did.
    pub(crate) fn close(&self, index: usize, handle: *mut Handle) {
        let Some(slot) = self.slots.get(index) else { return };
        if slot.compare_exchange(handle, core::ptr::null_mut(), SeqCst, SeqCst).is_ok() {
            // SAFETY: registered from a Box, and this swap took it out: freed once, here.
            drop(unsafe { Box::from_raw(handle) });
        }
    }

    /// DriverUnload: frees every handle not closed, returning how many there were.
    ///
    /// # Safety
    /// No dispatch routine runs or will run for these handles (the device is deleted).
    pub(crate) unsafe fn free_unclosed(&self) -> usize {
        let mut freed = 0;
        for slot in &self.slots {
            let handle = slot.swap(core::ptr::null_mut(), SeqCst);
            if !handle.is_null() {
                // SAFETY: registered from a Box and taken out of its slot by this swap only.
                drop(unsafe { Box::from_raw(handle) });
                freed += 1;
            }
        }
        freed
    }
}
