//! Protection held on behalf of something that outlives one call: an open handle, a peer driver.

use core::num::NonZeroU32;
use core::sync::atomic::Ordering::{AcqRel, Acquire};

use crate::env::AtomicUsize;
use crate::irql::{AtMost, Dispatch, Irql};
use crate::{Protection, RundownGuard, RundownRef};

/// The bit of `held` that says the holds were closed.
const CLOSED: usize = 1 << (usize::BITS - 1);
/// The bits of `held` that count protections.
const COUNT: usize = CLOSED - 1;

/// Protections kept past the call that acquired them, released later, possibly on another
/// thread.
///
/// A [`RundownGuard`] is scoped: it releases when it drops, in the context that acquired it. A
/// driver that holds protection for a client across requests (an ACQUIRE IOCTL now, a RELEASE
/// IOCTL or the handle's cleanup later) moves each guard into holds with [`keep`](Self::keep),
/// and gives protections back with [`release`](Self::release), which takes an IRQL token, so it
/// may run on any thread. Whatever is still held when the holds drop is released then.
///
/// The holds count what they keep: a release of more than is held releases nothing, so a client
/// cannot release protection that others hold.
///
/// [`close`](Self::close) ends the holds for good, as a handle's CLEANUP does: it takes out
/// everything kept, and from then on nothing can be kept (an acquire racing the close is given
/// back), so what a closed handle holds can only fall.
///
/// # Invariants
/// `held & COUNT` protections, acquired on `protection`, are owned by these holds and released
/// only by them; once `held & CLOSED` is set it stays set and the count only falls.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown::{count, RundownHolds, RundownRef};
///
/// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
/// let shared = RundownRef::new();
/// let holds = RundownHolds::new(&shared);
/// let guard = shared.acquire_many(count!(2), &irql).expect("not run down");
/// assert_eq!(holds.keep(guard).expect("same reference"), 2);
///
/// std::thread::scope(|scope| {
///     scope.spawn(|| {
///         let irql = PassiveLevel::check().expect("a new thread runs at PASSIVE_LEVEL");
///         assert!(holds.release(count!(1), &irql));
///     });
/// });
/// assert!(!holds.release(count!(2), &irql), "only one is left");
/// assert_eq!(holds.release_all(&irql), 1);
/// ```
#[must_use = "dropping the holds releases what they keep at once"]
pub struct RundownHolds<'r, P: Protection = RundownRef> {
    protection: &'r P,
    held: AtomicUsize,
}

impl<'r, P: Protection> RundownHolds<'r, P> {
    /// Holds on `protection`, keeping nothing yet.
    ///
    /// ```
    /// use rundown::{RundownHolds, RundownRef};
    ///
    /// let shared = RundownRef::new();
    /// let holds = RundownHolds::new(&shared); // when a handle is opened
    /// assert_eq!((holds.held(), holds.is_closed()), (0, false));
    /// ```
    pub fn new(protection: &'r P) -> Self {
        Self { protection, held: AtomicUsize::new(0) }
    }

