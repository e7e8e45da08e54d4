//! NUL-terminated UTF-16 strings for the `...W` functions.

use std::ffi::OsStr;
use std::os::windows::ffi::OsStrExt as _;

/// `text` in UTF-16 with a terminating 0. (Command-line text cannot contain a NUL, so the
/// string is never cut short.)
#[must_use]
pub fn nul_terminated(text: impl AsRef<OsStr>) -> Vec<u16> {
    text.as_ref().encode_wide().chain(std::iter::once(0)).collect()
}
