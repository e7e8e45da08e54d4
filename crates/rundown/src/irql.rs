//! Typed IRQL: zero-sized tokens that prove the processor runs at or below a level.
//!
//! Each run-down routine's limit from Microsoft's documentation is in its signature, as a bound
//! on the token it takes: `&Irql<impl AtMost<Apc>>` accepts a token for `PASSIVE_LEVEL` or
//! `APC_LEVEL` and rejects one for `DISPATCH_LEVEL` at compile time.
//!
//! # Invariants
//! While an `Irql<L>` is alive and not mutably borrowed, the thread that holds it runs at an IRQL
//! of at most `L`. Tokens are `!Send` and `!Sync`, so they stay on that thread; IRQL only rises
//! through [`Irql::raise`], which mutably borrows the lower token until the [`Raised`] guard
//! drops. Debug builds check the real IRQL whenever a token is made or used.

use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use crate::env;

mod sealed {
    pub trait Sealed {}
}

/// An IRQL that tokens can name: [`Passive`], [`Apc`] or [`Dispatch`].
///
/// ```
/// use rundown::irql::{Apc, Dispatch, Level, Passive};
///
/// assert_eq!((Passive::IRQL, Apc::IRQL, Dispatch::IRQL), (0, 1, 2));
/// assert_eq!(Dispatch::NAME, "DISPATCH_LEVEL");
/// ```
pub trait Level: sealed::Sealed {
    /// The numeric IRQL (`PASSIVE_LEVEL` is 0).
    ///
    /// ```
    /// use rundown::irql::{Apc, Dispatch, Level};
    ///
    /// assert!(Apc::IRQL < Dispatch::IRQL);
    /// ```
    const IRQL: u8;
    /// The WDK's name for the level.
    ///
    /// ```
    /// use rundown::irql::{Level, Passive};
    ///
    /// fn describe<L: Level>() -> String {
    ///     format!("{} ({})", L::NAME, L::IRQL)
    /// }
    /// assert_eq!(describe::<Passive>(), "PASSIVE_LEVEL (0)");
    /// ```
    const NAME: &'static str;
}

/// `PASSIVE_LEVEL` (0): threads, most driver entry points.
///
/// ```
/// use rundown::irql::{Irql, Passive};
/// let token: Option<Irql<Passive>> = Irql::check();
/// assert!(token.is_some());
/// ```
pub enum Passive {}
/// `APC_LEVEL` (1): asynchronous procedure calls, fast mutexes held.
///
/// ```
/// use rundown::irql::{Apc, PassiveLevel};
/// let mut passive = PassiveLevel::check().expect("PASSIVE_LEVEL");
/// let apc = passive.raise::<Apc>(); // as holding a fast mutex does
/// # drop(apc);
/// ```
pub enum Apc {}
/// `DISPATCH_LEVEL` (2): DPCs, spin locks held; no waiting, no paged memory.
///
/// ```
/// use rundown::irql::{Dispatch, PassiveLevel};
/// let mut passive = PassiveLevel::check().expect("PASSIVE_LEVEL");
/// let dispatch = passive.raise::<Dispatch>(); // as acquiring a spin lock does
/// # drop(dispatch);
/// ```
pub enum Dispatch {}

macro_rules! level {
    ($level:ty, $irql:literal, $name:literal) => {
        impl sealed::Sealed for $level {}
        impl Level for $level {
            const IRQL: u8 = $irql;
            const NAME: &'static str = $name;
        }
    };
}
level!(Passive, 0, "PASSIVE_LEVEL");
level!(Apc, 1, "APC_LEVEL");
level!(Dispatch, 2, "DISPATCH_LEVEL");

/// A token proving `PASSIVE_LEVEL`.
pub type PassiveLevel = Irql<Passive>;
/// A token proving at most `APC_LEVEL`.
pub type ApcLevel = Irql<Apc>;
/// A token proving at most `DISPATCH_LEVEL`.
pub type DispatchLevel = Irql<Dispatch>;

