//! The host and loom environments: threads park on a flag, IRQL and processor number are
//! per-thread values that tests can set.

use core::cell::Cell;
use core::sync::atomic::Ordering;

use super::std;
use super::threads::{self, thread};
use super::tracked_cell::UnsafeCell;

use threads::sync::atomic::AtomicBool;
pub(crate) use threads::sync::atomic::AtomicUsize;

/// How many run-down slots a cache-aware reference spreads over (NT's `KeNumberProcessors`). On
/// the host this is the number of processors the process may use; under loom it is two, the
/// smallest that shows migration. A test may pretend otherwise for its own thread
/// ([`simulation::set_processor_count`]).
pub(crate) fn processor_count() -> u32 {
    if let Some(count) = PROCESSORS.with(Cell::get) {
        return count;
    }
    if cfg!(loom) {
        return 2;
    }
    let available = std::thread::available_parallelism().map_or(1, core::num::NonZero::get);
    u32::try_from(available).unwrap_or(u32::MAX)
}

/// `KeGetRecommendedSharedDataAlignment`: the stride that keeps two processors' data off one
/// cache line. NT returns its largest cache line, 64 bytes on the x86_64 and ARM64 machines this
/// model stands in for.
pub(crate) const fn recommended_shared_data_alignment() -> u32 {
    64
}

/// `thread_local!` for the model's per-thread state: loom's under loom (each model thread its
/// own), std's with `const` initializers on the host, so that an access is one TLS load.
macro_rules! model_thread_local {
    ($(static $name:ident: $ty:ty = $init:expr;)+) => {
        #[cfg(not(loom))]
        std::thread_local! { $(static $name: $ty = const { $init };)+ }
        #[cfg(loom)]
        threads::thread_local! { $(static $name: $ty = $init;)+ }
    };
}

model_thread_local! {
    static IRQL: Cell<u8> = Cell::new(0);
    static PROCESSOR: Cell<Option<u32>> = Cell::new(None);
    static LAST_PROCESSOR: Cell<u32> = Cell::new(0);
}

// The OS thread's, even under loom: `simulation::processor_count` is also asked outside a loom
// model, where loom's thread-locals cannot be reached (under loom every model thread shares it).
std::thread_local! {
    static PROCESSORS: Cell<Option<u32>> = const { Cell::new(None) };
}

/// The calling thread's modelled IRQL.
#[inline]
pub(crate) fn current_irql() -> u8 {
    IRQL.with(Cell::get)
}

/// Sets the calling thread's modelled IRQL, returning the old one (KeRaiseIrql / KeLowerIrql).
#[inline]
pub(crate) fn swap_irql(new: u8) -> u8 {
    IRQL.with(|irql| irql.replace(new))
}

/// The processor the calling thread runs on: the one it is pinned to at `DISPATCH_LEVEL` (or by
/// a test), else the one it last ran on at `DISPATCH_LEVEL`.
///
/// Unpinned, a thread only releases (every acquisition runs under [`OnOneProcessor`]), and NT
/// lets a release land on any processor's word: a thread that moved since is a case NT has too.
/// Asking the OS again would cost more than the release (the kernel's
/// `KeGetCurrentProcessorNumberEx` is one load).
#[inline]
pub(crate) fn current_processor() -> u32 {
    PROCESSOR.with(Cell::get).unwrap_or_else(|| LAST_PROCESSOR.with(Cell::get))
}

/// `KeRaiseIrql(DISPATCH_LEVEL)` for a few instructions that must stay on one processor, and
/// the lower back on drop. The model raises the thread's IRQL and, as a raised thread cannot
/// move, fixes its processor number until the drop (unless a test already pinned it).
#[must_use = "the thread may move once this drops"]
pub(crate) struct OnOneProcessor {
    previous_irql: u8,
    pinned_here: bool,
}

