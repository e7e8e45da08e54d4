//! Windows' own texts for status and error codes: `FormatMessageW` over ntdll.dll's message table
//! (`FORMAT_MESSAGE_FROM_HMODULE`) for an `NTSTATUS`, over the system's for a Win32 error.

use std::ffi::c_void;
use std::ptr::null;

use windows_sys::Win32::System::Diagnostics::Debug::{
    FORMAT_MESSAGE_FROM_HMODULE, FORMAT_MESSAGE_FROM_SYSTEM, FORMAT_MESSAGE_IGNORE_INSERTS, FormatMessageW,
};
use windows_sys::Win32::System::LibraryLoader::GetModuleHandleW;

use crate::status::tidy_system_message;

/// The longest message kept, in UTF-16 units.
const MAX_MESSAGE: usize = 1024;

/// ntdll.dll's text for `status`, if its message table has one.
pub fn ntstatus_text(status: u32) -> Option<String> {
    let name: Vec<u16> = "ntdll.dll\0".encode_utf16().collect();
    // SAFETY: `name` is NUL-terminated and outlives the call; ntdll.dll is loaded in every
    // process, and the handle is not reference-counted (nothing to free).
    let ntdll = unsafe { GetModuleHandleW(name.as_ptr()) };
    if ntdll.is_null() {
        return None;
    }
    message(FORMAT_MESSAGE_FROM_HMODULE, ntdll.cast_const(), status)
}

/// The system's text for the Win32 error `code`.
pub fn win32_text(code: u32) -> Option<String> {
    message(FORMAT_MESSAGE_FROM_SYSTEM, null(), code)
}

/// `FormatMessageW(flags | FORMAT_MESSAGE_IGNORE_INSERTS, source, code)`, tidied to one line.
fn message(flags: u32, source: *const c_void, code: u32) -> Option<String> {
    let mut buffer = [0u16; MAX_MESSAGE];
    // SAFETY: `source` is null or a loaded module; the buffer is writable for its length, which
    // is passed; inserts are ignored, so no argument array is read.
    let written = unsafe {
        FormatMessageW(
            flags | FORMAT_MESSAGE_IGNORE_INSERTS,
            source,
            code,
            0,
            buffer.as_mut_ptr(),
            u32::try_from(buffer.len()).unwrap_or(u32::MAX),
            null(),
        )
    };
    let text = String::from_utf16_lossy(buffer.get(..usize::try_from(written).ok()?)?);
    let text = tidy_system_message(&text);
    (!text.is_empty()).then_some(text)
}
