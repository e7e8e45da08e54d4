//! `Rundown<T>`: run-down protection that owns the object it protects.

use core::num::NonZeroU32;
use core::ops::Deref;
use core::ptr::NonNull;

use crate::env::atomics::AtomicBool;
use crate::env::tracked_cell::UnsafeCell;
use crate::irql::{Apc, AtMost, Dispatch, Irql};
use crate::{Loan, Protection, RundownGuard, RundownHolds, RundownRef, SharedReinitialize};

use crate::env::atomics::Ordering::{AcqRel, Relaxed};

/// An object behind run-down protection, in the manner of Rust-for-Linux's `Revocable<T>`.
///
/// Readers call [`try_access`](Self::try_access) at IRQL <= `DISPATCH_LEVEL` and get an
/// [`Access`] that dereferences to `&T` and releases the protection when it drops. The one
/// [`ObjectOwner`] (from [`owner`](Self::owner)) can
/// - run the object down and work on it alone, then let readers in again
///   ([`ObjectOwner::exclusive`], [`ObjectOwner::replace`]): the wait, `ExRundownCompleted` and
///   `ExReInitializeRundownProtection` in the documented order;
/// - retire it for good and get it back ([`ObjectOwner::retire`]), as DriverUnload does.
///
/// `P` is the reference: [`RundownRef`] (the default), or a
/// [`CacheAwareRundownRef`](crate::CacheAwareRundownRef) through [`with_protection`](Self::with_protection),
/// whose owner can only retire (a shared cache-aware reference cannot be reinitialized: see
/// [`SharedReinitialize`]).
///
/// [`new`](Self::new) is a `const fn`, so a `Rundown` can be a `static` or live in a device
/// extension.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown::Rundown;
///
/// static CONFIG: Rundown<u32> = Rundown::new(1);
///
/// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
/// let mut owner = CONFIG.owner().expect("the first claim");
/// assert_eq!(*CONFIG.try_access(&irql).expect("active"), 1);
/// assert_eq!(owner.replace(2, &irql), 1); // waits for readers, then swaps
/// assert_eq!(*CONFIG.try_access(&irql).expect("active again"), 2);
/// assert_eq!(owner.retire(&irql), Some(2)); // DriverUnload
/// assert!(CONFIG.try_access(&irql).is_none());
/// ```
pub struct Rundown<T, P: Protection = RundownRef> {
    protection: P,
    owner_claimed: AtomicBool,
    /// `Some` from construction until the owner retires it.
    value: UnsafeCell<Option<T>>,
}

// SAFETY: readers on many threads get `&T` (needs `T: Sync`); the owner may take the `T` out or
// replace it from any thread (needs `T: Send`). The protection is `Sync` by its trait.
unsafe impl<T: Send + Sync, P: Protection + Send> Sync for Rundown<T, P> {}
// SAFETY: as above; moving the whole thing moves the `T`.
unsafe impl<T: Send, P: Protection + Send> Send for Rundown<T, P> {}

impl<T> Rundown<T> {
    crate::const_unless_loom! {
        /// `value` behind a new, active [`RundownRef`] (`ExInitializeRundownProtection`).
        ///
        /// ```
        /// use rundown::irql::PassiveLevel;
        /// use rundown::Rundown;
        ///
        /// static SETTINGS: Rundown<[u8; 4]> = Rundown::new([1, 2, 3, 4]); // `const`: a static
        ///
        /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
        /// assert_eq!(SETTINGS.try_access(&irql).expect("active")[3], 4);
        /// ```
        #[must_use]
        pub fn new(value: T) -> Self {
            Self { protection: RundownRef::new(), owner_claimed: AtomicBool::new(false), value: UnsafeCell::new(Some(value)) }
        }
    }
}