impl OnOneProcessor {
    /// Raises to `DISPATCH_LEVEL`, or stays where the thread is if higher.
    #[inline]
    pub(crate) fn enter() -> Self {
        let previous_irql = swap_irql(current_irql().max(DISPATCH_LEVEL));
        let pinned_here = PROCESSOR.with(|processor| {
            if processor.get().is_some() {
                return false;
            }
            let now = super::hardware_processor();
            LAST_PROCESSOR.with(|last| last.set(now));
            processor.set(Some(now));
            true
        });
        Self { previous_irql, pinned_here }
    }
}

impl Drop for OnOneProcessor {
    #[inline]
    fn drop(&mut self) {
        if self.pinned_here {
            PROCESSOR.with(|processor| processor.set(None));
        }
        swap_irql(self.previous_irql);
    }
}

/// `DISPATCH_LEVEL`.
const DISPATCH_LEVEL: u8 = <crate::irql::Dispatch as crate::irql::Level>::IRQL;

/// A spin lock over the modelled IRQL: acquiring raises the thread to `DISPATCH_LEVEL`, as
/// `KeAcquireSpinLockRaiseToDpc` does, and spins (under loom: yields) while another thread holds
/// it.
pub(crate) struct RawSpinLock {
    held: AtomicBool,
}

impl RawSpinLock {
    crate::const_unless_loom! {
        pub(crate) fn new() -> Self {
            Self { held: AtomicBool::new(false) }
        }
    }

    /// Raises to `DISPATCH_LEVEL` and takes the lock, returning the IRQL to lower back to.
    pub(crate) fn acquire(&self) -> u8 {
        let previous = swap_irql(2);
        debug_assert!(previous <= 2, "a spin lock acquired above DISPATCH_LEVEL");
        while self.held.compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() {
            while self.held.load(Ordering::Relaxed) {
                super::atomics::spin_loop();
            }
        }
        previous
    }

    /// Gives the lock up and lowers IRQL to `previous`.
    ///
    /// # Safety
    /// The calling thread holds the lock, taken by [`RawSpinLock::acquire`] which returned
    /// `previous`.
    pub(crate) unsafe fn release(&self, previous: u8) {
        self.held.store(false, Ordering::Release);
        swap_irql(previous);
    }
}

/// Host-side controls over the modelled machine, for tests and benchmarks.
///
/// These exist only where the crate runs in threads on a host (plain `cargo test` and loom);
/// the kernel build reads the real processor and IRQL.
///
/// ```
/// rundown::simulation::run_on_processor(Some(1));
/// // Cache-aware acquires and releases on this thread now use slot 1 (modulo the slot count).
/// rundown::simulation::run_on_processor(None);
/// ```
pub mod simulation {
    use super::{Cell, PROCESSOR, PROCESSORS};

    /// Makes the calling thread report `processor` as its current processor, as if the scheduler
    /// had moved it there; `None` goes back to the real processor number.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{simulation, CacheAwareRundownRef, RundownState};
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// simulation::set_processor_count(Some(2));
    /// let shared = CacheAwareRundownRef::allocate(&irql).expect("pool");
    /// simulation::run_on_processor(Some(0));
    /// let guard = shared.acquire(&irql).expect("active"); // counted on slot 0
    /// simulation::run_on_processor(Some(1)); // the scheduler moves the holder
    /// drop(guard); // released on slot 1: the sum over the slots is what counts
    /// assert_eq!(shared.state(), RundownState::Granting { holders: 0 });
    /// # simulation::run_on_processor(None);
    /// # simulation::set_processor_count(None);
    /// ```
    pub fn run_on_processor(processor: Option<u32>) {
        PROCESSOR.with(|cell: &Cell<Option<u32>>| cell.set(processor));
    }

    /// How many slots a cache-aware run-down reference made now would have.
    ///
    /// ```
    /// use rundown::simulation;
    ///
    /// let real = simulation::processor_count();
    /// assert!(real >= 1);
    /// simulation::set_processor_count(Some(3)); // this thread sees three processors
    /// assert_eq!(simulation::processor_count(), 3);
    /// simulation::set_processor_count(None);
    /// assert_eq!(simulation::processor_count(), real);
    /// ```
    #[must_use]
    pub fn processor_count() -> u32 {
        super::processor_count()
    }

