//! What the loom models share: the bounded exploration, the IRQL token, and the record of
//! interleavings a model must reach, and heap storage threads borrow as `'static`.
//! `#[path]`-included by each loom test file (this crate's and `rundown-service`'s).
#![allow(dead_code, reason = "each including file uses part of it")]

use std::sync::atomic::{AtomicBool as StdAtomicBool, AtomicUsize as StdAtomicUsize, Ordering as StdOrdering};

use rundown::irql::PassiveLevel;

/// Every model explores at least this many preemptions per execution. Small models go further:
/// those that pass 10 stop growing at or below it (21, 1486, 1486 and 119 executions, the same at
/// bound 12), so they are explored completely.
pub const PREEMPTION_BOUND: usize = 3;

/// Explores every execution of `model` with at most `bound` preemptions each, `bound` raised to
/// at least [`PREEMPTION_BOUND`] (`LOOM_MAX_PREEMPTIONS` may raise it further, never lower it),
/// with no limit on time or iterations, so a pass means the whole bounded space was explored.
/// Prints how many executions that was (shown with `--nocapture`).
pub fn check(bound: usize, model: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    let from_env = builder.preemption_bound.unwrap_or(0);
    builder.preemption_bound = Some(bound.max(PREEMPTION_BOUND).max(from_env));
    builder.max_permutations = None;
    builder.max_duration = None;
    let executions = std::sync::Arc::new(StdAtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&executions);
    builder.check(move || {
        counter.fetch_add(1, StdOrdering::Relaxed);
        model();
    });
    let executions = executions.load(StdOrdering::Relaxed);
    println!("{executions} executions explored, preemption bound {:?}", builder.preemption_bound);
}

/// The calling loom thread's IRQL token; each thread starts at `PASSIVE_LEVEL`.
pub fn passive() -> PassiveLevel {
    PassiveLevel::check().expect("a loom thread starts at PASSIVE_LEVEL")
}

/// An interleaving that a model must reach in at least one execution.
pub struct Reached {
    what: &'static str,
    hit: StdAtomicBool,
}

impl Reached {
    pub const fn new(what: &'static str) -> Self {
        Self { what, hit: StdAtomicBool::new(false) }
    }

    pub fn mark(&self) {
        self.hit.store(true, StdOrdering::Relaxed);
    }

    pub fn assert_reached(&self) {
        assert!(self.hit.load(StdOrdering::Relaxed), "no execution reached: {}", self.what);
    }
}

/// Heap storage that every thread of one loom execution borrows as `'static`.
///
/// Loom threads take `'static` closures, while an owner needs `&mut` to its reference, so the
/// reference lives on the heap for the execution and is taken back by [`Leaked::reclaim`] or
/// [`Leaked::free`] once every thread that borrowed it was joined.
pub struct Leaked<T: 'static> {
    raw: *mut T,
}

impl<T> Leaked<T> {
    pub fn new(value: T) -> (Self, &'static mut T) {
        let raw = Box::into_raw(Box::new(value));
        // SAFETY: `raw` is a fresh, aligned, unique allocation; it stays alive until `reclaim` or
        // `free`, whose callers promise that this borrow is no longer used.
        (Self { raw }, unsafe { &mut *raw })
    }

    /// Takes the value back.
    ///
    /// # Safety
    /// Nothing borrowed from [`Leaked::new`] is used again: every thread that had a borrow was
    /// joined and every owner dropped.
    pub unsafe fn reclaim(self) -> T {
        // SAFETY: `raw` came from `Box::into_raw` and, per the caller, is no longer borrowed.
        *unsafe { Box::from_raw(self.raw) }
    }

    /// Frees the value.
    ///
    /// # Safety
    /// As [`Leaked::reclaim`].
    pub unsafe fn free(self) {
        // SAFETY: `raw` came from `Box::into_raw` and, per the caller, is no longer borrowed.
        drop(unsafe { Box::from_raw(self.raw) });
    }
}