impl<T, P: Protection> Rundown<T, P> {
    /// `value` behind `protection`, which must be active and unused: a new
    /// [`CacheAwareRundownRef`](crate::CacheAwareRundownRef), for example.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{CacheAwareRundownRef, Rundown};
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let protection = CacheAwareRundownRef::allocate(&irql).expect("pool");
    /// let shared = Rundown::with_protection(protection, [0u8; 16]);
    /// assert_eq!(shared.try_access(&irql).expect("active").len(), 16);
    /// ```
    #[must_use]
    pub fn with_protection(protection: P, value: T) -> Self {
        Self { protection, owner_claimed: AtomicBool::new(false), value: UnsafeCell::new(Some(value)) }
    }

    /// Claims the owner's capability: `Some` the first time only, so there is one owner however
    /// many threads share the `Rundown` (a `static` has no `&mut` to prove it with).
    ///
    /// ```
    /// use rundown::Rundown;
    ///
    /// let shared = Rundown::new(0u32);
    /// let owner = shared.owner();
    /// assert!(owner.is_some());
    /// assert!(shared.owner().is_none(), "there is one owner");
    /// ```
    #[must_use]
    pub fn owner(&self) -> Option<ObjectOwner<'_, T, P>> {
        let first = self.owner_claimed.compare_exchange(false, true, AcqRel, Relaxed).is_ok();
        // INVARIANT: the claim above succeeds once, so this is the only owner.
        first.then_some(ObjectOwner { rundown: self })
    }

    /// Acquires run-down protection and returns the object, or `None` once its owner began a
    /// run down (`ExAcquireRundownProtection`).
    ///
    /// Callable at IRQL <= `DISPATCH_LEVEL`, so under a spin lock too:
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{Rundown, SpinLock};
    ///
    /// let mut irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = Rundown::new(5u32);
    /// let total = SpinLock::new(0u32);
    /// {
    ///     let mut total = total.lock(&mut irql);
    ///     let value = *shared.try_access(total.irql()).expect("active");
    ///     *total += value;
    /// }
    /// let _ = shared.owner().expect("first claim").retire(&irql);
    /// assert!(shared.try_access(&irql).is_none(), "refused once retired");
    /// ```
    #[must_use = "an unused access releases at once"]
    pub fn try_access(&self, irql: &Irql<impl AtMost<Dispatch>>) -> Option<Access<'_, T, P>> {
        irql.debug_assert_current();
        let guard = RundownGuard::acquire(&self.protection, NonZeroU32::MIN)?;
        // SAFETY: protection is held, so the owner is not between a wait and a reinitialize and
        // does not write the value until the guard drops.
        let value = unsafe { self.value_while_protected() }?;
        Some(Access { value, protection: Held::Guard(guard) })
    }

    /// The object through one protection lent out of `holds` (see [`RundownHolds::lend`]):
    /// valid while the owner runs it down, because the run down waits for the protections the
    /// holds keep. `None` if `holds` keep nothing or keep protection on another reference.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{Rundown, RundownHolds};
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = Rundown::new(5u32);
    /// let handle = RundownHolds::new(shared.protection());
    /// assert!(shared.lend(&handle).is_none(), "the handle keeps nothing yet");
    /// assert!(shared.keep_in(&handle, &irql).is_some()); // an ACQUIRE request
    /// let value = shared.lend(&handle).expect("one kept"); // a later READ request
    /// assert_eq!((*value, handle.held()), (5, 0)); // lent out until `value` drops
    /// ```
    #[must_use = "an unused access gives the protection back at once"]
    pub fn lend<'a>(&'a self, holds: &'a RundownHolds<'a, P>) -> Option<Access<'a, T, P>> {
        if !core::ptr::eq(holds.protection(), &raw const self.protection) {
            return None;
        }
        let loan = holds.lend()?;
        // SAFETY: the loan is a protection kept on this reference.
        let value = unsafe { self.value_while_protected() }?;
        Some(Access { value, protection: Held::Loan(loan) })
    }

    /// Acquires one protection into `holds` and returns the object's address, which stays valid
    /// until that protection is released through `holds`: for handing the object to code that
    /// keeps protection across calls, such as a peer driver. `None` once a run down began, or
    /// if `holds` belong to another reference.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{count, Rundown, RundownHolds, RundownRef};
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = Rundown::new([7u8; 8]);
    /// let peer = RundownHolds::new(shared.protection());
    /// let object = shared.keep_in(&peer, &irql).expect("active");
    /// // SAFETY: the protection kept in `peer` is released below, after the last use.
    /// assert_eq!(unsafe { object.as_ref() }[0], 7);
    /// assert!(peer.release(count!(1), &irql));
    /// # let other = RundownRef::new();
    /// assert!(shared.keep_in(&RundownHolds::new(&other), &irql).is_none(), "another reference");
    /// ```
    #[must_use = "None means nothing was acquired"]
    pub fn keep_in(&self, holds: &RundownHolds<'_, P>, irql: &Irql<impl AtMost<Dispatch>>) -> Option<NonNull<T>> {
        if !core::ptr::eq(holds.protection(), &raw const self.protection) || !holds.acquire_many(NonZeroU32::MIN, irql)
        {
            return None;
        }
        // SAFETY: the protection just kept holds the owner off the value.
        let value = unsafe { self.value_while_protected() };
        if value.is_none() {
            // Retired (cannot happen while protection is granted); give it back.
            let _ = holds.release(NonZeroU32::MIN, irql);
        }
        value.map(NonNull::from)
    }

    /// The run-down reference, for [`RundownHolds`] and for C code.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{Rundown, RundownState};
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = Rundown::new(());
    /// let _access = shared.try_access(&irql).expect("active");
    /// assert_eq!(shared.protection().state(), RundownState::Granting { holders: 1 });
    /// ```
    #[must_use]
    pub fn protection(&self) -> &P {
        &self.protection
    }

    /// The object through an exclusive borrow: nobody can hold protection meanwhile. `None` once
    /// retired.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::Rundown;
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let mut shared = Rundown::new(vec![1]);
    /// shared.get_mut().expect("not retired").push(2); // no run down needed: nobody else has it
    /// assert_eq!(*shared.try_access(&irql).expect("active"), [1, 2]);
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut T> {
        // SAFETY: `&mut self`: no access or owner exists.
        self.value.with_mut(|value| unsafe { &mut *value }).as_mut()
    }

    /// The object, unless it was retired.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::Rundown;
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// assert_eq!(Rundown::new('a').into_inner(), Some('a'));
    /// let retired = Rundown::new('b');
    /// assert_eq!(retired.owner().expect("first claim").retire(&irql), Some('b'));
    /// assert_eq!(retired.into_inner(), None);
    /// ```
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }

    /// # Safety
    /// The caller holds protection on `self.protection` for as long as it uses the result.
    unsafe fn value_while_protected(&self) -> Option<&T> {
        // SAFETY: the owner writes the value only between a completed wait and the reinitialize,
        // or when retiring, and neither happens while protection is held (caller).
        self.value.with(|value| unsafe { &*value }).as_ref()
    }
}

