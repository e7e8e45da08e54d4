//! The device's names, as `&str` and as compile-time UTF-16.
//!
//! The UTF-16 arrays without a terminator suit a `UNICODE_STRING` (whose `Length` is in bytes:
//! twice the array length); the `_NUL` arrays end in a 0 for `CreateFileW`.

/// Widens an ASCII string to UTF-16 at compile time. `N` must be the string's length.
///
/// # Panics
///
/// If `s` is not ASCII or `N != s.len()`; in a `const` both are compile errors.
///
/// ```
/// use rundown_abi::names::widen_ascii;
/// const W: [u16; 2] = widen_ascii("ok");
/// assert_eq!(W, [u16::from(b'o'), u16::from(b'k')]);
/// ```
#[must_use]
pub const fn widen_ascii<const N: usize>(s: &str) -> [u16; N] {
    let bytes = s.as_bytes();
    assert!(bytes.len() == N, "array length must equal the string's length");
    let mut wide = [0u16; N];
    let mut i = 0;
    while i < N {
        assert!(bytes[i].is_ascii(), "name must be ASCII");
        wide[i] = bytes[i] as u16;
        i += 1;
    }
    wide
}

/// Widens an ASCII string to UTF-16 with a terminating 0. `N` must be the string's length + 1.
///
/// # Panics
///
/// If `s` is not ASCII, contains a 0, or `N != s.len() + 1`; in a `const` these are compile
/// errors.
///
/// ```
/// use rundown_abi::names::widen_ascii_nul;
/// const W: [u16; 3] = widen_ascii_nul("ok");
/// assert_eq!(W[2], 0);
/// ```
#[must_use]
pub const fn widen_ascii_nul<const N: usize>(s: &str) -> [u16; N] {
    let bytes = s.as_bytes();
    assert!(bytes.len() + 1 == N, "array length must be the string's length + 1");
    let mut wide = [0u16; N];
    let mut i = 0;
    while i < bytes.len() {
        assert!(bytes[i].is_ascii() && bytes[i] != 0, "name must be ASCII without NUL");
        wide[i] = bytes[i] as u16;
        i += 1;
    }
    wide
}

/// The NT device name, for `IoCreateDevice`.
///
/// ```
/// assert_eq!(rundown_abi::NT_DEVICE_NAME, r"\Device\RundownShared");
/// ```
pub const NT_DEVICE_NAME: &str = r"\Device\RundownShared";

/// The DOS symbolic link, for `IoCreateSymbolicLink`.
///
/// ```
/// assert_eq!(rundown_abi::DOS_DEVICE_NAME, r"\DosDevices\RundownShared");
/// ```
pub const DOS_DEVICE_NAME: &str = r"\DosDevices\RundownShared";

/// The Win32 path user mode opens with `CreateFile`.
///
/// ```
/// assert_eq!(rundown_abi::WIN32_PATH, r"\\.\RundownShared");
/// ```
pub const WIN32_PATH: &str = r"\\.\RundownShared";

/// [`NT_DEVICE_NAME`] in UTF-16, unterminated.
///
/// ```
/// use rundown_abi::names::NT_DEVICE_NAME_W;
/// assert_eq!(String::from_utf16(&NT_DEVICE_NAME_W).unwrap(), rundown_abi::NT_DEVICE_NAME);
/// ```
pub const NT_DEVICE_NAME_W: [u16; NT_DEVICE_NAME.len()] = widen_ascii(NT_DEVICE_NAME);

/// [`DOS_DEVICE_NAME`] in UTF-16, unterminated.
///
/// ```
/// use rundown_abi::names::DOS_DEVICE_NAME_W;
/// assert_eq!(String::from_utf16(&DOS_DEVICE_NAME_W).unwrap(), rundown_abi::DOS_DEVICE_NAME);
/// ```
pub const DOS_DEVICE_NAME_W: [u16; DOS_DEVICE_NAME.len()] = widen_ascii(DOS_DEVICE_NAME);

/// [`WIN32_PATH`] in UTF-16, unterminated.
///
/// ```
/// use rundown_abi::names::WIN32_PATH_W;
/// assert_eq!(String::from_utf16(&WIN32_PATH_W).unwrap(), rundown_abi::WIN32_PATH);
/// ```
pub const WIN32_PATH_W: [u16; WIN32_PATH.len()] = widen_ascii(WIN32_PATH);

/// [`WIN32_PATH`] in UTF-16 with a terminating 0, for `CreateFileW`.
///
/// ```
/// use rundown_abi::names::WIN32_PATH_W_NUL;
/// assert_eq!(WIN32_PATH_W_NUL.last(), Some(&0));
/// ```
pub const WIN32_PATH_W_NUL: [u16; WIN32_PATH.len() + 1] = widen_ascii_nul(WIN32_PATH);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "ASCII")]
    fn non_ascii_is_refused() {
        let _: [u16; 2] = widen_ascii("\u{e9}");
    }

    #[test]
    #[should_panic(expected = "length")]
    fn wrong_length_is_refused() {
        let _: [u16; 3] = widen_ascii("ab");
    }

    #[test]
    fn unicode_string_lengths_fit() {
        // UNICODE_STRING.Length is a u16 count of bytes.
        assert!(u16::try_from(NT_DEVICE_NAME_W.len() * 2).is_ok());
        assert!(u16::try_from(DOS_DEVICE_NAME_W.len() * 2).is_ok());
    }
}
