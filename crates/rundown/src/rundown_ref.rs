//! `RundownRef`: NT's `EX_RUNDOWN_REF` with a safe interface.

use core::num::NonZeroU32;

use crate::irql::{Apc, AtMost, Dispatch, Irql};
use crate::protection::sealed::RawProtection;
use crate::provider::{Provider, RundownWord, Selected};
use crate::{Protection, RundownGuard, RundownOwner};

/// Run-down protection for one shared object: NT's `EX_RUNDOWN_REF`, bit for bit.
///
/// It has the size, alignment and layout of `EX_RUNDOWN_REF` (one pointer-sized word), so it can
/// live in nonpaged memory shared with C code ([`RundownRef::as_ptr`]). Readers call
/// [`acquire`](RundownRef::acquire) through a shared reference; the single
/// [`owner`](RundownRef::owner) runs it down.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown::RundownRef;
///
/// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
/// let shared = RundownRef::new();
/// if let Some(_guard) = shared.acquire(&irql) {
///     // The object is safe to use until `_guard` drops.
/// }
/// ```
#[repr(transparent)]
pub struct RundownRef {
    word: RundownWord,
}

impl RundownRef {
    crate::const_unless_loom! {
        /// A reference in the state `ExInitializeRundownProtection` leaves: active, count zero.
        ///
        /// A `const fn`, so a `static` works: `static SHARED: RundownRef = RundownRef::new();`.
        ///
        /// ```
        /// use rundown::irql::PassiveLevel;
        /// use rundown::{RundownRef, RundownState};
        ///
        /// static SHARED: RundownRef = RundownRef::new();
        ///
        /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
        /// assert_eq!(SHARED.state(), RundownState::Granting { holders: 0 });
        /// let _guard = SHARED.acquire(&irql).expect("a new reference is active");
        /// assert_eq!(SHARED.state(), RundownState::Granting { holders: 1 });
        /// ```
        #[must_use]
        pub fn new() -> Self {
            Self { word: RundownWord::new(0) }
        }
    }