impl<T: core::fmt::Debug, P: Protection> core::fmt::Debug for Rundown<T, P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Rundown").field("owner_claimed", &self.owner_claimed.load(Relaxed)).finish_non_exhaustive()
    }
}

/// What keeps an [`Access`] valid: its own guard, or a protection lent out of holds.
enum Held<'a, P: Protection> {
    Guard(RundownGuard<'a, P>),
    Loan(Loan<'a, 'a, P>),
}

/// Access to the object of a [`Rundown`]: it dereferences to `&T`, and the protection behind it
/// is released when it drops. `!Send`, like the guard inside it.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown::Rundown;
///
/// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
/// let shared = Rundown::new(String::from("config"));
/// let access = shared.try_access(&irql).expect("active");
/// assert_eq!(access.len(), 6);
/// drop(access); // ExReleaseRundownProtection
/// ```
#[must_use = "dropping the access releases the protection at once"]
pub struct Access<'a, T, P: Protection = RundownRef> {
    value: &'a T,
    protection: Held<'a, P>,
}

impl<T, P: Protection> Access<'_, T, P> {
    /// Ends the access, running `before_release` just before the protection behind it is
    /// released: always for an access of its own ([`Rundown::try_access`]); for one lent out of
    /// holds ([`Rundown::lend`]) only if the holds were closed meanwhile (else the protection
    /// goes back to them). A caller that counts its holders counts the release there.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::Rundown;
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let shared = Rundown::new(1u8);
    /// let mut released = false;
    /// shared.try_access(&irql).expect("active").end(|| released = true);
    /// assert!(released);
    /// ```
    pub fn end(self, before_release: impl FnOnce()) {
        match self.protection {
            Held::Guard(guard) => {
                before_release();
                drop(guard);
            }
            Held::Loan(loan) => loan.give_back(before_release),
        }
    }
}

