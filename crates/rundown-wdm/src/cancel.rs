//! Pending an IRP and letting Windows cancel it: `IoMarkIrpPending`, `IoSetCancelRoutine` with a
//! cancel routine that calls [`Cancel::cancel`], `Irp->Cancel`.
//!
//! The usual dance, under the lock of the queue that keeps the IRP: [`Irp::set_cancel`], then if
//! [`Irp::cancel_requested`] and [`Irp::clear_cancel`] gives the routine back, complete the IRP
//! `STATUS_CANCELLED` at once; otherwise [`Irp::mark_pending`], keep it and return the
//! `STATUS_PENDING` [`Completion`](crate::Completion) that gave. Whoever takes it out of the
//! queue later first calls `clear_cancel`: true, and it completes the IRP; false, and the cancel
//! routine, already running, does.

use core::ffi::c_void;
use core::sync::atomic::AtomicPtr;
use core::sync::atomic::Ordering::SeqCst;

use wdk_sys::{DRIVER_CANCEL, PIRP};

use crate::wdk_values::SL_PENDING_RETURNED;
use rundown::irql::{Dispatch, Irql};

use crate::{Completion, Driver, Irp, Loadable};

/// A driver that pends IRPs with a cancel routine ([`Irp::set_cancel`] takes only such a
/// driver): it must complete the IRP the routine ran for, or its caller waits for ever (and on
/// Windows the handle's CLOSE, and so the unload, never comes).
///
/// ```
/// # use rundown::irql::{Dispatch, Irql, Passive};
/// # use rundown_abi::NtStatus;
/// # use rundown_wdm::{Cancel, Driver, DriverObject, IrpId, RegistryPath};
/// # struct Demo;
/// # impl Driver for Demo {
/// #     const NAME: &'static str = "demo";
/// #     type File = Box<u32>;
/// #     type ControlLevel = Passive;
/// #     fn init(_: &mut DriverObject<'_>, _: RegistryPath<'_>, _: &Irql<Passive>) -> Result<Self, NtStatus> {
/// #         Ok(Self)
/// #     }
/// # }
/// impl Cancel for Demo {
///     fn cancel(&self, irp: IrpId, _irql: &mut Irql<Dispatch>) {
///         // Take the IRP whose `id()` is `irp` out of the queue that keeps it, then
///         // `complete(NtStatus::CANCELLED, 0)` it.
///         rundown_wdm::trace!("demo: {irp:?} cancelled");
///     }
/// }
/// ```
pub trait Cancel: Driver {
    /// The cancel routine [`Irp::set_cancel`] installed ran for the IRP `irp` (`IoCancelIrp`,
    /// with the cancel spin lock already released): find it where it is kept and complete it
    /// `STATUS_CANCELLED`. A driver that pends IRPs completes them all before
    /// [`stop`](Driver::stop) returns, so this always reaches the state.
    fn cancel(&self, irp: IrpId, irql: &mut Irql<Dispatch>);
}

/// Which IRP a cancel routine was called for: compare it with [`Irp::id`].
///
/// ```
/// # // Defined, never called: the host that runs the doctests has no I/O manager.
/// fn is_it(pended: &rundown_wdm::Irp, cancelled: rundown_wdm::IrpId) -> bool {
///     pended.id() == cancelled
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IrpId(usize);

impl IrpId {
    pub(crate) fn of(irp: PIRP) -> Self {
        Self(irp as usize)
    }
}

