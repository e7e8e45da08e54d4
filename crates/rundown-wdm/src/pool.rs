//! The drivers' global allocators: [`PoolWithTag`], nonpaged pool through
//! `ExAllocatePoolWithTag` (which Wine 8 has and `ExAllocatePool2` it lacks), and
//! [`CountingAllocator`], which counts what another allocator has in use.

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::AtomicU64;
use core::sync::atomic::Ordering::Relaxed;

use rundown_service::PoolUsage;
use wdk_sys::ntddk::ExFreePoolWithTag;
use wdk_sys::{_POOL_TYPE, POOL_TYPE, PVOID, SIZE_T, ULONG};

unsafe extern "C" {
    /// Not in wdk-sys (windows-drivers-rs's bindgen run blocks the deprecated pool routines);
    /// ntoskrnl.exe exports it, and Wine 8 implements it.
    #[link_name = "ExAllocatePoolWithTag"]
    fn ex_allocate_pool_with_tag(pool_type: POOL_TYPE, number_of_bytes: SIZE_T, tag: ULONG) -> PVOID;
}

/// The pool tag, "rust" in memory order, as windows-drivers-rs's `WdkAllocator` uses.
const RUST_TAG: ULONG = u32::from_ne_bytes(*b"rust");

/// `MEMORY_ALLOCATION_ALIGNMENT` on x64: what every pool block is aligned to.
const POOL_ALIGNMENT: usize = 16;

/// A global allocator over nonpaged, no-execute pool: `ExAllocatePoolWithTag(NonPagedPoolNx,
/// size, 'rust')`, freed with `ExFreePoolWithTag`. windows-drivers-rs's `WdkAllocator` calls
/// `ExAllocatePool2`, which Wine 8 does not export, so the Wine flavour allocates with this one.
/// Alignments above 16 bytes (the pool's) are refused (null), and it may be used at IRQL <=
/// DISPATCH_LEVEL only, like any pool allocator.
///
/// ```
/// use rundown_wdm::pool::{CountingAllocator, PoolWithTag};
///
/// // In a driver: `#[global_allocator]`.
/// static POOL: CountingAllocator<PoolWithTag> = CountingAllocator::new(PoolWithTag);
/// assert_eq!(POOL.usage().blocks, 0);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct PoolWithTag;

// SAFETY: `alloc` returns null or a fresh pool block of at least `layout.size()` bytes, aligned to
// 16 and so to `layout.align()` (larger alignments are refused); `dealloc` gives such blocks back
// with the same tag. Neither unwinds.
unsafe impl GlobalAlloc for PoolWithTag {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() > POOL_ALIGNMENT {
            return core::ptr::null_mut();
        }
        // SAFETY: a valid pool type and tag; a global allocator is called at IRQL <=
        // DISPATCH_LEVEL, where nonpaged allocations are allowed. Failure is null.
        unsafe { ex_allocate_pool_with_tag(_POOL_TYPE::NonPagedPoolNx, layout.size() as SIZE_T, RUST_TAG) }.cast()
    }

    unsafe fn dealloc(&self, block: *mut u8, _layout: Layout) {
        // SAFETY: `GlobalAlloc`'s callers pass only blocks from `alloc` above, allocated with this
        // tag, at IRQL <= DISPATCH_LEVEL.
        unsafe { ExFreePoolWithTag(block.cast(), RUST_TAG) };
    }
}

/// `A` (the driver's pool allocator) with a count of the bytes and blocks in use, for a report
/// (STATS) and a leak check at unload (zero once everything is freed).
///
/// ```
/// use std::alloc::{GlobalAlloc, Layout, System};
/// use rundown_wdm::pool::CountingAllocator;
///
/// static COUNTED: CountingAllocator<System> = CountingAllocator::new(System);
///
/// let layout = Layout::new::<u64>();
/// // SAFETY: a non-zero size; the block is freed with the same layout.
/// unsafe {
///     let block = COUNTED.alloc(layout);
///     assert_eq!((COUNTED.usage().bytes, COUNTED.usage().blocks), (8, 1));
///     COUNTED.dealloc(block, layout);
/// }
/// assert_eq!(COUNTED.usage().blocks, 0);
/// ```
///
/// In a driver: `#[global_allocator] static GLOBAL_ALLOCATOR: CountingAllocator<PoolWithTag> =
/// CountingAllocator::new(PoolWithTag);`.
#[derive(Debug)]
pub struct CountingAllocator<A> {
    inner: A,
    bytes: AtomicU64,
    blocks: AtomicU64,
}

impl<A> CountingAllocator<A> {
    /// `inner`, counted from zero.
    ///
    /// ```
    /// use rundown_wdm::pool::{CountingAllocator, PoolWithTag};
    ///
    /// static POOL: CountingAllocator<PoolWithTag> = CountingAllocator::new(PoolWithTag); // const
    /// ```
    pub const fn new(inner: A) -> Self {
        Self { inner, bytes: AtomicU64::new(0), blocks: AtomicU64::new(0) }
    }

    /// What is allocated and not freed now.
    ///
    /// ```
    /// use std::alloc::System;
    /// use rundown_wdm::pool::CountingAllocator;
    ///
    /// let counted = CountingAllocator::new(System);
    /// assert_eq!((counted.usage().bytes, counted.usage().blocks), (0, 0));
    /// ```
    pub fn usage(&self) -> PoolUsage {
        PoolUsage { bytes: self.bytes.load(Relaxed), blocks: self.blocks.load(Relaxed) }
    }
}

// SAFETY: allocation and deallocation are `A`'s, unchanged; the counters only observe.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAllocator<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller, whose layout has a non-zero size.
        let block = unsafe { self.inner.alloc(layout) };
        if !block.is_null() {
            self.bytes.fetch_add(layout.size() as u64, Relaxed);
            self.blocks.fetch_add(1, Relaxed);
        }
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        self.bytes.fetch_sub(layout.size() as u64, Relaxed);
        self.blocks.fetch_sub(1, Relaxed);
        // SAFETY: forwarded from the caller: `block` came from `alloc` with this layout.
        unsafe { self.inner.dealloc(block, layout) };
    }
}