impl<T, P: Protection> Deref for Access<'_, T, P> {
    type Target = T;

    fn deref(&self) -> &T {
        self.value
    }
}

impl<T: core::fmt::Debug, P: Protection> core::fmt::Debug for Access<'_, T, P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Access").field(self.value).finish()
    }
}

/// The one owner of a [`Rundown`]'s object: it may run the object down, work on it alone, and
/// retire it.
///
/// Its own [`access`](Self::access) borrows it, so the owner cannot run down while it holds an
/// access itself (which would wait for itself forever): that does not compile.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown::Rundown;
///
/// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
/// let shared = Rundown::new(vec![1, 2, 3]);
/// let mut owner = shared.owner().expect("first claim");
/// let sum: i32 = owner.exclusive(&irql, |numbers| {
///     numbers.push(4); // no reader can see the vector now
///     numbers.iter().sum()
/// });
/// assert_eq!(sum, 10);
/// assert_eq!(owner.access(&irql).expect("active again").len(), 4);
/// ```
#[must_use = "the owner is the only way to run the object down"]
pub struct ObjectOwner<'a, T, P: Protection = RundownRef> {
    rundown: &'a Rundown<T, P>,
}

impl<'a, T, P: Protection> ObjectOwner<'a, T, P> {
    /// The object, for the owner: as [`Rundown::try_access`], borrowing the owner.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::Rundown;
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = Rundown::new(1u32);
    /// let owner = shared.owner().expect("first claim");
    /// assert_eq!(*owner.access(&irql).expect("active"), 1);
    /// ```
    ///
    /// The owner cannot run the object down while it holds an access itself (the wait would
    /// wait for that access forever):
    ///
    /// ```compile_fail,E0502
    /// # use rundown::irql::PassiveLevel;
    /// # use rundown::Rundown;
    /// # let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = Rundown::new(1u32);
    /// let mut owner = shared.owner().expect("first claim");
    /// let access = owner.access(&irql).expect("active");
    /// owner.replace(2, &irql);
    /// drop(access);
    /// ```
    #[must_use = "an unused access releases at once"]
    pub fn access(&self, irql: &Irql<impl AtMost<Dispatch>>) -> Option<Access<'_, T, P>> {
        self.rundown.try_access(irql)
    }

    /// The `Rundown` this owner owns, for as long as the `Rundown` lives (not only the owner).
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::Rundown;
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = Rundown::new(3u8);
    /// let owner = shared.owner().expect("first claim");
    /// let readers = owner.rundown();
    /// assert_eq!(owner.retire(&irql), Some(3));
    /// assert!(readers.try_access(&irql).is_none());
    /// ```
    #[must_use]
    pub fn rundown(&self) -> &'a Rundown<T, P> {
        self.rundown
    }

    /// Runs the object down for good and gives it back: from now on every access is refused
    /// (`ExWaitForRundownProtectionRelease`, then `ExRundownCompleted`). `None` if it was
    /// retired already (it cannot be: retiring consumes the only owner).
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::Rundown;
    ///
    /// static DEVICE_STATE: Rundown<u32> = Rundown::new(10);
    ///
    /// // DriverUnload:
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let owner = DEVICE_STATE.owner().expect("the driver's one owner");
    /// assert_eq!(owner.retire(&irql), Some(10));
    /// assert!(DEVICE_STATE.try_access(&irql).is_none(), "for good");
    /// ```
    #[must_use = "the object is dropped if not used"]
    pub fn retire(self, irql: &Irql<impl AtMost<Apc>>) -> Option<T> {
        irql.debug_assert_current();
        // SAFETY: the only owner (invariant), active (every `exclusive` reinitializes), at
        // <= APC_LEVEL; then completed after the wait returned.
        unsafe {
            self.rundown.protection.wait_raw();
        }
        // SAFETY: as above: the wait returned.
        unsafe { self.rundown.protection.completed_raw() };
        // SAFETY: run down and completed: no protection is held or granted, so nobody reads it.
        self.rundown.value.with_mut(|value| unsafe { (*value).take() })
    }
}

