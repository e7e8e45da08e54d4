//! The Windows kernel: `KEVENT` waits, IRQL in `CR8`, nonpaged pool from NtosKrnl.
//!
//! The routines are declared here rather than taken from wdk-sys so that this crate stays a
//! plain `no_std` library; the driver that links it imports them from ntoskrnl.exe.

use core::cell::UnsafeCell;
use core::ffi::c_void;

pub(crate) use core::sync::atomic::AtomicUsize;

/// `KEVENT`: a `DISPATCHER_HEADER` and nothing else, 24 bytes, pointer-aligned on x64.
#[repr(C, align(8))]
pub(crate) struct KEvent([u8; 24]);

/// `EVENT_TYPE::SynchronizationEvent`, the kind NT's own run-down wait block uses.
const SYNCHRONIZATION_EVENT: i32 = 1;
/// `KWAIT_REASON::Executive`.
const EXECUTIVE: i32 = 0;
/// `KPROCESSOR_MODE::KernelMode`: keeps the waiter's stack resident while it sleeps.
const KERNEL_MODE: i8 = 0;
/// `POOL_TYPE::NonPagedPoolNx`.
const NON_PAGED_POOL_NX: i32 = 512;
/// `ALL_PROCESSOR_GROUPS` for `KeQueryActiveProcessorCountEx`.
const ALL_PROCESSOR_GROUPS: u16 = 0xffff;

unsafe extern "system" {
    fn KeInitializeEvent(event: *mut KEvent, kind: i32, state: u8);
    fn KeSetEvent(event: *mut KEvent, increment: i32, wait: u8) -> i32;
    fn KeWaitForSingleObject(object: *mut c_void, reason: i32, mode: i8, alertable: u8, timeout: *mut i64) -> i32;
    fn KeGetCurrentProcessorNumberEx(number: *mut c_void) -> u32;
    fn KeQueryActiveProcessorCountEx(group: u16) -> u32;
    fn ExAllocatePoolWithTag(pool_type: i32, size: usize, tag: u32) -> *mut c_void;
    fn ExFreePoolWithTag(block: *mut c_void, tag: u32);
    fn KeAcquireSpinLockRaiseToDpc(lock: *mut usize) -> u8;
    fn KeReleaseSpinLock(lock: *mut usize, new_irql: u8);
}

/// `KSPIN_LOCK`: a pointer-sized word, zero when free (`KeInitializeSpinLock` stores 0).
pub(crate) struct RawSpinLock {
    lock: UnsafeCell<usize>,
}

impl RawSpinLock {
    pub(crate) const fn new() -> Self {
        Self { lock: UnsafeCell::new(0) }
    }

    /// `KeAcquireSpinLockRaiseToDpc`: raises to `DISPATCH_LEVEL`, takes the lock, and returns the
    /// IRQL to lower back to.
    pub(crate) fn acquire(&self) -> u8 {
        // SAFETY: a KSPIN_LOCK in nonpaged memory (the caller's, at a fixed address while
        // borrowed); callable at <= DISPATCH_LEVEL, which every caller's token proves.
        unsafe { KeAcquireSpinLockRaiseToDpc(self.lock.get()) }
    }

    /// `KeReleaseSpinLock`: gives the lock up and lowers IRQL to `previous`.
    ///
    /// # Safety
    /// The calling thread holds the lock, taken by [`RawSpinLock::acquire`] which returned
    /// `previous`.
    pub(crate) unsafe fn release(&self, previous: u8) {
        // SAFETY: the caller holds the lock and passes the IRQL its acquire returned.
        unsafe { KeReleaseSpinLock(self.lock.get(), previous) }
    }
}

/// The number of processors, one cache-aware slot each.
pub(crate) fn processor_count() -> u32 {
    // SAFETY: callable at any IRQL, no pointer arguments.
    unsafe { KeQueryActiveProcessorCountEx(ALL_PROCESSOR_GROUPS) }.max(1)
}

/// `KeGetRecommendedSharedDataAlignment`'s value on the machines drivers run on: their largest
/// cache line, 64 bytes on x86_64 and ARM64.
///
/// A constant rather than the import: this environment with the portable provider is the driver
/// that runs in Wine, and Wine 8's ntoskrnl.exe exports `KeGetRecommendedSharedDataAlignment` as
/// a stub that raises an exception when called (its export is `__wine_stub_…`, as
/// `IoCsqInsertIrp`'s is). With the `ntoskrnl` feature NT sizes its blocks itself and this is
/// not used.
pub(crate) const fn recommended_shared_data_alignment() -> u32 {
    64
}

/// The processor the caller runs on (it may move at IRQL < DISPATCH_LEVEL).
#[inline]
pub(crate) fn current_processor() -> u32 {
    // SAFETY: a NULL PROCESSOR_NUMBER pointer is allowed; only the index is returned.
    unsafe { KeGetCurrentProcessorNumberEx(core::ptr::null_mut()) }
}

/// The current IRQL: on x64, `KeGetCurrentIrql` is a read of `CR8`.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn current_irql() -> u8 {
    let irql: u64;
    // SAFETY: reading CR8 has no side effects; kernel code runs at CPL 0.
    unsafe { core::arch::asm!("mov {}, cr8", out(reg) irql, options(nomem, nostack, preserves_flags)) };
    // CR8 holds a 4-bit priority class.
    (irql & 0xf) as u8
}

/// Sets the IRQL, returning the old one: `KeRaiseIrql` and `KeLowerIrql` are writes of `CR8`.
#[cfg(target_arch = "x86_64")]
pub(crate) fn swap_irql(new: u8) -> u8 {
    let old = current_irql();
    // SAFETY: callers only move between levels their tokens prove (raise, then lower back).
    unsafe { core::arch::asm!("mov cr8, {}", in(reg) u64::from(new), options(nomem, nostack, preserves_flags)) };
    old
}

