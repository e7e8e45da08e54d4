//! A periodic `KTIMER` whose DPC calls a routine at `DISPATCH_LEVEL`, for as long as a closure
//! runs.
//!
//! The timer and its `KDPC` live in pool, pinned from `KeInitializeTimerEx`/`KeInitializeDpc` to
//! their release: the kernel links both into its own lists by address. [`with_periodic_dpc`]
//! stops the timer before it returns — `KeCancelTimer` (no new expiry queues the DPC), then
//! `KeFlushQueuedDpcs` (a DPC already queued or running on any processor has returned) — so
//! nothing the routine borrows, and no code of the driver, is used by a DPC after it returns.
//! A scoped function rather than a guard: a guard could be leaked with `mem::forget`, leaving
//! the timer set over freed memory.

use core::cell::UnsafeCell;
use core::marker::PhantomPinned;
use core::num::NonZeroU32;
use core::pin::Pin;

use rundown::irql::{Dispatch, DispatchEntryPoint, Irql, Passive};
use wdk_sys::ntddk::{KeCancelTimer, KeFlushQueuedDpcs, KeInitializeDpc, KeInitializeTimerEx, KeSetTimerEx};
use wdk_sys::{_TIMER_TYPE, KDPC, KTIMER, LARGE_INTEGER, PVOID};

use rundown_service::try_box;

/// What a timer's DPC runs, at `DISPATCH_LEVEL`.
///
/// The routine may run on several processors at once (one expiry's DPC can still run while the
/// next is queued elsewhere), hence `Sync`. It must not wait, touch paged memory or call the
/// owner's run-down wait: the `Irql<Dispatch>` token allows only what is legal there.
///
/// ```
/// use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
/// use rundown::irql::{Dispatch, Irql};
/// use rundown_wdm::timer::DpcRoutine;
///
/// /// Raises a flag from the DPC, for the thread to see.
/// struct Flag(AtomicBool);
/// impl DpcRoutine for Flag {
///     fn run(&self, _irql: &Irql<Dispatch>) {
///         self.0.store(true, Relaxed);
///     }
/// }
/// ```
pub trait DpcRoutine: Sync {
    /// One expiry's work.
    ///
    /// ```
    /// # use rundown::irql::{Dispatch, Irql};
    /// # use rundown_wdm::timer::DpcRoutine;
    /// # struct Spin(rundown::SpinLock<u64>);
    /// # impl DpcRoutine for Spin {
    /// fn run(&self, irql: &Irql<Dispatch>) {
    ///     // Spin locks and run-down acquires are allowed here; waits are not.
    ///     let _ = irql;
    /// }
    /// # }
    /// ```
    fn run(&self, irql: &Irql<Dispatch>);
}

/// The kernel objects: a notification timer and the DPC its expiries queue.
///
/// # Invariants
/// Never moves once [`with_periodic_dpc`] initialized it (it is only reached through `Pin`).
struct TimerObjects {
    timer: UnsafeCell<KTIMER>,
    dpc: UnsafeCell<KDPC>,
    _pinned: PhantomPinned,
}

/// Runs `routine.run` from a periodic timer's DPC, first after `period_ms` and then every
/// `period_ms` milliseconds, while `body` runs on the calling thread; stops the timer and waits
/// for every queued or running DPC before it returns `body`'s result.
///
/// `None` if the pool refuses the 0x80 bytes of the timer and DPC (`body` does not run then).
///
/// ```
/// use core::num::NonZeroU32;
/// use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
/// use rundown::irql::{Dispatch, Irql, Passive};
/// use rundown_wdm::timer::{DpcRoutine, with_periodic_dpc};
///
/// struct Tick(AtomicU64);
/// impl DpcRoutine for Tick {
///     fn run(&self, _irql: &Irql<Dispatch>) {
///         self.0.fetch_add(1, Relaxed);
///     }
/// }
///
/// # // Defined, never called: the host that runs the doctests has no KTIMER.
/// fn tick_for_a_second(irql: &Irql<Passive>) -> Option<u64> {
///     let ticks = Tick(AtomicU64::new(0));
///     with_periodic_dpc(&ticks, NonZeroU32::MIN, irql, || rundown_wdm::sleep_us(1_000_000, irql))?;
///     Some(ticks.0.load(Relaxed)) // about a thousand, and no DPC runs any more
/// }
/// ```
pub fn with_periodic_dpc<R: DpcRoutine, B>(
    routine: &R,
    period_ms: NonZeroU32,
    irql: &Irql<Passive>,
    body: impl FnOnce() -> B,
) -> Option<B> {
    let objects = TimerObjects {
        timer: UnsafeCell::new(KTIMER::default()),
        dpc: UnsafeCell::new(KDPC::default()),
        _pinned: PhantomPinned,
    };
    let objects: Pin<alloc::boxed::Box<TimerObjects>> = alloc::boxed::Box::into_pin(try_box(objects)?);
    // The kernel takes the period as a LONG of milliseconds and the due time in 100 ns units,
    // negative for "relative to now".
    let period = i32::try_from(period_ms.get()).unwrap_or(i32::MAX);
    let due = LARGE_INTEGER { QuadPart: -10_000 * i64::from(period) };
    let context: PVOID = core::ptr::from_ref(routine).cast_mut().cast();
    // SAFETY: the timer is in nonpaged pool at its final (pinned) address and initialized once,
    // here, before it is set; callable at <= DISPATCH_LEVEL.
    unsafe { KeInitializeTimerEx(objects.timer.get(), _TIMER_TYPE::NotificationTimer) };
    // SAFETY: as for the timer; `context` is `routine`, which outlives every DPC of the timer
    // (stopped and flushed below, before this function returns).
    unsafe { KeInitializeDpc(objects.dpc.get(), Some(dpc_trampoline::<R>), context) };
    // SAFETY: both objects initialized above, at their final address; callable at <=
    // DISPATCH_LEVEL. The timer was not set, so the result (whether it was) is false.
    let _already_set = unsafe { KeSetTimerEx(objects.timer.get(), due, period, objects.dpc.get()) };
    let result = body();
    stop(objects.as_ref(), irql);
    Some(result)
}

/// Cancels the timer, then waits until no DPC of it is queued or running.
fn stop(objects: Pin<&TimerObjects>, irql: &Irql<Passive>) {
    let _ = irql;
    // SAFETY: a timer set by `with_periodic_dpc`, still at its address. KeCancelTimer is
    // callable at <= DISPATCH_LEVEL; after it, no expiry queues the DPC again.
    let _was_set = unsafe { KeCancelTimer(objects.timer.get()) };
    // SAFETY: PASSIVE_LEVEL (the token says so), as KeFlushQueuedDpcs requires. It returns once
    // every DPC queued on any processor, ours included, has run.
    unsafe { KeFlushQueuedDpcs() };
}

/// The `KDEFERRED_ROUTINE` the timer queues: enters `DISPATCH_LEVEL` and calls the routine.
unsafe extern "C" fn dpc_trampoline<R: DpcRoutine>(
    _dpc: *mut KDPC,
    context: PVOID,
    _argument1: PVOID,
    _argument2: PVOID,
) {
    // SAFETY: the kernel runs a timer's DPC routine at DISPATCH_LEVEL.
    let irql = unsafe { Irql::dispatch_entered_at(DispatchEntryPoint::TimerDpc) };
    // SAFETY: `with_periodic_dpc` passed `&R` as the context and keeps it alive until every DPC
    // of the timer has run (KeCancelTimer, then KeFlushQueuedDpcs).
    let routine = unsafe { &*context.cast::<R>().cast_const() };
    routine.run(&irql);
}
