//! Safe Rust over NT's run-down protection (`EX_RUNDOWN_REF`).
//!
//! Run-down protection lets many drivers use a shared object while its owner can, at any time,
//! stop new use, wait for current use to end, and delete or replace the object. This crate gives
//! it types that make the documented rules compile-time rules:
//!
//! - [`RundownRef`] is `EX_RUNDOWN_REF` bit for bit; [`CacheAwareRundownRef`] is the
//!   per-processor form.
//! - An acquire returns a [`RundownGuard`] that releases exactly once, on drop;
//!   [`RundownHolds`] keep guards past the call, for a handle or a peer, and release them later.
//! - The single [`RundownOwner`] moves through [`Active`](lifecycle::Active) →
//!   [`RunDown`](lifecycle::RunDown) → [`Completed`](lifecycle::Completed) → `Active`; calls out
//!   of order do not exist.
//! - Every routine takes an [`irql::Irql`] token whose level its documented IRQL limit bounds.
//!
//! Two providers implement the routines ([`provider`]): NtosKrnl's own (feature `ntoskrnl`) and
//! a portable model with NT's exact word layout (the default, used on hosts, under loom, and in
//! Wine).
//!
//! ```
//! use rundown::irql::PassiveLevel;
//! use rundown::RundownRef;
//!
//! let irql = PassiveLevel::check().expect("test threads run at PASSIVE_LEVEL");
//! let mut storage = RundownRef::new();
//! let owner = storage.owner(&irql);
//! let shared = owner.protection();
//!
//! std::thread::scope(|scope| {
//!     scope.spawn(|| {
//!         let irql = PassiveLevel::check().expect("a new thread runs at PASSIVE_LEVEL");
//!         if let Some(_guard) = shared.acquire(&irql) {
//!             // use the object
//!         }
//!     });
//!     // Waits for the reader, if it got in first; afterwards no acquire succeeds.
//!     let owner = owner.wait_for_release(&irql).completed(&irql);
//!     assert!(shared.acquire(&irql).is_none());
//!     let _owner = owner.reinitialize(&irql);
//! });
//! ```
//!
//! Behaviour the documentation leaves open is fixed here: see [`policy`].
#![no_std]

mod cache_aware;
mod env;
mod guard;
mod holds;
pub mod irql;
mod object;
mod owner;
pub mod policy;
mod protection;
pub mod provider;
mod rundown_ref;
mod spin_lock;
pub mod sync;
#[cfg(feature = "wdk-sys")]
mod wdk_sys_interop;

pub use cache_aware::{CacheAwareRundownRef, PoolTag, StorageTooSmall};
pub use guard::RundownGuard;
pub use holds::{Loan, RundownHolds, Taken};
pub use object::{Access, ObjectOwner, Rundown};
pub use owner::{RundownOwner, lifecycle};
pub use protection::{Protection, SharedReinitialize};
pub use rundown_ref::{RundownRef, RundownState};
pub use spin_lock::{SpinLock, SpinLockGuard};

#[cfg(not(feature = "kernel"))]
pub use env::simulation;

/// A constant, non-zero count for [`RundownRef::acquire_many`]: `count!(0)` does not compile.
///
/// ```
/// let count = rundown::count!(4);
/// assert_eq!(count.get(), 4);
/// ```
#[macro_export]
macro_rules! count {
    ($count:expr) => {{
        const COUNT: ::core::num::NonZeroU32 = match ::core::num::NonZeroU32::new($count) {
            ::core::option::Option::Some(count) => count,
            ::core::option::Option::None => ::core::panic!("a counted acquire needs a count of at least 1"),
        };
        COUNT
    }};
}

/// Declares a `const fn` everywhere but under `--cfg loom`, whose atomics have no `const`
/// constructor: so a type built on [`sync`]'s atomics can be a `static` in the driver and still
/// be model-checked.
///
/// ```
/// use rundown::sync::AtomicU64;
///
/// pub struct Counter(AtomicU64);
///
/// impl Counter {
///     rundown::const_unless_loom! {
///         /// A counter at zero.
///         pub fn new() -> Self {
///             Self(AtomicU64::new(0))
///         }
///     }
/// }
///
/// static HITS: Counter = Counter::new();
/// # let _ = &HITS;
/// ```
#[macro_export]
macro_rules! const_unless_loom {
    ($(#[$attr:meta])* $vis:vis fn $name:ident $(<$($generic:ident),*>)? ($($arg:ident: $ty:ty),*) -> $ret:ty $body:block) => {
        #[cfg(not(loom))]
        $(#[$attr])* $vis const fn $name $(<$($generic),*>)? ($($arg: $ty),*) -> $ret $body
        #[cfg(loom)]
        $(#[$attr])* $vis fn $name $(<$($generic),*>)? ($($arg: $ty),*) -> $ret $body
    };
}
