//! The one place that chooses what the crate runs on.
//!
//! Everything the run-down model needs from its surroundings comes through here: atomics, the
//! event a waiter sleeps on, the current IRQL, the current processor, and pool memory. Three
//! environments provide them, chosen once by cfg:
//!
//! | environment | chosen by         | atomics and event                     | IRQL               |
//! |-------------|-------------------|---------------------------------------|--------------------|
//! | kernel      | `feature = "kernel"` | core atomics, `KEVENT`             | `CR8`              |
//! | loom        | `cfg(loom)`       | loom atomics, loom thread parking     | per-thread model   |
//! | host        | neither           | core atomics, std thread parking      | per-thread model   |
//!
//! No other module names a cfg: the rest of the crate is written once against these items, so the
//! code that loom checks is the code that ships.

#[cfg(all(target_os = "windows", target_env = "msvc", not(feature = "kernel"), not(feature = "host")))]
compile_error!(
    "rundown: a build for a Windows MSVC target needs `features = [\"kernel\"]` (or `[\"ntoskrnl\"]`) \
     for a driver; without it the crate would build its host model (std threads and a simulated IRQL) \
     into the driver. A user-mode Windows test build that wants the host model enables `host`."
);

#[cfg(all(not(target_arch = "x86_64"), not(target_arch = "aarch64"), feature = "kernel"))]
compile_error!(
    "rundown: the kernel build supports x86_64 (IRQL in CR8) and aarch64 (KeGetCurrentIrql/KfRaiseIrql/KeLowerIrql)"
);

#[cfg(all(loom, feature = "kernel"))]
compile_error!("cfg(loom) model-checks the crate on the host; it cannot be combined with the `kernel` feature");

#[cfg(feature = "kernel")]
mod kernel;
#[cfg(feature = "kernel")]
pub(crate) use kernel::*;

#[cfg(not(feature = "kernel"))]
mod threaded;
#[cfg(not(feature = "kernel"))]
pub use threaded::simulation;
#[cfg(not(feature = "kernel"))]
pub(crate) use threaded::*;

#[cfg(not(feature = "kernel"))]
extern crate std;

/// The crate that provides threads, parking and atomics to the threaded environments.
#[cfg(all(loom, not(feature = "kernel")))]
use loom as threads;
#[cfg(not(any(loom, feature = "kernel")))]
use std as threads;

/// Interior mutability that loom can see: loom's own cell under loom, and on the host a plain
/// `UnsafeCell` with loom's closure-style accessors.
#[cfg(all(loom, not(feature = "kernel")))]
pub(crate) use loom::cell as tracked_cell;

#[cfg(not(loom))]
pub(crate) mod tracked_cell {
    /// `core::cell::UnsafeCell` with loom's accessors.
    pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> Self {
            Self(core::cell::UnsafeCell::new(value))
        }

        pub(crate) fn into_inner(self) -> T {
            self.0.into_inner()
        }

        pub(crate) fn with<R>(&self, read: impl FnOnce(*const T) -> R) -> R {
            read(self.0.get())
        }

        pub(crate) fn with_mut<R>(&self, write: impl FnOnce(*mut T) -> R) -> R {
            write(self.0.get())
        }
    }
}

/// The atomics and hints the crate's users share with it, so that code built on the crate is
/// model-checked by loom with the same `cfg(loom)` switch (see [`crate::sync`]).
pub(crate) mod atomics {
    #[cfg(all(loom, not(feature = "kernel")))]
    pub use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, fence};

    #[cfg(not(all(loom, not(feature = "kernel"))))]
    pub use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, fence};

    pub use core::sync::atomic::Ordering;

    /// The body of a spin-wait loop: a pause instruction, or under loom a yield, so that the model
    /// lets the thread being waited for run.
    ///
    /// ```
    /// use rundown::sync::{AtomicBool, Ordering, spin_loop};
    ///
    /// let ready = AtomicBool::new(false);
    /// std::thread::scope(|scope| {
    ///     scope.spawn(|| ready.store(true, Ordering::Release));
    ///     while !ready.load(Ordering::Acquire) {
    ///         spin_loop(); // under loom: lets the storing thread run
    ///     }
    /// });
    /// ```
    #[inline]
    pub fn spin_loop() {
        #[cfg(all(loom, not(feature = "kernel")))]
        loom::thread::yield_now();
        #[cfg(not(all(loom, not(feature = "kernel"))))]
        core::hint::spin_loop();
    }
}

/// How a thread finds out which processor it runs on, in the threaded environments.
#[cfg(all(target_os = "linux", not(loom), not(feature = "kernel")))]
#[inline]
fn hardware_processor() -> u32 {
    // SAFETY: sched_getcpu takes no arguments and only reads the calling thread's state.
    let cpu = unsafe { libc::sched_getcpu() };
    u32::try_from(cpu).unwrap_or(0)
}

#[cfg(any(loom, all(not(target_os = "linux"), not(feature = "kernel"))))]
fn hardware_processor() -> u32 {
    0
}