    /// Takes the owner's capability, initializing the reference
    /// (`ExInitializeRundownProtection`).
    ///
    /// The exclusive borrow proves nobody holds, waits on or acquires the reference, whatever an
    /// earlier owner left it in; the owner then hands out shared references for the whole of
    /// `'r`.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{RundownRef, RundownState};
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let mut storage = RundownRef::new();
    /// drop(storage.owner(&irql).wait_for_release(&irql)); // an owner that stopped half-way
    /// assert_eq!(storage.state(), RundownState::Closed);
    /// let owner = storage.owner(&irql); // ExInitializeRundownProtection: active again
    /// assert!(owner.protection().acquire(&irql).is_some());
    /// ```
    pub fn owner(&mut self, irql: &Irql<impl AtMost<Apc>>) -> RundownOwner<'_, Self> {
        irql.debug_assert_current();
        // SAFETY: `&mut self`: nobody else uses the word.
        unsafe { Selected::initialize(&self.word) };
        // SAFETY: the exclusive borrow moves into the owner, so it is the only one, and the word
        // was just initialized.
        unsafe { RundownOwner::new(self) }
    }

    /// Tries to acquire run-down protection (`ExAcquireRundownProtection`).
    ///
    /// Returns `None` once the run down started ("the object must be treated as invalid"), or
    /// when the count would pass [`MAX_OUTSTANDING`](crate::provider::MAX_OUTSTANDING).
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{RundownRef, RundownState};
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let mut storage = RundownRef::new();
    /// let owner = storage.owner(&irql);
    /// let shared = owner.protection();
    /// if let Some(_guard) = shared.acquire(&irql) {
    ///     assert_eq!(shared.state(), RundownState::Granting { holders: 1 });
    /// } // ExReleaseRundownProtection when the guard drops
    /// let _owner = owner.wait_for_release(&irql);
    /// assert!(shared.acquire(&irql).is_none(), "the object must be treated as invalid");
    /// ```
    #[must_use = "an unused guard releases at once"]
    pub fn acquire(&self, irql: &Irql<impl AtMost<Dispatch>>) -> Option<RundownGuard<'_, Self>> {
        irql.debug_assert_current();
        RundownGuard::acquire(self, NonZeroU32::MIN)
    }

    /// Tries to acquire `count` protections at once (`ExAcquireRundownProtectionEx`), released
    /// together when the guard drops (`ExReleaseRundownProtectionEx`).
    ///
    /// "The count is incremented only if the routine returns TRUE": on `None` nothing changed.
    /// A count of zero cannot be expressed; [`count!`](crate::count) makes a constant one.
    ///
    /// ```
    /// use core::num::NonZeroU32;
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{RundownRef, RundownState};
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let shared = RundownRef::new();
    /// let requests = NonZeroU32::new(3).expect("a batch of three requests");
    /// let guard = shared.acquire_many(requests, &irql).expect("active");
    /// assert_eq!(shared.state(), RundownState::Granting { holders: 3 });
    /// drop(guard); // ExReleaseRundownProtectionEx(.., 3)
    /// assert_eq!(shared.state(), RundownState::Granting { holders: 0 });
    /// ```
    #[must_use = "an unused guard releases at once"]
    pub fn acquire_many(
        &self,
        count: NonZeroU32,
        irql: &Irql<impl AtMost<Dispatch>>,
    ) -> Option<RundownGuard<'_, Self>> {
        irql.debug_assert_current();
        RundownGuard::acquire(self, count)
    }

    /// The `PEX_RUNDOWN_REF` to hand to C code: the address of the `EX_RUNDOWN_REF` word, valid
    /// while the reference lives. C may acquire and release through it; only the owner waits,
    /// completes and reinitializes.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::provider::{Provider, Selected};
    /// use rundown::RundownRef;
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let shared = RundownRef::new();
    /// let run_ref = shared.as_ptr();
    /// // SAFETY: C's view: an initialized word, alive while `shared` is; released once.
    /// unsafe {
    ///     assert!(Selected::acquire(&*run_ref));
    ///     assert!(shared.acquire(&irql).is_some());
    ///     Selected::release(&*run_ref);
    /// }
    /// ```
    #[must_use]
    pub fn as_ptr(&self) -> *mut RundownWord {
        core::ptr::from_ref(&self.word).cast_mut()
    }

    /// Views an `EX_RUNDOWN_REF` that C code (or a device extension) holds and already
    /// initialized (`ExInitializeRundownProtection`), to acquire on it from Rust. To run it down
    /// from Rust as well, the one owner then calls [`assume_owner`](Self::assume_owner).
    ///
    /// `RundownRef` is `#[repr(transparent)]` over the word, so the reference is the word itself:
    /// no copy, and C sees every change at once. The wait block lives on the waiter's stack, so
    /// nothing needs pinning beyond the word staying where it is.
    ///
    /// ```
    /// use core::sync::atomic::Ordering::Relaxed;
    /// use rundown::irql::PassiveLevel;
    /// use rundown::provider::{Provider, RundownWord, Selected};
    /// use rundown::RundownRef;
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// // C: `EX_RUNDOWN_REF Ref; ExInitializeRundownProtection(&Ref);`
    /// let c_word = RundownWord::new(0);
    /// // SAFETY: a word nobody else uses yet.
    /// unsafe { Selected::initialize(&c_word) };
    ///
    /// // SAFETY: initialized and active; it outlives `shared` and stays in place.
    /// let shared = unsafe { RundownRef::from_raw(c_word.as_ptr().cast()) };
    /// let guard = shared.acquire(&irql).expect("active");
    /// assert_eq!(c_word.load(Relaxed), 2, "C sees one holder");
    /// drop(guard);
    /// ```
    ///
    /// # Safety
    /// - `run_ref` points to an initialized `EX_RUNDOWN_REF` (pointer-sized and -aligned): set up
    ///   by `ExInitializeRundownProtection` (or this crate). Any state of its lifecycle will do:
    ///   once run down, acquires fail.
    /// - It stays valid and at the same address for `'a`, and in a driver it is nonpaged.
    /// - For `'a` it is used only through the run-down routines (NT's, or this crate's), and
    ///   by one owner: whoever waits, completes and reinitializes it, C code or Rust (through
    ///   [`assume_owner`](Self::assume_owner)), is the only one that does.
    #[must_use]
    pub unsafe fn from_raw<'a>(run_ref: *mut RundownWord) -> &'a Self {
        // SAFETY: `RundownRef` is a transparent `EX_RUNDOWN_REF` word; the caller promises a
        // valid, initialized one for `'a`.
        unsafe { &*run_ref.cast::<Self>() }
    }

    /// [`from_raw`](Self::from_raw) for an untyped pointer: a `PVOID`, or a `PEX_RUNDOWN_REF` as
    /// another crate declares it.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::provider::RundownWord;
    /// use rundown::RundownRef;
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let c_word = RundownWord::new(0); // ExInitializeRundownProtection's value
    /// // SAFETY: initialized and active; it outlives `shared` and stays in place.
    /// let shared = unsafe { RundownRef::from_ptr(c_word.as_ptr().cast()) };
    /// assert!(shared.acquire(&irql).is_some());
    /// ```
    ///
    /// # Safety
    /// As [`from_raw`](Self::from_raw).
    #[must_use]
    pub unsafe fn from_ptr<'a>(run_ref: *mut core::ffi::c_void) -> &'a Self {
        // SAFETY: forwarded contract; the pointer names an `EX_RUNDOWN_REF` word.
        unsafe { Self::from_raw(run_ref.cast()) }
    }

    /// Takes the owner's capability over a reference that is already initialized and active,
    /// without initializing it: for an `EX_RUNDOWN_REF` from [`from_raw`](Self::from_raw) or
    /// shared with C, where [`owner`](Self::owner)'s exclusive borrow cannot be had (and its
    /// `ExInitializeRundownProtection` would wipe counts C holds).
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::provider::{Provider, RundownWord, Selected};
    /// use rundown::RundownRef;
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let c_word = RundownWord::new(0);
    /// // SAFETY: a word nobody else uses yet.
    /// unsafe { Selected::initialize(&c_word) };
    /// // SAFETY: initialized and active, alive and in place; Rust is the only owner from here on.
    /// let shared = unsafe { RundownRef::from_raw(c_word.as_ptr().cast()) };
    /// // SAFETY: as above: no other owner exists, and the reference is active.
    /// let owner = unsafe { shared.assume_owner() };
    /// let owner = owner.wait_for_release(&irql).completed(&irql);
    /// assert!(shared.acquire(&irql).is_none());
    /// let _owner = owner.reinitialize(&irql);
    /// ```
    ///
    /// # Safety
    /// - The reference is active: initialized, not run down (or reinitialized since).
    /// - The returned owner, and each owner it becomes, is the only one: while any lives, nobody
    ///   else (C code included) waits on, completes or reinitializes the reference, and no other
    ///   owner is taken ([`owner`](Self::owner) cannot be, while `self` is borrowed).
    pub unsafe fn assume_owner(&self) -> RundownOwner<'_, Self> {
        debug_assert!(
            matches!(self.state(), RundownState::Granting { .. }),
            "RundownRef::assume_owner on a reference that is not active"
        );
        // SAFETY: the caller promises that no other owner exists and that the reference is active.
        unsafe { RundownOwner::new(self) }
    }
}

