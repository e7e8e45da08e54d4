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
    #[must_use = "an unused guard releases at once"]
    pub fn acquire_many(
        &self,
        count: NonZeroU32,
        irql: &Irql<impl AtMost<Dispatch>>,
    ) -> Option<RundownGuard<'_, Self>> {
        irql.debug_assert_current();
        RundownGuard::acquire(self, count)
    }

    /// The `PEX_RUNDOWN_REF` to hand to C code.
    #[must_use]
    pub fn as_ptr(&self) -> *mut core::ffi::c_void {
        core::ptr::from_ref(self).cast_mut().cast()
    }

    /// Views an `EX_RUNDOWN_REF` that C code owns.
    ///
    /// # Safety
    /// `run_ref` points to an initialized, pointer-aligned `EX_RUNDOWN_REF` that stays valid for
    /// `'a` and is only used through run-down routines meanwhile.
    #[must_use]
    pub unsafe fn from_ptr<'a>(run_ref: *mut core::ffi::c_void) -> &'a Self {
        // SAFETY: `RundownRef` is a transparent `EX_RUNDOWN_REF`; validity is the caller's promise.
        unsafe { &*run_ref.cast::<Self>() }
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