    /// Makes the calling thread see a machine with `count` processors (NT's `KeNumberProcessors`)
    /// when it sizes, initializes or allocates a cache-aware reference; `None` goes back to the
    /// real count. Other threads are not affected (under loom, other OS threads).
    ///
    /// On one processor NT gives each slot only the 8 bytes of an `EX_RUNDOWN_REF`, so this is
    /// how a host test sees that layout.
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{simulation, CacheAwareRundownRef};
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// simulation::set_processor_count(Some(1));
    /// assert_eq!(CacheAwareRundownRef::required_size(&irql), 0x18 + 8);
    /// simulation::set_processor_count(Some(4));
    /// assert_eq!(CacheAwareRundownRef::required_size(&irql), 0x18 + 64 * (4 + 1));
    /// simulation::set_processor_count(None);
    /// ```
    ///
    /// # Panics
    /// If `count` is `Some(0)`: NT always counts at least one processor.
    pub fn set_processor_count(count: Option<u32>) {
        assert_ne!(count, Some(0), "a machine has at least one processor");
        PROCESSORS.with(|cell: &Cell<Option<u32>>| cell.set(count));
    }

    /// How many pool blocks tagged `tag` are allocated now: the host's stand-in for a pool-tag
    /// dump (`!poolused`, PoolMon).
    ///
    /// ```
    /// use rundown::irql::PassiveLevel;
    /// use rundown::{simulation, CacheAwareRundownRef, PoolTag};
    ///
    /// let irql = PassiveLevel::check().expect("PASSIVE_LEVEL");
    /// let tag = PoolTag::new(*b"Doc1");
    /// let shared = CacheAwareRundownRef::allocate_with_tag(tag, &irql).expect("pool");
    /// assert_eq!(simulation::pool_blocks(tag), 1);
    /// shared.free(&irql);
    /// assert_eq!(simulation::pool_blocks(tag), 0);
    /// ```
    #[must_use]
    pub fn pool_blocks(tag: crate::PoolTag) -> usize {
        super::pool_table().iter().filter(|(_, recorded)| *recorded == tag.get()).count()
    }
}

/// The pool blocks in use, with their tags: what NT keeps in each block's `POOL_HEADER`, kept to
/// the side so that a block is exactly the size asked for.
static POOL: std::sync::Mutex<std::vec::Vec<(usize, u32)>> = std::sync::Mutex::new(std::vec::Vec::new());

fn pool_table() -> std::sync::MutexGuard<'static, std::vec::Vec<(usize, u32)>> {
    // A panic while the table was locked cannot have left it half-updated: each update is one
    // push or one swap_remove.
    POOL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Pool memory (`ExAllocatePoolWithTag`): the global allocator stands in for nonpaged pool, and
/// the tag is recorded for [`simulation::pool_blocks`].
///
/// # Safety
/// `size` must be non-zero and `align` a power of two.
pub(crate) unsafe fn pool_allocate(size: usize, align: usize, tag: u32) -> *mut u8 {
    let Ok(layout) = core::alloc::Layout::from_size_align(size, align) else {
        return core::ptr::null_mut();
    };
    // SAFETY: the caller guarantees a non-zero size.
    let block = unsafe { std::alloc::alloc(layout) };
    if !block.is_null() {
        pool_table().push((block.addr(), tag));
    }
    block
}

/// Returns memory from [`pool_allocate`] (`ExFreePoolWithTag`). A `tag` of 0 frees whatever tag
/// the block has, as `ExFreePool` does; any other tag must be the block's, or this panics as NT
/// bug-checks (`BAD_POOL_CALLER`).
///
/// # Safety
/// `block` came from `pool_allocate(size, align, _)` with the same `size` and `align`, and is
/// not used afterwards.
pub(crate) unsafe fn pool_free(block: *mut u8, size: usize, align: usize, tag: u32) {
    {
        let mut table = pool_table();
        let index = table.iter().position(|(address, _)| *address == block.addr());
        let index = index.expect("BAD_POOL_CALLER: freeing a block that is not allocated pool");
        let recorded = table[index].1;
        assert!(tag == 0 || tag == recorded, "BAD_POOL_CALLER: freed with tag {tag:#x}, allocated with {recorded:#x}");
        table.swap_remove(index);
    }
    // SAFETY: the caller passes the layout the block was allocated with, which was valid then.
    let layout = unsafe { core::alloc::Layout::from_size_align_unchecked(size, align) };
    // SAFETY: the block came from `alloc` with this layout.
    unsafe { std::alloc::dealloc(block, layout) }
}

