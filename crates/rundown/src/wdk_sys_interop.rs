//! Conversions to and from windows-drivers-rs's `wdk-sys` types (feature `wdk-sys`).
//!
//! A driver on windows-drivers-rs hands a reference to code that takes a `PEX_RUNDOWN_REF`, or
//! takes over one such code initialized. The crate's own declarations of the run-down routines
//! and wdk-sys's name the same ntoskrnl.exe imports with the same signatures, so both link into
//! one driver (the owner driver does, in its `ntoskrnl` flavour).
//!
//! ```ignore
//! // (needs the `wdk-sys` feature, which builds only where wdk-sys does: the kernel target)
//! use wdk_sys::PEX_RUNDOWN_REF;
//! let run_ref: PEX_RUNDOWN_REF = object.protection().into(); // or `.as_wdk_ptr()`
//! // SAFETY: the reference outlives the calls; the protection acquired is released once.
//! if unsafe { wdk_sys::ntddk::ExAcquireRundownProtection(run_ref) } != 0 {
//!     unsafe { wdk_sys::ntddk::ExReleaseRundownProtection(run_ref) };
//! }
//! // And back: a `PEX_RUNDOWN_REF` that C initialized, viewed as the crate's type.
//! let shared: &rundown::RundownRef = unsafe { rundown::RundownRef::from_wdk_ptr(run_ref) };
//! ```

use core::ptr::NonNull;

use wdk_sys::{EX_RUNDOWN_REF, PEX_RUNDOWN_REF, PEX_RUNDOWN_REF_CACHE_AWARE};

use crate::provider::{CacheAwareBlock, RundownWord};
use crate::{CacheAwareRundownRef, RundownRef};

// The same word: wdk-sys's `EX_RUNDOWN_REF` (a union of `ULONG_PTR Count` and `PVOID Ptr`) is what
// `RundownRef` is transparent over.
const _: () = assert!(size_of::<EX_RUNDOWN_REF>() == size_of::<RundownWord>());
const _: () = assert!(align_of::<EX_RUNDOWN_REF>() == align_of::<RundownWord>());

impl RundownRef {
    /// The `PEX_RUNDOWN_REF` of this reference, for a routine that takes one; C-side code may
    /// acquire and release through it while the reference lives.
    #[must_use]
    pub fn as_wdk_ptr(&self) -> PEX_RUNDOWN_REF {
        self.as_ptr().cast()
    }

    /// [`from_raw`](Self::from_raw) for wdk-sys's `PEX_RUNDOWN_REF`.
    ///
    /// # Safety
    /// As [`from_raw`](Self::from_raw).
    #[must_use]
    pub unsafe fn from_wdk_ptr<'a>(run_ref: PEX_RUNDOWN_REF) -> &'a Self {
        // SAFETY: forwarded; the two pointees are the same word (checked above).
        unsafe { Self::from_raw(run_ref.cast()) }
    }
}

impl<'a> From<&'a RundownRef> for PEX_RUNDOWN_REF {
    fn from(run_ref: &'a RundownRef) -> Self {
        run_ref.as_wdk_ptr()
    }
}

impl CacheAwareRundownRef<'_> {
    /// The `PEX_RUNDOWN_REF_CACHE_AWARE` of this reference, for a routine that takes one.
    #[must_use]
    pub fn as_wdk_ptr(&self) -> PEX_RUNDOWN_REF_CACHE_AWARE {
        self.as_ptr().cast()
    }

    /// [`from_raw`](Self::from_raw) for wdk-sys's `PEX_RUNDOWN_REF_CACHE_AWARE`; `None` for a
    /// null pointer.
    ///
    /// # Safety
    /// As [`from_raw`](Self::from_raw).
    #[must_use]
    pub unsafe fn from_wdk_ptr(block: PEX_RUNDOWN_REF_CACHE_AWARE) -> Option<Self> {
        let block = NonNull::new(block.cast::<CacheAwareBlock>())?;
        // SAFETY: forwarded from the caller.
        Some(unsafe { Self::from_raw(block) })
    }
}

impl<'a> From<&'a CacheAwareRundownRef<'_>> for PEX_RUNDOWN_REF_CACHE_AWARE {
    fn from(run_ref: &'a CacheAwareRundownRef<'_>) -> Self {
        run_ref.as_wdk_ptr()
    }
}
