//! Stand-in for [`wdk-alloc` 0.4.2](https://crates.io/crates/wdk-alloc) for Linux
//! cross-builds: [`WdkAllocator`], a `#[global_allocator]` over nonpaged pool, used as with the
//! real crate:
//!
//! ```ignore
//! #[cfg(not(test))]
//! #[global_allocator]
//! static GLOBAL_ALLOCATOR: wdk_alloc::WdkAllocator = wdk_alloc::WdkAllocator;
//! ```
//!
//! # DIFFERENCES FROM THE REAL CRATE (deliberate)
//!
//! - **Pool routine.** The real allocator calls `ExAllocatePool2(POOL_FLAG_NON_PAGED, size,
//!   'rust')` and frees with `ExFreePool`. Wine 8 does not export `ExAllocatePool2` (a call
//!   crashes), and mingw-w64's import library lacks it. This stand-in therefore allocates
//!   with **`ExAllocatePoolWithTag(NonPagedPoolNx, size, 'rust')`**, declared here because
//!   wdk-sys leaves that routine out, and frees with **`ExFreePoolWithTag(p, 'rust')`**.
//!   Same pool (nonpaged, no-execute), same tag; unlike `ExAllocatePool2`, the memory is not
//!   zeroed, which `GlobalAlloc::alloc` does not promise anyway.
//! - **Alignment.** The real allocator ignores `Layout::align()` (its source says so). Pool
//!   blocks are 16-byte aligned on x64 (`MEMORY_ALLOCATION_ALIGNMENT`), so this one serves
//!   alignments up to 16 and returns null (allocation failure) for larger ones instead of
//!   handing out misaligned memory.
//!
//! Like the real one, it may be used at IRQL <= `DISPATCH_LEVEL` only.
#![no_std]

#[cfg(driver_model__driver_type = "WDM")]
pub use kernel_mode::*;

#[cfg(driver_model__driver_type = "WDM")]
mod kernel_mode {
    use core::alloc::{GlobalAlloc, Layout};

    use wdk_sys::ntddk::ExFreePoolWithTag;
    use wdk_sys::{_POOL_TYPE, POOL_TYPE, PVOID, SIZE_T, ULONG};

    unsafe extern "C" {
        /// Not in wdk-sys (the real crate's bindgen run blocks it); ntoskrnl.exe exports it
        /// and Wine 8 implements it.
        #[allow(non_snake_case)]
        fn ExAllocatePoolWithTag(PoolType: POOL_TYPE, NumberOfBytes: SIZE_T, Tag: ULONG) -> PVOID;
    }

    /// The pool tag, "rust" in memory order (shown as `rust` by pool tools), as in the real
    /// crate.
    const RUST_TAG: ULONG = u32::from_ne_bytes(*b"rust");

    /// `MEMORY_ALLOCATION_ALIGNMENT` on x64: what every pool block is aligned to.
    const POOL_ALIGNMENT: usize = 16;

    /// Global allocator over nonpaged pool (see the crate docs for how it differs from the
    /// real `WdkAllocator`).
    ///
    /// Only usable at IRQL <= `DISPATCH_LEVEL`.
    pub struct WdkAllocator;

    // SAFETY: `alloc` returns either null or a fresh pool block of at least `layout.size()`
    // bytes aligned to at least `layout.align()` (16-byte pool alignment, larger requests are
    // refused); `dealloc` returns exactly such blocks to the pool with the same tag. Neither
    // unwinds.
    unsafe impl GlobalAlloc for WdkAllocator {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if layout.align() > POOL_ALIGNMENT {
                return core::ptr::null_mut();
            }
            // SAFETY: a valid pool type and tag; callers of a global allocator run at
            // IRQL <= DISPATCH_LEVEL, where nonpaged allocations are allowed. Failure is null.
            unsafe { ExAllocatePoolWithTag(_POOL_TYPE::NonPagedPoolNx, layout.size() as SIZE_T, RUST_TAG) }.cast()
        }

        unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
            // SAFETY: `GlobalAlloc` callers pass only blocks from `alloc` above, allocated with
            // this tag, at IRQL <= DISPATCH_LEVEL.
            unsafe { ExFreePoolWithTag(ptr.cast(), RUST_TAG) };
        }
    }
}
