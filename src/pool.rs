//! The global allocator: nonpaged pool through `WdkAllocator`, counted.

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::AtomicU64;
use core::sync::atomic::Ordering::Relaxed;

use rundown_service::PoolUsage;
use wdk_alloc::WdkAllocator;

/// `WdkAllocator` with a count of the bytes and blocks in use, which STATS reports and
/// DriverUnload logs (zero once everything is freed).
///
/// ```ignore
/// #[global_allocator]
/// static GLOBAL_ALLOCATOR: CountingAllocator = CountingAllocator::new();
/// ```
pub(crate) struct CountingAllocator {
    bytes: AtomicU64,
    blocks: AtomicU64,
}

impl CountingAllocator {
    pub(crate) const fn new() -> Self {
        Self { bytes: AtomicU64::new(0), blocks: AtomicU64::new(0) }
    }

    fn usage(&self) -> PoolUsage {
        PoolUsage { bytes: self.bytes.load(Relaxed), blocks: self.blocks.load(Relaxed) }
    }
}

// SAFETY: allocation and deallocation are WdkAllocator's, unchanged; the counters only observe.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller, whose layout has a non-zero size.
        let block = unsafe { WdkAllocator.alloc(layout) };
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
        unsafe { WdkAllocator.dealloc(block, layout) };
    }
}

/// Pool the driver has allocated and not freed.
#[cfg(not(test))]
pub(crate) fn usage() -> PoolUsage {
    crate::GLOBAL_ALLOCATOR.usage()
}

/// Host unit tests use the host allocator.
#[cfg(test)]
pub(crate) fn usage() -> PoolUsage {
    PoolUsage::default()
}
