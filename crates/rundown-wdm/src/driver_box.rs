//! A pool block that lives like the driver's statics: `'static` to the code that borrows it,
//! freed with the driver's state.

use alloc::boxed::Box;
use core::ptr::NonNull;

use rundown_service::try_box;

/// A value in nonpaged pool that a driver's threads, callbacks and other drivers borrow as
/// `&'static T` (a `ThreadMain` must be `'static`; a C function table's context outlives any
/// borrow the compiler can see), and that the driver's state frees when it drops, at unload.
///
/// In a driver, `'static` means "until DriverUnload returns": the image and its statics go then.
/// A `DriverBox` keeps that promise for pool: whoever creates one promises that every borrow
/// [`get`](Self::get) hands out ends before the box drops (the thread is joined, the callbacks are
/// run down), which is what [`Driver::stop`](crate::Driver::stop) is for.
///
/// ```
/// use rundown_wdm::DriverBox;
///
/// let counter = {
///     // SAFETY: `shared` is used only inside this block, before the box drops.
///     let boxed = unsafe { DriverBox::new(core::sync::atomic::AtomicU32::new(0)) }.expect("pool");
///     let shared: &'static core::sync::atomic::AtomicU32 = boxed.get();
///     shared.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
///     boxed.get().load(core::sync::atomic::Ordering::Relaxed)
/// };
/// assert_eq!(counter, 1);
/// ```
///
/// # Invariants
/// `raw` is a `Box<T>` leaked by [`new`](Self::new) and freed only by `Drop`, after every borrow
/// of it ended (the creator's promise).
#[derive(Debug)]
pub struct DriverBox<T: 'static> {
    raw: NonNull<T>,
}

// SAFETY: the box shares its `T` as `&T` with any thread (`T: Sync`) and drops it on the thread
// that drops the box (`T: Send`).
unsafe impl<T: Send + Sync> Send for DriverBox<T> {}
// SAFETY: `&DriverBox` gives `&T` only (`T: Sync`).
unsafe impl<T: Sync> Sync for DriverBox<T> {}

impl<T: 'static> DriverBox<T> {
    /// Moves `value` to pool; `None` when the pool refuses.
    ///
    /// # Safety
    /// Every `&'static T` that [`get`](Self::get) returns, and every value holding one, is gone
    /// before the box drops.
    ///
    /// ```
    /// use rundown_wdm::DriverBox;
    ///
    /// // SAFETY: nothing borrows it.
    /// let boxed = unsafe { DriverBox::new([0u8; 16]) }.expect("pool");
    /// assert_eq!(boxed.get().len(), 16);
    /// ```
    #[must_use]
    pub unsafe fn new(value: T) -> Option<Self> {
        // INVARIANT: leaked here, freed by `Drop` after the borrows ended (caller).
        Some(Self { raw: NonNull::from(Box::leak(try_box(value)?)) })
    }

    /// The value, borrowed until the box drops (which its creator promised to wait for).
    ///
    /// ```
    /// use rundown_wdm::DriverBox;
    ///
    /// // SAFETY: the borrow below ends before the box drops.
    /// let name = unsafe { DriverBox::new("worker") }.expect("pool");
    /// let shared: &'static &str = name.get(); // what a `ThreadMain` may keep
    /// assert_eq!(*shared, "worker");
    /// ```
    #[must_use]
    pub fn get(&self) -> &'static T {
        // SAFETY: a live leaked box (invariant), shared only, freed after every borrow ended.
        unsafe { self.raw.as_ref() }
    }
}

impl<T: 'static> Drop for DriverBox<T> {
    fn drop(&mut self) {
        // SAFETY: leaked by `new`, freed once, here, after every borrow of it ended (invariant).
        drop(unsafe { Box::from_raw(self.raw.as_ptr()) });
    }
}
