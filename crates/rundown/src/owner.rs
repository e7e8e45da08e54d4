//! The owner's side of run-down protection: one capability, moved through its lifecycle.

use core::marker::PhantomData;

use crate::irql::{Apc, AtMost, Irql};
use crate::{Protection, RundownRef, SharedReinitialize};

/// The states of [`RundownOwner`]: [`Active`], then [`RunDown`], then [`Completed`], then
/// [`Active`] again.
pub mod lifecycle {
    mod sealed {
        pub trait Sealed {}
    }

    /// A state of the owner's lifecycle.
    ///
    /// ```
    /// use rundown::lifecycle::{Active, Lifecycle};
    /// fn is_state<S: Lifecycle>() {}
    /// is_state::<Active>();
    /// ```
    pub trait Lifecycle: sealed::Sealed {}

    /// Protection is granted to whoever asks.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::lifecycle::Active;
    /// use rundown::{RundownOwner, RundownRef};
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let mut storage = RundownRef::new();
    /// let owner: RundownOwner<'_, RundownRef, Active> = storage.owner(&irql);
    /// assert!(owner.protection().acquire(&irql).is_some());
    /// ```
    pub enum Active {}
    /// The wait returned: no protection is held or granted. The word may still name the
    /// waiter's dead wait block, so only completing is allowed next.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::lifecycle::RunDown;
    /// use rundown::{RundownOwner, RundownRef};
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let mut storage = RundownRef::new();
    /// let owner: RundownOwner<'_, RundownRef, RunDown> = storage.owner(&irql).wait_for_release(&irql);
    /// assert!(owner.protection().acquire(&irql).is_none());
    /// ```
    pub enum RunDown {}
    /// The run down completed: acquires fail, waits return at once, and the reference may be
    /// reinitialized for a new object.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::lifecycle::Completed;
    /// use rundown::{RundownOwner, RundownRef};
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let mut storage = RundownRef::new();
    /// let owner: RundownOwner<'_, RundownRef, Completed> =
    ///     storage.owner(&irql).wait_for_release(&irql).completed(&irql);
    /// owner.wait_for_release(&irql); // returns at once
    /// ```
    pub enum Completed {}

    impl sealed::Sealed for Active {}
    impl sealed::Sealed for RunDown {}
    impl sealed::Sealed for Completed {}
    impl Lifecycle for Active {}
    impl Lifecycle for RunDown {}
    impl Lifecycle for Completed {}
}

use lifecycle::{Active, Completed, Lifecycle, RunDown};

/// The one capability that may run down, complete and reinitialize a reference.
///
/// It cannot be cloned, each transition consumes it, and only the transitions the
/// documentation allows exist, so the misuse NT leaves undefined does not compile:
///
/// | call                                    | NT without the rule                 | here                          |
/// |-----------------------------------------|-------------------------------------|-------------------------------|
/// | completed without a wait                | clobbers outstanding counts         | no `completed` on `Active`    |
/// | reinitialize without a wait             | reuses an object still in use       | no `reinitialize` on `Active` |
/// | a second wait before completed          | reads the dead wait block as a count| no wait on `RunDown`          |
/// | cache-aware reinitialize while shared   | a migrating reader releases into a completed word | acquisitions during the reset are undone on their own word ([`SharedReinitialize`]) |
///
/// Shared accessors get `&'r P` from [`RundownOwner::protection`] and acquire through it.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown::RundownRef;
///
/// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
/// let mut storage = RundownRef::new();
/// let owner = storage.owner(&irql);
/// let shared = owner.protection();
///
/// let guard = shared.acquire(&irql).expect("active");
/// drop(guard);
///
/// let owner = owner.wait_for_release(&irql); // ExWaitForRundownProtectionRelease
/// assert!(shared.acquire(&irql).is_none());
/// let owner = owner.completed(&irql); // ExRundownCompleted
/// let owner = owner.reinitialize(&irql); // ExReInitializeRundownProtection
/// assert!(owner.protection().acquire(&irql).is_some());
/// ```
#[must_use = "the owner is the only way to run the reference down"]
pub struct RundownOwner<'r, P: Protection = RundownRef, S: Lifecycle = Active> {
    protection: &'r P,
    state: PhantomData<S>,
}

impl<'r, P: Protection, S: Lifecycle> RundownOwner<'r, P, S> {
    fn into_state<T: Lifecycle>(self) -> RundownOwner<'r, P, T> {
        RundownOwner { protection: self.protection, state: PhantomData }
    }

    /// The reference, for shared accessors to acquire protection on.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::RundownRef;
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let mut storage = RundownRef::new();
    /// let owner = storage.owner(&irql);
    /// let shared: &RundownRef = owner.protection(); // lives as long as the owner's borrow
    /// std::thread::scope(|scope| {
    ///     scope.spawn(|| {
    ///         let irql = PassiveLevel::check().expect("a new thread runs at PASSIVE_LEVEL");
    ///         assert!(shared.acquire(&irql).is_some());
    ///     });
    /// });
    /// let _owner = owner.wait_for_release(&irql);
    /// assert!(shared.acquire(&irql).is_none(), "still usable after the owner moved on");
    /// ```
    #[must_use]
    pub fn protection(&self) -> &'r P {
        self.protection
    }
}

impl<'r, P: Protection> RundownOwner<'r, P, Active> {
    /// Makes the owner of a reference just initialized.
    ///
    /// # Safety
    /// No other owner of `protection` exists, and it is in the active state.
    pub(crate) unsafe fn new(protection: &'r P) -> Self {
        Self { protection, state: PhantomData }
    }