    /// The reference the protections are held on.
    ///
    /// ```
    /// use rundown::{RundownHolds, RundownRef};
    ///
    /// let shared = RundownRef::new();
    /// let holds = RundownHolds::new(&shared);
    /// assert!(core::ptr::eq(holds.protection(), &shared));
    /// ```
    #[must_use]
    pub fn protection(&self) -> &'r P {
        self.protection
    }

    /// How many protections are kept now.
    ///
    /// ```
    /// # use rundown::irql::PassiveLevel;
    /// # use rundown::{count, RundownHolds, RundownRef};
    /// # let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// # let shared = RundownRef::new();
    /// # let holds = RundownHolds::new(&shared);
    /// assert!(holds.acquire_many(count!(2), &irql));
    /// assert_eq!(holds.held(), 2);
    /// ```
    #[must_use]
    pub fn held(&self) -> usize {
        self.held.load(Acquire) & COUNT
    }

    /// Whether [`close`](Self::close) ran.
    ///
    /// ```
    /// # use rundown::irql::PassiveLevel;
    /// # use rundown::{count, RundownHolds, RundownRef};
    /// # let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// # let shared = RundownRef::new();
    /// # let holds = RundownHolds::new(&shared);
    /// assert!(!holds.is_closed());
    /// drop(holds.close());
    /// assert!(holds.is_closed());
    /// ```
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.held.load(Acquire) & CLOSED != 0
    }

    /// Adds `count` kept protections unless the holds are closed.
    fn add(&self, count: usize) -> bool {
        self.held.fetch_update(AcqRel, Acquire, |held| (held & CLOSED == 0).then(|| held + count)).is_ok()
    }

    /// Keeps the guard's protections until they are released through these holds, returning how
    /// many are kept now.
    ///
    /// # Errors
    /// A guard on another reference, or any guard once the holds are closed, is handed back
    /// unchanged.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{count, RundownHolds, RundownRef};
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = RundownRef::new();
    /// let holds = RundownHolds::new(&shared);
    /// let guard = shared.acquire_many(count!(2), &irql).expect("active");
    /// assert_eq!(holds.keep(guard).expect("same reference"), 2); // kept past this call
    /// let other = RundownRef::new();
    /// let foreign = holds.keep(other.acquire(&irql).expect("active")).expect_err("another reference");
    /// assert!(core::ptr::eq(foreign.protection(), &other)); // released when it drops
    /// ```
    pub fn keep(&self, guard: RundownGuard<'r, P>) -> Result<usize, RundownGuard<'r, P>> {
        if !core::ptr::eq(guard.protection(), self.protection) {
            return Err(guard);
        }
        let count = guard.count().get() as usize;
        if !self.add(count) {
            return Err(guard);
        }
        // The guard's protections now belong to the holds: its drop must not release them.
        core::mem::forget(guard);
        Ok(self.held())
    }

    /// Acquires `count` protections straight into the holds; false, keeping nothing, once the
    /// reference runs down (or at its count limit) or the holds are closed.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{count, RundownHolds, RundownRef};
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = RundownRef::new();
    /// let holds = RundownHolds::new(&shared);
    /// assert!(holds.acquire_many(count!(3), &irql));
    /// assert_eq!(holds.held(), 3);
    /// let taken = holds.close();
    /// assert!(!holds.acquire_many(count!(1), &irql), "closed");
    /// # drop(taken);
    /// ```
    #[must_use = "false means nothing was acquired"]
    pub fn acquire_many(&self, count: NonZeroU32, irql: &Irql<impl AtMost<Dispatch>>) -> bool {
        irql.debug_assert_current();
        if self.is_closed() {
            return false;
        }
        let Some(guard) = RundownGuard::acquire(self.protection, count) else { return false };
        if !self.add(count.get() as usize) {
            // Closed meanwhile: the guard releases what it acquired.
            return false;
        }
        // The guard's protections now belong to the holds: its drop must not release them.
        core::mem::forget(guard);
        true
    }

    /// Lends one kept protection for a scope: the holds count one fewer until the loan drops and
    /// gives it back, so a concurrent [`release`](Self::release) cannot release the protection
    /// the borrower relies on. `None` if nothing is kept.
    ///
    /// This is how a holder uses the object while its owner runs it down: a fresh acquisition
    /// would be refused then, but the protection already kept stays valid (the run-down waits
    /// for it).
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{count, RundownHolds, RundownRef};
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = RundownRef::new();
    /// let holds = RundownHolds::new(&shared);
    /// assert!(holds.lend().is_none(), "nothing kept");
    /// assert!(holds.acquire_many(count!(1), &irql));
    /// let loan = holds.lend().expect("one kept");
    /// assert!(!holds.release(count!(1), &irql), "the lent one cannot be released meanwhile");
    /// drop(loan);
    /// assert_eq!(holds.held(), 1);
    /// ```
    #[must_use = "the loan gives the protection back when dropped"]
    pub fn lend(&self) -> Option<Loan<'_, 'r, P>> {
        self.held.fetch_update(AcqRel, Acquire, |held| (held & COUNT).checked_sub(1).map(|_| held - 1)).ok()?;
        Some(Loan { holds: self })
    }

    /// Releases `count` of the kept protections; false, releasing nothing, if fewer are kept.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{count, RundownHolds, RundownRef};
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = RundownRef::new();
    /// let holds = RundownHolds::new(&shared);
    /// assert!(holds.acquire_many(count!(2), &irql));
    /// assert!(!holds.release(count!(3), &irql), "only 2 kept: nothing released");
    /// assert!(holds.release(count!(2), &irql)); // a RELEASE request
    /// assert_eq!(holds.held(), 0);
    /// ```
    #[must_use = "false means nothing was released"]
    pub fn release(&self, count: NonZeroU32, irql: &Irql<impl AtMost<Dispatch>>) -> bool {
        irql.debug_assert_current();
        let count_taken = count.get() as usize;
        let taken = self
            .held
            .fetch_update(AcqRel, Acquire, |held| (held & COUNT).checked_sub(count_taken).map(|_| held - count_taken));
        if taken.is_err() {
            return false;
        }
        // SAFETY: `count` kept protections were just taken out of `held`; nothing else releases
        // them.
        unsafe { self.protection.release_raw(count) };
        true
    }

    /// Releases everything kept, returning how many protections that was.
    ///
    /// ```
    /// # use rundown::irql::PassiveLevel;
    /// # use rundown::{count, RundownHolds, RundownRef};
    /// # let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// # let shared = RundownRef::new();
    /// # let holds = RundownHolds::new(&shared);
    /// assert!(holds.acquire_many(count!(3), &irql));
    /// assert_eq!(holds.release_all(&irql), 3);
    /// assert!(!holds.is_closed(), "unlike close, the holds stay open");
    /// assert!(holds.acquire_many(count!(1), &irql));
    /// ```
    #[must_use = "the count says how many protections were still kept"]
    pub fn release_all(&self, irql: &Irql<impl AtMost<Dispatch>>) -> usize {
        irql.debug_assert_current();
        // SAFETY: IRQL <= DISPATCH_LEVEL, which the token proves.
        unsafe { self.release_all_unchecked() }
    }

    /// Closes the holds for good (a handle's CLEANUP): takes out everything kept, to be released
    /// through the returned [`Taken`], and makes every later keep or acquire into the holds fail.
    /// A protection lent out meanwhile is released when its loan drops.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{count, RundownHolds, RundownRef};
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = RundownRef::new();
    /// let holds = RundownHolds::new(&shared);
    /// assert!(holds.acquire_many(count!(2), &irql));
    /// let taken = holds.close(); // IRP_MJ_CLEANUP
    /// assert_eq!((taken.count(), holds.held()), (2, 0));
    /// assert!(holds.keep(shared.acquire(&irql).expect("active")).is_err(), "closed for good");
    /// taken.release(&irql);
    /// ```
    #[must_use = "dropping what was taken releases it at once"]
    pub fn close(&self) -> Taken<'_, 'r, P> {
        let taken = self.held.swap(CLOSED, AcqRel) & COUNT;
        Taken { holds: self, count: taken }
    }

    /// # Safety
    /// IRQL <= `DISPATCH_LEVEL`.
    unsafe fn release_all_unchecked(&self) -> usize {
        let taken = self.held.fetch_and(CLOSED, AcqRel) & COUNT;
        // SAFETY: forwarded from the caller; `taken` kept protections were just taken out.
        unsafe { self.release_taken(taken) };
        taken
    }

    /// # Safety
    /// IRQL <= `DISPATCH_LEVEL`, and the caller took `taken` kept protections out of `held`.
    unsafe fn release_taken(&self, taken: usize) {
        let mut left = taken;
        while left > 0 {
            let batch = u32::try_from(left).unwrap_or(u32::MAX);
            // SAFETY: `taken` kept protections were just taken out of `held`; `batch` of them are
            // released here, each once.
            unsafe { self.protection.release_raw(NonZeroU32::new(batch).expect("left > 0")) };
            left -= batch as usize;
        }
    }
}

