//! Short texts for the Win32 error codes the device and service calls meet.
//!
//! Portable so that the texts are tested on the host; Windows' own message (FormatMessage,
//! through `std::io::Error`) is the fallback for any other code.

/// A Win32 error code (`GetLastError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Win32Error(pub u32);

/// `ERROR_FILE_NOT_FOUND`: what opening the device gives when the driver is not loaded.
pub const FILE_NOT_FOUND: Win32Error = Win32Error(2);
/// `ERROR_PATH_NOT_FOUND`.
pub const PATH_NOT_FOUND: Win32Error = Win32Error(3);
/// `ERROR_SERVICE_DOES_NOT_EXIST`.
pub const SERVICE_DOES_NOT_EXIST: Win32Error = Win32Error(1060);
/// `ERROR_SERVICE_NOT_ACTIVE`: stopping a service that is not running.
pub const SERVICE_NOT_ACTIVE: Win32Error = Win32Error(1062);

impl std::fmt::Display for Win32Error {
    /// `<text> (Win32 error N)`: on Windows with the system's text for codes this crate does
    /// not know.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        #[cfg(windows)]
        let text = self.describe();
        #[cfg(not(windows))]
        let text = self.describe_with(None);
        f.write_str(&text)
    }
}

impl std::error::Error for Win32Error {}

/// Known codes and their texts (lower case, no full stop: they end a `rundownctl:` line).
const TEXTS: [(u32, &str); 21] = [
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
];

impl Win32Error {
    /// This crate's short text for the code, if it has one.
    #[must_use]
    pub fn known_text(self) -> Option<&'static str> {
        TEXTS.iter().find(|(code, _)| *code == self.0).map(|(_, text)| *text)
    }

    /// `<text> (Win32 error <code>)`, with `fallback` as the text for a code this crate does
    /// not know (the platform's message, or nothing).
    #[must_use]
    pub fn describe_with(self, fallback: Option<String>) -> String {
        let text = self.known_text().map(str::to_owned).or(fallback).filter(|t| !t.is_empty());
        match text {
            Some(text) => format!("{text} (Win32 error {})", self.0),
            None => format!("Win32 error {}", self.0),
        }
    }
}

#[cfg(windows)]
impl Win32Error {
    /// `GetLastError` (through std).
    #[must_use]
    pub fn last() -> Self {
        Self(std::io::Error::last_os_error().raw_os_error().map_or(0, i32::cast_unsigned))
    }

    /// `<text> (Win32 error N)`, with the system's message for a code this crate does not know.
    #[must_use]
    pub fn describe(self) -> String {
        let system = std::io::Error::from_raw_os_error(self.0.cast_signed()).to_string();
        self.describe_with(Some(tidy_system_message(&system)))
    }
}

/// Strips std's ` (os error N)` suffix and the trailing full stop from a system message and
/// lower-cases its first letter, so it reads like this crate's own texts.
#[must_use]
pub fn tidy_system_message(message: &str) -> String {
    let message = match message.rfind(" (os error ") {
        Some(at) => &message[..at],
        None => message,
    };
    let message = message.trim().trim_end_matches('.');
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
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
        assert_eq!(Win32Error(9999).describe_with(Some("odd".into())), "odd (Win32 error 9999)");
        assert_eq!(Win32Error(9999).describe_with(None), "Win32 error 9999");
        assert_eq!(Win32Error(9999).describe_with(Some(String::new())), "Win32 error 9999");
    }

    #[test]
    fn display() {
        assert_eq!(Win32Error(1073).to_string(), "the service already exists (Win32 error 1073)");
    }

    #[test]
    fn texts_are_unique() {
        for (i, (a, _)) in TEXTS.iter().enumerate() {
            assert!(TEXTS[i + 1..].iter().all(|(b, _)| a != b), "{a} twice");
        }
    }

    #[test]
    fn system_messages_are_tidied() {
        assert_eq!(tidy_system_message("Access is denied. (os error 5)"), "access is denied");
        assert_eq!(tidy_system_message("Incorrect function.\r\n (os error 1)"), "incorrect function");
        assert_eq!(tidy_system_message(""), "");
    }
}
