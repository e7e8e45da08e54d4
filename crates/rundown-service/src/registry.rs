//! Open handles' states, listed so that an unload can free those whose CLOSE never comes.

use alloc::boxed::Box;
use core::cell::UnsafeCell;
use core::ptr::{self, NonNull};

use rundown::SpinLock;
use rundown::irql::{AtMost, Dispatch, Irql};

use crate::try_box;

/// A value on a [`Registry`]'s list: it dereferences to the value.
pub struct Registered<T> {
    value: T,
    /// Changed only by the registry, under its lock.
    links: UnsafeCell<Links<T>>,
}

struct Links<T> {
    previous: *mut Registered<T>,
    next: *mut Registered<T>,
}

impl<T> core::ops::Deref for Registered<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

struct List<T> {
    first: *mut Registered<T>,
    len: usize,
}

// SAFETY: the list's pointers are reached only under the registry's lock.
unsafe impl<T: Send> Send for List<T> {}

/// A list of pool-allocated values with no capacity limit: insertion and removal are O(1) under
/// a spin lock, and the entries link themselves (an intrusive list), so nothing but the entry is
/// allocated.
///
/// The driver's portable flavour keeps its handles' states here, because Wine calls DriverUnload
/// with handles open and never sends their CLOSE afterwards. On Windows the unload comes only
/// after the last CLOSE, so the `ntoskrnl` flavour needs no list: `FsContext` alone holds a
/// handle's state.
///
/// # Invariants
/// `first` heads a well-formed doubly linked list of `len` entries allocated by [`try_box`]; an
/// entry is on it from [`register`](Self::register) until [`unregister`](Self::unregister) or
/// [`drain`](Self::drain) takes it off.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown_service::Registry;
///
/// let mut irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
/// let registry = Registry::new();
/// let a = registry.register("a", &mut irql).expect("pool");
/// let _b = registry.register("b", &mut irql).expect("pool");
/// // SAFETY: `a` came from this registry and is unregistered once.
/// let a = unsafe { registry.unregister(a, &mut irql) };
/// assert_eq!(**a, "a");
/// assert_eq!(registry.drain(&mut irql), 1); // "b", whose CLOSE never came
/// ```
pub struct Registry<T> {
    list: SpinLock<List<T>>,
}

// SAFETY: entries are handed out as shared pointers to `T` on any thread.
unsafe impl<T: Send + Sync> Sync for Registry<T> {}

impl<T> Registry<T> {
    rundown::const_unless_loom! {
        /// An empty list.
        pub fn new() -> Self {
            Self { list: SpinLock::new(List { first: ptr::null_mut(), len: 0 }) }
        }
    }

    /// Moves `value` to pool and lists it; `None` when the pool refuses.
    pub fn register(&self, value: T, irql: &mut Irql<impl AtMost<Dispatch>>) -> Option<NonNull<Registered<T>>> {
        let entry = try_box(Registered {
            value,
            links: UnsafeCell::new(Links { previous: ptr::null_mut(), next: ptr::null_mut() }),
        })?;
        let entry = Box::into_raw(entry);
        let mut list = self.list.lock(irql);
        // SAFETY: `entry` is fresh and not shared yet.
        unsafe { links(entry) }.next = list.first;
        if !list.first.is_null() {
            // SAFETY: a listed entry (invariant), whose links only this lock's holder touches.
            unsafe { links(list.first) }.previous = entry;
        }
        // INVARIANT: linked in at the head, counted.
        list.first = entry;
        list.len += 1;
        NonNull::new(entry)
    }

    /// Takes `entry` off the list and gives it back (CLOSE).
    ///
    /// # Safety
    /// `entry` came from this registry's [`register`](Self::register) and was not unregistered
    /// or drained.
    pub unsafe fn unregister(
        &self,
        entry: NonNull<Registered<T>>,
        irql: &mut Irql<impl AtMost<Dispatch>>,
    ) -> Box<Registered<T>> {
        let mut list = self.list.lock(irql);
        let (previous, next) = {
            // SAFETY: listed (caller), so its links are valid, and touched only under this lock.
            let own = unsafe { links(entry.as_ptr()) };
            (own.previous, own.next)
        };
        if previous.is_null() {
            list.first = next;
        } else {
            // SAFETY: a listed neighbour, under the lock.
            unsafe { links(previous) }.next = next;
        }
        if !next.is_null() {
            // SAFETY: a listed neighbour, under the lock.
            unsafe { links(next) }.previous = previous;
        }
        // INVARIANT: unlinked above.
        list.len -= 1;
        drop(list);
        // SAFETY: allocated by `try_box` in `register`, off the list now: this is its only owner.
        unsafe { Box::from_raw(entry.as_ptr()) }
    }

    /// Frees every entry still listed, returning how many there were (the unload, for handles
    /// whose CLOSE never comes).
    pub fn drain(&self, irql: &mut Irql<impl AtMost<Dispatch>>) -> usize {
        let (first, len) = {
            let mut list = self.list.lock(irql);
            let taken = (list.first, list.len);
            // INVARIANT: the whole chain is taken out; the list is empty.
            list.first = ptr::null_mut();
            list.len = 0;
            taken
        };
        // SAFETY: the whole chain was taken off the list above.
        unsafe { free_chain(first) };
        len
    }

    /// Entries listed now.
    pub fn len(&self, irql: &mut Irql<impl AtMost<Dispatch>>) -> usize {
        self.list.lock(irql).len
    }
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Drop for Registry<T> {
    fn drop(&mut self) {
        let first = core::mem::replace(&mut self.list.get_mut().first, ptr::null_mut());
        // SAFETY: `&mut self`: nobody else reaches the list, whose chain is taken off here.
        unsafe { free_chain(first) };
    }
}

/// An entry's links.
///
/// # Safety
/// `entry` is a live entry, and the caller holds the registry's lock (or the entry is not shared
/// yet), so nobody else touches its links while the borrow lasts.
unsafe fn links<'a, T>(entry: *mut Registered<T>) -> &'a mut Links<T> {
    // SAFETY: a live entry (caller).
    let cell = unsafe { &(*entry).links };
    // SAFETY: nobody else touches the links while the borrow lasts (caller).
    unsafe { &mut *cell.get() }
}

/// Frees a chain of entries.
///
/// # Safety
/// `first` is null or heads a chain of entries allocated by `try_box` that nothing else reaches.
unsafe fn free_chain<T>(first: *mut Registered<T>) {
    let mut entry = first;
    while !entry.is_null() {
        // SAFETY: an entry of the chain (caller), freed once, here, after reading its successor.
        let mut boxed = unsafe { Box::from_raw(entry) };
        entry = boxed.links.get_mut().next;
        drop(boxed);
    }
}

impl<T> core::fmt::Debug for Registry<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}