/// Protections taken out of closed [`RundownHolds`]: released by [`release`](Self::release), or
/// when dropped.
///
/// Taking and releasing are two steps so that a caller can count the release first (a run-down
/// wait that returns has then seen every count).
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown::{count, RundownHolds, RundownRef};
///
/// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
/// let shared = RundownRef::new();
/// let holds = RundownHolds::new(&shared);
/// assert!(holds.acquire_many(count!(3), &irql));
/// let taken = holds.close(); // IRP_MJ_CLEANUP
/// assert_eq!(taken.count(), 3);
/// taken.release(&irql);
/// assert!(!holds.acquire_many(count!(1), &irql), "closed for good");
/// ```
#[must_use = "dropping what was taken releases it at once"]
pub struct Taken<'h, 'r, P: Protection> {
    holds: &'h RundownHolds<'r, P>,
    count: usize,
}

impl<P: Protection> Taken<'_, '_, P> {
    /// How many protections were taken.
    ///
    /// ```
    /// # use rundown::irql::PassiveLevel;
    /// # use rundown::{count, RundownHolds, RundownRef};
    /// # let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// # let shared = RundownRef::new();
    /// # let holds = RundownHolds::new(&shared);
    /// assert!(holds.acquire_many(count!(4), &irql));
    /// assert_eq!(holds.close().count(), 4);
    /// ```
    #[must_use]
    pub fn count(&self) -> usize {
        self.count
    }

