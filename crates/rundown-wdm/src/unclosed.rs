//! The file contexts a driver frees itself at unload, because Wine never closes them.
//!
//! On Windows the I/O manager calls DriverUnload only after the last CLOSE, so `FsContext` is all
//! a file context needs. Wine calls DriverUnload while handles are open and never sends their
//! CLOSE afterwards (measured: not even for handles whose CLEANUP arrived during the unload). A
//! driver that sets [`Driver::FREE_UNCLOSED_FILES`](crate::Driver::FREE_UNCLOSED_FILES) therefore
//! also lists each context here ([`rundown_service::Registry`], an intrusive list under a spin
//! lock, no capacity limit; the entry's address goes to `FsContext2`), and the unload frees what
//! is still listed once no request can reach the contexts any more.

use core::ffi::c_void;
use core::marker::PhantomData;
use core::ptr::NonNull;
use core::sync::atomic::AtomicPtr;
use core::sync::atomic::Ordering::Relaxed;

use rundown::irql::{AtMost, Dispatch, Irql};
use rundown_service::{Registered, Registry};

use crate::ForeignOwnable;

/// One listed context: the pointer [`ForeignOwnable::into_foreign`] gave, or null once CLOSE took
/// it back. Dropping it gives a value that is still there back and drops it.
///
/// # Invariants
/// A non-null `pointer` came from `F::into_foreign` and was not taken back. The entry is dropped
/// only when no request borrows the value: by [`UnclosedFiles::unlist`], which nulls it first, or
/// by [`UnclosedFiles::free_all`].
struct Listed<F: ForeignOwnable> {
    pointer: AtomicPtr<c_void>,
    owns: PhantomData<F>,
}

impl<F: ForeignOwnable> Drop for Listed<F> {
    fn drop(&mut self) {
        if let Some(pointer) = NonNull::new(*self.pointer.get_mut()) {
            // SAFETY: not taken back (it is not null), and no request borrows it (invariant):
            // this is the value's last owner.
            drop(unsafe { F::from_foreign(pointer) });
        }
    }
}

/// The listed contexts of one driver's file objects.
pub(crate) struct UnclosedFiles<F: ForeignOwnable> {
    registry: Registry<Listed<F>>,
}

impl<F: ForeignOwnable> UnclosedFiles<F> {
    /// No context listed.
    pub(crate) const fn new() -> Self {
        Self { registry: Registry::new() }
    }

    /// CREATE: lists `pointer` (from `F::into_foreign`); the entry's address, for `FsContext2`,
    /// or `None` when the pool refuses (the caller still owns the value).
    pub(crate) fn list(
        &self,
        pointer: NonNull<c_void>,
        irql: &mut Irql<impl AtMost<Dispatch>>,
    ) -> Option<NonNull<c_void>> {
        // INVARIANT: from `into_foreign`, not taken back.
        let entry = Listed::<F> { pointer: AtomicPtr::new(pointer.as_ptr()), owns: PhantomData };
        self.registry.register(entry, irql).map(NonNull::cast)
    }

    /// CLOSE: takes the entry `listing` off the list, returning the pointer it listed, which the
    /// caller takes back.
    ///
    /// # Safety
    /// `listing` came from [`list`](Self::list) of this list and is unlisted once, before
    /// [`free_all`](Self::free_all).
    pub(crate) unsafe fn unlist(
        &self,
        listing: NonNull<c_void>,
        irql: &mut Irql<impl AtMost<Dispatch>>,
    ) -> Option<NonNull<c_void>> {
        // SAFETY: a live entry of this registry, unregistered once (caller).
        let entry = unsafe { self.registry.unregister(listing.cast::<Registered<Listed<F>>>(), irql) };
        // INVARIANT: nulled before the entry drops, so its drop gives nothing back.
        NonNull::new(entry.pointer.swap(core::ptr::null_mut(), Relaxed))
    }

    /// The unload: gives back and drops every value still listed; how many there were.
    ///
    /// # Safety
    /// No request of the driver runs or will reach a context any more.
    pub(crate) unsafe fn free_all(&self, irql: &mut Irql<impl AtMost<Dispatch>>) -> usize {
        // INVARIANT: the entries drop in `drain`, when no request borrows them (caller).
        self.registry.drain(irql)
    }
}
