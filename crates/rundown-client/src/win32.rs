//! Win32 error codes (`GetLastError`) as the device and service calls meet them: short texts
//! for the usual ones, the system's message for the rest.

use std::fmt;

/// A Win32 error code (`GetLastError`).
///
/// ```
/// use rundown_client::Win32Error;
/// assert_eq!(Win32Error(1073).to_string(), "the service already exists (Win32 error 1073)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Win32Error(pub u32);

/// `ERROR_FILE_NOT_FOUND`: what opening the device gives when the driver is not loaded.
///
/// ```
/// assert_eq!(rundown_client::win32::FILE_NOT_FOUND.0, 2);
/// ```
pub const FILE_NOT_FOUND: Win32Error = Win32Error(2);
/// `ERROR_PATH_NOT_FOUND`.
///
/// ```
/// assert_eq!(rundown_client::win32::PATH_NOT_FOUND.0, 3);
/// ```
pub const PATH_NOT_FOUND: Win32Error = Win32Error(3);
/// `ERROR_SERVICE_DOES_NOT_EXIST`.
///
/// ```
/// assert_eq!(rundown_client::win32::SERVICE_DOES_NOT_EXIST.0, 1060);
/// ```
pub const SERVICE_DOES_NOT_EXIST: Win32Error = Win32Error(1060);
/// `ERROR_SERVICE_NOT_ACTIVE`: stopping a service that is not running.
///
/// ```
/// assert_eq!(rundown_client::win32::SERVICE_NOT_ACTIVE.0, 1062);
/// ```
pub const SERVICE_NOT_ACTIVE: Win32Error = Win32Error(1062);
/// `ERROR_INTERNAL_ERROR`: Wine's services.exe answers it when a new winedevice.exe fails to
/// start.
///
/// ```
/// assert_eq!(rundown_client::win32::INTERNAL_ERROR.0, 1359);
/// ```
pub const INTERNAL_ERROR: Win32Error = Win32Error(1359);

/// `<text> (Win32 error N)`: on Windows with the system's text for codes this crate does not
/// know.
impl fmt::Display for Win32Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl std::error::Error for Win32Error {}

/// Known codes and their texts (lower case, no full stop: they end a `rundownctl:` line).
const TEXTS: [(u32, &str); 22] = [
    (2, "the system cannot find the file specified"),
    (3, "the system cannot find the path specified"),
    (5, "access is denied"),
    (6, "the handle is invalid"),
    (32, "the file is in use by another process"),
    (87, "the parameter is incorrect"),
    (577, "Windows cannot verify the driver's digital signature"),
    (1051, "other running services depend on this service"),
    (1052, "the service does not accept that control"),
    (1053, "the service did not respond to the request in time"),
    (1055, "the service database is locked"),
    (1056, "the service is already running"),
    (1058, "the service is disabled"),
    (1060, "the service does not exist"),
    (1061, "the service cannot accept control messages now"),
    (1062, "the service has not been started"),
    (1072, "the service is marked for deletion"),
    (1073, "the service already exists"),
    (1077, "the service has never been started"),
    (1114, "a DLL initialization routine failed; Wine answers this when the driver does not load"),
    (1275, "the driver has been blocked from loading"),
    (1359, "an internal error occurred; Wine answers this when winedevice.exe does not start"),
];

impl Win32Error {
    /// `GetLastError` (through std).
    ///
    /// ```
    /// let _ = rundown_client::Win32Error::last();
    /// ```
    #[must_use]
    pub fn last() -> Self {
        Self(std::io::Error::last_os_error().raw_os_error().map_or(0, i32::cast_unsigned))
    }

    /// The code of an I/O error that carries one.
    ///
    /// ```
    /// use rundown_client::Win32Error;
    /// let err = std::io::Error::from_raw_os_error(5);
    /// assert_eq!(Win32Error::of(&err), Some(Win32Error(5)));
    /// ```
    #[must_use]
    pub fn of(err: &std::io::Error) -> Option<Self> {
        err.raw_os_error().map(|code| Self(code.cast_unsigned()))
    }

    /// This crate's short text for the code, if it has one.
    ///
    /// ```
    /// use rundown_client::Win32Error;
    /// assert_eq!(Win32Error(1062).known_text(), Some("the service has not been started"));
    /// assert_eq!(Win32Error(9999).known_text(), None);
    /// ```
    #[must_use]
    pub fn known_text(self) -> Option<&'static str> {
        TEXTS.iter().find(|(code, _)| *code == self.0).map(|(_, text)| *text)
    }

    /// `<text> (Win32 error <code>)`, with `fallback` as the text for a code this crate does
    /// not know (the platform's message, or nothing).
    ///
    /// ```
    /// use rundown_client::Win32Error;
    /// assert_eq!(Win32Error(9999).describe_with(Some("odd".into())), "odd (Win32 error 9999)");
    /// assert_eq!(Win32Error(9999).describe_with(None), "Win32 error 9999");
    /// ```
    #[must_use]
    pub fn describe_with(self, fallback: Option<String>) -> String {
        let text = self.known_text().map(str::to_owned).or(fallback).filter(|t| !t.is_empty());
        match text {
            Some(text) => format!("{text} (Win32 error {})", self.0),
            None => format!("Win32 error {}", self.0),
        }
    }

    /// `<text> (Win32 error N)`; on Windows with the system's message (`FormatMessageW`) for a
    /// code this crate does not know.
    ///
    /// ```
    /// use rundown_client::Win32Error;
    /// assert_eq!(Win32Error(1060).describe(), "the service does not exist (Win32 error 1060)");
    /// ```
    #[must_use]
    pub fn describe(self) -> String {
        #[cfg(windows)]
        let system = || crate::system::win32_text(self.0).map(|text| lower_first(&text));
        #[cfg(not(windows))]
        let system = || None;
        match self.known_text() {
            Some(_) => self.describe_with(None),
            None => self.describe_with(system()),
        }
    }
}

/// The text with its first letter in lower case, as it reads after a colon.
#[cfg_attr(not(windows), allow(dead_code, reason = "for the system's messages"))]
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_lowercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes() {
        assert_eq!(
            Win32Error(1114).describe_with(None),
            "a DLL initialization routine failed; Wine answers this when the driver does not load (Win32 error 1114)"
        );
        assert_eq!(
            SERVICE_DOES_NOT_EXIST.describe_with(Some("ignored".into())),
            "the service does not exist (Win32 error 1060)"
        );
    }

    #[test]
    fn unknown_codes_use_the_fallback() {
        assert_eq!(Win32Error(9999).describe_with(Some(String::new())), "Win32 error 9999");
        assert_eq!(lower_first("Access is denied"), "access is denied");
    }

    #[test]
    fn texts_are_unique() {
        for (i, (a, _)) in TEXTS.iter().enumerate() {
            assert!(TEXTS[i + 1..].iter().all(|(b, _)| a != b), "{a} twice");
        }
    }
}