impl Irp {
    /// Marks the IRP pending (`IoMarkIrpPending`) and gives the `STATUS_PENDING` completion the
    /// dispatch routine returns (the only way to get one: a routine cannot return
    /// `STATUS_PENDING` for an IRP it did not mark); whoever keeps the IRP completes it later.
    ///
    /// ```
    /// use rundown_wdm::{Completion, Irp};
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn pend(mut irp: Irp, queue: &mut Vec<Irp>) -> Completion {
    ///     let pending = irp.mark_pending();
    ///     queue.push(irp);
    ///     pending
    /// }
    /// ```
    #[must_use = "the dispatch routine returns this STATUS_PENDING"]
    pub fn mark_pending(&mut self) -> Completion {
        self.marked_pending = true;
        let location = self.current_location();
        // SAFETY: this driver's stack location, valid while the driver owns the IRP (the `Irp`
        // invariant), whose `Control` it may set; nobody else writes it meanwhile.
        unsafe { (*location).Control |= SL_PENDING_RETURNED };
        Completion::PENDING
    }

    /// `Irp->CancelRoutine` as an atomic: `IoCancelIrp` exchanges it from other threads.
    fn cancel_routine(&self) -> &AtomicPtr<c_void> {
        // SAFETY: the IRP is ours (the `Irp` invariant), so the field's address is valid.
        let address = unsafe { &raw mut (*self.as_ptr()).CancelRoutine };
        // SAFETY: `CancelRoutine` is a pointer-sized, aligned field the I/O manager itself
        // exchanges atomically (`IoCancelIrp`), so an atomic view of it is how every party
        // accesses it, for as long as the IRP is ours (`&self`).
        unsafe { AtomicPtr::from_ptr(address.cast()) }
    }

    /// `IoSetCancelRoutine(Irp, <D's cancel routine>)`: from now on `IoCancelIrp` calls
    /// [`Cancel::cancel`] of the loaded `D` with this IRP's
    /// [`id`](Self::id).
    ///
    /// ```
    /// use rundown_wdm::{Cancel, Completion, Irp, Loadable};
    ///
    /// /// Arms `irp` for `D`: the `STATUS_PENDING` the dispatch routine returns, or `None` if
    /// /// it was cancelled already (complete it then).
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn arm<D: Loadable + Cancel>(irp: &mut Irp) -> Option<Completion> {
    ///     irp.set_cancel::<D>();
    ///     if irp.cancel_requested() && irp.clear_cancel() {
    ///         return None;
    ///     }
    ///     Some(irp.mark_pending())
    /// }
    /// ```
    pub fn set_cancel<D: Loadable + Cancel>(&mut self) {
        let routine: DRIVER_CANCEL = Some(crate::dispatch::cancel::<D>);
        let raw = routine.map_or(core::ptr::null_mut(), |routine| routine as *mut c_void);
        self.cancel_routine().swap(raw, SeqCst);
    }

    /// `IoSetCancelRoutine(Irp, NULL)`: takes the cancel routine back; true if it was still set
    /// (it will not run, and whoever holds the IRP completes it), false if `IoCancelIrp` took it
    /// first (the cancel routine completes the IRP).
    ///
    /// ```
    /// use rundown_abi::NtStatus;
    /// use rundown_wdm::Irp;
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn finish(mut pended: Irp) -> Option<Irp> {
    ///     if pended.clear_cancel() {
    ///         let _ = pended.complete(NtStatus::SUCCESS, 0);
    ///         None
    ///     } else {
    ///         Some(pended) // the cancel routine completes it: keep it where it can find it
    ///     }
    /// }
    /// ```
    #[must_use = "false means the cancel routine completes the IRP"]
    pub fn clear_cancel(&mut self) -> bool {
        !self.cancel_routine().swap(core::ptr::null_mut(), SeqCst).is_null()
    }

    /// `Irp->Cancel`: `IoCancelIrp` was called for the IRP.
    ///
    /// ```
    /// use rundown_wdm::Irp;
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn still_wanted(irp: &Irp) -> bool {
    ///     !irp.cancel_requested()
    /// }
    /// ```
    #[must_use]
    pub fn cancel_requested(&self) -> bool {
        // SAFETY: the IRP is ours (the `Irp` invariant), so the field's address is valid.
        let address = unsafe { &raw const (*self.as_ptr()).Cancel };
        // `IoCancelIrp` sets the `BOOLEAN` with a plain byte store (under the cancel spin lock)
        // from another thread, so this is C's `READ_ONCE`: a volatile byte load, which cannot
        // tear and is not cached across the `IoSetCancelRoutine` exchange (a full barrier) that
        // comes before it in the pending dance.
        // SAFETY: valid and aligned for a byte read for as long as the IRP is ours (`&self`).
        let flag = unsafe { address.read_volatile() };
        flag != 0
    }

    /// The IRP's identity, which its cancel routine is called with.
    ///
    /// ```
    /// use rundown_wdm::{Irp, IrpId};
    ///
    /// # // Defined, never called: the host that runs the doctests has no I/O manager.
    /// fn find(queue: &[Irp], cancelled: IrpId) -> Option<usize> {
    ///     queue.iter().position(|irp| irp.id() == cancelled)
    /// }
    /// ```
    #[must_use]
    pub fn id(&self) -> IrpId {
        IrpId::of(self.as_ptr())
    }
}