    /// Releases them.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{count, RundownHolds, RundownRef, RundownState};
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let mut storage = RundownRef::new();
    /// let owner = storage.owner(&irql);
    /// let handle = RundownHolds::new(owner.protection());
    /// assert!(handle.acquire_many(count!(2), &irql));
    /// handle.close().release(&irql); // the handle's CLEANUP
    /// let owner = owner.wait_for_release(&irql).completed(&irql); // returns at once
    /// assert_eq!(owner.protection().state(), RundownState::Closed);
    /// ```
    pub fn release(mut self, irql: &Irql<impl AtMost<Dispatch>>) {
        irql.debug_assert_current();
        let count = core::mem::take(&mut self.count);
        // SAFETY: IRQL <= DISPATCH_LEVEL (the token); `count` protections were taken out of the
        // holds by `close` and are released once, here (the drop then finds 0).
        unsafe { self.holds.release_taken(count) };
    }
}

impl<P: Protection> Drop for Taken<'_, '_, P> {
    fn drop(&mut self) {
        if self.count == 0 {
            return;
        }
        if Irql::<Dispatch>::check().is_some() {
            // SAFETY: IRQL just checked; taken out of the holds by `close`, released once.
            unsafe { self.holds.release_taken(self.count) };
        } else {
            debug_assert!(false, "Taken dropped above DISPATCH_LEVEL: its protections leak");
        }
    }
}

/// One protection lent out of [`RundownHolds`], given back when dropped.
///
/// ```
/// use rundown::irql::PassiveLevel;
/// use rundown::{count, RundownHolds, RundownRef};
///
/// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
/// let shared = RundownRef::new();
/// let holds = RundownHolds::new(&shared);
/// assert!(holds.acquire_many(count!(1), &irql));
/// let loan = holds.lend().expect("one is kept");
/// assert!(!holds.release(count!(1), &irql), "the lent one cannot be released meanwhile");
/// drop(loan);
/// assert!(holds.release(count!(1), &irql));
/// ```
#[must_use = "dropping the loan gives the protection back at once"]
pub struct Loan<'h, 'r, P: Protection> {
    holds: &'h RundownHolds<'r, P>,
}

impl<'r, P: Protection> Loan<'_, 'r, P> {
    /// The reference the lent protection is held on.
    ///
    /// ```
    /// # use rundown::irql::PassiveLevel;
    /// # use rundown::{count, RundownHolds, RundownRef};
    /// # let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// # let shared = RundownRef::new();
    /// # let holds = RundownHolds::new(&shared);
    /// assert!(holds.acquire_many(count!(1), &irql));
    /// let loan = holds.lend().expect("one kept");
    /// assert!(core::ptr::eq(loan.protection(), &shared));
    /// ```
    #[must_use]
    pub fn protection(&self) -> &'r P {
        self.holds.protection
    }

    /// Gives the protection back (what dropping does), running `before_release` first if it is
    /// released instead: when the holds were closed while it was lent, nobody will take it out
    /// of them any more, so it is released here. A caller that counts its holders counts that
    /// release in `before_release`, before the release, as it counts every other.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{count, RundownHolds, RundownRef};
    ///
    /// let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
    /// let shared = RundownRef::new();
    /// let holds = RundownHolds::new(&shared);
    /// assert!(holds.acquire_many(count!(1), &irql));
    /// let loan = holds.lend().expect("one kept");
    /// assert_eq!(holds.close().count(), 0, "the lent one is not there to take");
    /// let mut released = false;
    /// loan.give_back(|| released = true); // the holds are closed: released here
    /// assert!(released);
    /// ```
    pub fn give_back(self, before_release: impl FnOnce()) {
        let this = core::mem::ManuallyDrop::new(self);
        this.give_back_ref(before_release);
    }

    fn give_back_ref(&self, before_release: impl FnOnce()) {
        if self.holds.add(1) {
            return;
        }
        before_release();
        // The holds were closed while this was lent: nobody will take it out any more.
        if Irql::<Dispatch>::check().is_some() {
            // SAFETY: the lent protection is owned by this loan alone, released once, here, at an
            // IRQL just checked.
            unsafe { self.holds.protection.release_raw(NonZeroU32::MIN) };
        } else {
            debug_assert!(false, "a Loan dropped above DISPATCH_LEVEL after its holds closed: it leaks");
        }
    }
}

impl<P: Protection> Drop for Loan<'_, '_, P> {
    fn drop(&mut self) {
        self.give_back_ref(|| ());
    }
}

impl<P: Protection> Drop for RundownHolds<'_, P> {
    fn drop(&mut self) {
        if Irql::<Dispatch>::check().is_some() {
            // SAFETY: IRQL just checked.
            unsafe { self.release_all_unchecked() };
        } else {
            debug_assert!(false, "RundownHolds dropped above DISPATCH_LEVEL: its protections leak");
        }
    }
}

impl<P: Protection> core::fmt::Debug for RundownHolds<'_, P> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RundownHolds").field("held", &self.held()).finish_non_exhaustive()
    }
}
