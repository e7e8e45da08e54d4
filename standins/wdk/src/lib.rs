//! Stand-in for [`wdk` 0.5.0](https://crates.io/crates/wdk) for Linux cross-builds, following
//! the real crate's API for WDM drivers: [`print!`], [`println!`], [`dbg!`] (debugger output
//! through `DbgPrint`, in chunks of at most 511 bytes from a 512-byte stack buffer, no
//! allocation), [`nt_success`], [`paged_code!`], [`dbg_break`] and the [`fmt`] buffers.
//! The real crate's KMDF/UMDF parts (`wdk::wdf`, `OutputDebugStringA`) are not provided.
#![no_std]

#[cfg(driver_model__driver_type = "WDM")]
pub use print::_print;
#[cfg(driver_model__driver_type = "WDM")]
pub use wdk_sys::NT_SUCCESS as nt_success;
#[cfg(driver_model__driver_type = "WDM")]
pub use wdk_sys::PAGED_CODE as paged_code;

pub mod fmt;
#[cfg(driver_model__driver_type = "WDM")]
mod print;

/// Breaks into the debugger (`int 3` on x86/x86_64, `brk #0xF000` on AArch64), like MSVC's
/// `__debugbreak`.
///
/// # Panics
///
/// On other architectures.
pub fn dbg_break() {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    // SAFETY: a breakpoint instruction touches no memory and no registers; without a debugger
    // the kernel raises a breakpoint exception, which is what the caller asked for.
    unsafe {
        core::arch::asm!("int 3");
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: as above, for the AArch64 breakpoint instruction Windows uses.
    unsafe {
        core::arch::asm!("brk #0xF000");
    }
    #[cfg(not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")))]
    panic!("dbg_break is not implemented for this architecture");
}
