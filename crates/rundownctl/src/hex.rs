//! Hexadecimal byte strings and numbers, as typed on the command line and in sessions.

use std::fmt::Write as _;

/// Why a hex string is not valid.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    /// A character that is not a hex digit (whitespace and `_` are allowed in byte strings).
    #[error("'{0}' is not a hex digit")]
    BadDigit(char),
    /// An odd number of digits in a byte string.
    #[error("odd number of hex digits ({0})")]
    OddLength(usize),
    /// An empty number.
    #[error("no hex digits")]
    Empty,
    /// A number wider than 32 bits.
    #[error("{0} does not fit in 32 bits")]
    TooWide(String),
}

/// Parses a byte string: pairs of hex digits, with optional `0x` prefix; spaces, `:` and `_`
/// between digits are ignored, so `de ad`, `de:ad` and `0xdead` are the same two bytes. An
/// empty string or `-` is no bytes.
///
/// # Errors
///
/// [`HexError::BadDigit`] or [`HexError::OddLength`].
pub fn parse_bytes(text: &str) -> Result<Vec<u8>, HexError> {
    let text = text.trim();
    if text == "-" {
        return Ok(Vec::new());
    }
    let text = strip_0x(text);
    let mut digits = Vec::with_capacity(text.len());
    for c in text.chars() {
        if c.is_whitespace() || c == ':' || c == '_' {
            continue;
        }
        let digit = c.to_digit(16).ok_or(HexError::BadDigit(c))?;
        #[allow(clippy::cast_possible_truncation)] // a hex digit is below 16
        digits.push(digit as u8);
    }
    if digits.len() % 2 != 0 {
        return Err(HexError::OddLength(digits.len()));
    }
    Ok(digits.chunks_exact(2).map(|pair| (pair[0] << 4) | pair[1]).collect())
}

/// Parses a 32-bit number written in hex, with or without `0x` (`83526000`, `0x8352_6000`).
///
/// # Errors
///
/// [`HexError::Empty`], [`HexError::BadDigit`] or [`HexError::TooWide`].
pub fn parse_u32(text: &str) -> Result<u32, HexError> {
    let digits: String = strip_0x(text.trim()).chars().filter(|&c| c != '_').collect();
    if digits.is_empty() {
        return Err(HexError::Empty);
    }
    if let Some(bad) = digits.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(HexError::BadDigit(bad));
    }
    u32::from_str_radix(&digits, 16).map_err(|_| HexError::TooWide(text.trim().to_owned()))
}

/// Lower-case hex of `bytes`, no separators (`[0xde, 0xad]` is `dead`).
#[must_use]
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn strip_0x(text: &str) -> &str {
    text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")).unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        let bytes = parse_bytes("00 01 7f 80 ff").unwrap();
        assert_eq!(bytes, [0x00, 0x01, 0x7f, 0x80, 0xff]);
        assert_eq!(encode(&bytes), "00017f80ff");
    }

    #[test]
    fn separators_prefix_and_case() {
        assert_eq!(parse_bytes("0xDE:ad_Be ef").unwrap(), [0xde, 0xad, 0xbe, 0xef]);
    }

    #[test]
    fn empty_and_dash_are_no_bytes() {
        assert_eq!(parse_bytes("").unwrap(), Vec::<u8>::new());
        assert_eq!(parse_bytes("-").unwrap(), Vec::<u8>::new());
        assert_eq!(encode(&[]), "");
    }

    #[test]
    fn bad_bytes() {
        assert_eq!(parse_bytes("abc"), Err(HexError::OddLength(3)));
        assert_eq!(parse_bytes("zz"), Err(HexError::BadDigit('z')));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u32("83526000"), Ok(0x8352_6000));
        assert_eq!(parse_u32("0x8352_A010"), Ok(0x8352_A010));
        assert_eq!(parse_u32("0"), Ok(0));
        assert_eq!(parse_u32("0x"), Err(HexError::Empty));
        assert_eq!(parse_u32("12g"), Err(HexError::BadDigit('g')));
        assert_eq!(parse_u32("1_0000_0000"), Err(HexError::TooWide("1_0000_0000".into())));
        assert!(parse_u32("-1").is_err());
    }
}