/// "A token for `Self` proves an IRQL no higher than `Ceiling`."
///
/// Routines bound their token by it:
///
/// ```
/// use rundown::irql::{Apc, AtMost, Irql, PassiveLevel};
///
/// fn may_wait(_irql: &Irql<impl AtMost<Apc>>) {}
/// may_wait(&PassiveLevel::check().expect("PASSIVE_LEVEL"));
/// ```
#[diagnostic::on_unimplemented(
    message = "this routine runs at IRQL <= {Ceiling}, but the token only proves IRQL <= {Self}",
    label = "the token for `{Self}` is too high for this call",
    note = "take the call to a thread at a lower IRQL, or let the raise guard that produced this token drop first"
)]
pub trait AtMost<Ceiling: Level>: Level {}

impl AtMost<Passive> for Passive {}
impl AtMost<Apc> for Passive {}
impl AtMost<Apc> for Apc {}
impl AtMost<Dispatch> for Passive {}
impl AtMost<Dispatch> for Apc {}
impl AtMost<Dispatch> for Dispatch {}

/// Driver entry points that the I/O manager calls at `PASSIVE_LEVEL`.
///
/// ```
/// use rundown::irql::{Irql, PassiveEntryPoint};
///
/// // In DriverEntry:
/// // SAFETY: the I/O manager calls DriverEntry at PASSIVE_LEVEL.
/// let irql = unsafe { Irql::entered_at(PassiveEntryPoint::DriverEntry) };
/// # let _ = irql;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PassiveEntryPoint {
    /// `DriverEntry`.
    DriverEntry,
    /// `DriverUnload`.
    DriverUnload,
    /// `AddDevice`.
    AddDevice,
    /// `IRP_MJ_CREATE`, `IRP_MJ_CLEANUP` and `IRP_MJ_CLOSE` dispatch routines.
    CreateCleanupClose,
    /// `IRP_MJ_DEVICE_CONTROL` dispatch routine of a top-level driver for user-mode requests
    /// (they arrive in the caller's thread). A kernel component may send one up to
    /// `DISPATCH_LEVEL`: a driver that kernel callers can reach reads the IRQL instead
    /// ([`Irql::check`]).
    TopLevelDeviceControl,
    /// The start routine of a thread from `PsCreateSystemThread`.
    SystemThread,
    /// A work item routine queued with `IoQueueWorkItem`.
    WorkItem,
}

/// Driver entry points that Windows calls at `DISPATCH_LEVEL` (or at most there).
///
/// Code entered here may call only what an `Irql<Dispatch>` token allows: acquire and release,
/// spin locks, `KeSetEvent` without a wait. Waiting, paged memory and the owner's run-down calls
/// do not compile with this token.
///
/// ```
/// use rundown::irql::{DispatchEntryPoint, Irql};
///
/// // In a timer's DPC routine:
/// // SAFETY: the kernel runs a timer's DPC routine at DISPATCH_LEVEL.
/// let irql = unsafe { Irql::dispatch_entered_at(DispatchEntryPoint::TimerDpc) };
/// # let _ = irql;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DispatchEntryPoint {
    /// A `CustomDpc` routine queued with `KeInsertQueueDpc`: runs at `DISPATCH_LEVEL`.
    Dpc,
    /// The `CustomTimerDpc` routine of a `KTIMER` set with `KeSetTimer(Ex)`: runs at
    /// `DISPATCH_LEVEL`.
    TimerDpc,
    /// An `IoCompletion` routine set with `IoSetCompletionRoutine`: runs at IRQL
    /// <= `DISPATCH_LEVEL` (the IRQL its lower driver completed at).
    IoCompletion,
    /// A cancel routine (`IoSetCancelRoutine`) after it released the cancel spin lock: runs at
    /// the IRQL saved in `Irp->CancelIrql`, at most `DISPATCH_LEVEL`.
    Cancel,
    /// `IRP_MJ_DEVICE_CONTROL` or `IRP_MJ_INTERNAL_DEVICE_CONTROL` of a driver that kernel
    /// senders may call: `IoCallDriver` is callable at up to `DISPATCH_LEVEL`, and runs the
    /// dispatch routine at its caller's IRQL.
    DeviceControl,
}