// Elsewhere (ARM64) the IRQL routines are calls: `KeGetCurrentIrql`, `KfRaiseIrql` (what the
// `KeRaiseIrql` macro calls) and `KeLowerIrql`. Only `cargo check` has seen this path: no ARM64
// image was linked or loaded.
#[cfg(not(target_arch = "x86_64"))]
unsafe extern "system" {
    fn KeGetCurrentIrql() -> u8;
    fn KfRaiseIrql(new_irql: u8) -> u8;
    fn KeLowerIrql(new_irql: u8);
}

/// The current IRQL (`KeGetCurrentIrql`).
#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub(crate) fn current_irql() -> u8 {
    // SAFETY: no arguments; callable at any IRQL.
    unsafe { KeGetCurrentIrql() }
}

/// Sets the IRQL, returning the old one: `KfRaiseIrql` up, `KeLowerIrql` down.
#[cfg(not(target_arch = "x86_64"))]
pub(crate) fn swap_irql(new: u8) -> u8 {
    let old = current_irql();
    if new >= old {
        // SAFETY: raising to a level the caller's token allows (`raise` or a spin lock).
        unsafe { KfRaiseIrql(new) };
    } else {
        // SAFETY: lowering back to the level a raise guard saved.
        unsafe { KeLowerIrql(new) };
    }
    old
}

/// Nonpaged pool.
///
/// # Safety
/// `size` must be non-zero; `align` must be at most 16 (pool blocks are 16-byte aligned on x64).
pub(crate) unsafe fn pool_allocate(size: usize, align: usize, tag: u32) -> *mut u8 {
    debug_assert!(align <= 16);
    // SAFETY: non-zero size, a valid pool type; callable at <= DISPATCH_LEVEL.
    unsafe { ExAllocatePoolWithTag(NON_PAGED_POOL_NX, size, tag) }.cast()
}

/// Returns pool from [`pool_allocate`] (`ExFreePoolWithTag`). A `tag` of 0 asks for no tag check,
/// like `ExFreePool`, with which NT's own `ExFreeCacheAwareRundownProtection` frees (WRK
/// ex/rundown.c).
///
/// # Safety
/// `block` came from `pool_allocate` with `tag` (or `tag` is 0) and is not used afterwards.
pub(crate) unsafe fn pool_free(block: *mut u8, _size: usize, _align: usize, tag: u32) {
    // SAFETY: the caller passes a live pool block and its tag.
    unsafe { ExFreePoolWithTag(block.cast(), tag) }
}

/// `KeRaiseIrql(DISPATCH_LEVEL)` for a few instructions that must stay on one processor (a
/// thread at `DISPATCH_LEVEL` is not rescheduled), and `KeLowerIrql` on drop. Wine emulates the
/// `CR8` accesses (reads 0, writes ignored) and so does not pin the thread: see the README's
/// Wine notes.
#[must_use = "the thread may move once this drops"]
pub(crate) struct OnOneProcessor {
    previous_irql: u8,
}

impl OnOneProcessor {
    /// Raises to `DISPATCH_LEVEL`, or stays where the thread is if higher.
    #[inline]
    pub(crate) fn enter() -> Self {
        let current = current_irql();
        if current >= DISPATCH_LEVEL {
            return Self { previous_irql: current };
        }
        Self { previous_irql: swap_irql(DISPATCH_LEVEL) }
    }
}

impl Drop for OnOneProcessor {
    #[inline]
    fn drop(&mut self) {
        if self.previous_irql < DISPATCH_LEVEL {
            swap_irql(self.previous_irql);
        }
    }
}

/// `DISPATCH_LEVEL`.
const DISPATCH_LEVEL: u8 = <crate::irql::Dispatch as crate::irql::Level>::IRQL;

/// A `KEVENT` in the waiter's wait block, exactly as NT's own run-down wait uses one.
pub(crate) struct Event(UnsafeCell<KEvent>);

impl Event {
    /// Storage for an event; [`Event::arm`] initializes it in place.
    pub(crate) fn new() -> Self {
        Self(UnsafeCell::new(KEvent([0; 24])))
    }

    /// `KeInitializeEvent` in the event's final place (a `KEVENT` holds a list head that points
    /// to itself, so it must not move afterwards: the pin says so).
    pub(crate) fn arm(self: core::pin::Pin<&Self>) {
        // SAFETY: the event is pinned and not yet visible to any setter.
        unsafe { KeInitializeEvent(self.0.get(), SYNCHRONIZATION_EVENT, 0) }
    }

    /// `KeWaitForSingleObject` in kernel mode, not alertable, no timeout.
    pub(crate) fn wait(self: core::pin::Pin<&Self>) {
        // SAFETY: an armed, pinned event; waiting is allowed at <= APC_LEVEL, which every caller's
        // token proves.
        unsafe { KeWaitForSingleObject(self.0.get().cast(), EXECUTIVE, KERNEL_MODE, 0, core::ptr::null_mut()) };
    }

    /// `KeSetEvent` with `Wait = FALSE`, which NT allows on an event in a waiter's stack.
    ///
    /// # Safety
    /// `event` points to an armed event whose waiter has not yet been released.
    pub(crate) unsafe fn set(event: *const Self) {
        // SAFETY: the caller guarantees the event is armed, so `event` points at a live event.
        let raw = unsafe { (*event).0.get() };
        // SAFETY: the caller guarantees its waiter still waits on it.
        unsafe { KeSetEvent(raw, 0, 0) };
    }
}

/// Marks the end of a wait block's `remaining` count (checked only under loom).
pub(crate) fn retire(_remaining: &mut AtomicUsize) {}