    /// Runs the reference down (`ExWaitForRundownProtectionRelease`).
    ///
    /// From the seed page: "After ExWaitForRundownProtectionRelease is called, the
    /// ExAcquireRundownProtection routine grants no further requests for run-down protection",
    /// and the routine "waits to return until all drivers that were previously granted run-down
    /// protection finish accessing the object". When it returns "the object can be safely
    /// deleted". If nobody holds protection it returns at once.
    ///
    /// Waiting on this thread while it holds a guard on the same reference never returns.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use rundown::irql::PassiveLevel;
    /// # use rundown::RundownRef;
    /// # let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let mut storage = RundownRef::new();
    /// let owner = storage.owner(&irql);
    /// let shared = owner.protection();
    /// let guard = shared.acquire(&irql).expect("active");
    /// std::thread::scope(|scope| {
    ///     let waiter = scope.spawn(move || {
    ///         let irql = PassiveLevel::check().expect("a new thread runs at PASSIVE_LEVEL");
    ///         owner.wait_for_release(&irql)
    ///     });
    ///     std::thread::sleep(Duration::from_millis(10)); // the holder uses the object
    ///     assert!(!waiter.is_finished(), "the wait waits for the holder");
    ///     drop(guard);
    ///     let _run_down = waiter.join().expect("the wait returns once the guard dropped");
    /// });
    /// assert!(shared.acquire(&irql).is_none(), "and no protection is granted afterwards");
    /// ```
    pub fn wait_for_release(self, irql: &Irql<impl AtMost<Apc>>) -> RundownOwner<'r, P, RunDown> {
        irql.debug_assert_current();
        // SAFETY: the only owner, in the active state, at <= APC_LEVEL.
        unsafe { self.protection.wait_raw() };
        self.into_state()
    }
}

impl<'r, P: Protection> RundownOwner<'r, P, RunDown> {
    /// Marks the run down complete (`ExRundownCompleted`).
    ///
    /// From the seed page: "The ExRundownCompleted call must be preceded by a call to the
    /// ExWaitForRundownProtectionRelease routine that runs down the object", which is why only
    /// this state has it.
    ///
    /// ```
    /// # use rundown::irql::PassiveLevel;
    /// # use rundown::{RundownRef, RundownState};
    /// # let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let mut storage = RundownRef::new();
    /// let owner = storage.owner(&irql).wait_for_release(&irql);
    /// let owner = owner.completed(&irql); // the object may be deleted now
    /// assert_eq!(owner.protection().state(), RundownState::Closed);
    /// let _owner = owner.reinitialize(&irql); // which only a completed owner can do
    /// ```
    pub fn completed(self, irql: &Irql<impl AtMost<Apc>>) -> RundownOwner<'r, P, Completed> {
        irql.debug_assert_current();
        // SAFETY: the only owner; the wait returned.
        unsafe { self.protection.completed_raw() };
        self.into_state()
    }
}

impl<'r, P: SharedReinitialize> RundownOwner<'r, P, Completed> {
    /// Associates the reference with a new object (`ExReInitializeRundownProtection`).
    ///
    /// From the seed page: "After an ExRundownCompleted call, the driver can call the
    /// ExReInitializeRundownProtection routine", after which acquires succeed again.
    ///
    /// ```
    /// # use rundown::irql::PassiveLevel;
    /// # use rundown::CacheAwareRundownRef;
    /// # let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let mut shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
    /// let owner = shared.owner(&irql);
    /// let protection = owner.protection();
    /// let owner = owner.wait_for_release(&irql).completed(&irql); // the old object is gone
    /// assert!(protection.acquire(&irql).is_none());
    /// let _owner = owner.reinitialize(&irql); // for the new object, while readers may try
    /// assert!(protection.acquire(&irql).is_some());
    /// ```
    pub fn reinitialize(self, irql: &Irql<impl AtMost<Apc>>) -> RundownOwner<'r, P, Active> {
        irql.debug_assert_current();
        // SAFETY: the only owner; the run down completed.
        unsafe { self.protection.reinitialize_raw() };
        self.into_state()
    }
}

impl<P: Protection> RundownOwner<'_, P, Completed> {
    /// Waits again, which returns at once (`ExWaitForRundownProtectionRelease`).
    ///
    /// From the seed pages: "After an ExRundownCompleted call, additional calls to
    /// ExWaitForRundownProtectionRelease ... return immediately without waiting", and a wait on
    /// an object "already run down ... has no effect but is not treated as an error".
    ///
    /// ```
    /// # use rundown::irql::PassiveLevel;
    /// # use rundown::RundownRef;
    /// # let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let mut storage = RundownRef::new();
    /// let owner = storage.owner(&irql).wait_for_release(&irql).completed(&irql);
    /// owner.wait_for_release(&irql); // returns at once, as often as asked
    /// owner.wait_for_release(&irql);
    /// assert!(owner.protection().acquire(&irql).is_none());
    /// let _owner = owner.reinitialize(&irql); // the owner was only borrowed
    /// ```
    pub fn wait_for_release(&self, irql: &Irql<impl AtMost<Apc>>) {
        irql.debug_assert_current();
        // SAFETY: the only owner, in the completed state, where a wait has no effect.
        unsafe { self.protection.wait_raw() };
    }
}

impl<P: Protection, S: Lifecycle> core::fmt::Debug for RundownOwner<'_, P, S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RundownOwner").field("state", &core::any::type_name::<S>()).finish_non_exhaustive()
    }
}