/// A capability: the current IRQL is at most `L`.
///
/// ```
/// use rundown::irql::{Dispatch, Irql, Passive, PassiveEntryPoint};
///
/// // SAFETY: a test thread, like DriverEntry, runs at PASSIVE_LEVEL.
/// let mut passive = unsafe { Irql::<Passive>::entered_at(PassiveEntryPoint::DriverEntry) };
/// {
///     let dispatch = passive.raise::<Dispatch>();
///     assert_eq!(Irql::<Passive>::check().is_some(), false);
///     let _proof: &Irql<Dispatch> = &dispatch;
/// }
/// assert!(Irql::<Passive>::check().is_some());
/// ```
#[must_use = "an IRQL token proves something only while it is kept"]
pub struct Irql<L: Level> {
    level: PhantomData<L>,
    /// Tokens describe one thread's processor state.
    not_send: PhantomData<*mut ()>,
}

impl<L: Level> Irql<L> {
    const fn new() -> Self {
        Self { level: PhantomData, not_send: PhantomData }
    }

    /// A token for the current IRQL, without checking it in release builds.
    ///
    /// # Safety
    /// The calling thread runs at IRQL <= `L`, and does not raise it while the token lives except
    /// through [`Irql::raise`] on this token.
    ///
    /// ```
    /// use rundown::irql::{Irql, Passive};
    /// use rundown::RundownRef;
    ///
    /// // In a callback whose contract says it runs at PASSIVE_LEVEL:
    /// // SAFETY: this thread runs at PASSIVE_LEVEL and raises IRQL only through the token.
    /// let irql = unsafe { Irql::<Passive>::assume() };
    /// let mut storage = RundownRef::new();
    /// let _run_down = storage.owner(&irql).wait_for_release(&irql); // a PASSIVE_LEVEL call
    /// ```
    pub unsafe fn assume() -> Self {
        debug_assert_at_most::<L>();
        Self::new()
    }

    /// A token for the current IRQL, if it is at most `L`.
    ///
    /// It reads the real IRQL (`CR8` on x64). The token is valid while IRQL is only raised through
    /// raise guards taken from it: a raise guard taken from a different token leaves this one
    /// stale, and debug builds then stop at its next use.
    ///
    /// ```
    /// use rundown::irql::{Dispatch, Irql, Passive};
    ///
    /// let mut passive = Irql::<Passive>::check().expect("test threads run at PASSIVE_LEVEL");
    /// let _raised = passive.raise::<Dispatch>();
    /// assert!(Irql::<Passive>::check().is_none(), "IRQL is DISPATCH_LEVEL now");
    /// assert!(Irql::<Dispatch>::check().is_some());
    /// ```
    #[must_use]
    pub fn check() -> Option<Self> {
        (env::current_irql() <= L::IRQL).then(Self::new)
    }

    /// Raises IRQL to `To` (`KeRaiseIrql`) until the guard drops (`KeLowerIrql`).
    ///
    /// The guard mutably borrows this token, so the lower level cannot be claimed meanwhile.
    ///
    /// ```
    /// use rundown::irql::{Apc, Irql, Passive};
    ///
    /// let mut passive = Irql::<Passive>::check().expect("test threads run at PASSIVE_LEVEL");
    /// let apc = passive.raise::<Apc>(); // KeRaiseIrql(APC_LEVEL)
    /// assert!(Irql::<Passive>::check().is_none());
    /// drop(apc); // KeLowerIrql
    /// assert!(Irql::<Passive>::check().is_some());
    /// ```
    ///
    /// IRQL only rises: a raise to a lower level does not compile.
    ///
    /// ```compile_fail,E0277
    /// use rundown::irql::{Dispatch, Irql, Passive};
    ///
    /// let mut dispatch = Irql::<Dispatch>::check().expect("at most DISPATCH_LEVEL");
    /// let _lower = dispatch.raise::<Passive>();
    /// ```
    pub fn raise<To: Level>(&mut self) -> Raised<'_, To>
    where
        L: AtMost<To>,
    {
        self.debug_assert_current();
        let previous = env::swap_irql(To::IRQL);
        debug_assert!(previous <= To::IRQL, "KeRaiseIrql to a lower IRQL");
        Raised { token: Irql::new(), previous, lower: PhantomData }
    }

    /// Debug builds: stops if the real IRQL is above what the token proves.
    #[expect(clippy::unused_self, reason = "the token is the proof being checked")]
    pub(crate) fn debug_assert_current(&self) {
        debug_assert_at_most::<L>();
    }
}