/// A one-shot wake-up for one waiting thread, living in the waiter's wait block.
///
/// The waiter's thread handle is copied out before the flag is set, because the moment the flag
/// reads true the waiter may return and its stack frame, which holds this event, ends
/// (rust-lang/rust#55005). Under loom, dropping the event writes to the handle, so a setter that
/// touched it after the flag would be reported as a data race.
pub(crate) struct Event {
    waiter: UnsafeCell<Option<thread::Thread>>,
    signaled: AtomicBool,
}

impl Event {
    /// An unsignaled event that will wake the calling thread.
    pub(crate) fn new() -> Self {
        Self { waiter: UnsafeCell::new(Some(thread::current())), signaled: AtomicBool::new(false) }
    }

    /// Prepares the event in its final place. Parking needs no preparation.
    #[expect(clippy::unused_self, reason = "the kernel's event initializes in place; the API is shared")]
    pub(crate) fn arm(self: core::pin::Pin<&Self>) {}

    /// Sleeps until [`Event::set`] ran.
    pub(crate) fn wait(self: core::pin::Pin<&Self>) {
        while !self.signaled.load(Ordering::Acquire) {
            sleep_until_woken();
        }
    }

    /// Wakes the waiter.
    ///
    /// # Safety
    /// `event` points to an armed event whose waiter is in [`Event::wait`] or about to enter it,
    /// and nothing else sets it. The event may be freed as soon as this sets the flag.
    pub(crate) unsafe fn set(event: *const Self) {
        // SAFETY: the waiter cannot return before the flag is set, so the event is alive here.
        let handle = unsafe { &(*event).waiter };
        // SAFETY: nobody writes the handle before the waiter returns.
        let waiter = handle.with(|handle| unsafe { (*handle).clone() });
        // SAFETY: still alive. This store is the last access to the event: after it the waiter
        // may return and end the frame that holds it.
        unsafe { (*event).signaled.store(true, Ordering::Release) };
        if let Some(waiter) = waiter {
            wake(&waiter);
        }
    }
}

/// Parks until woken (or spuriously).
///
/// Under loom the waiter yields instead: loom's `unpark` hands the waker's whole causality to
/// the woken thread, even one that never parks, which would hide both a waker that touches the
/// event between its flag store and the wake-up and a waiter that reads the flag too weakly.
/// With yields, the flag is the only synchronization, as it is for a real waiter that saw it
/// set before parking.
fn sleep_until_woken() {
    if cfg!(loom) {
        thread::yield_now();
    } else {
        thread::park();
    }
}

/// Wakes a thread parked in [`sleep_until_woken`].
fn wake(waiter: &thread::Thread) {
    if !cfg!(loom) {
        waiter.unpark();
    }
}

impl Drop for Event {
    fn drop(&mut self) {
        // The waiter's frame ends here: a write that loom orders against every setter's read.
        self.waiter.with_mut(|handle| {
            // SAFETY: `&mut self` gives exclusive access to the handle.
            unsafe { *handle = None }
        });
    }
}

/// Marks the end of a wait block's `remaining` count: under loom, an exclusive access that loom
/// orders against every releaser's atomic access, so a releaser that touched the block after
/// the final release would be reported (rust-lang/rust#55005).
pub(crate) fn retire(remaining: &mut AtomicUsize) {
    #[cfg(loom)]
    remaining.with_mut(|_| ());
    #[cfg(not(loom))]
    let _ = remaining.get_mut();
}