impl Default for RundownRef {
    fn default() -> Self {
        Self::new()
    }
}

/// What an `EX_RUNDOWN_REF`'s word says, read at one instant ([`RundownRef::state`]).
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown::{RundownRef, RundownState};
///
/// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
/// let mut storage = RundownRef::new();
/// let owner = storage.owner(&irql);
/// let guard = owner.protection().acquire(&irql).expect("active");
/// assert_eq!(owner.protection().state(), RundownState::Granting { holders: 1 });
/// drop(guard);
/// let owner = owner.wait_for_release(&irql).completed(&irql);
/// assert_eq!(owner.protection().state(), RundownState::Closed);
/// assert_eq!(format!("{:?}", owner.protection()), "RundownRef(Closed)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RundownState {
    /// Protection is granted; `holders` protections are held.
    Granting {
        /// Protections held.
        holders: usize,
    },
    /// A wait is in progress: nothing is granted, and the waiter counts the holders left in its
    /// own stack (which another thread must not read, so their number is not shown).
    RunningDown,
    /// Run down with no wait in progress: after `ExRundownCompleted`, or after a wait that
    /// found no holder (NT's word is the same for both). Nothing is granted until reinitialized.
    Closed,
}

impl RundownRef {
    /// What the word says now: for a debugger or a log line. Another thread may change it at
    /// once, so this decides nothing.
    ///
    /// ```
    /// # use rundown::irql::PassiveLevel;
    /// # use rundown::{RundownRef, RundownState};
    /// # let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let mut storage = RundownRef::new();
    /// let owner = storage.owner(&irql);
    /// let shared = owner.protection();
    /// let guard = shared.acquire(&irql).expect("active");
    /// std::thread::scope(|scope| {
    ///     scope.spawn(move || {
    ///         let irql = PassiveLevel::check().expect("a new thread runs at PASSIVE_LEVEL");
    ///         let _completed = owner.wait_for_release(&irql).completed(&irql);
    ///     });
    ///     while shared.state() != RundownState::RunningDown {
    ///         std::thread::yield_now(); // until the waiter installed its wait block
    ///     }
    ///     drop(guard);
    /// });
    /// assert_eq!(shared.state(), RundownState::Closed);
    /// ```
    #[must_use]
    pub fn state(&self) -> RundownState {
        let word = self.word.load(core::sync::atomic::Ordering::Relaxed);
        match (word & crate::provider::portable::ACTIVE, word) {
            (0, _) => RundownState::Granting { holders: word >> crate::provider::portable::COUNT_SHIFT },
            (_, crate::provider::portable::ACTIVE) => RundownState::Closed,
            _ => RundownState::RunningDown,
        }
    }
}