impl Irql<Passive> {
    /// The token an entry point the I/O manager calls at `PASSIVE_LEVEL` starts with.
    ///
    /// # Safety
    /// The caller is the entry point it names (or runs in one, before raising IRQL), and that
    /// entry point is documented to run at `PASSIVE_LEVEL` in this driver's stack position.
    ///
    /// ```
    /// use rundown::irql::{Irql, PassiveEntryPoint};
    /// use rundown::Rundown;
    ///
    /// # let device_state = Rundown::new(0u32);
    /// // In DriverUnload:
    /// // SAFETY: the I/O manager calls DriverUnload at PASSIVE_LEVEL.
    /// let irql = unsafe { Irql::entered_at(PassiveEntryPoint::DriverUnload) };
    /// let owner = device_state.owner().expect("the driver's one owner");
    /// assert_eq!(owner.retire(&irql), Some(0)); // waits for every reader: PASSIVE_LEVEL
    /// ```
    pub unsafe fn entered_at(entry_point: PassiveEntryPoint) -> Self {
        debug_assert!(env::current_irql() == 0, "{entry_point:?} entered above PASSIVE_LEVEL");
        Self::new()
    }
}

impl Irql<Dispatch> {
    /// The token a held spin lock lends: IRQL was raised to `DISPATCH_LEVEL` by the lock.
    pub(crate) fn raised_by_lock() -> Self {
        debug_assert_at_most::<Dispatch>();
        Self::new()
    }

    /// The token an entry point Windows calls at IRQL <= `DISPATCH_LEVEL` starts with.
    ///
    /// # Safety
    /// The caller is the entry point it names (or runs in one, without raising IRQL above
    /// `DISPATCH_LEVEL`), and Windows documents that entry point to run at IRQL <=
    /// `DISPATCH_LEVEL`.
    ///
    /// ```
    /// use rundown::irql::{DispatchEntryPoint, Irql};
    /// use rundown::Rundown;
    ///
    /// static CONFIG: Rundown<u32> = Rundown::new(7);
    ///
    /// // In a DPC routine:
    /// // SAFETY: the kernel runs a DPC routine queued with KeInsertQueueDpc at DISPATCH_LEVEL.
    /// let irql = unsafe { Irql::dispatch_entered_at(DispatchEntryPoint::Dpc) };
    /// assert_eq!(*CONFIG.try_access(&irql).expect("active"), 7); // allowed at DISPATCH_LEVEL
    /// ```
    pub unsafe fn dispatch_entered_at(entry_point: DispatchEntryPoint) -> Self {
        debug_assert!(env::current_irql() <= Dispatch::IRQL, "{entry_point:?} entered above DISPATCH_LEVEL");
        Self::new()
    }
}

fn debug_assert_at_most<L: Level>() {
    debug_assert!(env::current_irql() <= L::IRQL, "IRQL {} is above {}", env::current_irql(), L::NAME);
}

/// IRQL raised to `To` until this guard drops.
///
/// It dereferences to the token for `To`.
///
/// ```
/// use rundown::irql::{Dispatch, Irql, Passive};
///
/// let mut passive = Irql::<Passive>::check().expect("test threads run at PASSIVE_LEVEL");
/// let dispatch = passive.raise::<Dispatch>();
/// let token: &Irql<Dispatch> = &dispatch;
/// # let _ = token;
/// drop(dispatch); // KeLowerIrql
/// ```
#[must_use = "dropping the guard lowers IRQL again at once"]
pub struct Raised<'lower, To: Level> {
    token: Irql<To>,
    previous: u8,
    lower: PhantomData<&'lower mut ()>,
}

impl<To: Level> Deref for Raised<'_, To> {
    type Target = Irql<To>;

    fn deref(&self) -> &Irql<To> {
        &self.token
    }
}

impl<To: Level> DerefMut for Raised<'_, To> {
    fn deref_mut(&mut self) -> &mut Irql<To> {
        &mut self.token
    }
}

impl<To: Level> Drop for Raised<'_, To> {
    fn drop(&mut self) {
        env::swap_irql(self.previous);
    }
}
