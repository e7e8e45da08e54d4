//! How an `NTSTATUS` is shown: the ABI crate's name where it knows the value; on Windows, else,
//! the system's text for it (`FormatMessageW` over ntdll.dll's message table); hex otherwise.

use rundown_abi::NtStatus;

/// `0xC0000010`: the status as eight upper-case hex digits.
///
/// ```
/// use rundown_abi::NtStatus;
/// assert_eq!(rundown_client::status::hex(NtStatus::INVALID_DEVICE_REQUEST), "0xC0000010");
/// ```
#[must_use]
pub fn hex(status: NtStatus) -> String {
    format!("0x{:08X}", status.raw().cast_unsigned())
}

/// The ntstatus.h name if the ABI crate's [`NtStatus`] knows the value
/// (`STATUS_DEVICE_BUSY`), else `None`.
///
/// ```
/// use rundown_abi::NtStatus;
/// use rundown_client::status;
/// assert_eq!(status::name(NtStatus::DEVICE_BUSY), Some("STATUS_DEVICE_BUSY"));
/// assert_eq!(status::name(NtStatus::from_raw(0xC000_0135_u32.cast_signed())), None);
/// ```
#[must_use]
pub fn name(status: NtStatus) -> Option<&'static str> {
    NtStatus::ALL.contains(&status).then(|| status.name())
}

/// Windows' text for a status (ntdll.dll's message table, one line, without a trailing full
/// stop), if it has one; `None` on other hosts.
///
/// ```
/// use rundown_abi::NtStatus;
/// let text = rundown_client::status::system_text(NtStatus::from_raw(0xC000_0135_u32.cast_signed()));
/// if !cfg!(windows) {
///     assert_eq!(text, None);
/// }
/// ```
#[must_use]
pub fn system_text(status: NtStatus) -> Option<String> {
    #[cfg(windows)]
    {
        crate::system::ntstatus_text(status.raw().cast_unsigned())
    }
    #[cfg(not(windows))]
    {
        let _ = status;
        None
    }
}

/// For people: `STATUS_DEVICE_BUSY (0x80000011)` for a value the ABI crate names; else, where
/// Windows has a text for it, `0xC0000135 (The code execution cannot proceed ...)`; else
/// `0xC0000135`.
///
/// ```
/// use rundown_abi::NtStatus;
/// use rundown_client::status;
/// assert_eq!(status::describe(NtStatus::DEVICE_BUSY), "STATUS_DEVICE_BUSY (0x80000011)");
/// let unknown = status::describe(NtStatus::from_raw(0x103));
/// assert!(unknown.starts_with("0x00000103"));
/// ```
#[must_use]
pub fn describe(status: NtStatus) -> String {
    if let Some(name) = name(status) {
        return format!("{name} ({})", hex(status));
    }
    match system_text(status) {
        Some(text) => format!("{} ({text})", hex(status)),
        None => hex(status),
    }
}

/// Makes a system message read like this crate's own texts: std's ` (os error N)` suffix, line
/// breaks, repeated spaces and the trailing full stop go.
///
/// ```
/// use rundown_client::status::tidy_system_message;
/// assert_eq!(tidy_system_message("Access is denied. (os error 5)"), "Access is denied");
/// assert_eq!(tidy_system_message("{Title}\r\nThe text.\r\n"), "{Title} The text");
/// ```
#[must_use]
pub fn tidy_system_message(message: &str) -> String {
    let message = match message.rfind(" (os error ") {
        Some(at) => &message[..at],
        None => message,
    };
    let words: Vec<&str> = message.split_whitespace().collect();
    words.join(" ").trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_status() {
        let s = NtStatus::INVALID_DEVICE_REQUEST;
        assert_eq!(hex(s), "0xC0000010");
        assert_eq!(name(s), Some("STATUS_INVALID_DEVICE_REQUEST"));
        assert_eq!(describe(s), "STATUS_INVALID_DEVICE_REQUEST (0xC0000010)");
        assert_eq!(describe(NtStatus::SUCCESS), "STATUS_SUCCESS (0x00000000)");
    }

    #[cfg(not(windows))]
    #[test]
    fn unknown_status_is_hex_off_windows() {
        let s = NtStatus::from_raw(0xC000_0135_u32.cast_signed());
        assert_eq!(name(s), None);
        assert_eq!(describe(s), "0xC0000135");
        assert_eq!(hex(NtStatus::from_raw(0x103)), "0x00000103");
    }

    #[test]
    fn system_messages_are_tidied() {
        assert_eq!(tidy_system_message("Incorrect function.\r\n (os error 1)"), "Incorrect function");
        assert_eq!(tidy_system_message(""), "");
    }
}
