//! The two context fields of a request's `FILE_OBJECT`, read and written in place.
//!
//! The I/O manager may change other fields of a file object while a request of it is in the
//! driver (`Busy`, `Waiters`, `Lock` of a synchronous one), so no reference to the whole
//! `FILE_OBJECT` is ever made: only its `FsContext` and `FsContext2` fields are read and written,
//! through raw places. Those two belong to the driver that owns the device (the I/O manager does
//! not use them for a device that is not a file system).

use core::ffi::c_void;
use core::ptr::NonNull;

#[cfg(feature = "ntoskrnl")]
use wdk_sys::ntddk::ObDereferenceObjectDeferDelete;
#[cfg(not(feature = "ntoskrnl"))]
use wdk_sys::ntddk::ObfDereferenceObject;
use wdk_sys::ntddk::ObfReferenceObject;
use wdk_sys::{FILE_OBJECT, PVOID};

use crate::FileKey;

/// The file object of a request this driver is handling.
///
/// # Invariants
/// `raw` is the file object of a request the I/O manager gave this driver and that is not
/// completed yet, so it is valid; this driver's requests of it are the only code that touches its
/// `FsContext` and `FsContext2`.
#[derive(Clone, Copy)]
pub(crate) struct FileObject {
    raw: NonNull<FILE_OBJECT>,
}

/// Which of the two context fields.
#[derive(Clone, Copy)]
pub(crate) enum Slot {
    /// `FsContext`: the driver's [`ForeignOwnable`](crate::ForeignOwnable) value.
    Context,
    /// `FsContext2`: its entry on the list of contexts Wine may never close.
    Listing,
}

impl FileObject {
    /// The file object `raw`, or `None` for a request without one.
    ///
    /// # Safety
    /// `raw` is null or the file object of a request this driver is handling and has not
    /// completed.
    pub(crate) unsafe fn new(raw: *mut FILE_OBJECT) -> Option<Self> {
        // INVARIANT: the caller's file object, valid until the request completes.
        NonNull::new(raw).map(|raw| Self { raw })
    }

    pub(crate) fn key(self) -> FileKey {
        FileKey::of(self.raw.as_ptr())
    }

    fn field(self, slot: Slot) -> *mut *mut c_void {
        let file = self.raw.as_ptr();
        match slot {
            // SAFETY: a valid file object (invariant): the place of one of its fields.
            Slot::Context => unsafe { &raw mut (*file).FsContext },
            // SAFETY: as above.
            Slot::Listing => unsafe { &raw mut (*file).FsContext2 },
        }
    }

    /// Takes a reference on the file object for as long as the guard lives: its CLOSE cannot
    /// come meanwhile, even once the request that brought it has completed.
    pub(crate) fn hold(self) -> Held {
        // SAFETY: a valid file object (invariant); one reference, dropped by `Held`. Callable at
        // IRQL <= DISPATCH_LEVEL.
        let _count = unsafe { ObfReferenceObject(self.raw.as_ptr().cast()) };
        // INVARIANT: referenced above.
        Held(self)
    }

    /// The pointer in `slot`, if any.
    pub(crate) fn get(self, slot: Slot) -> Option<NonNull<c_void>> {
        // SAFETY: a valid, aligned field of a live file object (invariant), which only this
        // driver's requests write, and never while another of its requests runs (CREATE is the
        // first, CLOSE the last).
        NonNull::new(unsafe { self.field(slot).read() })
    }

    /// Stores `pointer` in `slot` (CREATE, before any other request of the file object).
    pub(crate) fn set(self, slot: Slot, pointer: NonNull<c_void>) {
        // SAFETY: as in `get`; CREATE is the file object's first request, so nothing reads it.
        unsafe { self.field(slot).write(pointer.as_ptr()) };
    }

    /// Takes the pointer out of `slot`, leaving null (CLOSE, the file object's last request).
    pub(crate) fn take(self, slot: Slot) -> Option<NonNull<c_void>> {
        // SAFETY: as in `get`; CLOSE is the file object's last request, so nothing else reads it.
        NonNull::new(unsafe { self.field(slot).replace(core::ptr::null_mut()) })
    }
}

/// A reference on a file object ([`FileObject::hold`]), dropped with the guard.
///
/// # Invariants
/// The guard owns one reference on the file object.
pub(crate) struct Held(FileObject);

impl Drop for Held {
    fn drop(&mut self) {
        // SAFETY: the reference `hold` took (invariant), dropped once, at IRQL <= DISPATCH_LEVEL.
        unsafe { dereference(self.0.raw.as_ptr().cast()) };
    }
}

/// Drops one reference on `object`. On Windows it may be the last one: the handle was closed and
/// the request completed while the dispatch routine ran. `ObDereferenceObjectDeferDelete` then
/// hands the deletion (the CLOSE, and an unload the I/O manager deferred until it) to a worker
/// thread, so none of it starts on the stack of a dispatch routine that must still return
/// through the driver's image.
///
/// # Safety
/// The caller owns one reference on `object` and gives it up; IRQL <= DISPATCH_LEVEL.
#[cfg(feature = "ntoskrnl")]
unsafe fn dereference(object: PVOID) {
    // SAFETY: forwarded from the caller.
    unsafe { ObDereferenceObjectDeferDelete(object) };
}

/// Wine accommodation: Wine 8's ntoskrnl.exe has no `ObDereferenceObjectDeferDelete` (an image
/// importing it does not load), and Wine calls DriverUnload with handles open, never deferring
/// it to a last dereference, so the window the Windows build closes does not exist there.
///
/// # Safety
/// The caller owns one reference on `object` and gives it up; IRQL <= DISPATCH_LEVEL.
#[cfg(not(feature = "ntoskrnl"))]
unsafe fn dereference(object: PVOID) {
    // SAFETY: forwarded from the caller; a last reference dropped at DISPATCH_LEVEL is deleted
    // later by a worker thread.
    let _count = unsafe { ObfDereferenceObject(object) };
}