impl core::fmt::Debug for RundownRef {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("RundownRef").field(&self.state()).finish()
    }
}

impl Protection for RundownRef {}

impl crate::protection::SharedReinitialize for RundownRef {}

impl RawProtection for RundownRef {
    #[inline]
    fn acquire_raw(&self, count: NonZeroU32) -> bool {
        if count == NonZeroU32::MIN {
            // SAFETY: the word is initialized (by `new` or `owner`).
            unsafe { Selected::acquire(&self.word) }
        } else {
            // SAFETY: as above, and the count is not zero.
            unsafe { Selected::acquire_ex(&self.word, count.get()) }
        }
    }

    #[inline]
    unsafe fn release_raw(&self, count: NonZeroU32) {
        if count == NonZeroU32::MIN {
            // SAFETY: the caller holds one protection.
            unsafe { Selected::release(&self.word) }
        } else {
            // SAFETY: the caller holds `count` protections.
            unsafe { Selected::release_ex(&self.word, count.get()) }
        }
    }

    unsafe fn wait_raw(&self) {
        // SAFETY: forwarded from the owner's contract.
        unsafe { Selected::wait_for_release(&self.word) }
    }

    unsafe fn completed_raw(&self) {
        // SAFETY: forwarded from the owner's contract.
        unsafe { Selected::completed(&self.word) }
    }

    unsafe fn reinitialize_raw(&self) {
        // SAFETY: forwarded from the owner's contract.
        unsafe { Selected::reinitialize(&self.word) }
    }
}