impl<T, P: SharedReinitialize> ObjectOwner<'_, T, P> {
    /// Runs the object down, lets `work` change it alone, and lets readers in again: the wait,
    /// `ExRundownCompleted`, `work`, then `ExReInitializeRundownProtection`.
    ///
    /// While the wait lasts, new accesses are refused and the call sleeps until every access
    /// granted before it ended. `work` runs with no access in progress anywhere.
    ///
    /// # Panics
    /// Never: the object is there until [`retire`](Self::retire), which consumes the owner.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::Rundown;
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = Rundown::new(Vec::<u32>::new());
    /// let mut owner = shared.owner().expect("first claim");
    /// let len = owner.exclusive(&irql, |list| {
    ///     list.extend([1, 2]); // no reader sees the list half-changed
    ///     list.len()
    /// });
    /// assert_eq!(len, 2);
    /// ```
    ///
    /// The same over a cache-aware reference, whose readers on different processors do not
    /// contend (its reinitialize is safe while they share it: see [`SharedReinitialize`]):
    ///
    /// ```
    /// # use rundown::irql::PassiveLevel;
    /// # use rundown::{CacheAwareRundownRef, Rundown};
    /// # let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let protection = CacheAwareRundownRef::allocate(&irql).expect("pool");
    /// let shared = Rundown::with_protection(protection, 0u32);
    /// let mut owner = shared.owner().expect("first claim");
    /// owner.exclusive(&irql, |value| *value += 1);
    /// assert_eq!(*shared.try_access(&irql).expect("active again"), 1);
    /// ```
    pub fn exclusive<R>(&mut self, irql: &Irql<impl AtMost<Apc>>, work: impl FnOnce(&mut T) -> R) -> R {
        irql.debug_assert_current();
        let protection = &self.rundown.protection;
        // SAFETY: the only owner, in the active state, at <= APC_LEVEL.
        unsafe { protection.wait_raw() };
        // SAFETY: the wait returned.
        unsafe { protection.completed_raw() };
        let result = self.rundown.value.with_mut(|value| {
            // SAFETY: run down and completed: nobody holds or gets protection, so this is the
            // only access; the value is `Some` until `retire`, which consumes the owner.
            let value = unsafe { &mut *value }.as_mut().expect("not retired: retire consumes the owner");
            work(value)
        });
        // SAFETY: the run down completed; `&mut self` keeps the owner's own accesses out.
        unsafe { protection.reinitialize_raw() };
        result
    }

    /// Replaces the object once every reader left, returning the old one (see
    /// [`exclusive`](Self::exclusive)).
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::Rundown;
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = Rundown::new("v1");
    /// let mut owner = shared.owner().expect("first claim");
    /// assert_eq!(owner.replace("v2", &irql), "v1");
    /// assert_eq!(*shared.try_access(&irql).expect("active again"), "v2");
    /// ```
    pub fn replace(&mut self, value: T, irql: &Irql<impl AtMost<Apc>>) -> T {
        self.exclusive(irql, |current| core::mem::replace(current, value))
    }
}

impl<T, P: Protection> core::fmt::Debug for ObjectOwner<'_, T, P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ObjectOwner").finish_non_exhaustive()
    }
}
