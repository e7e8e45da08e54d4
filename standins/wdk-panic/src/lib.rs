//! Stand-in for [`wdk-panic` 0.5.0](https://crates.io/crates/wdk-panic) for Linux cross-builds:
//! the `#[panic_handler]` of a kernel driver, as in the real crate. A panic breaks into the
//! debugger first in debug builds, then bug-checks with code `0x52504E43` ("RPNC") and the
//! panic location as parameters: file name pointer, file name length, line, column.
//!
//! Use it as with the real crate: `#[cfg(not(test))] extern crate wdk_panic;`. Like the real
//! crate it provides nothing under `cfg(test)`; the stand-ins are WDM-only, so there is no UMDF
//! `install_panic_hook`.
#![no_std]

#[cfg(all(not(test), driver_model__driver_type = "WDM"))]
mod kernel_panic_handler {
    use core::panic::PanicInfo;

    unsafe extern "system" {
        /// Declared here with plain integer types, as in the real crate.
        #[allow(non_snake_case)]
        fn KeBugCheckEx(
            BugCheckCode: u32,
            BugCheckParameter1: usize,
            BugCheckParameter2: usize,
            BugCheckParameter3: usize,
            BugCheckParameter4: usize,
        ) -> !;
    }

    /// "RPNC": Rust panic.
    const RUST_PANIC_BUGCHECK_CODE: u32 = u32::from_be_bytes(*b"RPNC");

    #[cold]
    #[panic_handler]
    fn panic(info: &PanicInfo) -> ! {
        #[cfg(debug_assertions)]
        wdk::dbg_break();
        let (file, file_len, line, column) = info.location().map_or((0, 0, 0, 0), |location| {
            (
                location.file().as_ptr() as usize,
                location.file().len(),
                location.line() as usize,
                location.column() as usize,
            )
        });
        // SAFETY: KeBugCheckEx takes plain values, may be called at any IRQL and never returns.
        unsafe { KeBugCheckEx(RUST_PANIC_BUGCHECK_CODE, file, file_len, line, column) }
    }
}
